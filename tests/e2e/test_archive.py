#!/usr/bin/env python3
"""The archive end to end: events, orders, payments, logistics and
customer-service messages through POST /v1/events land in the signed log;
evidence bundles from the API and the CLI verify offline; tampering is
caught; holds, retention and purge over HTTP; the on_record_done hook
commits a recording by hash; `archive verify` checks a stopped data folder.

Run: python3 test_archive.py PATH_TO_livecomply
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lchelp as L  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
C = L.Checker()
BUYER = "buyer-7f3a9c"


def ndjson(lines):
    return ("\n".join(json.dumps(o, ensure_ascii=False) for o in lines) + "\n").encode()


def post_events(srv, tok, lines):
    return srv.req("POST", "/v1/events", raw_body=ndjson(lines), token=tok,
                   headers={"Content-Type": "application/x-ndjson"})


def commerce(room, order, ts_created, ts_done):
    snap = {"title": "保温杯 500ml", "price": 5900, "images": ["a.jpg"], "seller": "s1"}
    return [
        {"type": "order", "room_id": room, "ts": ts_created, "order_id": order,
         "buyer_id": BUYER, "state": "created", "amount": 5900, "product_id": "p1",
         "snapshot": snap},
        {"type": "payment", "room_id": room, "ts": ts_created, "order_id": order,
         "payment_id": "pay-" + order, "payer_id": BUYER, "amount": 5900, "status": "paid"},
        {"type": "logistics", "room_id": room, "ts": ts_created, "order_id": order,
         "carrier": "SF", "tracking_no": "SF100", "status": "shipped",
         "recipient": "张三", "phone": "13800138000", "address": "北京市朝阳区"},
        {"type": "service_message", "room_id": room, "ts": ts_created, "order_id": order,
         "user_id": BUYER, "from": "customer", "text": "什么时候发货"},
        {"type": "order", "room_id": room, "ts": ts_done, "order_id": order,
         "buyer_id": BUYER, "state": "completed", "amount": 5900},
    ]


def go_verifier(work):
    """Builds tests/interop/verify_bundle.go (Go's sumdb note + tlog) offline."""
    import shutil
    go = shutil.which("go")
    if not go:
        return None
    env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off", GOPROXY="off",
               GOFLAGS="", GOENV="off", GOCACHE=os.path.join(work, "gocache"), CGO_ENABLED="0")
    exe = os.path.join(work, "verify_bundle")
    src = os.path.join(ROOT, "tests", "interop", "verify_bundle.go")
    r = subprocess.run([go, "build", "-o", exe, src], env=env, capture_output=True, text=True,
                       cwd=os.path.dirname(src), timeout=300)
    return exe if r.returncode == 0 else None


def run(binary, *args):
    return subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=120)


def t_ingest(srv, tk, room):
    lines = commerce(room, "o-old", "2019-01-01T10:00:00Z", "2019-01-05T10:00:00Z")
    lines += commerce(room, "o-new", L.rfc3339(-1), L.rfc3339())
    lines.append({"type": "chat", "room_id": room, "ts": L.rfc3339(), "user_id": "u1",
                  "text": "你好主播"})
    bad = [{"type": "order", "room_id": room, "ts": L.rfc3339(), "order_id": "x",
            "buyer_id": "b", "state": "created", "amount": 1},           # no snapshot
           {"type": "order", "room_id": room, "ts": L.rfc3339(), "order_id": "x",
            "buyer_id": "b", "state": "lost", "amount": 1},              # bad state
           {"type": "payment", "room_id": room, "ts": L.rfc3339(), "order_id": "x",
            "payment_id": "p", "amount": -5, "status": "paid"}]          # negative
    r = post_events(srv, tk["ingest"], lines + bad)
    body = r[1] or {}
    rej = {x["line"]: x["error"]["field"] for x in body.get("rejected", [])}
    C.check("events: 11 commerce + chat lines accepted", r[0] == 200 and
            body.get("accepted") == len(lines), L.describe(r))
    n = len(lines)
    C.check("events: bad commerce lines rejected by line and field",
            rej == {n + 1: "snapshot", n + 2: "state", n + 3: "amount"}, repr(rej))


def t_key_and_checkpoint(srv):
    r = srv.req("GET", "/v1/archive/key")
    vkey = (r[3] or b"").decode().strip()
    parts = vkey.split("+", 2)
    C.check("archive key is public, in name+keyid+base64 form", r[0] == 200 and
            len(parts) == 3 and len(parts[1]) == 8 and
            len(base64.b64decode(parts[2])) == 33, L.describe(r))
    r = srv.req("GET", "/v1/archive/checkpoint")
    note = (r[3] or b"").decode()
    lines = note.split("\n")
    C.check("checkpoint is a signed note: origin, size, root, blank, signature",
            r[0] == 200 and len(lines) >= 5 and lines[1].isdigit() and int(lines[1]) > 0 and
            lines[3] == "" and lines[4].startswith("\u2014 "), repr(note[:300]))
    size = int(lines[1])
    r = srv.req("GET", "/v1/archive/consistency?from=1&to=%d" % size)
    C.check("consistency proof from size 1 to the checkpoint's size, ending at its root",
            r[0] == 200 and (r[1] or {}).get("root_to") == lines[2] and
            isinstance((r[1] or {}).get("proof"), list), L.describe(r))
    r = srv.req("GET", "/v1/archive/consistency?from=0&to=1")
    C.check("consistency from size 0 is refused (422)", r[0] == 422, L.describe(r))
    r = srv.req("GET", "/v1/archive/consistency?from=x&to=1")
    C.check("consistency with a non-number -> 400", r[0] == 400, L.describe(r))
    return vkey


def t_evidence(srv, tk, room, vkey, work, binary):
    r = srv.req("GET", "/v1/evidence/orders/o-new?reveal=true", token=tk["regulator"])
    b = r[1] or {}
    recs = b.get("records") or []
    C.check("evidence by order: the order's 5 records with proofs", r[0] == 200 and
            len(recs) == 5 and all(x.get("proof") is not None for x in recs), L.describe(r))
    types = sorted(json.loads(base64.b64decode(x["leaf"]))["type"] for x in recs)
    C.check("evidence holds order, payment, logistics and service records",
            types == ["logistics", "order", "order", "payment", "service_message"], repr(types))
    snap = [x for x in recs if (x.get("content") or {}).get("state") == "created"]
    C.check("the order-time product snapshot is kept", snap and
            snap[0]["content"].get("snapshot", {}).get("title") == "保温杯 500ml", repr(snap))
    raw = b"".join(base64.b64decode(x["leaf"]) for x in recs)
    C.check("personal fields are sealed inside the log (no buyer id or phone in leaves)",
            BUYER.encode() not in raw and b"13800138000" not in raw)
    C.check("regulator with reveal=true sees the buyer id", BUYER in json.dumps(b), "")
    path = os.path.join(work, "api-bundle.json")
    with open(path, "w") as f:
        json.dump(b, f)
    p = run(binary, "verify", path, "--key", vkey)
    C.check("livecomply verify accepts the API bundle with the pinned key",
            p.returncode == 0 and "ok" in p.stdout, p.stdout + p.stderr)
    r = srv.req("GET", "/v1/evidence/rooms/%s" % room, token=tk["operator"])
    ob = json.dumps(r[1] or {}, ensure_ascii=False)
    C.check("operator bundle by room: masked (no buyer id, no phone in clear)",
            r[0] == 200 and BUYER not in ob and "13800138000" not in ob and
            len((r[1] or {}).get("records") or []) >= 11, L.describe(r))
    r = srv.req("GET", "/v1/evidence/rooms/%s" % room, token=tk["ingest"])
    C.check("an ingest token may not export evidence -> 403", r[0] == 403, L.describe(r))
    # tamper: edit the shown content of one record
    t = json.loads(json.dumps(b))
    t["records"][0]["content"]["amount"] = 1
    bad = os.path.join(work, "tampered.json")
    with open(bad, "w") as f:
        json.dump(t, f)
    p = run(binary, "verify", bad, "--key", vkey)
    C.check("verify rejects an edited amount and names the record (exit 3)",
            p.returncode == 3 and "records[0]" in p.stdout, p.stdout + p.stderr)
    t = json.loads(json.dumps(b))
    leaf = bytearray(base64.b64decode(t["records"][1]["leaf"]))
    leaf[10] ^= 1
    t["records"][1]["leaf"] = base64.b64encode(bytes(leaf)).decode()
    with open(bad, "w") as f:
        json.dump(t, f)
    p = run(binary, "verify", bad)
    C.check("verify rejects a flipped leaf byte at records[1]",
            p.returncode == 3 and "records[1]" in p.stdout, p.stdout + p.stderr)
    p = run(binary, "verify", os.path.join(work, "missing.json"))
    C.check("verify of a missing file: clear error, exit 1", p.returncode == 1 and
            "cannot read" in p.stderr, p.stderr)


def t_holds_and_purge(srv, tk, room):
    r = srv.req("POST", "/v1/archive/purge", {"group": "order:o-new"}, token=tk["admin"])
    C.check("purge before expiry is refused (403 retention_not_expired)",
            r[0] == 403 and L.err_code(r) == "retention_not_expired", L.describe(r))
    r = srv.req("GET", "/v1/retention?group=order:o-old", token=tk["operator"])
    C.check("an order completed in 2019 has expired", r[0] == 200 and
            (r[1] or {}).get("state") == "expired", L.describe(r))
    r = srv.req("POST", "/v1/holds", {"order_id": "o-old", "case_id": "CASE-9",
                                      "reason": "consumer complaint"}, token=tk["regulator"])
    hold = r[1] or {}
    C.check("a regulator places a legal hold", r[0] == 201 and hold.get("active") is True,
            L.describe(r))
    r = srv.req("POST", "/v1/holds", {"case_id": "x", "reason": "y"}, token=tk["regulator"])
    C.check("a hold without a target -> 422 invalid_value", r[0] == 422 and
            L.err_code(r) == "invalid_value", L.describe(r))
    r = srv.req("POST", "/v1/archive/purge", {"group": "order:o-old"}, token=tk["admin"])
    C.check("the hold blocks purge after expiry (403 legal_hold)",
            r[0] == 403 and L.err_code(r) == "legal_hold", L.describe(r))
    r = srv.req("POST", "/v1/retention/extend", {"group": "order:o-old",
                                                 "until": "2001-01-01T00:00:00Z"},
                token=tk["operator"])
    C.check("shortening retention is refused (409)", r[0] == 409, L.describe(r))
    r = srv.req("POST", "/v1/holds/%s/release" % hold.get("id"), token=tk["regulator"])
    C.check("the hold is released", r[0] == 200 and (r[1] or {}).get("active") is False,
            L.describe(r))
    r = srv.req("POST", "/v1/archive/purge", {"group": "order:o-old"}, token=tk["admin"])
    C.check("after release the expired order is purged", r[0] == 200 and
            (r[1] or {}).get("purged", 0) >= 4, L.describe(r))
    r = srv.req("GET", "/v1/evidence/orders/o-old?reveal=true", token=tk["regulator"])
    recs = (r[1] or {}).get("records") or []
    C.check("purged records stay in evidence, marked purged, content gone",
            r[0] == 200 and recs and all(x.get("purged") for x in recs if "sealed" in
                                         json.loads(base64.b64decode(x["leaf"]))) and
            BUYER not in json.dumps(r[1]), L.describe(r))
    return r[1]


def t_record_done(srv, tk, room, work):
    media = os.path.join(work, "rec.flv")
    with open(media, "wb") as f:
        f.write(os.urandom(100000))
    digest = hashlib.sha256(open(media, "rb").read()).hexdigest()
    body = L.form_encode([("call", "record_done"), ("app", "live"), ("name", room),
                          ("path", media)]).encode()
    r = srv.req("POST", "/hooks/rtmp/record_done?token=" + tk["hook"], raw_body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    C.check("on_record_done is accepted", r[0] == 200, L.describe(r))
    r = srv.req("GET", "/v1/evidence/rooms/%s" % room, token=tk["regulator"])
    recs = [json.loads(base64.b64decode(x["leaf"])) for x in (r[1] or {}).get("records", [])]
    recd = [x for x in recs if x["type"] == "recording"]
    C.check("the recording is committed by SHA-256 and size", recd and
            recd[0]["data"]["sha256"] == digest and recd[0]["data"]["size"] == 100000,
            repr(recd))
    body = L.form_encode([("call", "record_done"), ("app", "live"), ("name", room),
                          ("path", os.path.join(work, "nope.flv"))]).encode()
    r = srv.req("POST", "/hooks/rtmp/record_done?token=" + tk["hook"], raw_body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    C.check("a recording that cannot be read -> 404", r[0] == 404, L.describe(r))


def t_offline(binary, srv, room, vkey, work):
    p = run(binary, "archive", "verify", "--data", srv.data)
    C.check("archive verify on the stopped folder: ok", p.returncode == 0 and
            p.stdout.startswith("ok"), p.stdout + p.stderr)
    out = os.path.join(work, "cli-bundle.json")
    p = run(binary, "archive", "export", "--data", srv.data, "--room", room, "--out", out)
    C.check("archive export --room writes a bundle", p.returncode == 0 and
            os.path.exists(out), p.stdout + p.stderr)
    p = run(binary, "verify", out, "--key", vkey)
    C.check("the CLI bundle verifies offline", p.returncode == 0, p.stdout + p.stderr)
    exe = go_verifier(work)
    C.check("Go's sumdb verifier builds (golang-go, golang-golang-x-mod-dev)", exe is not None)
    if exe:
        p = subprocess.run([exe, out], capture_output=True, text=True, timeout=120)
        C.check("Go's note.Open and tlog.CheckRecord accept the exported bundle",
                p.returncode == 0 and p.stdout.startswith("ok"), p.stdout + p.stderr)
    p = run(binary, "archive", "export", "--data", srv.data, "--out", out)
    C.check("archive export without a selector: usage error (exit 2)", p.returncode == 2,
            p.stderr)
    # flip one byte in the middle of the first segment
    seg_dir = os.path.join(srv.data, "archive", "log")
    seg = sorted(x for x in os.listdir(seg_dir) if x.startswith("seg-"))[0]
    path = os.path.join(seg_dir, seg)
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0x01
        f.seek(0)
        f.write(data)
    p = run(binary, "archive", "verify", "--data", srv.data)
    C.check("archive verify finds a flipped byte and names the record (exit 3)",
            p.returncode == 3 and "record " in p.stdout, p.stdout + p.stderr)


def main():
    binary = L.find_binary(sys.argv)
    work = tempfile.mkdtemp(prefix="lc-e2e-archive-")
    srv = L.Server(binary, extra_args=["--rules", os.path.join(ROOT, "rules")])
    try:
        srv.start()
        admin = srv.token("admin")
        tk = {r: srv.token(r) for r in ("operator", "regulator", "ingest", "hook")}
        tk["admin"] = admin
        world = L.Seeder(srv, admin).allowed_room()
        room = world["room"]["id"]
        t_ingest(srv, tk, room)
        vkey = t_key_and_checkpoint(srv)
        t_evidence(srv, tk, room, vkey, work, binary)
        t_holds_and_purge(srv, tk, room)
        t_record_done(srv, tk, room, work)
        rc = srv.stop()
        C.check("server stops cleanly", rc == 0, "rc=%r" % rc)
        t_offline(binary, srv, room, vkey, work)
    except Exception as e:  # noqa: BLE001
        C.error("archive e2e", e)
        sys.stderr.write(srv.stderr_tail())
    finally:
        srv.cleanup()
    C.finish()


if __name__ == "__main__":
    main()
