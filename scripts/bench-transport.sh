#!/usr/bin/env bash
# Transport benchmark: HTTPTransport vs the curl CLI streaming one big response from the same loopback server,
# then memory per connection with many concurrent streams. Prints the numbers recorded in docs/PERFORMANCE.md.
#
#   scripts/bench-transport.sh [SIZE_MB=1024] [STREAMS=200]
#
# The server is Python, but it sends the payload with sendfile(2) from a sparse file in /tmp, so the kernel
# does the copying and the clients (not the server) are what is measured.
set -euo pipefail
source "$(dirname "$0")/lib/bench.sh"
SIZE_MB=${1:-1024}
STREAMS=${2:-200}
RUNS=${RUNS:-5}

bench_init transport

# --- build -------------------------------------------------------------------------------------------------
# TransportBench lives in the Benchmarks package (Benchmarks/Package.swift), which depends on this one by path.
bench_build TransportBench
BENCH=.build-bench/release/TransportBench

# --- server --------------------------------------------------------------------------------------------------
truncate -s "${SIZE_MB}M" "$work/big.bin"
cat > "$work/server.py" <<'PY'
import http.server, os, sys, time, urllib.parse
BIG = sys.argv[1]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        try:
            if url.path == "/big":
                size = os.path.getsize(BIG)
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                self.wfile.flush()
                with open(BIG, "rb") as f:
                    self.connection.sendfile(f)
            elif url.path == "/drip":
                chunk, interval = b"d" * int(q.get("chunk", "4096")), float(q.get("interval", "0.05"))
                self.send_response(200)
                self.send_header("Content-Length", str(1 << 40))
                self.end_headers()
                while True:
                    self.wfile.write(chunk)
                    time.sleep(interval)
            else:
                self.send_response(200)
                self.send_header("Content-Length", "5")
                self.end_headers()
                self.wfile.write(b"hello")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    def handle_error(self, request, client_address):
        pass

httpd = Server(("127.0.0.1", 0), Handler)
print(httpd.server_address[1], flush=True)
httpd.serve_forever()
PY
"$PY" "$work/server.py" "$work/big.bin" > "$work/port" &
server_pid=$!
bench_track "$server_pid"
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
PORT=$(head -1 "$work/port")
BASE="http://127.0.0.1:$PORT"
echo "server: $BASE (pid $server_pid), payload ${SIZE_MB} MB, $(nproc) cores, $(curl --version | head -1 | cut -d' ' -f1-2)"

# --- throughput: both clients, same server, interleaved runs (other load on the machine hits both alike) ---------
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }
curl_best=0; swift_best=0; swift_big_best=0
for i in $(seq 1 "$RUNS"); do
  out=$( { TIMEFORMAT='%U %S'; time curl -sS -o /dev/null -w '%{size_download} %{speed_download}\n' "$BASE/big"; } 2>&1 )
  read -r bytes speed user sys <<<"$(echo "$out" | tr '\n' ' ')"
  mbs=$(awk -v s="$speed" 'BEGIN { printf "%.1f", s / 1e6 }')
  echo "curl  run $i: $bytes bytes = $mbs MB/s, cpu $(awk -v u="$user" -v s="$sys" -v b="$bytes" 'BEGIN { printf "%.2f s (%.2f s/GB)", u + s, (u + s) / (b / 1e9) }')"
  curl_best=$(best "$curl_best" "$mbs")
  out=$("$BENCH" throughput "$BASE/big" --runs 1)
  echo "$out" | head -1
  swift_best=$(best "$swift_best" "$(echo "$out" | awk '/swift best/ { print $3 }')")
  out=$("$BENCH" throughput "$BASE/big" --runs 1 --buffer-size 262144)
  echo "$out" | head -1 | sed 's/^swift/swift(256K)/'
  swift_big_best=$(best "$swift_big_best" "$(echo "$out" | awk '/swift best/ { print $3 }')")
done
echo "best of $RUNS: curl $curl_best MB/s, HTTPTransport $swift_best MB/s (64 KiB curl buffer), $swift_big_best MB/s (256 KiB)"
awk -v s="$swift_best" -v b="$swift_big_best" -v c="$curl_best" \
  'BEGIN { printf "ratio HTTPTransport/curl: %.2f (64 KiB buffer), %.2f (256 KiB buffer)\n", s / c, b / c }'

# --- memory per connection ------------------------------------------------------------------------------------------
"$BENCH" memory "$BASE" --streams "$STREAMS"
"$BENCH" memory "$BASE" --streams "$STREAMS" --stalled
