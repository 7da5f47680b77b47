#!/usr/bin/env bash
# bench/moderation/run.sh -- the moderation benchmark: livecomply's scan
# pipeline against raw Vectorscan and two npm peers, on one core, with the
# default rule packs grown to 20,000 and 100,000 literals.
#
#   bench/moderation/run.sh
#
# Environment: MESSAGES (default 1000000), LISTINGS (default 10000),
# SIZES (default "20000 100000"; the first is the headline), REPS (timed
# passes per figure, median reported; default 3), ROUNDS (fresh processes per
# C engine, interleaved, median reported; default 3), PEER_REPS (default 2),
# PEER_LISTINGS (listings the npm peers scan; default 1000), CORE (the core
# every engine is pinned to with taskset; default 1), SEED (default 20261125),
# WORK (work dir; default /tmp/lc-bench-moderation; generated data is cached
# there by seed, sizes and the generator's and packs' contents), AC=0 skips
# the pipeline on our own Aho-Corasick engine; BUILD (the release build
# folder liblc.a is taken from; default build/release under the repository,
# made with the "release" preset; any other folder is configured with
# -DCMAKE_BUILD_TYPE=Release, so several people can run it side by side).
#
# Last line: pipeline_vs_vectorscan=<x> pipeline_vs_npm=<x> msgs_per_s=<n>
# (first size; pipeline = verdict for every message plus explanations for
# those that do not pass; the Vectorscan ratio is measured with both taking
# turns in one process, bench_pipeline's "ab" mode, median over rounds; the
# npm ratio is the median over rounds of pipeline / fastest peer method).
# See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MESSAGES=${MESSAGES:-1000000}
LISTINGS=${LISTINGS:-10000}
SIZES=${SIZES:-"20000 100000"}
REPS=${REPS:-3}
PEER_REPS=${PEER_REPS:-2}
PEER_LISTINGS=${PEER_LISTINGS:-1000}
CORE=${CORE:-1}
SEED=${SEED:-20261125}
WORK=${WORK:-/tmp/lc-bench-moderation}
AC=${AC:-1}
ROUNDS=${ROUNDS:-3}

for t in cmake gcc python3 node npm taskset; do
    command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
mkdir -p "$WORK"
PIN=(taskset -c "$CORE")
T0=$(date +%s)

# ---- build --------------------------------------------------------------
BUILD=${BUILD:-$ROOT/build/release}
if [ "$BUILD" = "$ROOT/build/release" ]; then
    if [ ! -f "$BUILD/build.ninja" ]; then
        (cd "$ROOT" && cmake --preset release >/dev/null)
    fi
    (cd "$ROOT" && cmake --build --preset release >/dev/null) || {
        echo "release build failed (cd $ROOT && cmake --build --preset release)" >&2; exit 2; }
else
    if [ ! -f "$BUILD/build.ninja" ]; then
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    fi
    cmake --build "$BUILD" --target lc >/dev/null || {
        echo "release build failed (cmake --build $BUILD --target lc)" >&2; exit 2; }
fi
BIN=$WORK/bench_pipeline
gcc -O3 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
    -I"$ROOT/src" -I"$BUILD/gen" "$HERE/bench_pipeline.c" "$BUILD/liblc.a" \
    -lhs -lutf8proc -ljansson -lsodium -lsqlite3 -lmicrohttpd -lpthread -lm -ldl -o "$BIN"

# ---- npm peers ------------------------------------------------------------
# installed when missing or not at the versions package.json pins
if ! node -e '
    const p = require(process.argv[1] + "/package.json").dependencies;
    for (const [n, v] of Object.entries(p))
        if (require(process.argv[1] + "/node_modules/" + n + "/package.json").version !== v) process.exit(1);
' "$HERE" 2>/dev/null; then
    (cd "$HERE" && npm install --no-audit --no-fund >/dev/null)
fi

# ---- data -------------------------------------------------------------------
SIZES_CSV=$(echo $SIZES | tr ' ' ',')
KEY=$(cat "$HERE/gen.py" "$ROOT"/rules/*.rules | sha256sum | cut -c1-12)
DATA=$WORK/data-s$SEED-m$MESSAGES-l$LISTINGS-z${SIZES_CSV//,/_}-$KEY
if [ ! -f "$DATA/meta.json" ]; then
    echo "generating data into $DATA ..." >&2
    rm -rf "$DATA.tmp"
    python3 "$HERE/gen.py" "$DATA.tmp" --messages "$MESSAGES" --listings "$LISTINGS" \
        --seed "$SEED" --sizes "$SIZES_CSV" --rules "$ROOT/rules" >/dev/null
    rm -rf "$DATA" && mv "$DATA.tmp" "$DATA"
fi
RES=$WORK/results-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES"
cp "$DATA/meta.json" "$RES/meta.json"

run() {  # name cmd... : runs pinned, keeps the RESULT line in $RES/name.json
    local name=$1; shift
    "${PIN[@]}" "$@" >"$RES/$name.out" 2>"$RES/$name.err" || {
        echo "FAILED: $name" >&2; cat "$RES/$name.err" >&2; exit 1; }
    grep '^RESULT ' "$RES/$name.out" | tail -1 | cut -c8- >"$RES/$name.json"
    sed 's/^/    /' "$RES/$name.err" >&2
}

for S in $SIZES; do
    LEX=$DATA/lex$S
    M=$DATA/messages.txt L=$DATA/listings.txt
    echo "== $S literals ==" >&2
    "$BIN" dump "$LEX" "$M" "$L" --out-lits "$RES/lits$S.txt" --out-msgs "$RES/nmsgs.txt" \
        --out-listings "$RES/nlist.txt" >"$RES/dump$S.json.out" 2>/dev/null
    # ROUNDS rounds, each engine a fresh process, interleaved (the machine
    # may be shared: the table takes medians over rounds; "ab" runs the
    # pipeline and raw Vectorscan taking turns in one process, for the ratio).
    for R in $(seq 1 "$ROUNDS"); do
        run "pipeline-$S-$R" "$BIN" pipeline "$LEX" "$M" "$L" --reps "$REPS" --planted "$DATA/planted.tsv"
        run "vectorscan-$S-$R" "$BIN" vectorscan "$LEX" "$M" "$L" --reps "$REPS"
        run "ab-$S-$R" "$BIN" ab "$LEX" "$M" "$L" --reps "$REPS"
        run "mint-$S-$R" node "$HERE/peers.js" mint "$RES/lits$S.txt" "$RES/nmsgs.txt" "$RES/nlist.txt" \
            --reps "$PEER_REPS" --listings "$PEER_LISTINGS"
    done
    # once: for scale and for the breakdown
    run "vectorscan-same-$S-1" "$BIN" vectorscan "$LEX" "$M" "$L" --reps "$REPS" --same-path 1
    run "lcmatch-$S-1" "$BIN" lcmatch "$LEX" "$M" "$L" --reps "$REPS"
    run "vectorscan-lit-$S-1" "$BIN" vectorscan-lit "$LEX" "$M" "$L" --reps "$REPS"
    [ "$AC" = 1 ] && run "pipeline-ac-$S-1" "$BIN" pipeline-ac "$LEX" "$M" "$L" --reps "$REPS"
    run "modern-$S-1" node "$HERE/peers.js" modern "$RES/lits$S.txt" "$RES/nmsgs.txt" "$RES/nlist.txt" \
        --reps "$PEER_REPS" --listings "$PEER_LISTINGS" --methods search
    rm -f "$RES/lits$S.txt"
done
rm -f "$RES/nmsgs.txt" "$RES/nlist.txt"

echo "results in $RES ($(( $(date +%s) - T0 )) s)" >&2
python3 - "$RES" "$SIZES" "$CORE" <<'PY'
import json, os, sys, platform, subprocess
res, sizes, core = sys.argv[1], [int(s) for s in sys.argv[2].split()], sys.argv[3]
import glob, statistics
def merge(objs):
    """Element-wise median of the numbers of several rounds' results."""
    a = objs[0]
    if isinstance(a, dict):
        return {k: merge([o[k] for o in objs if isinstance(o, dict) and k in o]) for k in a}
    if isinstance(a, int) and not isinstance(a, bool):
        return int(statistics.median(objs))
    if isinstance(a, float):
        return statistics.median(objs)
    return a
def load(n):
    objs = []
    for p in sorted(glob.glob(os.path.join(res, n + "-[0-9]*.json"))):
        if os.path.getsize(p):
            objs.append(json.load(open(p)))
    return merge(objs) if objs else None
meta = json.load(open(os.path.join(res, "meta.json")))
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
print("moderation benchmark: %d messages (median %d chars), %d listings; core %s; %s"
      % (meta["messages"], meta["message_chars"]["p50"], meta["listings"], core, cpu))
head = None
for S in sizes:
    p, v, vs, vl, lm, ac, ab = (load("%s-%d" % (n, S)) for n in
                                ("pipeline", "vectorscan", "vectorscan-same", "vectorscan-lit", "lcmatch",
                                 "pipeline-ac", "ab"))
    mi, mo = load("mint-%d" % S), load("modern-%d" % S)
    rows = []
    def row(name, msgs, mbs, lmbs, build, peak, delta, x=None):
        # x: the pass's JSON, for wall/cpu (how much of the core others took)
        wc = x["wall_seconds"] / x["cpu_seconds"] if x else None
        rows.append((name, msgs, mbs, lmbs, build, peak, delta, wc))
    row("pipeline: verdict + explain non-pass", p["full"]["items_per_s"], p["full"]["mb_per_s"],
        p["listings_full"]["mb_per_s"], p["build_seconds"], p["peak_rss_mb"], p["peak_minus_base_mb"], p["full"])
    row("pipeline: verdict only", p["verdict"]["items_per_s"], p["verdict"]["mb_per_s"], None, None, None, None, p["verdict"])
    if "full_jansson" in p:
        row("  verdict + explain non-pass, jansson way", p["full_jansson"]["items_per_s"],
            p["full_jansson"]["mb_per_s"], None, None, None, None, p["full_jansson"])
    row("pipeline: explanations for all", p["json_all"]["items_per_s"], p["json_all"]["mb_per_s"], None, None, None, None, p["json_all"])
    row("  normalise only (lc_text_normalize)", p["normalise"]["items_per_s"], p["normalise"]["mb_per_s"], None, None, None, None, p["normalise"])
    if "normalise_unmapped" in p:
        row("  the same without the offset map", p["normalise_unmapped"]["items_per_s"],
            p["normalise_unmapped"]["mb_per_s"], None, None, None, None, p["normalise_unmapped"])
    if ac:
        row("pipeline on our Aho-Corasick", ac["full"]["items_per_s"], ac["full"]["mb_per_s"],
            ac["listings_full"]["mb_per_s"], ac["build_seconds"], ac["peak_rss_mb"], ac["peak_minus_base_mb"], ac["full"])
    row("lc_match_scan, pre-normalised", lm["scan"]["items_per_s"], lm["scan"]["mb_per_s"],
        lm["listings_scan"]["mb_per_s"], lm["build_seconds"], lm["peak_rss_mb"], lm["peak_minus_base_mb"], lm["scan"])
    row("raw Vectorscan hs_scan, pre-normalised", v["scan"]["items_per_s"], v["scan"]["mb_per_s"],
        v["listings_scan"]["mb_per_s"], v["build_seconds"], v["peak_rss_mb"], v["peak_minus_base_mb"], v["scan"])
    row("  same, 64 messages per hs_scan call", v["scan_batched64"]["items_per_s"], v["scan_batched64"]["mb_per_s"],
        None, None, None, None, v["scan_batched64"])
    row("raw Vectorscan, scanner of pipeline (%s)" % vs["raw_scanner"].replace("_hs_scan", ""), vs["scan"]["items_per_s"], vs["scan"]["mb_per_s"],
        vs["listings_scan"]["mb_per_s"], vs["build_seconds"], vs["peak_rss_mb"], vs["peak_minus_base_mb"], vs["scan"])
    row("raw Vectorscan literal API (no patterns)", vl["scan"]["items_per_s"], vl["scan"]["mb_per_s"],
        vl["listings_scan"]["mb_per_s"], vl["build_seconds"], vl["peak_rss_mb"], vl["peak_minus_base_mb"], vl["scan"])
    for lib, name, meths in ((mi, "mint-filter", ("verify", "filter")), (mo, "modern-ahocorasick", ("search",))):
        for k, m in enumerate(meths):
            row("%s %s()" % (name, m), lib[m]["items_per_s"], lib[m]["mb_per_s"],
                lib[m].get("listings_mb_per_s"), lib["build_seconds"] if k == 0 else None,
                lib["peak_rss_mb"] if k == 0 else None, lib["peak_minus_base_mb"] if k == 0 else None, lib[m])
    f = lambda x, fmt: (fmt % x) if x is not None else "-"
    print()
    print("%d literals (%d expressions incl. allow words, cues, %d patterns); MB/s of input bytes (raw UTF-8)"
          % (S, v["expressions"], v["expressions"] - v["literal_expressions"]))
    print("%-46s %10s %7s %9s %8s %7s %8s %5s" % ("engine (per CPU-second of one core)", "msgs/s", "MB/s",
                                                  "list MB/s", "build s", "peak MB", "eng MB", "w/cpu"))
    for r in rows:
        print("%-46s %10s %7s %9s %8s %7s %8s %5s" % (r[0], f(r[1], "%.0f"), f(r[2], "%.1f"), f(r[3], "%.1f"),
                                                      f(r[4], "%.3f"), f(r[5], "%.0f"), f(r[6], "%.0f"), f(r[7], "%.2f")))
    print("(MB/s: input bytes, raw UTF-8, also for engines given pre-normalised text; list: listings;"
          " peak MB: the process's VmHWM / max RSS; eng MB: peak minus RSS with the corpus loaded"
          " (and pre-normalised); w/cpu: wall time / CPU time of the pass, > 1 when others shared the core)")
    pipe = p["full"]["items_per_s"]
    pv = p["full"]["verdicts"]
    pl = p.get("planted", {})
    print("verdicts: pass %d, review %d, block %d; planted %s, flagged %s; unplanted flagged %s"
          % (pv["pass"], pv["review"], pv["block"], pl.get("planted"), pl.get("planted_not_pass"),
             pl.get("unplanted_not_pass")))
    a = ab["ab"]
    ns = lambda k: a[k]["ns_per_item"]
    print("per message, the pipeline and raw Vectorscan taking turns in one process (ns): full pipeline %.0f ="
          " normalise %.0f + match and rules (verdict - normalise) %.0f + explanations (full - verdict) %.0f"
          " [%.2f us for each of the %d explained; %.2f us the jansson way]; raw hs_scan %.0f, raw %s %.0f,"
          " raw hs_scan with 64 messages per call %.0f (separate process)"
          % (ns("full"), ns("normalise"), ns("verdict") - ns("normalise"), ns("full") - ns("verdict"),
             p["full"]["explain_us_each"], p["full"]["explained"],
             p.get("full_jansson", {}).get("explain_us_each", float("nan")), ns("raw"),
             a["same_scanner"].replace("_hs_scan", ""), ns("raw_same"), 1e9 / v["scan_batched64"]["items_per_s"]))
    # Ratios, each the median over rounds of the round's own ratio.
    def per_round(fn):
        out = []
        for pf in sorted(glob.glob(os.path.join(res, "pipeline-%d-[0-9]*.json" % S))):
            r = pf.rsplit("-", 1)[1][:-5]
            try:
                out.append(fn(r, json.load(open(pf))))
            except (OSError, ValueError, KeyError):
                pass
        return statistics.median(out), out
    one = lambda n, r: json.load(open(os.path.join(res, "%s-%d-%s.json" % (n, S, r))))
    r_vs, rvs = per_round(lambda r, pr: one("ab", r)["ab"]["full_vs_raw"])
    r_sep, _ = per_round(lambda r, pr: pr["full"]["items_per_s"] / one("vectorscan", r)["scan"]["items_per_s"])
    modern_best = mo["search"]["items_per_s"]
    def npm_ratio(r, pr):
        m = one("mint", r)
        return pr["full"]["items_per_s"] / max(m["verify"]["items_per_s"], m["filter"]["items_per_s"], modern_best)
    r_npm, rnpm = per_round(npm_ratio)
    fmt = lambda xs: " ".join("%.2f" % x for x in xs)
    r_same, _ = per_round(lambda r, pr: one("ab", r)["ab"]["full_vs_raw_same"])
    print("ratios: pipeline/raw Vectorscan %.2f (taking turns in one process; rounds %s; as separate processes %.2f;"
          " against the pipeline's own scanner %.2f; target >= 0.5); pipeline/best npm peer %.1f (rounds %s;"
          " target >= 5); pipeline %.0f msgs/s (target >= 1,500,000 at 20,000 literals)"
          % (r_vs, fmt(rvs), r_sep, r_same, r_npm, fmt(rnpm), pipe))
    if head is None:
        head = (r_vs, r_npm, pipe)
print()
print("pipeline_vs_vectorscan=%.2f pipeline_vs_npm=%.1f msgs_per_s=%d" % (head[0], head[1], round(head[2])))
PY
