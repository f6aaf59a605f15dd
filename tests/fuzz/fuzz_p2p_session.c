/* fuzz_p2p_session.c - untrusted bytes into the peer protocol
 * (p2p/session.c, specs/wire.md §2-§3): as the responder's first bytes,
 * as the initiator's answer, as frames on an open link, and as the
 * messages of a well-formed stream cut at arbitrary places (which must
 * arrive exactly). It must return an error or absorb the bytes, never
 * crash, never allocate past the frame bound. The first input byte
 * picks the mode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "p2p/session.h"

#define FRAME_MAX 4096u

struct sink {
	uint8_t out[1024]; /* handshake bytes sent */
	size_t out_len;
	size_t frames;
	const uint8_t *expect; /* mode 3: the messages, in order */
	size_t expect_left;
};

static int s_send(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *k = ctx;
	if (k->out_len + n > sizeof k->out)
		abort();
	memcpy(k->out + k->out_len, p, n);
	k->out_len += n;
	return 0;
}

static int s_authorize(void *ctx, const uint8_t pk[PUBKEY_BYTES])
{
	(void)ctx;
	(void)pk;
	return 0;
}

static int s_open(void *ctx)
{
	(void)ctx;
	return 0;
}

static int s_frame(void *ctx, enum p2p_frame_type type, const uint8_t *body,
		   size_t n)
{
	struct sink *k = ctx;
	if (n > FRAME_MAX)
		abort();
	k->frames++;
	if (k->expect != NULL) {
		/* Mode 3: each message is u8 len ‖ bytes of the input. */
		if (type != P2P_FRAME_MSG || k->expect_left < 1 ||
		    k->expect[0] != n || k->expect_left < 1 + (size_t)n ||
		    memcmp(k->expect + 1, body, n) != 0)
			abort();
		k->expect += 1 + n;
		k->expect_left -= 1 + n;
	}
	return 0;
}

static struct key key_i, key_r;

/* The seeds of specs/wire.md §7, so that its vectors are a corpus that
 * reaches every state. */
static void end_init(struct p2p_session *s, enum p2p_role role,
		     const struct key *k, uint8_t eph)
{
	uint8_t e[P2P_X25519_BYTES], h[P2P_STREAM_HEADER_BYTES];
	memset(e, eph, sizeof e);
	memset(h, role == P2P_ROLE_INITIATOR ? 0x49 : 0x52, sizeof h);
	struct p2p_session_cfg cfg = {0};
	cfg.role = role;
	cfg.key = k;
	cfg.chain_id = "accord-test";
	cfg.frame_max = FRAME_MAX;
	/* Fixed ephemeral keys: the fuzzer may then learn real handshake
	 * bytes from its corpus and reach the later states. */
	cfg.test_ephemeral_sk = e;
	cfg.test_stream_header = h;
	if (p2p_session_init(s, &cfg) != 0)
		abort();
}

/* An open pair, i ↔ r. */
static void pair_open(struct p2p_session *i, struct p2p_session *r)
{
	struct sink ki = {0}, kr = {0};
	struct p2p_session_cb ci = {s_send, s_authorize, s_open, s_frame, &ki};
	struct p2p_session_cb cr = {s_send, s_authorize, s_open, s_frame, &kr};
	end_init(i, P2P_ROLE_INITIATOR, &key_i, 0x41);
	end_init(r, P2P_ROLE_RESPONDER, &key_r, 0x42);
	if (p2p_session_start(i, &ci) != 0 ||
	    p2p_session_read(r, ki.out, P2P_MSG1_BYTES, &cr) != 0 ||
	    p2p_session_read(i, kr.out, P2P_MSG2_BYTES, &ci) != 0 ||
	    p2p_session_read(r, ki.out + P2P_MSG1_BYTES, P2P_MSG3_BYTES, &cr) !=
		0 ||
	    p2p_session_read(i, kr.out + P2P_MSG2_BYTES, P2P_MSG4_BYTES, &ci) !=
		0 ||
	    i->state != P2P_S_OPEN || r->state != P2P_S_OPEN)
		abort();
}

/* Feed in pieces whose sizes come from the input's own bytes. */
static int feed(struct p2p_session *s, const uint8_t *p, size_t n,
		struct p2p_session_cb *cb)
{
	size_t off = 0, k = 0;
	while (off < n) {
		size_t piece = 1 + (size_t)(p[k++ % n] % 97);
		if (piece > n - off)
			piece = n - off;
		int rc = p2p_session_read(s, p + off, piece, cb);
		if (rc != 0)
			return rc;
		off += piece;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct p2p_session i, r;
	struct sink k = {0};
	struct p2p_session_cb cb = {s_send, s_authorize, s_open, s_frame, &k};

	if (!ready) {
		uint8_t seed[SEED_BYTES];
		if (crypto_lib_init() != 0)
			abort();
		memset(seed, 0x04, sizeof seed);
		if (key_from_seed(&key_i, seed) != 0)
			abort();
		memset(seed, 0x05, sizeof seed);
		if (key_from_seed(&key_r, seed) != 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 4;
	data++;
	size--;

	switch (mode) {
	case 0: /* the responder's first bytes: a hello, then message 3 */
		end_init(&r, P2P_ROLE_RESPONDER, &key_r, 0x42);
		(void)feed(&r, data, size, &cb);
		p2p_session_free(&r);
		break;
	case 1: /* the initiator's answer: message 2, message 4, frames */
		end_init(&i, P2P_ROLE_INITIATOR, &key_i, 0x41);
		if (p2p_session_start(&i, &cb) != 0)
			abort();
		(void)feed(&i, data, size, &cb);
		p2p_session_free(&i);
		break;
	case 2: /* frames on an open link */
		pair_open(&i, &r);
		(void)feed(&r, data, size, &cb);
		p2p_session_free(&i);
		p2p_session_free(&r);
		break;
	default: { /* good frames, cut anywhere, arrive exactly */
		pair_open(&i, &r);
		size_t off = 0, total = 0, n_msgs = 0;
		while (off < size) {
			size_t n = data[off];
			if (n > size - off - 1)
				break;
			total += p2p_session_frame_bytes(n);
			off += 1 + n;
			n_msgs++;
		}
		uint8_t *stream = malloc(total > 0 ? total : 1);
		if (stream == NULL)
			abort();
		size_t at = 0;
		for (size_t o = 0, m = 0; m < n_msgs; m++) {
			size_t n = data[o];
			p2p_session_seal(&i, P2P_FRAME_MSG, data + o + 1, n,
					 stream + at);
			at += p2p_session_frame_bytes(n);
			o += 1 + n;
		}
		k.expect = data;
		k.expect_left = off;
		if (feed(&r, stream, total, &cb) != 0 || k.frames != n_msgs ||
		    k.expect_left != 0)
			abort();
		free(stream);
		p2p_session_free(&i);
		p2p_session_free(&r);
		break;
	}
	}
	return 0;
}
