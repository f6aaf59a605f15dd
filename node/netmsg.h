/* netmsg.h - the messages nodes exchange over the peer transport
 * (specs/wire.md §6): a type byte, then a body. Pure: encoding and
 * bounded decoding only, no I/O; the fuzz target drives it directly. */
#ifndef ACCORD_NODE_NETMSG_H
#define ACCORD_NODE_NETMSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/limits.h"
#include "consensus/msg.h"
#include "ledger/checkpoint.h"

enum netmsg_type {
	NETMSG_CONSENSUS = 1,  /* a vote or a commit (specs/consensus.md) */
	NETMSG_PROPOSAL = 2,   /* a signed proposal and the block it names */
	NETMSG_ENTRY = 3,      /* one signed entry for the mempool */
	NETMSG_STATUS = 4,     /* the sender's head */
	NETMSG_BLOCKS_GET = 5, /* ask for committed blocks */
	NETMSG_BLOCK = 6,      /* one committed block and its certificate */
	NETMSG_COSIG = 7,      /* a validator's checkpoint cosignature */
};

/* A NETMSG_COSIG body: height u64 ‖ validator u16 ‖ cosignature
 * (key id ‖ time u64 ‖ Ed25519 signature, specs/checkpoint.md §5.2). */
#define NETMSG_COSIG_BYTES (1u + 8u + 2u + COSIG_BYTES)

/* Blocks asked for in one NETMSG_BLOCKS_GET. */
#define NETMSG_BLOCKS_GET_MAX 16u
/* The shortest block wire form: its two length prefixes, u16 header_len
 * and u32 cert_len (specs/encoding.md §8.3). */
#define NETMSG_BLOCK_BYTES_MIN (2u + 4u)
/* STATUS flags. */
#define NETMSG_STATUS_VALIDATOR 0x01u /* the sender votes */
#define NETMSG_STATUS_SYNCING 0x02u   /* the sender is catching up */
#define NETMSG_STATUS_FLAGS 0x03u

/* A NETMSG_STATUS body: height u64 ‖ block_hash[32] ‖ log_size u64 ‖
 * log_root[32] ‖ flags u8. */
#define NETMSG_STATUS_BYTES (1u + 8u + HASH_BYTES + 8u + HASH_BYTES + 1u)

struct netmsg_status {
	uint64_t height;
	uint8_t hash[HASH_BYTES]; /* zero at height 0 */
	uint64_t log_size;
	uint8_t log_root[HASH_BYTES];
	uint8_t flags;
};

/*
 * A decoded message. Views point into the decoded buffer and are valid
 * as long as it is. Only the part named by type is set.
 */
struct netmsg {
	uint8_t type;
	/* CONSENSUS: cons_type is CONS_MSG_PREVOTE/PRECOMMIT (msg) or
	 * CONS_MSG_COMMIT (cert). PROPOSAL: msg is the proposal. */
	uint8_t cons_type;
	struct cons_msg msg;
	struct cons_cert cert;
	/* PROPOSAL, BLOCK: the block's wire form (specs/encoding.md §8.3),
	 * not decoded here. ENTRY: the signed entry bytes. */
	const uint8_t *bytes;
	size_t len;
	/* BLOCK: the certificate (specs/encoding.md §9), not decoded. */
	const uint8_t *cert_bytes;
	size_t cert_len;
	uint64_t height;    /* BLOCK: its height; BLOCKS_GET: the first asked;
			       COSIG: the height whose checkpoint it signs */
	uint16_t validator; /* COSIG */
	uint8_t cosig[COSIG_BYTES]; /* COSIG */
	uint32_t count;		    /* BLOCKS_GET: 1..NETMSG_BLOCKS_GET_MAX */
	struct netmsg_status status;
};

/*
 * Decode one message of n bytes (untrusted). Never reads outside
 * p[0..n). 0, or ACC_EDECODE (unknown type, short, trailing bytes, a
 * consensus message of the wrong type, a bad count or flags), ACC_ERANGE
 * or ACC_ETOOBIG from the consensus decoder, ACC_ETOOBIG for an entry
 * over ENTRY_BYTES_MAX.
 */
int netmsg_decode(const uint8_t *p, size_t n, struct netmsg *out);

/* Encoders append to w; check wbuf_error(w) afterwards. */
void netmsg_consensus_encode(struct wbuf *w, const struct cons_msg *m);
void netmsg_commit_encode(struct wbuf *w, const struct cons_cert *c);
void netmsg_proposal_encode(struct wbuf *w, const struct cons_msg *m,
			    const uint8_t *block, size_t len);
void netmsg_entry_encode(struct wbuf *w, const uint8_t *entry, size_t len);
void netmsg_status_encode(struct wbuf *w, const struct netmsg_status *s);
void netmsg_blocks_get_encode(struct wbuf *w, uint64_t from, uint32_t count);
void netmsg_cosig_encode(struct wbuf *w, uint64_t height, uint16_t validator,
			 const uint8_t cosig[COSIG_BYTES]);
void netmsg_block_encode(struct wbuf *w, uint64_t height, const uint8_t *block,
			 size_t len, const uint8_t *cert, size_t cert_len);

#endif
