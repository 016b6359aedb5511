/// The loopback HTTP/1.1 server the integration tests start (python3 standard library only). Kept as a string
/// so the test target needs no resources declared in Package.swift; ``TestServer`` writes it to a temp dir.
enum TestServerScript {
    static let source = #"""
        import http.server, json, os, socket, ssl, sys, threading, time, urllib.parse

        lock = threading.Lock()
        stats = {"connections": 0, "requests": 0, "aborted": 0, "active_streams": 0, "max_active_streams": 0,
                 "sent": {}, "counters": {}}

        released = threading.Event()  # the `barrier` of /zeros, once reached

        def bump(key, delta=1):
            with lock:
                stats[key] += delta

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                bump("connections")

            def log_message(self, *args):
                pass

            def do_GET(self): self.route()
            def do_POST(self): self.route()
            def do_PUT(self): self.route()
            def do_DELETE(self): self.route()
            def do_PATCH(self): self.route()
            def do_HEAD(self): self.route()

            def read_body(self):
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    data = bytearray()
                    while True:
                        line = self.rfile.readline()
                        if not line:
                            raise ConnectionError("eof in chunked body")
                        size = int(line.split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return bytes(data), True
                        data += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return (self.rfile.read(n) if n else b""), False

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def route(self):
                bump("requests")
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                path = url.path
                if path == "/duplex":
                    return self.duplex()
                body, chunked = self.read_body()
                if path == "/hello":
                    self.reply(200, b"hello", [("Content-Type", "text/plain")])
                elif path == "/echo":
                    self.reply(200, body, [("X-Method", self.command), ("X-Chunked", "yes" if chunked else "no"),
                                           ("X-Echo-Header", self.headers.get("X-Test", "")),
                                           ("X-Content-Type", self.headers.get("Content-Type", "<none>")),
                                           ("X-Expect", self.headers.get("Expect", "<none>"))])
                elif path == "/upload":
                    doc = {"bytes": len(body), "chunked": chunked, "sum": sum(body) % 4294967296}
                    self.reply(200, json.dumps(doc).encode(), [("Content-Type", "application/json")])
                elif path == "/stats":
                    with lock:
                        doc = json.dumps(stats).encode()
                    self.reply(200, doc, [("Content-Type", "application/json")])
                elif path == "/status":
                    self.reply(int(q["code"]), q.get("body", "").encode(), [("X-Amzn-ErrorType", q.get("type", ""))])
                elif path == "/flaky":
                    key = q.get("key", "default")
                    with lock:
                        n = stats["counters"].get(key, 0) + 1
                        stats["counters"][key] = n
                    if n <= int(q.get("fail", "1")):
                        self.reply(int(q.get("status", "503")), q.get("body", "unavailable").encode())
                    else:
                        self.reply(200, b"ok after %d" % n)
                elif path == "/slow-headers":
                    time.sleep(float(q.get("delay", "5")))
                    self.reply(200, b"late")
                elif path == "/zeros":
                    self.zeros(q)
                elif path == "/infinite":
                    self.infinite(q)
                elif path == "/stall":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"x" * 10)
                    time.sleep(float(q.get("secs", "10")))
                    self.close_connection = True
                elif path == "/drop":
                    total, send = int(q.get("total", "100000")), int(q.get("send", "1000"))
                    self.send_response(200)
                    self.send_header("Content-Length", str(total))
                    self.end_headers()
                    self.wfile.write(b"d" * send)
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                else:
                    self.reply(404, b"no such path")

            def duplex(self):
                # Echo every request chunk as a response chunk as soon as it arrives.
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    size = int(line.split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    data = self.rfile.read(size)
                    self.rfile.readline()
                    self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

            def zeros(self, q):
                total, chunk = int(q.get("bytes", "1048576")), int(q.get("chunk", "65536"))
                key, hold = q.get("key", "zeros"), float(q.get("hold", "0"))
                barrier = int(q.get("barrier", "0"))
                if "sndbuf" in q:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(q["sndbuf"]))
                self.send_response(200)
                self.send_header("Content-Length", str(total))
                self.end_headers()
                if self.command == "HEAD":
                    return
                with lock:
                    stats["active_streams"] += 1
                    stats["max_active_streams"] = max(stats["max_active_streams"], stats["active_streams"])
                buf = b"\0" * chunk
                sent = 0
                try:
                    first = True
                    while sent < total:
                        n = min(chunk, total - sent)
                        self.wfile.write(buf[:n] if n < chunk else buf)
                        sent += n
                        with lock:
                            stats["sent"][key] = stats["sent"].get(key, 0) + n
                        if first and hold > 0:
                            time.sleep(hold)
                        if first and barrier > 0:
                            # Hold the rest until `barrier` streams are open at once (bounded).
                            with lock:
                                if stats["active_streams"] >= barrier:
                                    released.set()
                            released.wait(20)
                        first = False
                except (BrokenPipeError, ConnectionResetError):
                    bump("aborted")
                    self.close_connection = True
                finally:
                    bump("active_streams", -1)

            def infinite(self, q):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                buf = b"i" * int(q.get("chunk", "16384"))
                pause = float(q.get("pause", "0.005"))
                deadline = time.time() + 30
                try:
                    while time.time() < deadline:
                        self.wfile.write(buf)
                        time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError):
                    bump("aborted")

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024

            def handle_error(self, request, client_address):
                pass  # clients that abort on purpose are part of the tests

        def main():
            out = sys.argv[1]
            httpd = Server(("127.0.0.1", 0), Handler)
            info = {"port": httpd.server_address[1]}
            # A listener whose accept queue is full and never drained: SYNs to it are dropped, so connects hang.
            blackhole = socket.socket()
            blackhole.bind(("127.0.0.1", 0))
            blackhole.listen(0)
            fillers = []
            for _ in range(3):
                c = socket.socket()
                c.setblocking(False)
                try:
                    c.connect(blackhole.getsockname())
                except BlockingIOError:
                    pass
                fillers.append(c)
            info["blackhole"] = blackhole.getsockname()[1]
            if len(sys.argv) > 3:
                tls = Server(("127.0.0.1", 0), Handler)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(sys.argv[2], sys.argv[3])
                tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
                info["tls"] = tls.server_address[1]
                threading.Thread(target=tls.serve_forever, daemon=True).start()
            with open(out + ".tmp", "w") as f:
                json.dump(info, f)
            os.rename(out + ".tmp", out)
            # Exit if the test process died without stopping us.
            parent = os.getppid()
            def watchdog():
                while True:
                    time.sleep(1)
                    if os.getppid() != parent:
                        os._exit(0)
            threading.Thread(target=watchdog, daemon=True).start()
            httpd.serve_forever()

        main()
        """#
}
