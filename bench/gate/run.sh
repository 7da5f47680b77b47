#!/usr/bin/env bash
# bench/gate/run.sh -- throughput and latency of livecomply's on_publish gate,
# against nginx answering `return 200` as the peer.
#
#   bench/gate/run.sh [PATH_TO_livecomply]      (default build/release/livecomply)
#
# Environment: DURATION (s, default 10), CONNS (default 32), WRK_THREADS
# (default 2), WORKERS (nginx workers, default: nproc: what nginx -c auto does),
# LC_THREADS (livecomply --threads; default "default" = the server's own default,
# each side in its shipped configuration),
# PACED_RATE (req/s, default 5000), PACED_CONNS (default 200: enough that rate x latency never runs out of idle connections), KEEP=1 keeps
# the work dir.
#
# Last line: gate_vs_nginx=<ratio> p99_ms=<ms> decisions_per_s=<n>
# See README.md for what is measured and why.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-$ROOT/build/release/livecomply}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
WORKERS=${WORKERS:-$(nproc)}
PACED_RATE=${PACED_RATE:-5000}
PACED_CONNS=${PACED_CONNS:-200}

for t in wrk nginx curl python3; do
    command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "not executable: $BIN (build it: cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

WORK=$(mktemp -d /tmp/lc-bench-gate.XXXXXX)
LC_PID=""; NGX_PID=""
stop_pid() {  # signal pid: signal, wait up to 10 s, then SIGKILL; returns its status
    local sig=$1 pid=$2
    kill -0 "$pid" 2>/dev/null || return 0
    kill "-$sig" "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
cleanup() {
    set +e
    [ -n "$NGX_PID" ] && stop_pid QUIT "$NGX_PID"
    [ -n "$LC_PID" ] && stop_pid TERM "$LC_PID"
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {  # url -> waits up to 15 s for a 2xx
    for _ in $(seq 1 150); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---- livecomply
LC_PORT=$(free_port)
mkdir -p "$WORK/data"
LC_ARGS=(serve --listen "127.0.0.1:$LC_PORT" --data "$WORK/data")
LC_THREADS=${LC_THREADS:-default}
if [ "$LC_THREADS" = default ]; then
    LC_THREADS_NOTE="server default"
elif "$BIN" serve --help 2>&1 | grep -q -- '--threads'; then
    LC_ARGS+=(--threads "$LC_THREADS")
    LC_THREADS_NOTE="$LC_THREADS (--threads)"
else
    LC_THREADS_NOTE="server default (no --threads option)"
fi
"$BIN" "${LC_ARGS[@]}" 2>"$WORK/serve.stderr" &
LC_PID=$!
wait_http "http://127.0.0.1:$LC_PORT/healthz" || { echo "livecomply did not start:" >&2; cat "$WORK/serve.stderr" >&2; exit 1; }

ADMIN=$("$BIN" token create --data "$WORK/data" --role admin)
HOOK=$("$BIN" token create --data "$WORK/data" --role hook)

# one allowed room: agency, verified operator, verified + trained adult host
read -r ROOM KEY < <(python3 - "$LC_PORT" "$ADMIN" "$ROOT/tests/e2e" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
import lchelp as L
class S(L.Server):
    def __init__(self, port):
        self.port = port
srv = S(int(sys.argv[1]))
r = L.Seeder(srv, sys.argv[2]).allowed_room()["room"]
print(r["id"], r["stream_key"])
PY
)
HOOK_URL="http://127.0.0.1:$LC_PORT/hooks/rtmp/publish?token=$HOOK"
BODY="app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://127.0.0.1:1935/live&pageurl=&addr=127.0.0.1&clientid=1&call=publish&name=$ROOM&type=live&key=$KEY"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: close' --data "$BODY" "$HOOK_URL")
[ "$code" = 200 ] || { echo "seeded room is not allowed by the gate (HTTP $code)" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: close' \
    --data "app=live&clientid=2&call=publish&name=bench-no-such-room&type=live&key=bench-no-such-key" "$HOOK_URL")
[ "$code" = 403 ] || { echo "an unknown stream key is not denied (HTTP $code): the bench would measure nothing" >&2; exit 1; }

# ---- peer: nginx, plain http, return 200
NGX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
pid $WORK/nginx/nginx.pid;
lock_file $WORK/nginx/nginx.lock;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log $WORK/nginx/logs/access.log;   # on, as nginx ships; livecomply logs each request too
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$NGX_PORT;
        location / { return 200; }
    }
}
EOF
nginx -p "$WORK/nginx/" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGX_PID=$!
NGX_URL="http://127.0.0.1:$NGX_PORT/hooks/rtmp/publish"
wait_http "$NGX_URL" || { echo "nginx did not start" >&2; cat "$WORK/nginx/logs/error.log" >&2; exit 1; }

# ---- runs
# parse(file) -> "rps p99_ms non2xx errors requests"
parse() {
    python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v, u):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", t, re.M)
p99 = ms(*m.groups()) if m else float("nan")
n = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
req = re.search(r"(\d+) requests in", t)
print("%.1f %.3f %d %d %d" % (rps, p99, int(n.group(1)) if n else 0,
                              sum(map(int, e.groups())) if e else 0, int(req.group(1))))
PY
}

run_wrk() {  # name url conns total_rate (0 = as fast as possible)
    local out="$WORK/wrk-$1.txt" per_thread=$(( $4 / WRK_THREADS ))
    wrk -t"$WRK_THREADS" -c"$3" -d"${DURATION}s" --latency --timeout 5s \
        -s "$HERE/publish.lua" "$2" -- "$ROOM" "$KEY" "$per_thread" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
    echo "---- $1: wrk -t$WRK_THREADS -c$3 -d${DURATION}s$([ "$4" -gt 0 ] && echo " paced at $4 req/s")" >&2
    sed -n '/Latency Distribution/,/Requests\/sec/p;/Socket errors/p;/Non-2xx/p' "$out" >&2
    parse "$out"
}

gate_counts() {  # -> "allow deny" from livecomply_gate_decisions_total, or "x x"
    curl -fsS "http://127.0.0.1:$LC_PORT/metrics" | python3 -c '
import re, sys
c = {"allow": None, "deny": None}
for l in sys.stdin:
    m = re.match(r"livecomply_gate_decisions_total\{[^}]*outcome=\"(allow|deny)\"[^}]*\}\s+([0-9.e+]+)", l)
    if m:
        c[m.group(1)] = (c[m.group(1)] or 0) + int(float(m.group(2)))
print(*("x" if v is None else v for v in c.values()))'
}
read -r ALLOW_A DENY_A < <(gate_counts)

echo "cores: $(nproc); livecomply threads: $LC_THREADS_NOTE; nginx workers: $WORKERS; wrk threads: $WRK_THREADS" >&2
echo "room $ROOM" >&2

read -r NGX_RPS NGX_P99 NGX_BAD NGX_ERR NGX_REQ < <(run_wrk nginx "$NGX_URL" "$CONNS" 0)
sleep 1
read -r LC_RPS LC_P99 LC_BAD LC_ERR LC_REQ < <(run_wrk livecomply "$HOOK_URL" "$CONNS" 0)
sleep 1
read -r PC_RPS PC_P99 PC_BAD PC_ERR PC_REQ < <(run_wrk livecomply-paced "$HOOK_URL" "$PACED_CONNS" "$PACED_RATE")
sleep 1
read -r NP_RPS NP_P99 NP_BAD NP_ERR NP_REQ < <(run_wrk nginx-paced "$NGX_URL" "$PACED_CONNS" "$PACED_RATE")

fail=0
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.95*float(sys.argv[2]) else 1)" "$PC_RPS" "$PACED_RATE"; then
    echo "note: the paced run reached only $PC_RPS of $PACED_RATE req/s: its p99 is the p99 at saturation" >&2
fi
for v in "nginx:$NGX_BAD:$NGX_ERR" "livecomply:$LC_BAD:$LC_ERR" "livecomply-paced:$PC_BAD:$PC_ERR" \
         "nginx-paced:$NP_BAD:$NP_ERR"; do
    IFS=: read -r n bad err <<<"$v"
    if [ "$bad" -ne 0 ]; then echo "FAIL: $n answered $bad non-2xx responses (denies or errors)" >&2; fail=1; fi
    if [ "$err" -ne 0 ]; then echo "note: $n had $err socket errors" >&2; fi
done

# The gate really decided "allow" for every request: wrk saw no non-2xx (a deny
# is a 403), the decision counters in /metrics moved by allows only, and the
# decision log holds allows and no deny for the room.
read -r ALLOW_B DENY_B < <(gate_counts)
SENT=$((LC_REQ + PC_REQ))
echo "decisions in /metrics during the livecomply runs: allow +$((ALLOW_B - ALLOW_A)), deny +$((DENY_B - DENY_A)); wrk completed $SENT requests" >&2
if [ "$ALLOW_A" = x ]; then
    echo "note: /metrics has no livecomply_gate_decisions_total; relying on wrk and /v1/gate/decisions" >&2
elif [ $((DENY_B - DENY_A)) -ne 0 ] || [ $((ALLOW_B - ALLOW_A)) -lt "$SENT" ]; then
    echo "FAIL: the gate counters do not show $SENT allow decisions and no deny" >&2; fail=1
fi
DENY=$(curl -fsS -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$LC_PORT/v1/gate/decisions?room_id=$ROOM&outcome=deny&limit=5" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))') || DENY="?"
LAST=$(curl -fsS -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$LC_PORT/v1/gate/decisions?room_id=$ROOM&outcome=allow&limit=1" |
    python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["outcome"] if i else "none")') || LAST="?"
if [ "$DENY" != 0 ] || [ "$LAST" != allow ]; then
    echo "FAIL: /v1/gate/decisions for the room: $DENY deny, latest allow: $LAST" >&2; fail=1
fi

echo "nginx:      ${NGX_RPS} req/s  p99 ${NGX_P99} ms  (saturated, -c$CONNS)"
echo "livecomply: ${LC_RPS} req/s  p99 ${LC_P99} ms  (saturated, -c$CONNS)"
echo "livecomply: ${PC_RPS} req/s  p99 ${PC_P99} ms  (paced at ${PACED_RATE} req/s, -c$PACED_CONNS)"
echo "nginx:      ${NP_RPS} req/s  p99 ${NP_P99} ms  (paced at ${PACED_RATE} req/s, -c$PACED_CONNS)"
[ "$fail" = 0 ] || { echo "bench FAILED (see above)" >&2; exit 1; }
python3 -c "import sys; print('gate_vs_nginx=%.3f p99_ms=%.3f decisions_per_s=%.0f' % (float(sys.argv[1])/float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[1])))" \
    "$LC_RPS" "$NGX_RPS" "$PC_P99"
