/// The capturing loopback server (Python, standard library only): answers canned responses by route and writes
/// every request it gets as one JSON line (method, path with query, headers in order, body base64, upload chunk
/// count). Routes match on method, path (without query) and, for JSON-protocol calls, `X-Amz-Target`; each
/// route answers its responses in turn, repeating the last. A response may be `chunked` (its `chunks` sent as
/// separate HTTP chunks) or an `ackStream`: the PutMedia shape, acknowledging every uploaded chunk while the
/// upload is still running, with each ack split across two HTTP chunks.
enum CaptureServerScript {
    static let source = #"""
        import base64, json, sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        config = json.load(open(sys.argv[1]))
        log_path = sys.argv[2]
        lock = threading.Lock()
        counters = {}

        def find_route(method, path, target):
            for index, route in enumerate(config['routes']):
                if route.get('method', method) != method: continue
                if route.get('path', path) != path: continue
                if route.get('target') is not None and route['target'] != target: continue
                return index, route
            return None, None

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def read_chunk(self):
                line = self.rfile.readline()
                size = int(line.split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return None
                data = self.rfile.read(size)
                self.rfile.readline()
                return data

            def write_chunk(self, data):
                self.wfile.write(b'%x\r\n' % len(data) + data + b'\r\n')
                self.wfile.flush()

            def record(self, body, chunks):
                entry = {'method': self.command, 'path': self.path,
                         'headers': [[k, v] for k, v in self.headers.items()],
                         'body': base64.b64encode(body).decode(), 'chunks': chunks}
                with lock:
                    with open(log_path, 'a') as log:
                        log.write(json.dumps(entry) + '\n')

            def handle_any(self):
                path = self.path.split('?')[0]
                index, route = find_route(self.command, path, self.headers.get('X-Amz-Target'))
                with lock:
                    if route is None:
                        response = {'status': 200, 'body': '{}'}
                    else:
                        count = counters.get(index, 0)
                        counters[index] = count + 1
                        responses = route['responses']
                        response = responses[min(count, len(responses) - 1)]
                chunked_upload = 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower()
                if response.get('ackStream'):
                    return self.ack_stream(response)
                body = b''
                chunks = 0
                if chunked_upload:
                    while True:
                        data = self.read_chunk()
                        if data is None: break
                        body += data
                        chunks += 1
                else:
                    length = int(self.headers.get('Content-Length') or 0)
                    body = self.rfile.read(length) if length else b''
                self.record(body, chunks)
                self.send_response(response.get('status', 200))
                for name, value in response.get('headers', {}).items():
                    self.send_header(name, value)
                if 'chunks' in response:
                    self.send_header('Transfer-Encoding', 'chunked')
                    self.end_headers()
                    for chunk in response['chunks']:
                        self.write_chunk(base64.b64decode(chunk))
                    self.wfile.write(b'0\r\n\r\n')
                    self.wfile.flush()
                    return
                data = base64.b64decode(response['bodyBase64']) if 'bodyBase64' in response \
                    else response.get('body', '').encode()
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(data)

            def ack_stream(self, response):
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Transfer-Encoding', 'chunked')
                self.end_headers()
                body = b''
                timecode = 0
                chunks = 0
                while True:
                    data = self.read_chunk()
                    if data is None: break
                    body += data
                    chunks += 1
                    for event in ('BUFFERING', 'RECEIVED'):
                        ack = json.dumps({'EventType': event, 'FragmentTimecode': timecode,
                                          'FragmentNumber': '9134385233375400937141249386220411277217600%04d' % chunks})
                        raw = ack.encode()
                        middle = len(raw) // 2
                        self.write_chunk(raw[:middle])
                        self.write_chunk(raw[middle:] + b'\n')
                    timecode += 2000
                if response.get('errorAck'):
                    self.write_chunk(json.dumps({'EventType': 'ERROR', 'FragmentTimecode': timecode,
                                                 'ErrorId': 4002}).encode())
                self.write_chunk(b'{"EventType":"PERSISTED","FragmentTimecode":0,"FragmentNumber":"1"}')
                self.wfile.write(b'0\r\n\r\n')
                self.wfile.flush()
                self.record(body, chunks)
                self.close_connection = True

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any

        server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        server.daemon_threads = True
        with open(sys.argv[3] + '.tmp', 'w') as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(sys.argv[3] + '.tmp', sys.argv[3])
        threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
        server.serve_forever()
        """#
}
