/* session.h - one peer link's protocol as a pure state machine
 * (specs/wire.md §2-§3): the handshake, its keys and the encrypted
 * frames. Bytes in, bytes and frames out; no I/O, no clock, no globals,
 * so that it can be unit-tested and fuzzed without sockets. The libuv
 * glue is p2p/p2p.c. */
#ifndef ACCORD_P2P_SESSION_H
#define ACCORD_P2P_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

/* §2: fixed sizes of the four handshake messages. */
#define P2P_MAGIC "ACRD"
#define P2P_VERSION 1u
#define P2P_X25519_BYTES 32u
#define P2P_AEAD_TAG_BYTES 16u	    /* ChaCha20-Poly1305 (IETF) tag */
#define P2P_STREAM_HEADER_BYTES 24u /* secretstream header */
#define P2P_HELLO_BYTES (4u + 1u + P2P_X25519_BYTES)	/* 37 */
#define P2P_AUTH_PLAIN_BYTES (PUBKEY_BYTES + SIG_BYTES) /* 96 */
#define P2P_MSG1_BYTES P2P_HELLO_BYTES			/* 37 */
#define P2P_MSG2_BYTES                                                       \
	(P2P_HELLO_BYTES + P2P_AUTH_PLAIN_BYTES + P2P_AEAD_TAG_BYTES) /* 149 \
								       */
#define P2P_MSG3_BYTES                                    \
	(P2P_AUTH_PLAIN_BYTES + P2P_STREAM_HEADER_BYTES + \
	 P2P_AEAD_TAG_BYTES)					      /* 136 */
#define P2P_MSG4_BYTES (P2P_STREAM_HEADER_BYTES + P2P_AEAD_TAG_BYTES) /* 40 */
#define P2P_HS_MSG_BYTES_MAX P2P_MSG2_BYTES

/* §3: a frame is len u32 ‖ secretstream(type u8 ‖ body). */
#define P2P_STREAM_ABYTES 17u /* secretstream: tag byte + 16-byte MAC */
#define P2P_FRAME_LEN_BYTES 4u
#define P2P_FRAME_OVERHEAD (P2P_FRAME_LEN_BYTES + P2P_STREAM_ABYTES + 1u)

enum p2p_role {
	P2P_ROLE_INITIATOR = 1, /* dialled: sends message 1 */
	P2P_ROLE_RESPONDER = 2, /* accepted */
};

/* §3: the type byte of a frame's plaintext. */
enum p2p_frame_type {
	P2P_FRAME_MSG = 1,  /* an opaque message for the node */
	P2P_FRAME_PING = 2, /* empty body; answered by a pong */
	P2P_FRAME_PONG = 3, /* empty body */
};

enum p2p_session_state {
	P2P_S_WAIT_MSG1 = 1, /* responder */
	P2P_S_WAIT_MSG2,     /* initiator, after p2p_session_start */
	P2P_S_WAIT_MSG3,     /* responder */
	P2P_S_WAIT_MSG4,     /* initiator */
	P2P_S_OPEN,	     /* frames both ways */
	P2P_S_FAILED,	     /* every later call fails */
};

/*
 * What the session asks of its owner. Each callback returns 0 to go on or
 * a negative code: the session then fails with that code (the owner
 * closes the connection). The callbacks may not free the session.
 */
struct p2p_session_cb {
	/* Handshake bytes for the peer, in order (copy them; p is valid
	 * only for the call). Frames are not sent through here: the owner
	 * makes them with p2p_session_seal. */
	int (*send)(void *ctx, const uint8_t *p, size_t n);
	/* The peer proved it holds the key pk (§2). 0 to let it in, or the
	 * reason to refuse it (ACC_EUNKNOWNKEY, ACC_EDUP, ACC_EMISMATCH). */
	int (*authorize)(void *ctx, const uint8_t pk[PUBKEY_BYTES]);
	/* The handshake is complete: frames may flow both ways. */
	int (*open)(void *ctx);
	/* One authenticated frame of a known type; body is valid only for
	 * the call. */
	int (*frame)(void *ctx, enum p2p_frame_type type, const uint8_t *body,
		     size_t n);
	void *ctx;
};

struct p2p_session_cfg {
	enum p2p_role role;
	const struct key *key; /* our identity; borrowed for the lifetime */
	const char *chain_id;  /* copied; at most CHAIN_ID_BYTES_MAX */
	size_t frame_max;      /* largest body accepted (> 0) */
	/* Test vectors only (specs/wire.md §7): the ephemeral X25519 secret
	 * and our secretstream header, instead of fresh random ones. NULL in
	 * every real use. */
	const uint8_t *test_ephemeral_sk;  /* P2P_X25519_BYTES */
	const uint8_t *test_stream_header; /* P2P_STREAM_HEADER_BYTES */
};

/* Opaque libsodium states, sized and checked in session.c. */
struct p2p_stream_state {
	_Alignas(16) uint8_t opaque[52];
};

/* One side of one link. Lives inline in its owner; holds secrets, so it
 * must be ended with p2p_session_free (which wipes it). */
struct p2p_session {
	enum p2p_role role;
	enum p2p_session_state state;
	const struct key *key;
	char chain_id[CHAIN_ID_BYTES_MAX + 1];
	size_t frame_max;
	/* §2 handshake material. */
	uint8_t e_sk[P2P_X25519_BYTES], e_pk[P2P_X25519_BYTES];
	uint8_t e_peer[P2P_X25519_BYTES];
	uint8_t transcript[HASH_BYTES];
	uint8_t k_hs_send[32], k_hs_recv[32];
	uint8_t k_st_send[32], k_st_recv[32];
	uint8_t header_send[P2P_STREAM_HEADER_BYTES];
	bool test_header;
	uint8_t peer_pk[PUBKEY_BYTES];
	struct p2p_stream_state push, pull;
	/* Input reassembly: a handshake message, or a frame's length then
	 * its ciphertext (allocated once the length passed its bound). */
	uint8_t hs_buf[P2P_HS_MSG_BYTES_MAX];
	size_t hs_have;
	uint8_t len_buf[P2P_FRAME_LEN_BYTES];
	size_t len_have;
	uint8_t *frame; /* owned; frame_len bytes */
	size_t frame_len, frame_have;
	struct acc_err err; /* why the session failed */
};

/* 0, ACC_EINVAL (bad config), ACC_ECRYPTO (a test ephemeral key that
 * is not usable). */
int p2p_session_init(struct p2p_session *s, const struct p2p_session_cfg *cfg);

/* Wipe the secrets and free the frame buffer. Safe twice. */
void p2p_session_free(struct p2p_session *s);

/* The initiator's first move: message 1 goes out through cb->send. 0 or
 * the code of a failing callback. */
int p2p_session_start(struct p2p_session *s, const struct p2p_session_cb *cb);

/*
 * Feed n received bytes (any split). Handshake replies go out through
 * cb->send, frames come out through cb->frame, in order. Returns 0, or
 * the reason the link must be closed: ACC_EDECODE (not the protocol,
 * wrong version, unknown frame type or tag), ACC_EBADSIG (a signature or
 * an AEAD tag that does not verify: wrong keys, different chain id,
 * replay, tampering), ACC_ETOOBIG (a frame longer than frame_max allows),
 * ACC_ENOMEM, ACC_ESTATE (fed after failing) or a callback's code. After
 * an error every call fails; s->err.msg says why.
 */
int p2p_session_read(struct p2p_session *s, const uint8_t *p, size_t n,
		     const struct p2p_session_cb *cb);

/* Bytes of the frame carrying a body of n bytes. */
size_t p2p_session_frame_bytes(size_t n);

/* Encrypt one frame into out (p2p_session_frame_bytes(n) bytes). The
 * session must be open and n <= frame_max (asserted: the caller checks). */
void p2p_session_seal(struct p2p_session *s, enum p2p_frame_type type,
		      const uint8_t *body, size_t n, uint8_t *out);

/* The peer's authenticated key (valid once authorize was called). */
const uint8_t *p2p_session_peer(const struct p2p_session *s);

#endif
