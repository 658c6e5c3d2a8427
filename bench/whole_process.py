"""Benchmark (not a test): whole-process wall time of `citybrain run`, start-up and
loading included, for one or more builds taken in turn on the same commands, so that
a shared, noisy machine treats them alike (docs/scaling.md, "Whole process").

The cases are the ones compared with CityFlow (data/reference/cityflow_runs.md):
  jinan     run --roadnet data/cityflow/jinan_3x4/roadnet_3_4.json
                --flow data/cityflow/jinan_3x4/anon_3_4_jinan_real.json --controller fixed
  hangzhou  run --roadnet data/cityflow/hangzhou_4x4/roadnet_4_4.json
                --flow data/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json --controller maxpressure
  help      run --help   (start-up alone)
Each round runs every binary once, in alternating order; the output goes to
/dev/null. Prints, per case and binary, the median and the fastest of the rounds.

  /usr/bin/python3 bench/whole_process.py --runs 15 OLD/citybrain build/release/citybrain
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "cityflow"
CASES = {
    "jinan": ["run", "--roadnet", str(DATA / "jinan_3x4" / "roadnet_3_4.json"),
              "--flow", str(DATA / "jinan_3x4" / "anon_3_4_jinan_real.json"), "--controller", "fixed"],
    "hangzhou": ["run", "--roadnet", str(DATA / "hangzhou_4x4" / "roadnet_4_4.json"),
                 "--flow", str(DATA / "hangzhou_4x4" / "anon_4_4_hangzhou_real.json"),
                 "--controller", "maxpressure"],
    "help": ["run", "--help"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+", help="citybrain programs to compare")
    parser.add_argument("--runs", type=int, default=15, help="rounds per case (default 15)")
    parser.add_argument("--cases", nargs="+", default=["help", "jinan", "hangzhou"], choices=sorted(CASES))
    args = parser.parse_args()
    with open(os.devnull, "w") as devnull:
        for case in args.cases:
            times = {b: [] for b in args.binaries}
            for i in range(args.runs):
                order = args.binaries if i % 2 == 0 else args.binaries[::-1]
                for binary in order:
                    start = time.perf_counter()
                    subprocess.run([binary] + CASES[case], stdout=devnull, stderr=devnull, check=True)
                    times[binary].append(time.perf_counter() - start)
            for binary in args.binaries:
                t = times[binary]
                print(f"{case:9s} {binary}: median {statistics.median(t) * 1000:.1f} ms, "
                      f"fastest {min(t) * 1000:.1f} ms ({len(t)} runs)")


if __name__ == "__main__":
    main()
