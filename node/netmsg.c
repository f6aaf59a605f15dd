/* netmsg.c - node messages (specs/wire.md §6). */
#include "node/netmsg.h"

#include <string.h>

#include "common/error.h"
#include "ledger/cert.h"

void netmsg_consensus_encode(struct wbuf *w, const struct cons_msg *m)
{
	wbuf_u8(w, NETMSG_CONSENSUS);
	cons_msg_encode(m, w);
}

void netmsg_commit_encode(struct wbuf *w, const struct cons_cert *c)
{
	wbuf_u8(w, NETMSG_CONSENSUS);
	cons_commit_encode(c, w);
}

void netmsg_proposal_encode(struct wbuf *w, const struct cons_msg *m,
			    const uint8_t *block, size_t len)
{
	wbuf_u8(w, NETMSG_PROPOSAL);
	cons_msg_encode(m, w);
	wbuf_bytes(w, block, len);
}

void netmsg_entry_encode(struct wbuf *w, const uint8_t *entry, size_t len)
{
	wbuf_u8(w, NETMSG_ENTRY);
	wbuf_bytes(w, entry, len);
}

void netmsg_status_encode(struct wbuf *w, const struct netmsg_status *s)
{
	wbuf_u8(w, NETMSG_STATUS);
	wbuf_u64(w, s->height);
	wbuf_bytes(w, s->hash, HASH_BYTES);
	wbuf_u64(w, s->log_size);
	wbuf_bytes(w, s->log_root, HASH_BYTES);
	wbuf_u8(w, s->flags);
}

void netmsg_blocks_get_encode(struct wbuf *w, uint64_t from, uint32_t count)
{
	wbuf_u8(w, NETMSG_BLOCKS_GET);
	wbuf_u64(w, from);
	wbuf_u16(w, (uint16_t)count);
}

void netmsg_block_encode(struct wbuf *w, uint64_t height, const uint8_t *block,
			 size_t len, const uint8_t *cert, size_t cert_len)
{
	wbuf_u8(w, NETMSG_BLOCK);
	wbuf_u64(w, height);
	wbuf_var32(w, block, len);
	wbuf_var32(w, cert, cert_len);
}

void netmsg_cosig_encode(struct wbuf *w, uint64_t height, uint16_t validator,
			 const uint8_t cosig[COSIG_BYTES])
{
	wbuf_u8(w, NETMSG_COSIG);
	wbuf_u64(w, height);
	wbuf_u16(w, validator);
	wbuf_bytes(w, cosig, COSIG_BYTES);
}

/* The consensus wire message at p (a vote or a commit). */
static int consensus_decode(const uint8_t *p, size_t n, struct netmsg *out)
{
	int rc = cons_wire_decode(p, n, &out->cons_type, &out->msg, &out->cert);
	if (rc != 0)
		return rc;
	/* A proposal travels only with its block (NETMSG_PROPOSAL). */
	if (out->cons_type == CONS_MSG_PROPOSAL)
		return ACC_EDECODE;
	return 0;
}

static int proposal_decode(const uint8_t *p, size_t n, struct netmsg *out)
{
	if (n < CONS_PROPOSAL_WIRE_BYTES || p[0] != CONS_MSG_PROPOSAL)
		return ACC_EDECODE;
	int rc = cons_wire_decode(p, CONS_PROPOSAL_WIRE_BYTES, &out->cons_type,
				  &out->msg, NULL);
	if (rc != 0)
		return rc;
	out->bytes = p + CONS_PROPOSAL_WIRE_BYTES;
	out->len = n - CONS_PROPOSAL_WIRE_BYTES;
	/* No block: the sender sent it on this link before (specs/wire.md
	 * §6); else a block is at least its two length prefixes. */
	return out->len != 0 && out->len < NETMSG_BLOCK_BYTES_MIN ? ACC_EDECODE
								  : 0;
}

static int status_decode(struct rbuf *r, struct netmsg *out)
{
	struct netmsg_status *s = &out->status;
	if (rbuf_u64(r, &s->height) != 0 ||
	    rbuf_bytes(r, s->hash, HASH_BYTES) != 0 ||
	    rbuf_u64(r, &s->log_size) != 0 ||
	    rbuf_bytes(r, s->log_root, HASH_BYTES) != 0 ||
	    rbuf_u8(r, &s->flags) != 0 || rbuf_finish(r) != 0)
		return ACC_EDECODE;
	if ((s->flags & ~NETMSG_STATUS_FLAGS) != 0)
		return ACC_EDECODE;
	return 0;
}

int netmsg_decode(const uint8_t *p, size_t n, struct netmsg *out)
{
	struct rbuf r;
	uint16_t count;
	memset(out, 0, sizeof *out);
	if (n < 1)
		return ACC_EDECODE;
	out->type = p[0];
	rbuf_init(&r, p + 1, n - 1);
	switch (p[0]) {
	case NETMSG_CONSENSUS:
		return consensus_decode(p + 1, n - 1, out);
	case NETMSG_PROPOSAL:
		return proposal_decode(p + 1, n - 1, out);
	case NETMSG_ENTRY:
		if (n - 1 == 0)
			return ACC_EDECODE;
		if (n - 1 > ENTRY_BYTES_MAX)
			return ACC_ETOOBIG;
		out->bytes = p + 1;
		out->len = n - 1;
		return 0;
	case NETMSG_STATUS:
		return status_decode(&r, out);
	case NETMSG_BLOCKS_GET:
		if (rbuf_u64(&r, &out->height) != 0 ||
		    rbuf_u16(&r, &count) != 0 || rbuf_finish(&r) != 0 ||
		    out->height == 0 || count == 0 ||
		    count > NETMSG_BLOCKS_GET_MAX)
			return ACC_EDECODE;
		out->count = count;
		return 0;
	case NETMSG_BLOCK:
		if (rbuf_u64(&r, &out->height) != 0 ||
		    rbuf_var32(&r, &out->bytes, &out->len, MSG_BYTES_MAX) !=
			0 ||
		    rbuf_var32(&r, &out->cert_bytes, &out->cert_len,
			       CERT_BYTES_MAX) != 0 ||
		    rbuf_finish(&r) != 0 || out->height == 0 ||
		    out->len < NETMSG_BLOCK_BYTES_MIN || out->cert_len == 0)
			return ACC_EDECODE;
		return 0;
	case NETMSG_COSIG:
		if (rbuf_u64(&r, &out->height) != 0 ||
		    rbuf_u16(&r, &out->validator) != 0 ||
		    rbuf_bytes(&r, out->cosig, COSIG_BYTES) != 0 ||
		    rbuf_finish(&r) != 0 || out->height == 0 ||
		    out->validator >= VALIDATORS_MAX)
			return ACC_EDECODE;
		return 0;
	default:
		return ACC_EDECODE;
	}
}
