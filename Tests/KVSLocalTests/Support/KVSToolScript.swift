import KITTestSupport

/// The Python side of the tests: boto3 (the pinned botocore) as the client of the local server, and a raw
/// full-duplex PutMedia producer (botocore has no PutMedia) that signs with botocore's SigV4Auth, sends the body
/// chunked at a chosen pace and reads the acknowledgements on another thread while it sends.
///
/// Usage: `python kvs_tool.py steps|put|swarm SPEC.json` → one JSON document on stdout.
enum KVSToolScript {
    static let source = #"""
        import base64, datetime, json, os, socket, sys, threading, time
        from urllib.parse import urlparse

        import boto3
        import botocore
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.config import Config
        from botocore.credentials import Credentials

        KEY, SECRET = "AKIDKVSLOCALTEST", "kvs-local-test-secret"


        TOKEN_TAG = b"AWS_KINESISVIDEO_CONTINUATION_TOKEN"


        def has_fragments(data, count):
            """Whether `data` (GetMedia output) holds `count` whole fragments: the trailing tags of the last one (its
            continuation token: the TagString element 0x4487 after the tag name, value included) have arrived."""
            if not count:
                return False
            position = -1
            for _ in range(count):
                position = data.find(TOKEN_TAG, position + 1)
                if position < 0:
                    return False
            rest = data[position + len(TOKEN_TAG):]
            if len(rest) < 3 or rest[0:2] != b"\x44\x87" or rest[2] == 0:
                return False
            length = 8 - rest[2].bit_length() + 1
            if len(rest) < 2 + length:
                return False
            size = int.from_bytes(rest[2:2 + length], "big") & ((1 << (7 * length)) - 1)
            return len(rest) >= 2 + length + size


        def parts(payload):
            """The payload's bytes as they arrive (one HTTP chunk at a time: `read(n)` would wait for n bytes)."""
            raw = getattr(payload, "_raw_stream", None)
            if raw is not None and hasattr(raw, "stream"):
                for part in raw.stream(65536, decode_content=False):
                    yield part
                return
            while True:
                part = payload.read(65536)
                if not part:
                    return
                yield part


        def jsonable(value):
            if isinstance(value, datetime.datetime):
                return value.timestamp()
            if isinstance(value, dict):
                return {k: jsonable(v) for k, v in value.items() if k != "ResponseMetadata" and not hasattr(v, "read")}
            if isinstance(value, list):
                return [jsonable(v) for v in value]
            if isinstance(value, bytes):
                return value.decode("latin1")
            return value


        def session(region):
            return boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name=region)


        def config(spec):
            return Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=spec.get("read_timeout", 30),
                          connect_timeout=5, max_pool_connections=100)


        def raw_request(spec, step):
            """A hand-made HTTP request (unsigned, badly signed, odd paths): status, headers and body as sent back."""
            import http.client
            url = urlparse(step.get("endpoint", spec["endpoint"]))
            raw = step["raw"]
            body = raw.get("body", "").encode()
            headers = dict(raw.get("headers", {}))
            if raw.get("sign"):
                request = AWSRequest(method=raw.get("method", "POST"), url=spec["endpoint"] + raw["path"], headers=headers,
                                     data=body)
                SigV4Auth(Credentials(KEY, SECRET), raw.get("service", "kinesisvideo"),
                          raw.get("region", "us-east-1")).add_auth(request)
                headers = dict(request.headers.items())
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            connection.request(raw.get("method", "POST"), raw["path"], body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            connection.close()
            return {"ok": True, "result": {"status": response.status,
                                           "headers": {k.lower(): v for k, v in response.getheaders()},
                                           "body": data.decode("latin1")}}


        def run_step(clients, spec, step, state):
            if "raw" in step:
                return raw_request(spec, step)
            if "parallel" in step:
                # The sub-steps at once, each on its own thread and client (a burst against a rate limit).
                results = [None] * len(step["parallel"])

                def one(i, sub):
                    results[i] = run_step({}, spec, sub, state)

                threads = [threading.Thread(target=one, args=(i, sub)) for i, sub in enumerate(step["parallel"])]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(60)
                return {"ok": True, "result": {"results": results}}
            service = step.get("client", "kinesisvideo")
            endpoint = step.get("endpoint", spec["endpoint"])
            if endpoint == "$data":
                endpoint = state["data_endpoint"]
            key = (service, endpoint, step.get("region", spec.get("region", "us-east-1")))
            if key not in clients:
                clients[key] = session(key[2]).client(service, endpoint_url=endpoint, config=config(spec))
            client = clients[key]
            op, args = step["op"], step.get("args", {})
            if step.get("sleep"):
                time.sleep(step["sleep"])
            started = time.monotonic()
            try:
                if step.get("paginate"):
                    pages = list(client.get_paginator(op).paginate(**args))
                    return {"ok": True, "result": {"pages": [jsonable(p) for p in pages]}}
                response = getattr(client, op)(**args)
                result = jsonable(response)
                result["elapsed"] = time.monotonic() - started
                if "Payload" in response and step.get("hold"):
                    state.setdefault("held", []).append(response)  # the connection stays open, unread
                elif "Payload" in response and step.get("close"):
                    response["Payload"].close()
                elif "Payload" in response:
                    data = b""
                    try:
                        for part in parts(response["Payload"]):
                            data += part
                            if has_fragments(data, step.get("expect_fragments")):
                                # Everything expected arrived: stop instead of waiting for the idle timeout.
                                response["Payload"].close()
                                break
                    except Exception as e:  # noqa: BLE001 - a dropped connection: report what arrived
                        result["PayloadError"] = type(e).__name__
                    if step.get("save"):
                        with open(step["save"], "wb") as f:
                            f.write(data)
                    result["PayloadBytes"] = len(data)
                    result["ContentType"] = response.get("ContentType")
                if op == "get_data_endpoint":
                    state["data_endpoint"] = response["DataEndpoint"]
                result["HTTPStatusCode"] = response["ResponseMetadata"]["HTTPStatusCode"]
                return {"ok": True, "result": result}
            except botocore.exceptions.ClientError as e:
                return {"ok": False, "code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                        "status": e.response["ResponseMetadata"].get("HTTPStatusCode"),
                        "error_type_header": e.response["ResponseMetadata"].get("HTTPHeaders", {}).get("x-amzn-errortype"),
                        "elapsed": time.monotonic() - started}
            except Exception as e:  # noqa: BLE001 - reported to the Swift side
                return {"ok": False, "code": type(e).__name__, "message": str(e), "elapsed": time.monotonic() - started}


        def steps(spec):
            clients, state, results = {}, {"data_endpoint": spec["endpoint"]}, []
            for step in spec["steps"]:
                results.append(run_step(clients, spec, step, state))
            return results


        def signed_headers(endpoint, region, headers, service="kinesisvideo"):
            request = AWSRequest(method="POST", url=endpoint + "/putMedia", headers=headers, data=b"")
            SigV4Auth(Credentials(KEY, SECRET), service, region).add_auth(request)
            return dict(request.headers.items())


        def put_media(spec):
            """Full duplex: the body goes out chunked at `pace` seconds per chunk while acks are read as they come."""
            url = urlparse(spec["endpoint"])
            with open(spec["file"], "rb") as f:
                data = f.read()
            chunk = spec.get("chunk", 65536)
            headers = {"x-amzn-fragment-timecode-type": spec.get("timecode_type", "RELATIVE"),
                       "x-amzn-fragment-acknowledgment-required": "1", "Host": url.netloc}
            if "stream" in spec:
                headers["x-amzn-stream-name"] = spec["stream"]
            if "start" in spec:
                headers["x-amzn-producer-start-timestamp"] = "%.3f" % spec["start"]
            if spec.get("sign", True):
                headers = signed_headers(spec["endpoint"], spec.get("region", "us-east-1"), headers)
            headers["Transfer-Encoding"] = "chunked"
            sock = socket.create_connection((url.hostname, url.port), timeout=spec.get("timeout", 60))
            head = "POST /putMedia HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
            sock.sendall(head.encode())
            progress = {"sent": 0}
            acks, response = [], {"status": None, "headers": {}, "raw": b""}
            t0 = time.monotonic()

            def reader():
                buf = b""
                try:
                    while b"\r\n\r\n" not in buf:
                        part = sock.recv(65536)
                        if not part:
                            return
                        buf += part
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    lines = head.decode("latin1").split("\r\n")
                    response["status"] = int(lines[0].split()[1])
                    response["headers"] = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
                    body, depth, start, in_str, esc = b"", 0, None, False, False
                    chunked = response["headers"].get("transfer-encoding", "") == "chunked"
                    length = int(response["headers"].get("content-length", "-1"))
                    done = False
                    while not done:
                        if chunked:
                            while b"\r\n" not in buf:
                                part = sock.recv(65536)
                                if not part:
                                    return
                                buf += part
                            size_line, buf = buf.split(b"\r\n", 1)
                            size = int(size_line.split(b";")[0], 16)
                            while len(buf) < size + 2:
                                part = sock.recv(65536)
                                if not part:
                                    return
                                buf += part
                            piece, buf = buf[:size], buf[size + 2:]
                            done = size == 0
                        else:
                            while length < 0 or len(buf) < length:
                                part = sock.recv(65536)
                                if not part:
                                    break
                                buf += part
                            piece, done = buf, True
                        response["raw"] += piece
                        for b in piece:
                            ch = chr(b)
                            body += bytes([b])
                            if in_str:
                                if esc:
                                    esc = False
                                elif ch == "\\":
                                    esc = True
                                elif ch == '"':
                                    in_str = False
                                continue
                            if ch == '"':
                                in_str = True
                            elif ch == "{":
                                if depth == 0:
                                    body = b"{"
                                depth += 1
                            elif ch == "}":
                                depth -= 1
                                if depth == 0:
                                    ack = json.loads(body.decode())
                                    ack["_sent"] = progress["sent"]
                                    ack["_t"] = time.monotonic() - t0
                                    acks.append(ack)
                except Exception as e:  # noqa: BLE001
                    response["reader_error"] = repr(e)

            thread = threading.Thread(target=reader, daemon=True)
            thread.start()
            pace = spec.get("pace", 0)
            paused = False
            try:
                for i in range(0, len(data), chunk):
                    piece = data[i:i + chunk]
                    sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                    progress["sent"] += len(piece)
                    if pace:
                        time.sleep(pace)
                    if spec.get("pause_after") is not None and progress["sent"] >= spec["pause_after"] and not paused:
                        paused = True
                        if spec.get("pause_after_ack"):
                            # The server has caught up with what was sent: the pause is silence on its side too.
                            waited = time.monotonic()
                            while not any(a.get("EventType") == spec["pause_after_ack"] for a in acks):
                                if time.monotonic() - waited > 30:
                                    break
                                time.sleep(0.01)
                        if spec.get("pause_until_ack"):
                            # Silence until the server shows it noticed (an IDLE ack), however long that takes.
                            waited = time.monotonic()
                            while not any(a.get("EventType") == spec["pause_until_ack"] for a in acks):
                                if time.monotonic() - waited > 60:
                                    break
                                time.sleep(0.01)
                        time.sleep(spec.get("pause", 0))
                        if spec.get("pause_until_closed"):
                            # Silence until the server ends the session.
                            waited = time.monotonic()
                            thread.join(60)
                            response["closed_after"] = time.monotonic() - waited
                            response["closed"] = not thread.is_alive()
                            break
                if not response.get("closed"):
                    sock.sendall(b"0\r\n\r\n")
            except OSError as e:
                response["writer_error"] = repr(e)
            thread.join(spec.get("timeout", 60))
            sock.close()
            raw = response.pop("raw")
            if response["status"] != 200:
                response["body"] = raw.decode("latin1")
            return {"status": response["status"], "headers": response["headers"], "acks": acks, "sent": progress["sent"],
                    "total": len(data), **{k: v for k, v in response.items() if k.endswith("error") or k.startswith("closed")}}


        def swarm(spec):
            """Many streams at once in one process: per stream a producer (raw PutMedia) and a consumer (boto3 GetMedia
            from EARLIEST, reading until the server ends the idle session)."""
            kv = session("us-east-1").client("kinesisvideo", endpoint_url=spec["endpoint"], config=config(spec))
            results = {}

            def consume(name):
                try:
                    endpoint = kv.get_data_endpoint(StreamName=name, APIName="GET_MEDIA")["DataEndpoint"]
                    media = session("us-east-1").client("kinesis-video-media", endpoint_url=endpoint, config=config(spec))
                    payload = media.get_media(StreamName=name, StartSelector={"StartSelectorType": "EARLIEST"})["Payload"]
                    data = b""
                    for part in parts(payload):
                        data += part
                        if has_fragments(data, spec.get("expect_fragments")):
                            payload.close()
                            break
                    with open(os.path.join(spec["out"], name + ".mkv"), "wb") as f:
                        f.write(data)
                    results.setdefault(name, {})["consumer"] = "ok"
                except Exception as e:  # noqa: BLE001
                    results.setdefault(name, {})["consumer"] = repr(e)

            def produce(name):
                try:
                    r = put_media({"endpoint": spec["endpoint"], "stream": name, "file": spec["file"],
                                   "start": spec["start"], "chunk": spec.get("chunk", 32768), "pace": spec.get("pace", 0),
                                   "timeout": spec.get("timeout", 60)})
                    results.setdefault(name, {})["persisted"] = sum(1 for a in r["acks"] if a["EventType"] == "PERSISTED")
                    results[name]["errors"] = [a for a in r["acks"] if a["EventType"] == "ERROR"]
                except Exception as e:  # noqa: BLE001
                    results.setdefault(name, {})["producer"] = repr(e)

            threads = []
            for name in spec["streams"]:
                kv.create_stream(StreamName=name, DataRetentionInHours=1)
            for name in spec["streams"]:
                threads.append(threading.Thread(target=consume, args=(name,)))
                threads.append(threading.Thread(target=produce, args=(name,)))
            for t in threads:
                t.start()
            for t in threads:
                t.join(spec.get("timeout", 60))
            return results


        if __name__ == "__main__":
            with open(sys.argv[2]) as f:
                spec = json.load(f)
            print(json.dumps({"steps": steps, "put": put_media, "swarm": swarm}[sys.argv[1]](spec)))
        """#
}
