# syntax=docker/dockerfile:1
# kithost, the KIT-Swift host daemon, with its bundled plugins.
#
#   docker build -t kit-swift .
#   docker run --rm kit-swift --help            # `kithost run --help`
#
# Two stages: the official Swift toolchain image builds the release binaries; a slim Debian bookworm runs them with
# only the runtime libraries. The Swift runtime is linked dynamically and its .so files are copied from the
# toolchain (not --static-swift-stdlib): the plugins are shared libraries dlopen()ed into kithost, and a plugin and
# the host must share one Swift runtime — a statically linked host would carry a second copy of it.
#
# This image build was not run where the project is developed (no Docker engine there); the runtime stage is
# checked instead by scripts/check-runtime-image.sh, which builds the same bookworm userland with debootstrap, installs
# RUNTIME_PACKAGES below with the same apt-get command, copies the binaries and the Swift runtime in the same way, and
# runs them in a chroot. Keep the two in step (the script reads RUNTIME_PACKAGES from this file).

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build ------------------------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libavcodec-dev libavutil-dev libswscale-dev libturbojpeg0-dev libcurl4-openssl-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that source edits reuse the resolved and fetched packages.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product kithost \
 && scripts/build-plugins.sh /src/plugins-out .build
# Stage what the runtime needs: the binary, the plugins, and exactly the Swift runtime libraries they link (ldd).
RUN set -eu; \
    bin=$(swift build -c release --show-bin-path); \
    mkdir -p /staging/usr/local/bin /staging/opt/kit/plugins /staging/usr/lib/swift/linux /staging/etc/ld.so.conf.d; \
    cp "$bin/kithost" /staging/usr/local/bin/; \
    cp /src/plugins-out/lib*.so /staging/opt/kit/plugins/; \
    chmod 0755 /staging/opt/kit/plugins; chmod 0644 /staging/opt/kit/plugins/*.so; \
    ldd /staging/usr/local/bin/kithost /staging/opt/kit/plugins/*.so \
      | awk '$2 == "=>" && $3 ~ /\/lib\/swift\/linux\// {print $3}' | sort -u \
      | xargs -r -I{} cp -L {} /staging/usr/lib/swift/linux/; \
    echo /usr/lib/swift/linux > /staging/etc/ld.so.conf.d/swift.conf; \
    # The crash backtracer the Swift runtime looks for beside itself (../../libexec/swift/linux); statically linked.
    mkdir -p /staging/usr/libexec/swift/linux; \
    cp /usr/libexec/swift/linux/swift-backtrace-static /staging/usr/libexec/swift/linux/swift-backtrace

# --- runtime ----------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
ARG RUNTIME_PACKAGES="libavcodec59 libswscale6 libavutil57 libturbojpeg0 libcurl4 libsqlite3-0 ca-certificates"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /staging/ /
RUN ldconfig \
 && useradd --system --uid 10001 --home-dir /var/lib/kit --create-home kit
# Smoke test of this stage: kithost starts and both plugins load (S3Archive given a local destination, no AWS).
RUN /usr/local/bin/kithost --help > /dev/null \
 && mkdir -p /tmp/kit-check \
 && echo '{"destination": "file:///tmp/kit-check/archive/"}' > /tmp/kit-check/s3archive.json \
 && AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=check AWS_SECRET_ACCESS_KEY=check AWS_REGION=us-east-1 \
    /usr/local/bin/kithost plugins check /opt/kit/plugins --config S3Archive=/tmp/kit-check/s3archive.json \
 && rm -rf /tmp/kit-check
USER kit
WORKDIR /var/lib/kit
ENV KIT_PLUGIN_DIR=/opt/kit/plugins
ENTRYPOINT ["/usr/local/bin/kithost", "run"]
