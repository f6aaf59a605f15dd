#!/bin/sh
# deps.sh - install the Debian packages accord builds and tests with.
# With --check, only report (exit 1) whether any is missing.
# prometheus is there for its promtool (tests/integration/metrics.sh; about
# 19 MB to download, 96 MB installed, without recommends); python3-jsonschema
# and python3-yaml for tests/integration/openapi.sh (Debian 12 has no
# python3-openapi-spec-validator: the test uses it when installed, else
# checks the description's structure itself).
set -eu
PKGS="build-essential clang libclang-rt-14-dev libsodium-dev liblmdb-dev lmdb-utils libuv1-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev curl jq python3 python3-jsonschema python3-yaml prometheus"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing:$missing"
	exit 1
fi
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || true
$SUDO apt-get install -y -q --no-install-recommends $missing
