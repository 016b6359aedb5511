#!/usr/bin/env bash
# `make demo`: the whole system on loopback, no AWS account. A local Kinesis Video Streams (kithost kvs-local), a few
# streams fed in real time by `kithost put-media` from clips with people in them, the person-detecting model server
# (examples/model-server), and `kithost run` with the SQLite lease store, a JSONL results file and both plugins
# (S3Archive to a local directory, CocoLabeler writing annotated frames). Live progress in the terminal, a status page
# for a browser, a summary at the end. Ctrl-C stops everything it started.
#
# Environment:
#   DEMO_SECONDS=N     stop after N seconds of `kithost run` (default: run until Ctrl-C)
#   DEMO_PORT=P        status page port on 127.0.0.1 (default 8090; a free port if P is taken; 0 = any free port)
#   DEMO_OUT=DIR       outputs (default out/demo; the previous run's outputs there are removed at start)
#   DEMO_KITHOST=PATH  use this kithost and skip setup and build (tests); then DEMO_PLUGINS=DIR holds the .so files
#   DEMO_MODEL_VENV    the model server's venv (default .venv-model)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DEMO_SECONDS=${DEMO_SECONDS:-0}
DEMO_PORT=${DEMO_PORT:-8090}
OUT=${DEMO_OUT:-$ROOT/out/demo}
MODEL_VENV=${DEMO_MODEL_VENV:-$ROOT/.venv-model}
VOGELS=${DEMO_VOGELS:-$ROOT/../shared/testdata/kvs-getmedia/vogels_480.mkv}
LOOPS=${DEMO_LOOPS:-100000}

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[[ $DEMO_SECONDS =~ ^[0-9]+$ ]] || die "DEMO_SECONDS must be a whole number of seconds, not '$DEMO_SECONDS'"
[[ $DEMO_PORT =~ ^[0-9]+$ ]] || die "DEMO_PORT must be a port number, not '$DEMO_PORT'"

# --- install and build (skipped when DEMO_KITHOST names an already built kithost) --------------------------------
if [ -n "${DEMO_KITHOST:-}" ]; then
  KITHOST=$DEMO_KITHOST
  PLUGIN_BUILD=${DEMO_PLUGINS:-$(dirname "$KITHOST")}
else
  ./scripts/setup.sh
  ./scripts/setup-model.sh "$MODEL_VENV"
  say "building (release)…"
  swift build -c release
  KITHOST=$ROOT/.build/release/kithost
  PLUGIN_BUILD=$ROOT/.build/release
fi
[ -x "$KITHOST" ] || die "no kithost at $KITHOST"
for p in S3Archive CocoLabeler; do
  [ -f "$PLUGIN_BUILD/lib$p.so" ] || die "no lib$p.so in $PLUGIN_BUILD (swift build -c release builds it)"
done
[ -x "$MODEL_VENV/bin/python" ] || die "no model venv at $MODEL_VENV (make setup-model)"
command -v ffmpeg >/dev/null || die "ffmpeg is missing (scripts/setup.sh installs it)"

# --- outputs -------------------------------------------------------------------------------------------------------
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Only what an earlier run left (DEMO_OUT may name a directory holding other things).
rm -rf "$OUT"/{logs,kvs,clips,archive,frames,plugins,dead-letter} "$OUT"/{results.jsonl,kit.json,pids} "$OUT"/leases.sqlite*
mkdir -p "$OUT"/{logs,kvs,clips,archive,frames}
PIDS_FILE=$OUT/pids # "name pid" per started process, for whoever wants to check nothing is left
: >"$PIDS_FILE"
# The plugin loader refuses group/world-writable files and directories.
install -d -m 0755 "$OUT/plugins"
install -m 0755 "$PLUGIN_BUILD/libS3Archive.so" "$PLUGIN_BUILD/libCocoLabeler.so" "$OUT/plugins/"

# Every process runs in its own session (setsid, same PID): a Ctrl-C in the terminal reaches this script only, which
# then stops them in order — kithost drains while KVS and the model server are still up.
command -v setsid >/dev/null || die "setsid (util-linux) is missing"

# --- stopping everything, whatever happens -------------------------------------------------------------------------
declare -A PID=()
FEEDERS=()
started() { PID[$1]=$2; echo "$1 $2" >>"$PIDS_FILE"; }

# SIGTERM, wait up to $2 seconds, then SIGKILL (children of some launchers start with SIGTERM blocked).
stop_pid() {
  local pid=$1 grace=$2 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

CLEANED=0
cleanup() {
  [ $CLEANED = 1 ] && return 0
  CLEANED=1
  trap '' INT TERM
  # Feeders first, then kithost drains (it still needs KVS and the model), then the servers.
  for name in "${FEEDERS[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
  for name in "${FEEDERS[@]}"; do stop_pid "${PID[$name]}" 5; done
  [ -n "${PID[kithost]:-}" ] && stop_pid "${PID[kithost]}" 30
  [ -n "${PID[model]:-}" ] && stop_pid "${PID[model]}" 5
  [ -n "${PID[kvs]:-}" ] && stop_pid "${PID[kvs]}" 5
  return 0
}
trap 'cleanup' EXIT
trap 'echo; say "stopping…"; STOP=1' INT TERM
STOP=0

# Waits until file $1 contains a line matching $2 (extended regex), up to $3 seconds, while PID $4 lives.
wait_for_line() {
  local file=$1 pattern=$2 seconds=$3 pid=$4 i
  for ((i = 0; i < seconds * 10; i++)); do
    if grep -Eqo "$pattern" "$file" 2>/dev/null; then grep -Eo "$pattern" "$file" | head -1; return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    [ $STOP = 1 ] && return 1
    sleep 0.1
  done
  return 1
}

# --- clips -------------------------------------------------------------------------------------------------------
ASTRONAUT=$("$MODEL_VENV/bin/python" -c \
  'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("skimage").origin), "data", "astronaut.png"))')
[ -f "$ASTRONAUT" ] || die "no astronaut photo at $ASTRONAUT (make setup-model)"
# 10 s of 25 fps H.264 with one key frame per second: the photo slowly zoomed in and out (and, for the second
# stream, mirrored and panned), so every key frame differs.
make_clip() {
  local out=$1 filter=$2
  ffmpeg -nostdin -loglevel error -y -loop 1 -framerate 25 -i "$ASTRONAUT" -t 10 \
    -vf "$filter,format=yuv420p" -c:v libx264 -preset veryfast -tune zerolatency -g 25 -keyint_min 25 \
    -sc_threshold 0 -r 25 "$out"
}
say "making clips from the astronaut photo…"
make_clip "$OUT/clips/astronaut.mkv" \
  "zoompan=z='1.15+0.15*sin(2*PI*on/250)':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=512x512:fps=25"
make_clip "$OUT/clips/astronaut-pan.mkv" \
  "hflip,zoompan=z='1.3':x='(iw-iw/zoom)*(0.5+0.5*sin(2*PI*on/250))':y='(ih-ih/zoom)/2':d=1:s=512x512:fps=25"
STREAMS=(astronaut astronaut-pan)
declare -A CLIP=([astronaut]=$OUT/clips/astronaut.mkv [astronaut-pan]=$OUT/clips/astronaut-pan.mkv)
if [ -f "$VOGELS" ]; then
  STREAMS+=(vogels)
  CLIP[vogels]=$VOGELS
else
  say "no $VOGELS (../shared): running the astronaut streams only"
fi

# --- servers -------------------------------------------------------------------------------------------------------
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL

setsid "$KITHOST" kvs-local --host 127.0.0.1 --port 0 --data "$OUT/kvs" --log-level warning \
  >"$OUT/logs/kvs-local.out" 2>"$OUT/logs/kvs-local.log" &
started kvs $!
KVS_URL=$(wait_for_line "$OUT/logs/kvs-local.out" 'http://127\.0\.0\.1:[0-9]+' 60 "${PID[kvs]}") ||
  die "kvs-local did not start: $(tail -5 "$OUT/logs/kvs-local.log")"
export AWS_ENDPOINT_URL_KINESIS_VIDEO=$KVS_URL
say "kvs-local at $KVS_URL"

say "starting the model server (mediapipe person detector)…"
setsid "$MODEL_VENV/bin/python" examples/model-server/model_server.py --bind 127.0.0.1 --port 0 --workers 2 \
  >"$OUT/logs/model-server.out" 2>"$OUT/logs/model-server.log" &
started model $!
MODEL_URL=$(wait_for_line "$OUT/logs/model-server.log" 'listening on http://127\.0\.0\.1:[0-9]+' 180 "${PID[model]}") ||
  die "the model server did not start: $(tail -5 "$OUT/logs/model-server.log")"
MODEL_URL=${MODEL_URL#listening on }
say "model server at $MODEL_URL"

for s in "${STREAMS[@]}"; do
  setsid "$KITHOST" put-media --stream "$s" --create-stream --realtime --loop "$LOOPS" --endpoint-url "$KVS_URL" \
    "${CLIP[$s]}" >"$OUT/logs/put-media-$s.out" 2>"$OUT/logs/put-media-$s.log" &
  started "put-media-$s" $!
  FEEDERS+=("put-media-$s")
done
for s in "${STREAMS[@]}"; do
  wait_for_line "$OUT/logs/put-media-$s.out" 'PERSISTED' 60 "${PID[put-media-$s]}" >/dev/null ||
    die "put-media $s did not get a fragment persisted: $(tail -5 "$OUT/logs/put-media-$s.log")"
done
say "streams fed in real time: ${STREAMS[*]}"

# The status page port: DEMO_PORT if free, else any free one.
PORT=$DEMO_PORT
if [ "$PORT" != 0 ] && ! "$MODEL_VENV/bin/python" -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.close()' "$PORT" 2>/dev/null; then
  say "port $PORT is taken: using a free one"
  PORT=0
fi

STREAM_JSON=$(printf '"%s",' "${STREAMS[@]}")
cat >"$OUT/kit.json" <<EOF
{
  "streamNames": [${STREAM_JSON%,}],
  "inferenceUrl": "$MODEL_URL",
  "inferenceInterval": 1,
  "startSelector": "EARLIEST",
  "resultsFile": "$OUT/results.jsonl",
  "leaseStore": "sqlite:$OUT/leases.sqlite",
  "workerId": "demo",
  "discoveryIntervalMillis": 1000,
  "metricsHost": "127.0.0.1",
  "metricsPort": $PORT,
  "pluginDir": "$OUT/plugins",
  "pluginBatchWindowMillis": 500,
  "deadLetter": "file:$OUT/dead-letter",
  "plugins": {
    "S3Archive": {"destination": "file://$OUT/archive/"},
    "CocoLabeler": {"liveViewDirectory": "$OUT/frames", "keepFrames": true}
  }
}
EOF
setsid "$KITHOST" run --config "$OUT/kit.json" >"$OUT/logs/kithost.out" 2>"$OUT/logs/kithost.log" &
started kithost $!
STATUS_URL=$(wait_for_line "$OUT/logs/kithost.out" 'http://127\.0\.0\.1:[0-9]+' 60 "${PID[kithost]}") ||
  die "kithost run did not start: $(tail -5 "$OUT/logs/kithost.log")"

echo
echo "  status page: $STATUS_URL/   (open it in a browser: each stream's last frame with its detections)"
echo "  status JSON: $STATUS_URL/status   metrics: $STATUS_URL/metrics"
if [ "$DEMO_SECONDS" -gt 0 ]; then echo "  running for $DEMO_SECONDS s"; else echo "  Ctrl-C stops the demo"; fi
echo

# --- live progress -------------------------------------------------------------------------------------------------
PROGRESS_PY=$(
  cat <<'PY'
import base64, json, sys, urllib.request
try:
    status = json.load(urllib.request.urlopen(sys.argv[1] + "/status", timeout=2))
except Exception as error:
    print(f"  (status unavailable: {error})")
    sys.exit(0)
def cell(value, digits=0):
    return "-" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))
print(f"  {sys.argv[2] + ' s':<8}{'stream':<16}{'fragments':>10}{'inferred':>10}{'lag ms':>9}{'endpoint ms':>13}"
      "  last detections")
for s in sorted(status["streams"], key=lambda s: s["stream"]):
    try:
        preds = json.loads(base64.b64decode(s.get("lastOutputBase64") or "")).get("prediction", [])
        found = ", ".join(("person" if int(p[0]) == 0 else f"class {int(p[0])}") + f" {p[1]:.2f}"
                          for p in preds if len(p) >= 2 and p[1] >= 0.5)
    except (ValueError, TypeError, AttributeError):
        found = ""
    print(f"  {'':<8}{s['stream']:<16}{s['fragments']:>10}{s['records']:>10}{cell(s.get('millisBehindNow')):>9}"
          f"{cell(s.get('lastEndpointLatencyMillis'), 1):>13}  {found or '-'}")
PY
)
START=$SECONDS
LINES=0
while [ $STOP = 0 ]; do
  ELAPSED=$((SECONDS - START))
  [ "$DEMO_SECONDS" -gt 0 ] && [ $ELAPSED -ge "$DEMO_SECONDS" ] && break
  kill -0 "${PID[kithost]}" 2>/dev/null || { say "kithost run exited: $(tail -5 "$OUT/logs/kithost.log")"; break; }
  TABLE=$("$MODEL_VENV/bin/python" -c "$PROGRESS_PY" "$STATUS_URL" "$ELAPSED" 2>&1 || true)
  if [ -t 1 ] && [ $LINES -gt 0 ]; then printf '\033[%dA\033[J' "$LINES"; fi
  printf '%s\n' "$TABLE"
  LINES=$(printf '%s\n' "$TABLE" | wc -l)
  sleep 2 &
  wait $! 2>/dev/null || true
done

# --- stop and sum up -----------------------------------------------------------------------------------------------
say "stopping (kithost drains its in-flight work)…"
cleanup
trap - EXIT

"$MODEL_VENV/bin/python" - "$OUT" <<'PY'
import base64, json, os, sys
out = sys.argv[1]
records, persons, per_stream = 0, 0, {}
try:
    with open(os.path.join(out, "results.jsonl")) as results:
        for line in results:
            try:
                record = json.loads(line)
                output = json.loads(base64.b64decode(record.get("sageMakerOutput", "")))
            except (ValueError, TypeError):
                continue
            records += 1
            stream = record.get("streamName", "?")
            found = sum(1 for p in output.get("prediction", []) if len(p) >= 2 and int(p[0]) == 0 and p[1] >= 0.5)
            persons += found
            counts = per_stream.setdefault(stream, [0, 0])
            counts[0] += 1
            counts[1] += found
except FileNotFoundError:
    pass
webm = txt = 0
for _, _, files in os.walk(os.path.join(out, "archive")):
    webm += sum(f.endswith(".webm") for f in files)
    txt += sum(f.endswith(".txt") for f in files)
frames = sum(len(files) for _, _, files in os.walk(os.path.join(out, "frames")))
dead = sum(len(files) for _, _, files in os.walk(os.path.join(out, "dead-letter")))
print()
print("summary")
print(f"  records published:     {records}")
print(f"  person detections:     {persons} (score >= 0.5)")
for stream, (n, p) in sorted(per_stream.items()):
    print(f"    {stream:<18} {n} records, {p} person detections")
print(f"  files archived:        {webm} fragments (.webm), {txt} results (.txt)")
print(f"  annotated frames:      {frames}")
if dead:
    print(f"  dead-lettered batches: {dead} (plugin failures, in {out}/dead-letter/)")
print()
print("outputs")
print(f"  results (JSONL):       {out}/results.jsonl")
print(f"  archive (S3Archive):   {out}/archive/")
print(f"  annotated frames:      {out}/frames/<stream>/ (CocoLabeler; latest.jpg is the newest)")
print(f"  logs:                  {out}/logs/")
PY
