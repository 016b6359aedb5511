# Set-up shared by the scripts/bench-*.sh that build from the Benchmarks package; sourced, never run:
#
#   source "$(dirname "$0")/lib/bench.sh"
#   bench_init NAME          # cd to the repository root; $PY; $work, a scratch directory removed on exit
#   bench_build PRODUCT...   # release builds through Benchmarks/Package.swift into .build-bench
#   bench_track PID          # a background process killed (SIGKILL) and reaped on exit
#
# Python is $PYTHON, else the test venv's, else python3 on PATH.

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY=${PYTHON:-$( [ -x .venv/bin/python3 ] && echo .venv/bin/python3 || command -v python3 )}
BENCH_PIDS=()

bench_init() {
  work=$(mktemp -d "/tmp/kit-bench-$1.XXXXXX")
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] && { kill -9 "$pid"; wait "$pid"; } 2>/dev/null || true
  done
  rm -rf "$work"
}

bench_track() { BENCH_PIDS+=("$1"); }

bench_build() {
  local product
  for product in "$@"; do
    swift build -c release --package-path Benchmarks --scratch-path .build-bench --product "$product" >&2
  done
}
