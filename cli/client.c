/* client.c - the node API calls of the CLI (specs/api.md). */
#include "cli/client.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hex.h"
#include "ledger/entry.h"

int client_json_hash(const void *obj, const char *key, uint8_t *out, size_t n,
		     struct acc_err *err)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s == NULL || strlen(s) != 2 * n || hex_decode(out, n, s) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "answer: \"%s\" is not %zu hex bytes", key,
				   n);
	return 0;
}

int client_json_u64(const void *obj, const char *key, uint64_t *out,
		    struct acc_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return acc_err_set(err, ACC_EDECODE,
				   "answer: \"%s\" is not a number", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int client_json_proof(const void *obj, uint8_t (*out)[HASH_BYTES],
		      size_t *count, struct acc_err *err)
{
	json_t *a = json_object_get(obj, "proof");
	if (!json_is_array(a))
		return acc_err_set(err, ACC_EDECODE,
				   "answer: \"proof\" is not an array");
	if (json_array_size(a) > MERKLE_PROOF_HASHES_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "answer: proof of %zu hashes is over %u",
				   json_array_size(a), MERKLE_PROOF_HASHES_MAX);
	size_t n = json_array_size(a);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s == NULL || strlen(s) != 2 * HASH_BYTES ||
		    hex_decode(out[i], HASH_BYTES, s) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "answer: proof[%zu] is not a hash",
					   i);
	}
	*count = n;
	return 0;
}

int client_proof_inclusion_parse(const void *obj,
				 struct proof_inclusion_answer *a,
				 struct acc_err *err)
{
	int rc;
	if ((rc = client_json_u64(obj, "index", &a->index, err)) != 0 ||
	    (rc = client_json_u64(obj, "tree_size", &a->tree_size, err)) != 0 ||
	    (rc = client_json_hash(obj, "leaf_hash", a->leaf_hash, HASH_BYTES,
				   err)) != 0 ||
	    (rc = client_json_hash(obj, "root", a->root, HASH_BYTES, err)) !=
		0)
		return rc;
	return client_json_proof(obj, a->proof, &a->count, err);
}

int client_proof_consistency_parse(const void *obj,
				   struct proof_consistency_answer *a,
				   struct acc_err *err)
{
	int rc;
	if ((rc = client_json_u64(obj, "old_size", &a->old_size, err)) != 0 ||
	    (rc = client_json_u64(obj, "new_size", &a->new_size, err)) != 0 ||
	    (rc = client_json_hash(obj, "old_root", a->old_root, HASH_BYTES,
				   err)) != 0 ||
	    (rc = client_json_hash(obj, "new_root", a->new_root, HASH_BYTES,
				   err)) != 0)
		return rc;
	return client_json_proof(obj, a->proof, &a->count, err);
}

int client_status(struct http_client *c, const char *node,
		  struct node_status *st, struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	json_t *j = NULL;
	memset(st, 0, sizeof *st);
	if (http_url(url, node, "/v1/status") != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_get_json(c, url, &j, err);
	if (rc != 0)
		return rc;
	const char *chain = json_string_value(json_object_get(j, "chain_id"));
	if (chain == NULL || strlen(chain) > CHAIN_ID_BYTES_MAX) {
		rc = acc_err_set(err, ACC_EDECODE,
				 "status: no valid \"chain_id\"");
		goto out;
	}
	memcpy(st->chain_id, chain, strlen(chain) + 1);
	if ((rc = client_json_hash(j, "genesis_hash", st->genesis_hash,
				   HASH_BYTES, err)) != 0 ||
	    (rc = client_json_u64(j, "height", &st->height, err)) != 0 ||
	    (rc = client_json_u64(j, "log_size", &st->log_size, err)) != 0 ||
	    (rc = client_json_hash(j, "log_root", st->log_root, HASH_BYTES,
				   err)) != 0)
		goto out;
out:
	json_decref(j);
	return rc;
}

int client_wait_height(struct http_client *c, const char *node, uint64_t h,
		       uint32_t timeout_ms, struct acc_err *err)
{
	uint64_t t0 = http_now_us();
	for (;;) {
		struct node_status ns;
		if (client_status(c, node, &ns, err) == 0 && ns.height >= h)
			return 0;
		if (http_now_us() - t0 > (uint64_t)timeout_ms * 1000u)
			return acc_err_set(err, ACC_ETIMEOUT,
					   "%s did not reach height %llu "
					   "within %u ms",
					   node, (unsigned long long)h,
					   timeout_ms);
		struct timespec ts = {0, 50 * 1000000L};
		(void)nanosleep(&ts, NULL);
	}
}

int client_entry_post(struct http_client *c, const char *node,
		      const uint8_t *bytes, size_t len, int wait,
		      struct post_result *out, struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	struct http_resp r;
	json_t *j = NULL;
	memset(out, 0, sizeof *out);
	if (http_url(url, node, "/v1/entries%s", wait ? "?wait=commit" : "") !=
	    0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_request(c, "POST", url, "application/json",
			      "application/octet-stream", bytes, len, &r, err);
	if (rc != 0)
		return rc;
	out->status = r.status;
	if (r.status != 201 && r.status != 202) {
		rc = http_resp_error(&r, err);
		goto out;
	}
	json_error_t je;
	j = json_loadb(r.body, r.len, 0, &je);
	if (j == NULL) {
		rc = acc_err_set(err, ACC_EJSON,
				 "answer to POST is not JSON: %s", je.text);
		goto out;
	}
	if ((rc = client_json_hash(j, "id", out->id, HASH_BYTES, err)) != 0)
		goto out;
	if (r.status == 201) {
		out->committed = 1;
		if ((rc = client_json_u64(j, "index", &out->index, err)) != 0 ||
		    (rc = client_json_u64(j, "height", &out->height, err)) != 0)
			goto out;
	}
	/* The node's id must be the leaf hash of what we sent: anything else
	 * means it stored different bytes. */
	uint8_t want[HASH_BYTES];
	entry_id(want, bytes, len);
	if (memcmp(want, out->id, HASH_BYTES) != 0)
		rc = acc_err_set(err, ACC_EMISMATCH,
				 "node answered an id that is not the "
				 "leaf hash of the submitted bytes");
out:
	json_decref(j);
	http_resp_free(&r);
	return rc;
}

int client_entry_sign_post(struct http_client *c, const char *node,
			   struct entry *e, const struct key *k,
			   const char *chain_id, int wait,
			   struct post_result *out, uint8_t **bytes,
			   size_t *len, struct acc_err *err)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc;
	if (k != NULL && (rc = entry_sign(e, k, chain_id, err)) != 0)
		return rc;
	if ((rc = entry_encode(e, &b, &n, err)) != 0)
		return rc;
	rc = client_entry_post(c, node, b, n, wait, out, err);
	if (rc == 0 && bytes != NULL) {
		*bytes = b;
		*len = n;
	} else {
		free(b);
	}
	return rc;
}

int client_entry_raw(struct http_client *c, const char *node, const char *ref,
		     struct http_resp *r, struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	if (http_url(url, node, "/v1/entries/%s", ref) != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_request(c, "GET", url, "application/octet-stream", NULL,
			      NULL, 0, r, err);
	if (rc != 0)
		return rc;
	if (r->status != 200) {
		rc = http_resp_error(r, err);
		http_resp_free(r);
		return rc;
	}
	return 0;
}
