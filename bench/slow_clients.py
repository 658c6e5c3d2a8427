#!/usr/bin/env python3
"""Slow and stalled clients against a running `citybrain serve` (docs/api.md, Capacity).

Holds N stalled connections open for the whole run (re-opening each one the server
closes at its deadline), in equal shares of five kinds:
  silent    connects and sends nothing
  partial   sends half a request header, then nothing
  trickle   sends a request header one byte per second (slowloris)
  slowbody  sends a whole header announcing a 1000-byte body, then one byte per second
  noread    sends 50 pipelined GET /api/v1/state and never reads an answer
plus M Server-Sent-Events clients that read GET /api/v1/stream, and meanwhile probes
GET /api/v1/state every 0.1 s on a fresh connection, printing the probe latency
(median, 99th percentile, max), failures, the twin's achieved_speed and lag_s, and
the frames each stream client got. Python 3 standard library only.

  bench/slow_clients.py --port 18091 --stalled 500 --streams 40 --seconds 30
"""
import argparse
import http.client
import json
import multiprocessing
import os
import resource
import selectors
import socket
import statistics
import threading
import time

KINDS = ("silent", "partial", "trickle", "slowbody", "noread")
TRICKLE = b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
SLOWBODY = b"POST /api/v1/sim HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
NOREAD = b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\n\r\n" * 50


class Stalled:
    """One stalled connection of a kind; reopened when the server closes it."""

    def __init__(self, host, port, kind):
        self.host, self.port, self.kind = host, port, kind
        self.sock = None
        self.sent = 0
        self.reopened = -1
        self.open()

    def open(self):
        if self.sock:
            self.sock.close()
        self.reopened += 1
        self.sent = 0
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # noread: fill up soon
        s.settimeout(5)
        try:
            s.connect((self.host, self.port))
        except OSError:
            s.close()
            self.sock = None
            return
        s.setblocking(False)
        self.sock = s
        try:
            if self.kind == "partial":
                s.send(b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\n")
            elif self.kind == "slowbody":
                s.send(SLOWBODY)
            elif self.kind == "noread":
                s.send(NOREAD)
        except OSError:
            pass

    def tick(self):
        """Once a second: one more byte for trickle and slowbody."""
        if not self.sock:
            return self.open()
        try:
            if self.kind == "trickle":
                self.sock.send(TRICKLE[self.sent % len(TRICKLE):][:1])
                self.sent += 1
            elif self.kind == "slowbody":
                self.sock.send(b"x")
        except OSError:
            self.open()

    def closed_by_server(self):
        """True when the server closed it (EOF or reset); never reads a noread answer."""
        if not self.sock:
            return True
        try:
            data = self.sock.recv(65536, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            return True
        if not data:
            return True
        if self.kind != "noread":
            self.sock.recv(65536)  # a 408 on its way out
        return False


def hold_stalled(host, port, count, stop, stats):
    stats["stalled_open"] = 0
    conns = [Stalled(host, port, KINDS[i % len(KINDS)]) for i in range(count)]
    stats["stalled_open"] = sum(1 for c in conns if c.sock)
    while not stop.is_set():
        time.sleep(1)
        for c in conns:
            if c.closed_by_server():
                c.open()
            else:
                c.tick()
        stats["stalled_open"] = sum(1 for c in conns if c.sock)
    stats["reopened"] = sum(c.reopened for c in conns)
    for c in conns:
        if c.sock:
            c.sock.close()


def read_streams(host, port, count, stop, frames, refused):
    sel = selectors.DefaultSelector()
    for i in range(count):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    first = [b""] * count
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.5):
            i = key.data
            try:
                data = key.fileobj.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                continue
            if len(first[i]) < 12:
                first[i] += data[:12]
                if first[i].startswith(b"HTTP/1.1 503"):
                    refused[0] += 1
            frames[i] += data.count(b"event: state")
    for key in list(sel.get_map().values()):
        key.fileobj.close()


def probe(host, port, seconds, stats):
    latencies, connects, failures, speeds, lags = [], [], 0, [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.connect()
            connects.append(time.monotonic() - t0)
            conn.request("GET", "/api/v1/state")
            body = conn.getresponse().read()
            conn.close()
            latencies.append(time.monotonic() - t0)
            state = json.loads(body)
            clock = state.get("clock", state)
            if "achieved_speed" in clock:
                speeds.append(clock["achieved_speed"])
            if "lag_s" in clock:
                lags.append(clock["lag_s"])
        except (OSError, ValueError, http.client.HTTPException):
            failures += 1
        time.sleep(max(0.0, 0.1 - (time.monotonic() - t0)))
    stats.update(latencies=latencies, connects=connects, failures=failures, speeds=speeds, lags=lags)


def server_cpu_s(pid):
    """User + system CPU seconds of process `pid` so far (0 without a pid)."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--stalled", type=int, default=150, help="stalled connections held")
    ap.add_argument("--streams", type=int, default=0, help="stream clients reading")
    ap.add_argument("--seconds", type=float, default=20, help="probing time (after 3 s of set-up)")
    ap.add_argument("--pid", type=int, default=0, help="the service's process id: report its CPU use")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    # The stalled connections and the streams each in their own process, so that
    # their Python work does not delay the probe (the GIL).
    stop = multiprocessing.Event()
    manager = multiprocessing.Manager()
    stalled_stats, probe_stats = manager.dict(), {}
    frames, refused = multiprocessing.Array("l", args.streams), multiprocessing.Array("l", 1)
    procs = [multiprocessing.Process(target=hold_stalled,
                                     args=(args.host, args.port, args.stalled, stop, stalled_stats))]
    if args.streams:
        procs.append(multiprocessing.Process(target=read_streams,
                                             args=(args.host, args.port, args.streams, stop, frames, refused)))
    for p in procs:
        p.start()
    time.sleep(3)
    cpu0 = server_cpu_s(args.pid)
    probe(args.host, args.port, args.seconds, probe_stats)
    cpu1 = server_cpu_s(args.pid)
    stop.set()
    for p in procs:
        p.join()
    frames = list(frames)

    lat = sorted(probe_stats["latencies"])
    ms = lambda x: f"{1000 * x:.1f} ms"
    print(f"stalled connections: {args.stalled} held ({stalled_stats.get('stalled_open', 0)} open at the end, "
          f"{stalled_stats.get('reopened', 0)} re-opened after the server closed them)")
    if lat:
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        print(f"GET /api/v1/state: {len(lat)} ok, {probe_stats['failures']} failed; "
              f"median {ms(statistics.median(lat))}, p99 {ms(p99)}, max {ms(lat[-1])} "
              f"(of which connecting: max {ms(max(probe_stats['connects']))})")
    else:
        print(f"GET /api/v1/state: none answered, {probe_stats['failures']} failed")
    if probe_stats["speeds"]:
        sp = probe_stats["speeds"]
        print(f"twin: achieved_speed median {statistics.median(sp):.2f} (min {min(sp):.2f}, max {max(sp):.2f}), "
              f"lag_s max {max(probe_stats['lags'] or [0]):.2f}")
    if args.pid:
        print(f"service CPU: {(cpu1 - cpu0) / args.seconds:.2f} cores while probing")
    if args.streams:
        print(f"streams: {args.streams} clients ({refused[0]} refused), frames per client over "
              f"{args.seconds + 3:.0f} s: min {min(frames)}, median {statistics.median(frames):.0f}, max {max(frames)}")


if __name__ == "__main__":
    main()
