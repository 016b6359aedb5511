"""A SageMaker-compatible inference server around the person detector in person_detector.py.

The SageMaker container contract: `GET /ping` answers 200 once the model is loaded, `POST /invocations` takes one
picture (`image/jpeg` or `image/png`) and answers `application/json` in the SageMaker object-detection format,
`{"prediction": [[class_id, score, xmin, ymin, xmax, ymax], ...]}` with coordinates normalised to 0-1 and COCO class
ids (person = 0). It listens on port 8080 unless told otherwise (`--port`, or `SAGEMAKER_BIND_TO_PORT` as SageMaker
sets it for multi-container endpoints). Run `python model_server.py --help` for the options.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Refuse decompression bombs before OpenCV is imported (it reads the limit once): 50 megapixels is far above any
# camera frame KIT sends and far below what would exhaust memory.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(50_000_000))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from person_detector import DetectorError, PersonDetector  # noqa: E402

log = logging.getLogger("model-server")

JPEG = "image/jpeg"
PNG = "image/png"
_MAGIC = {JPEG: b"\xff\xd8\xff", PNG: b"\x89PNG\r\n\x1a\n"}
_ACCEPTABLE = {"application/json", "application/*", "*/*"}
DEFAULT_MAX_BODY = 6 * 1024 * 1024  # SageMaker real-time endpoints take at most 6 MB.


class RequestError(Exception):
    """A request the server refuses, with the status and message it answers."""

    def __init__(self, status: HTTPStatus, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # True when the body was not read: the connection cannot be reused.


def decode_picture(body: bytes, content_type: str) -> np.ndarray:
    """The RGB picture in `body`, which must be what `content_type` says it is."""
    if not body:
        raise RequestError(HTTPStatus.BAD_REQUEST, "empty body: send one JPEG or PNG picture")
    if not body.startswith(_MAGIC[content_type]):
        raise RequestError(HTTPStatus.BAD_REQUEST, f"body is not a {content_type.split('/')[1].upper()} picture")
    try:
        bgr = cv2.imdecode(np.frombuffer(body, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as error:  # Raised for pictures over OPENCV_IO_MAX_IMAGE_PIXELS, among others.
        raise RequestError(HTTPStatus.BAD_REQUEST, f"cannot decode the picture: {error.msg.strip()}") from error
    if bgr is None or bgr.size == 0:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"cannot decode the {content_type} body (corrupt or truncated)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class InferenceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the host reuses its connections
    server_version = "kit-model-server"
    sys_version = ""
    timeout = 60  # seconds a client may stall mid-request before its connection is dropped
    # Headers and body are separate writes: with Nagle on, the body waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    server: "InferenceServer"

    # --- routing -------------------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/ping":
            self._send_json(HTTPStatus.OK, {"status": "healthy"})
        elif path == "/execution-parameters":  # asked by SageMaker batch transform
            self._send_json(
                HTTPStatus.OK,
                {
                    "MaxConcurrentTransforms": self.server.workers,
                    "BatchStrategy": "SINGLE_RECORD",
                    "MaxPayloadInMB": max(1, self.server.max_body // (1024 * 1024)),
                },
            )
        else:
            self._send_error(RequestError(HTTPStatus.NOT_FOUND, f"no such path: {path}"))

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path != "/invocations":
            self._send_error(RequestError(HTTPStatus.NOT_FOUND, f"no such path: {path}", close=True))
            return
        try:
            self._send_json(HTTPStatus.OK, self._invoke())
        except RequestError as error:
            self._send_error(error)
        except DetectorError as error:
            log.error("model failed: %s", error)
            self._send_error(RequestError(HTTPStatus.INTERNAL_SERVER_ERROR, f"model failed: {error}"))
        except Exception as error:  # noqa: BLE001 - answer 500 and keep serving
            log.exception("unexpected failure")
            self._send_error(RequestError(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {error}"))

    def _method_not_allowed(self) -> None:
        self._send_error(RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported", close=True))

    do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    # --- /invocations --------------------------------------------------------------------------------------------
    def _invoke(self) -> dict:
        content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        body = self._read_body()  # read first, so that a refused request leaves the connection usable
        if content_type not in (JPEG, PNG):
            raise RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"unsupported Content-Type {content_type or '(none)'!r}: send image/jpeg or image/png",
            )
        accept = [a.split(";", 1)[0].strip().lower() for a in (self.headers.get("Accept") or "*/*").split(",")]
        if not any(a in _ACCEPTABLE for a in accept):
            raise RequestError(HTTPStatus.NOT_ACCEPTABLE, "this server answers application/json only")
        picture = decode_picture(body, content_type)
        started = time.perf_counter()
        people = self.server.detector.detect(picture)
        log.debug("%dx%d picture: %d people in %.1f ms", picture.shape[1], picture.shape[0], len(people),
                  (time.perf_counter() - started) * 1000)
        return {"prediction": [p.as_sagemaker_row() for p in people]}

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not supported: send Content-Length",
                               close=True)
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required", close=True)
        try:
            length = int(length_text)
        except ValueError:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length_text!r}", close=True) from None
        if length < 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length_text!r}", close=True)
        if length > self.server.max_body:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"body of {length} bytes is over the limit of {self.server.max_body}", close=True)
        body = self.rfile.read(length)
        if len(body) != length:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"body ended after {len(body)} of {length} bytes", close=True)
        return body

    # --- answers -------------------------------------------------------------------------------------------------
    def _send_json(self, status: HTTPStatus, payload: dict, *, close: bool = False) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, error: RequestError) -> None:
        self._send_json(error.status, {"error": error.message, "status": int(error.status)}, close=error.close)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        # SageMaker polls /ping every few seconds: keep those out of the INFO log.
        level = logging.DEBUG if self.path == "/ping" else logging.INFO
        log.log(level, "%s %s", self.address_string(), format % args)


class InferenceServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], detector: PersonDetector, workers: int, max_body: int) -> None:
        self.detector = detector
        self.workers = workers
        self.max_body = max_body
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, InferenceHandler)


def _environment_port() -> int:
    text = os.environ.get("SAGEMAKER_BIND_TO_PORT") or os.environ.get("MODEL_SERVER_PORT") or "8080"
    try:
        return int(text)
    except ValueError:
        raise SystemExit(f"model-server: bad port in the environment: {text!r}") from None


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="model-server", description="SageMaker-compatible person detector (mediapipe pose detection).")
    parser.add_argument("--bind", default=os.environ.get("MODEL_SERVER_BIND", "0.0.0.0"),
                        help="address to listen on (default $MODEL_SERVER_BIND or 0.0.0.0; tests use 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default $SAGEMAKER_BIND_TO_PORT, $MODEL_SERVER_PORT or 8080; 0 = any free port)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("MODEL_SERVER_WORKERS", "0") or 0),
                        help="model instances run in parallel (default $MODEL_SERVER_WORKERS or the CPU count)")
    parser.add_argument("--min-score", type=float, default=0.5, help="drop detections below this score (0.5)")
    parser.add_argument("--max-people", type=int, default=10, help="largest number of people reported (10)")
    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, help="largest body in bytes (6 MiB)")
    parser.add_argument("--log-level", default=os.environ.get("MODEL_SERVER_LOG_LEVEL", "INFO"))
    parser.add_argument("--exit-when-stdin-closes", action="store_true",
                        help="exit when standard input reaches end of file (for test harnesses)")
    arguments = parser.parse_args(argv)
    if arguments.port is None:
        arguments.port = _environment_port()
    if not 0 <= arguments.port <= 65535:
        parser.error(f"port out of range: {arguments.port}")
    if arguments.workers <= 0:
        arguments.workers = max(1, min(8, os.cpu_count() or 1))
    if arguments.max_people < 1:
        parser.error("--max-people must be at least 1")
    if not 0.0 <= arguments.min_score <= 1.0:
        parser.error("--min-score must be within 0-1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=arguments.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if arguments.exit_when_stdin_closes:
        def watch_stdin() -> None:
            sys.stdin.buffer.read()
            os._exit(0)
        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()

    started = time.perf_counter()
    detector = PersonDetector(workers=arguments.workers, min_score=arguments.min_score,
                              max_people=arguments.max_people)
    # One warm-up run per graph would need concurrency; one run is enough to load the model before /ping says yes.
    detector.detect(np.zeros((64, 64, 3), dtype=np.uint8))
    server = InferenceServer((arguments.bind, arguments.port), detector, arguments.workers, arguments.max_body)
    host, port = server.server_address[:2]
    log.info("model loaded in %.2f s; %d worker(s); listening on http://%s:%d",
             time.perf_counter() - started, arguments.workers, host, port)
    print(f"listening on http://{host}:{port}", file=sys.stderr, flush=True)

    def stop(signum: int, _frame) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)  # SageMaker stops containers with SIGTERM
    try:
        server.serve_forever(poll_interval=0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        detector.close()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
