#!/usr/bin/env python3
"""Gate decisions reach the archive even across a crash.

Gate decisions are mirrored into the archive through a queue (so a publish
does not wait for the log), which a crash can empty before it is appended;
the next start re-mirrors whatever the store has that the archive lacks.
This test drives many publish / publish_done hooks from several threads
(no nginx needed), kills the server with SIGKILL while they run, restarts it
on the same data folder, and checks that every decision GET
/v1/gate/decisions lists -- and every session it shows as ended -- is in the
room's evidence; then stops the server and runs `archive verify`.

Run: python3 test_archive_gate.py PATH_TO_livecomply
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lchelp as L  # noqa: E402

C = L.Checker()
F = {"Content-Type": "application/x-www-form-urlencoded"}
THREADS = 4
SECONDS_BEFORE_KILL = 2.0


def hook_body(name, key, clientid, call):
    pairs = [("app", "live"), ("tcurl", "rtmp://127.0.0.1:1935/live"), ("addr", "127.0.0.1"),
             ("clientid", clientid), ("call", call), ("name", name)]
    if call == "publish":
        pairs.append(("type", "live"))
    pairs.append(("key", key))
    return L.form_encode(pairs).encode()


def driver(srv, hook, room, other, t, stop, acked):
    """Publishes (and ends every other session) on room, with a deny (name
    mismatch) now and then, until stop is set or the server is gone."""
    i = 0
    while not stop.is_set():
        i += 1
        cid = "%d%06d" % (t + 1, i)
        deny = i % 5 == 0
        r = srv.req("POST", "/hooks/rtmp/publish?token=" + hook, headers=F, timeout=5,
                    raw_body=hook_body(other["id"] if deny else room["id"], room["stream_key"],
                                       cid, "publish"))
        if not r[0] or r[0] >= 500:
            return
        acked.append(r[0])
        if not deny and i % 2 == 0:
            r = srv.req("POST", "/hooks/rtmp/publish_done?token=" + hook, headers=F, timeout=5,
                        raw_body=hook_body(room["id"], room["stream_key"], cid, "publish_done"))
            if not r[0] or r[0] >= 500:
                return
            acked.append(r[0])


def drive_then_kill(srv, hook, room, other):
    stop, acked = threading.Event(), []
    ts = [threading.Thread(target=driver, args=(srv, hook, room, other, t, stop, acked))
          for t in range(THREADS)]
    for t in ts:
        t.start()
    time.sleep(SECONDS_BEFORE_KILL)
    rc = srv.stop(sig=signal.SIGKILL)
    stop.set()
    for t in ts:
        t.join(timeout=30)
    return rc, acked


def check_all_archived(srv, admin, regulator, room_id):
    decisions, err = L.list_all(srv, "/v1/gate/decisions", admin, max_pages=1000)
    C.check("GET /v1/gate/decisions lists every decision", err is None,
            L.describe(err) if err else "")
    mine = [d for d in decisions if d.get("room_id") == room_id]
    ended = [d for d in mine if d.get("status") == "ended"]
    C.check("the store holds many decisions for the room (%d, %d ended, %d deny)" % (
        len(mine), len(ended), sum(d.get("outcome") == "deny" for d in mine)),
        len(mine) >= 50 and ended and any(d.get("outcome") == "deny" for d in mine))
    r, leaves = L.evidence_leaves(srv, "rooms", room_id, regulator)
    C.check("the room's evidence bundle -> 200", r[0] == 200, L.describe(r))
    inserted, ends = set(), set()
    for lf in leaves:
        d = lf.get("data") or {}
        if lf.get("type") != "gate_decision":
            continue
        inserted.add(d.get("_id"))
        if d.get("status") == "ended":
            ends.add(d.get("_id"))
    ids = lambda ds: [d.get("id") for d in ds]  # noqa: E731
    missing = [i for i in ids(mine) if i not in inserted]
    C.check("every decision of the room is in the archive (%d)" % len(mine), not missing,
            "%d missing, e.g. %r" % (len(missing), missing[:5]))
    missing = [i for i in ids(ended) if i not in ends]
    C.check("every ended session's end is in the archive (%d)" % len(ended), not missing,
            "%d missing, e.g. %r" % (len(missing), missing[:5]))
    return len(mine)


def main():
    binary = L.find_binary(sys.argv)
    print("binary: %s" % binary, flush=True)
    work = tempfile.mkdtemp(prefix="lc-archive-gate-")
    srv = L.Server(binary, workdir=work)
    try:
        srv.start()
        tk = {r: srv.token(r) for r in ("admin", "hook", "regulator")}
        seed = L.Seeder(srv, tk["admin"])
        room, other = seed.allowed_room()["room"], seed.allowed_room()["room"]

        rc, acked = drive_then_kill(srv, tk["hook"], room, other)
        C.check("the server was killed mid-stream (SIGKILL)", rc == -signal.SIGKILL, repr(rc))
        C.check("hooks were answered before the kill (%d)" % len(acked), len(acked) >= 50)

        srv.start()
        C.check("the server restarts on the crashed data folder", srv.alive(), srv.stderr_tail())
        print("restart: " + " | ".join(l for l in srv.stderr_text().splitlines()
                                       if "re-mirrored" in l), flush=True)
        check_all_archived(srv, tk["admin"], tk["regulator"], room["id"])

        # a clean stop drains the queue: decisions made since are archived too
        for i in range(20):
            srv.req("POST", "/hooks/rtmp/publish?token=" + tk["hook"], headers=F,
                    raw_body=hook_body(room["id"], room["stream_key"], "99%04d" % i, "publish"))
        C.check("SIGTERM stops the server cleanly", srv.stop() == 0, srv.stderr_tail())
        p = subprocess.run([binary, "archive", "verify", "--data", srv.data], capture_output=True,
                           text=True, timeout=300)
        C.check("`archive verify` passes after the stop", p.returncode == 0,
                p.stdout[-400:] + p.stderr[-400:])
        repairs = srv.stderr_text().count("re-mirrored")
        srv.start()
        C.check("after a clean stop the restart has nothing to re-mirror (the stop drained the queue)",
                srv.stderr_text().count("re-mirrored") == repairs, srv.stderr_tail())
        n = check_all_archived(srv, tk["admin"], tk["regulator"], room["id"])
        C.check("the decisions made before the stop are listed", n >= 20)
        srv.stop()
    except Exception as exc:  # noqa: BLE001
        C.error("archive gate", exc)
    finally:
        srv.cleanup()
    return C.finish()


if __name__ == "__main__":
    sys.exit(main())
