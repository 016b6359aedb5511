# The two commands: `make demo` (the main job) and `make test` (the whole suite).
SHELL := /bin/bash
SWIFT ?= swift
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup setup-model build test demo inspect-demo bench fuzz format check-image

setup:
	./scripts/setup.sh

# The model server's venv (.venv-model): mediapipe and its bundled person detector, for examples/model-server.
setup-model:
	./scripts/setup-model.sh

build: setup
	$(SWIFT) build

# At most TEST_WIDTH tests run at once: Swift Testing otherwise starts all of them together, and on 2 cores the
# CPU-heavy ones (decoding, subprocesses) starve the cooperative pool that the server and timing tests wait on.
TEST_WIDTH ?= 4

# Builds and runs every test. Fuzzing and benchmarks are separate targets.
test: setup setup-model
	$(SWIFT) build --build-tests
	KIT_VENV=$(CURDIR)/.venv SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) $(SWIFT) test --skip-build

# The main job: the whole system on loopback (local KVS, real-time streams, the person detector, kithost run with
# both plugins), live progress and a status page; DEMO_SECONDS=N bounds it, Ctrl-C stops it. Outputs in out/demo.
demo:
	./scripts/demo.sh

# Extract sampled key frames of a real GetMedia capture to out/frames.
CAPTURE ?= ../shared/testdata/kvs-getmedia/output_get_media.mkv
inspect-demo: setup
	$(SWIFT) build -c release --product kithost
	.build/release/kithost inspect $(CAPTURE) --extract out/frames --format jpeg --interval 1
	@echo "frames written to out/frames"

# Benchmarks are their own package (Benchmarks/Package.swift, depending on this one by path): the scripts build
# them in release into .build-bench, so neither `make build` nor `make test` compiles them.
bench: setup
	./scripts/bench.sh

FUZZ_SECONDS ?= 60
fuzz: setup
	./scripts/fuzz.sh $(FUZZ_SECONDS)

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Plugins Tests Benchmarks examples/plugin-example

# The Dockerfile's runtime stage without Docker: debootstrap'd bookworm + runtime packages, release kithost and
# plugins, ldd / --help / plugins check in a chroot (needs root; slow the first time, cached in .build-rootfs).
check-image:
	./scripts/check-runtime-image.sh
