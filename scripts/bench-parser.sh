#!/usr/bin/env bash
# Parser throughput per core (payloads untouched, 64 KiB chunks) on the real captures, beside ffmpeg's Matroska
# demuxer (`-c copy -f null`, one thread) on the same plain file, from one run.
set -euo pipefail
cd "$(dirname "$0")/.."
CAPTURES=../shared/testdata/kvs-getmedia
swift build -c release --package-path Benchmarks --scratch-path .build-bench --product KITBench >/dev/null
BENCH=.build-bench/release/KITBench
"$BENCH" parser "$CAPTURES/output_get_media.mkv" "$CAPTURES/output_get_media_sparse_fragments.mkv" \
  "$CAPTURES/clusters.mkv" "$CAPTURES/vogels_480.mkv" "$CAPTURES/test_mixed_tags.mkv" --seconds 2 | tee /tmp/kit-parser-bench.txt

# Anchor: ffmpeg demuxing vogels_480.mkv 100 times in one process (startup amortised).
LOOPS=100
SIZE=$(stat -c %s "$CAPTURES/vogels_480.mkv")
START=$(date +%s.%N)
ffmpeg -v error -threads 1 -stream_loop $((LOOPS - 1)) -i "$CAPTURES/vogels_480.mkv" -map 0 -c copy -f null - 
END=$(date +%s.%N)
OURS=$(grep '^parser vogels_480.mkv' /tmp/kit-parser-bench.txt | sed -E 's/.*: ([0-9.]+) GB\/s.*/\1/')
python3 - "$SIZE" "$LOOPS" "$START" "$END" "$OURS" <<'PY'
import sys
size, loops, start, end, ours = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
ffmpeg = size * loops / (end - start) / 1e9
print(f"ffmpeg demux vogels_480.mkv: {ffmpeg:.3f} GB/s; KVSMatroska on the same file: {ours:.2f} GB/s; ratio {ours / ffmpeg:.1f}x")
PY
