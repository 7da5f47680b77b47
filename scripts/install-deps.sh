#!/bin/sh
# Installs the Debian packages livecomply needs to build, run and test,
# only when one is missing.  Run as root (or with sudo) on Debian 12.
set -eu
PKGS="build-essential cmake ninja-build pkg-config libmicrohttpd-dev libjansson-dev
libsodium-dev libsqlite3-dev libcmocka-dev python3 curl nginx libnginx-mod-rtmp ffmpeg wrk"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# policy-rc.d-style environments refuse to start the system nginx; that is fine:
# livecomply's tests start their own nginx on loopback.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
