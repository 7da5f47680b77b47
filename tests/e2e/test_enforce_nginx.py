#!/usr/bin/env python3
"""test_enforce_nginx.py -- enforcement end to end: a violating transcript
cuts a real nginx-rtmp stream, the suspension keeps the host off the air
until it expires or is reversed on appeal.

Usage: python3 test_enforce_nginx.py PATH_TO_livecomply

Starts livecomply with the shipped rule packs, a short test policy written to
the temp dir (first critical contraband of a host: suspend 6 s; a repeat:
suspend 1 h, both automatic), --nginx-control pointing at a private nginx
(rtmp module, one worker, on_publish / on_publish_done -> livecomply, the
control API in its http server) and --notify-url at a small webhook in this
process.  Then, with ffmpeg publishing test video to an allowed room:

  cut       a transcript event with a contraband/critical literal -> the
            /v1/events answer lists one measure; ffmpeg exits non-zero within
            2 s of the POST; the session ends (publish_done); nginx /stat no
            longer lists the stream; the measure (suspend, active, 6 s) and
            its notice are readable; the notice reaches the webhook
  refused   publishing again during the suspension -> ffmpeg fails, gate
            decision deny with reason "suspended"
  expiry    after 6 s the measure is "expired" and publishing goes through
            (ffmpeg stays up >= 2 s, session live)
  repeat    the same violation again -> the repeat rule (1 h) -> cut again,
            refused again
  appeal    the host's agency appeals, an operator upholds -> measure
            reversed, violation dismissed, a reversal notice; publishing is
            allowed again at once and a short publish ends cleanly (rc 0)
  illegal   confirming/dismissing a confirmed (or appeal-dismissed)
            violation 409, unknown violation 404, second appeal 409, appeal
            by another agency 403, appeal of an unknown measure 404, appeal
            without reason / with an unknown field 400, outcome "maybe" 422
            (docs/API.md: invalid_value), agency deciding 403, deciding twice
            409, lifting the reversed or the expired measure 409, unknown
            measure 404, ingest role may not lift 403
Final line `N passed, M failed`; exit non-zero on failure.
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lchelp as L  # noqa: E402

C = L.Checker()
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES = os.path.join(REPO, "rules")
# CTB-WPN-0001 in rules/contraband.rules: category contraband, severity
# critical, action block (checked with `livecomply scan` below).
CONTRABAND_TEXT = "家人们今天这款枪支手慢无，私信下单"
SUSPEND_S = 6
CUT_LIMIT_S = 2.0

POLICY = """# e2e test policy: short suspensions so expiry can be watched
policy e2e_enforce
version e2e.1
half_life 90d
repeat_window 180d

rule e2e-contraband-repeat
category contraband
severity critical
subject host room
min_repeats 1
measure suspend
duration 1h
points 50
automatic yes
basis test basis (repeat)

rule e2e-contraband
category contraband
severity critical
subject host room
measure suspend
duration %ds
points 50
automatic yes
basis test basis (first)

rule default
measure warning
points 0
automatic no
basis test basis (default)
""" % SUSPEND_S

PROCS = []  # every ffmpeg started here, so finally{} can stop leftovers by PID


def publish_start(url, seconds):
    p = L.ffmpeg_publish_start(url, seconds)
    PROCS.append(p)
    return p


class Webhook:
    """Collects the JSON notices livecomply POSTs to --notify-url."""

    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        hook = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    js = json.loads(raw.decode("utf-8"))
                except ValueError:
                    js = {"_raw": raw[:200].decode("utf-8", "replace")}
                with hook.lock:
                    hook.bodies.append(js)
                self.send_response(204)
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer((L.LOOPBACK, 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                hit = [b for b in self.bodies if pred(b)]
            if hit:
                return hit[0]
            time.sleep(0.1)
        return None

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Api:
    def __init__(self, srv, tk):
        self.srv = srv
        self.tk = tk

    def get(self, path, role="admin"):
        r = self.srv.req("GET", path, token=self.tk[role])
        if r[0] != 200:
            raise RuntimeError("GET %s -> %s" % (path, L.describe(r)))
        return r[1]

    def items(self, path, role="admin"):
        items, err = L.list_all(self.srv, path, self.tk[role])
        if err is not None:
            raise RuntimeError("GET %s -> %s" % (path, L.describe(err)))
        return items

    def sessions(self, rid):
        return self.items("/v1/sessions?room_id=" + urllib.parse.quote(rid))

    def wait_session(self, rid, pred, timeout):
        return L.poll_items(lambda: self.sessions(rid), pred, timeout, 0.05)

    def decisions(self, rid):
        return self.items("/v1/gate/decisions?room_id=" + urllib.parse.quote(rid))

    def measure(self, mid):
        return self.get("/v1/measures/" + urllib.parse.quote(mid))

    def event(self, rid, text):
        line = json.dumps({"type": "transcript", "room_id": rid, "ts": L.rfc3339(), "text": text},
                          ensure_ascii=False)
        return self.srv.req("POST", "/v1/events", raw_body=(line + "\n").encode("utf-8"),
                            token=self.tk["ingest"], headers={"Content-Type": "application/x-ndjson"})


def stat_lists(ctl_port, name):
    """True if nginx's /stat shows a stream called `name`."""
    r = L.http(ctl_port, "GET", "/stat")
    return r[0] == 200 and ("<name>%s</name>" % name).encode() in r[3]


def go_live(api, url, rid, seconds, label):
    """Starts ffmpeg and waits for the live session; returns (proc, session)."""
    before = {s.get("id") for s in api.sessions(rid)}
    p = publish_start(url, seconds)
    s, all_s = api.wait_session(rid, lambda s: s.get("id") not in before and s.get("status") == "live", 6)
    C.check("%s: publish goes live (session live)" % label, s is not None and p.poll() is None,
            "ffmpeg rc=%s sessions=%r" % (p.poll(), all_s))
    return p, s


def cut(api, ctl_port, p, rid, session, label, want_rule):
    """Sends the violating transcript while p streams; checks the cut.
    Returns the measure (dict) or None."""
    t0 = time.monotonic()
    r = api.event(rid, CONTRABAND_TEXT)
    t_http = time.monotonic() - t0
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = "timeout"
    t_exit = time.monotonic() - t0
    ok = r[0] == 200 and isinstance(r[1], dict)
    ms = r[1].get("measures") if ok else None
    vs = r[1].get("violations") if ok else None
    C.check("%s: /v1/events -> 200 with one violation and one measure" % label,
            ok and isinstance(ms, list) and len(ms) == 1 and isinstance(vs, list) and len(vs) == 1,
            L.describe(r))
    print("    %s: events answer %.1f ms, ffmpeg exit %.1f ms after the POST" % (
        label, t_http * 1000, t_exit * 1000), flush=True)
    C.check("%s: ffmpeg exits within %.0f s of the POST (%.3f s)" % (label, CUT_LIMIT_S, t_exit),
            rc != "timeout" and t_exit <= CUT_LIMIT_S, "rc=%s after %.3fs" % (rc, t_exit))
    C.check("%s: ffmpeg exits non-zero (stream dropped, not ended)" % label, rc not in (0, "timeout"),
            "rc=%s" % rc)
    if rc == "timeout":
        L.stop_process(p, timeout=3)
    sid = (session or {}).get("id")
    ended, all_s = api.wait_session(rid, lambda s: s.get("id") == sid and s.get("status") == "ended", 3)
    C.check("%s: nginx's publish_done ends the live session" % label, ended is not None, repr(all_s))
    C.check("%s: nginx /stat no longer lists the stream" % label, not stat_lists(ctl_port, rid))
    if not (ok and ms and len(ms) == 1):
        return None
    m = api.measure(ms[0])
    C.check("%s: measure is suspend, active, automatic, rule %s" % (label, want_rule),
            m.get("measure") == "suspend" and m.get("status") == "active" and m.get("automatic") is True
            and (m.get("policy") or {}).get("rule") == want_rule and m.get("violation_id") == vs[0],
            json.dumps(m, ensure_ascii=False)[:800])
    return m


def check_refused(api, rtmp_url, rid, label):
    before = {d.get("id") for d in api.decisions(rid)}
    p = publish_start(rtmp_url, 5)
    rc, secs, err = L.ffmpeg_publish_wait(p, 15)
    C.check("%s: publishing again is refused (ffmpeg rc %s after %.2f s)" % (label, rc, secs),
            rc not in (0, "timeout") and secs < 5, err)
    new, deadline = [], time.monotonic() + 3
    while time.monotonic() < deadline and not new:
        new = [d for d in api.decisions(rid) if d.get("id") not in before]
        if not new:
            time.sleep(0.1)
    C.check("%s: gate decision deny with reason suspended" % label,
            len(new) == 1 and new[0].get("outcome") == "deny" and "suspended" in (new[0].get("reasons") or []),
            repr(new))


def check_allowed(api, rtmp_url, rid, label, seconds=60, hold=2.0):
    """Publishes; checks it goes live and stays up `hold` s.  Returns (p, session)."""
    p, s = go_live(api, rtmp_url, rid, seconds, label)
    time.sleep(hold)
    C.check("%s: ffmpeg still streaming after %.0f s" % (label, hold), p.poll() is None,
            "rc=%s" % p.poll())
    still, _ = api.wait_session(rid, lambda x: x.get("id") == (s or {}).get("id") and x.get("status") == "live", 1)
    C.check("%s: session still live" % label, still is not None)
    return p, s


def illegal(srv, tk, label, method, path, body, want, code=None, role="admin"):
    r = srv.req(method, path, body, token=tk[role])
    ok = r[0] == want and (code is None or L.err_code(r) == code)
    C.check("%s -> %d%s" % (label, want, " " + code if code else ""), ok, L.describe(r))
    return r


def scenario(srv, tk, api, hook, seed, rtmp_port, ctl_port):
    ar = seed.allowed_room()
    rid, key = ar["room"]["id"], ar["room"]["stream_key"]
    host, agency = ar["host"]["id"], ar["agency"]["id"]
    tk["agency"] = srv.token("agency", agency=agency)
    tk["other_agency"] = srv.token("agency", agency=seed.agency()["id"])
    url = "rtmp://127.0.0.1:%d/live/%s?key=%s" % (rtmp_port, rid, key)

    # ---- 1. first violation: cut, measure, notice
    p, s = go_live(api, url, rid, 60, "first")
    if s is None:
        return
    m1 = cut(api, ctl_port, p, rid, s, "first", "e2e-contraband")
    if m1 is None:
        return
    C.check("first: measure lasts %d s, subject is the host, room recorded" % SUSPEND_S,
            m1.get("duration_s") == SUSPEND_S and m1.get("subject_type") == "host"
            and m1.get("subject_id") == host and m1.get("room_id") == rid and m1.get("agency_id") == agency,
            json.dumps(m1, ensure_ascii=False)[:600])
    ms = api.items("/v1/measures?subject=" + host)
    C.check("GET /v1/measures?subject=<host> lists the active suspension",
            [x.get("id") for x in ms if x.get("status") == "active" and x.get("measure") == "suspend"] == [m1["id"]],
            repr(ms)[:600])
    ms_ag = api.items("/v1/measures?subject=" + host, role="agency")
    C.check("the host's agency can read the measure", m1["id"] in [x.get("id") for x in ms_ag], repr(ms_ag)[:400])
    ns = api.items("/v1/notices?subject=" + host)
    n1 = [n for n in ns if n.get("measure_id") == m1["id"]]
    C.check("a notice for the measure exists (facts, reason, legal basis, appeal deadline)",
            len(n1) == 1 and n1[0].get("measure") == "suspend" and n1[0].get("legal_basis")
            and n1[0].get("reason") and (n1[0].get("appeal") or {}).get("by"), repr(ns)[:600])
    got = hook.wait_for(lambda b: b.get("measure_id") == m1["id"], 5)
    C.check("the notice is delivered to --notify-url", got is not None and got.get("subject_id") == host,
            repr(got)[:300])
    r = srv.req("GET", "/v1/subjects/%s/restrictions" % host, token=tk["admin"])
    C.check("restrictions of the host include going_live",
            r[0] == 200 and "going_live" in (r[1].get("functions") or []), L.describe(r))

    # bad transitions on the first violation and measure
    vid1 = m1["violation_id"]
    illegal(srv, tk, "dismiss a confirmed violation", "POST", "/v1/violations/%s/dismiss" % vid1, {}, 409,
            "illegal_transition")
    illegal(srv, tk, "confirm an unknown violation", "POST", "/v1/violations/violation_nosuch/confirm", {},
            404, "not_found")
    illegal(srv, tk, "ingest role lifts a measure", "POST", "/v1/measures/%s/lift" % m1["id"], {}, 403,
            role="ingest")
    illegal(srv, tk, "lift an unknown measure", "POST", "/v1/measures/measure_nosuch/lift", {}, 404, "not_found")

    # ---- 2. during the suspension publishing is refused
    check_refused(api, url, rid, "suspended")

    # ---- 3. expiry
    try:
        exp = L._dt.datetime.strptime(m1["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=L._dt.timezone.utc)
        m1_end = exp.timestamp()
    except (KeyError, TypeError, ValueError):
        m1_end = time.time() + SUSPEND_S
    wait = m1_end - time.time()
    if wait > 0:
        time.sleep(wait)
    st, deadline = None, time.monotonic() + 3  # the ticker runs every second
    while st != "expired" and time.monotonic() < deadline:
        st = api.measure(m1["id"]).get("status")
        if st != "expired":
            time.sleep(0.1)
    C.check("after %d s the first measure is expired (ticker)" % SUSPEND_S, st == "expired", "status=%s" % st)
    illegal(srv, tk, "lift an expired measure", "POST", "/v1/measures/%s/lift" % m1["id"], {}, 409, "not_active")
    p, s = check_allowed(api, url, rid, "after expiry")

    # ---- 4. repeat: 1 h suspension, cut again
    m2 = cut(api, ctl_port, p, rid, s, "repeat", "e2e-contraband-repeat")
    if m2 is None:
        return
    C.check("repeat: the measure lasts 1 h and its inputs show 1 repeat",
            m2.get("duration_s") == 3600 and ((m2.get("policy") or {}).get("inputs") or {}).get("repeats") == 1,
            json.dumps(m2.get("policy"), ensure_ascii=False))
    check_refused(api, url, rid, "repeat suspended")

    # ---- 5. appeal by the agency, upheld by an operator
    body = {"measure_id": m2["id"], "reason": "the product shown was a toy, not a firearm"}
    illegal(srv, tk, "appeal by another agency", "POST", "/v1/appeals", body, 403, role="other_agency")
    illegal(srv, tk, "appeal of an unknown measure", "POST", "/v1/appeals",
            {"measure_id": "measure_nosuch", "reason": "x"}, 404, "not_found", role="agency")
    illegal(srv, tk, "appeal without a reason", "POST", "/v1/appeals", {"measure_id": m2["id"]}, 400,
            "missing_field", role="agency")
    illegal(srv, tk, "appeal with an unknown field", "POST", "/v1/appeals", dict(body, extra=1), 400,
            "unknown_field", role="agency")
    r = srv.req("POST", "/v1/appeals", body, token=tk["agency"])
    C.check("the host's agency appeals the repeat suspension -> 201 pending",
            r[0] == 201 and isinstance(r[1], dict) and r[1].get("status") == "pending"
            and r[1].get("measure_id") == m2["id"], L.describe(r))
    if r[0] != 201:
        return
    aid = r[1]["id"]
    illegal(srv, tk, "appeal the same measure twice", "POST", "/v1/appeals", body, 409, "already_appealed",
            role="agency")
    illegal(srv, tk, "decide with outcome maybe", "POST", "/v1/appeals/%s/decide" % aid, {"outcome": "maybe"},
            422, "invalid_value", role="operator")
    illegal(srv, tk, "agency decides its own appeal", "POST", "/v1/appeals/%s/decide" % aid,
            {"outcome": "upheld"}, 403, role="agency")
    illegal(srv, tk, "decide an unknown appeal", "POST", "/v1/appeals/appeal_nosuch/decide",
            {"outcome": "upheld"}, 404, "not_found", role="operator")
    st = api.measure(m2["id"]).get("status")
    C.check("pending appeal: the measure is still active", st == "active", "status=%s" % st)
    check_refused(api, url, rid, "appeal pending")
    r = srv.req("POST", "/v1/appeals/%s/decide" % aid, {"outcome": "upheld", "note": "e2e"},
                token=tk["operator"])
    t_upheld = time.monotonic()
    C.check("an operator upholds the appeal -> 200 upheld", r[0] == 200 and r[1].get("status") == "upheld",
            L.describe(r))
    p, s = go_live(api, url, rid, 4, "after appeal")
    C.check("after appeal: live within 3 s of the decision (%.2f s)" % (time.monotonic() - t_upheld),
            s is not None and time.monotonic() - t_upheld < 3.0)
    rc, secs, err = L.ffmpeg_publish_wait(p, 20)
    C.check("after appeal: a 4 s publish ends cleanly (ffmpeg rc 0)", rc == 0, "rc=%s %.2fs %s" % (rc, secs, err))
    m2r = api.measure(m2["id"])
    C.check("upheld: the measure is reversed", m2r.get("status") == "reversed", "status=%s" % m2r.get("status"))
    v2 = api.get("/v1/violations/" + m2["violation_id"])
    C.check("upheld: the violation is dismissed (corrected)", v2.get("status") == "dismissed", repr(v2)[:400])
    ns = api.items("/v1/notices?subject=" + host)
    C.check("upheld: a reversal notice for the measure exists",
            any(n.get("about") == "reversal" and n.get("measure_id") == m2["id"] for n in ns), repr(ns)[:600])
    illegal(srv, tk, "decide the appeal twice", "POST", "/v1/appeals/%s/decide" % aid, {"outcome": "rejected"},
            409, "illegal_transition", role="operator")
    illegal(srv, tk, "lift the reversed measure", "POST", "/v1/measures/%s/lift" % m2["id"], {}, 409,
            "not_active", role="operator")
    illegal(srv, tk, "appeal the reversed measure again", "POST", "/v1/appeals", body, 409, role="agency")
    # last, because it used to read freed memory (act_on: json_decref before
    # lc_fail's use of the status string) and kill the server under ASan
    illegal(srv, tk, "confirm an automatically confirmed violation", "POST",
            "/v1/violations/%s/confirm" % vid1, {}, 409, "illegal_transition")
    illegal(srv, tk, "confirm a violation dismissed on appeal", "POST",
            "/v1/violations/%s/confirm" % m2["violation_id"], {}, 409, "illegal_transition")


def main():
    binary = L.rtmp_test_binary(C, sys.argv)
    if binary is None:
        return C.finish()

    r = subprocess.run([binary, "scan", "--rules", RULES, "-"], input=CONTRABAND_TEXT.encode(),
                       capture_output=True, timeout=30)
    hits = []
    try:
        hits = json.loads(r.stdout.decode().splitlines()[0]).get("hits") or []
    except (ValueError, IndexError):
        pass
    C.check("scan: the test text is contraband / critical / block",
            any(h.get("category") == "contraband" and h.get("severity") == "critical" and h.get("action") == "block"
                for h in hits), r.stdout.decode("utf-8", "replace")[:400])

    t_start = time.monotonic()
    work = tempfile.mkdtemp(prefix="lc-enforce-e2e-")
    policy = os.path.join(work, "e2e.policy")
    with open(policy, "w") as f:
        f.write(POLICY)
    hook = Webhook()
    rtmp_port, ctl_port = L.free_port(), L.free_port()
    srv = L.Server(binary, workdir=os.path.join(work, "lc"), extra_args=[
        "--rules", RULES, "--policy", policy,
        "--nginx-control", "http://127.0.0.1:%d/control" % ctl_port,
        "--notify-url", "http://127.0.0.1:%d/notices" % hook.port])
    ngx = None
    try:
        srv.start()
        tk = {role: srv.token(role) for role in ("admin", "hook", "ingest", "operator")}
        api = Api(srv, tk)
        seed = L.Seeder(srv, tk["admin"])
        ngx = L.Nginx(os.path.join(work, "nginx"), L.rtmp_conf(rtmp_port, srv.port, tk["hook"], ctl_port=ctl_port))
        ngx.test_and_start(C, "nginx -t accepts the test config", (rtmp_port, ctl_port))
        scenario(srv, tk, api, hook, seed, rtmp_port, ctl_port)
        C.check("livecomply still healthy", srv.alive(), srv.stderr_tail(800))
    except L.SeedError as e:
        C.check("seeding the registry", False, str(e))
    except Exception as e:  # noqa: BLE001
        L.report_exception(C, "enforce e2e", e, srv, ngx)
    finally:
        L.stop_leftovers(PROCS, ngx)
        hook.stop()
        L.end_server(C, srv, work, t_start)
    return C.finish()


if __name__ == "__main__":
    sys.exit(main())
