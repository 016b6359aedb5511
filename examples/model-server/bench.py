"""Latency of the model server per picture, against its anchor: the same decode + detection in-process.

Starts model_server.py on 127.0.0.1 with a free port (1 worker, so requests do not overlap), sends each sample photo
ROUNDS times over one keep-alive connection, and prints the median (p50) and p90 round trip beside the median of
decoding and detecting the same bytes in this process, with their ratio (what HTTP and JSON add).

Usage: .venv-model/bin/python examples/model-server/bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ beside the server's sources

import cv2  # noqa: E402

from model_server import decode_picture  # noqa: E402
from person_detector import PersonDetector  # noqa: E402


def photos() -> dict[str, tuple[bytes, str]]:
    import importlib.util

    data = os.path.join(os.path.dirname(importlib.util.find_spec("skimage").origin), "data")
    result = {}
    for name in ("astronaut", "coffee", "chelsea"):
        picture = cv2.imread(os.path.join(data, f"{name}.png"), cv2.IMREAD_COLOR)
        ok, jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        result[f"{name}.jpg"] = (jpeg.tobytes(), "image/jpeg")
        with open(os.path.join(data, f"{name}.png"), "rb") as file:
            result[f"{name}.png"] = (file.read(), "image/png")
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()
    samples = photos()

    server = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "model_server.py"), "--bind", "127.0.0.1", "--port", "0",
         "--workers", "1", "--log-level", "WARNING", "--exit-when-stdin-closes"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        port = None
        deadline = time.monotonic() + 120
        assert server.stderr is not None
        while port is None and time.monotonic() < deadline:
            line = server.stderr.readline()
            if not line:
                raise SystemExit("model server exited before listening")
            if line.startswith("listening on http://127.0.0.1:"):
                port = int(line.rsplit(":", 1)[1])
        if port is None:
            raise SystemExit("model server did not start")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        detector = PersonDetector(workers=1)

        print(f"{'photo':<14} {'people':>6} {'HTTP p50 ms':>12} {'HTTP p90 ms':>12} {'in-process p50 ms':>18} {'ratio':>6}")
        all_http, all_local = [], []
        for name, (body, content_type) in samples.items():
            http_times, local_times, people = [], [], 0
            for _ in range(arguments.rounds + 2):  # the first two warm up
                started = time.perf_counter()
                connection.request("POST", "/invocations", body=body, headers={"Content-Type": content_type})
                response = connection.getresponse()
                answer = response.read()
                http_times.append((time.perf_counter() - started) * 1000)
                assert response.status == 200, answer
                people = answer.count(b"[0.0,")
                started = time.perf_counter()
                detector.detect(decode_picture(body, content_type))
                local_times.append((time.perf_counter() - started) * 1000)
            http_times, local_times = http_times[2:], local_times[2:]
            all_http += http_times
            all_local += local_times
            h50, l50 = statistics.median(http_times), statistics.median(local_times)
            print(f"{name:<14} {people:>6} {h50:>12.1f} {percentile(http_times, 0.9):>12.1f} {l50:>18.1f} "
                  f"{h50 / l50:>6.2f}")
        h50, l50 = statistics.median(all_http), statistics.median(all_local)
        print(f"{'all':<14} {'':>6} {h50:>12.1f} {percentile(all_http, 0.9):>12.1f} {l50:>18.1f} {h50 / l50:>6.2f}")
        print(f"p50 per picture over HTTP: {h50:.1f} ms vs {l50:.1f} ms in-process (ratio {h50 / l50:.2f}); "
              f"{arguments.rounds} rounds x {len(samples)} pictures, cv2 threads: {cv2.getNumThreads()}, "
              f"CPUs: {os.cpu_count()}")
        detector.close()
        connection.close()
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
