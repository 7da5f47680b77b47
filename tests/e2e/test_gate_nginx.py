#!/usr/bin/env python3
"""test_gate_nginx.py -- the publish gate end to end, through a real nginx-rtmp.

Usage: python3 test_gate_nginx.py PATH_TO_livecomply

Starts livecomply and a private nginx (rtmp module, worker_processes 1,
on_publish / on_publish_done pointing at livecomply with the hook token in the
URL query), then publishes with ffmpeg and checks what nginx did (ffmpeg's
exit code) and what livecomply recorded (/v1/gate/decisions, /v1/sessions):

  allowed   verified, trained adult host -> ffmpeg rc 0, decision allow, a
            session that is live while streaming and ended after publish_done
  refused   (ffmpeg rc != 0, reason recorded): host_not_verified (none / only
            failed), training_missing, training_expired, operator_not_verified,
            operator_verification_overdue (last pass 7 months ago),
            host_blacklisted (same ID number re-registered as a new host),
            operator_blacklisted, agency_blacklisted, unknown_stream_key,
            missing_key, stream_name_mismatch, and a stream name injected
            through the client's query string (nginx-rtmp appends it raw)
  control   a second publisher on a live room does not end the first one's
            session; /control/drop/publisher closes the live session
  hooks     hook auth: token only from the URL query; wrong role -> 403
  windows   training valid 12 months, operator re-verification 6 months:
            just inside -> allow, just outside -> deny (direct hook calls);
            the LAST PASSING verification counts
  deploy    deploy/nginx.conf itself (placeholders filled, paths moved to a
            temp dir) passes nginx -t, lets an allowed publish through,
            records it, delivers on_record_done, and keeps the hook token out
            of nginx's error log
Also: the hook token and stream keys never appear in DIR/log/*.jsonl.
Final line `N passed, M failed`; exit non-zero on failure.
"""

import os
import re
import subprocess
import sys
import tempfile
import shutil
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lchelp as L  # noqa: E402

C = L.Checker()

PROCS = []  # every ffmpeg we start, so finally{} can stop leftovers by PID


def ffmpeg_start(url, seconds):
    p = L.ffmpeg_publish_start(url, seconds)
    PROCS.append(p)
    return p


ffmpeg_wait = L.ffmpeg_publish_wait


def publish(rtmp_port, name, key=None, extra="", seconds=3, timeout=25):
    q = ""
    if key is not None:
        q = "?key=" + key + extra
    elif extra:
        q = "?" + extra.lstrip("&")
    url = "rtmp://127.0.0.1:%d/live/%s%s" % (rtmp_port, name, q)
    return ffmpeg_wait(ffmpeg_start(url, seconds), timeout)


class Gate:
    def __init__(self, srv, admin):
        self.srv = srv
        self.admin = admin

    def decisions(self, name=None, query=""):
        items, err = L.list_all(self.srv, "/v1/gate/decisions" + query, self.admin)
        if err is not None:
            raise RuntimeError("GET /v1/gate/decisions%s -> %s" % (query, L.describe(err)))
        return [d for d in items if name is None or d.get("name") == name]

    def sessions(self, room_id):
        items, err = L.list_all(self.srv, "/v1/sessions?room_id=" + urllib.parse.quote(room_id), self.admin)
        if err is not None:
            raise RuntimeError("GET /v1/sessions -> %s" % L.describe(err))
        return items

    def wait_session(self, room_id, pred, timeout):
        return L.poll_items(lambda: self.sessions(room_id), pred, timeout, 0.1)


def check_refused(g, rtmp_port, label, room_name, key, reason, extra="", room_id=None, exact=True):
    """Publishes; expects nginx to refuse it and exactly one new deny decision
    for the stream name whose reasons hold `reason` (and only it if exact)."""
    before = {d.get("id") for d in g.decisions(room_name)}
    rc, secs, err = publish(rtmp_port, room_name, key, extra=extra)
    C.check("%s: nginx refuses the publish (ffmpeg rc != 0)" % label, rc not in (0, "timeout"),
            "rc=%s after %.2fs %s" % (rc, secs, err))
    new, deadline = [], time.monotonic() + 3
    while time.monotonic() < deadline:
        new = [d for d in g.decisions(room_name) if d.get("id") not in before]
        if new:
            break
        time.sleep(0.1)
    d = new[0] if len(new) == 1 else None
    reasons = (d or {}).get("reasons") or []
    ok = d is not None and d.get("outcome") == "deny" and reason in reasons
    if exact:
        ok = ok and reasons == [reason]
    C.check("%s: decision deny with reason %s%s" % (label, reason, " (only)" if exact else ""), ok,
            "new decisions: %r" % new)
    if room_id and d is not None:
        flt = g.decisions(None, "?room_id=%s&outcome=deny" % urllib.parse.quote(room_id))
        C.check("%s: listed by ?room_id=&outcome=deny" % label, d.get("id") in [x.get("id") for x in flt],
                "filtered ids %s" % [x.get("id") for x in flt])
        live = [s for s in g.sessions(room_id) if s.get("status") == "live"]
        C.check("%s: no live session left for the room" % label, not live, repr(live))
    return d


def hook_body(name, key, clientid="9001", call="publish", more=()):
    pairs = [("app", "live"), ("flashver", "FMLE/3.0 (compatible; Lavf59.27"), ("swfurl", ""),
             ("tcurl", "rtmp://127.0.0.1:1935/live"), ("pageurl", ""), ("addr", "127.0.0.1"),
             ("clientid", clientid), ("call", call), ("name", name)]
    if call == "publish":
        pairs.append(("type", "live"))
    if key is not None:
        pairs.append(("key", key))
    pairs += list(more)
    return L.form_encode(pairs).encode()


def t_hook_direct(srv, tk, g, room):
    """Hook endpoint without nginx: auth rules and publish/publish_done pairing."""
    F = {"Content-Type": "application/x-www-form-urlencoded"}
    rid, key = room["id"], room["stream_key"]
    body = hook_body(rid, key)
    pub = "/hooks/rtmp/publish"
    cases = [
        ("no token", pub, body, None, 401),
        ("bad token", pub + "?token=bogus", body, None, 401),
        ("admin token in query (wrong role)", pub + "?token=" + tk["admin"], body, None, 403),
        ("hook token only in Authorization header", pub, body, {"Authorization": "Bearer " + tk["hook"]}, 401),
        ("hook token only in the form body (client args)", pub,
         hook_body(rid, key, more=[("token", tk["hook"])]), None, 401),
    ]
    for label, path, b, hdr, want in cases:
        h = dict(F)
        h.update(hdr or {})
        r = srv.req("POST", path, raw_body=b, headers=h)
        C.check("hook %s -> %d" % (label, want), r[0] == want, L.describe(r))
    r = srv.req("POST", pub + "?token=" + tk["hook"], raw_body=hook_body(rid, key), headers=F)
    C.check("direct hook publish for an allowed room -> 200", r[0] == 200, L.describe(r))
    s, all_s = g.wait_session(rid, lambda s: s.get("clientid") in ("9001", 9001) and s.get("status") == "live", 2)
    C.check("direct publish opened a live session with clientid 9001", s is not None, repr(all_s))
    r = srv.req("POST", "/hooks/rtmp/publish_done?token=" + tk["hook"],
                raw_body=hook_body(rid, key, call="publish_done"), headers=F)
    C.check("direct hook publish_done -> 2xx", 200 <= r[0] < 300, L.describe(r))
    s, all_s = g.wait_session(rid, lambda s: s.get("clientid") in ("9001", 9001) and s.get("status") == "ended", 2)
    C.check("direct publish_done ended that session (ended_at set)", s is not None and s.get("ended_at"),
            repr(all_s))
    r = srv.req("POST", "/hooks/rtmp/publish_done?token=bogus",
                raw_body=hook_body(rid, key, call="publish_done"), headers=F)
    C.check("hook publish_done with bad token -> 401", r[0] == 401, L.describe(r))
    # first occurrence wins: nginx puts its own name= first, client args after
    r = srv.req("POST", pub + "?token=" + tk["hook"],
                raw_body=hook_body("some-other-room", key, clientid="9002", more=[("name", rid)]), headers=F)
    C.check("hook publish with name=<other> first and name=<key's room> appended -> 403", r[0] == 403,
            L.describe(r))

def t_gate_windows(srv, tk, g, seed):
    """The 12-month training and 6-month operator re-verification windows,
    just inside and just outside, through the hook directly (no nginx)."""
    F = {"Content-Type": "application/x-www-form-urlencoded"}
    ag = seed.agency()["id"]
    op_ok = seed.operator()["id"]
    cases = [
        ("host trained 330 days ago", lambda: seed.room(op_ok, seed.host(ag, trained_days_ago=330)["id"]), None),
        ("host trained 380 days ago", lambda: seed.room(op_ok, seed.host(ag, trained_days_ago=380)["id"]),
         "training_expired"),
        ("operator verified 150 days ago",
         lambda: seed.room(seed.operator(verified_days_ago=150)["id"], seed.host(ag)["id"]), None),
        ("operator verified 200 days ago",
         lambda: seed.room(seed.operator(verified_days_ago=200)["id"], seed.host(ag)["id"]),
         "operator_verification_overdue"),
        ("operator: old pass (200 d) + recent fail (1 d)",
         lambda: _room_with_ops(seed, ag, [(200, "pass"), (1, "fail")]),
         ("operator_verification_overdue", "operator_not_verified")),
        ("operator: recent pass (10 d) after old fail (300 d)",
         lambda: _room_with_ops(seed, ag, [(300, "fail"), (10, "pass")]), None),
    ]
    for i, (label, make, reason) in enumerate(cases):
        room = make()
        cid = str(9100 + i)
        before = {d.get("id") for d in g.decisions(room["id"])}
        r = srv.req("POST", "/hooks/rtmp/publish?token=" + tk["hook"],
                    raw_body=hook_body(room["id"], room["stream_key"], clientid=cid), headers=F)
        new = [d for d in g.decisions(room["id"]) if d.get("id") not in before]
        if reason is None:
            C.check("%s -> allow (200)" % label, r[0] == 200 and len(new) == 1 and new[0].get("outcome") == "allow",
                    "%s decisions %r" % (L.describe(r), new))
            srv.req("POST", "/hooks/rtmp/publish_done?token=" + tk["hook"],
                    raw_body=hook_body(room["id"], room["stream_key"], clientid=cid, call="publish_done"), headers=F)
        else:
            ok_reasons = [[x] for x in (reason if isinstance(reason, tuple) else (reason,))]
            C.check("%s -> deny (403) %s" % (label, " or ".join(r_[0] for r_ in ok_reasons)),
                    r[0] == 403 and len(new) == 1 and new[0].get("reasons") in ok_reasons,
                    "%s decisions %r" % (L.describe(r), new))


def _room_with_ops(seed, ag, verifications):
    op = seed.operator(verified_days_ago=None)["id"]
    for days, result in verifications:
        seed.operator_verification(op, days, result)
    return seed.room(op, seed.host(ag)["id"])


DEPLOY_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "nginx.conf")


def deploy_conf_for_test(w, lc_port, hook_token, rtmp_port, ctl_port):
    """deploy/nginx.conf with its placeholders filled and every path and port
    moved into the work dir / loopback, so the shipped file itself is run."""
    with open(DEPLOY_CONF) as f:
        text = f.read()
    subs = [("/var/log/nginx/", w + "/logs/"), ("/run/nginx-rtmp.pid", w + "/nginx.pid"),
            ("/var/lib/livecomply/rec", w + "/rec"), ("LIVECOMPLY_ADDR", "127.0.0.1:%d" % lc_port),
            ("HOOK_TOKEN", hook_token), ("127.0.0.1:8088", "127.0.0.1:%d" % ctl_port)]
    for a, b in subs:
        if a not in text:
            raise RuntimeError("deploy/nginx.conf no longer contains %r" % a)
        text = text.replace(a, b)
    text, n = re.subn(r"(?m)^(\s*listen\s+)1935;", r"\g<1>127.0.0.1:%d;" % rtmp_port, text)
    if n != 1:
        raise RuntimeError("deploy/nginx.conf: expected one 'listen 1935;'")
    text = text.replace("\nhttp {\n", "\nhttp {\n    " + L.Nginx.http_common().replace("{W}", w) + "\n", 1)
    text = text.replace("\nevents {", "\nlock_file %s/nginx.lock;\nevents {" % w, 1)
    for d in ("logs", "tmp", "rec"):
        os.makedirs(os.path.join(w, d), exist_ok=True)
    if os.geteuid() == 0:
        try:
            # the workers run as www-data: it must reach and write rec/
            os.chmod(os.path.dirname(w), 0o755)  # our mkdtemp dir (0700)
            shutil.chown(os.path.join(w, "rec"), user="www-data")
        except (LookupError, OSError):
            pass
    path = os.path.join(w, "nginx.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def t_deploy_conf(srv, tk, g, room, work):
    """Runs deploy/nginx.conf itself: a publish goes through the gate, is
    recorded, on_record_done reaches livecomply, and no secret is logged."""
    with open(DEPLOY_CONF) as f:
        raw = f.read()
    active = [ln for ln in raw.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    C.check("deploy/nginx.conf does not enable on_update (rtmp.md 7)",
            not any(ln.strip().startswith("on_update") for ln in active))
    C.check("deploy/nginx.conf runs a single worker (control API)",
            any(re.match(r"\s*worker_processes\s+1;", ln) for ln in active))
    w = os.path.join(work, "nginx-deploy")
    rtmp_port, ctl_port = L.free_port(), L.free_port()
    conf = deploy_conf_for_test(w, srv.port, tk["hook"], rtmp_port, ctl_port)
    r = subprocess.run(["nginx", "-t", "-p", w + "/", "-e", w + "/logs/error.log", "-c", conf],
                       capture_output=True, timeout=30)
    C.check("deploy/nginx.conf passes nginx -t (paths/ports moved to a temp dir)", r.returncode == 0,
            (r.stdout + r.stderr).decode("utf-8", "replace"))
    if r.returncode != 0:
        return
    ngx = L.Nginx.__new__(L.Nginx)
    ngx.w, ngx.conf, ngx.proc = w, conf, None
    try:
        ngx.start(wait_ports=(rtmp_port, ctl_port))
        rid, key = room["id"], room["stream_key"]
        before = {s.get("id") for s in g.sessions(rid)}
        rc, secs, err = publish(rtmp_port, rid, key, seconds=3)
        C.check("deploy conf: allowed publish goes through (ffmpeg rc 0)", rc == 0,
                "rc=%s %s\n%s" % (rc, err, ngx.error_log_tail(1500)))
        s, all_s = g.wait_session(rid, lambda s: s.get("id") not in before and s.get("status") == "ended", 3)
        C.check("deploy conf: on_publish_done ends the session", s is not None, repr(all_s))
        recs = [f for f in os.listdir(os.path.join(w, "rec")) if f.startswith(rid + "-") and f.endswith(".flv")]
        C.check("deploy conf: recording written with record_unique name <room>-<time>.flv", recs,
                repr(os.listdir(os.path.join(w, "rec"))))
        deadline, seen = time.monotonic() + 3, False
        while time.monotonic() < deadline and not seen:
            for fn in srv.log_files():
                with open(fn, "rb") as f:
                    seen = seen or any(b"/hooks/rtmp/record_done" in ln and b'"status":2' in ln
                                       for ln in f.read().splitlines())
            time.sleep(0.1)
        C.check("deploy conf: on_record_done reached livecomply and got a 2xx", seen)
    finally:
        ngx.stop()
    logs = b""
    for fn in ("error.log", "rtmp-error.log", "rtmp-control-access.log"):
        p = os.path.join(w, "logs", fn)
        if os.path.exists(p):
            with open(p, "rb") as f:
                logs += f.read()
    C.check("deploy conf: nginx's error log does not contain the hook token (level notice, not info)",
            tk["hook"].encode() not in logs)



def main():
    binary = L.rtmp_test_binary(C, sys.argv)
    if binary is None:
        return C.finish()

    t_start = time.monotonic()
    work = tempfile.mkdtemp(prefix="lc-gate-e2e-")
    srv = L.Server(binary, workdir=os.path.join(work, "lc"))
    ngx = None
    try:
        srv.start()
        tk = {"admin": srv.token("admin"), "hook": srv.token("hook")}
        seed = L.Seeder(srv, tk["admin"])
        g = Gate(srv, tk["admin"])

        # ---- registry state for every scenario (each gets its own objects)
        ok_room = seed.allowed_room()
        drop_room = seed.allowed_room()
        direct_room = seed.allowed_room()

        ag = seed.agency()["id"]
        good_op = seed.operator()["id"]
        h_unverified = seed.host(ag, verified=False)
        h_failed = seed.host(ag, verified=False)
        seed.host_verification(h_failed["id"], result="fail")
        h_untrained = seed.host(ag, trained_days_ago=None)
        h_expired = seed.host(ag, trained_days_ago=400)
        r_unverified = seed.room(good_op, h_unverified["id"])
        r_failed = seed.room(good_op, h_failed["id"])
        r_untrained = seed.room(good_op, h_untrained["id"])
        r_expired = seed.room(good_op, h_expired["id"])

        op_overdue = seed.operator(verified_days_ago=210)["id"]     # ~7 months
        op_never = seed.operator(verified_days_ago=None)["id"]
        r_overdue = seed.room(op_overdue, seed.host(ag)["id"])
        r_never = seed.room(op_never, seed.host(ag)["id"])

        # blacklisted ID number re-registered under a new host account
        h_bl_old = seed.host(ag)
        r_bl_old = seed.room(good_op, h_bl_old["id"])
        bl_idn = h_bl_old["_clear"]["id_number"]
        seed.blacklist(id_number=bl_idn)
        h_bl_new = seed.host(ag, id_number=bl_idn)
        r_bl_new = seed.room(good_op, h_bl_new["id"])

        op_bl_cc = L.make_credit_code()
        op_bl = seed.operator(credit_code=op_bl_cc)["id"]
        seed.blacklist(credit_code=op_bl_cc)
        r_op_bl = seed.room(op_bl, seed.host(ag)["id"])

        ag_bl_cc = L.make_credit_code()
        ag_bl = seed.agency(credit_code=ag_bl_cc)["id"]
        seed.blacklist(credit_code=ag_bl_cc)
        r_ag_bl = seed.room(good_op, seed.host(ag_bl)["id"])
        print("seeded registry in %.1fs" % (time.monotonic() - t_start), flush=True)

        try:
            t_hook_direct(srv, tk, g, direct_room["room"])
        except Exception as e:  # noqa: BLE001
            C.error("direct hook checks", e)
        try:
            t_gate_windows(srv, tk, g, seed)
        except L.SeedError as e:
            C.check("seeding for the window checks", False, str(e))
        except Exception as e:  # noqa: BLE001
            C.error("window checks", e)

        # ---- nginx
        rtmp_port, ctl_port = L.free_port(), L.free_port()
        ngx = L.Nginx(os.path.join(work, "nginx"), L.rtmp_conf(rtmp_port, srv.port, tk["hook"], ctl_port=ctl_port))
        ngx.test_and_start(C, "nginx -t accepts the test config", (rtmp_port, ctl_port))

        # ---- allowed publish
        rid, key = ok_room["room"]["id"], ok_room["room"]["stream_key"]
        p = ffmpeg_start("rtmp://127.0.0.1:%d/live/%s?key=%s" % (rtmp_port, rid, key), 3)
        live, all_s = g.wait_session(rid, lambda s: s.get("status") == "live", 3)
        C.check("allowed: session is live while ffmpeg streams", live is not None, repr(all_s))
        rc, secs, err = ffmpeg_wait(p, 20)
        C.check("allowed: verified, trained adult host publishes (ffmpeg rc 0)", rc == 0,
                "rc=%s %.2fs %s\n%s" % (rc, secs, err, ngx.error_log_tail(1500)))
        ds = g.decisions(rid)
        allow = [d for d in ds if d.get("outcome") == "allow"]
        d = allow[0] if len(allow) == 1 else {}
        C.check("allowed: exactly one allow decision, no reasons", len(allow) == 1 and not d.get("reasons"),
                repr(ds))
        C.check("allowed: decision carries room_id, host_id, app, name, clientid, addr, ts",
                d.get("room_id") == rid and d.get("host_id") == ok_room["host"]["id"] and d.get("app") == "live"
                and d.get("name") == rid and str(d.get("clientid", "")) != "" and d.get("addr") == "127.0.0.1"
                and isinstance(d.get("ts"), str) and d["ts"].endswith("Z"), repr(d))
        ended, all_s = g.wait_session(rid, lambda s: s.get("status") == "ended", 3)
        C.check("allowed: publish_done ends the session (status ended, ended_at set)",
                ended is not None and ended.get("ended_at") and ended.get("started_at"), repr(all_s))
        C.check("allowed: session clientid matches the decision's, host_id set",
                ended is not None and str(ended.get("clientid")) == str(d.get("clientid"))
                and ended.get("host_id") == ok_room["host"]["id"], "session %r decision %r" % (ended, d))
        C.check("allowed: exactly one session for the single publish", len(all_s) == 1, repr(all_s))

        # ---- refusals
        P = rtmp_port
        check_refused(g, P, "host without verification", r_unverified["id"], r_unverified["stream_key"],
                      "host_not_verified", room_id=r_unverified["id"])
        check_refused(g, P, "host with only a failed verification", r_failed["id"], r_failed["stream_key"],
                      "host_not_verified", room_id=r_failed["id"])
        check_refused(g, P, "host without training", r_untrained["id"], r_untrained["stream_key"],
                      "training_missing", room_id=r_untrained["id"])
        check_refused(g, P, "host trained 400 days ago", r_expired["id"], r_expired["stream_key"],
                      "training_expired")
        check_refused(g, P, "operator last verified 7 months ago", r_overdue["id"], r_overdue["stream_key"],
                      "operator_verification_overdue", room_id=r_overdue["id"])
        check_refused(g, P, "operator never verified", r_never["id"], r_never["stream_key"],
                      "operator_not_verified")
        check_refused(g, P, "blacklisted ID re-registered as a new host", r_bl_new["id"], r_bl_new["stream_key"],
                      "host_blacklisted", room_id=r_bl_new["id"])
        check_refused(g, P, "blacklisted ID, original host account", r_bl_old["id"], r_bl_old["stream_key"],
                      "host_blacklisted")
        check_refused(g, P, "operator credit code blacklisted", r_op_bl["id"], r_op_bl["stream_key"],
                      "operator_blacklisted")
        check_refused(g, P, "agency credit code blacklisted", r_ag_bl["id"], r_ag_bl["stream_key"],
                      "agency_blacklisted")
        check_refused(g, P, "wrong stream key", rid, "wrong" + key[5:], "unknown_stream_key")
        check_refused(g, P, "no key at all", rid, None, "missing_key")
        d_room = drop_room["room"]
        check_refused(g, P, "room A's key used on room B's name", d_room["id"], key, "stream_name_mismatch")
        check_refused(g, P, "name injected via client args (live/B?key=A&name=A)", d_room["id"], key,
                      "stream_name_mismatch", extra="&name=" + rid)
        C.check("after all refusals, room A still has exactly one allow decision",
                len([x for x in g.decisions(rid) if x.get("outcome") == "allow"]) == 1, repr(g.decisions(rid)))

        # ---- duplicate publisher and drop through the control API
        did, dkey = d_room["id"], d_room["stream_key"]
        url = "rtmp://127.0.0.1:%d/live/%s?key=%s" % (P, did, dkey)
        p = ffmpeg_start(url, 30)
        live, all_s = g.wait_session(did, lambda s: s.get("status") == "live", 4)
        C.check("drop: long publish goes live", live is not None, repr(all_s))
        if live is not None:
            cid = str(live.get("clientid"))
            rc2, _, err2 = publish(P, did, dkey, seconds=2)
            C.check("duplicate publisher on a live room is refused (nginx: already publishing or gate deny)",
                    rc2 not in (0, "timeout"), "rc=%s %s" % (rc2, err2))
            time.sleep(0.5)
            still, all_s = g.wait_session(did, lambda s: str(s.get("clientid")) == cid and s.get("status") == "live",
                                          1)
            C.check("duplicate publisher's publish_done does not end the first session", still is not None,
                    repr(all_s))
            C.check("first ffmpeg is still streaming", p.poll() is None, "rc=%s" % p.poll())
            q = urllib.parse.urlencode({"app": "live", "name": did, "clientid": cid})
            r = L.http(ctl_port, "GET", "/control/drop/publisher?" + q)
            C.check("control drop/publisher?app&name&clientid -> body 1", r[0] == 200 and r[3].strip() == b"1",
                    L.describe(r))
            rc, secs, err = ffmpeg_wait(p, 10)
            C.check("dropped ffmpeg exits with rc != 0", rc not in (0, "timeout"), "rc=%s %s" % (rc, err))
            ended, all_s = g.wait_session(did, lambda s: str(s.get("clientid")) == cid and s.get("status") == "ended",
                                          3)
            C.check("drop: publish_done from nginx closes the live session", ended is not None
                    and ended.get("ended_at"), repr(all_s))
        else:
            ffmpeg_wait(p, 1)

        ngx.stop()
        ngx = None
        try:
            t_deploy_conf(srv, tk, g, ok_room["room"], work)
        except Exception as e:  # noqa: BLE001
            C.error("deploy/nginx.conf", e)

        # ---- logs: hook token and stream keys are secrets
        blobs = b""
        for fn in srv.log_files():
            with open(fn, "rb") as f:
                blobs += f.read()
        C.check("livecomply wrote log lines for the hook calls", len(blobs) > 0, str(srv.log_files()))
        C.check("hook token never appears in DIR/log/*.jsonl", tk["hook"].encode() not in blobs)
        C.check("admin token never appears in DIR/log/*.jsonl", tk["admin"].encode() not in blobs)
        leaked = [k for k in (key, dkey, r_bl_new["stream_key"]) if k.encode() in blobs]
        C.check("stream keys never appear in DIR/log/*.jsonl", not leaked, "%d keys found" % len(leaked))
        C.check("host ID number never appears in DIR/log/*.jsonl", bl_idn.encode() not in blobs)
        C.check("livecomply still healthy", srv.alive(), srv.stderr_tail(800))
    except L.SeedError as e:
        C.check("seeding the registry", False, str(e))
    except Exception as e:  # noqa: BLE001
        L.report_exception(C, "gate e2e", e, srv, ngx)
    finally:
        L.stop_leftovers(PROCS, ngx)
        L.end_server(C, srv, work, t_start)
    return C.finish()


if __name__ == "__main__":
    sys.exit(main())
