"""CityFlow's engine API (docs/python.md): research code written against `cityflow`
runs on `import citybrain as cityflow` and gets the C++ twin's figures."""

import json
import os
import pathlib
import re
import subprocess

import pytest

import citybrain as cityflow
from conftest import DATA, REPO, write_config
import maxpressure

HANGZHOU_ROADNET = str(DATA / "hangzhou_4x4" / "roadnet_4_4.json")


def cpp_maxpressure_att():
    """The C++ command's max-pressure average travel time on hangzhou_real, if built."""
    binary = pathlib.Path(os.environ.get("CITYBRAIN_BUILD_DIR", REPO / "build" / "release")) / "citybrain"
    if not binary.exists():
        return None
    out = subprocess.run(
        [str(binary), "run", "--roadnet", HANGZHOU_ROADNET, "--flow",
         str(DATA / "hangzhou_4x4" / "anon_4_4_hangzhou_real.json"), "--controller", "maxpressure", "--json"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["average_travel_time_s"]


def test_max_pressure_in_python_gives_the_cpp_figure(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    att = maxpressure.run(eng, HANGZHOU_ROADNET)
    assert att == pytest.approx(334.22, abs=0.005)
    cpp = cpp_maxpressure_att()
    if cpp is not None:
        assert att == cpp


def test_vehicles_are_named_and_counted_as_cityflow_does(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    for _ in range(300):
        eng.next_step()
    assert eng.get_current_time() == 300.0
    running = eng.get_vehicles()
    everyone = eng.get_vehicles(include_waiting=True)
    assert set(running) <= set(everyone)
    assert eng.get_vehicle_count() == len(everyone)
    assert all(re.fullmatch(r"flow_\d+_\d+", v) for v in everyone)
    # The n-th vehicle of a flow is flow_<i>_<n>: numbers per flow run 0, 1, 2, ...
    per_flow = {}
    for v in everyone:
        _, flow, n = v.split("_")
        per_flow.setdefault(int(flow), []).append(int(n))
    for numbers in per_flow.values():
        assert sorted(numbers)[0] == 0
    lanes = eng.get_lane_vehicles()
    counts = eng.get_lane_vehicle_count()
    waiting = eng.get_lane_waiting_vehicle_count()
    speeds = eng.get_vehicle_speed()
    distances = eng.get_vehicle_distance()
    assert set(lanes) == set(counts) == set(waiting)
    assert set(speeds) == set(distances) == set(running)
    for lane, ids in lanes.items():
        assert counts[lane] == len(ids)
        assert waiting[lane] == sum(1 for v in ids if speeds[v] < 0.1)
        # Front first: the farthest along comes first.
        assert [distances[v] for v in ids] == sorted((distances[v] for v in ids), reverse=True)
    on_lanes = [v for ids in lanes.values() for v in ids]
    assert len(on_lanes) == len(set(on_lanes))
    assert sum(waiting.values()) > 0
    # get_vehicle_info: strings, as CityFlow gives them.
    v = on_lanes[0]
    info = eng.get_vehicle_info(v)
    assert info["running"] == "1"
    assert float(info["speed"]) == pytest.approx(speeds[v], abs=1e-6)
    assert float(info["distance"]) == pytest.approx(distances[v], abs=1e-6)
    assert info["drivable"] in lanes and v in lanes[info["drivable"]]
    assert info["drivable"].startswith(info["road"] + "_")
    assert info["route"].split(" ")[0] == info["road"]
    assert info["intersection"].startswith("intersection_")
    # get_leader: the vehicle ahead on the same lane, "" for a front vehicle with none.
    for lane, ids in lanes.items():
        for ahead, behind in zip(ids, ids[1:]):
            assert eng.get_leader(behind) == ahead


def test_errors_are_exceptions_with_the_cpp_messages(tmp_path, hangzhou_config):
    with pytest.raises(cityflow.Error, match="nowhere.json"):
        cityflow.Engine(str(tmp_path / "nowhere.json"), thread_num=1)
    bad = tmp_path / "bad"
    bad.mkdir()
    with pytest.raises(RuntimeError, match="roadnetFile"):
        (bad / "config.json").write_text(json.dumps({"flowFile": "f.json"}))
        cityflow.Engine(str(bad / "config.json"))
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    with pytest.raises(cityflow.Error, match="Vehicle 'flow_9_9' not found"):
        eng.get_vehicle_info("flow_9_9")
    with pytest.raises(cityflow.Error, match="no intersection 'nowhere'"):
        eng.set_tl_phase("nowhere", 1)
    with pytest.raises(cityflow.Error, match="phases 0 to 8, not 9"):
        eng.set_tl_phase("intersection_1_1", 9)
    fixed = cityflow.Engine(write_config(tmp_path, "hangzhou_4x4", "roadnet_4_4.json",
                                         "anon_4_4_hangzhou_real.json", rlTrafficLight=False))
    with pytest.raises(cityflow.Error, match="rlTrafficLight"):
        fixed.set_tl_phase("intersection_1_1", 1)


def test_without_rl_traffic_light_the_roadnet_plan_runs(tmp_path):
    """rlTrafficLight false: each signal cycles through its lightphases for their
    "time" from phase 0, as CityFlow does; the same plan set by hand gives the same run."""
    plan = cityflow.Engine(write_config(tmp_path, "hangzhou_4x4", "roadnet_4_4.json",
                                        "anon_4_4_hangzhou_real.json", rlTrafficLight=False))
    by_hand = cityflow.Engine(write_config(tmp_path, "hangzhou_4x4", "roadnet_4_4.json",
                                           "anon_4_4_hangzhou_real.json", name="by_hand.json"))
    roadnet = json.load(open(HANGZHOU_ROADNET))
    lights = {i["id"]: [p["time"] for p in i["trafficLight"]["lightphases"]]
              for i in roadnet["intersections"] if not i["virtual"]}
    state = {iid: [0, 0.0] for iid in lights}
    for iid in lights:
        by_hand.set_tl_phase(iid, 0)
    for _ in range(600):
        plan.next_step()
        by_hand.next_step()
        for iid, times in lights.items():
            s = state[iid]
            s[1] += 1.0
            while s[1] >= times[s[0]]:
                s[1] -= times[s[0]]
                s[0] = (s[0] + 1) % len(times)
            by_hand.set_tl_phase(iid, s[0])
    assert plan.state_hash() == by_hand.state_hash()
    assert plan.get_average_travel_time() == by_hand.get_average_travel_time()


def test_push_vehicle_route_and_leader(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    eng.push_vehicle({"maxSpeed": 10.0, "length": 4.0}, ["road_0_1_0", "road_1_1_0"])
    eng.push_vehicle({}, ["road_0_1_0", "road_1_1_0"])
    with pytest.raises(cityflow.Error, match="no road 'nowhere'"):
        eng.push_vehicle({}, ["nowhere"])
    with pytest.raises(cityflow.Error, match="unknown vehicle parameter 'colour'"):
        eng.push_vehicle({"colour": 1.0}, ["road_0_1_0"])
    assert "manually_pushed_0" in eng.get_vehicles(include_waiting=True)
    assert eng.get_vehicle_info("manually_pushed_0") == {"running": "0"}
    for _ in range(5):
        eng.next_step()
    info = eng.get_vehicle_info("manually_pushed_0")
    assert info["running"] == "1" and info["road"] == "road_0_1_0"
    assert info["route"] == "road_0_1_0 road_1_1_0"
    assert eng.get_leader("manually_pushed_1") == "manually_pushed_0"
    # A route that does not connect is refused; one that does replaces the rest.
    assert eng.set_vehicle_route("manually_pushed_0", ["road_3_3_2"]) is False
    assert eng.set_vehicle_route("manually_pushed_0", ["road_1_1_0", "road_2_1_0"]) is True
    assert eng.get_vehicle_info("manually_pushed_0")["route"] == "road_0_1_0 road_1_1_0 road_2_1_0"
    # Without lane changes a vehicle keeps its lane: a turn its lane has no lane link
    # for is refused.
    lane = eng.get_vehicle_info("manually_pushed_0")["drivable"]
    turns = [r for r in ("road_1_1_1", "road_1_1_3") if not eng.set_vehicle_route("manually_pushed_0", [r])]
    assert turns, "lane %s leads every way" % lane
    assert eng.set_vehicle_route("nobody", ["road_1_1_1"]) is False


def test_replay_is_written_in_cityflow_format(tmp_path):
    # "dir" empty: every file is where the config names it (absolute paths here).
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "interval": 1.0, "seed": 0, "dir": "", "roadnetFile": HANGZHOU_ROADNET,
        "flowFile": str(DATA / "hangzhou_4x4" / "anon_4_4_hangzhou_real.json"), "rlTrafficLight": False,
        "saveReplay": True, "roadnetLogFile": str(tmp_path / "replay_roadnet.json"),
        "replayLogFile": str(tmp_path / "replay.txt")}))
    config = str(config)
    eng = cityflow.Engine(config, thread_num=1)
    for _ in range(120):
        eng.next_step()
    eng.set_save_replay(False)
    for _ in range(10):
        eng.next_step()
    del eng
    static = json.load(open(tmp_path / "replay_roadnet.json"))["static"]
    assert {"id", "point", "virtual", "width", "outline"} <= set(static["nodes"][0])
    assert {"id", "from", "to", "points", "nLane", "laneWidths"} <= set(static["edges"][0])
    lines = open(tmp_path / "replay.txt").read().split("\n")
    assert lines[-1] == "" and len(lines) == 121
    cars, lights = lines[-2].split(";")
    entries = cars.split(",")
    assert entries[-1] == "" and len(entries) > 1
    x, y, heading, vid, lane_change, length, width = entries[0].split(" ")
    assert vid.startswith("flow_") and lane_change == "0" and float(length) == 5.0
    roads = {e["id"]: e["nLane"] for e in static["edges"]}
    for light in lights.split(","):
        road, *states = light.split(" ")
        assert len(states) == roads[road] and set(states) <= {"g", "r", "i"}


def test_set_vehicle_speed_caps_a_vehicle_and_keeps_the_others_rules(hangzhou_config):
    eng = cityflow.Engine(hangzhou_config, thread_num=1)
    for _ in range(30):
        eng.next_step()
    speeds = eng.get_vehicle_speed()
    fast = max(speeds, key=speeds.get)
    assert speeds[fast] > 8
    eng.set_vehicle_speed(fast, 3.0)
    seen = []
    for _ in range(20):
        eng.next_step()
        if fast not in eng.get_vehicles():
            break
        seen.append(eng.get_vehicle_speed()[fast])
    assert len(seen) >= 5
    # Braking to the cap takes a few steps at most (4.5 m/s^2 hardest), then it holds.
    assert all(v <= 3.0 + 1e-9 for v in seen[3:]), seen
    with pytest.raises(cityflow.Error, match="expected 0 or more"):
        eng.set_vehicle_speed(eng.get_vehicles()[0], -1.0)
