"""Max-pressure written as research code writes it against CityFlow: only CityFlow's
engine API (get_lane_waiting_vehicle_count, set_tl_phase, next_step,
get_average_travel_time) and the roadnet file read with json.

The reference protocol of the project (PRODUCT.md): phases 1-4 of each signal, every
signal on phase 1 at t = 0, a decision every 15 s before that step; a change of
phase shows phase 0 (yellow) for 5 s first. Pressure of a phase: over its road links
that are not right turns, the waiting vehicles (speed < 0.1 m/s) on the link's start
lanes minus those on every lane of its end road; ties to the lowest phase."""

import json


def phase_movements(roadnet_file):
    """{intersection id: [(phase, [(start lanes, end lanes), ...]), ...]} for phases 1-4."""
    with open(roadnet_file) as f:
        roadnet = json.load(f)
    road_lanes = {r["id"]: ["%s_%d" % (r["id"], k) for k in range(len(r["lanes"]))] for r in roadnet["roads"]}
    result = {}
    for inter in roadnet["intersections"]:
        if inter["virtual"]:
            continue
        links = inter["roadLinks"]
        lightphases = inter["trafficLight"]["lightphases"]
        phases = []
        for p in range(1, 5):
            movements = []
            for k in lightphases[p]["availableRoadLinks"]:
                link = links[k]
                if link["type"] == "turn_right":
                    continue
                starts = sorted({"%s_%d" % (link["startRoad"], ll["startLaneIndex"]) for ll in link["laneLinks"]})
                movements.append((starts, road_lanes[link["endRoad"]]))
            phases.append((p, movements))
        result[inter["id"]] = phases
    return result


def run(eng, roadnet_file, steps=3600, interval=15, yellow=5):
    """Runs `steps` steps of max-pressure on `eng`; returns its average travel time."""
    phases = phase_movements(roadnet_file)
    current = {}
    for iid in phases:
        eng.set_tl_phase(iid, 1)
        current[iid] = 1
    pending = {}
    for t in range(steps):
        if t % interval == 0:
            waiting = eng.get_lane_waiting_vehicle_count()
            for iid, options in phases.items():
                best_phase, best = None, None
                for p, movements in options:
                    pressure = 0
                    for starts, ends in movements:
                        pressure += sum(waiting[lane] for lane in starts) - sum(waiting[lane] for lane in ends)
                    if best is None or pressure > best:
                        best_phase, best = p, pressure
                if best_phase != current[iid]:
                    eng.set_tl_phase(iid, 0)
                    pending[iid] = best_phase
                    current[iid] = best_phase
        elif t % interval == yellow and pending:
            for iid, p in pending.items():
                eng.set_tl_phase(iid, p)
            pending.clear()
        eng.next_step()
    return eng.get_average_travel_time()


def run_arrays(eng, roadnet_file, steps=3600, interval=15, yellow=5):
    """The same controller over citybrain's array getters: every phase's pressure is
    one matrix product with the waiting counts (lane_waiting_counts()); the decisions
    and the average travel time are those of run()."""
    import numpy as np

    phases = phase_movements(roadnet_file)
    index = {lane: k for k, lane in enumerate(eng.lane_ids())}
    ids = list(phases)
    weights = np.zeros((len(ids) * 4, len(index)), dtype=np.int64)
    for i, iid in enumerate(ids):
        for j, (_, movements) in enumerate(phases[iid]):
            for starts, ends in movements:
                for lane in starts:
                    weights[4 * i + j, index[lane]] += 1
                for lane in ends:
                    weights[4 * i + j, index[lane]] -= 1
    current = np.ones(len(ids), dtype=np.int64)
    for iid in ids:
        eng.set_tl_phase(iid, 1)
    changed = np.zeros(len(ids), dtype=bool)
    for t in range(steps):
        if t % interval == 0:
            pressure = (weights @ eng.lane_waiting_counts()).reshape(len(ids), 4)
            chosen = pressure.argmax(axis=1) + 1  # the first maximum: ties to the lowest phase
            changed = chosen != current
            for i in np.flatnonzero(changed):
                eng.set_tl_phase(ids[i], 0)
            current = chosen
        elif t % interval == yellow:
            for i in np.flatnonzero(changed):
                eng.set_tl_phase(ids[i], int(current[i]))
            changed[:] = False
        eng.next_step()
    return eng.get_average_travel_time()
