#!/usr/bin/env python3
"""Acknowledged means stored: kill the service with SIGKILL during a burst of control
requests, restart it on the same data folder, and check that every acknowledged request
is in GET /api/v1/events with its content (docs/api.md, "Durability").

Starts `citybrain serve` on Hangzhou's 4x4 grid (a free port, a fresh data folder),
fires authenticated POST /api/v1/controller requests from several concurrent clients
(alternating fixed / maxpressure, network-wide and for one intersection), SIGKILLs the
process once a part of the burst has been acknowledged, restarts it on the same folder
and looks up every acknowledged event_id. Prints the counts; exits 1 if any
acknowledged request is missing or differs.

    tests/service/crash_durability_test.py --binary build/release/citybrain --data data

With --bench SECONDS it measures instead (no kill): acknowledged requests per second and
the median / 99th percentile latency of an acknowledged POST, with --clients threads.

Standard library only. Started by ctest (tests/CMakeLists.txt).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

INTERSECTION = "intersection_1_1"  # a signalised intersection of the 4x4 grid


def start_service(binary, data, data_dir):
    """Starts `citybrain serve` on a free port; returns (process, port, token)."""
    roadnet = os.path.join(data, "cityflow/hangzhou_4x4/roadnet_4_4.json")
    flow = os.path.join(data, "cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json")
    proc = subprocess.Popen(
        [binary, "serve", "--roadnet", roadnet, "--flow", flow, "--port", "0", "--data-dir", data_dir,
         "--speed", "10", "--controller", "fixed", "--web-root", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(r"http://[^:]+:(\d+)/", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        proc.kill()
        raise RuntimeError("citybrain serve did not report its port; its output:\n" + "".join(seen))
    # Keep reading stderr so the service never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    with open(os.path.join(data_dir, "operator.token")) as f:
        token = f.read().strip()
    return proc, port, token


def request_body(client, i):
    """The i-th request of a client: (JSON body, expected event (kind, intersection, detail))."""
    controller = "fixed" if (client + i) % 2 == 0 else "maxpressure"
    if i % 3 == 2:
        return ({"controller": controller, "intersection": INTERSECTION},
                ("controller_changed", INTERSECTION, "intersection -> " + controller))
    return {"controller": controller}, ("controller_changed", "", "all signals -> " + controller)


class Client(threading.Thread):
    """Posts controller changes on one keep-alive connection until told to stop or the
    server goes away; records each acknowledged event id with what it must contain."""

    def __init__(self, index, port, token, count, stop):
        super().__init__(daemon=True)
        self.index, self.port, self.token, self.count, self.stop = index, port, token, count, stop
        self.acknowledged = []  # (event_id, expected)
        self.latencies = []     # seconds, acknowledged requests
        self.unavailable = 0    # 503 answers (queue full): nothing applied
        self.other = []         # unexpected answers
        self.sent = 0

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        i = 0
        while not self.stop.is_set() and (self.count is None or i < self.count):
            body, expected = request_body(self.index, i)
            i += 1
            try:
                started = time.perf_counter()
                self.sent += 1
                conn.request("POST", "/api/v1/controller", json.dumps(body), headers)
                res = conn.getresponse()
                text = res.read()
                elapsed = time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                return  # the service was killed (or the connection dropped): stop
            if res.status == 200:
                answer = json.loads(text)
                self.acknowledged.append((answer["event_id"], expected))
                self.latencies.append(elapsed)
            elif res.status == 503:
                self.unavailable += 1
                if res.getheader("Retry-After") is None:
                    self.other.append("503 without Retry-After: " + text.decode(errors="replace"))
            else:
                self.other.append("%d %s" % (res.status, text.decode(errors="replace")[:200]))


def get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    res = conn.getresponse()
    body = res.read()
    if res.status != 200:
        raise RuntimeError("GET %s: %d %s" % (path, res.status, body[:200]))
    return json.loads(body)


def stop_service(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def crash_test(args, data_dir):
    proc, port, token = start_service(args.binary, args.data, data_dir)
    stop = threading.Event()
    per_client = args.requests // args.clients
    clients = [Client(c, port, token, per_client, stop) for c in range(args.clients)]
    try:
        for c in clients:
            c.start()
        # SIGKILL part-way: once kill_after requests are acknowledged, while the
        # others are in flight.
        deadline = time.monotonic() + 120
        while sum(len(c.acknowledged) for c in clients) < args.kill_after and time.monotonic() < deadline:
            if not any(c.is_alive() for c in clients):
                break
            time.sleep(0.001)
        in_flight = sum(c.is_alive() for c in clients)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for c in clients:
            c.join(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    acknowledged = [a for c in clients for a in c.acknowledged]
    sent = sum(c.sent for c in clients)
    unavailable = sum(c.unavailable for c in clients)
    other = [o for c in clients for o in c.other]
    print("sent %d requests from %d clients; acknowledged %d, 503 %d, other %d; "
          "killed with %d clients still sending"
          % (sent, args.clients, len(acknowledged), unavailable, len(other), in_flight))
    if other:
        print("unexpected answers:", *other[:5], sep="\n  ")

    proc, port, _ = start_service(args.binary, args.data, data_dir)
    try:
        runs = get_json(port, "/api/v1/runs")
        events = get_json(port, "/api/v1/events?run=1&limit=100000")["events"]
    finally:
        stop_service(proc)
    by_id = {e["id"]: e for e in events}
    missing, wrong = [], []
    for event_id, (kind, intersection, detail) in acknowledged:
        e = by_id.get(event_id)
        if e is None:
            missing.append(event_id)
        elif (e["kind"], e["intersection"], e["detail"], e["source"]) != (kind, intersection, detail, "operator"):
            wrong.append((event_id, e))
    stored_changes = sum(e["kind"] == "controller_changed" for e in events)
    found = len(acknowledged) - len(missing) - len(wrong)
    print("after the restart (%d runs in the store): acknowledged %d, found %d, missing %d, different %d; "
          "run 1 holds %d controller_changed events (%d applied but not acknowledged before the kill)"
          % (len(runs.get("runs", runs)), len(acknowledged), found, len(missing), len(wrong), stored_changes,
             stored_changes - found))
    ok = True
    if len(acknowledged) < args.kill_after:
        print("FAIL: only %d requests were acknowledged before the kill (wanted %d)"
              % (len(acknowledged), args.kill_after))
        ok = False
    if in_flight == 0:
        print("FAIL: the burst had ended before the kill; nothing was in flight")
        ok = False
    if missing or wrong or other:
        print("FAIL: missing event ids %s; different %s" % (missing[:20], wrong[:5]))
        ok = False
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


def bench(args, data_dir):
    proc, port, token = start_service(args.binary, args.data, data_dir)
    stop = threading.Event()
    clients = [Client(c, port, token, None, stop) for c in range(args.clients)]
    try:
        time.sleep(1)  # let the twin warm up
        started = time.perf_counter()
        for c in clients:
            c.start()
        time.sleep(args.bench)
        stop.set()
        for c in clients:
            c.join(timeout=60)
        elapsed = time.perf_counter() - started
        # Every controller_changed event was acknowledged, and every 503 left none.
        events = get_json(port, "/api/v1/events?run=current&limit=100000")["events"]
        stored = sum(e["kind"] == "controller_changed" for e in events)
    finally:
        stop_service(proc)
    latencies = sorted(x for c in clients for x in c.latencies)
    n = len(latencies)
    unavailable = sum(c.unavailable for c in clients)
    other = sum(len(c.other) for c in clients)
    if n == 0:
        print("no request was acknowledged")
        return 1
    print("%d clients, %.1f s: %d acknowledged (%.0f/s), 503 %d, other %d; latency median %.2f ms, "
          "p99 %.2f ms, max %.2f ms; %d controller_changed events stored"
          % (args.clients, elapsed, n, n / elapsed, unavailable, other, 1000 * latencies[n // 2],
             1000 * latencies[min(n - 1, int(n * 0.99))], 1000 * latencies[-1], stored))
    if stored != n:
        print("FAIL: %d events stored for %d acknowledged requests" % (stored, n))
        return 1
    return 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, "../.."))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(repo, "build/release/citybrain"))
    p.add_argument("--data", default=os.path.join(repo, "data"), help="the repository's data/ folder")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients")
    p.add_argument("--requests", type=int, default=400, help="requests in the burst, over all clients")
    p.add_argument("--kill-after", type=int, default=150, help="SIGKILL once this many are acknowledged")
    p.add_argument("--bench", type=float, default=0, help="measure for this many seconds instead")
    p.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = p.parse_args()
    data_dir = tempfile.mkdtemp(prefix="citybrain-crash-")
    try:
        return bench(args, data_dir) if args.bench > 0 else crash_test(args, data_dir)
    finally:
        if args.keep:
            print("data folder kept:", data_dir)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
