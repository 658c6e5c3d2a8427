"""Per-call cost of the Python module's array getters against the CityFlow-style dict getters
on the KDD round-3 city (docs/python.md). Run: PYTHONPATH=build/release/python /usr/bin/python3
bench/python_array_calls.py"""
import json, os, tempfile, time
import citybrain as cityflow
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "citybrain_kddcup2021") + "/"

roadnet = "roadnet_round3.txt"
flow = "flow_round3_flow0.txt"
json.dump({"interval": 1.0, "seed": 0, "dir": d, "roadnetFile": roadnet, "flowFile": flow,
           "rlTrafficLight": True, "laneChange": False, "saveReplay": False}, open(os.path.join(tempfile.gettempdir(), "citybrain_kdd.json"), "w"))
t0 = time.perf_counter(); eng = cityflow.Engine(os.path.join(tempfile.gettempdir(), "citybrain_kdd.json"), thread_num=1); t1 = time.perf_counter()
print("load", round(t1 - t0, 2), "s", "lanes", len(eng.lane_ids()))
for _ in range(600): eng.next_step()
print("vehicles", eng.get_vehicle_count())
for name, call in [("lane_vehicle_counts", eng.lane_vehicle_counts), ("lane_waiting_counts", eng.lane_waiting_counts),
                   ("vehicle_speeds", eng.vehicle_speeds), ("vehicle_distances", eng.vehicle_distances),
                   ("get_lane_waiting_vehicle_count (dict)", eng.get_lane_waiting_vehicle_count),
                   ("get_vehicle_speed (dict)", eng.get_vehicle_speed)]:
    n = 20; t = time.perf_counter()
    for _ in range(n): r = call()
    dt = (time.perf_counter() - t) / n
    print("%-40s %8.3f ms per call (%d entries)" % (name, dt * 1e3, len(r)))
