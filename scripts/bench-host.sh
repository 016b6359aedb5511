#!/usr/bin/env bash
# How many 720p streams sampling 1 frame/s one `kithost run` process sustains on this machine with a fast local
# endpoint, keeping lag under one fragment; its RSS per stream; and the latency it adds per result (p50/p99),
# excluding the endpoint's own time. Everything on loopback: `kithost kvs-local`, N `kithost put-media --realtime`
# producers, a minimal container-contract endpoint (Python, answers at once), one `kithost run`.
# Usage: scripts/bench-host.sh [SECONDS_PER_STEP] [N...]     (default: 40 s; N = 1 2 4 8 12 16)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_STEP=${1:-40}
shift || true
COUNTS=${*:-1 2 4 8 12 16}
swift build -c release --product kithost >/dev/null
KITHOST=$PWD/.build/release/kithost
PY=$PWD/.venv/bin/python
WORK=$(mktemp -d /tmp/kit-bench-host.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -c:v libx264 -g 25 \
  -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -f matroska "$WORK/720p.mkv"

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=secret AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

"$KITHOST" kvs-local --port 0 --data "$WORK/kvs" >"$WORK/kvs.out" 2>"$WORK/kvs.err" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/kvs.out" ] && break; sleep 0.1; done
KVS=$(head -1 "$WORK/kvs.out")
export AWS_ENDPOINT_URL_KINESIS_VIDEO=$KVS

# A minimal SageMaker-contract endpoint that answers at once (the endpoint is not what is measured).
"$PY" - "$WORK/model.port" >/dev/null 2>&1 <<'PYEOF' &
import sys, http.server, socketserver, hashlib
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        out = b'{"prediction":[[0,0.9,0.1,0.1,0.5,0.9]],"sha256":"%s"}' % hashlib.sha256(body).hexdigest().encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PYEOF
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/model.port" ] && break; sleep 0.1; done
MODEL=http://127.0.0.1:$(cat "$WORK/model.port")

printf '%-4s %-10s %-12s %-14s %-14s %-10s %-12s %-8s\n' streams "rec/s" "rec/s÷N" "maxBehind ms" "added p50/p99" "RSS MB" "RSS/stream" "CPU %"
for N in $COUNTS; do
  STEP=$WORK/n$N
  mkdir -p "$STEP"
  STREAMS=$(seq -f "bench-$N-%g" 1 "$N" | paste -sd, -)
  for s in ${STREAMS//,/ }; do
    "$KITHOST" put-media --stream "$s" "$WORK/720p.mkv" --create-stream --realtime --loop 1000 >/dev/null 2>"$STEP/$s.err" &
    PIDS+=($!)
  done
  sleep 2
  "$KITHOST" run --stream-names "$STREAMS" --inference-url "$MODEL" --inference-interval 1 --start-selector NOW \
    --results-file "$STEP/results.jsonl" --lease-store "sqlite:$STEP/leases.sqlite" --metrics-port 0 \
    --metrics-host 127.0.0.1 --worker-id bench --skip-when-behind false >"$STEP/run.out" 2>"$STEP/run.err" &
  RUN=$!
  PIDS+=($RUN)
  for _ in $(seq 100); do [ -s "$STEP/run.out" ] && break; sleep 0.1; done
  URL=$(awk '{print $NF; exit}' "$STEP/run.out")
  # Warm-up: leases, first sessions.
  sleep 5
  START=$(date +%s%3N)
  CPU0=$(awk '{print $14+$15}' /proc/$RUN/stat)
  : >"$STEP/samples"
  END=$(( $(date +%s) + SECONDS_PER_STEP ))
  while [ "$(date +%s)" -lt "$END" ]; do
    curl -s "$URL/status" >>"$STEP/samples" && echo >>"$STEP/samples"
    awk '/VmRSS/{print "RSS", $2}' /proc/$RUN/status >>"$STEP/samples"
    sleep 2
  done
  CPU1=$(awk '{print $14+$15}' /proc/$RUN/stat)
  STOP=$(date +%s%3N)
  kill -TERM $RUN; wait $RUN 2>/dev/null || true
  for s in ${STREAMS//,/ }; do pkill -9 -f -- "--stream $s " 2>/dev/null || true; done
  "$PY" - "$STEP" "$N" "$START" "$STOP" "$CPU0" "$CPU1" "$(getconf CLK_TCK)" <<'PYEOF'
import sys, json, statistics
step, n, start, stop, c0, c1, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
recs = [json.loads(l) for l in open(f"{step}/results.jsonl") if l.strip()]
window = [r for r in recs if start <= r["processedAtMillis"] <= stop]
added = sorted(r["processedAtMillis"] - r["receivedAtMillis"] - r["endpointLatencyMillis"] for r in window)
behind, rss = [], []
for line in open(f"{step}/samples"):
    line = line.strip()
    if line.startswith("RSS"):
        rss.append(int(line.split()[1]) / 1024)
    elif line.startswith("{"):
        st = json.loads(line)
        behind += [s["millisBehindNow"] for s in st["streams"] if s.get("millisBehindNow") is not None]
secs = (stop - start) / 1000
rate = len(window) / secs
p = lambda q: added[min(len(added) - 1, int(q * len(added)))] if added else float("nan")
peak = max(rss) if rss else float("nan")
print(f"{n:<4} {rate:<10.2f} {rate / n:<12.2f} {max(behind) if behind else float('nan'):<14} "
      f"{p(0.5):>5.0f}/{p(0.99):<8.0f} {peak:<10.1f} {peak / n:<12.1f} {100 * (c1 - c0) / tck / secs:<8.0f}")
PYEOF
done
