"""Person detection with the BlazePose models that ship inside the mediapipe 0.10.21 wheel.

Two stages, both MediaPipe's own subgraphs, both with models read from the installed package (nothing downloaded):

1. `PoseDetectionCpu` runs `mediapipe/modules/pose_detection/pose_detection.tflite`, the BlazePose person detector:
   it letterboxes the picture to 224x224, decodes the SSD anchors, keeps scores of at least 0.5 and merges overlaps
   (weighted non-maximum suppression). Each detection has a score, a face box and four keypoints: 0 = centre of the
   hips, 1 = a point on the circle that encloses the whole body (2 and 3: the same for the upper body).
2. For each detection, `PoseLandmarkByRoiCpu` runs `pose_landmark_full.tflite` on the region MediaPipe derives from
   keypoints 0 and 1 (a square centred on the hips, side 2.5 x their distance, turned upright). It confirms that a
   person is there (no landmarks = not a person, the detection is dropped) and segments them; the person box is the
   bounding box of the segmentation mask (> 0.5), which is tight, unlike the rotation-proof square of stage 1.
   Should the mask be empty, the square of stage 1 clipped to the picture is used instead.

The score reported is the detector's.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from dataclasses import dataclass

import numpy as np

# `import mediapipe` initialises the package (and its bindings); the framework modules below are the ones its own
# `solutions` are built on.
import mediapipe as mp
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2
from mediapipe.framework.formats import rect_pb2
from mediapipe.python import packet_creator, packet_getter
from mediapipe.python._framework_bindings import calculator_graph, image_frame, resource_util

PERSON_CLASS_ID = 0  # COCO: class 0 is "person".
ROI_SCALE = 1.25  # MediaPipe's pose_detection_to_roi enlarges the alignment square by this much.
MASK_THRESHOLD = 0.5

_DETECTION_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""

# Model complexity 1 = pose_landmark_full.tflite, the landmark model the wheel bundles.
_LANDMARK_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "landmarks"
output_stream: "mask"
node {
  calculator: "ConstantSidePacketCalculator"
  output_side_packet: "PACKET:0:model_complexity"
  output_side_packet: "PACKET:1:enable_segmentation"
  options: {
    [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {
      packet { int_value: 1 }
      packet { bool_value: true }
    }
  }
}
node {
  calculator: "PoseLandmarkByRoiCpu"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks"
  output_stream: "SEGMENTATION_MASK:mask"
}
"""

_resource_lock = threading.Lock()
_resource_dir_set = False


def _use_package_resources() -> None:
    """Points MediaPipe's resource loader at the installed package, where the `.tflite` files are."""
    global _resource_dir_set
    with _resource_lock:
        if not _resource_dir_set:
            resource_util.set_resource_dir(os.path.dirname(os.path.dirname(mp.__file__)))
            _resource_dir_set = True


@dataclass(frozen=True)
class PersonDetection:
    score: float
    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def as_sagemaker_row(self) -> list[float]:
        """`[class_id, score, xmin, ymin, xmax, ymax]`, numbers as floats like SageMaker's object detection."""
        return [float(PERSON_CLASS_ID)] + [round(v, 6) for v in (self.score, self.xmin, self.ymin, self.xmax, self.ymax)]


class DetectorError(Exception):
    """The model failed on a picture (not the picture's fault)."""


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


@dataclass(frozen=True)
class _Alignment:
    """Stage 1's person square, in pixels: centre, half side, and the rotation that turns the body upright."""

    cx: float
    cy: float
    half: float
    rotation: float

    @staticmethod
    def of(detection, width: int, height: int) -> "_Alignment | None":
        keypoints = detection.location_data.relative_keypoints
        if len(keypoints) < 2:
            return None
        cx, cy = keypoints[0].x * width, keypoints[0].y * height
        dx, dy = keypoints[1].x * width - cx, keypoints[1].y * height - cy
        half = math.hypot(dx, dy)
        if not math.isfinite(half) or half <= 0:
            return None
        # The hips-to-scale-point vector is turned to point up (90 degrees); y grows downwards in pictures.
        rotation = math.pi / 2 - math.atan2(-dy, dx)
        rotation -= 2 * math.pi * math.floor((rotation + math.pi) / (2 * math.pi))
        return _Alignment(cx, cy, half, rotation)

    def roi(self, width: int, height: int) -> rect_pb2.NormalizedRect:
        side = 2 * self.half * ROI_SCALE
        return rect_pb2.NormalizedRect(
            x_center=self.cx / width, y_center=self.cy / height, width=side / width, height=side / height,
            rotation=self.rotation)

    def clipped_box(self, width: int, height: int) -> tuple[float, float, float, float] | None:
        box = (_clip((self.cx - self.half) / width), _clip((self.cy - self.half) / height),
               _clip((self.cx + self.half) / width), _clip((self.cy + self.half) / height))
        return box if box[2] > box[0] and box[3] > box[1] else None


def mask_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """The normalised bounding box of the mask's pixels above the threshold, or None if there are none."""
    rows = np.flatnonzero((mask > MASK_THRESHOLD).any(axis=1))
    columns = np.flatnonzero((mask > MASK_THRESHOLD).any(axis=0))
    if rows.size == 0 or columns.size == 0:
        return None
    height, width = mask.shape[:2]
    return (columns[0] / width, rows[0] / height, (columns[-1] + 1) / width, (rows[-1] + 1) / height)


class _Graph:
    """One running MediaPipe graph fed one picture per timestamp. Not thread-safe (the pool lends it to one caller)."""

    def __init__(self, text: str, outputs: dict[str, str]) -> None:
        config = calculator_pb2.CalculatorGraphConfig()
        text_format.Parse(text, config)
        self._results: dict[int, dict[str, object]] = {}
        self._graph = calculator_graph.CalculatorGraph(graph_config=config)
        for stream, kind in outputs.items():
            self._graph.observe_output_stream(stream, self._observer(stream, kind))
        self._graph.start_run()
        self._timestamp = 0

    def _observer(self, stream: str, kind: str):
        def observe(_name: str, packet) -> None:
            if kind == "detections":
                value = packet_getter.get_proto_list(packet)
            elif kind == "mask":
                value = np.array(packet_getter.get_image(packet).numpy_view(), copy=True)
            else:
                value = packet_getter.get_proto(packet)
            self._results.setdefault(packet.timestamp.value, {})[stream] = value
        return observe

    def run(self, inputs: dict[str, object]) -> dict[str, object]:
        self._timestamp += 1
        timestamp = self._timestamp
        for stream, packet in inputs.items():
            self._graph.add_packet_to_input_stream(stream, packet.at(timestamp))
        self._graph.wait_until_idle()
        return self._results.pop(timestamp, {})

    def close(self) -> None:
        try:
            self._graph.close()
        except Exception:  # noqa: BLE001 - a graph that failed may refuse to close; it is dropped either way.
            pass


class _Pipeline:
    """Both stages for one caller at a time."""

    def __init__(self) -> None:
        self.detection = _Graph(_DETECTION_GRAPH, {"detections": "detections"})
        self.landmarks = _Graph(_LANDMARK_GRAPH, {"landmarks": "landmarks", "mask": "mask"})

    def close(self) -> None:
        self.detection.close()
        self.landmarks.close()


class PersonDetector:
    """A pool of `workers` pipelines, so that concurrent requests run in parallel without sharing a graph."""

    def __init__(self, workers: int = 1, min_score: float = 0.5, max_people: int = 10) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        _use_package_resources()
        self.min_score = min_score
        self.max_people = max_people
        self._pool: queue.Queue[_Pipeline] = queue.Queue()
        for _ in range(workers):
            self._pool.put(_Pipeline())

    def detect(self, rgb: np.ndarray) -> list[PersonDetection]:
        """People in an RGB picture (H x W x 3, uint8), best first."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an H x W x 3 uint8 picture, got {rgb.shape} {rgb.dtype}")
        pipeline = self._pool.get()
        try:
            return self._detect(pipeline, np.ascontiguousarray(rgb))
        except Exception as error:
            # A graph is in an unknown state after a failure: replace the pipeline before lending it again.
            pipeline.close()
            pipeline = _Pipeline()
            raise DetectorError(str(error)) from error
        finally:
            self._pool.put(pipeline)

    def _detect(self, pipeline: _Pipeline, rgb: np.ndarray) -> list[PersonDetection]:
        height, width = rgb.shape[0], rgb.shape[1]
        frame = packet_creator.create_image_frame(image_format=image_frame.ImageFormat.SRGB, data=rgb)
        raw = pipeline.detection.run({"image": frame}).get("detections", [])
        candidates = []
        for detection in raw:
            score = float(detection.score[0]) if len(detection.score) else 0.0
            alignment = _Alignment.of(detection, width, height)
            if score >= self.min_score and alignment is not None:
                candidates.append((score, alignment))
        candidates.sort(key=lambda c: c[0], reverse=True)
        found = []
        for score, alignment in candidates[: self.max_people]:
            roi = packet_creator.create_proto(alignment.roi(width, height))
            outputs = pipeline.landmarks.run({"image": frame, "roi": roi})
            if "landmarks" not in outputs:
                continue  # the landmark model found no person in the region
            mask = outputs.get("mask")
            box = mask_box(mask) if isinstance(mask, np.ndarray) else None
            box = box or alignment.clipped_box(width, height)
            if box is not None:
                found.append(PersonDetection(score, *box))
        return found

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return
