#!/usr/bin/env bash
# Media benchmark: decode every key frame of an H.264 clip and write it as JPEG (q≈90), one core, three ways:
#   kit     — Benchmarks/KITBench `kit-bench jpeg` (MatroskaStreamParser → KeyFrameDecoder → ImageEncoder/turbojpeg)
#   ffmpeg  — ffmpeg -threads 1 -skip_frame nokey -i IN -vsync 0 -q:v 3 -f image2 OUT%05d.jpg
#             (that `-threads 1` is the decoder's: the scaler and encoder still get a second thread, CPU > wall)
#   ffmpeg1 — the same, on one thread throughout (-filter_threads 1, and -threads 1 for the encoder too)
#   pyav    — PyAV (skip_frame="NONKEY", one thread) + Pillow JPEG quality 90, from requirements/bench.txt in .venv-bench
# Clips: testsrc2 720p and 1080p (30 s, 25 fps, x264 -g 25: 30 key frames each; untagged, TV range), plus a 1080p
# BT.709-tagged one (what HD cameras send; kit converts the matrix to JFIF's BT.601, ffmpeg's CLI does not).
# Each tool runs once per clip under /usr/bin/time -v: wall time, CPU time (user+sys) and peak RSS are printed, with
# frames/s on both clocks. On a shared machine the CPU-time column is the steadier one. Measures; asserts nothing.
# Usage: scripts/bench-media.sh [DURATION_SECONDS]   (env: BENCH_MEDIA_DIR, SCRATCH)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
WORK=${BENCH_MEDIA_DIR:-.build-bench-media}
SCRATCH=${SCRATCH:-.build-bench}
QUALITY=90 # turbojpeg / Pillow quality; ffmpeg's -q:v 3 is about the same

# Tools, installed idempotently.
missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
[ -x /usr/bin/time ] || missing+=(time)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
REQ=requirements/bench.txt
STAMP=.venv-bench/.requirements.sha256
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x .venv-bench/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "bench-media: creating .venv-bench from $REQ"
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q --disable-pip-version-check --only-binary=:all: -r "$REQ"
  echo "$want" > "$STAMP"
fi

echo "bench-media: building kit-bench (release, $SCRATCH)"
BUILD_LOG=$(mktemp)
if ! swift build -c release --package-path Benchmarks --product KITBench --scratch-path "$SCRATCH" >"$BUILD_LOG" 2>&1; then
  cat "$BUILD_LOG"; exit 1
fi
rm -f "$BUILD_LOG"
KIT="$SCRATCH/release/KITBench"

mkdir -p "$WORK"
clip() { # name size extra-args...
  local name=$1 size=$2; shift 2
  local path="$WORK/$name-${DURATION}s.mkv"
  if [ ! -s "$path" ]; then
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=25" -t "$DURATION" \
      -c:v libx264 -g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p "$@" -f matroska "$path"
  fi
  echo "$path"
}
CLIPS=(
  "$(clip tsrc-720p 1280x720)"
  "$(clip tsrc-1080p 1920x1080)"
  "$(clip tsrc-1080p-bt709 1920x1080 -colorspace bt709 -color_primaries bt709 -color_trc bt709)"
)

PYAV_PEER=$(cat <<'PY'
import sys, av
path, out, quality = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = 0
with av.open(path) as container:
    stream = container.streams.video[0]
    stream.thread_type = "SLICE"
    stream.codec_context.thread_count = 1
    stream.codec_context.skip_frame = "NONKEY"
    for frame in container.decode(stream):
        n += 1
        frame.to_image().save(f"{out}/py{n:05d}.jpg", quality=quality)
print(n)
PY
)

# run LABEL OUTDIR CMD... → prints one line; sets FPS_WALL/FPS_CPU
run() {
  local label=$1 out=$2; shift 2
  rm -rf "$out"; mkdir -p "$out"
  local log; log=$(mktemp)
  /usr/bin/time -v -o "$log" "$@" >"$out.stdout" 2>"$out.stderr" || { echo "$label failed:"; cat "$out.stderr"; return 1; }
  local frames wall user sys rss cpu
  frames=$(find "$out" -name '*.jpg' | wc -l)
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  user=$(awk -F': ' '/User time/ {print $2}' "$log")
  sys=$(awk -F': ' '/System time/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
  FPS_WALL=$(awk -v f="$frames" -v t="$wall" 'BEGIN {printf "%.1f", (t > 0 ? f / t : 0)}')
  FPS_CPU=$(awk -v f="$frames" -v t="$cpu" 'BEGIN {printf "%.1f", (t > 0 ? f / t : 0)}')
  printf "  %-7s %3d frames  wall %6.2f s = %6s fps   cpu %6.2f s = %6s fps   peak RSS %6.1f MB\n" \
    "$label" "$frames" "$wall" "$FPS_WALL" "$cpu" "$FPS_CPU" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
  rm -f "$log"
}

echo "bench-media: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
for input in "${CLIPS[@]}"; do
  echo "$(basename "$input"):"
  run kit "$WORK/out-kit" "$KIT" jpeg "$input" --quality "$QUALITY" --out "$WORK/out-kit"
  KIT_WALL=$FPS_WALL KIT_CPU=$FPS_CPU
  sed 's/^/          /' "$WORK/out-kit.stdout"
  run ffmpeg "$WORK/out-ffmpeg" ffmpeg -hide_banner -loglevel error -nostdin -threads 1 -skip_frame nokey -i "$input" \
    -vsync 0 -q:v 3 -f image2 "$WORK/out-ffmpeg/out%05d.jpg"
  FF_WALL=$FPS_WALL FF_CPU=$FPS_CPU
  run ffmpeg1 "$WORK/out-ffmpeg1" ffmpeg -hide_banner -loglevel error -nostdin -threads 1 -filter_threads 1 \
    -skip_frame nokey -i "$input" -vsync 0 -threads 1 -q:v 3 -f image2 "$WORK/out-ffmpeg1/out%05d.jpg"
  FF1_WALL=$FPS_WALL
  run pyav "$WORK/out-pyav" .venv-bench/bin/python -c "$PYAV_PEER" "$input" "$WORK/out-pyav" "$QUALITY"
  awk -v kw="$KIT_WALL" -v fw="$FF_WALL" -v kc="$KIT_CPU" -v fc="$FF_CPU" -v f1="$FF1_WALL" -v pw="$FPS_WALL" 'BEGIN {
    printf "  kit/ffmpeg: %.2fx (wall), %.2fx (cpu); kit/ffmpeg1: %.2fx (wall); kit/pyav: %.2fx (wall)\n",
      kw / fw, kc / fc, kw / f1, kw / pw }'
done
