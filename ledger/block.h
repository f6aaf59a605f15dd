/* block.h - block headers, their hash, and the block wire form that
 * carries a header, the previous block's certificate and the entries
 * (specs/encoding.md §8). */
#ifndef ACCORD_LEDGER_BLOCK_H
#define ACCORD_LEDGER_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

#define BLOCK_VERSION 1u
#define BLOCK_HASH_CONTEXT "accord/block/v1"
/* version u8 ‖ chain_id var16 ‖ height u64 ‖ time_ms u64 ‖ prev_hash[32]
 * ‖ proposer u16 ‖ valset_hash[32] ‖ entry_count u32 ‖ log_size u64 ‖
 * log_root[32] ‖ last_cert_hash[32] */
#define BLOCK_HEADER_FIXED_BYTES \
	(1u + 2u + 8u + 8u + 32u + 2u + 32u + 4u + 8u + 32u + 32u)
#define BLOCK_HEADER_BYTES_MAX (BLOCK_HEADER_FIXED_BYTES + CHAIN_ID_BYTES_MAX)

/* A decoded header; plain value. */
struct block_header {
	uint8_t version; /* BLOCK_VERSION */
	char chain_id[CHAIN_ID_BYTES_MAX + 1];
	uint64_t height;  /* >= 1 */
	uint64_t time_ms; /* Unix milliseconds, proposer's clock */
	uint8_t prev_hash[HASH_BYTES]; /* height 1: the genesis hash */
	uint16_t proposer;             /* validator index */
	uint8_t valset_hash[HASH_BYTES];
	uint32_t entry_count; /* <= BLOCK_ENTRIES_MAX */
	uint64_t log_size;    /* after this block's entries; >= entry_count */
	uint8_t log_root[HASH_BYTES]; /* RFC 9162 root at log_size */
	/* cert_hash of the certificate of height-1 carried in this block;
	 * all zero at height 1. */
	uint8_t last_cert_hash[HASH_BYTES];
};

/* Encode h into out; ACC_EINVAL if h breaks a rule of §8.1. */
int block_header_encode(const struct block_header *h,
			uint8_t out[BLOCK_HEADER_BYTES_MAX], size_t *len,
			struct acc_err *err);

/* Decode exactly len bytes. ACC_EDECODE (short, trailing, version,
 * chain id, height 0, entry_count over the bound or above log_size,
 * non-zero last_cert_hash at height 1). */
int block_header_decode(struct block_header *h, const uint8_t *p, size_t len,
			struct acc_err *err);

/* SHA-256("accord/block/v1" ‖ 0x00 ‖ header bytes) (§8.2). */
void block_hash(const uint8_t *header_bytes, size_t len,
		uint8_t out[HASH_BYTES]);

/* Encode h and hash it in one step. */
int block_header_hash(const struct block_header *h, uint8_t out[HASH_BYTES],
		      struct acc_err *err);

/* {"version":1,"chain_id":…,"height":…,"time_ms":…,"time":"RFC 3339",
 * "prev_hash":…,"proposer":…,"valset_hash":…,"entry_count":…,
 * "log_size":…,"log_root":…,"last_cert_hash":…}; new reference. */
json_t *block_header_to_json(const struct block_header *h);

/* A borrowed byte string. */
struct bytes_view {
	const uint8_t *p;
	size_t len;
};

/*
 * A decoded block (§8.3). All views point into the buffer given to
 * block_decode and are valid as long as it is; the entries array is heap
 * memory owned by the block (block_free).
 */
struct block {
	struct block_header header;
	struct bytes_view header_bytes;
	struct bytes_view last_cert; /* len 0 at height 1 */
	size_t entry_count;          /* = header.entry_count */
	struct bytes_view *entries;
};

/*
 * Encode the wire form: var16 header ‖ var32 last_cert ‖ entry_count ×
 * var32 entry, with entry_count = h->entry_count = n. last_cert may be
 * NULL/0 only at height 1. Result in a new heap buffer (free()).
 * ACC_EINVAL (inconsistent), ACC_ETOOBIG (over BLOCK_BYTES_MAX).
 */
int block_encode(const struct block_header *h, const uint8_t *last_cert,
		 size_t last_cert_len, const struct bytes_view *entries,
		 size_t n, uint8_t **out, size_t *len, struct acc_err *err);

/*
 * Decode a block without copying: header decoded; last_cert present iff
 * height > 1, decodes as a certificate for height-1, and hashes to
 * last_cert_hash; each entry 1..ENTRY_BYTES_MAX bytes; at most
 * BLOCK_BYTES_MAX in all. Entries are not decoded. On error b is zeroed.
 * ACC_EDECODE, ACC_ETOOBIG, ACC_ENOMEM.
 */
int block_decode(struct block *b, const uint8_t *p, size_t len,
		 struct acc_err *err);

/* Release the entries array and zero b. NULL-safe. */
void block_free(struct block *b);

#endif
