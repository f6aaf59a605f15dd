/* audit_json.c - a block as JSON, both ways: what a node's GET
 * /v1/blocks/H?full=1 answers and what `accord audit --save` keeps
 * (specs/cli.md §8.1). Only hex and jansson, so that the fuzz target can
 * compile it in. */
#include <stdlib.h>
#include <string.h>

#include "cli/audit.h"
#include "common/hex.h"
#include "common/limits.h"

int audit_arrays_grow(struct audit_arrays *a, size_t n)
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

void audit_arrays_free(struct audit_arrays *a)
{
	free(a->p);
	free(a->len);
	free(a->ids);
	memset(a, 0, sizeof *a);
}

/* A JSON integer member >= 0. */
static int u64_member(const json_t *j, const char *key, uint64_t *out,
		      struct acc_err *err)
{
	const json_t *v = json_object_get(j, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return acc_err_set(err, ACC_EDECODE,
				   "\"%s\" is not an integer >= 0", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int audit_json_hash(const json_t *j, const char *key, uint8_t out[HASH_BYTES],
		    struct acc_err *err)
{
	const char *s = json_string_value(json_object_get(j, key));
	if (s == NULL || strlen(s) != 2 * HASH_BYTES ||
	    hex_decode(out, HASH_BYTES, s) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "\"%s\" is not 64 hex digits", key);
	return 0;
}

/* Decode the hex string member key into a new buffer of at most max
 * bytes (*out owned by the caller). "" gives len 0. */
static int hex_member(const json_t *j, const char *key, size_t max,
		      uint8_t **out, size_t *len, struct acc_err *err)
{
	const char *s = json_string_value(json_object_get(j, key));
	*out = NULL;
	*len = 0;
	if (s == NULL)
		return acc_err_set(err, ACC_EDECODE, "no \"%s\"", key);
	size_t n = strlen(s);
	if (n % 2 != 0 || n / 2 > max)
		return acc_err_set(err, ACC_EDECODE,
				   "\"%s\" is not hex of at most %zu bytes",
				   key, max);
	*out = malloc(n / 2 + 1);
	if (*out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	if (n > 0 && hex_decode(*out, n / 2, s) != 0)
		return acc_err_set(err, ACC_EDECODE, "\"%s\" is not hex", key);
	*len = n / 2;
	return 0;
}

void audit_block_bufs_release(struct audit_block_bufs *bb)
{
	free(bb->header);
	free(bb->cert);
	free(bb->last_cert);
	bb->header = bb->cert = bb->last_cert = NULL;
}

void audit_block_bufs_free(struct audit_block_bufs *bb)
{
	audit_block_bufs_release(bb);
	free(bb->entry_buf);
	audit_arrays_free(&bb->ea);
	memset(bb, 0, sizeof *bb);
}

int audit_block_from_json(const json_t *j, struct audit_block_bufs *bb,
			  struct audit_block *b, struct acc_err *err)
{
	int rc;
	audit_block_bufs_release(bb);
	memset(b, 0, sizeof *b);
	if (!json_is_object(j))
		return acc_err_set(err, ACC_EDECODE, "a block is an object");
	json_t *hexes = json_object_get(j, "entries_hex");
	json_t *ids = json_object_get(j, "entry_ids");
	if ((rc = hex_member(j, "header_hex", BLOCK_BYTES_MAX, &bb->header,
			     &b->header_len, err)) != 0 ||
	    (rc = hex_member(j, "cert_hex", BLOCK_BYTES_MAX, &bb->cert,
			     &b->cert_len, err)) != 0 ||
	    (rc = hex_member(j, "last_cert_hex", BLOCK_BYTES_MAX,
			     &bb->last_cert, &b->last_cert_len, err)) != 0 ||
	    (rc = u64_member(j, "first_index", &b->first_index, err)) != 0)
		return rc;
	if (!json_is_array(hexes) || !json_is_array(ids) ||
	    json_array_size(hexes) != json_array_size(ids) ||
	    json_array_size(hexes) > BLOCK_ENTRIES_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "entries_hex and entry_ids do not match");
	size_t count = json_array_size(hexes), total = 0;
	for (size_t i = 0; i < count; i++) {
		const char *s = json_string_value(json_array_get(hexes, i));
		if (s == NULL || strlen(s) % 2 != 0 ||
		    strlen(s) / 2 > ENTRY_BYTES_MAX)
			return acc_err_set(err, ACC_EDECODE,
					   "entries_hex[%zu] is not an entry",
					   i);
		total += strlen(s) / 2;
	}
	if (audit_arrays_grow(&bb->ea, count) != 0)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	if (total > bb->entry_buf_cap) {
		uint8_t *nb = realloc(bb->entry_buf, total);
		if (nb == NULL)
			return acc_err_set(err, ACC_ENOMEM, "out of memory");
		bb->entry_buf = nb;
		bb->entry_buf_cap = total;
	}
	size_t off = 0;
	for (size_t i = 0; i < count; i++) {
		const char *s = json_string_value(json_array_get(hexes, i));
		size_t len = strlen(s) / 2;
		const char *id = json_string_value(json_array_get(ids, i));
		if (hex_decode(bb->entry_buf + off, len, s) != 0 ||
		    id == NULL || strlen(id) != 2 * HASH_BYTES ||
		    hex_decode(bb->ea.ids[i], HASH_BYTES, id) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "entry %zu is not hex", i);
		bb->ea.p[i] = bb->entry_buf + off;
		bb->ea.len[i] = len;
		off += len;
	}
	b->header = bb->header;
	b->cert = bb->cert;
	b->last_cert = bb->last_cert;
	b->entry_count = count;
	b->entries = bb->ea.p;
	b->entry_lens = bb->ea.len;
	b->ids = (const uint8_t(*)[HASH_BYTES])bb->ea.ids;
	return 0;
}

/* A new JSON string of n bytes in lower-case hex; NULL on no memory. */
static json_t *hex_string(const uint8_t *p, size_t n)
{
	char *t = malloc(2 * n + 1);
	if (t == NULL)
		return NULL;
	if (n > 0)
		hex_encode(t, p, n);
	t[2 * n] = '\0';
	json_t *s = json_stringn_nocheck(t, 2 * n);
	free(t);
	return s;
}

json_t *audit_block_to_json(uint64_t height, const struct audit_block *b)
{
	json_t *o = json_object(), *hexes = json_array(), *ids = json_array();
	int bad = o == NULL || hexes == NULL || ids == NULL;
	for (size_t i = 0; !bad && i < b->entry_count; i++) {
		bad |= json_array_append_new(
			   hexes,
			   hex_string(b->entries[i], b->entry_lens[i])) != 0;
		if (b->ids != NULL)
			bad |= json_array_append_new(
				   ids, hex_string(b->ids[i], HASH_BYTES)) != 0;
	}
	if (!bad)
		bad =
		    json_object_set_new(o, "height",
					json_integer((json_int_t)height)) ||
		    json_object_set_new(o, "header_hex",
					hex_string(b->header, b->header_len)) ||
		    json_object_set_new(o, "cert_hex",
					hex_string(b->cert, b->cert_len)) ||
		    json_object_set_new(
			o, "last_cert_hex",
			hex_string(b->last_cert, b->last_cert_len)) ||
		    json_object_set_new(
			o, "first_index",
			json_integer((json_int_t)b->first_index)) ||
		    json_object_set(o, "entry_ids", ids) ||
		    json_object_set(o, "entries_hex", hexes);
	json_decref(hexes);
	json_decref(ids);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
