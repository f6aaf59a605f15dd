#!/bin/sh
# deps.sh - install the Debian packages accord builds and tests with.
# (python3-nacl: the peer handshake client of the fault tests,
# tests/integration/p2pclient.py; prometheus for its promtool,
# tests/integration/metrics.sh, about 19 MB to download and 96 MB installed
# without recommends; python3-jsonschema and python3-yaml for
# tests/integration/openapi.sh: Debian 12 has no
# python3-openapi-spec-validator, so the test uses it when installed and
# else checks the description's structure itself.) With --check, only
# report (exit 1) whether any is missing. With --bench,
# also the packages only `make bench` needs (etcd-server: the 3-member etcd
# cluster the consortium section compares accord with), so that `make test`
# and CI do not install them. Both flags may be given.
set -eu
PKGS="build-essential clang libclang-rt-14-dev libsodium-dev liblmdb-dev lmdb-utils libuv1-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev curl jq python3 python3-nacl python3-jsonschema python3-yaml prometheus"
BENCH_PKGS="etcd-server"
check=0
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	--bench) PKGS="$PKGS $BENCH_PKGS" ;;
	*) echo "usage: scripts/deps.sh [--check] [--bench]" >&2; exit 2 ;;
	esac
done
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ $check -eq 1 ]; then
	echo "missing:$missing"
	exit 1
fi
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || true
$SUDO apt-get install -y -q --no-install-recommends $missing
