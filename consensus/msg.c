/* msg.c - consensus wire messages and signing state (specs/consensus.md,
 * "Wire messages", "Proposal sign bytes", "Certificate", "Signing state"). */
#include "consensus/msg.h"

#include <string.h>

#include "common/error.h"
#include "common/vote.h"

#define SIGNSTATE_VERSION 1u

static bool is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

void cons_proposal_payload(uint8_t out[CONS_PROPOSAL_PAYLOAD_BYTES],
			   uint64_t height, uint32_t round, int32_t valid_round,
			   const uint8_t hash[HASH_BYTES])
{
	be64_put(out, height);
	be32_put(out + 8, round);
	/* -1 becomes 0xffffffff: two's complement, as the spec says. */
	be32_put(out + 12, (uint32_t)valid_round);
	memcpy(out + 16, hash, HASH_BYTES);
}

size_t cons_msg_sign_bytes(const struct cons_msg *m, const char **context,
			   uint8_t out[CONS_PROPOSAL_PAYLOAD_BYTES])
{
	if (m->type == CONS_MSG_PROPOSAL) {
		*context = CONS_PROPOSAL_CONTEXT;
		cons_proposal_payload(out, m->height, m->round, m->valid_round,
				      m->hash);
		return CONS_PROPOSAL_PAYLOAD_BYTES;
	}
	/* Votes sign exactly what common/vote.h signs, so a certificate made
	 * of our precommits verifies with vote_verify in the ledger. */
	_Static_assert(VOTE_PAYLOAD_BYTES <= CONS_PROPOSAL_PAYLOAD_BYTES,
		       "payload buffer too small for a vote");
	*context = VOTE_CONTEXT;
	vote_payload(out, (enum vote_type)m->type, m->height, m->round,
		     m->hash);
	return VOTE_PAYLOAD_BYTES;
}

int cons_msg_verify(const struct cons_msg *m, const char *chain_id,
		    const uint8_t pk[PUBKEY_BYTES])
{
	uint8_t payload[CONS_PROPOSAL_PAYLOAD_BYTES];
	const char *context;
	size_t n = cons_msg_sign_bytes(m, &context, payload);
	return ed25519_verify_ctx(m->sig, pk, context, chain_id, payload, n);
}

void cons_msg_encode(const struct cons_msg *m, struct wbuf *w)
{
	wbuf_u8(w, m->type);
	wbuf_u64(w, m->height);
	wbuf_u32(w, m->round);
	if (m->type == CONS_MSG_PROPOSAL)
		wbuf_u32(w, (uint32_t)m->valid_round);
	wbuf_bytes(w, m->hash, HASH_BYTES);
	wbuf_u16(w, m->validator);
	wbuf_bytes(w, m->sig, SIG_BYTES);
}

void cons_cert_encode(const struct cons_cert *c, struct wbuf *w)
{
	wbuf_u64(w, c->height);
	wbuf_u32(w, c->round);
	wbuf_bytes(w, c->hash, HASH_BYTES);
	wbuf_u16(w, c->count);
	for (size_t i = 0; i < c->count && i < VALIDATORS_MAX; i++) {
		wbuf_u16(w, c->index[i]);
		wbuf_bytes(w, c->sig[i], SIG_BYTES);
	}
}

void cons_commit_encode(const struct cons_cert *c, struct wbuf *w)
{
	wbuf_u8(w, CONS_MSG_COMMIT);
	cons_cert_encode(c, w);
}

/* Reads the body of a vote or proposal whose type byte was consumed. */
static int msg_read(struct rbuf *r, uint8_t type, struct cons_msg *m)
{
	uint32_t vr = CONS_VALID_ROUND_NONE;
	memset(m, 0, sizeof *m);
	m->type = type;
	(void)rbuf_u64(r, &m->height);
	(void)rbuf_u32(r, &m->round);
	if (type == CONS_MSG_PROPOSAL)
		(void)rbuf_u32(r, &vr);
	(void)rbuf_bytes(r, m->hash, HASH_BYTES);
	(void)rbuf_u16(r, &m->validator);
	(void)rbuf_bytes(r, m->sig, SIG_BYTES);
	if (rbuf_error(r))
		return ACC_EDECODE;
	if (m->round > CONS_ROUND_MAX)
		return ACC_ERANGE;
	if (type == CONS_MSG_PROPOSAL) {
		/* A proposal names a block: the zero hash is reserved for nil
		 * votes. Its valid round is -1 or an earlier round. */
		if (is_zero(m->hash, HASH_BYTES))
			return ACC_EDECODE;
		if (vr != CONS_VALID_ROUND_NONE && vr >= m->round)
			return ACC_ERANGE;
		m->valid_round = (int32_t)vr;
	} else {
		m->valid_round = -1;
	}
	return 0;
}

static int cert_read(struct rbuf *r, struct cons_cert *c)
{
	memset(c, 0, sizeof *c);
	(void)rbuf_u64(r, &c->height);
	(void)rbuf_u32(r, &c->round);
	(void)rbuf_bytes(r, c->hash, HASH_BYTES);
	(void)rbuf_u16(r, &c->count);
	if (rbuf_error(r))
		return ACC_EDECODE;
	if (c->round > CONS_ROUND_MAX)
		return ACC_ERANGE;
	if (c->count == 0 || is_zero(c->hash, HASH_BYTES))
		return ACC_EDECODE;
	if (c->count > VALIDATORS_MAX)
		return ACC_ETOOBIG;
	/* The count is bounded above, so this loop is too. */
	for (size_t i = 0; i < c->count; i++) {
		(void)rbuf_u16(r, &c->index[i]);
		(void)rbuf_bytes(r, c->sig[i], SIG_BYTES);
		if (rbuf_error(r))
			return ACC_EDECODE;
		/* Strictly ascending: one canonical encoding per signer set. */
		if (i > 0 && c->index[i] <= c->index[i - 1])
			return ACC_EDECODE;
	}
	return 0;
}

int cons_cert_decode(const uint8_t *p, size_t n, struct cons_cert *cert)
{
	struct rbuf r;
	rbuf_init(&r, p, n);
	int rc = cert_read(&r, cert);
	if (rc != 0)
		return rc;
	return rbuf_finish(&r);
}

int cons_wire_decode(const uint8_t *p, size_t n, uint8_t *type,
		     struct cons_msg *m, struct cons_cert *cert)
{
	struct rbuf r;
	uint8_t t;
	int rc;
	if (n > CONS_WIRE_BYTES_MAX)
		return ACC_ETOOBIG;
	rbuf_init(&r, p, n);
	if (rbuf_u8(&r, &t) != 0)
		return ACC_EDECODE;
	switch (t) {
	case CONS_MSG_PREVOTE:
	case CONS_MSG_PRECOMMIT:
	case CONS_MSG_PROPOSAL:
		rc = msg_read(&r, t, m);
		break;
	case CONS_MSG_COMMIT:
		if (cert == NULL)
			return ACC_EDECODE;
		rc = cert_read(&r, cert);
		break;
	default:
		return ACC_EDECODE;
	}
	if (rc != 0)
		return rc;
	rc = rbuf_finish(&r);
	if (rc != 0)
		return rc;
	*type = t;
	return 0;
}

void cons_signstate_encode(const struct cons_signstate *st, struct wbuf *w)
{
	uint8_t count = 0;
	for (int k = 0; k < 3; k++)
		count = (uint8_t)(count + (st->has[k] ? 1 : 0));
	wbuf_u8(w, SIGNSTATE_VERSION);
	wbuf_u64(w, st->height);
	wbuf_u32(w, st->round);
	wbuf_u8(w, st->step);
	wbuf_u32(w, (uint32_t)st->locked_round);
	wbuf_bytes(w, st->locked_hash, HASH_BYTES);
	wbuf_u8(w, count);
	for (int k = 0; k < 3; k++)
		if (st->has[k])
			cons_msg_encode(&st->last[k], w);
	wbuf_u8(w, st->has_polka ? 1 : 0);
	if (st->has_polka)
		cons_cert_encode(&st->polka, w);
}

/* Index in cons_signstate.last of a message type: its step - 1. */
static int last_index(uint8_t type)
{
	return type == CONS_MSG_PROPOSAL ? 0 : type == CONS_MSG_PREVOTE ? 1 : 2;
}

int cons_signstate_decode(const uint8_t *p, size_t n,
			  struct cons_signstate *st)
{
	struct rbuf r;
	uint8_t version = 0, count = 0, t = 0;
	uint32_t lr = 0;
	int prev = -1;
	memset(st, 0, sizeof *st);
	rbuf_init(&r, p, n);
	(void)rbuf_u8(&r, &version);
	(void)rbuf_u64(&r, &st->height);
	(void)rbuf_u32(&r, &st->round);
	(void)rbuf_u8(&r, &st->step);
	(void)rbuf_u32(&r, &lr);
	(void)rbuf_bytes(&r, st->locked_hash, HASH_BYTES);
	(void)rbuf_u8(&r, &count);
	if (rbuf_error(&r) || version != SIGNSTATE_VERSION || count > 3)
		return ACC_EDECODE;
	if (st->round > CONS_ROUND_MAX || st->step > 3)
		return ACC_ERANGE;
	if (lr != CONS_VALID_ROUND_NONE && lr > st->round)
		return ACC_ERANGE;
	st->locked_round = (int32_t)lr;
	/* count is at most 3: a bounded loop. */
	for (uint8_t k = 0; k < count; k++) {
		struct cons_msg m;
		if (rbuf_u8(&r, &t) != 0 ||
		    (t != CONS_MSG_PREVOTE && t != CONS_MSG_PRECOMMIT &&
		     t != CONS_MSG_PROPOSAL))
			return ACC_EDECODE;
		int rc = msg_read(&r, t, &m);
		if (rc != 0)
			return rc;
		/* One message per type, in the order proposal, prevote,
		 * precommit (one encoding per record), all of the record's
		 * height. */
		int i = last_index(t);
		if (i <= prev || m.height != st->height)
			return ACC_EDECODE;
		prev = i;
		st->has[i] = true;
		st->last[i] = m;
	}
	uint8_t has_polka = 0;
	if (rbuf_u8(&r, &has_polka) != 0 || has_polka > 1)
		return ACC_EDECODE;
	if (has_polka) {
		int rc = cert_read(&r, &st->polka);
		if (rc != 0)
			return rc;
		/* The polka justifies the lock, so it must match it. */
		if (st->polka.height != st->height ||
		    st->locked_round < 0 ||
		    st->polka.round != (uint32_t)st->locked_round ||
		    memcmp(st->polka.hash, st->locked_hash, HASH_BYTES) != 0)
			return ACC_EDECODE;
		st->has_polka = true;
	}
	return rbuf_finish(&r);
}

size_t cons_signstate_blocks(const struct cons_signstate *rec,
			     const struct cons_msg *out[3])
{
	size_t count = 0;
	/* Messages of an earlier height are decided already; a nil vote
	 * names no block. */
	for (int k = 0; k < 3; k++) {
		const struct cons_msg *m = &rec->last[k];
		if (rec->has[k] && m->height == rec->height &&
		    !is_zero(m->hash, HASH_BYTES))
			out[count++] = m;
	}
	return count;
}
