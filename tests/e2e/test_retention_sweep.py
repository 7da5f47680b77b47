#!/usr/bin/env python3
"""The retention sweep: `serve --purge-every N` purges, on its own, the
personal data of every record whose retention has ended and that no legal
hold covers, and logs it; records still in retention, and held ones, keep
their content; the log still verifies afterwards; bad values of the flag
are refused.

Run: python3 test_retention_sweep.py PATH_TO_livecomply
"""
import base64
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lchelp as L  # noqa: E402

C = L.Checker()
BUYER = "buyer-5d21e0"


def commerce(room, order, ts_created, ts_done):
    return [
        {"type": "order", "room_id": room, "ts": ts_created, "order_id": order,
         "buyer_id": BUYER, "state": "created", "amount": 1200, "product_id": "p9",
         "snapshot": {"title": "帆布包", "price": 1200}},
        {"type": "payment", "room_id": room, "ts": ts_created, "order_id": order,
         "payment_id": "pay-" + order, "payer_id": BUYER, "amount": 1200, "status": "paid"},
        {"type": "service_message", "room_id": room, "ts": ts_created, "order_id": order,
         "user_id": BUYER, "from": "customer", "text": "包邮吗"},
        {"type": "order", "room_id": room, "ts": ts_done, "order_id": order,
         "buyer_id": BUYER, "state": "completed", "amount": 1200},
    ]


def evidence(srv, tok, order):
    r = srv.req("GET", "/v1/evidence/orders/%s?reveal=true" % order, token=tok)
    recs = (r[1] or {}).get("records") or []
    sealed = [x for x in recs if "sealed" in json.loads(base64.b64decode(x["leaf"]))]
    return r, sealed


def purged(srv, tok, order):
    r, sealed = evidence(srv, tok, order)
    return r[0] == 200 and len(sealed) == 4 and all(x.get("purged") for x in sealed)


def t_bad_flags(binary, data):
    for value in ("-1", "abc", "", "2592001", "99999999999"):
        p = subprocess.run([binary, "serve", "--data", data, "--purge-every", value],
                           capture_output=True, text=True, timeout=30)
        C.check("--purge-every %r is refused (exit 2, says why)" % value,
                p.returncode == 2 and "--purge-every" in p.stderr, p.stderr[-300:])


def main():
    binary = L.find_binary(sys.argv)
    srv = L.Server(binary, extra_args=["--purge-every", "1"])
    try:
        srv.start()
        admin = srv.token("admin")
        ingest, regulator = srv.token("ingest"), srv.token("regulator")
        room = L.Seeder(srv, admin).allowed_room()["room"]["id"]
        r = srv.req("POST", "/v1/holds", {"order_id": "o-held", "case_id": "CASE-12",
                                          "reason": "consumer dispute"}, token=regulator)
        C.check("a regulator holds order o-held before its records arrive", r[0] == 201,
                L.describe(r))
        lines = commerce(room, "o-old", "2019-03-01T10:00:00Z", "2019-03-04T10:00:00Z")
        lines += commerce(room, "o-held", "2019-03-01T11:00:00Z", "2019-03-04T11:00:00Z")
        lines += commerce(room, "o-new", L.rfc3339(-2), L.rfc3339(-1))
        body = ("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n").encode()
        r = srv.req("POST", "/v1/events", raw_body=body, token=ingest,
                    headers={"Content-Type": "application/x-ndjson"})
        C.check("12 commerce records accepted", r[0] == 200 and
                (r[1] or {}).get("accepted") == 12, L.describe(r))

        ok, _ = L.poll_items(lambda: [purged(srv, regulator, "o-old")], lambda x: x, timeout=20,
                             interval=0.25)
        C.check("the sweep purged the order whose retention ended in 2022, unasked", bool(ok))
        r, sealed = evidence(srv, regulator, "o-old")
        C.check("its leaves stay in evidence with proofs, the buyer is gone",
                r[0] == 200 and len(sealed) == 4 and BUYER not in json.dumps(r[1]),
                L.describe(r))
        time.sleep(1.5)  # at least one more sweep
        for order, why in (("o-held", "held"), ("o-new", "still in retention")):
            r, sealed = evidence(srv, regulator, order)
            C.check("%s (%s) keeps its content" % (order, why),
                    r[0] == 200 and len(sealed) == 4 and not any(x.get("purged") for x in sealed)
                    and BUYER in json.dumps(r[1]), L.describe(r))
        log = open(os.path.join(srv.data, "log", "events.jsonl"), encoding="utf-8").read()
        sweeps = [json.loads(x) for x in log.splitlines() if "retention." in x]
        C.check("the sweep is in the event log, with its count and no personal data",
                any(x.get("event") == "retention.purged" and x.get("records", 0) >= 4
                    for x in sweeps) and BUYER not in log, repr(sweeps[:3]))
        rc = srv.stop()
        C.check("server stops cleanly", rc == 0, "rc=%r" % rc)
        p = subprocess.run([binary, "archive", "verify", "--data", srv.data],
                           capture_output=True, text=True, timeout=120)
        C.check("archive verify passes after the sweep", p.returncode == 0,
                p.stdout[-300:] + p.stderr[-300:])
        t_bad_flags(binary, srv.data)
    except Exception as e:  # noqa: BLE001
        C.error("retention sweep e2e", e)
        sys.stderr.write(srv.stderr_tail())
    finally:
        srv.cleanup()
    C.finish()


if __name__ == "__main__":
    main()
