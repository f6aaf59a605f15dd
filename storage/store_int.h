/* store_int.h - internals shared by the storage sources; only storage includes
 * it (and it is the only header that includes <lmdb.h>). */
#ifndef ACCORD_STORAGE_STORE_INT_H
#define ACCORD_STORAGE_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>

#include "common/merkle.h"
#include "storage/store.h"

/* Key sizes (specs/storage.md §2). */
#define NODE_KEY_BYTES 9u	       /* level u8 ‖ index u64 */
#define U64_KEY_BYTES 8u	       /* height or index, big-endian */
#define AGREEMENT_KEY_BYTES (32u + 8u) /* agreement id ‖ index */
#define PARTY_KEY_BYTES_MAX (1u + PARTY_ID_BYTES_MAX + 8u)

/* Block record: hash, first index, entry count, log size, log root; then
 * var32 header and var32 last_cert (specs/storage.md §2.2). */
#define BLOCK_REC_FIXED_BYTES (32u + 8u + 4u + 8u + 32u)

/* Reserved metadata names. */
#define META_FORMAT "store.format"
#define META_SIGN_STATE "store.sign_state"

struct store {
	MDB_env *env;
	MDB_dbi db_meta;
	MDB_dbi db_blocks;
	MDB_dbi db_certs;
	MDB_dbi db_entries;
	MDB_dbi db_ids;
	MDB_dbi db_nodes;
	MDB_dbi db_party;
	MDB_dbi db_agreement;
	MDB_dbi db_state;
	int readonly;
	int no_sync;
	/* The committed log's frontier. Written only by a commit (after its
	 * transaction committed), read by store_log_root_after; mu guards
	 * both. */
	pthread_mutex_t mu;
	struct merkle_frontier frontier;
	/* The signing record's file (specs/storage.md §7): -1 when absent
	 * (a read-only store without one); sign_mu guards the fd's use,
	 * sign_seq (the newest slot's sequence) and sign_buf. */
	int sign_fd;
	uint64_t sign_seq;
	pthread_mutex_t sign_mu;
	uint8_t sign_buf[2 * STORE_SIGN_SLOT_BYTES];
};

#define STORE_SIGN_FILE "sign_state"

/* Open (creating when not readonly) dir's signing-record file. */
int store_sign_file_open(struct store *s, const char *dir, int readonly,
			 struct acc_err *err);
void store_sign_file_close(struct store *s);
/* Write the record to the other slot and fdatasync. */
int store_sign_file_put(struct store *s, const void *bytes, size_t len,
			struct acc_err *err);
/* The newest valid slot's record; ACC_ENOTFOUND when none. */
int store_sign_file_get(struct store *s, void *buf, size_t cap, size_t *len,
			struct acc_err *err);

struct store_rtxn {
	struct store *s;
	MDB_txn *txn;
	struct store_head head; /* read at begin */
};

struct store_wtxn {
	struct store *s;
	MDB_txn *txn;
};

/* Translate an LMDB error (MDB_MAP_FULL -> ACC_EFULL, else ACC_ESTORE)
 * with mdb_strerror detail. */
int store_lmdb_err(struct acc_err *err, int rc, const char *what);

/* Plain code for functions without an acc_err: MDB_NOTFOUND ->
 * ACC_ENOTFOUND, MDB_MAP_FULL -> ACC_EFULL, else ACC_ESTORE. */
int store_lmdb_code(int rc);

void store_node_key(uint8_t key[NODE_KEY_BYTES], unsigned level,
		    uint64_t index);

/* Head as of txn: the last block record, or the empty log. */
int store_head_read(struct store *s, MDB_txn *txn, struct store_head *h);

/* Decode a block record (untrusted disk bytes). */
struct block_rec {
	struct store_block_info info;
	const uint8_t *header;
	size_t header_len;
	const uint8_t *last_cert;
	size_t last_cert_len;
};
int store_block_rec_decode(const uint8_t *p, size_t len, uint64_t height,
			   struct block_rec *out);

/* Rebuild the in-memory frontier from the stored Merkle nodes and check it
 * gives the head's root (specs/storage.md §4). */
int store_frontier_load(struct store *s, struct acc_err *err);

/* merkle_node_fn over the nodes sub-database; ctx is a struct node_ctx. */
struct node_ctx {
	struct store *s;
	MDB_txn *txn;
};
int store_node_read(void *ctx, unsigned level, uint64_t index,
		    uint8_t out[MERKLE_HASH_BYTES]);

#endif
