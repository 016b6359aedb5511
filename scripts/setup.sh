#!/usr/bin/env bash
# Idempotent setup: Debian packages the project builds and tests with, and a pinned Python venv (.venv)
# for the test tooling (botocore's signer, moto, the AWS CLI). Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libavcodec-dev libavutil-dev libswscale-dev libturbojpeg0-dev libcurl4-openssl-dev libffi-dev
  libsqlite3-dev pkg-config ffmpeg mkvtoolnix python3-venv chromium
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The venv is rebuilt only when the pinned requirements change.
REQ=requirements/test.txt
STAMP=.venv/.requirements.sha256
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv from $REQ"
  PY=$(command -v python3)
  "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi
