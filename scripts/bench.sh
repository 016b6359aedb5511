#!/usr/bin/env bash
# Every benchmark, each printing its figure beside its anchor. Never part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in parser media transport sigv4 kvs host plugins; do
  if [ -x "scripts/bench-$b.sh" ]; then
    echo "== $b"
    "scripts/bench-$b.sh"
  fi
done
