#!/usr/bin/env bash
# Builds the parser's libFuzzer target (-sanitize=fuzzer,address) and runs it for a bounded time.
#   scripts/fuzz.sh [SECONDS]     (default 60; `make fuzz FUZZ_SECONDS=N`)
# Seeds come from the real captures in ../shared (copied into the scratch corpus, never into the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
OUT=.build-fuzz
mkdir -p "$OUT/corpus" "$OUT/artifacts"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name KVSMatroskaFuzz \
  Sources/KVSMatroska/*.swift Fuzz/KVSMatroskaFuzz.swift -o "$OUT/kvs-matroska-fuzz"
for f in ../shared/testdata/kvs-getmedia/*.mkv; do
  [ -f "$f" ] || continue
  # Small seeds keep the fuzzer fast: the first 64 KB of each capture, and the small captures whole.
  head -c 65536 "$f" > "$OUT/corpus/seed-$(basename "$f")"
done
"$OUT/kvs-matroska-fuzz" "$OUT/corpus" -max_total_time="$SECONDS_TO_RUN" -max_len=262144 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$OUT/artifacts/" -print_final_stats=1
