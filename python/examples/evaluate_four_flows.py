"""Training-free evaluation of a signal controller over the four bundled flows, with
CityFlow's engine API only (docs/python.md, "Worked example").

The controller here is max-pressure under the project's reference protocol (a
decision every 15 s; a change shows the yellow phase 0 for 5 s first; phases 1-4;
pressure = waiting vehicles on a phase's non-right-turn start lanes minus those on
their end roads' lanes). Replace `decide` with your own policy to evaluate it the
same way. Run from the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 python/examples/evaluate_four_flows.py [--json]
"""

import json
import pathlib
import sys
import tempfile

import citybrain as cityflow

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "cityflow"
FLOWS = {  # name: (folder, roadnet, flow)
    "hangzhou_real": ("hangzhou_4x4", "roadnet_4_4.json", "anon_4_4_hangzhou_real.json"),
    "hangzhou_5816": ("hangzhou_4x4", "roadnet_4_4.json", "anon_4_4_hangzhou_real_5816.json"),
    "jinan_real": ("jinan_3x4", "roadnet_3_4.json", "anon_3_4_jinan_real.json"),
    "jinan_2000": ("jinan_3x4", "roadnet_3_4.json", "anon_3_4_jinan_real_2000.json"),
}


def phase_movements(roadnet_file):
    """{intersection: [(phase, [(start lanes, end lanes), ...]) for phases 1-4]}."""
    roadnet = json.loads(pathlib.Path(roadnet_file).read_text())
    lanes_of = {r["id"]: ["%s_%d" % (r["id"], k) for k in range(len(r["lanes"]))] for r in roadnet["roads"]}
    table = {}
    for inter in roadnet["intersections"]:
        if inter["virtual"]:
            continue
        links, phases = inter["roadLinks"], inter["trafficLight"]["lightphases"]
        table[inter["id"]] = [
            (p, [(sorted({"%s_%d" % (links[k]["startRoad"], ll["startLaneIndex"]) for ll in links[k]["laneLinks"]}),
                  lanes_of[links[k]["endRoad"]])
                 for k in phases[p]["availableRoadLinks"] if links[k]["type"] != "turn_right"])
            for p in range(1, 5)]
    return table


def decide(options, waiting):
    """The phase with the highest pressure (the first on a tie)."""
    def pressure(movements):
        return sum(sum(waiting[l] for l in starts) - sum(waiting[l] for l in ends) for starts, ends in movements)
    return max(options, key=lambda option: pressure(option[1]))[0]


def evaluate(folder, roadnet, flow, steps=3600, interval=15, yellow=5):
    """Average travel time of one simulated hour under `decide`."""
    with tempfile.TemporaryDirectory() as tmp:
        config = pathlib.Path(tmp) / "config.json"
        config.write_text(json.dumps({"interval": 1.0, "seed": 0, "dir": str(DATA / folder) + "/",
                                      "roadnetFile": roadnet, "flowFile": flow, "rlTrafficLight": True,
                                      "laneChange": False, "saveReplay": False}))
        eng = cityflow.Engine(str(config), thread_num=1)
    table = phase_movements(DATA / folder / roadnet)
    showing = {i: 1 for i in table}
    for i in table:
        eng.set_tl_phase(i, 1)
    due = {}  # intersection: (phase, time its yellow ends)
    for t in range(steps):
        if t % interval == 0:
            waiting = eng.get_lane_waiting_vehicle_count()
            for i, options in table.items():
                wanted = decide(options, waiting)
                if wanted != showing[i]:
                    eng.set_tl_phase(i, 0)
                    due[i] = (wanted, t + yellow)
                    showing[i] = wanted
        for i, (phase, at) in list(due.items()):
            if t == at:
                eng.set_tl_phase(i, phase)
                del due[i]
        eng.next_step()
    return eng.get_average_travel_time()


def main():
    results = {name: evaluate(*files) for name, files in FLOWS.items()}
    if "--json" in sys.argv:
        print(json.dumps(results))
    else:
        for name, att in results.items():
            print("%-14s %8.2f s" % (name, att))
    return results


if __name__ == "__main__":
    main()
