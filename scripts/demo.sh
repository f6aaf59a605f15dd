#!/bin/sh
# demo.sh - what `make demo` runs after building: a fresh devnet of NODES
# validators (default 4) in ./devnet, every one a real accordd process; the
# demo scenario (every entry kind) submitted to the nodes in turn; then,
# once every node has the same head, an audit of the chain from the genesis
# file alone against EVERY node over HTTP, the same log root everywhere,
# the compliance table, and offline audits of a copy of every node's data
# directory. The devnet is stopped on exit. Exit status non-zero if any
# step fails.
# Env: BUILD (build directory), NODES (validators, default 4),
# DEMO_HTTP_PORT (default 8700: node i on 8700+i, p2p on 8800+i).
set -eu
BUILD=${BUILD:-build}
ACCORD=$BUILD/bin/accord
DIR=devnet
PORT=${DEMO_HTTP_PORT:-8700}
NODES=${NODES:-4}

for b in "$ACCORD" "$BUILD/bin/accordd"; do
	[ -x "$b" ] || { echo "demo: $b is not built (run make)"; exit 1; }
done
command -v jq >/dev/null || { echo "demo: jq is needed (make deps)"; exit 1; }

stop() { "$ACCORD" devnet stop --dir "$DIR" >/dev/null 2>&1 || true; }
trap stop EXIT
trap 'exit 130' INT TERM

urls() { # the HTTP URL of every node, comma-separated
	i=0; out=""
	while [ $i -lt "$NODES" ]; do
		out="$out${out:+,}http://127.0.0.1:$((PORT + i))"
		i=$((i + 1))
	done
	echo "$out"
}

fresh() { # a fresh devnet every run: stop a previous one, then remove it
	if [ -d "$DIR" ]; then
		stop
		rm -rf "$DIR"
	fi
	echo "== accord devnet init --dir $DIR --nodes $NODES --http-port $PORT"
	"$ACCORD" devnet init --dir "$DIR" --nodes "$NODES" --http-port "$PORT"
}

fresh
echo "== accord devnet start --dir $DIR --detach"
"$ACCORD" devnet start --dir "$DIR" --detach
URLS=$(urls)
URL=http://127.0.0.1:$PORT
echo "== accord demo --node $URLS --keys $DIR"
"$ACCORD" demo --node "$URLS" --keys "$DIR"

# Every node reaches the same head: wait (at most 30 s) until all of them
# show the same height, log size and root at once (an idle consortium
# may still make empty blocks, so the heads are read together and retried).
head_of() { curl -sf "$1/v1/status" | jq -r '"\(.height) \(.log_size) \(.log_root)"'; }
t=0
while :; do
	WANT=$(head_of "$URL" || echo "?")
	same=1
	SEEN=""
	for u in $(echo "$URLS" | tr , ' '); do
		got=$(head_of "$u" || echo "!")
		SEEN="$SEEN$u: $got
"
		[ "$got" = "$WANT" ] || same=0
	done
	[ $same -eq 0 ] || break
	t=$((t + 1))
	if [ $t -ge 300 ]; then
		for u in $(echo "$URLS" | tr , ' '); do echo "$u: $(head_of "$u" || echo "no answer")"; done
		echo "demo: the nodes did not reach one head in 30 s"
		exit 1
	fi
	sleep 0.1
done
echo "== the same head on every node (height, log size, root)"
printf '%s' "$SEEN"

echo "== accord get block latest --node $URL"
"$ACCORD" get block latest --node "$URL"
echo "== accord proof inclusion --node $URL --index 0"
"$ACCORD" proof inclusion --node "$URL" --index 0
for u in $(echo "$URLS" | tr , ' '); do
	echo "== accord audit --genesis $DIR/genesis.json --node $u"
	"$ACCORD" audit --genesis "$DIR/genesis.json" --node "$u"
done
echo "== accord compliance --node $URL"
"$ACCORD" compliance --node "$URL"
echo "== accord devnet stop --dir $DIR"
"$ACCORD" devnet stop --dir "$DIR"
# The offline audits read copies, as a public auditor would receive them.
i=0
while [ $i -lt "$NODES" ]; do
	rm -rf "$DIR/data-copy$i"
	cp -r "$DIR/node$i/data" "$DIR/data-copy$i"
	echo "== accord audit --genesis $DIR/genesis.json --data $DIR/data-copy$i"
	"$ACCORD" audit --genesis "$DIR/genesis.json" --data "$DIR/data-copy$i"
	i=$((i + 1))
done
echo "== demo done: $NODES node(s), every entry committed, the same root $(echo "$WANT" | cut -d' ' -f3) on each, every audit passed"
