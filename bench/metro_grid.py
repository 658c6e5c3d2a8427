"""Benchmark (not a test): the twin alone on generated grid cities, from 16 to 10,000
signals, at the same density of traffic, so the cost per vehicle-update can be
compared across city sizes (docs/scaling.md).

For each --sizes N it makes, under --work (default build/metro_grid):
  gridN.net.xml   an N x N grid of signalised four-way junctions (SUMO's netgenerate:
                  --grid.length BLOCK, --grid.attach-length for the dead-end stubs
                  where vehicles enter and leave, --default.lanenumber LANES,
                  --tls.guess), with N * N traffic lights;
  gridN.rou.xml   flows between random junction pairs TRIP_BLOCKS blocks apart
                  (Manhattan), each on an L-shaped route (along x, then along y), with
                  periods chosen so that about DENSITY vehicles per junction are on
                  the road once the first trips are done (on 100 x 100 at the
                  default 14, about 100,000 after 600 s); the same for the same --seed;
  gridN.sumocfg   both, begin 0, end DURATION.
and runs `citybrain run --config gridN.sumocfg --controller fixed-plan --threads T
--json` under /usr/bin/time, printing per size and thread count: signals, vehicles on
the road at the end, wall seconds (and loading), simulated seconds per wall second,
vehicle-updates per second, nanoseconds per vehicle-update, and peak memory.

  /usr/bin/python3 bench/metro_grid.py --sizes 4 32 100 --threads 1 2

With --brain it measures the brain's city-scale plans instead: the same grids under
`--controller brain --decision-interval D --brain-city-budget B --brain-plan-budget 1`
(every round planned at city scale unless over B), on each --ranks R (`mpirun --oversubscribe -np R`; 1: no mpirun),
printing rounds planned (at city scale, left to the rule), vehicle-updates of
look-ahead per round (the same on any machine), wall seconds per round
beyond the twin alone (the fixed-plan run of the same grid and threads) and the MB
sent between ranks per batch of rollouts.

  /usr/bin/python3 bench/metro_grid.py --sizes 4 16 32 --threads 1 --brain --ranks 1 2 --duration 300

Needs netgenerate (Debian's sumo package; scripts/setup.sh installs it).
"""

import argparse
import json
import math
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

REPO = pathlib.Path(__file__).resolve().parents[1]


def fail(message):
    print("metro_grid: " + message, file=sys.stderr)
    sys.exit(2)


def make_network(netgenerate, path, size, block, lanes):
    command = [netgenerate, "--grid", "--grid.number", str(size), "--grid.length", str(block),
               "--grid.attach-length", str(block), "--default.lanenumber", str(lanes), "--tls.guess",
               "--no-turnarounds", "--xml-validation", "never", "-o", str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        fail("netgenerate failed (%s): %s" % (" ".join(command), done.stderr.strip()))


def read_grid(path, block):
    """Junctions by grid coordinate and edges by (from, to) junction id."""
    raw = {}
    edges = {}
    for _, node in ET.iterparse(str(path)):
        if node.tag == "junction" and node.get("type") == "traffic_light":
            raw[(round(float(node.get("x")) / block), round(float(node.get("y")) / block))] = node.get("id")
        elif node.tag == "edge" and node.get("function") != "internal":
            edges[(node.get("from"), node.get("to"))] = node.get("id")
        node.clear()
    if not raw:
        return {}, edges
    x0 = min(x for x, _ in raw)
    y0 = min(y for _, y in raw)
    return {(x - x0, y - y0): name for (x, y), name in raw.items()}, edges


def l_route(at, edges, a, b):
    """Edge ids from junction a to junction b: along x, then along y."""
    route = []
    x, y = a
    while (x, y) != b:
        nx, ny = (x + (1 if b[0] > x else -1), y) if x != b[0] else (x, y + (1 if b[1] > y else -1))
        route.append(edges[(at[(x, y)], at[(nx, ny)])])
        x, y = nx, ny
    return route


def make_routes(path, route_of, at, size, trip_blocks, density, duration, block, seed):
    rng = random.Random(seed)
    # A trip of TRIP_BLOCKS blocks takes about that many blocks at ~10 m/s plus a
    # signal wait per junction: its expected time on the road, to size the flows.
    trip_s = trip_blocks * (block / 10.0 + 15.0)
    target = density * size * size
    per_second = target / trip_s
    flows = max(1, min(size * size * 4, int(per_second * 120)))  # each flow departs every ~120 s
    period = flows / per_second
    reach = min(trip_blocks, 2 * (size - 1))
    out = ['<routes>',
           '  <vType id="car" length="5" minGap="2.5" maxSpeed="13.89" accel="2.6" decel="4.5" sigma="0"/>']
    for k in range(flows):
        while True:
            a = (rng.randrange(size), rng.randrange(size))
            dx = rng.randint(-reach, reach)
            dy = (reach - abs(dx)) * rng.choice((-1, 1))
            b = (a[0] + dx, a[1] + dy)
            if b in at and b != a:
                break
        edges_path = " ".join(route_of(a, b))
        out.append('  <flow id="f%d" type="car" begin="%.2f" end="%d" period="%.3f" departLane="best">'
                   '<route edges="%s"/></flow>' % (k, rng.uniform(0, period), duration, period, edges_path))
    out.append('</routes>')
    path.write_text("\n".join(out) + "\n")
    return flows, period


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 32, 100],
                        help="junctions per side of each grid (N x N signals)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--block", type=float, default=200, help="block length, m")
    parser.add_argument("--lanes", type=int, default=2, help="lanes per direction")
    parser.add_argument("--trip-blocks", type=int, default=10, help="blocks per trip (Manhattan)")
    parser.add_argument("--density", type=float, default=14,
                        help="vehicles on the road per junction aimed at")
    parser.add_argument("--duration", type=int, default=600, help="simulated seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=str(REPO / "build" / "metro_grid"))
    parser.add_argument("--citybrain", default=str(REPO / "build" / "release" / "citybrain"))
    parser.add_argument("--netgenerate", default="netgenerate")
    parser.add_argument("--brain", action="store_true", help="measure the brain's city-scale rounds")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1], help="MPI ranks (with --brain)")
    parser.add_argument("--decision-interval", type=float, default=10, help="seconds (with --brain)")
    parser.add_argument("--city-budget", type=float, default=1e12,
                        help="--brain-city-budget, vehicle-updates per simulated second (with --brain)")
    parser.add_argument("--mpirun", default="mpirun")
    args = parser.parse_args()

    netgenerate = shutil.which(args.netgenerate)
    if netgenerate is None:
        fail("netgenerate not found (apt-get install sumo, or scripts/setup.sh)")
    if not os.access(args.citybrain, os.X_OK):
        fail("%s is not built (scripts/build.sh)" % args.citybrain)
    if not os.path.exists("/usr/bin/time"):
        fail("/usr/bin/time not found (apt-get install time): it reports the peak memory")
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    if args.brain:
        print("| signals | threads | ranks | on the road at the end | wall s | twin alone s | rounds planned "
              "(city scale / rule) | rollouts per round | M vehicle-updates of look-ahead per round | wall s per round beyond the twin "
              "| MB per batch between ranks |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print("| signals | threads | on the road at the end | wall s (loading) | simulated s per wall s "
              "| vehicle-updates/s | ns per vehicle-update | peak memory |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        if size < 2:
            fail("--sizes: at least 2 junctions per side")
        net = work / ("grid%d.net.xml" % size)
        routes = work / ("grid%d.rou.xml" % size)
        config = work / ("grid%d.sumocfg" % size)
        make_network(netgenerate, net, size, args.block, args.lanes)
        at, edges = read_grid(net, args.block)
        if len(at) != size * size:
            fail("%s: expected %d traffic lights, found %d" % (net, size * size, len(at)))
        cache = {}

        def cached(a, b):
            if (a, b) not in cache:
                cache[(a, b)] = l_route(at, edges, a, b)
            return cache[(a, b)]

        make_routes(routes, cached, at, size, args.trip_blocks, args.density, args.duration, args.block, args.seed)
        config.write_text('<configuration>\n  <input>\n    <net-file value="%s"/>\n    <route-files value="%s"/>\n'
                          '  </input>\n  <time>\n    <begin value="0"/>\n    <end value="%d"/>\n  </time>\n'
                          '</configuration>\n' % (net.name, routes.name, args.duration))
        for threads in args.threads:
            kpis, memory = run(args, config, threads, ["--controller", "fixed-plan"])
            if args.brain:
                for ranks in args.ranks:
                    brain, _ = run(args, config, threads,
                                   ["--controller", "brain", "--decision-interval", str(args.decision_interval),
                                    "--brain-city-budget", "%g" % args.city_budget,
                                    "--brain-plan-budget", "1"], ranks)
                    rounds = brain["brain_plan_rounds"]
                    batches = brain.get("brain_rank_batches", 0)
                    per_batch = "%.2f" % (brain["brain_rank_bytes"] / 1e6 / batches) if batches else "-"
                    print("| %d | %d | %d | %d | %.1f | %.1f | %d (%d / %d) | %.1f | %.2f | %.2f | %s |" % (
                        size * size, threads, ranks, brain["vehicles_running"], brain["wall_s"], kpis["wall_s"],
                        rounds, brain["brain_local_rounds"], brain["brain_rule_only_rounds"],
                        brain["brain_rollouts"] / max(1, rounds), brain["brain_rollout_updates"] / 1e6 / max(1, rounds),
                        (brain["wall_s"] - kpis["wall_s"]) / max(1, rounds), per_batch), flush=True)
                continue
            # wall_s counts from the start of loading: loading included.
            wall = kpis["wall_s"]
            updates = kpis["vehicle_updates"]
            print("| %d | %d | %d | %.2f (%.2f) | %.1f | %.2f M | %.0f | %s |" % (
                size * size, threads, kpis["vehicles_running"], wall, kpis["load_s"],
                args.duration / wall, kpis["vehicle_updates_per_s"] / 1e6,
                1e9 * (kpis["wall_s"] - kpis["load_s"]) / max(1, updates), memory), flush=True)


def run(args, config, threads, controller, ranks=1):
    """One `citybrain run` of `config` (under mpirun with ranks > 1): its JSON report
    and peak memory."""
    command = ["/usr/bin/time", "-f", "MAXRSS %M"]
    if ranks > 1:
        mpirun = shutil.which(args.mpirun)
        if mpirun is None:
            fail("mpirun not found (apt-get install openmpi-bin, or scripts/setup.sh)")
        command += [mpirun, "--oversubscribe", "-np", str(ranks)]
    command += [args.citybrain, "run", "--config", str(config), "--threads", str(threads), "--json"] + controller
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        fail("citybrain failed on %s: %s" % (config, done.stderr.strip()[-2000:]))
    rss = re.search(r"MAXRSS (\d+)", done.stderr)
    return json.loads(done.stdout), "%.0f MiB" % (int(rss.group(1)) / 1024) if rss else "?"


if __name__ == "__main__":
    main()
