#!/usr/bin/env bash
# Idempotent: the model server's venv, .venv-model, from requirements/model.txt (an exact lock installed with
# --no-deps, see that file). Rebuilt only when the requirements change; safe to run again and again.
# Usage: scripts/setup-model.sh [VENV_DIR]   (default .venv-model at the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${1:-.venv-model}
REQ=requirements/model.txt
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

# mediapipe 0.10.21 has wheels for CPython 3.9-3.12 only: pick such an interpreter.
PY=""
for candidate in "${PYTHON:-}" python3 python3.12 python3.11 python3.10 python3.9; do
  [ -n "$candidate" ] || continue
  command -v "$candidate" >/dev/null 2>&1 || continue
  if "$candidate" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
    PY=$(command -v "$candidate"); break
  fi
done
if [ -z "$PY" ]; then
  echo "setup-model: no Python 3.9-3.12 found (mediapipe 0.10.21 has no wheel for others); set PYTHON=..." >&2
  exit 1
fi

echo "setup-model: creating $VENV from $REQ with $PY"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: -r "$REQ"
# The server must import, and the bundled models must be where MediaPipe looks for them.
"$VENV/bin/python" - <<'PY'
import importlib.util, os
import cv2, mediapipe  # noqa: F401
root = os.path.dirname(mediapipe.__file__)
for model in ("modules/pose_detection/pose_detection.tflite", "modules/pose_landmark/pose_landmark_full.tflite"):
    assert os.path.isfile(os.path.join(root, model)), f"missing bundled model {model}"
data = os.path.join(os.path.dirname(importlib.util.find_spec("skimage").origin), "data")
for photo in ("astronaut.png", "coffee.png", "chelsea.png"):
    assert os.path.isfile(os.path.join(data, photo)), f"missing sample photo {photo}"
PY
echo "$want" > "$STAMP"
