#!/usr/bin/env bash
# Install what the aarch64 and armhf cross builds need, from Debian 12's packages
# only (idempotent; root or sudo):
#  - on the host: the cross compilers, qemu-user, and the host tools and
#    header-only libraries the build uses (flatc, flatbuffers, doctest, CLI11,
#    Eigen, nlohmann-json);
#  - for each target: sqlite3, libsodium, cpp-httplib (with OpenSSL, brotli,
#    zlib) and GoogleTest/GoogleMock. Multiarch is enabled (dpkg --add-architecture)
#    so that apt can fetch the target packages, but they are unpacked into a
#    private sysroot, /opt/fraudscore-cross/<triplet> (FRAUDSCORE_CROSS_SYSROOT_BASE
#    overrides /opt/fraudscore-cross), instead of being installed with dpkg:
#    Multi-Arch: same packages must carry the same version for every
#    architecture, so a dpkg install would have to up- or downgrade the amd64
#    libraries (libssl3, libbrotli1, linux-libc-dev, ...) whenever the mirror's
#    foreign indexes lag the amd64 ones. The sysroot never touches dpkg's state
#    for amd64. The target's libc/libstdc++ come from the cross toolchain.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
# sudo's env_reset drops DEBIAN_FRONTEND from the environment: pass it on sudo's command line.
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo DEBIAN_FRONTEND=noninteractive"; fi
BASE="${FRAUDSCORE_CROSS_SYSROOT_BASE:-/opt/fraudscore-cross}"

declare -A TRIPLET=([arm64]=aarch64-linux-gnu [armhf]=arm-linux-gnueabihf)
ARCHES=(arm64 armhf)
if [ $# -gt 0 ]; then ARCHES=("$@"); fi   # e.g. install-cross-deps.sh arm64
HOST_PACKAGES=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user cmake flatbuffers-compiler
  libflatbuffers-dev doctest-dev libcli11-dev libeigen3-dev nlohmann-json3-dev)
# Target libraries and everything they need besides libc/libstdc++/libgcc.
TARGET_PACKAGES=(libsqlite3-0 libsqlite3-dev libsodium23 libsodium-dev
  libcpp-httplib0.11 libcpp-httplib-dev libssl3 libssl-dev libbrotli1 libbrotli-dev zlib1g zlib1g-dev
  libgtest-dev libgmock-dev)
STAMP_CONTENT="fraudscore-cross-sysroot v2: ${TARGET_PACKAGES[*]}"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${HOST_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing (host): ${missing[*]}"
  $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600 || echo "install-cross-deps: apt-get update reported errors; going on" >&2
  $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi

for arch in "${ARCHES[@]}"; do
  triplet="${TRIPLET[$arch]:?unknown architecture $arch (arm64 or armhf)}"
  sysroot="$BASE/$triplet"
  if [ -f "$sysroot/.stamp" ] && [ "$(cat "$sysroot/.stamp")" = "$STAMP_CONTENT" ]; then continue; fi
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    echo "enabling multiarch: $arch"
    $SUDO dpkg --add-architecture "$arch"
  fi
  if ! apt-cache show "libsqlite3-dev:$arch" >/dev/null 2>&1; then
    # A stale foreign index on the mirror (seen: bookworm-security armhf) makes
    # apt-get update fail as a whole; the packages from bookworm main suffice.
    $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600 || echo "install-cross-deps: apt-get update reported errors; going on" >&2
  fi
  echo "unpacking the $arch target libraries into $sysroot"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "${TARGET_PACKAGES[@]/%/:$arch}")
  $SUDO rm -rf "$sysroot.new"
  $SUDO mkdir -p "$sysroot.new"
  for deb in "$work"/*.deb; do $SUDO dpkg-deb -x "$deb" "$sysroot.new"; done
  # Absolute symlinks (e.g. /usr/lib/<triplet>/libz.so -> /lib/<triplet>/libz.so.1)
  # must point inside the sysroot.
  while IFS= read -r link; do
    target="$(readlink "$link")"
    case "$target" in
      /*) $SUDO ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$sysroot.new$target")" "$link" ;;
    esac
  done < <(find "$sysroot.new" -type l)
  # Merged /usr: the packages still ship some libraries under /lib.
  if [ -d "$sysroot.new/lib/$triplet" ]; then
    $SUDO cp -a "$sysroot.new/lib/$triplet/." "$sysroot.new/usr/lib/$triplet/"
  fi
  # Header-only host libraries (and their relocatable CMake configs) are made
  # visible inside the sysroot, so that the cross build never has to search the
  # host's /usr/include (whose glibc headers are x86-64's).
  for h in flatbuffers doctest eigen3 nlohmann CLI; do
    if [ -e "/usr/include/$h" ]; then $SUDO ln -sfn "/usr/include/$h" "$sysroot.new/usr/include/$h"; fi
  done
  for c in /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json /usr/share/eigen3/cmake; do
    if [ -d "$c" ]; then $SUDO mkdir -p "$sysroot.new$(dirname "$c")"; $SUDO cp -a "$c" "$sysroot.new$c"; fi
  done
  echo "$STAMP_CONTENT" | $SUDO tee "$sysroot.new/.stamp" >/dev/null
  $SUDO rm -rf "$sysroot"
  $SUDO mv "$sysroot.new" "$sysroot"
  rm -rf "$work"
  trap - EXIT
done
