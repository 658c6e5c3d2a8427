"""Benchmark (not a test): the research-style max-pressure loop of
tests/python/maxpressure.py, written only with CityFlow's API names, per simulated
hour, loading included, as data/reference/cityflow_runs.md measures CityFlow's own
Python module. Prints the wall seconds of each repeat, their median and fastest, and the average
travel time.

  PYTHONPATH=build/release/python /usr/bin/python3 bench/python_maxpressure.py \\
      [--dataset jinan_3x4 --roadnet roadnet_3_4.json --flow anon_3_4_jinan_real.json] [--repeats 3] [--arrays]
"""

import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "python"))
sys.path.insert(1, str(REPO / "build" / "release" / "python"))

import citybrain as cityflow  # noqa: E402
import maxpressure  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="jinan_3x4")
    parser.add_argument("--roadnet", default="roadnet_3_4.json")
    parser.add_argument("--flow", default="anon_3_4_jinan_real.json")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--arrays", action="store_true",
                        help="the same loop over citybrain's array getters (maxpressure.run_arrays)")
    args = parser.parse_args()
    data = REPO / "data" / "cityflow" / args.dataset
    with tempfile.TemporaryDirectory() as folder:
        config = pathlib.Path(folder) / "config.json"
        config.write_text(json.dumps({"interval": 1.0, "seed": 0, "dir": str(data) + "/",
                                      "roadnetFile": args.roadnet, "flowFile": args.flow,
                                      "rlTrafficLight": True, "laneChange": False, "saveReplay": False}))
        walls = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            eng = cityflow.Engine(str(config), thread_num=1)
            loop = maxpressure.run_arrays if args.arrays else maxpressure.run
            att = loop(eng, str(data / args.roadnet))
            walls.append(time.perf_counter() - start)
            print("wall %.3f s, average travel time %.2f s" % (walls[-1], att))
    # The fastest repeat as well: on a shared machine the others carry its noise.
    print("median %.3f s, fastest %.3f s per simulated hour (%s, %s)" % (
        statistics.median(walls), min(walls), args.dataset, args.flow))


if __name__ == "__main__":
    main()
