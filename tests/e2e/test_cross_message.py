#!/usr/bin/env python3
"""Cross-message detection with the shipped packs: each sequence of
tests/data/evasion/cross_message.tsv is sent message by message through
POST /v1/scan (its own room, the given users); a message marked `hit` must
carry a hit with "cross_message": true, every other message must not.

Run: python3 test_cross_message.py PATH_TO_livecomply
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lchelp as L  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "evasion", "cross_message.tsv")
C = L.Checker()


def load():
    seqs = {}
    with open(DATA, encoding="utf-8") as f:
        next(f)
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            seq, user, text, expect = line.split("\t")
            seqs.setdefault(seq, []).append((user, text, expect))
    return seqs


def main():
    binary = L.find_binary(sys.argv)
    srv = L.Server(binary, extra_args=["--rules", os.path.join(ROOT, "rules")])
    try:
        srv.start()
        tok = srv.token("ingest")
        seqs = load()
        C.check("the sequences file has >= 30 sequences", len(seqs) >= 30, len(seqs))
        fired = missed = false_fires = 0
        for seq, msgs in seqs.items():
            problems = []
            for i, (user, text, expect) in enumerate(msgs):
                r = srv.req("POST", "/v1/scan", {"text": text, "kind": "chat",
                                                 "room_id": "seq-" + seq, "user_id": user}, tok)
                if r[0] != 200:
                    problems.append("message %d: %s" % (i + 1, L.describe(r)))
                    continue
                hits = r[1]["results"][0]["hits"]
                cross = [h for h in hits if h.get("cross_message")]
                if expect == "hit" and not cross:
                    missed += 1
                    problems.append("message %d %r: no cross-message hit" % (i + 1, text))
                elif expect != "hit" and cross:
                    false_fires += 1
                    problems.append("message %d %r: unexpected %s" % (
                        i + 1, text, [(h["rule"], h["normalized"]) for h in cross]))
                elif expect == "hit":
                    fired += 1
            C.check("sequence %s" % seq, not problems, "; ".join(problems))
        print("cross-message: %d fired as expected, %d missed, %d false fires" % (
            fired, missed, false_fires))
    except Exception as e:  # noqa: BLE001
        C.error("setup", e)
        print(srv.stderr_tail())
    finally:
        srv.cleanup()
    return C.finish()


if __name__ == "__main__":
    sys.exit(main())
