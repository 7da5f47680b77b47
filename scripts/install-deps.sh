#!/bin/sh
# Installs the Debian packages livecomply needs to build, run and test,
# only when one is missing.  Run as root (or with sudo) on Debian 12.
set -eu
PKGS="build-essential cmake ninja-build pkg-config libmicrohttpd-dev libjansson-dev
libsodium-dev libssl-dev openssl libsqlite3-dev libcmocka-dev python3 curl nginx libnginx-mod-rtmp ffmpeg wrk
libvectorscan-dev libutf8proc-dev opencc clang-14 libclang-rt-14-dev
golang-go golang-golang-x-mod-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# Installing nginx would start the system nginx on port 80 (and fail the
# install where that port is taken).  livecomply's tests start their own
# nginx on loopback, so services are kept from starting during this install
# with a temporary policy-rc.d (unless the machine already has one).
POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  ADDED_POLICY=1
fi
trap '[ -n "$ADDED_POLICY" ] && $SUDO rm -f "$POLICY"' EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
