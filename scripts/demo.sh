#!/bin/sh
# demo.sh - what `make demo` runs after building: a fresh 1-node devnet in
# ./devnet, the demo scenario (every entry kind), then an audit of the chain
# from the genesis file alone, over HTTP and offline on a copy of the data
# directory. The devnet is stopped on exit. Exit status non-zero if any
# step fails. Env: BUILD (build directory), DEMO_HTTP_PORT (default 8700).
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
DIR=devnet
PORT=${DEMO_HTTP_PORT:-8700}
URL=http://127.0.0.1:$PORT

for b in "$ACCORD" "$BUILD/bin/accordd"; do
	[ -x "$b" ] || { echo "demo: $b is not built (run make)"; exit 1; }
done

stop() { "$ACCORD" devnet stop --dir "$DIR" >/dev/null 2>&1 || true; }
trap stop EXIT
trap 'exit 130' INT TERM

# A fresh devnet every run: stop a previous one, then remove it.
if [ -d "$DIR" ]; then
	stop
	rm -rf "$DIR"
fi

echo "== accord devnet init --dir $DIR --nodes 1 --http-port $PORT"
"$ACCORD" devnet init --dir "$DIR" --nodes 1 --http-port "$PORT"
echo "== accord devnet start --dir $DIR --detach"
"$ACCORD" devnet start --dir "$DIR" --detach
echo "== accord demo --node $URL --keys $DIR"
"$ACCORD" demo --node "$URL" --keys "$DIR"
echo "== accord get block latest --node $URL"
"$ACCORD" get block latest --node "$URL"
echo "== accord proof inclusion --node $URL --index 0"
"$ACCORD" proof inclusion --node "$URL" --index 0
echo "== accord audit --genesis $DIR/genesis.json --node $URL"
"$ACCORD" audit --genesis "$DIR/genesis.json" --node "$URL"
echo "== accord compliance --node $URL"
"$ACCORD" compliance --node "$URL"
echo "== accord devnet stop --dir $DIR"
"$ACCORD" devnet stop --dir "$DIR"
# The offline audit reads a copy, as a public auditor would receive it.
rm -rf "$DIR/data-copy"
cp -r "$DIR/node0/data" "$DIR/data-copy"
echo "== accord audit --genesis $DIR/genesis.json --data $DIR/data-copy"
"$ACCORD" audit --genesis "$DIR/genesis.json" --data "$DIR/data-copy"
echo "== demo done: every entry committed, both audits passed"
