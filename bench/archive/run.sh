#!/usr/bin/env bash
# bench/archive/run.sh -- the archive log benchmark: durable appends/s at 1, 8
# and 64 writer threads, each handing the log PER_CALL records per call, next
# to SQLite (WAL, synchronous=FULL) inserting the same records in batches of
# the same size: "same writers" (as many writer threads as ours, one
# connection each, BEGIN IMMEDIATE, PER_CALL rows per transaction) and
# "same group" (one writer, transactions as large as the groups our log
# formed per fdatasync); a sweep of PER_CALL at 64 writers; the server's
# own path (lc_archive_append: canonical JSON, sealing, the retention
# index); inclusion-proof time and recovery time in a 10-million-record
# log; full-log verify MB/s.
#
#   bench/archive/run.sh
#
# Environment: PER_CALL (records per append call and per SQLite transaction
# in the main rows; default 8), SWEEP (PER_CALL values measured at 64
# writers; default "1 2 4 8 16 32 64"), SECONDS_PER (timed seconds per
# append figure; default 2), ROUNDS (interleaved rounds, median reported;
# default 5), BIG (records in the big log; default 10000000, 0 skips it),
# PROOFS (inclusion proofs timed; default 100000), WORK (work dir; default
# /tmp/lc-bench-archive; every data directory in it is deleted and made
# anew), KEEP=1 keeps the big log between runs (rebuilt only if missing),
# BUILD (a release build directory to use instead of the release preset's
# build/release, e.g. one's own; it must already be configured), TASKSET
# (CPU list to pin every benchmark process to, e.g. 0-1; default none).
#
# Also runs wake_floor.c: 64 threads that only sleep and are woken, the
# ceiling for 64 writers that each block on one record at a time.
#
# Last lines, for 64 writers at PER_CALL (x: median over rounds of the
# round's own ratio; n: the median appends/s):
#   archive_vs_sqlite_grouped=<x>            (against the same-group peer)
#   archive_vs_sqlite=<x> appends_per_s=<n>  (against the same-writers peer)
# See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_PER=${SECONDS_PER:-2}
ROUNDS=${ROUNDS:-5}
BIG=${BIG:-10000000}
PROOFS=${PROOFS:-100000}
WORK=${WORK:-/tmp/lc-bench-archive}
KEEP=${KEEP:-0}
BUILD=${BUILD:-}
TASKSET=${TASKSET:-}
PER_CALL=${PER_CALL:-8}
SWEEP=${SWEEP:-1 2 4 8 16 32 64}

for t in cmake gcc python3 df; do
    command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
case "$WORK" in "$ROOT"|"$ROOT"/*) echo "WORK must be outside the repository" >&2; exit 2;; esac
mkdir -p "$WORK"
T0=$(date +%s)

# ---- build --------------------------------------------------------------
if [ -n "$BUILD" ]; then
    cmake --build "$BUILD" --target lc >/dev/null || {
        echo "build failed (cmake --build $BUILD --target lc)" >&2; exit 2; }
else
    BUILD=$ROOT/build/release
    if [ ! -f "$BUILD/build.ninja" ]; then
        (cd "$ROOT" && cmake --preset release >/dev/null)
    fi
    (cd "$ROOT" && cmake --build --preset release >/dev/null) || {
        echo "release build failed (cd $ROOT && cmake --build --preset release)" >&2; exit 2; }
fi
BIN=$WORK/bench_archive
gcc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
    -I"$ROOT/src" "$HERE/bench_archive.c" "$BUILD/liblc.a" \
    -lhs -lutf8proc -ljansson -lsodium -lssl -lcrypto -lsqlite3 -lmicrohttpd -lpthread -lm -ldl -o "$BIN"
gcc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra "$HERE/wake_floor.c" -lpthread -o "$WORK/wake_floor"
PIN=()
[ -z "$TASKSET" ] || PIN=(taskset -c "$TASKSET")

RES=$WORK/results-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES"

run() {  # name cmd... : keeps the RESULT line in $RES/name.json
    local name=$1; shift
    "${PIN[@]}" "$@" >"$RES/$name.out" 2>"$RES/$name.err" || {
        echo "FAILED: $name" >&2; cat "$RES/$name.err" >&2; exit 1; }
    grep '^RESULT ' "$RES/$name.out" | tail -1 | cut -c8- >"$RES/$name.json"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

# ---- appends against SQLite, interleaved rounds ------------------------------
for R in $(seq 1 "$ROUNDS"); do
    for T in 1 8 64; do
        D=$WORK/log-$T
        rm -rf "$D" "$WORK/sqlite-$T.db"*
        run "log-$T-$R" "$BIN" appends "$D" "$T" "$SECONDS_PER" plain "$PER_CALL"
        # SQLite commits as many rows per transaction as our log put in
        # one fdatasync at this writer count, in this round
        B=$(python3 -c 'import json,sys; print(max(1, round(json.load(open(sys.argv[1]))["records_per_commit"])))' \
            "$RES/log-$T-$R.json")
        run "sqlite-$T-$R" "$BIN" sqlite "$WORK/sqlite-$T.db" "$B" "$SECONDS_PER"
        rm -rf "$D" "$WORK/sqlite-$T.db"*
        # SQLite with our concurrency: T threads, a connection each, each
        # transaction as many records as each of our writers appends per call
        run "sqlw-$T-$R" "$BIN" sqlite-writers "$WORK/sqlite-$T.db" "$T" "$PER_CALL" "$SECONDS_PER"
        rm -rf "$WORK/sqlite-$T.db"*
        if [ "$T" = 64 ]; then  # the log in SQLite's shape: one thread, B records a call
            run "shape-$R" "$BIN" appends "$D" 1 "$SECONDS_PER" plain "$B"
            rm -rf "$D"
        fi
        echo "round $R, $T writers x $PER_CALL: log $(field "$RES/log-$T-$R.json" appends_per_s)/s" \
             "($(field "$RES/log-$T-$R.json" records_per_commit) per commit)," \
             "SQLite batch $B $(field "$RES/sqlite-$T-$R.json" rows_per_s)/s," \
             "SQLite $T writers $(field "$RES/sqlw-$T-$R.json" rows_per_s)/s" \
             "($(field "$RES/sqlw-$T-$R.json" threads_no_commit) of them never committed)" >&2
    done
    # 64 writers, records per call swept; SQLite: the same writers, the same
    # rows per transaction
    for P in $SWEEP; do
        D=$WORK/log-sweep
        rm -rf "$D" "$WORK/sqlite-sweep.db"*
        run "sweep-$P-$R" "$BIN" appends "$D" 64 "$SECONDS_PER" plain "$P"
        rm -rf "$D"
        run "sweepsq-$P-$R" "$BIN" sqlite-writers "$WORK/sqlite-sweep.db" 64 "$P" "$SECONDS_PER"
        rm -rf "$WORK/sqlite-sweep.db"*
    done
    echo "round $R, sweep at 64 writers:" $(for P in $SWEEP; do
        echo "$P:$(field "$RES/sweep-$P-$R.json" appends_per_s)/$(field "$RES/sweepsq-$P-$R.json" rows_per_s)"; done) >&2
    # the server's path: JSON records through lc_archive_append
    D=$WORK/server
    rm -rf "$D"; mkdir -p "$D"
    run "server-$R" "$BIN" archive "$D" 64 "$SECONDS_PER" "$PER_CALL"
    rm -rf "$D"
done
# the floor: 64 threads that only sleep and are woken in one batch, no I/O
run "wake-floor" "$WORK/wake_floor" 64 "$SECONDS_PER"
D=$WORK/log-keyed
rm -rf "$D"
run "keyed-64" "$BIN" appends "$D" 64 "$SECONDS_PER" keyed "$PER_CALL"
rm -rf "$D"

# ---- the big log: build, reopen + proofs, verify ------------------------------
if [ "$BIG" -gt 0 ]; then
    D=$WORK/big
    NEED=$(( BIG * 400 / 1024 / 1024 ))  # MiB, with room
    AVAIL=$(df -Pm "$WORK" | awk 'NR==2 {print $4}')
    if [ "$AVAIL" -lt $(( NEED + 1024 )) ]; then
        echo "only $AVAIL MiB free in $WORK, the big log needs ~$NEED MiB: skipping it" >&2
        BIG=0
    fi
fi
if [ "$BIG" -gt 0 ]; then
    if [ "$KEEP" != 1 ] || [ ! -f "$D/keys.dat" ]; then
        rm -rf "$D"
        echo "building a $BIG-record log in $D ..." >&2
        run "build" "$BIN" build "$D" "$BIG" 2 8192
    fi
    run "proofs" "$BIN" proofs "$D" "$PROOFS"
    run "verify" "$BIN" verify "$D"
    [ "$KEEP" = 1 ] || rm -rf "$D"
fi

echo "results in $RES ($(( $(date +%s) - T0 )) s)" >&2
python3 - "$RES" "$ROUNDS" "$BIG" "$PER_CALL" "$SWEEP" <<'PY'
import glob, json, os, statistics, sys
res, rounds, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per_call, sweep = int(sys.argv[4]), [int(x) for x in sys.argv[5].split()]
def load(name):
    p = os.path.join(res, name + ".json")
    return json.load(open(p)) if os.path.exists(p) and os.path.getsize(p) else None
med = statistics.median
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
print("archive log benchmark: %d rounds, median shown; %d cores (%s); %d records per append call"
      " (per SQLite transaction for the same writers)" % (rounds, os.cpu_count(), cpu, per_call))
print()
print("%-9s %12s %9s %7s %7s | %-30s | %-33s" % ("", "", "", "", "", "SQLite, same writers",
                                                  "SQLite, same group size"))
print("%-9s %12s %9s %7s %7s | %10s %6s %12s | %10s %13s %8s" % (
    "writers", "log app/s", "per sync", "p50 us", "p99 us",
    "rows/s", "ratio", "never commit", "rows/s", "batch", "ratio"))
head = None
for t in (1, 8, 64):
    rr = range(1, rounds + 1)
    logs = [load("log-%d-%d" % (t, r)) for r in rr]
    sqls = [load("sqlite-%d-%d" % (t, r)) for r in rr]
    sqws = [load("sqlw-%d-%d" % (t, r)) for r in rr]
    ratios = [l["appends_per_s"] / s["rows_per_s"] for l, s in zip(logs, sqls)]
    wratios = [l["appends_per_s"] / s["rows_per_s"] for l, s in zip(logs, sqws)]
    row = (t, med(l["appends_per_s"] for l in logs), med(l["records_per_commit"] for l in logs),
           med(l["lat_p50_us"] for l in logs), med(l["lat_p99_us"] for l in logs),
           med(s["rows_per_s"] for s in sqws), med(wratios),
           "%.0f/%d" % (med(s["threads_no_commit"] for s in sqws), t),
           med(s["rows_per_s"] for s in sqls), "/".join(str(s["batch"]) for s in sqls), med(ratios))
    print("%-9d %12.0f %9.1f %7.0f %7.0f | %10.0f %6.2f %12s | %10.0f %13s %8.2f" % row)
    if t == 64:
        head = (row[6], row[1], wratios, row[10], ratios)
k = load("keyed-64")
sv = [load("server-%d" % r) for r in range(1, rounds + 1)]
print("%-9s %12.0f %9.1f %7.0f %7.0f   (the server's path: JSON chat events through lc_archive_append, canonical"
      " bytes, user_id and text sealed under a key of their own, keys.dat synced too, retention index)"
      % ("64 server", med(x["appends_per_s"] for x in sv), med(x["records_per_commit"] for x in sv),
         med(x["lat_p50_us"] for x in sv), med(x["lat_p99_us"] for x in sv)))
print("%-9s %12.0f %9.1f %7.0f %7.0f   (every record keyed: keys.dat written and synced too, beside the segment)"
      % ("64 keyed", k["appends_per_s"], k["records_per_commit"], k["lat_p50_us"], k["lat_p99_us"]))
sh = [load("shape-%d" % r) for r in range(1, rounds + 1)]
sq64 = [load("sqlite-64-%d" % r) for r in range(1, rounds + 1)]
print("%-9s %12.0f %9.1f   (one writer thread, %s records per lc_seglog_append call: the grouped SQLite peer's shape;"
      " log/SQLite %.2f)" % ("1 x batch", med(x["appends_per_s"] for x in sh), med(x["records_per_commit"] for x in sh),
                             "/".join(str(x["per_call"]) for x in sh),
                             med(a["appends_per_s"] / b["rows_per_s"] for a, b in zip(sh, sq64))))
f = load("wake-floor")
print("%-9s %12.0f   (64 threads that only sleep on a futex and are woken in one batch, no I/O: the"
      " ceiling for 64 writers that each block on one record at a time; %.2f us CPU per wakeup, %.2f CPUs busy)"
      % ("wake only", f["wakeups_per_s"], f["cpu_us_per_wakeup"], f["cpus_busy"]))
print()
print("64 writers, records per call swept (SQLite: 64 writers, the same rows per transaction):")
print("%-9s %12s %9s %7s %7s | %10s %6s %12s" % ("per call", "log app/s", "per sync", "p50 us", "p99 us",
                                                "rows/s", "ratio", "never commit"))
for p in sweep:
    lg = [load("sweep-%d-%d" % (p, r)) for r in range(1, rounds + 1)]
    sq = [load("sweepsq-%d-%d" % (p, r)) for r in range(1, rounds + 1)]
    print("%-9d %12.0f %9.1f %7.0f %7.0f | %10.0f %6.2f %12s" % (
        p, med(x["appends_per_s"] for x in lg), med(x["records_per_commit"] for x in lg),
        med(x["lat_p50_us"] for x in lg), med(x["lat_p99_us"] for x in lg),
        med(x["rows_per_s"] for x in sq), med(a["appends_per_s"] / b["rows_per_s"] for a, b in zip(lg, sq)),
        "%.0f/64" % med(x["threads_no_commit"] for x in sq)))
s = load("sqlite-1-1")
print("(records: %.0f-byte JSON chat events; log: %d records per lc_seglog_append call, append returns after"
      " fdatasync; SQLite %s, WAL, synchronous=FULL, BEGIN IMMEDIATE..COMMIT;"
      " same writers: as many threads as the log's writers, one connection each, busy_timeout 5000 ms, as many"
      " rows per transaction as records per call, 'never commit' = threads that committed nothing in the timed"
      " window (median);"
      " same group: one writer, <batch> rows per transaction, batch = the log's records per fdatasync at that"
      " writer count in the same round; ratio = log/SQLite, median of the per-round ratios)"
      % (load("log-1-1")["record_bytes"], per_call, s["sqlite"]))
if big:
    b, p, v = load("build"), load("proofs"), load("verify")
    print()
    if b:
        print("big log: %d records built in %.1f s (%.0f appends/s, %.0f MB/s, batches of 8192 from 2 threads)"
              % (b["records"], b["seconds"], b["appends_per_s"], b["mb_per_s"]))
    print("reopen (recovery: read, check and hash every record, rebuild the tree): %.1f s, %.0f MB/s"
          % (p["open_seconds"], p["open_mb_per_s"]))
    print("inclusion proof at size %d: %.2f us each (%.1f hashes; %d random indexes);"
          " read + proof + client verify: %.2f us; read alone %.2f us"
          % (p["size"], p["proof_us"], p["proof_hashes"], p["proofs"], p["read_proof_verify_us"], p["read_us"]))
    print("lc_seglog_verify_dir: %.0f MB in %.1f s = %.0f MB/s (%.0f records/s; page cache warm)"
          % (v["bytes"] / 1e6, v["seconds"], v["mb_per_s"], v["records_per_s"]))
print("ratio at 64 writers x %d per round: same writers %s; same group %s; targets: >= 3x SQLite and"
      " >= 300,000 appends/s" % (per_call, " ".join("%.2f" % r for r in head[2]),
                                 " ".join("%.2f" % r for r in head[4])))
print()
print("archive_vs_sqlite_grouped=%.2f" % head[3])
print("archive_vs_sqlite=%.2f appends_per_s=%d" % (head[0], round(head[1])))
PY
