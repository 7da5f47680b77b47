#!/usr/bin/env python3
"""test_recording_nginx.py -- nginx-rtmp recordings land in the archive, end to end.

Usage: python3 test_recording_nginx.py PATH_TO_livecomply

Starts livecomply and a private nginx (rtmp module) whose `live` application
asks livecomply's gate on on_publish and records every stream (record all,
record_unique on, record_interval 2s) into a folder whose name holds the
characters nginx must escape in a hook body (space + & % ; # ? = and a
non-ASCII letter), with on_record_done pointing at
/hooks/rtmp/record_done?token=<hook token>.  Then:

  denied    a publish to a room that does not exist and one with the wrong
            stream key are refused by the gate: ffmpeg fails, nginx writes no
            file and the archive holds no recording for either room
  recorded  two allowed rooms publish 5 s of test video at the same time;
            every .flv nginx wrote is in the room's evidence bundle
            (GET /v1/evidence/rooms/{id}) as exactly one "recording" record
            whose path, SHA-256 and size equal the file's, with room_id = the
            room, host_id = the room's host and app = "live"; the interval
            cut the stream into at least two files; no record names a file
            that does not exist
  verify    `livecomply verify BUNDLE --key VKEY` accepts the bundle and
            rejects it once one recording's sha256 is edited in its leaf
  burst     3 x 16 record_done hooks in nginx's wire format at one moment
            (as when many rooms' chunks close together) are all answered
            200 and all reach the room's evidence, and the next one too
  hygiene   nginx's rtmp access log went to the temp dir, not to
            /var/log/nginx/access.log; nginx and livecomply stop cleanly;
            livecomply's stderr holds no sanitizer report

Final line `N passed, M failed`; exit non-zero on failure.  Set
LC_E2E_KEEP=1 to keep the temp dir.
"""

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lchelp as L  # noqa: E402

C = L.Checker()
PROCS = []  # every ffmpeg started, so finally{} can stop leftovers by PID

# nginx-rtmp escapes " #%&+;?" and bytes >= 0x80 in the path= field, but not
# "=": a folder holding all of them checks livecomply decodes the path back.
REC_DIR_NAME = "rec a+b&c%d;e#f=g?h \u00e9"
PUBLISH_SECONDS = 5


def nginx_conf(lc_port, hook_token, rtmp_port):
    """The rtmp{} block; the same recording settings as deploy/nginx.conf
    except a 2 s interval, so a 5 s stream is cut into several files."""
    return L.rtmp_conf(rtmp_port, lc_port, hook_token, netcall_timeout=None, app_extra=[
        'on_record_done  "http://127.0.0.1:%d/hooks/rtmp/record_done?token=%s";' % (lc_port, hook_token),
        "record all;",
        'record_path "{W}/%s";' % REC_DIR_NAME,
        "record_unique on;",
        "record_interval 2s;"])


def publish_start(rtmp_port, name, key, seconds):
    url = "rtmp://127.0.0.1:%d/live/%s?key=%s" % (rtmp_port, name, key)
    p = L.ffmpeg_publish_start(url, seconds)
    PROCS.append(p)
    return p


def recordings(srv, tok, room_id):
    """The room's "recording" records (decoded leaves) and the raw response."""
    r, leaves = L.evidence_leaves(srv, "rooms", room_id, tok)
    return [x for x in leaves if x.get("type") == "recording"], r


def flv_files(rec, prefix):
    return sorted(os.path.join(rec, f) for f in os.listdir(rec)
                  if f.startswith(prefix + "-") and f.endswith(".flv"))


def t_denied(srv, tk, rtmp_port, rec, room):
    """Refused publishes: nothing recorded, nothing archived."""
    nosuch = "room_nosuch" + secrets.token_hex(6)
    cases = (("room that does not exist", nosuch, "bogus" + secrets.token_hex(8)),
             ("allowed room with a wrong stream key", room["id"], "wrong" + room["stream_key"][5:]))
    for label, name, key in cases:
        rc, secs, err = L.ffmpeg_publish_wait(publish_start(rtmp_port, name, key, 2), 20)
        C.check("denied (%s): nginx refuses the publish (ffmpeg rc != 0)" % label,
                rc not in (0, "timeout"), "rc=%s after %.2fs %s" % (rc, secs, err))
    time.sleep(0.5)  # a stray record_done would arrive within milliseconds (rtmp.md 8)
    C.check("denied: nginx wrote no file in record_path", os.listdir(rec) == [], repr(os.listdir(rec)))
    for label, name in (("unknown room", nosuch), ("allowed room", room["id"])):
        recs, r = recordings(srv, tk["regulator"], name)
        C.check("denied: no recording record for the %s" % label,
                r[0] in (200, 404) and not recs, "%s %r" % (L.describe(r), recs))
    return nosuch


def wait_recorded(srv, tok, rec, room_ids, timeout=10.0):
    """Polls until every room's files are all in its evidence, then once more
    after a short pause so that late or duplicate hooks are seen too."""
    deadline = time.monotonic() + timeout
    while True:
        state = {rid: (flv_files(rec, rid), recordings(srv, tok, rid)[0]) for rid in room_ids}
        done = all(files and set(files) <= {x["data"].get("path") for x in recs}
                   for files, recs in state.values())
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    return {rid: (flv_files(rec, rid), recordings(srv, tok, rid)[0]) for rid in room_ids}


def check_room(label, seeded, files, recs):
    room, host = seeded["room"], seeded["host"]
    C.check("%s: the 2 s record_interval cut the 5 s stream into >= 2 files" % label,
            len(files) >= 2, repr(files))
    C.check("%s: at least one file holds real media (> 10 KB)" % label,
            any(os.path.getsize(f) > 10000 for f in files), repr([(f, os.path.getsize(f)) for f in files]))
    by_path = {}
    for x in recs:
        by_path.setdefault(x["data"].get("path"), []).append(x)
    for f in files:
        digest, size = L.sha256_file(f)
        got = by_path.get(f, [])
        d = got[0]["data"] if len(got) == 1 else {}
        C.check("%s: %s is archived exactly once" % (label, os.path.basename(f)), len(got) == 1,
                "records for it: %r; all paths %r" % (got, list(by_path)))
        C.check("%s: %s sha256 and size equal the file's (%d bytes)" % (label, os.path.basename(f), size),
                d.get("sha256") == digest and d.get("size") == size,
                "record %r, file sha256=%s size=%d" % (d, digest, size))
        C.check("%s: %s has room_id, host_id of the room's host, app live" % (label, os.path.basename(f)),
                d.get("room_id") == room["id"] and d.get("host_id") == host["id"]
                and host["id"] == room.get("host_id", host["id"]) and d.get("app") == "live",
                "record %r room %s host %s" % (d, room["id"], host["id"]))
    extra = sorted(p for p in by_path if p not in files)
    C.check("%s: no recording record names a file nginx did not write" % label, not extra, repr(extra))


def t_verify(srv, tk, binary, work, room_id):
    """The CLI verifies the room's bundle offline, and catches an edited recording."""
    r = srv.req("GET", "/v1/archive/key")
    vkey = (r[3] or b"").decode().strip()
    C.check("GET /v1/archive/key gives the verifier key", r[0] == 200 and vkey.startswith("livecomply/archive+"),
            L.describe(r))
    r = srv.req("GET", "/v1/evidence/rooms/%s" % room_id, token=tk["regulator"])
    bundle = r[1] if r[0] == 200 and isinstance(r[1], dict) else {}
    C.check("regulator fetches the room's evidence bundle", bool(bundle.get("records")), L.describe(r))
    path = os.path.join(work, "bundle.json")
    with open(path, "w") as f:
        json.dump(bundle, f)
    p = subprocess.run([binary, "verify", path, "--key", vkey], capture_output=True, text=True, timeout=60)
    C.check("livecomply verify accepts the bundle with the recordings (exit 0, ok)",
            p.returncode == 0 and "ok" in p.stdout, "rc=%d %s %s" % (p.returncode, p.stdout, p.stderr))
    idx = [i for i, x in enumerate(bundle.get("records") or [])
           if json.loads(base64.b64decode(x["leaf"])).get("type") == "recording"]
    if not idx:
        C.check("bundle holds a recording to tamper with", False)
        return
    bad = json.loads(json.dumps(bundle))
    rec = bad["records"][idx[0]]
    leaf = json.loads(base64.b64decode(rec["leaf"]))
    leaf["data"]["sha256"] = "0" * 64
    rec["leaf"] = base64.b64encode(json.dumps(leaf, sort_keys=True, separators=(",", ":"),
                                              ensure_ascii=False).encode()).decode()
    if isinstance(rec.get("content"), dict):
        rec["content"]["sha256"] = "0" * 64
    path = os.path.join(work, "bundle-tampered.json")
    with open(path, "w") as f:
        json.dump(bad, f)
    p = subprocess.run([binary, "verify", path, "--key", vkey], capture_output=True, text=True, timeout=60)
    C.check("livecomply verify rejects a recording whose sha256 was edited (exit 3, names records[%d])"
            % idx[0], p.returncode == 3 and ("records[%d]" % idx[0]) in (p.stdout + p.stderr),
            "rc=%d %s %s" % (p.returncode, p.stdout, p.stderr))


def t_concurrent(srv, tk, work, seeded, rounds=3, per_round=16):
    """nginx sends record_done for every room whose chunk closes, each on its
    own connection, so many arrive at once (rtmp.md 10, gotcha 9).  The same
    without nginx: rounds of hooks in nginx's wire format, each round
    released together (several rounds, as one may miss a timing race)."""
    n = rounds * per_round
    rid = seeded["room"]["id"]
    d = os.path.join(work, "burst")
    os.makedirs(d)
    files = []
    for i in range(n):
        f = os.path.join(d, "%s-%d.flv" % (rid, 1800000000 + i))
        with open(f, "wb") as out:
            out.write(os.urandom(20000 + i))
        files.append(f)
    F = {"Content-Type": "application/x-www-form-urlencoded"}
    go = threading.Barrier(per_round)
    status = {}

    def hook(i, f):
        body = L.form_encode([("app", "live"), ("flashver", "FMLE/3.0 (compatible; Lavf59.27"),
                              ("swfurl", ""), ("tcurl", "rtmp://127.0.0.1:1935/live"), ("pageurl", ""),
                              ("addr", "127.0.0.1"), ("clientid", str(100 + i)), ("call", "record_done"),
                              ("recorder", ""), ("name", rid), ("path", f), ("key", "k")]).encode()
        go.wait(timeout=10)
        status[f] = srv.req("POST", "/hooks/rtmp/record_done?token=" + tk["hook"], raw_body=body,
                            headers=F)[0]

    for k in range(rounds):
        threads = [threading.Thread(target=hook, args=(i, files[i]))
                   for i in range(k * per_round, (k + 1) * per_round)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    got = sorted(status.values())
    C.check("burst: %d record_done hooks, %d at once, are all answered 200" % (n, per_round),
            got == [200] * n, "statuses %r" % {s: got.count(s) for s in set(got)})
    recs = {x["data"].get("path"): x["data"] for x in recordings(srv, tk["regulator"], rid)[0]}
    bad = [os.path.basename(f) for f in files
           if (recs.get(f, {}).get("sha256"), recs.get(f, {}).get("size")) != L.sha256_file(f)]
    C.check("burst: all %d files are in the room's evidence with their sha256 and size" % n,
            not bad and len(recs) == n, "%d records; missing or wrong: %r" % (len(recs), bad))
    after = os.path.join(d, "%s-after.flv" % rid)
    with open(after, "wb") as out:
        out.write(os.urandom(1000))
    body = L.form_encode([("app", "live"), ("call", "record_done"), ("recorder", ""), ("name", rid),
                          ("path", after)]).encode()
    r = srv.req("POST", "/hooks/rtmp/record_done?token=" + tk["hook"], raw_body=body, headers=F)
    paths = {x["data"].get("path") for x in recordings(srv, tk["regulator"], rid)[0]}
    C.check("burst: a record_done after the burst is still answered 200 and archived",
            r[0] == 200 and after in paths, L.describe(r))


def t_logs(ngx, room_ids):
    """rtmp{} access_log gotcha: the session lines must be in our temp dir."""
    try:
        with open(os.path.join(ngx.w, "logs", "rtmp_access.log"), "rb") as f:
            ours = f.read()
    except OSError:
        ours = b""
    C.check("nginx's rtmp access log (in the temp dir) has the PUBLISH lines",
            all(("PUBLISH \"live\" \"%s\"" % rid).encode() in ours for rid in room_ids), repr(ours[-600:]))
    sys_log = b""
    try:
        with open("/var/log/nginx/access.log", "rb") as f:
            sys_log = f.read()
    except OSError:
        pass
    C.check("nothing of this test went to /var/log/nginx/access.log",
            not any(rid.encode() in sys_log for rid in room_ids))


def check_no_sanitizer_report(srv):
    def check():
        err = srv.stderr_text()
        C.check("livecomply stderr holds no sanitizer report",
                "Sanitizer" not in err and "runtime error:" not in err, err[-2000:])
    return check


def main():
    binary = L.rtmp_test_binary(C, sys.argv)
    if binary is None:
        return C.finish()
    t_start = time.monotonic()
    work = tempfile.mkdtemp(prefix="lc-rec-e2e-")
    os.chmod(work, 0o711)  # nginx's workers (www-data when root) must reach record_path
    srv = L.Server(binary, workdir=os.path.join(work, "lc"))
    ngx = None
    room_ids = []
    try:
        srv.start()
        tk = {"admin": srv.token("admin"), "hook": srv.token("hook"), "regulator": srv.token("regulator")}
        seed = L.Seeder(srv, tk["admin"])
        seeded = [seed.allowed_room(), seed.allowed_room()]
        burst_room = seed.allowed_room()
        rtmp_port = L.free_port()
        ngx = L.Nginx(os.path.join(work, "nginx"), nginx_conf(srv.port, tk["hook"], rtmp_port))
        rec = os.path.join(ngx.w, REC_DIR_NAME)
        os.makedirs(rec)
        if os.geteuid() == 0:
            shutil.chown(rec, user="www-data")
        ngx.test_and_start(C, "nginx -t accepts the recording config", (rtmp_port,))

        room_ids.append(t_denied(srv, tk, rtmp_port, rec, seeded[0]["room"]))

        pubs = [publish_start(rtmp_port, s["room"]["id"], s["room"]["stream_key"], PUBLISH_SECONDS)
                for s in seeded]
        for i, p in enumerate(pubs):
            rc, secs, err = L.ffmpeg_publish_wait(p, PUBLISH_SECONDS + 20)
            C.check("room %d: allowed publish of %d s ran to the end (ffmpeg rc 0)" % (i + 1, PUBLISH_SECONDS),
                    rc == 0, "rc=%s %.2fs %s\n%s" % (rc, secs, err, ngx.error_log_tail(1500)))
        ids = [s["room"]["id"] for s in seeded]
        room_ids += ids
        got = wait_recorded(srv, tk["regulator"], rec, ids)
        for i, s in enumerate(seeded):
            files, recs = got[s["room"]["id"]]
            check_room("room %d" % (i + 1), s, files, recs)
        mine = {f for rid in ids for f in got[rid][0]}
        others = sorted(f for f in os.listdir(rec) if os.path.join(rec, f) not in mine)
        C.check("record_path holds only the two allowed rooms' files", not others, repr(others))
        C.check("still no recording for the unknown room",
                not recordings(srv, tk["regulator"], room_ids[0])[0])

        t_verify(srv, tk, binary, work, ids[0])
        rc = ngx.stop()
        C.check("nginx master exits 0 on QUIT", rc == 0, "rc=%s" % rc)
        t_logs(ngx, room_ids)
        ngx = None
        t_concurrent(srv, tk, work, burst_room)
    except L.SeedError as e:
        C.check("seeding the registry", False, str(e))
    except Exception as e:  # noqa: BLE001
        L.report_exception(C, "recording e2e", e, srv, ngx)
    finally:
        L.stop_leftovers(PROCS, ngx)
        L.end_server(C, srv, work, t_start, after_stop=check_no_sanitizer_report(srv))
    return C.finish()


if __name__ == "__main__":
    sys.exit(main())
