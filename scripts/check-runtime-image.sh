#!/usr/bin/env bash
# Checks the runtime stage of the root Dockerfile without a Docker engine: builds the same Debian bookworm userland
# with debootstrap (minbase, what debian:bookworm-slim is made of), installs the Dockerfile's RUNTIME_PACKAGES with the
# same apt-get command, copies in the release kithost, the plugin .so files and the Swift runtime libraries they link
# (found with ldd, as the Dockerfile's build stage does), then in a chroot checks that
#   - ldd resolves every library of kithost and of each plugin,
#   - no -dev package or Swift toolchain is in the image,
#   - `kithost --help` runs, and `kithost run --print-config` reads a configuration from KIT_* variables,
#   - `kithost plugins check /opt/kit/plugins` loads every plugin (once that subcommand exists).
#
# Usage: scripts/check-runtime-image.sh [--no-build]
#   --no-build   use the release build already in .build/release instead of running `swift build -c release`
# Environment: ROOTFS_CACHE (default .build-rootfs, gitignored), MIRROR (default http://deb.debian.org/debian).
# Needs root (debootstrap, chroot, mount). Slow the first time (debootstrap); the bookworm base and the layer with the
# runtime packages are cached under ROOTFS_CACHE and rebuilt only when RUNTIME_PACKAGES changes.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=1
for argument in "$@"; do
  case "$argument" in
    --no-build) BUILD=0 ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "check-runtime-image: needs root (debootstrap, chroot)" >&2; exit 2; }

CACHE=${ROOTFS_CACHE:-.build-rootfs}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
step() { printf '\n== %s\n' "$*"; }
fail() { echo "check-runtime-image: FAILED: $*" >&2; exit 1; }

# The package list comes from the Dockerfile itself, so the check cannot drift from the image.
RUNTIME_PACKAGES=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' Dockerfile)
[ -n "$RUNTIME_PACKAGES" ] || fail "no ARG RUNTIME_PACKAGES=\"...\" line in Dockerfile"
echo "runtime packages (from Dockerfile): $RUNTIME_PACKAGES"

for tool in debootstrap chroot ldd; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    step "installing $tool"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  fi
done

# --- 1. the cached userland: debootstrap minbase, then the Dockerfile's apt-get line -------------------------------
mkdir -p "$CACHE"
BASE="$CACHE/$SUITE-minbase"
if [ ! -f "$BASE/.complete" ]; then
  step "debootstrap --variant=minbase $SUITE (cached in $BASE)"
  rm -rf "$BASE"
  debootstrap --variant=minbase "$SUITE" "$BASE" "$MIRROR"
  touch "$BASE/.complete"
fi

key=$(printf '%s\n' "$RUNTIME_PACKAGES" | sha256sum | cut -c1-16)
LAYER="$CACHE/$SUITE-runtime-$key"
MOUNTS=()
cleanup() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount_into() { # mount_into ROOT: /proc and /dev, as a container has them
  mount -t proc proc "$1/proc" && MOUNTS+=("$1/proc") || echo "(could not mount /proc in $1; continuing)"
  mount --bind /dev "$1/dev" && MOUNTS+=("$1/dev") || echo "(could not bind /dev in $1; continuing)"
}
unmount_all() { cleanup; MOUNTS=(); }

if [ ! -f "$LAYER/.complete" ]; then
  step "runtime layer: apt-get install --no-install-recommends $RUNTIME_PACKAGES (cached in $LAYER)"
  rm -rf "$LAYER"
  cp -a "$BASE" "$LAYER"
  rm -f "$LAYER/.complete"
  cat > "$LAYER/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
SOURCES
  cp /etc/resolv.conf "$LAYER/etc/resolv.conf" 2>/dev/null || true
  mount_into "$LAYER"
  # The Dockerfile's runtime RUN line, word for word.
  chroot "$LAYER" /bin/sh -c "apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $RUNTIME_PACKAGES \
 && rm -rf /var/lib/apt/lists/*"
  # The official debian images drop downloaded .deb files after each install (their docker-clean apt hook).
  chroot "$LAYER" apt-get clean
  unmount_all
  touch "$LAYER/.complete"
fi

# --- 2. the release build ---------------------------------------------------------------------------------------------
if [ "$BUILD" -eq 1 ]; then
  step "swift build -c release (kithost and the plugin products)"
  swift build -c release --product kithost
  scripts/build-plugins.sh .build/release-plugins .build
fi
BIN=$(swift build -c release --show-bin-path)
[ -x "$BIN/kithost" ] || fail "no $BIN/kithost: run without --no-build"
shopt -s nullglob
PLUGINS=(.build/release-plugins/lib*.so)
shopt -u nullglob
echo "kithost: $BIN/kithost; plugins: ${PLUGINS[*]:-(none)}"

# --- 3. a fresh root with the binaries, as the Dockerfile's COPY --from=build does --------------------------------
ROOT="$CACHE/check"
step "assembling $ROOT"
rm -rf "$ROOT"
cp -a "$LAYER" "$ROOT"
rm -f "$ROOT/.complete"
install -d -m 0755 "$ROOT/usr/local/bin" "$ROOT/opt/kit/plugins" "$ROOT/usr/lib/swift/linux" "$ROOT/etc/ld.so.conf.d"
install -m 0755 "$BIN/kithost" "$ROOT/usr/local/bin/kithost"
for plugin in "${PLUGINS[@]}"; do install -m 0644 "$plugin" "$ROOT/opt/kit/plugins/"; done
# Swift runtime: the toolchain libraries that ldd resolves for the binaries on this machine.
ldd "$BIN/kithost" "${PLUGINS[@]}" | awk '$2 == "=>" && $3 ~ /\/lib\/swift\/linux\// {print $3}' | sort -u > "$CACHE/swift-runtime.txt"
[ -s "$CACHE/swift-runtime.txt" ] || fail "ldd found no Swift runtime library for kithost"
xargs -r -I{} cp -L {} "$ROOT/usr/lib/swift/linux/" < "$CACHE/swift-runtime.txt"
echo /usr/lib/swift/linux > "$ROOT/etc/ld.so.conf.d/swift.conf"
# The runtime's crash backtracer, as the Dockerfile stages it (statically linked, so nothing for ldd to check).
toolchain_lib=$(dirname "$(head -1 "$CACHE/swift-runtime.txt")")
backtracer="$toolchain_lib/../../../libexec/swift/linux/swift-backtrace-static"
if [ -x "$backtracer" ]; then
  install -d "$ROOT/usr/libexec/swift/linux"
  install -m 0755 "$backtracer" "$ROOT/usr/libexec/swift/linux/swift-backtrace"
else
  echo "(no swift-backtrace-static beside the toolchain: crash backtraces would be missing)"
fi
chroot "$ROOT" ldconfig
echo "Swift runtime copied: $(xargs -n1 basename < "$CACHE/swift-runtime.txt" | tr '\n' ' ')"

mount_into "$ROOT"
status=0

step "ldd in the image"
IMAGE_FILES=(/usr/local/bin/kithost)
for plugin in "${PLUGINS[@]}"; do IMAGE_FILES+=("/opt/kit/plugins/$(basename "$plugin")"); done
for file in "${IMAGE_FILES[@]}"; do
  out=$(chroot "$ROOT" ldd "$file" 2>&1) || { echo "$out"; fail "ldd $file failed"; }
  if grep -q "not found" <<<"$out"; then
    echo "$out" | grep "not found"
    echo "  $file: UNRESOLVED libraries"; status=1
  else
    echo "  $file: $(grep -c '=>' <<<"$out") libraries, all resolved"
  fi
done

step "no build tools in the image"
dev=$(chroot "$ROOT" dpkg-query -W -f='${Package}\n' | grep -E -- '-dev$' || true)
if [ -n "$dev" ]; then echo "  -dev packages present: $dev"; status=1; else echo "  no -dev package"; fi
if chroot "$ROOT" sh -c 'command -v swift swiftc clang gcc' >/dev/null 2>&1; then echo "  a compiler is present"; status=1
else echo "  no compiler"; fi

step "kithost --help (as the image's non-root user would run it)"
if chroot --userspec=65534:65534 "$ROOT" /usr/local/bin/kithost --help > "$CACHE/help.txt" 2>&1; then
  sed 's/^/  | /' "$CACHE/help.txt" | head -20
else
  sed 's/^/  | /' "$CACHE/help.txt"; echo "  kithost --help failed"; status=1
fi

step "kithost run --print-config (the image's entry point, reading KIT_* variables as the stack sets them)"
if chroot --userspec=65534:65534 "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp \
    KIT_STREAM_NAMES=front,back KIT_SAGE_MAKER_ENDPOINT=check KIT_REGION=us-east-1 KIT_LEASE_STORE=dynamodb:check \
    KIT_PLUGIN_DIR=/opt/kit/plugins /usr/local/bin/kithost run --print-config > "$CACHE/config.json" 2>&1 \
  && grep -q '"streamNames":\["front","back"\]' "$CACHE/config.json"; then
  echo "  configuration read: $(head -c 160 "$CACHE/config.json")..."
else
  sed 's/^/  | /' "$CACHE/config.json"; echo "  kithost run --print-config failed"; status=1
fi

step "plugins"
if [ ${#PLUGINS[@]} -eq 0 ]; then
  echo "  no plugin .so in $BIN (the plugins have not landed yet)"
elif grep -qE '^[[:space:]]+plugins([[:space:]]|$)' "$CACHE/help.txt"; then
  # S3Archive needs a destination to be created; a local directory keeps the check off the network. The environment
  # is emptied but for static dummy credentials, so no credential provider looks for an instance or container role.
  install -d -m 0777 "$ROOT/tmp/kit-check"
  printf '{"destination": "file:///tmp/kit-check/archive/"}\n' > "$ROOT/tmp/kit-check/s3archive.json"
  if chroot --userspec=65534:65534 "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp \
      AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=check AWS_SECRET_ACCESS_KEY=check AWS_REGION=us-east-1 \
      /usr/local/bin/kithost plugins check /opt/kit/plugins --config S3Archive=/tmp/kit-check/s3archive.json; then
    echo "  every plugin loads"
  else
    echo "  kithost plugins check refused a plugin"; status=1
  fi
else
  echo "  kithost has no 'plugins check' subcommand yet: skipped loading ${PLUGINS[*]##*/} (ldd above resolves them)"
fi

step "size"
# -x: stay on the root's own file system (not the /proc and /dev mounted into it).
echo "  root filesystem: $(du -shx "$ROOT" 2>/dev/null | cut -f1 || true)"
echo "  of which Swift runtime: $(du -shx "$ROOT/usr/lib/swift/linux" | cut -f1), kithost: $(du -shx "$ROOT/usr/local/bin/kithost" | cut -f1), plugins: $(du -shx "$ROOT/opt/kit/plugins" | cut -f1)"
echo "  of which the bookworm minbase: $(du -shx "$BASE" 2>/dev/null | cut -f1 || true)"

if [ "$status" -ne 0 ]; then fail "see above"; fi
echo
echo "check-runtime-image: OK: the runtime stage runs kithost with only: $RUNTIME_PACKAGES"
