/* session.c - the pure protocol of one peer link (specs/wire.md §2-§3).
 *
 * libsodium is used here directly for what common/crypto.h does not
 * carry (X25519, HMAC-SHA-256, ChaCha20-Poly1305, secretstream); the
 * identity signatures go through common/crypto.h as everywhere else. */
#include "p2p/session.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"

_Static_assert(sizeof(crypto_secretstream_xchacha20poly1305_state) <=
		   sizeof(struct p2p_stream_state),
	       "p2p_stream_state too small for libsodium");
_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
		   P2P_STREAM_HEADER_BYTES,
	       "secretstream header size");
_Static_assert(crypto_secretstream_xchacha20poly1305_ABYTES ==
		   P2P_STREAM_ABYTES,
	       "secretstream overhead");
_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == P2P_AEAD_TAG_BYTES,
	       "AEAD tag size");
_Static_assert(crypto_scalarmult_BYTES == P2P_X25519_BYTES, "X25519 size");

/* §2: the protocol label. It names the version, so a new version has
 * different keys, a different transcript and different signatures. */
#define LABEL "accord/p2p/v1"

#define STREAM(st) ((crypto_secretstream_xchacha20poly1305_state *)(st)->opaque)

static int fail(struct p2p_session *s, int code, const char *what)
{
	s->state = P2P_S_FAILED;
	return acc_err_set(&s->err, code, "%s", what);
}

int p2p_session_init(struct p2p_session *s, const struct p2p_session_cfg *cfg)
{
	memset(s, 0, sizeof *s);
	size_t cl = cfg->chain_id != NULL ? strlen(cfg->chain_id) : 0;
	if (cfg->key == NULL || cfg->key->sk == NULL || cl == 0 ||
	    cl > CHAIN_ID_BYTES_MAX || cfg->frame_max == 0 ||
	    cfg->frame_max > UINT32_MAX - P2P_FRAME_OVERHEAD ||
	    (cfg->role != P2P_ROLE_INITIATOR &&
	     cfg->role != P2P_ROLE_RESPONDER))
		return acc_err_set(&s->err, ACC_EINVAL, "bad session config");
	s->role = cfg->role;
	s->key = cfg->key;
	memcpy(s->chain_id, cfg->chain_id, cl);
	s->frame_max = cfg->frame_max;
	if (cfg->test_ephemeral_sk != NULL)
		memcpy(s->e_sk, cfg->test_ephemeral_sk, P2P_X25519_BYTES);
	else
		random_bytes(s->e_sk, sizeof s->e_sk);
	if (crypto_scalarmult_base(s->e_pk, s->e_sk) != 0)
		return acc_err_set(&s->err, ACC_ECRYPTO, "ephemeral key");
	if (cfg->test_stream_header != NULL) {
		memcpy(s->header_send, cfg->test_stream_header,
		       P2P_STREAM_HEADER_BYTES);
		s->test_header = true;
	}
	s->state =
	    s->role == P2P_ROLE_INITIATOR ? P2P_S_WAIT_MSG2 : P2P_S_WAIT_MSG1;
	return 0;
}

void p2p_session_free(struct p2p_session *s)
{
	free(s->frame);
	s->frame = NULL;
	memzero(s, sizeof *s);
}

const uint8_t *p2p_session_peer(const struct p2p_session *s)
{
	return s->peer_pk;
}

/* §2: hello = "ACRD" ‖ version u8 ‖ ephemeral public key. */
static void hello_write(const struct p2p_session *s, uint8_t *out)
{
	memcpy(out, P2P_MAGIC, 4);
	out[4] = (uint8_t)P2P_VERSION;
	memcpy(out + 5, s->e_pk, P2P_X25519_BYTES);
}

static int hello_read(struct p2p_session *s, const uint8_t *in)
{
	if (memcmp(in, P2P_MAGIC, 4) != 0)
		return fail(s, ACC_EDECODE,
			    "handshake: not the accord protocol");
	if (in[4] != P2P_VERSION)
		return fail(s, ACC_EDECODE, "handshake: unsupported version");
	memcpy(s->e_peer, in + 5, P2P_X25519_BYTES);
	return 0;
}

/* RFC 5869 HKDF-SHA-256 with one output block:
 * PRK = HMAC(salt, ikm); OKM = HMAC(PRK, info ‖ 0x01)[0..32). */
static void hkdf_sha256(uint8_t out[32], const uint8_t salt[32],
			const uint8_t ikm[32], const char *info)
{
	uint8_t prk[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	static const uint8_t one = 1;

	(void)crypto_auth_hmacsha256_init(&st, salt, 32);
	(void)crypto_auth_hmacsha256_update(&st, ikm, 32);
	(void)crypto_auth_hmacsha256_final(&st, prk);
	(void)crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
	(void)crypto_auth_hmacsha256_update(&st, (const uint8_t *)info,
					    strlen(info));
	(void)crypto_auth_hmacsha256_update(&st, &one, 1);
	(void)crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof prk);
	sodium_memzero(&st, sizeof st);
}

/* §2: once both ephemeral keys are known, the transcript hash
 *   h = SHA-256(LABEL ‖ 0x00 ‖ u8 len(chain_id) ‖ chain_id ‖ e_I ‖ e_R)
 * and four keys HKDF(salt = h, ikm = X25519(e, e_peer), info = label). */
static int keys_derive(struct p2p_session *s)
{
	const uint8_t *e_i =
	    s->role == P2P_ROLE_INITIATOR ? s->e_pk : s->e_peer;
	const uint8_t *e_r =
	    s->role == P2P_ROLE_INITIATOR ? s->e_peer : s->e_pk;
	struct sha256_ctx h;
	uint8_t zero = 0, cl = (uint8_t)strlen(s->chain_id);
	uint8_t dh[crypto_scalarmult_BYTES];

	sha256_init(&h);
	sha256_update(&h, LABEL, strlen(LABEL));
	sha256_update(&h, &zero, 1);
	sha256_update(&h, &cl, 1);
	sha256_update(&h, s->chain_id, cl);
	sha256_update(&h, e_i, P2P_X25519_BYTES);
	sha256_update(&h, e_r, P2P_X25519_BYTES);
	sha256_final(&h, s->transcript);

	/* libsodium refuses a peer key of small order (an all-zero
	 * shared secret): an attacker cannot force a known key. */
	if (crypto_scalarmult(dh, s->e_sk, s->e_peer) != 0)
		return fail(s, ACC_EBADSIG, "handshake: weak ephemeral key");
	bool ini = s->role == P2P_ROLE_INITIATOR;
	hkdf_sha256(ini ? s->k_hs_send : s->k_hs_recv, s->transcript, dh,
		    "handshake i->r");
	hkdf_sha256(ini ? s->k_hs_recv : s->k_hs_send, s->transcript, dh,
		    "handshake r->i");
	hkdf_sha256(ini ? s->k_st_send : s->k_st_recv, s->transcript, dh,
		    "stream i->r");
	hkdf_sha256(ini ? s->k_st_recv : s->k_st_send, s->transcript, dh,
		    "stream r->i");
	sodium_memzero(dh, sizeof dh);
	/* The ephemeral secret has done its work. */
	sodium_memzero(s->e_sk, sizeof s->e_sk);
	return 0;
}

/* §2: the signed payload is role u8 ‖ e_I ‖ e_R, under the context LABEL
 * and the chain id (ed25519_sign_ctx, specs/encoding.md §4.3's form). */
static void auth_payload(const struct p2p_session *s, enum p2p_role signer,
			 uint8_t out[1 + 2 * P2P_X25519_BYTES])
{
	const uint8_t *e_i =
	    s->role == P2P_ROLE_INITIATOR ? s->e_pk : s->e_peer;
	const uint8_t *e_r =
	    s->role == P2P_ROLE_INITIATOR ? s->e_peer : s->e_pk;
	out[0] = (uint8_t)signer;
	memcpy(out + 1, e_i, P2P_X25519_BYTES);
	memcpy(out + 1 + P2P_X25519_BYTES, e_r, P2P_X25519_BYTES);
}

/* The handshake AEAD: ChaCha20-Poly1305 (IETF), a 12-byte nonce holding
 * the message's number in that direction, the transcript hash as
 * associated data. */
static void hs_seal(const struct p2p_session *s, uint64_t nonce_n,
		    const uint8_t *plain, size_t n, uint8_t *out)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES] = {0};
	be64_put(nonce + 4, nonce_n);
	(void)crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, plain, n, s->transcript, sizeof s->transcript, NULL,
	    nonce, s->k_hs_send);
}

static int hs_open(const struct p2p_session *s, uint64_t nonce_n,
		   const uint8_t *in, size_t n, uint8_t *plain)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES] = {0};
	be64_put(nonce + 4, nonce_n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
		plain, NULL, NULL, in, n, s->transcript, sizeof s->transcript,
		nonce, s->k_hs_recv) != 0)
		return ACC_EBADSIG;
	return 0;
}

/* Our auth block: pk ‖ Ed25519 signature of the payload. */
static int auth_make(struct p2p_session *s, uint8_t out[P2P_AUTH_PLAIN_BYTES])
{
	uint8_t payload[1 + 2 * P2P_X25519_BYTES];
	auth_payload(s, s->role, payload);
	memcpy(out, s->key->pk, PUBKEY_BYTES);
	int rc = ed25519_sign_ctx(out + PUBKEY_BYTES, s->key, LABEL,
				  s->chain_id, payload, sizeof payload);
	if (rc != 0)
		return fail(s, rc, "handshake: cannot sign");
	return 0;
}

/* Check the peer's auth block, then ask the owner about the key. */
static int auth_check(struct p2p_session *s,
		      const uint8_t in[P2P_AUTH_PLAIN_BYTES],
		      const struct p2p_session_cb *cb)
{
	uint8_t payload[1 + 2 * P2P_X25519_BYTES];
	enum p2p_role peer = s->role == P2P_ROLE_INITIATOR ? P2P_ROLE_RESPONDER
							   : P2P_ROLE_INITIATOR;
	auth_payload(s, peer, payload);
	if (ed25519_verify_ctx(in + PUBKEY_BYTES, in, LABEL, s->chain_id,
			       payload, sizeof payload) != 0)
		return fail(s, ACC_EBADSIG,
			    "handshake: bad identity signature");
	memcpy(s->peer_pk, in, PUBKEY_BYTES);
	int rc = cb->authorize(cb->ctx, s->peer_pk);
	if (rc != 0)
		return fail(s, rc, "handshake: peer refused");
	return 0;
}

/* Our secretstream for sending. With a test header, the state is made
 * with init_pull of that header: libsodium's init_push is exactly that
 * after drawing a random header (tests/unit/test_p2p.c checks it). */
static void push_init(struct p2p_session *s)
{
	if (s->test_header)
		(void)crypto_secretstream_xchacha20poly1305_init_pull(
		    STREAM(&s->push), s->header_send, s->k_st_send);
	else
		(void)crypto_secretstream_xchacha20poly1305_init_push(
		    STREAM(&s->push), s->header_send, s->k_st_send);
}

static int pull_init(struct p2p_session *s, const uint8_t *header)
{
	if (crypto_secretstream_xchacha20poly1305_init_pull(
		STREAM(&s->pull), header, s->k_st_recv) != 0)
		return fail(s, ACC_EBADSIG, "handshake: bad stream header");
	return 0;
}

static int emit(struct p2p_session *s, const struct p2p_session_cb *cb,
		const uint8_t *p, size_t n)
{
	int rc = cb->send(cb->ctx, p, n);
	if (rc != 0)
		return fail(s, rc, "handshake: cannot send");
	return 0;
}

int p2p_session_start(struct p2p_session *s, const struct p2p_session_cb *cb)
{
	uint8_t m1[P2P_MSG1_BYTES];
	assert(s->role == P2P_ROLE_INITIATOR && s->state == P2P_S_WAIT_MSG2);
	hello_write(s, m1);
	return emit(s, cb, m1, sizeof m1);
}

/* Responder, message 1 in: answer with message 2 = hello ‖
 * seal_r->i#0(pk_R ‖ sig_R). */
static int on_msg1(struct p2p_session *s, const struct p2p_session_cb *cb)
{
	uint8_t m2[P2P_MSG2_BYTES], auth[P2P_AUTH_PLAIN_BYTES];
	int rc;
	if ((rc = hello_read(s, s->hs_buf)) != 0)
		return rc;
	if ((rc = keys_derive(s)) != 0)
		return rc;
	if ((rc = auth_make(s, auth)) != 0)
		return rc;
	hello_write(s, m2);
	hs_seal(s, 0, auth, sizeof auth, m2 + P2P_HELLO_BYTES);
	s->state = P2P_S_WAIT_MSG3;
	return emit(s, cb, m2, sizeof m2);
}

/* Initiator, message 2 in: check the responder, answer with message 3 =
 * seal_i->r#0(pk_I ‖ sig_I ‖ header_I). */
static int on_msg2(struct p2p_session *s, const struct p2p_session_cb *cb)
{
	uint8_t auth[P2P_AUTH_PLAIN_BYTES];
	uint8_t plain3[P2P_AUTH_PLAIN_BYTES + P2P_STREAM_HEADER_BYTES];
	uint8_t m3[P2P_MSG3_BYTES];
	int rc;
	if ((rc = hello_read(s, s->hs_buf)) != 0)
		return rc;
	if ((rc = keys_derive(s)) != 0)
		return rc;
	if (hs_open(s, 0, s->hs_buf + P2P_HELLO_BYTES,
		    P2P_AUTH_PLAIN_BYTES + P2P_AEAD_TAG_BYTES, auth) != 0)
		return fail(s, ACC_EBADSIG,
			    "handshake: message 2 does not authenticate "
			    "(different chain id, or not a peer)");
	if ((rc = auth_check(s, auth, cb)) != 0)
		return rc;
	if ((rc = auth_make(s, plain3)) != 0)
		return rc;
	push_init(s);
	memcpy(plain3 + P2P_AUTH_PLAIN_BYTES, s->header_send,
	       P2P_STREAM_HEADER_BYTES);
	hs_seal(s, 0, plain3, sizeof plain3, m3);
	s->state = P2P_S_WAIT_MSG4;
	return emit(s, cb, m3, sizeof m3);
}

/* Responder, message 3 in: check the initiator; answer with message 4 =
 * seal_r->i#1(header_R). The link is open. */
static int on_msg3(struct p2p_session *s, const struct p2p_session_cb *cb)
{
	uint8_t plain3[P2P_AUTH_PLAIN_BYTES + P2P_STREAM_HEADER_BYTES];
	uint8_t m4[P2P_MSG4_BYTES];
	int rc;
	if (hs_open(s, 0, s->hs_buf, P2P_MSG3_BYTES, plain3) != 0)
		return fail(s, ACC_EBADSIG,
			    "handshake: message 3 does not authenticate "
			    "(replayed or forged)");
	if ((rc = auth_check(s, plain3, cb)) != 0)
		return rc;
	if ((rc = pull_init(s, plain3 + P2P_AUTH_PLAIN_BYTES)) != 0)
		return rc;
	push_init(s);
	hs_seal(s, 1, s->header_send, P2P_STREAM_HEADER_BYTES, m4);
	s->state = P2P_S_OPEN;
	if ((rc = emit(s, cb, m4, sizeof m4)) != 0)
		return rc;
	if ((rc = cb->open(cb->ctx)) != 0)
		return fail(s, rc, "refused by the owner");
	return 0;
}

/* Initiator, message 4 in: the responder let us in. */
static int on_msg4(struct p2p_session *s, const struct p2p_session_cb *cb)
{
	uint8_t header[P2P_STREAM_HEADER_BYTES];
	int rc;
	if (hs_open(s, 1, s->hs_buf, P2P_MSG4_BYTES, header) != 0)
		return fail(s, ACC_EBADSIG,
			    "handshake: message 4 does not authenticate");
	if ((rc = pull_init(s, header)) != 0)
		return rc;
	s->state = P2P_S_OPEN;
	if ((rc = cb->open(cb->ctx)) != 0)
		return fail(s, rc, "refused by the owner");
	return 0;
}

static size_t hs_expected(const struct p2p_session *s)
{
	switch (s->state) {
	case P2P_S_WAIT_MSG1:
		return P2P_MSG1_BYTES;
	case P2P_S_WAIT_MSG2:
		return P2P_MSG2_BYTES;
	case P2P_S_WAIT_MSG3:
		return P2P_MSG3_BYTES;
	case P2P_S_WAIT_MSG4:
		return P2P_MSG4_BYTES;
	default:
		return 0;
	}
}

/* §3: a whole frame's ciphertext is in s->frame: open it and hand the
 * body over. */
static int frame_open(struct p2p_session *s, const struct p2p_session_cb *cb)
{
	size_t mlen = s->frame_len - P2P_STREAM_ABYTES;
	uint8_t *plain = malloc(mlen);
	unsigned char tag;
	int rc;
	if (plain == NULL)
		return fail(s, ACC_ENOMEM, "frame: out of memory");
	if (crypto_secretstream_xchacha20poly1305_pull(
		STREAM(&s->pull), plain, NULL, &tag, s->frame, s->frame_len,
		NULL, 0) != 0) {
		rc = fail(s, ACC_EBADSIG, "frame: does not authenticate");
		goto out;
	}
	free(s->frame);
	s->frame = NULL;
	if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
		rc = fail(s, ACC_EDECODE, "frame: unexpected stream tag");
		goto out;
	}
	uint8_t type = plain[0];
	if (type != P2P_FRAME_MSG && type != P2P_FRAME_PING &&
	    type != P2P_FRAME_PONG) {
		rc = fail(s, ACC_EDECODE, "frame: unknown type");
		goto out;
	}
	if (type != P2P_FRAME_MSG && mlen != 1) {
		rc = fail(s, ACC_EDECODE, "frame: ping or pong with a body");
		goto out;
	}
	rc = cb->frame(cb->ctx, (enum p2p_frame_type)type, plain + 1, mlen - 1);
	if (rc != 0)
		(void)fail(s, rc, "frame: refused by the owner");
out:
	free(plain);
	return rc;
}

/* §3: the length prefix, checked before anything is allocated. */
static int frame_len_check(struct p2p_session *s)
{
	uint32_t len = be32_get(s->len_buf);
	if (len < P2P_STREAM_ABYTES + 1)
		return fail(s, ACC_EDECODE, "frame: shorter than its overhead");
	if ((size_t)len - P2P_STREAM_ABYTES - 1 > s->frame_max)
		return fail(s, ACC_ETOOBIG, "frame: longer than frame_max");
	s->frame = malloc(len);
	if (s->frame == NULL)
		return fail(s, ACC_ENOMEM, "frame: out of memory");
	s->frame_len = len;
	s->frame_have = 0;
	return 0;
}

int p2p_session_read(struct p2p_session *s, const uint8_t *p, size_t n,
		     const struct p2p_session_cb *cb)
{
	int rc;
	if (s->state == P2P_S_FAILED)
		return s->err.code != 0 ? s->err.code : ACC_ESTATE;
	while (n > 0) {
		if (s->state == P2P_S_FAILED)
			return s->err.code;
		if (s->state != P2P_S_OPEN) {
			size_t want = hs_expected(s) - s->hs_have;
			size_t take = n < want ? n : want;
			memcpy(s->hs_buf + s->hs_have, p, take);
			s->hs_have += take;
			p += take;
			n -= take;
			if (take < want)
				return 0;
			s->hs_have = 0;
			switch (s->state) {
			case P2P_S_WAIT_MSG1:
				rc = on_msg1(s, cb);
				break;
			case P2P_S_WAIT_MSG2:
				rc = on_msg2(s, cb);
				break;
			case P2P_S_WAIT_MSG3:
				rc = on_msg3(s, cb);
				break;
			default:
				rc = on_msg4(s, cb);
				break;
			}
			if (rc != 0)
				return rc;
			continue;
		}
		if (s->frame == NULL) {
			size_t want = P2P_FRAME_LEN_BYTES - s->len_have;
			size_t take = n < want ? n : want;
			memcpy(s->len_buf + s->len_have, p, take);
			s->len_have += take;
			p += take;
			n -= take;
			if (take < want)
				return 0;
			s->len_have = 0;
			if ((rc = frame_len_check(s)) != 0)
				return rc;
			continue;
		}
		size_t want = s->frame_len - s->frame_have;
		size_t take = n < want ? n : want;
		memcpy(s->frame + s->frame_have, p, take);
		s->frame_have += take;
		p += take;
		n -= take;
		if (take < want)
			return 0;
		if ((rc = frame_open(s, cb)) != 0)
			return rc;
	}
	return 0;
}

size_t p2p_session_frame_bytes(size_t n)
{
	return P2P_FRAME_OVERHEAD + n;
}

void p2p_session_seal(struct p2p_session *s, enum p2p_frame_type type,
		      const uint8_t *body, size_t n, uint8_t *out)
{
	assert(s->state == P2P_S_OPEN);
	assert(n <= s->frame_max);
	assert(type == P2P_FRAME_MSG || n == 0);
	size_t clen = P2P_STREAM_ABYTES + 1 + n;
	be32_put(out, (uint32_t)clen);
	/* The plaintext type ‖ body is laid where its ciphertext goes (after
	 * the stream's tag byte) and push encrypts it in place, which saves
	 * a copy of up to frame_max bytes; libsodium's stream XOR allows
	 * exact overlap (test_seal_in_place checks the bytes). */
	uint8_t *c = out + P2P_FRAME_LEN_BYTES;
	uint8_t *m = c + 1;
	m[0] = (uint8_t)type;
	if (n > 0)
		memcpy(m + 1, body, n);
	(void)crypto_secretstream_xchacha20poly1305_push(
	    STREAM(&s->push), c, NULL, m, 1 + n, NULL, 0,
	    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}
