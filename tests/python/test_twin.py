"""citybrain's own API from Python: citybrain.Twin (docs/python.md, "The citybrain API")."""

import gc
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import citybrain
from conftest import DATA, REPO
from max_pressure_controller import MaxPressure  # the built-in rule in Python: the run must be the same

HANGZHOU = DATA / "hangzhou_4x4"
ROADNET = str(HANGZHOU / "roadnet_4_4.json")
FLOW = str(HANGZHOU / "anon_4_4_hangzhou_real.json")
CLI = pathlib.Path(os.environ.get("CITYBRAIN_BUILD_DIR", REPO / "build" / "release")) / "citybrain"


def hangzhou(**kwargs):
    return citybrain.Twin(roadnet=ROADNET, flow=FLOW, **kwargs)


def cli_run(*args):
    out = subprocess.run([str(CLI), "run", "--json", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(not CLI.exists(), reason="the citybrain program is not built")
def test_a_run_gives_the_command_lines_figures_and_state():
    twin = hangzhou(controller="maxpressure")
    kpis = twin.run()
    expected = cli_run("--roadnet", ROADNET, "--flow", FLOW, "--controller", "maxpressure")
    assert twin.done and twin.time == 3600
    for key in ("average_travel_time_s", "delay_index", "throughput", "vehicles_running",
                "average_time_loss_s"):
        assert kpis[key] == expected[key], key
    assert kpis["average_travel_time_s"] == pytest.approx(334.22, abs=0.005)
    assert "%016x" % twin.state_hash() == expected["state_hash"]
    assert twin.safety()["safety_violations"] == 0
    assert twin.safety()["phase_changes"] == expected["phase_changes"]


def test_a_config_file_any_protocol_and_threads_give_the_same_run(hangzhou_config):
    one = citybrain.Twin(hangzhou_config, controller="fixed", duration=900)
    two = citybrain.Twin(hangzhou_config, controller="fixed", duration=900, threads=2)
    one.run()
    two.run()
    assert one.state_hash() == two.state_hash()
    published = hangzhou(controller="fixed", protocol="llmlight", duration=900)
    assert published.protocol == "llmlight"
    assert published.run()["travel_time_metric"] == "per_intersection"


def test_a_sumo_city_loads_and_runs():
    twin = citybrain.Twin(str(REPO / "data" / "sumo_resco" / "cologne1" / "cologne1.sumocfg"),
                          controller="fixed-plan", duration=600)
    kpis = twin.run()
    assert kpis["vehicles_entered"] > 0
    assert twin.safety()["safety_violations"] == 0
    assert len(twin.intersections()) == 1


def test_stepping_by_pieces_equals_one_run():
    a = hangzhou(duration=600)
    b = hangzhou(duration=600)
    a.run()
    for _ in range(6):
        b.step(100)
    assert b.done and a.state_hash() == b.state_hash()
    assert b.step(0) == 600.0


def test_a_python_object_controls_through_the_safety_layer():
    builtin = hangzhou(controller="maxpressure", duration=900)
    mine = hangzhou(controller=MaxPressure(), duration=900)
    builtin.run()
    mine.run()
    assert mine.state_hash() == builtin.state_hash()
    assert mine.intersections()[0]["controller"] == "python:MaxPressure"


class AlwaysAsks:
    """Asks for a different phase every decision: the safety layer must hold it back."""

    def __init__(self):
        self.k = 0

    def decide(self, observation):
        self.k += 1
        return observation["phases"][self.k % len(observation["phases"])]


def test_no_controller_cuts_a_minimum_green_or_skips_a_clearance():
    twin = hangzhou(controller=AlwaysAsks(), decision_interval=1, min_green=12, yellow=4, duration=600)
    name = twin.intersections()[0]["id"]
    changes, last, green_started = 0, None, None
    while not twin.done:
        twin.step()
        state = twin.signal_state(name)
        if state["in_clearance"]:
            continue
        if last is not None and state["phase"] != last:
            changes += 1
            assert twin.time - green_started >= 12 + 4 - 1e-9
        if state["phase"] != last:
            last, green_started = state["phase"], twin.time - state["green_elapsed"]
    assert changes > 10
    safety = twin.safety()
    assert safety["delayed"] > 0 and safety["safety_violations"] == 0


class Broken:
    def decide(self, observation):
        raise ValueError("no idea")


class NotAnInt:
    def decide(self, observation):
        return "north"


def test_a_failing_controller_raises_from_step_and_the_signal_keeps_its_phase():
    twin = hangzhou(controller=Broken())
    with pytest.raises(citybrain.Error, match="decide\\(\\) raised ValueError: no idea"):
        twin.step(10)
    assert twin.time == 1.0  # the step in which it failed completed
    twin = hangzhou(controller=NotAnInt())
    with pytest.raises(citybrain.Error, match="returned str, expected an int"):
        twin.step()
    with pytest.raises(TypeError, match="decide"):
        hangzhou(controller=42)


def test_bad_inputs_raise_the_command_lines_messages(tmp_path):
    with pytest.raises(citybrain.Error, match="no-such-roadnet.json"):
        citybrain.Twin(roadnet=str(tmp_path / "no-such-roadnet.json"), flow=FLOW)
    with pytest.raises(citybrain.Error, match="exclude each other"):
        citybrain.Twin(str(tmp_path / "c.json"), roadnet=ROADNET, flow=FLOW)
    with pytest.raises(citybrain.Error, match="expected config=PATH"):
        citybrain.Twin(roadnet=ROADNET)
    with pytest.raises(citybrain.Error, match="maxpressure"):  # lists the names it knows
        hangzhou(controller="no-such-controller")
    with pytest.raises(citybrain.Error, match="llmlight"):
        hangzhou(protocol="no-such-protocol")
    with pytest.raises(citybrain.Error, match="--duration"):
        hangzhou(duration=-5)
    bad = tmp_path / "bad.json"
    bad.write_text('{"intersections": [], "roads": [{"id": 3}]}')
    with pytest.raises(citybrain.Error, match="bad.json"):
        citybrain.Twin(roadnet=str(bad), flow=FLOW)


def test_per_intersection_controllers():
    twin = hangzhou(controller="maxpressure", duration=300)
    first = twin.intersections()[0]["id"]
    twin.set_controller(first, "fixed")
    assert twin.signal_state(first)["controller"] == "fixed"
    assert twin.intersections()[1]["controller"] == "maxpressure"
    with pytest.raises(citybrain.Error, match="no intersection 'nowhere'"):
        twin.set_controller("nowhere", "fixed")
    twin.run()
    assert twin.safety()["safety_violations"] == 0


def test_detector_posts_drive_the_controllers():
    plain = hangzhou(controller="maxpressure", duration=300)
    posted = hangzhou(controller="maxpressure", duration=300, detector_ttl=30)
    name = posted.intersections()[5]["id"]
    lanes = posted.intersections()[5]["incoming_lanes"]
    with pytest.raises(citybrain.Error, match="detectors are off"):
        plain.post_detections(name, {lanes[0]: 3})
    for _ in range(300):
        # A made-up queue on one approach, refreshed every step: max-pressure must serve it.
        posted.post_detections(name, {lane: (40, 40) if k < 3 else (0, 0) for k, lane in enumerate(lanes)})
        plain.step()
        posted.step()
    assert posted.state_hash() != plain.state_hash()
    with pytest.raises(citybrain.Error, match="queue"):
        posted.post_detections(name, {lanes[0]: (2, 5)})  # more standing than on the lane
    with pytest.raises(citybrain.Error, match="no lane 'road_x_0'"):
        posted.post_detections(name, {"road_x_0": 1})
    with pytest.raises(citybrain.Error, match="count"):
        posted.post_detections(name, {lanes[0]: "many"})
    other = posted.intersections()[0]["incoming_lanes"][0]
    with pytest.raises(citybrain.Error):
        posted.post_detections(name, {other: 1})  # not a lane of this intersection


def test_an_emergency_vehicle_is_dispatched_prioritised_and_arrives():
    twin = hangzhou(controller="maxpressure")
    twin.step(300)
    trip = twin.dispatch_emergency("road_0_1_0", "road_4_3_2")
    assert trip["route"][0] == "road_0_1_0" and trip["route"][-1] == "road_4_3_2"
    assert trip["free_flow_time"] > 0
    ev = twin.vehicle(trip["vehicle"])
    assert ev["siren"] and ev["state"] in ("waiting", "running") and ev["finished_at"] is None
    seen_roads = set()
    while not twin.emergency_trips()[0]["arrived"] and twin.time < 1500:
        twin.step(10)
        ev = twin.vehicle(trip["vehicle"])
        if ev["state"] == "running":
            seen_roads.add(ev["road"])
            assert ev["speed"] >= 0 and ev["position"] >= 0
    done = twin.emergency_trips()[0]
    ev = twin.vehicle(trip["vehicle"])
    assert ev["state"] == "finished" and ev["finished_at"] == pytest.approx(done["arrived_at"], abs=1)
    assert seen_roads <= set(trip["route"]) and len(seen_roads) >= 3
    with pytest.raises(citybrain.Error, match="no vehicle"):
        twin.vehicle(10**9)
    assert done["arrived"] and done["dispatched_at"] == 300
    assert done["free_flow_time"] * 0.99 <= done["travel_time"] < 3 * done["free_flow_time"]
    assert done["preempted"] > 0
    assert twin.safety()["safety_violations"] == 0
    with pytest.raises(citybrain.Error, match="no road 'nowhere'"):
        twin.dispatch_emergency("nowhere", "road_4_3_2")


def test_an_emergency_vehicle_and_a_detector_fed_controller_keep_every_safety_rule():
    # Detector posts tell max-pressure of a made-up queue on the approaches the EV does
    # not use, at every signal on its route, every step: the controller pulls one way,
    # the pre-emption the other. The EV still arrives; no signal ever cuts a minimum
    # green, skips a clearance or greens two conflicting movements.
    twin = hangzhou(controller="maxpressure", detector_ttl=30, min_green=10, yellow=5, decision_interval=1)
    twin.step(120)
    trip = twin.dispatch_emergency("road_0_1_0", "road_4_3_2")
    route = set(trip["route"])
    signals = twin.intersections()
    last = {d["id"]: None for d in signals}
    green_started = {}
    changes = 0
    while not twin.emergency_trips()[0]["arrived"] and twin.time < 1200:
        for d in signals:
            twin.post_detections(d["id"], {lane: (0, 0) if lane.rsplit("_", 1)[0] in route else (30, 30)
                                           for lane in d["incoming_lanes"]})
        twin.step()
        for d in signals:
            state = twin.signal_state(d["id"])
            if state["in_clearance"]:
                continue
            name = d["id"]
            if last[name] is not None and state["phase"] != last[name]:
                changes += 1
                assert twin.time - green_started[name] >= 10 + 5 - 1e-9, name
            if state["phase"] != last[name]:
                last[name], green_started[name] = state["phase"], twin.time - state["green_elapsed"]
    done = twin.emergency_trips()[0]
    assert done["arrived"] and done["preempted"] > 0
    assert changes > 10
    assert twin.safety()["safety_violations"] == 0


def test_lookahead_copies_follow_the_twin_and_never_touch_it():
    twin = hangzhou(controller="maxpressure")
    twin.step(600)
    before = twin.state_hash()
    copy = twin.lookahead_copy("fixed")
    assert copy.is_lookahead and copy.state_hash() == before and copy.time == 600
    copy.step(120)
    assert twin.state_hash() == before and copy.time == 720
    twin.step(30)
    copy.copy_state_from(twin)
    assert copy.state_hash() == twin.state_hash()
    with pytest.raises(citybrain.Error, match="records no KPIs"):
        copy.kpis()
    with pytest.raises(citybrain.Error, match="look-ahead"):
        copy.dispatch_emergency("road_0_1_0", "road_4_3_2")
    with pytest.raises(citybrain.Error, match="only a look-ahead copy"):
        twin.copy_state_from(copy)


def test_arrays_and_zero_copy_views():
    twin = hangzhou(duration=900)
    twin.step(600)
    ids = twin.vehicle_ids()
    speeds = twin.vehicle_speeds()
    view = twin.speed_view()
    assert len(ids) == twin.vehicle_count > 0
    assert not view.flags.writeable and not view.flags.owndata
    np.testing.assert_array_equal(view[ids], speeds)
    np.testing.assert_array_equal(twin.distance_view()[ids], twin.vehicle_distances())
    phases = twin.phase_view()
    assert len(phases) == len(twin.intersection_ids())
    first = twin.intersection_ids().index(twin.intersections()[0]["id"])
    assert phases[first] == twin.signal_state(twin.intersections()[0]["id"])["shown"]
    counts = twin.lane_vehicle_counts()
    # Vehicles inside intersections are on lane links, not lanes.
    assert 0 < counts.sum() <= twin.vehicle_count and len(counts) == len(twin.lane_ids())
    assert (twin.lane_waiting_counts() <= counts).all()
    with pytest.raises(ValueError):
        view[0] = 1.0
    # A view keeps its twin alive.
    del twin
    gc.collect()
    assert np.isfinite(view).all()
