#!/usr/bin/env bash
# Plugin benchmarks (never part of `make test`):
#  1. dispatch overhead per record through the C ABI (a C plugin that completes at once, and an SDK handler);
#  2. S3Archive against kvs-local + moto S3, beside the blog's Python Lambda handler run locally with boto3 against
#     the same servers and the same records. The handler's code is read from the blog text in ../shared/seed at run
#     time (not copied into this repository); only its bucket name is filled in.
#
#   scripts/bench-plugins.sh [SECONDS_OF_VIDEO=30]
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
VIDEO_SECONDS=${1:-30}
SEED=${KIT_SEED:-../shared/seed/kit-blog-ko.txt}

bench_init plugins
bench_build PluginBench S3Archive
BENCH=.build-bench/release/PluginBench

# C plugins that complete every invocation at once — the host's own cost, nothing else — one per ABI version:
# version 1 (synchronous create, the layout every host so far loads) and version 2.
mkdir -p "$work/noop1" "$work/noop2" "$work/archive"
cat > "$work/noop1.c" <<'C'
#include "kit_plugin.h"
static int32_t create(const kit_plugin_descriptor_v1 *d, const uint8_t *c, size_t n, const kit_host_services *s,
                      void **instance, char *e, size_t cap) { (void)d; (void)c; (void)n; (void)e; (void)cap;
                      *instance = (void *)s; return KIT_STATUS_OK; }
static void handle(void *i, uint64_t v, const uint8_t *ev, size_t n, int64_t dl, kit_handle_completion_v1 done,
                   void *ctx) { (void)i; (void)v; (void)ev; (void)n; (void)dl; done(ctx, KIT_STATUS_OK, 0); }
static void cancel(void *i, uint64_t v) { (void)i; (void)v; }
static void destroy(void *i) { (void)i; }
static const kit_plugin_descriptor_v1 d = { 1, sizeof(kit_plugin_descriptor_v1), "NoopC", "1", 0,
                                            create, handle, cancel, destroy };
const void *kit_plugin_entry(uint32_t abi) { (void)abi; return &d; }
C
cat > "$work/noop2.c" <<'C'
#include "kit_plugin.h"
static void create(const kit_plugin_descriptor *d, const uint8_t *c, size_t n, const kit_host_services *s,
                   kit_create_completion done, void *ctx) { (void)d; (void)c; (void)n; done(ctx, (void *)s, 0); }
static void handle(void *i, uint64_t v, const uint8_t *ev, size_t n, int64_t dl, kit_handle_completion done,
                   void *ctx) { (void)i; (void)v; (void)ev; (void)n; (void)dl; done(ctx, KIT_STATUS_OK, 0, 0); }
static void cancel(void *i, uint64_t v) { (void)i; (void)v; }
static void destroy(void *i) { (void)i; }
static const kit_plugin_descriptor d = { 2, sizeof(kit_plugin_descriptor), "NoopC", "1", 0,
                                         create, handle, cancel, destroy };
const void *kit_plugin_entry(uint32_t abi) { (void)abi; return &d; }
C
cc -O2 -shared -fPIC -I Sources/CKITPlugin/include -o "$work/noop1/libnoop.so" "$work/noop1.c"
cc -O2 -shared -fPIC -I Sources/CKITPlugin/include -o "$work/noop2/libnoop.so" "$work/noop2.c"

# The anchor: the dispatcher before ABI 2 (its own PluginBench, from that commit), on the same version-1 C plugin,
# in this same run. KIT_BENCH_BASELINE=<rev> picks another baseline; =none skips it.
BASELINE=${KIT_BENCH_BASELINE:-c8af865}
if [ "$BASELINE" != none ] && git cat-file -e "$BASELINE^{commit}" 2>/dev/null; then
  base="$work/baseline"
  mkdir -p "$base"
  git archive "$BASELINE" | tar -x -C "$base"
  swift build -c release --package-path "$base" --scratch-path "$PWD/.build-bench-baseline" --product PluginBench >&2
fi
# Rounds alternate between the baseline and this tree, so both see the same machine; medians are compared.
ROUNDS=${KIT_BENCH_ROUNDS:-5}
for round in $(seq 1 "$ROUNDS"); do
  if [ -x .build-bench-baseline/release/PluginBench ] && [ "$BASELINE" != none ]; then
    .build-bench-baseline/release/PluginBench overhead --c-plugin "$work/noop1/libnoop.so" --records 20000 \
      | sed "s/^/baseline /" >> "$work/rounds.txt"
  fi
  "$BENCH" overhead --c-plugin "$work/noop1/libnoop.so" --records 20000 | sed "s/^/current /" >> "$work/rounds.txt"
  "$BENCH" overhead --c-plugin "$work/noop2/libnoop.so" --records 20000 | grep "overhead C" \
    | sed "s/^/current-abi2 /" >> "$work/rounds.txt"
done
echo "== dispatch overhead: median of $ROUNDS alternating rounds, µs per record (ratio below 1.00: this tree is faster)"
python3 - "$work/rounds.txt" "$BASELINE" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) overhead (C|SDK) batch (\d+): ([\d.]+)", line)
    if m: rows.setdefault((m[1], m[2], int(m[3])), []).append(float(m[4]))
med = {k: statistics.median(v) for k, v in rows.items()}
for kind in ("C", "SDK"):
    for batch in (1, 100):
        new, old = med.get(("current", kind, batch)), med.get(("baseline", kind, batch))
        line = f"{kind:3} batch {batch:3}: this tree {new:7.2f}"
        if old: line += f"   baseline {sys.argv[2]} {old:7.2f}   ratio {new / old:.2f}"
        print(line)
for batch in (1, 100):
    if ("current-abi2", "C", batch) in med:
        print(f"C (ABI-2 plugin) batch {batch:3}: this tree {med[('current-abi2', 'C', batch)]:7.2f}")
PY

# The blog's handler, extracted from the blog text, run over the same events.
cat > "$work/blog_handler.py" <<PY
import contextlib, io, json, sys, textwrap, time
seed = open("$PWD/$SEED", encoding="utf-8").read()
start = seed.rindex("\n", 0, seed.index("from __future__ import print_function")) + 1
end = seed.index("\n", seed.index("return 'Successfully processed"))
code = textwrap.dedent(seed[start:end]).replace("<<YOUR BUCKET>>", sys.argv[2])
namespace = {}
exec(compile(code, "kit_blog_lambda.py", "exec"), namespace)
events = json.load(open(sys.argv[1]))
begin = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    for event in events:
        namespace["lambda_handler"](event, None)
print("python %.4f" % (time.perf_counter() - begin))
PY

ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25 -t "$VIDEO_SECONDS" -c:v libx264 \
  -g 25 -keyint_min 25 -sc_threshold 0 -f matroska -cluster_time_limit 100000 -cluster_size_limit 10000000 \
  "$work/in.mkv"
"$PY" -c 'from moto.server import main; main(["-H", "127.0.0.1", "-p", "0"])' < /dev/null 2> "$work/moto.log" &
moto_pid=$!
bench_track "$moto_pid"
for _ in $(seq 1 600); do
  port=$(grep -o 'Running on http://127.0.0.1:[0-9]*' "$work/moto.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "moto did not start" >&2; cat "$work/moto.log" >&2; exit 1; }
cp .build-bench/release/libS3Archive.so "$work/archive/"
chmod 0755 "$work/archive" "$work/archive/libS3Archive.so"
echo "== S3Archive vs the blog's handler ($("$PY" -c 'import boto3; print("boto3", boto3.__version__)'), moto)"
"$BENCH" s3archive --plugin "$work/archive/libS3Archive.so" --moto "http://127.0.0.1:$port" --video "$work/in.mkv" \
  --python "$PY" --blog-handler "$work/blog_handler.py"
