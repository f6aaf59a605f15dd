/* audit_source.c - where an audit reads blocks from: a copied data
 * directory opened read only, or a node's GET /v1/blocks/H?full=1
 * (specs/cli.md §8). */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/audit.h"
#include "cli/client.h"
#include "cli/http.h"
#include "common/hex.h"
#include "ledger/state.h"
#include "storage/kv_store.h"
#include "storage/store.h"

/* Growable arrays of one block's entries. */
struct entry_arrays {
	size_t cap;
	const uint8_t **p;
	size_t *len;
	uint8_t (*ids)[HASH_BYTES];
};

static int arrays_grow(struct entry_arrays *a, size_t n)
{
	if (n <= a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 64;
	while (cap < n)
		cap *= 2;
	const uint8_t **p = realloc(a->p, cap * sizeof *p);
	if (p != NULL)
		a->p = p;
	size_t *len = realloc(a->len, cap * sizeof *len);
	if (len != NULL)
		a->len = len;
	uint8_t(*ids)[HASH_BYTES] = realloc(a->ids, cap * sizeof *ids);
	if (ids != NULL)
		a->ids = ids;
	if (p == NULL || len == NULL || ids == NULL)
		return ACC_ENOMEM;
	a->cap = cap;
	return 0;
}

static void arrays_free(struct entry_arrays *a)
{
	free(a->p);
	free(a->len);
	free(a->ids);
	memset(a, 0, sizeof *a);
}

/* ---- a data directory ---- */

struct data_src {
	struct store *s;
	struct store_rtxn *t; /* one snapshot for the whole audit */
	struct entry_arrays ea;
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
	if (arrays_grow(&d->ea, count) != 0)
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
	arrays_free(&d->ea);
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
	uint8_t *header, *cert, *last_cert, *entry_buf;
	size_t entry_buf_cap;
	struct entry_arrays ea;
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

/* Decode the hex string member key into a new buffer. "" gives len 0. */
static int hex_member(const json_t *j, const char *key, uint8_t **out,
		      size_t *len, struct acc_err *err)
{
	const char *s = json_string_value(json_object_get(j, key));
	*out = NULL;
	*len = 0;
	if (s == NULL)
		return acc_err_set(err, ACC_EDECODE, "answer: no \"%s\"", key);
	size_t n = strlen(s);
	if (n % 2 != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "answer: \"%s\" is not hex", key);
	*out = malloc(n / 2 + 1);
	if (*out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	if (n > 0 && hex_decode(*out, n / 2, s) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "answer: \"%s\" is not hex", key);
	*len = n / 2;
	return 0;
}

static void node_block_release(struct node_src *n)
{
	free(n->header);
	free(n->cert);
	free(n->last_cert);
	n->header = n->cert = n->last_cert = NULL;
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
	node_block_release(n);
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
	json_t *hexes = json_object_get(j, "entries_hex");
	json_t *ids = json_object_get(j, "entry_ids");
	if ((rc = hex_member(j, "header_hex", &n->header, &b->header_len,
			     err)) != 0 ||
	    (rc = hex_member(j, "cert_hex", &n->cert, &b->cert_len, err)) !=
		0 ||
	    (rc = hex_member(j, "last_cert_hex", &n->last_cert,
			     &b->last_cert_len, err)) != 0 ||
	    (rc = client_json_u64(j, "first_index", &b->first_index, err)) != 0)
		goto out;
	if (!json_is_array(hexes) || !json_is_array(ids) ||
	    json_array_size(hexes) != json_array_size(ids) ||
	    json_array_size(hexes) > BLOCK_ENTRIES_MAX) {
		rc = acc_err_set(
		    err, ACC_EDECODE,
		    "answer: entries_hex and entry_ids do not match");
		goto out;
	}
	size_t count = json_array_size(hexes), total = 0;
	for (size_t i = 0; i < count; i++) {
		const char *s = json_string_value(json_array_get(hexes, i));
		if (s == NULL || strlen(s) % 2 != 0 ||
		    strlen(s) / 2 > ENTRY_BYTES_MAX) {
			rc = acc_err_set(
			    err, ACC_EDECODE,
			    "answer: entries_hex[%zu] is not an entry", i);
			goto out;
		}
		total += strlen(s) / 2;
	}
	if (arrays_grow(&n->ea, count) != 0) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	if (total > n->entry_buf_cap) {
		uint8_t *nb = realloc(n->entry_buf, total);
		if (nb == NULL) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			goto out;
		}
		n->entry_buf = nb;
		n->entry_buf_cap = total;
	}
	size_t off = 0;
	for (size_t i = 0; i < count; i++) {
		const char *s = json_string_value(json_array_get(hexes, i));
		size_t len = strlen(s) / 2;
		const char *id = json_string_value(json_array_get(ids, i));
		if (hex_decode(n->entry_buf + off, len, s) != 0 || id == NULL ||
		    strlen(id) != 2 * HASH_BYTES ||
		    hex_decode(n->ea.ids[i], HASH_BYTES, id) != 0) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "answer: entry %zu is not hex", i);
			goto out;
		}
		n->ea.p[i] = n->entry_buf + off;
		n->ea.len[i] = len;
		off += len;
	}
	b->header = n->header;
	b->cert = n->cert;
	b->last_cert = n->last_cert;
	b->entry_count = count;
	b->entries = n->ea.p;
	b->entry_lens = n->ea.len;
	b->ids = (const uint8_t(*)[HASH_BYTES])n->ea.ids;
out:
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
	node_block_release(n);
	free(n->entry_buf);
	arrays_free(&n->ea);
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
