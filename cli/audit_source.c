/* audit_source.c - where an audit reads blocks from: a copied data
 * directory opened read only, or a node's GET /v1/blocks/H?full=1
 * (specs/cli.md §8); or a directory an earlier audit saved, and the
 * wrapper that saves (§8.1). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/http.h"
#include "common/hex.h"
#include "ledger/fixed.h"
#include "ledger/state.h"
#include "storage/kv_store.h"
#include "storage/store.h"

/* ---- a data directory ---- */

struct data_src {
	struct store *s;
	struct store_rtxn *t; /* one snapshot for the whole audit */
	struct audit_arrays ea;
	char name[1100];
};

static int data_head(void *ctx, struct audit_head *h, struct acc_err *err)
{
	struct data_src *d = ctx;
	struct store_head sh;
	memset(h, 0, sizeof *h);
	int rc = store_head_get(d->t, &sh);
	if (rc != 0)
		return acc_err_set(err, rc, "cannot read the head: %s",
				   acc_strerror(rc));
	h->height = sh.height;
	h->log_size = sh.log_size;
	memcpy(h->log_root, sh.log_root, HASH_BYTES);
	size_t n = 0;
	struct acc_err e = {0};
	if (store_meta_get(d->s, "genesis", h->genesis_hash, HASH_BYTES, &n,
			   &e) == 0 &&
	    n == HASH_BYTES)
		h->has_genesis_hash = 1;
	return 0;
}

static int data_block(void *ctx, uint64_t height, struct audit_block *b,
		      struct acc_err *err)
{
	struct data_src *d = ctx;
	uint32_t count = 0;
	int rc =
	    store_block_get(d->t, height, &b->header, &b->header_len, &b->cert,
			    &b->cert_len, &b->first_index, &count);
	if (rc != 0)
		return acc_err_set(err, rc, "%s: cannot read the block: %s",
				   d->name, acc_strerror(rc));
	rc = store_block_last_cert(d->t, height, &b->last_cert,
				   &b->last_cert_len);
	if (rc != 0 && rc != ACC_ENOTFOUND)
		return acc_err_set(err, rc,
				   "%s: cannot read its last certificate: %s",
				   d->name, acc_strerror(rc));
	if (rc == ACC_ENOTFOUND) {
		b->last_cert = NULL;
		b->last_cert_len = 0;
	}
	if (count > BLOCK_ENTRIES_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: %u entries, over the bound %u", d->name,
				   count, BLOCK_ENTRIES_MAX);
	if (audit_arrays_grow(&d->ea, count) != 0)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < count; i++) {
		rc = store_entry_get(d->t, b->first_index + i, &d->ea.p[i],
				     &d->ea.len[i]);
		if (rc != 0)
			return acc_err_set(
			    err, rc,
			    "entry %u (log index %llu) cannot be read: %s", i,
			    (unsigned long long)(b->first_index + i),
			    acc_strerror(rc));
		rc = store_entry_id(d->t, b->first_index + i, d->ea.ids[i]);
		if (rc != 0)
			return acc_err_set(
			    err, rc,
			    "entry %u (log index %llu): no id filed: %s", i,
			    (unsigned long long)(b->first_index + i),
			    acc_strerror(rc));
	}
	b->entry_count = count;
	b->entries = d->ea.p;
	b->entry_lens = d->ea.len;
	b->ids = (const uint8_t(*)[HASH_BYTES])d->ea.ids;
	return 0;
}

/* The derived state of the same snapshot the blocks come from. */
static int data_state(void *ctx, struct audit_state *st, struct acc_err *err)
{
	struct data_src *d = ctx;
	struct store_head sh;
	struct kv kv;
	memset(st, 0, sizeof *st);
	int rc = store_head_get(d->t, &sh);
	if (rc != 0)
		return acc_err_set(err, rc, "cannot read the head: %s",
				   acc_strerror(rc));
	st->height = sh.height;
	store_kv_read(&kv, d->t);
	rc = state_digest(&kv, st->digest);
	if (rc != 0)
		return acc_err_set(err, rc, "cannot read the derived state: %s",
				   acc_strerror(rc));
	return 0;
}

static void data_close(void *ctx)
{
	struct data_src *d = ctx;
	store_read_end(d->t);
	store_close(d->s);
	audit_arrays_free(&d->ea);
	free(d);
}

int audit_source_data(struct audit_source *src, const char *dir,
		      struct acc_err *err)
{
	struct data_src *d = calloc(1, sizeof *d);
	if (d == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	(void)snprintf(d->name, sizeof d->name, "data directory %s", dir);
	int rc = store_open_readonly(&d->s, dir, err);
	if (rc != 0) {
		free(d);
		return rc;
	}
	rc = store_read_begin(d->s, &d->t, err);
	if (rc != 0) {
		store_close(d->s);
		free(d);
		return rc;
	}
	src->name = d->name;
	src->head = data_head;
	src->block = data_block;
	src->state = data_state;
	src->close = data_close;
	src->ctx = d;
	/* Everything it serves points into the LMDB map, valid until the
	 * read snapshot ends at close (storage/store.h). */
	src->bytes_stable = 1;
	return 0;
}

/* ---- a node over HTTP ---- */

struct node_src {
	struct http_client c;
	char url[HTTP_URL_BYTES_MAX];
	char name[HTTP_URL_BYTES_MAX + 8];
	/* The decoded bytes of the current block, owned. */
	struct audit_block_bufs bb;
	/* The next block is fetched and parsed by a helper thread, with its
	 * own connection, while the auditor verifies the current one. */
	uint64_t head_height;
	struct http_client pc;
	pthread_t pt;
	int pt_running;
	uint64_t p_height;
	json_t *p_json; /* the prefetched answer, owned; NULL on error */
	int p_rc;
	struct acc_err p_err;
};

/* GET /v1/blocks/H?full=1 and parse it. */
static int block_fetch(struct http_client *c, const char *base, uint64_t height,
		       json_t **out, struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	*out = NULL;
	if (http_url(url, base, "/v1/blocks/%llu?full=1",
		     (unsigned long long)height) != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	return http_get_json(c, url, out, err);
}

static void *prefetch_main(void *arg)
{
	struct node_src *n = arg;
	n->p_rc =
	    block_fetch(&n->pc, n->url, n->p_height, &n->p_json, &n->p_err);
	return NULL;
}

/* Wait for the helper; its result stays in p_json/p_rc. */
static void prefetch_join(struct node_src *n)
{
	if (n->pt_running) {
		(void)pthread_join(n->pt, NULL);
		n->pt_running = 0;
	}
}

static void prefetch_start(struct node_src *n, uint64_t height)
{
	n->p_height = height;
	n->p_json = NULL;
	n->p_rc = 0;
	n->pt_running = pthread_create(&n->pt, NULL, prefetch_main, n) == 0;
}

static int node_head(void *ctx, struct audit_head *h, struct acc_err *err)
{
	struct node_src *n = ctx;
	struct node_status st;
	memset(h, 0, sizeof *h);
	int rc = client_status(&n->c, n->url, &st, err);
	if (rc != 0)
		return rc;
	h->height = st.height;
	h->log_size = st.log_size;
	memcpy(h->log_root, st.log_root, HASH_BYTES);
	memcpy(h->genesis_hash, st.genesis_hash, HASH_BYTES);
	h->has_genesis_hash = 1;
	n->head_height = st.height;
	return 0;
}

static int node_block(void *ctx, uint64_t height, struct audit_block *b,
		      struct acc_err *err)
{
	struct node_src *n = ctx;
	json_t *j = NULL;
	int rc;
	audit_block_bufs_release(&n->bb);
	prefetch_join(n);
	if (n->p_height == height && (n->p_json != NULL || n->p_rc != 0)) {
		j = n->p_json;
		rc = n->p_rc;
		if (rc != 0)
			*err = n->p_err;
		n->p_json = NULL;
		n->p_rc = 0;
		n->p_height = 0;
	} else {
		json_decref(n->p_json);
		n->p_json = NULL;
		rc = block_fetch(&n->c, n->url, height, &j, err);
	}
	if (rc != 0)
		return rc;
	if (height < n->head_height)
		prefetch_start(n, height + 1);
	struct acc_err je = {0};
	rc = audit_block_from_json(j, &n->bb, b, &je);
	if (rc != 0)
		(void)acc_err_set(err, rc, "answer: %s", je.msg);
	json_decref(j);
	return rc;
}

/* GET /v1/compliance: the node's digest and table at its head now. */
static int node_state(void *ctx, struct audit_state *st, struct acc_err *err)
{
	struct node_src *n = ctx;
	char url[HTTP_URL_BYTES_MAX];
	json_t *j = NULL;
	memset(st, 0, sizeof *st);
	if (http_url(url, n->url, "/v1/compliance?digest=1") != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_get_json(&n->c, url, &j, err);
	if (rc != 0)
		return rc;
	json_t *rows = json_object_get(j, "rows");
	if ((rc = client_json_u64(j, "height", &st->height, err)) != 0 ||
	    (rc = client_json_hash(j, "state_digest", st->digest, HASH_BYTES,
				   err)) != 0) {
		json_decref(j);
		return rc;
	}
	if (!json_is_array(rows)) {
		json_decref(j);
		return acc_err_set(err, ACC_EDECODE,
				   "/v1/compliance: rows is not an array");
	}
	st->rows = json_incref(rows);
	json_decref(j);
	return 0;
}

static void node_close(void *ctx)
{
	struct node_src *n = ctx;
	prefetch_join(n);
	json_decref(n->p_json);
	audit_block_bufs_free(&n->bb);
	http_client_free(&n->pc);
	http_client_free(&n->c);
	free(n);
}

int audit_source_node(struct audit_source *src, const char *url,
		      struct acc_err *err)
{
	struct node_src *n = calloc(1, sizeof *n);
	if (n == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	if (strlen(url) >= sizeof n->url) {
		free(n);
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	}
	memcpy(n->url, url, strlen(url) + 1);
	(void)snprintf(n->name, sizeof n->name, "node %s", url);
	int rc = http_client_init(&n->c, err);
	if (rc != 0) {
		free(n);
		return rc;
	}
	rc = http_client_init(&n->pc, err);
	if (rc != 0) {
		http_client_free(&n->c);
		free(n);
		return rc;
	}
	src->name = n->name;
	src->head = node_head;
	src->block = node_block;
	src->state = node_state;
	src->close = node_close;
	src->ctx = n;
	src->bytes_stable = 0; /* its buffers are reused block after block */
	return 0;
}

/* ---- a saved directory (specs/cli.md §8.1) ---- */

#define SAVED_FORMAT "accord audit save 1"
/* saved.json and state.json without rows are small; rows and blocks are
 * bounded like the node's answers. */
#define SAVED_SMALL_BYTES_MAX (64u * 1024u)

/* Parse the JSON file path of at most max bytes (duplicates refused) into
 * *out (owned). ACC_EIO, ACC_ETOOBIG, ACC_EJSON naming the file. */
static int file_json(const char *path, size_t max, json_t **out,
		     struct acc_err *err)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "%s: %s", path,
				   strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		(void)fclose(f);
		return acc_err_set(err, ACC_EIO, "%s: not a regular file",
				   path);
	}
	if ((uint64_t)sb.st_size > max) {
		(void)fclose(f);
		return acc_err_set(err, ACC_ETOOBIG,
				   "%s: larger than %zu bytes", path, max);
	}
	size_t n = (size_t)sb.st_size;
	char *buf = malloc(n + 1);
	if (buf == NULL) {
		(void)fclose(f);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	size_t got = fread(buf, 1, n, f);
	(void)fclose(f);
	if (got != n) {
		free(buf);
		return acc_err_set(err, ACC_EIO, "%s: short read", path);
	}
	json_error_t je;
	*out = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (*out == NULL)
		return acc_err_set(err, ACC_EJSON, "%s: line %d: %s", path,
				   je.line, je.text);
	return 0;
}

/* Write j compactly to path, through a temporary file renamed into place
 * so that a reader never sees half a file. ACC_EIO. */
static int file_json_write(const char *path, const json_t *j,
			   struct acc_err *err)
{
	char tmp[1200];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return acc_err_set(err, ACC_EIO, "%s: path too long", path);
	FILE *f = fopen(tmp, "wb");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "%s: %s", tmp,
				   strerror(errno));
	int bad = json_dumpf(j, f, JSON_COMPACT | QTY_JSON_DUMP_FLAGS) != 0;
	bad |= fputc('\n', f) == EOF;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		(void)remove(tmp);
		return acc_err_set(err, ACC_EIO, "%s: cannot write", path);
	}
	return 0;
}

struct saved_src {
	char dir[1024];
	char name[1200];
	struct audit_block_bufs bb;
};

static int saved_path(char *out, size_t n, const struct saved_src *d,
		      const char *fmt, uint64_t h, struct acc_err *err)
{
	char rel[64];
	(void)snprintf(rel, sizeof rel, fmt, (unsigned long long)h);
	if ((size_t)snprintf(out, n, "%s/%s", d->dir, rel) >= n)
		return acc_err_set(err, ACC_EIO, "path too long");
	return 0;
}

static int saved_head(void *ctx, struct audit_head *h, struct acc_err *err)
{
	struct saved_src *d = ctx;
	char path[1200];
	json_t *j;
	memset(h, 0, sizeof *h);
	int rc = saved_path(path, sizeof path, d, "saved.json", 0, err);
	if (rc == 0)
		rc = file_json(path, SAVED_SMALL_BYTES_MAX, &j, err);
	if (rc != 0)
		return rc;
	struct acc_err e = {0};
	const char *fmt = json_string_value(json_object_get(j, "format"));
	if (fmt == NULL || strcmp(fmt, SAVED_FORMAT) != 0)
		rc = acc_err_set(&e, ACC_EDECODE,
				 "\"format\" is not \"" SAVED_FORMAT "\"");
	else if ((rc = client_json_u64(j, "height", &h->height, &e)) == 0 &&
		 (rc = client_json_u64(j, "log_size", &h->log_size, &e)) == 0)
		rc = audit_json_hash(j, "log_root", h->log_root, &e);
	if (rc == 0 && !json_is_null(json_object_get(j, "genesis_hash"))) {
		rc = audit_json_hash(j, "genesis_hash", h->genesis_hash, &e);
		h->has_genesis_hash = rc == 0;
	}
	json_decref(j);
	if (rc != 0)
		return acc_err_set(err, rc, "%s: %s", path, e.msg);
	return 0;
}

static int saved_block(void *ctx, uint64_t height, struct audit_block *b,
		       struct acc_err *err)
{
	struct saved_src *d = ctx;
	char path[1200];
	json_t *j;
	uint64_t hh = 0;
	struct acc_err e = {0};
	int rc =
	    saved_path(path, sizeof path, d, "blocks/%llu.json", height, err);
	if (rc == 0)
		rc = file_json(path, HTTP_RESP_BYTES_MAX, &j, err);
	if (rc != 0)
		return rc;
	if ((rc = client_json_u64(j, "height", &hh, &e)) == 0 && hh != height)
		rc = acc_err_set(&e, ACC_EDECODE, "holds block %llu",
				 (unsigned long long)hh);
	if (rc == 0)
		rc = audit_block_from_json(j, &d->bb, b, &e);
	json_decref(j);
	if (rc != 0)
		return acc_err_set(err, rc, "%s: %s", path, e.msg);
	return 0;
}

static int saved_state(void *ctx, struct audit_state *st, struct acc_err *err)
{
	struct saved_src *d = ctx;
	char path[1200];
	json_t *j;
	struct acc_err e = {0};
	memset(st, 0, sizeof *st);
	int rc = saved_path(path, sizeof path, d, "state.json", 0, err);
	if (rc == 0)
		rc = file_json(path, HTTP_RESP_BYTES_MAX, &j, err);
	if (rc != 0)
		return rc;
	json_t *rows = json_object_get(j, "rows");
	if ((rc = client_json_u64(j, "height", &st->height, &e)) == 0 &&
	    (rc = audit_json_hash(j, "state_digest", st->digest, &e)) == 0 &&
	    !json_is_null(rows) && !json_is_array(rows))
		rc = acc_err_set(&e, ACC_EDECODE,
				 "\"rows\" is neither null nor an array");
	if (rc == 0 && json_is_array(rows))
		st->rows = json_incref(rows);
	json_decref(j);
	if (rc != 0)
		return acc_err_set(err, rc, "%s: %s", path, e.msg);
	return 0;
}

static void saved_close(void *ctx)
{
	struct saved_src *d = ctx;
	audit_block_bufs_free(&d->bb);
	free(d);
}

int audit_source_saved(struct audit_source *src, const char *dir,
		       struct acc_err *err)
{
	struct saved_src *d = calloc(1, sizeof *d);
	struct stat sb;
	if (d == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	if (strlen(dir) >= sizeof d->dir || stat(dir, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode)) {
		free(d);
		return acc_err_set(
		    err, ACC_EIO, "%.200s is not a saved audit directory", dir);
	}
	memcpy(d->dir, dir, strlen(dir) + 1);
	(void)snprintf(d->name, sizeof d->name, "saved audit %s", dir);
	src->name = d->name;
	src->head = saved_head;
	src->block = saved_block;
	src->state = saved_state;
	src->close = saved_close;
	src->ctx = d;
	src->bytes_stable = 0;
	return 0;
}

/* ---- saving what a source serves (specs/cli.md §8.1) ---- */

struct save_src {
	struct audit_source inner;
	char dir[1024];
	char name[1200];
};

static int save_path(char *out, size_t n, const struct save_src *s,
		     const char *rel, struct acc_err *err)
{
	if ((size_t)snprintf(out, n, "%s/%s", s->dir, rel) >= n)
		return acc_err_set(err, ACC_EIO, "path too long");
	return 0;
}

static json_t *hash_json(const uint8_t h[HASH_BYTES])
{
	char hex[2 * HASH_BYTES + 1];
	hex_encode(hex, h, HASH_BYTES);
	return json_string(hex);
}

static int save_head(void *ctx, struct audit_head *h, struct acc_err *err)
{
	struct save_src *s = ctx;
	char path[1200];
	int rc = s->inner.head(s->inner.ctx, h, err);
	if (rc != 0)
		return rc;
	json_t *j = json_pack(
	    "{s:s,s:s,s:o,s:I,s:I,s:o}", "format", SAVED_FORMAT, "source",
	    s->inner.name, "genesis_hash",
	    h->has_genesis_hash ? hash_json(h->genesis_hash) : json_null(),
	    "height", (json_int_t)h->height, "log_size",
	    (json_int_t)h->log_size, "log_root", hash_json(h->log_root));
	if (j == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	rc = save_path(path, sizeof path, s, "saved.json", err);
	if (rc == 0)
		rc = file_json_write(path, j, err);
	json_decref(j);
	return rc;
}

static int save_block(void *ctx, uint64_t height, struct audit_block *b,
		      struct acc_err *err)
{
	struct save_src *s = ctx;
	char path[1200], rel[64];
	int rc = s->inner.block(s->inner.ctx, height, b, err);
	if (rc != 0)
		return rc;
	if (b->ids == NULL)
		return acc_err_set(err, ACC_EDECODE,
				   "%s files no entry ids: cannot save",
				   s->inner.name);
	json_t *j = audit_block_to_json(height, b);
	if (j == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	(void)snprintf(rel, sizeof rel, "blocks/%llu.json",
		       (unsigned long long)height);
	rc = save_path(path, sizeof path, s, rel, err);
	if (rc == 0)
		rc = file_json_write(path, j, err);
	json_decref(j);
	return rc;
}

static int save_state(void *ctx, struct audit_state *st, struct acc_err *err)
{
	struct save_src *s = ctx;
	char path[1200];
	int rc = s->inner.state(s->inner.ctx, st, err);
	if (rc != 0)
		return rc;
	json_t *j = json_pack("{s:I,s:o,s:O}", "height", (json_int_t)st->height,
			      "state_digest", hash_json(st->digest), "rows",
			      st->rows ? st->rows : json_null());
	if (j == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	rc = save_path(path, sizeof path, s, "state.json", err);
	if (rc == 0)
		rc = file_json_write(path, j, err);
	json_decref(j);
	return rc;
}

static void save_close(void *ctx)
{
	struct save_src *s = ctx;
	s->inner.close(s->inner.ctx);
	free(s);
}

int audit_source_save(struct audit_source *src,
		      const struct audit_source *inner, const char *dir,
		      struct acc_err *err)
{
	char blocks[1100];
	if (strlen(dir) >= sizeof((struct save_src *)0)->dir)
		return acc_err_set(err, ACC_EIO, "%.200s: path too long", dir);
	int rc = cli_dir_make_empty(dir, "a save never overwrites", err);
	if (rc != 0)
		return rc;
	(void)snprintf(blocks, sizeof blocks, "%s/blocks", dir);
	if (mkdir(blocks, 0755) != 0)
		return acc_err_set(err, ACC_EIO, "%s: %s", blocks,
				   strerror(errno));
	struct save_src *s = calloc(1, sizeof *s);
	if (s == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	s->inner = *inner;
	memcpy(s->dir, dir, strlen(dir) + 1);
	(void)snprintf(s->name, sizeof s->name, "%s", inner->name);
	src->name = s->name;
	src->head = save_head;
	src->block = save_block;
	src->state = inner->state ? save_state : NULL;
	src->close = save_close;
	src->ctx = s;
	src->bytes_stable = inner->bytes_stable;
	return 0;
}
