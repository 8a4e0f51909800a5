#!/bin/sh
# Install the Debian packages dangliang needs to build and test, if missing.
# As root it runs apt-get; otherwise it prints the exact command and fails,
# so `make demo` / `make check` never half-work on a fresh machine.
set -eu
PKGS="build-essential pkg-config libglib2.0-dev libjansson-dev libcriterion-dev zlib1g-dev libxlsxwriter-dev python3 clang libomp-dev groff-base libopenmpi-dev openmpi-bin"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "dangliang needs these Debian packages:$missing" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends $missing >&2
