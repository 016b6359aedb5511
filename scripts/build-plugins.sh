#!/usr/bin/env bash
# Builds the bundled plugins as they ship: release, one product at a time, symbols not needed at run time stripped
# (`strip --strip-unneeded` keeps the dynamic symbol table, so dlopen/dlsym work). The .so files land in OUT_DIR.
# Usage: scripts/build-plugins.sh OUT_DIR [SCRATCH]   (SCRATCH default .build-plugins, git-ignored, reused)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: scripts/build-plugins.sh OUT_DIR [SCRATCH]}
SCRATCH=${2:-.build-plugins}
mkdir -p "$OUT"
for plugin in S3Archive CocoLabeler; do
  swift build -c release --product "$plugin" --scratch-path "$SCRATCH" >&2
  strip --strip-unneeded -o "$OUT/lib$plugin.so" "$SCRATCH/release/lib$plugin.so"
  chmod 0755 "$OUT/lib$plugin.so"
done
ls -l "$OUT"/lib*.so >&2
