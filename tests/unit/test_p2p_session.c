/* test_p2p_session.c - the pure peer protocol (p2p/session.c) without
 * sockets: the test vectors of specs/wire.md §7, handshakes between two
 * sessions wired back to back, and every kind of bad input.
 *
 *   build/tests/test_p2p_session --print-vectors   prints §7's values */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "p2p/session.h"
#include "tests/test.h"

#define CHAIN "accord-test"

/* One end of an in-memory link: what it sent, what it received. */
struct end {
	struct p2p_session s;
	uint8_t out[4096]; /* handshake bytes sent, in order */
	size_t out_len;
	uint8_t pk_seen[PUBKEY_BYTES];
	int authorize_rc; /* what authorize answers */
	bool opened;
	size_t n_frames;
	enum p2p_frame_type last_type;
	uint8_t *last_body;
	size_t last_len;
	uint64_t body_sum; /* order check for runs of messages */
};

static int end_send(void *ctx, const uint8_t *p, size_t n)
{
	struct end *e = ctx;
	ASSERT(e->out_len + n <= sizeof e->out);
	memcpy(e->out + e->out_len, p, n);
	e->out_len += n;
	return 0;
}

static int end_authorize(void *ctx, const uint8_t pk[PUBKEY_BYTES])
{
	struct end *e = ctx;
	memcpy(e->pk_seen, pk, PUBKEY_BYTES);
	return e->authorize_rc;
}

static int end_open(void *ctx)
{
	struct end *e = ctx;
	e->opened = true;
	return 0;
}

static int end_frame(void *ctx, enum p2p_frame_type type, const uint8_t *body,
		     size_t n)
{
	struct end *e = ctx;
	e->n_frames++;
	e->last_type = type;
	free(e->last_body);
	e->last_body = malloc(n > 0 ? n : 1);
	ASSERT(e->last_body != NULL);
	if (n > 0)
		memcpy(e->last_body, body, n);
	e->last_len = n;
	if (n >= 8)
		e->body_sum = e->body_sum * 31 + be64_get(body);
	return 0;
}

static struct p2p_session_cb end_cb(struct end *e)
{
	struct p2p_session_cb cb = {end_send, end_authorize, end_open,
				    end_frame, e};
	return cb;
}

static void end_init(struct end *e, enum p2p_role role, const struct key *k,
		     const char *chain, const uint8_t *eph, const uint8_t *hdr)
{
	memset(e, 0, sizeof *e);
	struct p2p_session_cfg cfg = {0};
	cfg.role = role;
	cfg.key = k;
	cfg.chain_id = chain;
	cfg.frame_max = 1u << 20;
	cfg.test_ephemeral_sk = eph;
	cfg.test_stream_header = hdr;
	ASSERT_OK(p2p_session_init(&e->s, &cfg));
}

static void end_free(struct end *e)
{
	p2p_session_free(&e->s);
	free(e->last_body);
	e->last_body = NULL;
}

/* Hand b what a sent since the last call, chunk bytes at a time. */
static int deliver(struct end *a, size_t *a_off, struct end *b, size_t chunk)
{
	struct p2p_session_cb cb = end_cb(b);
	while (*a_off < a->out_len) {
		size_t n = a->out_len - *a_off;
		if (n > chunk)
			n = chunk;
		int rc = p2p_session_read(&b->s, a->out + *a_off, n, &cb);
		*a_off += n;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Run a whole handshake between i and r; 0 or the first failure. */
static int handshake(struct end *i, struct end *r, size_t chunk)
{
	size_t i_off = 0, r_off = 0;
	struct p2p_session_cb cb = end_cb(i);
	int rc = p2p_session_start(&i->s, &cb);
	for (int round = 0; rc == 0 && round < 3; round++) {
		rc = deliver(i, &i_off, r, chunk);
		if (rc == 0)
			rc = deliver(r, &r_off, i, chunk);
	}
	return rc;
}

/* Seal a frame of s and feed it to t in pieces of chunk bytes. */
static int pass(struct end *s, struct end *t, enum p2p_frame_type type,
		const uint8_t *body, size_t n, size_t chunk)
{
	size_t len = p2p_session_frame_bytes(n);
	uint8_t *f = malloc(len);
	ASSERT(f != NULL);
	p2p_session_seal(&s->s, type, body, n, f);
	struct p2p_session_cb cb = end_cb(t);
	int rc = 0;
	for (size_t off = 0; off < len && rc == 0; off += chunk)
		rc = p2p_session_read(
		    &t->s, f + off, len - off < chunk ? len - off : chunk, &cb);
	free(f);
	return rc;
}

static struct key key_i, key_r, key_x;

static void keys_setup(void)
{
	uint8_t seed[SEED_BYTES];
	memset(seed, 0x04, sizeof seed);
	ASSERT_OK(key_from_seed(&key_i, seed));
	memset(seed, 0x05, sizeof seed);
	ASSERT_OK(key_from_seed(&key_r, seed));
	memset(seed, 0x07, sizeof seed);
	ASSERT_OK(key_from_seed(&key_x, seed));
}

/* --- §7 test vectors ---------------------------------------------------- */

static const uint8_t EPH_I = 0x41, EPH_R = 0x42, HDR_I = 0x49, HDR_R = 0x52;

struct vec {
	const char *name;
	const char *hex;
};

/* The values printed in specs/wire.md §7 (and found there by the test). */
static const struct vec VECTORS[] = {
    {"e_I", "7a1a4e709bf085ac494aba0469b9b1eda0ab1f78b16aabb79ffeda90623e8522"},
    {"e_R", "132c442be010fbd57e72603328aa76e71fccc1503aae219327d14d9c9993f472"},
    {"h", "bb9b9c812c0dbdfcaabb716c629c9a024e9c19c712c927f96ff7c3b1aee8ee79"},
    {"k_hs_ir",
     "3c471dc004e46164b5510366acc351a832abbeae6ac6adc41fab15d86b19b51d"},
    {"k_hs_ri",
     "02bd549ac1fb1102c3ac60192efdcd15ae7f5c3b75669445e9f19b7d90b09d91"},
    {"k_stream_ir",
     "666f908e1c554e062336d074049b349547a97e24594602d8ddb6e03001825d21"},
    {"k_stream_ri",
     "664f1a095d6424ecd9891523534129882c760f6c7d6c512fcf0fba1cfbaac8f1"},
    {"msg1", "41435244017a1a4e709bf085ac494aba0469b9b1eda0ab1f78b16aabb79ffeda"
	     "90623e8522"},
    {"msg2", "4143524401132c442be010fbd57e72603328aa76e71fccc1503aae219327d14d"
	     "9c9993f4728be5531fe749603c8ce663576f82369a68e3dcca723cfd83a24b34"
	     "9e9c3090980450f3fec7b8c8e52b96e27edc0d757b0b4719c9efcc7c359e2eda"
	     "a19a7b1a7bcffc32145e499506e6a477f0acf586ae8726bd104f309d7c19a5eb"
	     "e0c5dbb20b08fffd2e712201b49b79d6b75ff80634"},
    {"msg3", "8783e3e47829ac956efe150bbc09970d03c2d548c905752199625ceff3ffb31a"
	     "d735a0255ca55dd436bcbe6fae756f5520c924311531dab0bad0462157a17384"
	     "1fb5a22034be7183c414c4fd46deb56a66c537844fa2eee86b60cdc945dc1966"
	     "b8bdeca1ccaf4e684403cbfaa86a115f53ecd012fa87e205d89be32e45828eeb"
	     "eb66e074b5da1072"},
    {"msg4", "24993bb8a0f66e56e6f6e2ceaad0b4ff93bbcab79b9c582e72eac19733d1830c"
	     "bd4c92bfc6719825"},
    {"frame_I_msg_hello",
     "000000175ec8231105ad974562dc4ff79d0ee9b88dfe92a8327599"},
    {"frame_R_ping", "0000001217f715d09ca5c0b42f4a0984adaf70653f38"},
};

static void hexof(char *out, const uint8_t *p, size_t n)
{
	hex_encode(out, p, n);
}

/* Compute every §7 value from the fixed seeds; emit(name, hex). */
static void vectors_compute(void (*emit)(const char *, const char *))
{
	struct end i, r;
	uint8_t ei[32], er[32], hi[24], hr[24];
	static char h[2 * 4096 + 1];
	memset(ei, EPH_I, 32);
	memset(er, EPH_R, 32);
	memset(hi, HDR_I, 24);
	memset(hr, HDR_R, 24);
	end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, ei, hi);
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, er, hr);
	hexof(h, i.s.e_pk, 32);
	emit("e_I", h);
	hexof(h, r.s.e_pk, 32);
	emit("e_R", h);
	ASSERT_OK(handshake(&i, &r, 4096));
	ASSERT(i.opened && r.opened);
	hexof(h, i.s.transcript, 32);
	emit("h", h);
	hexof(h, i.s.k_hs_send, 32);
	emit("k_hs_ir", h);
	hexof(h, i.s.k_hs_recv, 32);
	emit("k_hs_ri", h);
	hexof(h, i.s.k_st_send, 32);
	emit("k_stream_ir", h);
	hexof(h, i.s.k_st_recv, 32);
	emit("k_stream_ri", h);
	hexof(h, i.out, P2P_MSG1_BYTES);
	emit("msg1", h);
	hexof(h, r.out, P2P_MSG2_BYTES);
	emit("msg2", h);
	hexof(h, i.out + P2P_MSG1_BYTES, P2P_MSG3_BYTES);
	emit("msg3", h);
	hexof(h, r.out + P2P_MSG2_BYTES, P2P_MSG4_BYTES);
	emit("msg4", h);
	uint8_t f[64];
	p2p_session_seal(&i.s, P2P_FRAME_MSG, (const uint8_t *)"hello", 5, f);
	hexof(h, f, p2p_session_frame_bytes(5));
	emit("frame_I_msg_hello", h);
	p2p_session_seal(&r.s, P2P_FRAME_PING, NULL, 0, f);
	hexof(h, f, p2p_session_frame_bytes(0));
	emit("frame_R_ping", h);
	end_free(&i);
	end_free(&r);
}

static size_t vec_seen;

static void vec_check(const char *name, const char *hex)
{
	for (size_t k = 0; k < sizeof VECTORS / sizeof VECTORS[0]; k++) {
		if (strcmp(VECTORS[k].name, name) == 0) {
			ASSERT_STR_EQ(hex, VECTORS[k].hex);
			vec_seen++;
			return;
		}
	}
	FAIL_AT("vector %s not in the table", name);
}

static void vec_print(const char *name, const char *hex)
{
	printf("\t{\"%s\", \"%s\"},\n", name, hex);
}

/* The spec must print exactly the values the code produces. */
static void test_vectors(void)
{
	vec_seen = 0;
	vectors_compute(vec_check);
	ASSERT_EQ(vec_seen, sizeof VECTORS / sizeof VECTORS[0]);
	FILE *f = fopen("specs/wire.md", "r");
	ASSERT(f != NULL);
	static char spec[256 * 1024];
	size_t n = fread(spec, 1, sizeof spec - 1, f);
	fclose(f);
	spec[n] = 0;
	for (size_t k = 0; k < sizeof VECTORS / sizeof VECTORS[0]; k++) {
		/* Long values are wrapped in the spec at 64 hex digits a line.
		 */
		const char *hex = VECTORS[k].hex;
		size_t len = strlen(hex);
		for (size_t off = 0; off < len; off += 64) {
			char piece[65];
			size_t m = len - off < 64 ? len - off : 64;
			memcpy(piece, hex + off, m);
			piece[m] = 0;
			if (strstr(spec, piece) == NULL)
				FAIL_AT("specs/wire.md lacks %s (at %zu)",
					VECTORS[k].name, off);
		}
	}
}

/* The frame vectors decode: a fresh responder given the printed
 * handshake and frames gets "hello", and the initiator the ping. */
static void test_vectors_decode(void)
{
	struct end i, r;
	uint8_t er[32], hr[24], ei[32], hi[24];
	memset(er, EPH_R, 32);
	memset(hr, HDR_R, 24);
	memset(ei, EPH_I, 32);
	memset(hi, HDR_I, 24);
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, er, hr);
	end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, ei, hi);
	const char *names_r[] = {"msg1", "msg3", "frame_I_msg_hello"};
	const char *names_i[] = {"msg2", "msg4", "frame_R_ping"};
	struct p2p_session_cb cbr = end_cb(&r), cbi = end_cb(&i);
	ASSERT_OK(p2p_session_start(&i.s, &cbi));
	for (size_t k = 0; k < 3; k++) {
		for (size_t side = 0; side < 2; side++) {
			const char *name = side == 0 ? names_r[k] : names_i[k];
			const char *hex = NULL;
			for (size_t v = 0;
			     v < sizeof VECTORS / sizeof VECTORS[0]; v++)
				if (strcmp(VECTORS[v].name, name) == 0)
					hex = VECTORS[v].hex;
			ASSERT(hex != NULL);
			uint8_t buf[256];
			size_t n = strlen(hex) / 2;
			ASSERT(n <= sizeof buf);
			ASSERT_OK(hex_decode(buf, n, hex));
			if (side == 0)
				ASSERT_OK(p2p_session_read(&r.s, buf, n, &cbr));
			else
				ASSERT_OK(p2p_session_read(&i.s, buf, n, &cbi));
		}
	}
	ASSERT_MEM_EQ(r.pk_seen, key_i.pk, PUBKEY_BYTES);
	ASSERT_MEM_EQ(i.pk_seen, key_r.pk, PUBKEY_BYTES);
	ASSERT_EQ(r.n_frames, 1);
	ASSERT_EQ(r.last_type, P2P_FRAME_MSG);
	ASSERT_EQ(r.last_len, 5);
	ASSERT_MEM_EQ(r.last_body, "hello", 5);
	ASSERT_EQ(i.n_frames, 1);
	ASSERT_EQ(i.last_type, P2P_FRAME_PING);
	end_free(&i);
	end_free(&r);
}

/* A stream made by init_pull of a chosen header (how the vectors fix
 * the header) is the stream libsodium's init_push makes. */
static void test_stream_init_equivalence(void)
{
	crypto_secretstream_xchacha20poly1305_state a, b;
	uint8_t k[32], hdr[24], ca[64], cb[64];
	memset(k, 7, sizeof k);
	(void)crypto_secretstream_xchacha20poly1305_init_push(&a, hdr, k);
	ASSERT_EQ(crypto_secretstream_xchacha20poly1305_init_pull(&b, hdr, k),
		  0);
	for (int round = 0; round < 3; round++) {
		(void)crypto_secretstream_xchacha20poly1305_push(
		    &a, ca, NULL, (const uint8_t *)"abcdefgh", 8, NULL, 0, 0);
		(void)crypto_secretstream_xchacha20poly1305_push(
		    &b, cb, NULL, (const uint8_t *)"abcdefgh", 8, NULL, 0, 0);
		ASSERT_MEM_EQ(ca, cb, 8 + P2P_STREAM_ABYTES);
	}
}

/* p2p_session_seal encrypts in place (the plaintext laid where the
 * ciphertext goes); it must give the bytes of a push between separate
 * buffers. */
static void test_seal_in_place(void)
{
	struct end i, r;
	end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	ASSERT_OK(handshake(&i, &r, 4096));
	size_t n = 100000;
	uint8_t *body = malloc(n), *plain = malloc(n + 1);
	uint8_t *f = malloc(p2p_session_frame_bytes(n));
	uint8_t *c = malloc(n + 1 + P2P_STREAM_ABYTES);
	ASSERT(body && plain && f && c);
	for (size_t k = 0; k < n; k++)
		body[k] = (uint8_t)(k * 13);
	plain[0] = P2P_FRAME_MSG;
	memcpy(plain + 1, body, n);
	struct p2p_stream_state copy = i.s.push;
	p2p_session_seal(&i.s, P2P_FRAME_MSG, body, n, f);
	(void)crypto_secretstream_xchacha20poly1305_push(
	    (crypto_secretstream_xchacha20poly1305_state *)copy.opaque, c,
	    NULL, plain, n + 1, NULL, 0, 0);
	ASSERT_EQ(be32_get(f), n + 1 + P2P_STREAM_ABYTES);
	ASSERT_MEM_EQ(f + 4, c, n + 1 + P2P_STREAM_ABYTES);
	free(body);
	free(plain);
	free(f);
	free(c);
	end_free(&i);
	end_free(&r);
}

/* --- handshakes and frames --------------------------------------------- */

static void test_roundtrip(void)
{
	/* Fed one byte at a time, then in odd pieces, then whole. */
	size_t chunks[] = {1, 7, 4096};
	for (size_t c = 0; c < 3; c++) {
		struct end i, r;
		end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
		end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
		ASSERT_OK(handshake(&i, &r, chunks[c]));
		ASSERT(i.opened && r.opened);
		ASSERT_MEM_EQ(i.pk_seen, key_r.pk, PUBKEY_BYTES);
		ASSERT_MEM_EQ(r.pk_seen, key_i.pk, PUBKEY_BYTES);
		ASSERT_EQ(i.s.state, P2P_S_OPEN);
		ASSERT_EQ(r.s.state, P2P_S_OPEN);
		/* Both directions, an empty message, a max-size one. */
		ASSERT_OK(pass(&i, &r, P2P_FRAME_MSG, (const uint8_t *)"ab", 2,
			       chunks[c]));
		ASSERT_EQ(r.last_len, 2);
		ASSERT_MEM_EQ(r.last_body, "ab", 2);
		ASSERT_OK(pass(&r, &i, P2P_FRAME_MSG, NULL, 0, chunks[c]));
		ASSERT_EQ(i.last_type, P2P_FRAME_MSG);
		ASSERT_EQ(i.last_len, 0);
		if (chunks[c] > 1) {
			size_t n = r.s.frame_max;
			uint8_t *big = malloc(n);
			ASSERT(big != NULL);
			for (size_t k = 0; k < n; k++)
				big[k] = (uint8_t)(k * 7 + 3);
			ASSERT_OK(
			    pass(&r, &i, P2P_FRAME_MSG, big, n, chunks[c]));
			ASSERT_EQ(i.last_len, n);
			ASSERT_MEM_EQ(i.last_body, big, n);
			free(big);
		}
		ASSERT_OK(pass(&i, &r, P2P_FRAME_PING, NULL, 0, chunks[c]));
		ASSERT_EQ(r.last_type, P2P_FRAME_PING);
		ASSERT_OK(pass(&r, &i, P2P_FRAME_PONG, NULL, 0, chunks[c]));
		ASSERT_EQ(i.last_type, P2P_FRAME_PONG);
		end_free(&i);
		end_free(&r);
	}
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle,
		     size_t m)
{
	for (size_t k = 0; k + m <= n; k++)
		if (memcmp(hay + k, needle, m) == 0)
			return true;
	return false;
}

/* Each side's keys differ per session: two handshakes of the same
 * keys share nothing. */
static void test_fresh_keys(void)
{
	struct end i1, r1, i2, r2;
	end_init(&i1, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(&r1, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	end_init(&i2, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(&r2, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	ASSERT_OK(handshake(&i1, &r1, 4096));
	ASSERT_OK(handshake(&i2, &r2, 4096));
	ASSERT(memcmp(i1.s.k_st_send, i2.s.k_st_send, 32) != 0);
	ASSERT(memcmp(i1.s.transcript, i2.s.transcript, 32) != 0);
	/* The identities travel encrypted: neither public key appears in
	 * the bytes on the wire. */
	ASSERT(!contains(i1.out, i1.out_len, key_i.pk, PUBKEY_BYTES));
	ASSERT(!contains(r1.out, r1.out_len, key_r.pk, PUBKEY_BYTES));
	/* A frame of session 1 does not open in session 2. */
	uint8_t f[64];
	p2p_session_seal(&i1.s, P2P_FRAME_MSG, (const uint8_t *)"x", 1, f);
	struct p2p_session_cb cb = end_cb(&r2);
	ASSERT_EQ(p2p_session_read(&r2.s, f, p2p_session_frame_bytes(1), &cb),
		  ACC_EBADSIG);
	end_free(&i1);
	end_free(&r1);
	end_free(&i2);
	end_free(&r2);
}

static void test_wrong_chain(void)
{
	struct end i, r;
	end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, "accord-other", NULL, NULL);
	ASSERT_EQ(handshake(&i, &r, 4096), ACC_EBADSIG);
	ASSERT(!i.opened && !r.opened);
	ASSERT_EQ(i.s.state, P2P_S_FAILED);
	/* Failed stays failed. */
	struct p2p_session_cb cb = end_cb(&i);
	ASSERT_EQ(p2p_session_read(&i.s, (const uint8_t *)"x", 1, &cb),
		  ACC_EBADSIG);
	end_free(&i);
	end_free(&r);
}

static void test_refused_key(void)
{
	struct end i, r;
	/* The responder does not know the initiator. */
	end_init(&i, P2P_ROLE_INITIATOR, &key_x, CHAIN, NULL, NULL);
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	r.authorize_rc = ACC_EUNKNOWNKEY;
	ASSERT_EQ(handshake(&i, &r, 4096), ACC_EUNKNOWNKEY);
	ASSERT(!r.opened && !i.opened);
	ASSERT_MEM_EQ(r.pk_seen, key_x.pk, PUBKEY_BYTES);
	/* Nothing after message 2 left the responder. */
	ASSERT_EQ(r.out_len, P2P_MSG2_BYTES);
	end_free(&i);
	end_free(&r);
	/* The initiator does not know the responder: it sends no message 3
	 * (its identity is never revealed). */
	end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(&r, P2P_ROLE_RESPONDER, &key_x, CHAIN, NULL, NULL);
	i.authorize_rc = ACC_EMISMATCH;
	ASSERT_EQ(handshake(&i, &r, 4096), ACC_EMISMATCH);
	ASSERT_EQ(i.out_len, P2P_MSG1_BYTES);
	end_free(&i);
	end_free(&r);
}

/* A recorded initiator (messages 1 and 3) replayed to a responder on a
 * new connection: the responder's new ephemeral key makes message 3
 * fail. */
static void test_replay(void)
{
	struct end i, r, r2, fake;
	end_init(&i, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	ASSERT_OK(handshake(&i, &r, 4096));
	end_init(&r2, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	struct p2p_session_cb cb = end_cb(&r2);
	ASSERT_OK(p2p_session_read(&r2.s, i.out, P2P_MSG1_BYTES, &cb));
	ASSERT_EQ(r2.out_len, P2P_MSG2_BYTES);
	ASSERT_EQ(p2p_session_read(&r2.s, i.out + P2P_MSG1_BYTES,
				   P2P_MSG3_BYTES, &cb),
		  ACC_EBADSIG);
	ASSERT(!r2.opened);
	/* A recorded responder replayed to an initiator fails likewise. */
	end_init(&fake, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	cb = end_cb(&fake);
	ASSERT_OK(p2p_session_start(&fake.s, &cb));
	ASSERT_EQ(p2p_session_read(&fake.s, r.out, P2P_MSG2_BYTES, &cb),
		  ACC_EBADSIG);
	end_free(&i);
	end_free(&r);
	end_free(&r2);
	end_free(&fake);
}

static void test_bad_hello(void)
{
	struct end r;
	uint8_t m[P2P_MSG1_BYTES];
	struct p2p_session_cb cb;

	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	cb = end_cb(&r);
	memcpy(m, "GET / HTTP/1.1\r\nHost: x\r\n\r\n0123456789", sizeof m);
	ASSERT_EQ(p2p_session_read(&r.s, m, sizeof m, &cb), ACC_EDECODE);
	ASSERT_EQ(r.out_len, 0);
	end_free(&r);

	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	cb = end_cb(&r);
	memcpy(m, P2P_MAGIC, 4);
	m[4] = 2; /* a version we do not speak */
	memset(m + 5, 9, 32);
	ASSERT_EQ(p2p_session_read(&r.s, m, sizeof m, &cb), ACC_EDECODE);
	end_free(&r);

	/* A small-order ephemeral key (all zero) is refused. */
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	cb = end_cb(&r);
	m[4] = P2P_VERSION;
	memset(m + 5, 0, 32);
	ASSERT_EQ(p2p_session_read(&r.s, m, sizeof m, &cb), ACC_EBADSIG);
	ASSERT_EQ(r.out_len, 0);
	end_free(&r);

	/* A truncated hello waits for more, sends nothing. */
	end_init(&r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	cb = end_cb(&r);
	ASSERT_OK(p2p_session_read(&r.s, (const uint8_t *)"ACRD", 4, &cb));
	ASSERT_EQ(r.out_len, 0);
	ASSERT_EQ(r.s.state, P2P_S_WAIT_MSG1);
	end_free(&r);
}

static void open_pair(struct end *i, struct end *r)
{
	end_init(i, P2P_ROLE_INITIATOR, &key_i, CHAIN, NULL, NULL);
	end_init(r, P2P_ROLE_RESPONDER, &key_r, CHAIN, NULL, NULL);
	ASSERT_OK(handshake(i, r, 4096));
}

static void test_bad_frames(void)
{
	struct end i, r;
	struct p2p_session_cb cb;
	uint8_t f[64];

	/* Oversized: refused from the length alone, nothing allocated. */
	open_pair(&i, &r);
	cb = end_cb(&r);
	be32_put(f, (uint32_t)(r.s.frame_max + P2P_STREAM_ABYTES + 2));
	ASSERT_EQ(p2p_session_read(&r.s, f, 4, &cb), ACC_ETOOBIG);
	ASSERT(r.s.frame == NULL);
	end_free(&i);
	end_free(&r);

	open_pair(&i, &r);
	cb = end_cb(&r);
	be32_put(f, 0xffffffffu);
	ASSERT_EQ(p2p_session_read(&r.s, f, 4, &cb), ACC_ETOOBIG);
	end_free(&i);
	end_free(&r);

	/* The largest allowed length is accepted (and waits for bytes). */
	open_pair(&i, &r);
	cb = end_cb(&r);
	be32_put(f, (uint32_t)(r.s.frame_max + P2P_STREAM_ABYTES + 1));
	ASSERT_OK(p2p_session_read(&r.s, f, 4, &cb));
	ASSERT(r.s.frame != NULL);
	end_free(&i);
	end_free(&r);

	/* Shorter than the overhead. */
	open_pair(&i, &r);
	cb = end_cb(&r);
	be32_put(f, P2P_STREAM_ABYTES);
	ASSERT_EQ(p2p_session_read(&r.s, f, 4, &cb), ACC_EDECODE);
	end_free(&i);
	end_free(&r);

	/* Tampered: each byte of a sealed frame flipped in turn. */
	for (size_t k = 0; k < p2p_session_frame_bytes(3); k++) {
		open_pair(&i, &r);
		cb = end_cb(&r);
		p2p_session_seal(&i.s, P2P_FRAME_MSG, (const uint8_t *)"abc", 3,
				 f);
		f[k] ^= 0x20;
		int rc =
		    p2p_session_read(&r.s, f, p2p_session_frame_bytes(3), &cb);
		/* A flip in the length makes it short or long, or leaves the
		 * frame incomplete; anywhere else the tag fails. */
		if (k < 4)
			ASSERT(rc == ACC_ETOOBIG || rc == ACC_EDECODE ||
			       rc == 0);
		else
			ASSERT_EQ(rc, ACC_EBADSIG);
		ASSERT_EQ(r.n_frames, 0);
		end_free(&i);
		end_free(&r);
	}

	/* Replayed frame: the stream's counter has moved on. */
	open_pair(&i, &r);
	cb = end_cb(&r);
	p2p_session_seal(&i.s, P2P_FRAME_MSG, (const uint8_t *)"abc", 3, f);
	ASSERT_OK(p2p_session_read(&r.s, f, p2p_session_frame_bytes(3), &cb));
	ASSERT_EQ(p2p_session_read(&r.s, f, p2p_session_frame_bytes(3), &cb),
		  ACC_EBADSIG);
	end_free(&i);
	end_free(&r);

	/* Authenticated but not allowed: an unknown type, a ping with a
	 * body, a FINAL tag. They are made with the sender's own stream. */
	struct {
		uint8_t plain[4];
		size_t n;
		uint8_t tag;
	} cases[] = {
	    {{9, 0, 0, 0}, 1, 0},
	    {{P2P_FRAME_PING, 1, 0, 0}, 2, 0},
	    {{P2P_FRAME_MSG, 1, 2, 3},
	     4,
	     crypto_secretstream_xchacha20poly1305_TAG_FINAL},
	};
	for (size_t k = 0; k < 3; k++) {
		open_pair(&i, &r);
		cb = end_cb(&r);
		uint8_t *c = f + 4;
		be32_put(f, (uint32_t)(cases[k].n + P2P_STREAM_ABYTES));
		(void)crypto_secretstream_xchacha20poly1305_push(
		    (crypto_secretstream_xchacha20poly1305_state *)
			i.s.push.opaque,
		    c, NULL, cases[k].plain, cases[k].n, NULL, 0, cases[k].tag);
		ASSERT_EQ(p2p_session_read(
			      &r.s, f, 4 + cases[k].n + P2P_STREAM_ABYTES, &cb),
			  ACC_EDECODE);
		ASSERT_EQ(r.n_frames, 0);
		end_free(&i);
		end_free(&r);
	}
}

/* Many messages back to back in one read arrive in order. */
static void test_many_in_order(void)
{
	struct end i, r;
	open_pair(&i, &r);
	size_t n = 2000, one = p2p_session_frame_bytes(8);
	uint8_t *all = malloc(n * one);
	ASSERT(all != NULL);
	uint64_t want = 0;
	for (size_t k = 0; k < n; k++) {
		uint8_t b[8];
		be64_put(b, k * 977);
		want = want * 31 + k * 977;
		p2p_session_seal(&i.s, P2P_FRAME_MSG, b, 8, all + k * one);
	}
	struct p2p_session_cb cb = end_cb(&r);
	ASSERT_OK(p2p_session_read(&r.s, all, n * one, &cb));
	ASSERT_EQ(r.n_frames, n);
	ASSERT_U64_EQ(r.body_sum, want);
	free(all);
	end_free(&i);
	end_free(&r);
}

static void test_bad_config(void)
{
	struct p2p_session s;
	struct p2p_session_cfg cfg = {0};
	cfg.role = P2P_ROLE_INITIATOR;
	cfg.key = &key_i;
	cfg.chain_id = "";
	cfg.frame_max = 10;
	ASSERT_EQ(p2p_session_init(&s, &cfg), ACC_EINVAL);
	cfg.chain_id = CHAIN;
	cfg.frame_max = 0;
	ASSERT_EQ(p2p_session_init(&s, &cfg), ACC_EINVAL);
	cfg.frame_max = 10;
	cfg.role = (enum p2p_role)7;
	ASSERT_EQ(p2p_session_init(&s, &cfg), ACC_EINVAL);
}

int main(int argc, char **argv)
{
	ASSERT_OK(crypto_lib_init());
	keys_setup();
	if (argc > 1 && strcmp(argv[1], "--print-vectors") == 0) {
		vectors_compute(vec_print);
		return 0;
	}
	RUN(test_vectors);
	RUN(test_vectors_decode);
	RUN(test_stream_init_equivalence);
	RUN(test_seal_in_place);
	RUN(test_roundtrip);
	RUN(test_fresh_keys);
	RUN(test_wrong_chain);
	RUN(test_refused_key);
	RUN(test_replay);
	RUN(test_bad_hello);
	RUN(test_bad_frames);
	RUN(test_many_in_order);
	RUN(test_bad_config);
	key_free(&key_i);
	key_free(&key_r);
	key_free(&key_x);
	return 0;
}
