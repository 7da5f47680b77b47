#!/usr/bin/env python3
"""bench.py -- the enforcement benchmark's driver (run.sh builds and calls it).

  python3 bench.py --bin PATH_TO_livecomply --work DIR [options]

Two parts, each against its own fresh `livecomply serve` (release build,
shipped rule packs, shipped policy/default.policy, --nginx-control):

  a) measures per second.  Seeds ROOMS rooms, each with its own host, then
     THREADS client threads POST /v1/events batches of BATCH transcript
     lines, one violating line per room (so every violation is a host's first
     critical contraband: the default policy's automatic 24 h suspension).
     Counts the `measures` and `violations` arrays of the answers over the
     wall time of the posting phase, then checks the disposal report holds
     as many measures.
  b) event-to-cut latency with a real nginx-rtmp and ffmpeg.  CUTS times:
     ffmpeg publishes test video to a fresh allowed room, the session goes
     live, WARM seconds pass, then one violating transcript is POSTed; from
     just before the POST it times (i) the /v1/events answer (the measure is
     stored and nginx's drop/publisher has answered), (ii) nginx's on_done
     callback reaching this script (nginx has closed the publisher) and
     (iii) ffmpeg's exit.  Every iteration must show one measure, a
     non-zero ffmpeg exit and the callback, or the run fails.

Prints both parts; the last line is
  measures_per_s=<n> cut_p50_ms=<x> cut_p99_ms=<y>
where cut = (ii): nginx has dropped the publisher and told us so, i.e. the
stream is off the server.  (iii) is later only by how long ffmpeg takes to
notice a closed socket (its next writes), which is the encoder's, not ours.
Only the Python 3 standard library; everything listens on 127.0.0.1; every
process is stopped by PID.
"""

import argparse
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import lchelp as L  # noqa: E402

# CTB-WPN-0001 (rules/contraband.rules): contraband, critical, block
VIOLATING = "家人们今天这款枪支手慢无，私信下单"


def log(msg):
    print(msg, flush=True)


def pct(xs, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def dist(label, xs_ms):
    return "%-34s n=%d  min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms" % (
        label, len(xs_ms), min(xs_ms), pct(xs_ms, 50), pct(xs_ms, 90), pct(xs_ms, 99), max(xs_ms))


def pin(pid, core):
    if core is None or core == "":
        return
    subprocess.run(["taskset", "-a", "-c", "-p", str(core), str(pid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


class Conn:
    """A keep-alive JSON client for one thread."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.c = None

    def req(self, method, path, body=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
        hdrs = {"Authorization": "Bearer " + self.token}
        if data is not None:
            hdrs["Content-Type"] = ctype
        for attempt in (0, 1):
            try:
                if self.c is None:
                    self.c = http.client.HTTPConnection(L.LOOPBACK, self.port, timeout=60)
                self.c.request(method, path, body=data, headers=hdrs)
                r = self.c.getresponse()
                text = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, (json.loads(text) if text else None)
            except (http.client.HTTPException, OSError):
                if self.c is not None:
                    self.c.close()
                self.c = None
                if attempt:
                    raise
        return 0, None

    def post(self, path, body, want=201):
        st, js = self.req("POST", path, body)
        if st != want:
            raise L.SeedError("POST %s -> %s %s" % (path, st, js))
        return js


def seed_rooms(port, admin, n, threads, verified):
    """n rooms, each with its own host, under one agency and one verified
    operator; hosts verified and trained when `verified` (the gate allows
    them).  Returns [(room, host)]."""
    c = Conn(port, admin)
    ag = c.post("/v1/agencies", {"name": "压测机构", "credit_code": L.make_credit_code()})["id"]
    op = c.post("/v1/operators", {"name": "压测运营", "credit_code": L.make_credit_code()})["id"]
    c.post("/v1/operators/%s/verifications" % op, {"method": L.Seeder.OPERATOR_VERIFY_METHOD,
                                                   "result": "pass", "checked_at": L.rfc3339(-1)})
    out, lock, errs = [], threading.Lock(), []
    seqs = iter(range(n))

    def work():
        cc = Conn(port, admin)
        try:
            while True:
                with lock:
                    i = next(seqs, None)
                if i is None:
                    return
                # distinct ID numbers: birth date and sequence from i
                birth = L._dt.date(1970 + i % 30, 1 + (i // 30) % 12, 1 + (i // 360) % 28)
                idn = L.make_id_number(birth, seq=(i // 10080) % 1000)
                h = cc.post("/v1/hosts", {"name": L.make_name(), "id_number": idn, "phone": L.make_phone(),
                                          "agency_id": ag, "guardian_consent": False})
                if verified:
                    cc.post("/v1/hosts/%s/verifications" % h["id"], {
                        "method": L.Seeder.HOST_VERIFY_METHOD, "result": "pass", "checked_at": L.rfc3339(-0.01)})
                    cc.post("/v1/trainings", {"host_id": h["id"], "completed_at": L.rfc3339(-1)})
                rm = cc.post("/v1/rooms", {"name": "压测直播间%d" % i, "operator_id": op, "host_id": h["id"]})
                with lock:
                    out.append((rm, h))
        except Exception as e:  # noqa: BLE001
            errs.append(e)

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errs:
        raise errs[0]
    return out


def event_line(room_id, text):
    return json.dumps({"type": "transcript", "room_id": room_id, "ts": L.rfc3339(), "text": text},
                      ensure_ascii=False)


def start_server(args, work, extra=()):
    srv = L.Server(args.bin, workdir=work, extra_args=[
        "--rules", os.path.join(ROOT, "rules"), "--policy", args.policy] + list(extra))
    srv.start()
    pin(srv.proc.pid, args.lc_core)
    return srv


# ---------------------------------------------------------------------------
# a) measures per second


def part_a(args):
    work = os.path.join(args.work, "a")
    srv = start_server(args, work, ["--nginx-control", "http://127.0.0.1:9/control"])
    try:
        admin, ingest = srv.token("admin"), srv.token("ingest")
        t = time.monotonic()
        rooms = seed_rooms(srv.port, admin, args.rooms, args.seed_threads, verified=False)
        log("a) seeded %d rooms with their own hosts in %.1f s" % (len(rooms), time.monotonic() - t))
        bodies = []
        for i in range(0, len(rooms), args.batch):
            chunk = rooms[i:i + args.batch]
            bodies.append(("\n".join(event_line(rm["id"], VIOLATING) for rm, _ in chunk) + "\n").encode())
        lock = threading.Lock()
        it = iter(bodies)
        tot = {"measures": 0, "violations": 0, "accepted": 0, "posts": 0, "bad": []}
        lat = []

        def client():
            c = Conn(srv.port, ingest)
            mine = []
            while True:
                with lock:
                    b = next(it, None)
                if b is None:
                    break
                t0 = time.monotonic()
                st, js = c.req("POST", "/v1/events", raw=b, ctype="application/x-ndjson")
                mine.append(time.monotonic() - t0)
                with lock:
                    tot["posts"] += 1
                    if st != 200 or not isinstance(js, dict):
                        tot["bad"].append((st, js))
                        continue
                    tot["measures"] += len(js.get("measures") or [])
                    tot["violations"] += len(js.get("violations") or [])
                    tot["accepted"] += js.get("accepted") or 0
            with lock:
                lat.extend(mine)

        ts = [threading.Thread(target=client) for _ in range(args.threads)]
        t0 = time.monotonic()
        for x in ts:
            x.start()
        for x in ts:
            x.join()
        wall = time.monotonic() - t0
        if tot["bad"]:
            raise RuntimeError("a) %d POSTs failed, first: %r%s" % (
                len(tot["bad"]), tot["bad"][0],
                " (with THREADS > 1 this is the archive's indexing race, see README.md)"
                if args.threads > 1 else ""))
        rep = L.http(srv.port, "GET", "/v1/reports/disposals?from=%s&to=%s" % (
            L.rfc3339(-1), L.rfc3339(1)), token=admin, timeout=60)
        stored = rep[1].get("count") if rep[0] == 200 and isinstance(rep[1], dict) else None
        log("a) %d events in %d POSTs of %d lines, %d client threads, %.2f s" % (
            tot["accepted"], tot["posts"], args.batch, args.threads, wall))
        log("a) violations %d, measures %d (disposal report holds %s)" % (
            tot["violations"], tot["measures"], stored))
        ok = tot["accepted"] == len(rooms) and tot["violations"] == len(rooms) and \
            tot["measures"] == len(rooms) and stored == len(rooms)
        if not ok:
            raise RuntimeError("a) expected one violation and one measure per room (%d rooms)" % len(rooms))
        mps, vps = tot["measures"] / wall, tot["violations"] / wall
        log("a) violations_per_s=%.0f measures_per_s=%.0f" % (vps, mps))
        log("a) " + dist("POST /v1/events (%d lines)" % args.batch, [x * 1000 for x in lat]))
        return mps
    finally:
        rc = srv.stop()
        if rc != 0:
            log("a) livecomply exited %s:\n%s" % (rc, srv.stderr_tail()))


# ---------------------------------------------------------------------------
# b) event to cut


class DoneHook:
    """Receives nginx-rtmp's on_done for the benchmark: the monotonic time
    each stream name's publisher was closed by nginx."""

    def __init__(self):
        self.seen = {}
        self.cv = threading.Condition()
        me = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):  # noqa: N802
                t = time.monotonic()
                n = int(self.headers.get("Content-Length") or 0)
                q = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                name = (q.get("name") or [""])[0]
                with me.cv:
                    me.seen.setdefault(name, t)
                    me.cv.notify_all()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer((L.LOOPBACK, 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, name, timeout):
        deadline = time.monotonic() + timeout
        with self.cv:
            while name not in self.seen and time.monotonic() < deadline:
                self.cv.wait(deadline - time.monotonic())
            return self.seen.get(name)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_live(port, token, rid, proc, timeout):
    deadline = time.monotonic() + timeout
    c = Conn(port, token)
    while time.monotonic() < deadline and proc.poll() is None:
        st, js = c.req("GET", "/v1/sessions?room_id=" + urllib.parse.quote(rid))
        if st == 200 and any(s.get("status") == "live" for s in (js or {}).get("items") or []):
            return True
        time.sleep(0.02)
    return False


def part_b(args):
    work = os.path.join(args.work, "b")
    os.makedirs(work, exist_ok=True)
    rtmp_port, ctl_port = L.free_port(), L.free_port()
    srv = start_server(args, os.path.join(work, "lc"),
                       ["--nginx-control", "http://127.0.0.1:%d/control" % ctl_port])
    done = DoneHook()
    ngx = None
    procs = []
    try:
        admin, hook, ingest = srv.token("admin"), srv.token("hook"), srv.token("ingest")
        t = time.monotonic()
        rooms = seed_rooms(srv.port, admin, args.cuts, args.seed_threads, verified=True)
        log("b) seeded %d allowed rooms in %.1f s" % (len(rooms), time.monotonic() - t))
        conf = L.rtmp_conf(rtmp_port, srv.port, hook, ctl_port=ctl_port, stat=False, app_extra=[
            'on_done         "http://127.0.0.1:%d/done";' % done.port])
        ngx = L.Nginx(os.path.join(work, "nginx"), conf)
        ngx.test_and_start(None, None, (rtmp_port, ctl_port))
        ev = Conn(srv.port, ingest)
        t_http, t_done, t_exit = [], [], []
        for i, (rm, _h) in enumerate(rooms):
            rid = rm["id"]
            url = "rtmp://127.0.0.1:%d/live/%s?key=%s" % (rtmp_port, rid, rm["stream_key"])
            p = L.ffmpeg_publish_start(url, 60)
            procs.append(p)
            if not wait_live(srv.port, admin, rid, p, 10):
                rc, _, err = L.ffmpeg_publish_wait(p, 5)
                raise RuntimeError("b) cut %d: the publish did not go live (ffmpeg rc %s: %s)" % (i, rc, err))
            time.sleep(args.warm)
            if p.poll() is not None:
                raise RuntimeError("b) cut %d: ffmpeg ended before the event (rc %s)" % (i, p.poll()))
            body = (event_line(rid, VIOLATING) + "\n").encode()
            # a blocking waitpid in its own thread: Popen.wait(timeout) polls
            # with sleeps of up to 50 ms, too coarse for this
            exited = {}
            waiter = threading.Thread(target=lambda: exited.update(rc=p.wait(), t=time.monotonic()))
            waiter.start()
            t0 = time.monotonic()
            st, js = ev.req("POST", "/v1/events", raw=body, ctype="application/x-ndjson")
            t1 = time.monotonic()
            waiter.join(10)
            if waiter.is_alive():
                L.stop_process(p, timeout=3)
                waiter.join()
                exited = {"rc": "timeout", "t": time.monotonic()}
            rc, t3 = exited["rc"], exited["t"]
            t2 = done.wait(rid, 5)
            if st != 200 or len((js or {}).get("measures") or []) != 1:
                raise RuntimeError("b) cut %d: /v1/events -> %s %s" % (i, st, js))
            if rc in (0, "timeout") or t2 is None:
                raise RuntimeError("b) cut %d: ffmpeg rc %s, nginx on_done %s" % (i, rc, t2))
            L.ffmpeg_publish_wait(p, 1)
            t_http.append((t1 - t0) * 1000)
            t_done.append((t2 - t0) * 1000)
            t_exit.append((t3 - t0) * 1000)
        log("b) %d cuts (publisher live %.1f s before each event)" % (len(t_exit), args.warm))
        log("b) " + dist("(i)   /v1/events answered", t_http))
        log("b) " + dist("(ii)  nginx on_done received", t_done))
        log("b) " + dist("(iii) ffmpeg exited", t_exit))
        return pct(t_done, 50), pct(t_done, 99)
    finally:
        L.stop_leftovers(procs, ngx)
        done.stop()
        rc = srv.stop()
        if rc != 0:
            log("b) livecomply exited %s:\n%s" % (rc, srv.stderr_tail()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--policy", default=os.path.join(ROOT, "policy", "default.policy"))
    ap.add_argument("--rooms", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed-threads", type=int, default=4)
    ap.add_argument("--cuts", type=int, default=100)
    ap.add_argument("--warm", type=float, default=1.0)
    ap.add_argument("--lc-core", default="")
    ap.add_argument("--parts", default="ab")
    args = ap.parse_args()
    for tool in ("nginx", "ffmpeg", "taskset"):
        if shutil.which(tool) is None:
            log("missing tool: %s" % tool)
            return 2
    os.makedirs(args.work, exist_ok=True)
    mps = p50 = p99 = None
    if "a" in args.parts:
        mps = part_a(args)
    if "b" in args.parts:
        p50, p99 = part_b(args)
    log("measures_per_s=%s cut_p50_ms=%s cut_p99_ms=%s" % (
        "%.0f" % mps if mps is not None else "-", "%.1f" % p50 if p50 is not None else "-",
        "%.1f" % p99 if p99 is not None else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
