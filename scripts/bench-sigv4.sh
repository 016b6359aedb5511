#!/usr/bin/env bash
# SigV4 benchmark: AWSSigV4 vs botocore's SigV4Auth signing the same request (a Kinesis Video GetDataEndpoint
# call with temporary credentials), one run each, printed as signatures per second and their ratio. First checks
# both compute the same signature. Never part of `make test`.
#
#   scripts/bench-sigv4.sh [SECONDS=2]
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
SECONDS_PER_RUN=${1:-2}

bench_init sigv4

# --- build ---------------------------------------------------------------------------------------------------------
# SigV4Bench lives in the Benchmarks package (Benchmarks/Package.swift), which depends on this one by path.
bench_build SigV4Bench
BENCH=.build-bench/release/SigV4Bench

# --- botocore: the same request, the same time, SigV4Auth.add_auth in a loop --------------------------------------------
cat > "$work/botocore_bench.py" <<'PY'
import datetime, sys, time
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

seconds = float(sys.argv[1])
fixed = datetime.datetime(2015, 8, 30, 12, 36, 0)
auth.get_current_datetime = lambda *a, **k: fixed
credentials = Credentials(
    "ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDEXAMPLETOKENfor0benchmark0only")
signer = auth.SigV4Auth(credentials, "kinesisvideo", "us-east-1")
body = b'{"StreamName":"front-door","APIName":"GET_MEDIA"}'

def request():
    r = AWSRequest(method="POST", url="https://kinesisvideo.us-east-1.amazonaws.com/getDataEndpoint", data=body)
    r.headers["Content-Type"] = "application/json"
    r.headers["User-Agent"] = "kit-swift/bench"
    return r

r = request()
signer.add_auth(r)
print("signature", r.headers["Authorization"].rsplit("Signature=", 1)[1])
for _ in range(500):
    signer.add_auth(request())
count, start = 0, time.perf_counter()
while True:
    for _ in range(200):
        signer.add_auth(request())
    count += 200
    elapsed = time.perf_counter() - start
    if elapsed >= seconds:
        break
print("botocore %.0f" % (count / elapsed))
PY

# --- run -----------------------------------------------------------------------------------------------------------------
swift_out=$("$BENCH" --seconds "$SECONDS_PER_RUN")
py_out=$("$PY" "$work/botocore_bench.py" "$SECONDS_PER_RUN")
swift_sig=$(awk '/^signature/ { print $2 }' <<<"$swift_out")
py_sig=$(awk '/^signature/ { print $2 }' <<<"$py_out")
if [ "$swift_sig" != "$py_sig" ]; then
  echo "signatures differ: AWSSigV4 $swift_sig, botocore $py_sig" >&2
  exit 1
fi
cached=$(awk '/^cached/ { print $2 }' <<<"$swift_out")
uncached=$(awk '/^uncached/ { print $2 }' <<<"$swift_out")
boto=$(awk '/^botocore/ { print $2 }' <<<"$py_out")
echo "same signature: $swift_sig"
echo "botocore $($PY -c 'import botocore; print(botocore.__version__)'): $boto signatures/s"
echo "AWSSigV4: $cached signatures/s with the signing-key cache, $uncached without"
awk -v c="$cached" -v u="$uncached" -v b="$boto" \
  'BEGIN { printf "ratio AWSSigV4/botocore: %.1fx (cached key), %.1fx (key derived per signature, like botocore)\n", c / b, u / b }'
