/* p2p.h - authenticated, encrypted links between the nodes of one chain
 * (specs/wire.md §1-§4). It knows keys, connections and frames, and
 * nothing of consensus, entries or storage: a message is an opaque byte
 * string. Loop thread only: every call and every callback runs on the
 * libuv loop given to p2p_open. */
#ifndef ACCORD_P2P_P2P_H
#define ACCORD_P2P_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

#define P2P_HOST_BYTES_MAX 64u

/* One node this node may talk to, known by its Ed25519 key. Peers are
 * numbered by their position in p2p_config.peers; that number is what
 * the callbacks and p2p_send use. The list may hold our own key (the
 * whole validator set, say): that entry is never dialled nor accepted. */
struct p2p_peer_cfg {
	uint8_t pubkey[PUBKEY_BYTES];
	/* Where to dial it; port 0 = never dial it, only accept it (a
	 * follower, say, that dials us). When both sides can dial each
	 * other, only the side with the smaller public key (memcmp) dials,
	 * so that a pair holds one connection (specs/wire.md §4); the other
	 * side dials only after backoff_max_ms without a link. host is a
	 * numeric address or a name, NUL-terminated. */
	char host[P2P_HOST_BYTES_MAX];
	uint16_t port;
};

struct p2p_config {
	const char *chain_id;  /* bound into the handshake; copied */
	const struct key *key; /* our identity; borrowed for the lifetime */
	/* Listen address; NULL host = do not listen (a follower may only
	 * dial). Port 0 = any free port (p2p_listen_port says which). */
	const char *listen_host;
	uint16_t listen_port;
	const struct p2p_peer_cfg *peers; /* copied; at most PEERS_MAX */
	size_t n_peers;
	/* Bounds and timers; 0 = the defaults of specs/wire.md §5. */
	size_t frame_max;        /* largest message; default MSG_BYTES_MAX */
	size_t send_queue_max;   /* bytes queued per peer before p2p_send
				    refuses with ACC_EFULL */
	uint32_t keepalive_ms;   /* a ping after this long without sending */
	uint32_t idle_timeout_ms; /* drop a link silent this long */
	uint32_t handshake_timeout_ms;
	uint32_t backoff_min_ms, backoff_max_ms; /* reconnection, jittered */
	/* A whole message from an authenticated peer. msg is valid only for
	 * the call. */
	void (*on_message)(void *ctx, size_t peer, const uint8_t *msg,
			   size_t len);
	/* The link to peer came up (authenticated) or went down. */
	void (*on_peer)(void *ctx, size_t peer, bool up);
	void *ctx;
};

/* Counters of one peer, for /v1/status and /metrics. */
struct p2p_peer_info {
	bool connected;
	uint64_t last_seen_ms;   /* uv_now of the last frame received; 0 never */
	uint64_t connects;       /* successful handshakes so far */
	/* Node messages (bytes of their bodies): received; queued by
	 * p2p_send (msgs_out) and fully written (bytes_out). */
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	size_t queued_bytes;     /* waiting in the send queue */
	uint64_t refused_full;   /* p2p_send refusals with ACC_EFULL */
};

struct p2p_stats {
	uint64_t handshakes_failed; /* bad key, bad signature, unknown peer,
				       replay, timeout, garbage */
	uint64_t frames_bad;        /* authentication or size failures */
	/* Added with p2p/p2p.c: */
	uint64_t duplicates_refused; /* a second link for a connected peer
					(specs/wire.md §4) */
	uint64_t idle_drops;         /* links silent idle_timeout_ms */
};

struct p2p;

/* Start listening and dialling. 0, ACC_ECONFIG (bad address, too many
 * peers, a key listed twice, bounds that do not fit together), ACC_EIO
 * (cannot listen), ACC_ENOMEM. Host names are resolved once, here
 * (blocking). On an error some handles may still be closing: the loop
 * must run once more before uv_loop_close. */
int p2p_open(struct p2p **out, uv_loop_t *loop, const struct p2p_config *cfg,
	     struct acc_err *err);

/* Close every link and handle; done(ctx) runs once everything is closed
 * (from a close callback), after which p is freed. No on_peer or
 * on_message callback runs once p2p_close was called. */
void p2p_close(struct p2p *p, void (*done)(void *ctx), void *ctx);

/* Queue msg (copied) for peer. 0; ACC_ETOOBIG when len > frame_max;
 * ACC_ESTATE when the peer is not connected (or its link failed during
 * the call); ACC_EFULL when its send queue would pass send_queue_max
 * (nothing is queued: the caller decides whether to retry later);
 * ACC_ENOMEM. Never blocks. The queue counts whole frames (the message
 * plus 22 bytes, specs/wire.md §3). Messages to one peer arrive in order,
 * or the link goes down; nothing is resent on a new link. */
int p2p_send(struct p2p *p, size_t peer, const uint8_t *msg, size_t len);

/* The port actually bound (after a listen on port 0), or 0. */
uint16_t p2p_listen_port(const struct p2p *p);

void p2p_peer_info(const struct p2p *p, size_t peer, struct p2p_peer_info *out);
void p2p_stats_get(const struct p2p *p, struct p2p_stats *out);

#endif
