/* store.c - the LMDB environment: open, close, metadata and the signing
 * state slot (specs/storage.md §1, §3, §5). */
#include "storage/store.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/codec.h"
#include "common/error.h"
#include "storage/store_int.h"

int store_lmdb_err(struct acc_err *err, int rc, const char *what)
{
	int code = rc == MDB_MAP_FULL ? ACC_EFULL : ACC_ESTORE;
	return acc_err_set(err, code, "%s: %s", what, mdb_strerror(rc));
}

int store_lmdb_code(int rc)
{
	if (rc == MDB_NOTFOUND)
		return ACC_ENOTFOUND;
	if (rc == MDB_MAP_FULL)
		return ACC_EFULL;
	return ACC_ESTORE;
}

void store_node_key(uint8_t key[NODE_KEY_BYTES], unsigned level, uint64_t index)
{
	key[0] = (uint8_t)level;
	be64_put(key + 1, index);
}

int store_node_read(void *ctx, unsigned level, uint64_t index,
		    uint8_t out[MERKLE_HASH_BYTES])
{
	struct node_ctx *c = ctx;
	uint8_t k[NODE_KEY_BYTES];
	store_node_key(k, level, index);
	MDB_val key = {sizeof k, k}, val;
	int rc = mdb_get(c->txn, c->s->db_nodes, &key, &val);
	if (rc != 0)
		return ACC_ESTORE; /* a node the log's size promises is missing
				    */
	if (val.mv_size != MERKLE_HASH_BYTES)
		return ACC_ESTORE;
	memcpy(out, val.mv_data, MERKLE_HASH_BYTES);
	return 0;
}

int store_block_rec_decode(const uint8_t *p, size_t len, uint64_t height,
			   struct block_rec *out)
{
	struct rbuf r;
	rbuf_init(&r, p, len);
	memset(out, 0, sizeof *out);
	out->info.height = height;
	(void)rbuf_bytes(&r, out->info.hash, 32);
	(void)rbuf_u64(&r, &out->info.first_index);
	(void)rbuf_u32(&r, &out->info.entry_count);
	(void)rbuf_u64(&r, &out->info.log_size);
	(void)rbuf_bytes(&r, out->info.log_root, 32);
	(void)rbuf_var32(&r, &out->header, &out->header_len,
			 STORE_HEADER_BYTES_MAX);
	(void)rbuf_var32(&r, &out->last_cert, &out->last_cert_len,
			 STORE_CERT_BYTES_MAX);
	if (rbuf_finish(&r) != 0)
		return ACC_ESTORE;
	if (out->info.log_size - out->info.first_index != out->info.entry_count)
		return ACC_ESTORE;
	return 0;
}

int store_head_read(struct store *s, MDB_txn *txn, struct store_head *h)
{
	memset(h, 0, sizeof *h);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->db_blocks, &cur);
	if (rc != 0)
		return ACC_ESTORE;
	MDB_val key, val;
	rc = mdb_cursor_get(cur, &key, &val, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		merkle_empty_root(h->log_root);
		return 0;
	}
	if (rc != 0 || key.mv_size != U64_KEY_BYTES)
		return ACC_ESTORE;
	struct block_rec b;
	uint64_t height = be64_get(key.mv_data);
	if (store_block_rec_decode(val.mv_data, val.mv_size, height, &b) != 0)
		return ACC_ESTORE;
	h->height = height;
	h->log_size = b.info.log_size;
	memcpy(h->log_root, b.info.log_root, 32);
	memcpy(h->block_hash, b.info.hash, 32);
	return 0;
}

/* mkdir -p: create dir and any missing parents (mode 0700). */
static int make_dirs(const char *dir, struct acc_err *err)
{
	size_t n = strlen(dir);
	if (n == 0 || n >= 4096)
		return acc_err_set(err, ACC_EINVAL, "bad data directory path");
	char path[4096];
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return acc_err_set(err, ACC_EIO, "mkdir %s: %s", path,
					   strerror(errno));
		path[i] = c;
	}
	return 0;
}

static const struct {
	const char *name;
	size_t off;
} dbs[] = {
    {"meta", offsetof(struct store, db_meta)},
    {"blocks", offsetof(struct store, db_blocks)},
    {"certs", offsetof(struct store, db_certs)},
    {"entries", offsetof(struct store, db_entries)},
    {"ids", offsetof(struct store, db_ids)},
    {"nodes", offsetof(struct store, db_nodes)},
    {"party", offsetof(struct store, db_party)},
    {"agreement", offsetof(struct store, db_agreement)},
    {"state", offsetof(struct store, db_state)},
};
#define DB_COUNT (sizeof dbs / sizeof dbs[0])

/* Open every sub-database in txn (creating them when writable) and check
 * or write the format version. */
static int open_dbs(struct store *s, MDB_txn *txn, struct acc_err *err)
{
	unsigned flags = s->readonly ? 0u : MDB_CREATE;
	for (size_t i = 0; i < DB_COUNT; i++) {
		MDB_dbi *dbi = (MDB_dbi *)((char *)s + dbs[i].off);
		int rc = mdb_dbi_open(txn, dbs[i].name, flags, dbi);
		if (rc == MDB_NOTFOUND)
			return acc_err_set(err, ACC_ESTORE,
					   "not an accord store: no %s table",
					   dbs[i].name);
		if (rc != 0)
			return store_lmdb_err(err, rc, dbs[i].name);
	}
	MDB_val key = {strlen(META_FORMAT), (void *)META_FORMAT}, val;
	int rc = mdb_get(txn, s->db_meta, &key, &val);
	if (rc == MDB_NOTFOUND && !s->readonly) {
		uint8_t v[4];
		be32_put(v, STORE_FORMAT_VERSION);
		val = (MDB_val){sizeof v, v};
		rc = mdb_put(txn, s->db_meta, &key, &val, 0);
		if (rc != 0)
			return store_lmdb_err(err, rc, "format version");
		return 0;
	}
	if (rc == MDB_NOTFOUND)
		return acc_err_set(err, ACC_ESTORE, "no format version");
	if (rc != 0)
		return store_lmdb_err(err, rc, "format version");
	if (val.mv_size != 4 || be32_get(val.mv_data) != STORE_FORMAT_VERSION)
		return acc_err_set(err, ACC_EDECODE,
				   "store format version not understood");
	return 0;
}

/* Rebuild the in-memory frontier from the stored Merkle nodes and check
 * it reproduces the head's root (specs/storage.md §4). */
int store_frontier_load(struct store *s, struct acc_err *err)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return store_lmdb_err(err, rc, "read txn");
	struct store_head h;
	rc = store_head_read(s, txn, &h);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return acc_err_set(err, rc, "head block record is corrupt");
	}
	struct node_ctx c = {s, txn};
	struct merkle_frontier f;
	rc = merkle_frontier_load(&f, h.log_size, store_node_read, &c);
	mdb_txn_abort(txn);
	if (rc != 0)
		return acc_err_set(err, rc, "Merkle frontier of size %llu",
				   (unsigned long long)h.log_size);
	uint8_t root[32];
	merkle_frontier_root(&f, root);
	if (memcmp(root, h.log_root, 32) != 0)
		return acc_err_set(err, ACC_EMISMATCH,
				   "stored Merkle nodes do not give the head's "
				   "log root at height %llu",
				   (unsigned long long)h.height);
	pthread_mutex_lock(&s->mu);
	s->frontier = f;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int env_open(struct store *s, const char *dir, size_t map_bytes,
		    unsigned flags, struct acc_err *err)
{
	int rc = mdb_env_create(&s->env);
	if (rc != 0)
		return store_lmdb_err(err, rc, "mdb_env_create");
	if ((rc = mdb_env_set_maxreaders(s->env, STORE_READERS_MAX)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, (MDB_dbi)DB_COUNT + 4)) != 0 ||
	    (map_bytes > 0 &&
	     (rc = mdb_env_set_mapsize(s->env, map_bytes)) != 0)) {
		mdb_env_close(s->env);
		s->env = NULL;
		return store_lmdb_err(err, rc, "mdb_env_set");
	}
	rc = mdb_env_open(s->env, dir, flags, 0600);
	if (rc != 0) {
		mdb_env_close(s->env);
		s->env = NULL;
		return store_lmdb_err(err, rc, dir);
	}
	return 0;
}

static int store_alloc(struct store **out, struct acc_err *err)
{
	struct store *s = calloc(1, sizeof *s);
	if (s == NULL)
		return acc_err_set(err, ACC_ENOMEM, "store");
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return acc_err_set(err, ACC_ENOMEM, "store mutex");
	}
	if (pthread_mutex_init(&s->sign_mu, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return acc_err_set(err, ACC_ENOMEM, "store mutex");
	}
	s->sign_fd = -1;
	merkle_frontier_init(&s->frontier);
	*out = s;
	return 0;
}

/* The tail common to both opens: the sub-databases in their own
 * transaction (committed, not aborted, so the dbi handles stay valid for
 * later transactions; read only for a read-only store), then the in-memory
 * frontier, checked against the head (specs/storage.md §4). */
static int tables_open(struct store *s, struct acc_err *err)
{
	MDB_txn *txn;
	unsigned flags = s->readonly ? MDB_RDONLY : 0u;
	int rc = mdb_txn_begin(s->env, NULL, flags, &txn);
	if (rc != 0)
		return store_lmdb_err(err, rc, "open txn");
	if ((rc = open_dbs(s, txn, err)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_lmdb_err(err, rc, "open txn commit");
	return store_frontier_load(s, err);
}

int store_open(struct store **out, const char *dir,
	       const struct store_opts *opts, struct acc_err *err)
{
	size_t map_bytes =
	    opts && opts->map_bytes ? opts->map_bytes : STORE_MAP_BYTES_DEFAULT;
	int no_sync = opts ? opts->no_sync : 0;
	int rc = make_dirs(dir, err);
	if (rc != 0)
		return rc;
	struct store *s;
	if ((rc = store_alloc(&s, err)) != 0)
		return rc;
	s->no_sync = no_sync;
	/* MDB_NOTLS: read transactions belong to no thread, so HTTP threads
	 * can share them with a pool. Durability is LMDB's default: the
	 * commit returns after fsync (specs/storage.md §3). */
	unsigned flags = MDB_NOTLS | (no_sync ? MDB_NOSYNC : 0u);
	if ((rc = env_open(s, dir, map_bytes, flags, err)) != 0)
		goto fail;
	/* Free reader slots left by processes that died (kill -9). */
	int dead = 0;
	(void)mdb_reader_check(s->env, &dead);
	if ((rc = tables_open(s, err)) != 0 ||
	    (rc = store_sign_file_open(s, dir, 0, err)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

int store_open_readonly(struct store **out, const char *dir,
			struct acc_err *err)
{
	struct store *s;
	int rc = store_alloc(&s, err);
	if (rc != 0)
		return rc;
	s->readonly = 1;
	/* A copied directory may lack a usable lock file (absent on a
	 * read-only medium, or stale); then open without locking. */
	rc = env_open(s, dir, 0, MDB_RDONLY | MDB_NOTLS, err);
	if (rc != 0)
		rc = env_open(s, dir, 0, MDB_RDONLY | MDB_NOTLS | MDB_NOLOCK,
			      err);
	if (rc != 0 || (rc = tables_open(s, err)) != 0 ||
	    (rc = store_sign_file_open(s, dir, 1, err)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

int store_backup(const char *dir, const char *dest, struct acc_err *err)
{
	struct stat st;
	if (stat(dest, &st) != 0 || !S_ISDIR(st.st_mode))
		return acc_err_set(err, ACC_EIO,
				   "backup: %s is not a directory", dest);
	struct store *s;
	int rc = store_alloc(&s, err);
	if (rc != 0)
		return rc;
	s->readonly = 1;
	/* With the lock file (no MDB_NOLOCK): the copy's read transaction
	 * takes a reader slot, so the running node's writer keeps the pages
	 * the copy still reads and is never blocked by it (specs/storage.md
	 * §8). */
	if ((rc = env_open(s, dir, 0, MDB_RDONLY | MDB_NOTLS, err)) != 0 ||
	    (rc = tables_open(s, err)) != 0)
		goto done;
	rc = mdb_env_copy2(s->env, dest, MDB_CP_COMPACT);
	if (rc != 0)
		rc = store_lmdb_err(err, rc, "backup: mdb_env_copy2");
done:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	store_sign_file_close(s);
	pthread_mutex_destroy(&s->sign_mu);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* One key put in its own write transaction, synced before return. */
static int meta_write(struct store *s, const char *key, const void *val,
		      size_t len, struct acc_err *err)
{
	if (s->readonly)
		return acc_err_set(err, ACC_ESTATE, "store is read only");
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0)
		return store_lmdb_err(err, rc, "write txn");
	MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)val};
	if ((rc = mdb_put(txn, s->db_meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(err, rc, key);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_lmdb_err(err, rc, key);
	/* With no_sync the commit did not reach the disk: force it, since
	 * callers rely on these slots surviving a crash. */
	if (s->no_sync && (rc = mdb_env_sync(s->env, 1)) != 0)
		return store_lmdb_err(err, rc, "sync");
	return 0;
}

static int meta_read(struct store *s, const char *key, void *buf, size_t cap,
		     size_t *len, struct acc_err *err)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return store_lmdb_err(err, rc, "read txn");
	MDB_val k = {strlen(key), (void *)key}, v;
	rc = mdb_get(txn, s->db_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return acc_err_set(err, ACC_ENOTFOUND, "%s not set", key);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(err, rc, key);
	}
	*len = v.mv_size;
	if (v.mv_size > cap) {
		mdb_txn_abort(txn);
		return acc_err_set(err, ACC_ETOOBIG, "%s: %zu bytes > %zu", key,
				   v.mv_size, cap);
	}
	if (v.mv_size > 0)
		memcpy(buf, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return 0;
}

static int meta_key_check(const char *key, struct acc_err *err)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n > STORE_META_KEY_BYTES_MAX)
		return acc_err_set(err, ACC_EINVAL, "bad metadata key");
	if (strncmp(key, "store.", 6) == 0)
		return acc_err_set(err, ACC_EINVAL, "metadata key %s reserved",
				   key);
	return 0;
}

int store_meta_put(struct store *s, const char *key, const void *val,
		   size_t len, struct acc_err *err)
{
	int rc = meta_key_check(key, err);
	if (rc != 0)
		return rc;
	if (len > STORE_META_VALUE_BYTES_MAX || (len > 0 && val == NULL))
		return acc_err_set(err, ACC_ETOOBIG, "metadata %s: %zu bytes",
				   key, len);
	return meta_write(s, key, val, len, err);
}

int store_meta_get(struct store *s, const char *key, void *buf, size_t cap,
		   size_t *len, struct acc_err *err)
{
	int rc = meta_key_check(key, err);
	if (rc != 0)
		return rc;
	return meta_read(s, key, buf, cap, len, err);
}

int store_sign_state_put(struct store *s, const void *bytes, size_t len,
			 struct acc_err *err)
{
	if (len > STORE_SIGN_STATE_BYTES_MAX || (len > 0 && bytes == NULL))
		return acc_err_set(err, ACC_ETOOBIG, "sign state: %zu bytes",
				   len);
	if (s->readonly || s->sign_fd < 0)
		return acc_err_set(err, ACC_ESTATE, "store is read only");
	return store_sign_file_put(s, bytes, len, err);
}

int store_sign_state_get(struct store *s, void *buf, size_t cap, size_t *len,
			 struct acc_err *err)
{
	int rc = store_sign_file_get(s, buf, cap, len, err);
	if (rc != ACC_ENOTFOUND)
		return rc;
	/* specs/storage.md §7: a data directory from before the file. */
	return meta_read(s, META_SIGN_STATE, buf, cap, len, err);
}

void store_log_frontier(struct store *s, struct merkle_frontier *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->frontier;
	pthread_mutex_unlock(&s->mu);
}

int store_log_root_after(struct store *s, const uint8_t (*leaf_hashes)[32],
			 uint32_t n, uint8_t root[32], uint64_t *size)
{
	struct merkle_frontier f;
	pthread_mutex_lock(&s->mu);
	f = s->frontier;
	pthread_mutex_unlock(&s->mu);
	for (uint32_t i = 0; i < n; i++) {
		int rc = merkle_frontier_append(&f, leaf_hashes[i], NULL, NULL);
		if (rc != 0)
			return rc;
	}
	merkle_frontier_root(&f, root);
	*size = f.size;
	return 0;
}
