#!/usr/bin/env python3
"""Moderation recall under evasion, and the false-positive rate on benign text.

Runs `livecomply scan --rules ROOT/rules FILE` over the cases in
tests/data/evasion/cases.tsv (one text per line) and scores the verdicts:

  * recall, per evasion kind, must reach RECALL_MIN: a `hit` case counts as
    caught when the verdict is not "pass" and at least one hit carries the
    expected category, or a finer category declared in the pack of that
    name (drugs in the contraband pack, insult in harassment, ...);
  * false-positive rate over all `benign` cases (verdict not "pass", or an
    error) must stay below FP_MAX;
  * sanity: the corpus has enough cases of each kind, the scan prints one
    JSON object per input line in order, and each hit's "original" is the
    input's bytes [start, end).

Misses and false positives are printed with their hits, to help fix the
rule packs or the normaliser.  tests/data/evasion/cross_message.tsv is only
loaded and shape-checked here; cross-message detection is scored elsewhere.

Run: python3 test_evasion.py PATH_TO_livecomply
(LC_EVASION_RULES=PATH scans with other packs than ROOT/rules;
LC_EVASION_CASES=FILE scores another corpus, e.g. heldout.tsv.)
The last line is "N passed, M failed"; the exit status is 0 only when
nothing failed.  Only the Python 3 standard library is used.
"""
import json
import os
import subprocess
import sys
import tempfile
from collections import OrderedDict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "evasion")
# LC_EVASION_CASES scores another corpus of the same shape, e.g. the held-out
# set heldout.tsv; a bare file name is looked up in DATA.
CASES = os.path.join(DATA, os.environ.get("LC_EVASION_CASES") or "cases.tsv")
CROSS = os.path.join(DATA, "cross_message.tsv")
# LC_EVASION_RULES points the scan at other packs (a folder or one file),
# e.g. while a pack is being written.
RULES = os.environ.get("LC_EVASION_RULES") or os.path.join(ROOT, "rules")

KINDS = ("plain", "fullwidth", "case", "compat", "traditional", "numerals", "homoglyph",
         "repeat", "noise", "mixed")
CATEGORIES = ("absolute_claim", "counterfeit", "gambling", "pyramid", "fraud", "contraband",
              "contact", "harassment")
RECALL_MIN = 0.95
FP_MAX = 0.01          # the benign false-positive rate must be below this
MIN_HITS = 300
MIN_BENIGN = 300
MIN_PER_KIND = 30
MIN_SEQUENCES = 30
SCAN_TIMEOUT = 240

# Characters that would split a line for the scanner or for a reader.
LINE_BREAKS = set("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS %s" % name, flush=True)
    else:
        failed += 1
        msg = "FAIL %s" % name
        if detail:
            msg += ": " + short(detail)
        print(msg, flush=True)
    return bool(ok)


def short(x, n=800):
    s = x if isinstance(x, str) else repr(x)
    return s if len(s) <= n else s[:n] + "..."


def read_tsv(path, header):
    """Returns (rows, problems); rows are (line_number, fields) tuples.
    Lines are split on '\\n' only: str.splitlines() would also break on
    characters (U+2028, U+0085, ...) that are legitimate inside a text."""
    problems = []
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [], ["%s: not UTF-8 at byte %d" % (path, e.start)]
    if text.startswith("\ufeff"):
        problems.append("%s: starts with a byte-order mark" % path)
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "\t".join(header):
        problems.append("%s: header is not %r" % (path, "\t".join(header)))
        return [], problems
    rows = []
    for no, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            problems.append("%s:%d: %d fields, want %d" % (path, no, len(fields), len(header)))
            continue
        if any(set(x) & LINE_BREAKS for x in fields):
            problems.append("%s:%d: a line-breaking character inside a field" % (path, no))
            continue
        rows.append((no, fields))
    return rows, problems


def load_cases(path=CASES):
    """Loads cases.tsv: a list of dicts kind/label/category/text/note/lineno,
    plus a list of problems with the file's shape."""
    rows, problems = read_tsv(path, ("kind", "label", "category", "text", "note"))
    cases, seen = [], {}
    for no, (kind, label, category, text, note) in rows:
        where = "%s:%d" % (os.path.basename(path), no)
        if kind not in KINDS:
            problems.append("%s: unknown kind %r" % (where, kind))
        if label not in ("hit", "benign"):
            problems.append("%s: label %r is not hit or benign" % (where, label))
        if label == "hit" and category not in CATEGORIES:
            problems.append("%s: hit with category %r" % (where, category))
        if label == "benign" and category != "-":
            problems.append("%s: benign case with category %r (want '-')" % (where, category))
        if not text.strip():
            problems.append("%s: empty text" % where)
        if text in seen:
            problems.append("%s: duplicate of line %d" % (where, seen[text]))
        seen.setdefault(text, no)
        cases.append({"kind": kind, "label": label, "category": category, "text": text,
                      "note": note, "lineno": no})
    return cases, problems


def load_cross_message(path=CROSS):
    """Loads cross_message.tsv into an ordered dict seq -> list of messages
    {"user","text","expect","lineno"}; consecutive lines with the same seq id
    are consecutive messages of one room.  Returns (sequences, problems)."""
    rows, problems = read_tsv(path, ("seq", "user", "text", "expect"))
    seqs = OrderedDict()
    last = None
    for no, (seq, user, text, expect) in rows:
        where = "%s:%d" % (os.path.basename(path), no)
        if not seq or not user or not text:
            problems.append("%s: empty seq, user or text" % where)
        if expect not in ("hit", "-"):
            problems.append("%s: expect %r is not hit or -" % (where, expect))
        if seq != last and seq in seqs:
            problems.append("%s: sequence %r resumes after another sequence" % (where, seq))
        last = seq
        seqs.setdefault(seq, []).append({"user": user, "text": text, "expect": expect,
                                         "lineno": no})
    return seqs, problems


def scan_available(binary):
    """(available, detail): whether `binary scan --help` prints a usage."""
    try:
        p = subprocess.run([binary, "scan", "--help"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return False, "cannot run %s: %s" % (binary, e)
    out = (p.stdout + p.stderr)
    if p.returncode != 0 or "usage" not in out.lower():
        return False, "`scan --help` exited %d: %s" % (p.returncode, out.strip())
    return True, ""


def run_scan(binary, texts):
    """Scans texts (one per line) and returns (results, detail): results[i] is
    the JSON object for texts[i] (None if it is missing), or results is None
    when the scan could not be run or its output could not be read."""
    fd, path = tempfile.mkstemp(prefix="lc-evasion-", suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as f:
            for t in texts:
                f.write(t.encode("utf-8") + b"\n")
        try:
            p = subprocess.run([binary, "scan", "--rules", RULES, path], capture_output=True,
                               timeout=SCAN_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as e:
            return None, "scan did not run: %s" % e
    finally:
        os.unlink(path)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    objs = []
    for i, line in enumerate(out.split("\n")):
        if not line.strip():
            continue
        try:
            objs.append(json.loads(line))
        except ValueError:
            return None, "scan exited %d; output line %d is not JSON: %s | stderr: %s" % (
                p.returncode, i + 1, line, err.strip())
    if not objs:
        return None, "scan exited %d with no output; stderr: %s" % (p.returncode, err.strip())
    lines = [o.get("line") if isinstance(o, dict) else None for o in objs]
    base = 0 if 0 in lines else 1
    results = [None] * len(texts)
    order_ok = True
    for j, o in enumerate(objs):
        n = o.get("line") if isinstance(o, dict) else None
        if not isinstance(n, int) or not 0 <= n - base < len(texts) or results[n - base]:
            order_ok = False
            continue
        if n - base != j:
            order_ok = False
        results[n - base] = o
    detail = "" if order_ok and None not in results else (
        "exit %d, %d objects for %d lines (line numbers from %d), out of order or missing: %s"
        % (p.returncode, len(objs), len(texts), base,
           [i + base for i, r in enumerate(results) if r is None][:20]))
    return results, detail


def hits_of(result):
    h = result.get("hits") if isinstance(result, dict) else None
    return h if isinstance(h, list) else []


def verdict_of(result):
    if not isinstance(result, dict):
        return "missing"
    if "error" in result:
        return "error"
    return result.get("verdict", "missing")


def describe(result):
    if not isinstance(result, dict):
        return "no output"
    if "error" in result:
        return "error %s" % json.dumps(result["error"], ensure_ascii=False)
    parts = []
    for h in hits_of(result):
        if isinstance(h, dict):
            parts.append("%s/%s/%s %r->%r%s" % (
                h.get("rule"), h.get("category"), h.get("action"), h.get("original"),
                h.get("normalized"),
                " exempted_by=%s" % h["exempted_by"] if h.get("exempted_by") else ""))
    return "[%s]" % "; ".join(parts)


def pack_families(path=None):
    """Maps each category declared in the rule packs to the corpus category
    of its pack: the packs use finer categories (drugs, weapons, insult,
    contact_details, ...) inside packs named after the corpus categories
    (contraband, harassment, contact, ...; absolute_claims for
    absolute_claim)."""
    path = path or RULES
    files = ([os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".rules")]
             if os.path.isdir(path) else [path])
    fam = {}
    for fn in files:
        pack = None
        try:
            with open(fn, encoding="utf-8") as f:
                for line in f:
                    words = line.split("#", 1)[0].split()
                    if len(words) != 2:
                        continue
                    if words[0] == "pack":
                        pack = words[1]
                        if pack not in CATEGORIES and pack[:-1] in CATEGORIES:
                            pack = pack[:-1]
                    elif words[0] == "category" and pack:
                        fam.setdefault(words[1], pack)
        except (OSError, UnicodeDecodeError):
            continue
    return fam


FAMILY = {}


def family(category):
    return FAMILY.get(category, category)


def caught(case, result):
    if verdict_of(result) not in ("review", "block"):
        return False
    return any(isinstance(h, dict) and (h.get("category") == case["category"]
                                        or family(h.get("category")) == case["category"])
               for h in hits_of(result))


def offsets_faithful(text, result):
    """Each hit's original equals the input's bytes [start, end)."""
    raw = text.encode("utf-8")
    for h in hits_of(result):
        if not isinstance(h, dict):
            return False
        s, e = h.get("start"), h.get("end")
        if not isinstance(s, int) or not isinstance(e, int) or not 0 <= s < e <= len(raw):
            return False
        if raw[s:e].decode("utf-8", "replace") != h.get("original"):
            return False
    return True


def main():
    if len(sys.argv) != 2:
        print("usage: %s PATH_TO_livecomply" % sys.argv[0], file=sys.stderr)
        return 2
    binary = sys.argv[1]

    # ---- the corpus itself
    cases, problems = load_cases()
    check("cases.tsv is well formed", not problems, "; ".join(problems[:10]))
    hit_cases = [c for c in cases if c["label"] == "hit"]
    benign = [c for c in cases if c["label"] == "benign"]
    check("corpus has >= %d hit cases (%d)" % (MIN_HITS, len(hit_cases)),
          len(hit_cases) >= MIN_HITS)
    check("corpus has >= %d benign cases (%d)" % (MIN_BENIGN, len(benign)),
          len(benign) >= MIN_BENIGN)
    per_kind = {k: [c for c in hit_cases if c["kind"] == k] for k in KINDS}
    small = ["%s=%d" % (k, len(v)) for k, v in per_kind.items() if len(v) < MIN_PER_KIND]
    check("every kind has >= %d hit cases" % MIN_PER_KIND, not small, ", ".join(small))

    seqs, xproblems = load_cross_message()
    nhit = sum(1 for m in seqs.values() if any(x["expect"] == "hit" for x in m))
    if len(seqs) < MIN_SEQUENCES:
        xproblems.append("%d sequences, want >= %d" % (len(seqs), MIN_SEQUENCES))
    if nhit == 0 or nhit == len(seqs):
        xproblems.append("needs both firing and non-firing sequences (%d of %d fire)"
                         % (nhit, len(seqs)))
    check("cross_message.tsv is well formed (%d sequences, %d fire)" % (len(seqs), nhit),
          not xproblems, "; ".join(xproblems[:10]))

    # ---- the scanner
    ok, detail = scan_available(binary)
    if not check("`livecomply scan` is available", ok, detail):
        for k in KINDS:
            check("recall kind=%s >= %.2f" % (k, RECALL_MIN), False, "scan unavailable")
        check("benign false-positive rate < %.0f%%" % (FP_MAX * 100), False, "scan unavailable")
        print("%d passed, %d failed" % (passed, failed))
        return 1

    FAMILY.update(pack_families())
    results, detail = run_scan(binary, [c["text"] for c in cases])
    if results is None:
        check("scan prints one JSON object per input line, in order", False, detail)
        for k in KINDS:
            check("recall kind=%s >= %.2f" % (k, RECALL_MIN), False, "no scan results")
        check("benign false-positive rate < %.0f%%" % (FP_MAX * 100), False, "no scan results")
        print("%d passed, %d failed" % (passed, failed))
        return 1
    check("scan prints one JSON object per input line, in order", not detail, detail)

    bad_offsets = [c["text"] for c, r in zip(cases, results) if r and not offsets_faithful(
        c["text"], r)]
    check("every hit's original equals the input bytes [start, end)", not bad_offsets,
          "%d cases, e.g. %s" % (len(bad_offsets), bad_offsets[:3]))

    # ---- scoring
    misses, fps = [], []
    table = []
    for k in KINDS:
        hk = [(c, r) for c, r in zip(cases, results) if c["label"] == "hit" and c["kind"] == k]
        bk = [(c, r) for c, r in zip(cases, results) if c["label"] == "benign" and c["kind"] == k]
        got = sum(1 for c, r in hk if caught(c, r))
        fk = [(c, r) for c, r in bk if verdict_of(r) != "pass"]
        misses += [(c, r) for c, r in hk if not caught(c, r)]
        fps += fk
        table.append((k, len(hk), got, len(bk), len(fk)))

    print()
    print("%-12s %5s %6s %7s %7s %4s" % ("kind", "hits", "caught", "recall", "benign", "fp"))
    th = tg = tb = tf = 0
    for k, n, got, nb, nf in table:
        print("%-12s %5d %6d %7.3f %7d %4d" % (k, n, got, got / n if n else 0.0, nb, nf))
        th, tg, tb, tf = th + n, tg + got, tb + nb, tf + nf
    print("%-12s %5d %6d %7.3f %7d %4d" % ("all", th, tg, tg / th if th else 0.0, tb, tf))
    print()

    bycat = {}
    for c, r in zip(cases, results):
        if c["label"] == "hit":
            t = bycat.setdefault(c["category"], [0, 0])
            t[0] += 1
            t[1] += caught(c, r)
    print("recall by category: " + ", ".join(
        "%s %d/%d" % (cat, v[1], v[0]) for cat, v in sorted(bycat.items())))
    print()

    if misses:
        print("MISSES (%d):" % len(misses))
        for c, r in misses:
            why = verdict_of(r)
            if why in ("review", "block"):
                why += " but not as %s" % c["category"]
            print("  MISS [%s] %s %r (%s) -> %s %s" % (
                c["kind"], c["category"], c["text"], c["note"], why, describe(r)))
        print()
    if fps:
        print("FALSE POSITIVES (%d):" % len(fps))
        for c, r in fps:
            print("  FP [%s] %r (%s) -> %s %s" % (
                c["kind"], c["text"], c["note"], verdict_of(r), describe(r)))
        print()

    for k, n, got, nb, nf in table:
        check("recall kind=%s >= %.2f (%d/%d)" % (k, RECALL_MIN, got, n),
              n > 0 and got / n >= RECALL_MIN)
    rate = tf / tb if tb else 1.0
    check("benign false-positive rate < %.0f%% (%d/%d = %.2f%%)" % (
        FP_MAX * 100, tf, tb, rate * 100), tb > 0 and rate < FP_MAX)

    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
