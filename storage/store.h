/* store.h - the node's one LMDB environment: blocks, certificates, entries,
 * Merkle nodes, indexes, derived state, metadata (specs/storage.md). */
#ifndef ACCORD_STORAGE_STORE_H
#define ACCORD_STORAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/limits.h"
#include "common/merkle.h"

/*
 * Storage keeps opaque bytes plus the metadata its caller supplies; it knows
 * nothing of entry or header encodings (it depends on common/ only). It
 * recomputes one thing itself: the RFC 9162 log root, from Merkle nodes it
 * persists, so a block whose header claims another root is refused.
 *
 * Threads. One struct store is shared by every thread of the process.
 * Writes (store_block_commit, store_sign_state_put, store_meta_put) may come
 * from any thread and are serialised by LMDB; the node makes them from its
 * loop. Read transactions may be opened by any number of threads at once,
 * and a read transaction may be handed between threads (MDB_NOTLS), but
 * one read transaction is used by one thread at a time.
 *
 * Pointers. Every `const uint8_t **` a read function fills points into the
 * LMDB map: borrowed, read only, valid until store_read_end of that
 * transaction (or, for store_state_get_w, until the write transaction
 * ends or the same key is written again).
 */

/* Bounds (specs/storage.md §1). */
#define STORE_KEY_BYTES_MAX 511u     /* LMDB's key bound: state keys */
#define STORE_META_KEY_BYTES_MAX 64u /* store_meta_put key names */
#define STORE_META_VALUE_BYTES_MAX 4096u
#define STORE_SIGN_STATE_BYTES_MAX (16u * 1024u) /* > CONS_SIGNSTATE_BYTES_MAX */
/* The signing-record file's slot (specs/storage.md §7): a 48-byte head
 * and the record, in 20 KiB. */
#define STORE_SIGN_SLOT_HEAD_BYTES 48u
#define STORE_SIGN_SLOT_BYTES (20u * 1024u)
/* A slot with blocks (specs/storage.md §7.1, "ASG2"): a 52-byte head, and
 * its block area: at most 3 blocks in 48 MiB + 4 KiB. */
#define STORE_SIGN_SLOT2_HEAD_BYTES 52u
#define STORE_SIGN_BLOCKS_MAX 3u
#define STORE_SIGN_AREA_BYTES ((48u << 20) + 4096u)
#define STORE_HEADER_BYTES_MAX (64u * 1024u)
#define STORE_CERT_BYTES_MAX (1024u * 1024u)
#define STORE_FORMAT_VERSION 1u
#define STORE_MAP_BYTES_DEFAULT ((size_t)64 << 30) /* sparse: 64 GiB */
#define STORE_READERS_MAX 256u

struct store;	   /* opaque: the environment and its in-memory frontier */
struct store_rtxn; /* opaque: one read transaction */
struct store_wtxn; /* opaque: the write transaction of a commit */

struct store_opts {
	size_t map_bytes; /* 0 = STORE_MAP_BYTES_DEFAULT */
	int no_sync;	  /* tests only: MDB_NOSYNC, loses durability */
};

/*
 * Open (creating dir and its parents if missing) read-write. opts may be
 * NULL for the defaults. Rebuilds the in-memory log frontier from the
 * stored Merkle nodes and checks it against the head block's root
 * (ACC_EMISMATCH if they disagree). *out is owned by the caller: free it
 * with store_close. 0, ACC_ESTORE, ACC_EIO, ACC_ENOMEM, ACC_EMISMATCH,
 * ACC_EDECODE (format version not understood).
 */
int store_open(struct store **out, const char *dir,
	       const struct store_opts *opts, struct acc_err *err);

/*
 * Open an existing environment read only (MDB_RDONLY), for
 * `accord audit --data DIR`. Works on a copy of a data directory, also
 * one with no lock file or on a read-only file system (it then opens
 * without locking: nobody may write to it meanwhile). Writes on such a
 * store return ACC_ESTATE.
 */
int store_open_readonly(struct store **out, const char *dir,
			struct acc_err *err);

/*
 * Hot backup (specs/storage.md §8): copy the environment in dir into the
 * existing, empty directory dest as one compacted data.mdb (LMDB's
 * mdb_env_copy2 with MDB_CP_COMPACT), from one read transaction. dir is
 * opened read only with its lock file, so a node writing to it meanwhile
 * is neither stopped nor disturbed; the copy is the state of one commit.
 * 0, ACC_EIO (dest missing), ACC_ESTORE (not an accord store, LMDB
 * failure, dest not empty), ACC_EDECODE, ACC_EMISMATCH, ACC_ENOMEM.
 */
int store_backup(const char *dir, const char *dest, struct acc_err *err);

/* Close; every read transaction must have ended. NULL-safe. */
void store_close(struct store *s);

/* One entry of a block being committed. All pointers borrowed for the call. */
struct store_entry_in {
	const uint8_t *bytes; /* the full signed entry bytes = the log leaf */
	size_t len;	      /* 1..ENTRY_BYTES_MAX */
	uint8_t id[32];	      /* RFC 9162 leaf hash of bytes; checked */
	const char *party;    /* party id (NUL-terminated, at most
				 PARTY_ID_BYTES_MAX bytes) to index under,
				 or NULL */
	const uint8_t *agreement; /* 32-byte agreement id to index under,
				     or NULL */
};

/* One block to commit. All pointers borrowed for the call. */
struct store_block_in {
	uint64_t height;       /* head height + 1; the first block is 1 */
	uint8_t hash[32];      /* block hash (the caller computes it) */
	const uint8_t *header; /* encoded header, 1..STORE_HEADER_BYTES_MAX */
	size_t header_len;
	const uint8_t *cert; /* certificate committing this block */
	size_t cert_len;     /* 0..STORE_CERT_BYTES_MAX */
	/* Canonical certificate of block height - 1 carried in this block
	 * (empty at height 1). It replaces the stored certificate of
	 * height - 1 and is kept with this block (store_block_last_cert). */
	const uint8_t *last_cert;
	size_t last_cert_len;
	const struct store_entry_in *entries;
	uint32_t entry_count; /* 0..BLOCK_ENTRIES_MAX */
	/* What the header claims; storage recomputes both from its frontier
	 * and refuses the block with ACC_EMISMATCH if either differs. */
	uint8_t log_root[32];
	uint64_t log_size;
	/*
	 * Derived state: called inside the block's write transaction after
	 * its entries are appended, before commit; may be NULL. A non-zero
	 * return aborts the whole block and is returned by
	 * store_block_commit. w is valid only during the call.
	 */
	int (*apply)(void *ctx, struct store_wtxn *w, struct acc_err *err);
	void *apply_ctx;
};

/*
 * Commit one block in ONE write transaction, synced to disk before return
 * (unless opts.no_sync): header, certificate, last certificate, entries,
 * entry ids, party and agreement indexes, Merkle nodes, derived state. All
 * or nothing: on any error nothing of the block is stored.
 * Errors: ACC_ECHAIN (height is not head + 1), ACC_EMISMATCH (claimed
 * log_size/log_root differ, or an id is not the leaf hash of its bytes),
 * ACC_EDUP (an entry id is already in the log or twice in the block),
 * ACC_EINVAL / ACC_ETOOBIG (bad sizes), ACC_EFULL (map full), ACC_ESTORE,
 * ACC_ESTATE (read-only store), or the apply callback's error.
 */
int store_block_commit(struct store *s, const struct store_block_in *b,
		       struct acc_err *err);

/* Derived-state key/value space, inside the block's write transaction.
 * Keys are 1..STORE_KEY_BYTES_MAX bytes. 0, ACC_EINVAL, ACC_EFULL,
 * ACC_ESTORE; _get_w and _del return ACC_ENOTFOUND for a missing key. */
int store_state_put(struct store_wtxn *w, const void *key, size_t klen,
		    const void *val, size_t vlen);
int store_state_get_w(struct store_wtxn *w, const void *key, size_t klen,
		      const uint8_t **val, size_t *vlen);
int store_state_del(struct store_wtxn *w, const void *key, size_t klen);

/*
 * Root and size of the log after appending leaf_hashes[0..n) to the
 * committed log, without writing anything (for a candidate block's
 * header). Safe from any thread, concurrently with commits. 0 or ACC_EFULL.
 */
int store_log_root_after(struct store *s, const uint8_t (*leaf_hashes)[32],
			 uint32_t n, uint8_t root[32], uint64_t *size);

/*
 * A copy of the committed log's frontier (its size is the log size): what
 * verifying the next block's log root needs (ledger/chain.h, struct
 * chain_prev). Safe from any thread, concurrently with commits.
 */
void store_log_frontier(struct store *s, struct merkle_frontier *out);

/* Metadata slots, each its own synced write transaction. key is a short
 * NUL-terminated name; "genesis" (the genesis hash, set by the node at first
 * open) is the one slot the node uses; names starting with "store." are
 * reserved. _get copies at most cap bytes into buf and sets *len to the
 * stored length (ACC_ETOOBIG if it exceeds cap; ACC_ENOTFOUND if unset). */
int store_meta_put(struct store *s, const char *key, const void *val,
		   size_t len, struct acc_err *err);
int store_meta_get(struct store *s, const char *key, void *buf, size_t cap,
		   size_t *len, struct acc_err *err);

/*
 * The signing state for double-sign protection (specs/node.md §7.2):
 * opaque bytes (at most STORE_SIGN_STATE_BYTES_MAX) the node writes before
 * a vote leaves it. _put writes it to the data directory's own file
 * (specs/storage.md §7), synced (always, even with opts.no_sync) before it
 * returns. _get as store_meta_get: the file's newest record, else the
 * record an older version kept in the metadata slot store.sign_state.
 */
int store_sign_state_put(struct store *s, const void *bytes, size_t len,
			 struct acc_err *err);
int store_sign_state_get(struct store *s, void *buf, size_t cap, size_t *len,
			 struct acc_err *err);
/* One slot of that file (untrusted disk bytes, n of them): 0 with the
 * slot's sequence and record (pointing into p), ACC_ENOTFOUND for a slot
 * never written (no magic), ACC_EDECODE for a torn or damaged one, or for
 * a slot with blocks (its checksum covers its block area: see below). */
int store_sign_slot_decode(const uint8_t *p, size_t n, uint64_t *seq,
			   const uint8_t **bytes, size_t *len);

/*
 * The record with the blocks it signs for (specs/storage.md §7.1,
 * specs/consensus.md "Durable before what"): the record and the blocks
 * (at most STORE_SIGN_BLOCKS_MAX, in all at most STORE_SIGN_AREA_BYTES
 * with 44 bytes each of framing) go to the other slot and its block area
 * and are synced by one fdatasync: after a crash both read back or
 * neither does. With n 0 it is store_sign_state_put.
 */
struct store_sign_block {
	uint64_t height;
	uint8_t hash[32];
	const uint8_t *bytes;
	size_t len; /* >= 1 */
};
int store_sign_state_put_blocks(struct store *s, const void *rec, size_t len,
				const struct store_sign_block *blocks, size_t n,
				struct acc_err *err);
/* Call fn for each block written with the newest record, in the order
 * given to the put (none when it was written without). The bytes are
 * valid only during the call. */
int store_sign_blocks_list(struct store *s,
			   void (*fn)(void *ctx,
				      const struct store_sign_block *b),
			   void *ctx, struct acc_err *err);

/* Untrusted disk bytes of a slot: its head, without the checksum (which
 * store_sign_slot_verify checks against the slot's block area). */
struct store_sign_slot {
	int version;	    /* 1 ("ASG1") or 2 ("ASG2", with blocks) */
	uint64_t seq;	    /* >= 1 */
	const uint8_t *rec; /* points into the slot */
	size_t len;
	size_t area_len; /* bytes of the block area the slot covers */
};
/* 0, ACC_ENOTFOUND (no magic, or shorter than a head), ACC_EDECODE. */
int store_sign_slot_parse(const uint8_t *p, size_t n,
			  struct store_sign_slot *out);
/* 0 if the checksum of slot p (parsed into sl) holds over its record and
 * area (sl->area_len bytes; NULL when 0), else ACC_EDECODE. */
int store_sign_slot_verify(const uint8_t *p, const struct store_sign_slot *sl,
			   const uint8_t *area);
/* The block at *off of a verified area of n bytes, *off advanced past it:
 * 0, ACC_ENOTFOUND at the end, ACC_EDECODE for a bad framing. */
int store_sign_area_next(const uint8_t *area, size_t n, size_t *off,
			 struct store_sign_block *out);

/*
 * Pending blocks (specs/storage.md §2.1, specs/consensus.md "Durable
 * before what"): the bytes of a block this validator is about to sign a
 * proposal or vote for, kept until its height commits. _put is its own
 * write transaction, synced (always) before it returns. _list calls fn for
 * each kept block of height >= min_height, in (height, hash) order, from a
 * read transaction (the bytes are valid only during the call). _prune
 * deletes those below below_height (not forced to disk: losing a prune
 * only keeps a stale block until the next one).
 */
typedef void (*store_pending_fn)(void *ctx, uint64_t height,
				 const uint8_t hash[32], const uint8_t *block,
				 size_t len);
int store_pending_put(struct store *s, uint64_t height, const uint8_t hash[32],
		      const void *block, size_t len, struct acc_err *err);
int store_pending_list(struct store *s, uint64_t min_height,
		       store_pending_fn fn, void *ctx, struct acc_err *err);
int store_pending_prune(struct store *s, uint64_t below_height,
			struct acc_err *err);

/* Reads. A read transaction sees one committed state (a snapshot). *t is
 * owned by the caller until store_read_end. */
int store_read_begin(struct store *s, struct store_rtxn **t,
		     struct acc_err *err);
void store_read_end(struct store_rtxn *t); /* NULL-safe */

struct store_head {
	uint64_t height; /* 0 = no block yet (then the rest is the empty log) */
	uint64_t log_size;
	uint8_t log_root[32];
	uint8_t block_hash[32]; /* zero at height 0 */
};
int store_head_get(struct store_rtxn *t, struct store_head *h);

/* What storage keeps about one block besides its bytes. */
struct store_block_info {
	uint64_t height;
	uint8_t hash[32];
	uint64_t first_index; /* log index of its first entry */
	uint32_t entry_count;
	uint64_t log_size; /* after the block */
	uint8_t log_root[32];
};

/*
 * Block at height (1..head): its encoded header and the certificate stored
 * for it (the canonical one carried by block height + 1 once that is
 * committed, else the one it was committed with), and its entries'
 * position. Any out pointer may be NULL. ACC_ENOTFOUND past the head.
 */
int store_block_get(struct store_rtxn *t, uint64_t height,
		    const uint8_t **header, size_t *hlen, const uint8_t **cert,
		    size_t *clen, uint64_t *first_index, uint32_t *entry_count);
int store_block_info_get(struct store_rtxn *t, uint64_t height,
			 struct store_block_info *info);
/* The last_cert block `height` carried (empty at height 1), for audit. */
int store_block_last_cert(struct store_rtxn *t, uint64_t height,
			  const uint8_t **cert, size_t *clen);

/* Entry bytes at a log index. ACC_ENOTFOUND past the log. */
int store_entry_get(struct store_rtxn *t, uint64_t index, const uint8_t **bytes,
		    size_t *len);
/* Log index of entry id (its leaf hash). ACC_ENOTFOUND. */
int store_entry_find(struct store_rtxn *t, const uint8_t id[32],
		     uint64_t *index);
/* Id (leaf hash) of the entry at index. ACC_ENOTFOUND. */
int store_entry_id(struct store_rtxn *t, uint64_t index, uint8_t id[32]);
/* Height of the block holding entry index. ACC_ENOTFOUND. */
int store_entry_height(struct store_rtxn *t, uint64_t index, uint64_t *height);

/*
 * RFC 9162 roots and proofs over the committed log, from stored Merkle
 * nodes only (O(log^2 n) point reads, no entry reads). Sizes must not pass
 * the log size seen by t (ACC_ERANGE). proof holds MERKLE_PROOF_HASHES_MAX
 * hashes. Proof rules as common/merkle.h: inclusion needs index < size,
 * consistency needs 0 < old_size <= new_size (ACC_EINVAL).
 */
int store_root_at(struct store_rtxn *t, uint64_t size, uint8_t root[32]);
int store_proof_inclusion(struct store_rtxn *t, uint64_t index, uint64_t size,
			  uint8_t (*proof)[32], size_t *count);
int store_proof_consistency(struct store_rtxn *t, uint64_t old_size,
			    uint64_t new_size, uint8_t (*proof)[32],
			    size_t *count);

/*
 * Index iteration: fn(ctx, index) for each entry index filed under party
 * (or agreement), in log order, starting at index `from` (inclusive: pass
 * 0 for the beginning and last + 1 for the next page), at most limit calls.
 * fn returns 0 to go on, 1 to stop early (then 0 is returned), or a
 * negative error that is returned.
 */
int store_party_entries(struct store_rtxn *t, const char *party, uint64_t from,
			uint32_t limit, int (*fn)(void *ctx, uint64_t index),
			void *ctx);
int store_agreement_entries(struct store_rtxn *t, const uint8_t agreement[32],
			    uint64_t from, uint32_t limit,
			    int (*fn)(void *ctx, uint64_t index), void *ctx);

/* Derived state as of t. ACC_ENOTFOUND. */
int store_state_get(struct store_rtxn *t, const void *key, size_t klen,
		    const uint8_t **val, size_t *vlen);
/* fn for every state key starting with prefix (plen may be 0), in key
 * byte order; fn returns as for store_party_entries. */
int store_state_iter(struct store_rtxn *t, const void *prefix, size_t plen,
		     int (*fn)(void *ctx, const uint8_t *k, size_t kl,
			       const uint8_t *v, size_t vl),
		     void *ctx);

#endif
