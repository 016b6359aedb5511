#!/usr/bin/env bash
# Local KVS benchmark: `kithost kvs-local` (release build, its own process, no quotas, no fsync) on loopback.
#   1. sustained PutMedia ingest: STREAMS concurrent `KVSProducer`s, each looping a 10 s 720p H.264 clip LOOPS times;
#   2. GetMedia throughput: one session from EARLIEST, parsed with MatroskaStreamParser, then STREAMS at once;
#   3. the anchor: AWS's Python KVS consumer library (amazon-kinesis-video-streams-consumer-library-for-python,
#      taken from the read-only mirror into a temp dir, never committed) consuming the same stream; the ratio;
#   4. memory per live stream: the server's RSS with LIVE streams each fed by a real-time producer and read by a
#      GetMedia NOW consumer.
#
#   scripts/bench-kvs.sh            # STREAMS=4 LOOPS=30 LIVE=50 LIVE_SECONDS=15 (env)
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
STREAMS=${STREAMS:-4}
LOOPS=${LOOPS:-30}
LIVE=${LIVE:-50}
LIVE_SECONDS=${LIVE_SECONDS:-15}
CONSUMER_MIRROR=${CONSUMER_MIRROR:-/work/.mirror/aws-samples+amazon-kinesis-video-streams-consumer-library-for-python/repo}

bench_init kvs
bench_build kithost KVSBench
KITHOST=.build-bench/release/kithost
BENCH=.build-bench/release/KVSBench

# The clip MISSION.md names: 720p, 25 fps, 1 s GOPs.
ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -c:v libx264 -g 25 \
  -keyint_min 25 -sc_threshold 0 -f matroska "$work/clip.mkv"
echo "clip: $(stat -c %s "$work/clip.mkv") bytes, 10 fragments; $(nproc) cores"

"$KITHOST" kvs-local --port 0 --data "$work/data" --no-limits --no-sync --get-media-idle-timeout 5 \
  --log-level warning > "$work/url" 2> "$work/server.log" &
server_pid=$!
bench_track "$server_pid"
for _ in $(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.05; done
URL=$(head -1 "$work/url")
echo "server: $URL (pid $server_pid)"

"$BENCH" ingest "$URL" "$work/clip.mkv" --streams 1 --loops "$LOOPS" --prefix one
"$BENCH" ingest "$URL" "$work/clip.mkv" --streams "$STREAMS" --loops "$LOOPS" --prefix many
FRAGMENTS=$((LOOPS * 10))
swift_line=$("$BENCH" getmedia "$URL" --prefix one --streams 1 --fragments "$FRAGMENTS")
echo "$swift_line"
"$BENCH" getmedia "$URL" --prefix many --streams "$STREAMS" --fragments "$FRAGMENTS"

# --- anchor: the Python consumer library on the same stream ---------------------------------------------------
if [ -d "$CONSUMER_MIRROR" ]; then
  mkdir -p "$work/anchor"
  git --git-dir="$CONSUMER_MIRROR" archive HEAD amazon_kinesis_video_consumer_library | tar -x -C "$work/anchor"
  # Its parser needs only boto3: a private venv with the boto3 the project pins.
  "$PY" -m venv "$work/anchor/venv" >&2
  "$work/anchor/venv/bin/pip" install -q "boto3==$(sed -n 's/^boto3==//p' requirements/test.txt)" >&2
  cat > "$work/anchor/consume.py" <<'PY'
import sys, threading, time
import boto3
from amazon_kinesis_video_consumer_library.kinesis_video_streams_parser import KvsConsumerLibrary

url, stream, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
session = boto3.session.Session(aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench", region_name="us-east-1")
kv = session.client("kinesisvideo", endpoint_url=url)
done = threading.Event()
state = {"fragments": 0, "bytes": 0}

def on_fragment(name, fragment_bytes, fragment_dom, duration):
    state["fragments"] += 1
    state["bytes"] += len(fragment_bytes)
    # The library delivers a fragment when the next one's EBML header arrives: the last one never comes alone.
    if state["fragments"] >= expected - 1:
        done.set()

started = time.monotonic()
endpoint = kv.get_data_endpoint(StreamName=stream, APIName="GET_MEDIA")["DataEndpoint"]
media = session.client("kinesis-video-media", endpoint_url=endpoint)
response = media.get_media(StreamName=stream, StartSelector={"StartSelectorType": "EARLIEST"})
consumer = KvsConsumerLibrary(stream, response, on_fragment, lambda name: done.set(),
                              lambda name, error: (print("error", error), done.set()))
consumer.daemon = True
consumer.start()
done.wait(3600)
elapsed = time.monotonic() - started
consumer.stop_thread()
print("getmedia python-consumer-library: %d fragments, %.1f MB in %.2f s = %.2f MB/s, %.2f fragments/s"
      % (state["fragments"], state["bytes"] / 1e6, elapsed, state["bytes"] / 1e6 / elapsed, state["fragments"] / elapsed))
PY
  anchor_line=$(cd "$work/anchor" && venv/bin/python consume.py "$URL" one-0 "$FRAGMENTS")
  echo "$anchor_line"
  swift_mbs=$(echo "$swift_line" | sed -n 's/.*= \([0-9.]*\) MB\/s.*/\1/p')
  anchor_mbs=$(echo "$anchor_line" | sed -n 's/.*= \([0-9.]*\) MB\/s.*/\1/p')
  awk -v s="$swift_mbs" -v a="$anchor_mbs" 'BEGIN { printf "ratio GetMedia+parse, Swift (AWSClients+KVSMatroska) / Python consumer library: %.0fx\n", s / a }'
else
  echo "anchor skipped: no mirror of the Python consumer library at $CONSUMER_MIRROR"
fi

# --- memory per live stream ---------------------------------------------------------------------------------------
"$BENCH" live "$URL" "$work/clip.mkv" --streams "$LIVE" --seconds "$LIVE_SECONDS" --server-pid "$server_pid"
