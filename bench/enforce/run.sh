#!/usr/bin/env bash
# bench/enforce/run.sh -- the enforcement benchmark: (a) violations turned
# into measures per second, (b) time from a violating event to the stream
# cut, with a real nginx-rtmp and ffmpeg.
#
#   bench/enforce/run.sh
#
# Environment: ROOMS (part a: rooms, one host each, one violating event
# each; default 5000), BATCH (events per POST; default 50), THREADS (client
# threads posting; default 4), SEED_THREADS (default 4),
# CUTS (part b: iterations; default 100), WARM (s the publisher is live
# before the event; default 1), CORE (pin livecomply to this core with
# taskset; default: not pinned), PARTS (default "ab"), WORK (default a fresh
# /tmp/lc-bench-enforce.XXXXXX, removed at the end unless KEEP=1), BUILD (the
# release build folder livecomply is taken from; default build/release under
# the repository, made with the "release" preset; any other folder is
# configured with -DCMAKE_BUILD_TYPE=Release plus CMAKE_FLAGS if given, so
# several people can run it side by side).
#
# Last line: measures_per_s=<n> cut_p50_ms=<x> cut_p99_ms=<y>
# See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROOMS=${ROOMS:-5000}
BATCH=${BATCH:-50}
THREADS=${THREADS:-4}
SEED_THREADS=${SEED_THREADS:-4}
CUTS=${CUTS:-100}
WARM=${WARM:-1}
CORE=${CORE:-}
PARTS=${PARTS:-ab}
CMAKE_FLAGS=${CMAKE_FLAGS:-}

for t in cmake python3 nginx ffmpeg taskset; do
    command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || {
    echo "missing the nginx rtmp module (apt-get install libnginx-mod-rtmp)" >&2; exit 2; }

# ---- build --------------------------------------------------------------
BUILD=${BUILD:-$ROOT/build/release}
if [ "$BUILD" = "$ROOT/build/release" ]; then
    if [ ! -f "$BUILD/build.ninja" ]; then
        (cd "$ROOT" && cmake --preset release >/dev/null)
    fi
    (cd "$ROOT" && cmake --build --preset release --target livecomply >/dev/null) || {
        echo "release build failed (cd $ROOT && cmake --build --preset release)" >&2; exit 2; }
else
    if [ ! -f "$BUILD/build.ninja" ]; then
        # shellcheck disable=SC2086
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release $CMAKE_FLAGS >/dev/null
    fi
    cmake --build "$BUILD" --target livecomply >/dev/null || {
        echo "release build failed (cmake --build $BUILD --target livecomply)" >&2; exit 2; }
fi
BIN=$BUILD/livecomply
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 2; }

# ---- run ------------------------------------------------------------------
if [ -n "${WORK:-}" ]; then
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d /tmp/lc-bench-enforce.XXXXXX)
fi
cleanup() {
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap cleanup EXIT

echo "livecomply: $BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
T0=$(date +%s)
python3 "$HERE/bench.py" --bin "$BIN" --work "$WORK" --rooms "$ROOMS" --batch "$BATCH" \
    --threads "$THREADS" --seed-threads "$SEED_THREADS" --cuts "$CUTS" --warm "$WARM" \
    --lc-core "$CORE" --parts "$PARTS" >"$WORK/out.txt" 2>&1 || {
    rc=$?; cat "$WORK/out.txt"; echo "benchmark failed (rc $rc)" >&2; exit "$rc"; }
echo "elapsed $(( $(date +%s) - T0 )) s"
# the result line last
grep -v '^measures_per_s=' "$WORK/out.txt" || true
grep '^measures_per_s=' "$WORK/out.txt" | tail -1
