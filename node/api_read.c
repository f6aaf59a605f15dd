/* api_read.c - the read side of the HTTP API: entries, blocks, proofs,
 * status and metrics (specs/api.md). Every handler reads one snapshot in
 * its own LMDB read transaction and never touches the loop. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "node/api.h"
#include "node/node.h"
#include "storage/store.h"

#define CT_OCTET "application/octet-stream"

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (s == NULL)
		return NULL;
	hex_encode(s, p, n);
	json_t *j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

/* Whether the client asked for the raw bytes (specs/api.md: octet-stream
 * named, and JSON not). */
static int wants_octets(const char *accept)
{
	return accept != NULL && strstr(accept, CT_OCTET) != NULL &&
	       strstr(accept, "application/json") == NULL;
}

static void reply_bytes(struct http_reply *out, const uint8_t *p, size_t n)
{
	http_reply_free(out);
	out->body = malloc(n ? n : 1);
	if (out->body == NULL) {
		http_reply_error(out, ACC_ENOMEM, NULL);
		return;
	}
	memcpy(out->body, p, n);
	out->len = n;
	out->status = 200;
	out->content_type = CT_OCTET;
}

/* Open a read transaction or answer 500. */
static struct store_rtxn *rtxn(struct node *n, struct http_reply *out)
{
	struct store_rtxn *t;
	struct acc_err err = {0};
	int rc = store_read_begin(n->store, &t, &err);
	if (rc != 0) {
		http_reply_error(out, rc, err.msg);
		return NULL;
	}
	return t;
}

/* ---- GET /v1/entries/{id-hex|index} ---- */

void api_entries_get(struct node *n, const char *arg,
		     const struct http_query *q, const char *accept,
		     struct http_reply *out)
{
	struct acc_err err = {0};
	uint64_t index;
	uint8_t id[HASH_BYTES];
	int by_id = strlen(arg) == 2 * HASH_BYTES;
	(void)q;
	if (by_id) {
		if (hex_decode(id, HASH_BYTES, arg) != 0) {
			http_reply_error(out, ACC_EINVAL,
					 "entry id: want 64 hex digits");
			return;
		}
	} else if (http_parse_u64(arg, "entry index", &index, &err) != 0) {
		http_reply_error(out, err.code, err.msg);
		return;
	}
	struct store_rtxn *t = rtxn(n, out);
	if (t == NULL)
		return;
	int rc = by_id ? store_entry_find(t, id, &index) : 0;
	const uint8_t *bytes;
	size_t len;
	uint64_t height;
	if (rc == 0)
		rc = store_entry_get(t, index, &bytes, &len);
	if (rc == 0)
		rc = store_entry_height(t, index, &height);
	if (rc != 0) {
		http_reply_error(out, rc,
				 rc == ACC_ENOTFOUND ? "no such entry in the log"
						     : NULL);
		goto done;
	}
	/* A committed entry never changes (specs/api.md "Caching"). */
	if (wants_octets(accept)) {
		reply_bytes(out, bytes, len);
		out->cache = HTTP_CACHE_IMMUTABLE;
		goto done;
	}
	struct entry e;
	rc = entry_decode(&e, bytes, len, &err);
	if (rc != 0) {
		/* The log holds only checked entries: this is corruption. */
		http_reply_error(out, ACC_ESTORE, err.msg);
		goto done;
	}
	entry_id(id, bytes, len);
	json_t *ej = entry_to_json(&e);
	entry_free(&e);
	json_t *o = json_pack("{s:I,s:o,s:I,s:o*}", "index", (json_int_t)index,
			      "id", hex_json(id, HASH_BYTES), "height",
			      (json_int_t)height, "entry", ej);
	http_reply_json(out, 200, o);
	out->cache = HTTP_CACHE_IMMUTABLE;
done:
	store_read_end(t);
}

/* ---- GET /v1/blocks/{height|latest} ---- */

void api_blocks_get(struct node *n, const char *arg,
		    const struct http_query *q, const char *accept,
		    struct http_reply *out)
{
	struct acc_err err = {0};
	uint64_t height = 0;
	int full = 0;
	(void)accept;
	const char *fv = http_query_get(q, "full");
	if (fv != NULL) {
		if (strcmp(fv, "0") != 0 && strcmp(fv, "1") != 0) {
			http_reply_error(out, ACC_EINVAL, "full: want 0 or 1");
			return;
		}
		full = fv[0] == '1';
	}
	int latest = strcmp(arg, "latest") == 0;
	if (!latest && http_parse_u64(arg, "height", &height, &err) != 0) {
		http_reply_error(out, err.code, err.msg);
		return;
	}
	struct store_rtxn *t = rtxn(n, out);
	if (t == NULL)
		return;
	struct store_head head;
	int rc = store_head_get(t, &head);
	if (rc == 0 && latest)
		height = head.height;
	if (rc == 0 && (height == 0 || height > head.height))
		rc = ACC_ENOTFOUND;
	const uint8_t *hb, *cb, *lcb;
	size_t hl, cl, lcl;
	uint64_t first;
	uint32_t count;
	if (rc == 0)
		rc = store_block_get(t, height, &hb, &hl, &cb, &cl, &first,
				     &count);
	if (rc == 0)
		rc = store_block_last_cert(t, height, &lcb, &lcl);
	if (rc != 0) {
		http_reply_error(out, rc,
				 rc == ACC_ENOTFOUND ? "no such block" : NULL);
		goto done;
	}
	struct block_header h;
	struct cert c;
	if (block_header_decode(&h, hb, hl, &err) != 0 ||
	    cert_decode(&c, cb, cl, &err) != 0) {
		http_reply_error(out, ACC_ESTORE, err.msg);
		goto done;
	}
	uint8_t hash[HASH_BYTES];
	block_hash(hb, hl, hash);
	json_t *ids = json_array(), *hexes = full ? json_array() : NULL;
	for (uint32_t i = 0; i < count && ids != NULL; i++) {
		uint8_t id[HASH_BYTES];
		rc = store_entry_id(t, first + i, id);
		if (rc != 0)
			break;
		json_array_append_new(ids, hex_json(id, HASH_BYTES));
		if (full) {
			const uint8_t *eb;
			size_t el;
			rc = store_entry_get(t, first + i, &eb, &el);
			if (rc != 0)
				break;
			json_array_append_new(hexes, hex_json(eb, el));
		}
	}
	if (rc != 0) {
		json_decref(ids);
		json_decref(hexes);
		http_reply_error(out, rc, "reading the block's entries");
		goto done;
	}
	json_t *o = json_pack(
	    "{s:I,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "height",
	    (json_int_t)height, "hash", hex_json(hash, HASH_BYTES), "header",
	    block_header_to_json(&h), "cert", cert_to_json(&c), "first_index",
	    (json_int_t)first, "entry_ids", ids, "header_hex",
	    hex_json(hb, hl), "cert_hex", hex_json(cb, cl), "last_cert_hex",
	    hex_json(lcb, lcl));
	if (o != NULL && full)
		json_object_set_new(o, "entries_hex", hexes);
	else
		json_decref(hexes);
	http_reply_json(out, 200, o);
	/* The head block's certificate is replaced by the canonical one
	 * that the next block carries (specs/storage.md §3): only a block
	 * below the head, named by its height, is fixed. */
	out->cache = !latest && height < head.height ? HTTP_CACHE_IMMUTABLE
						     : HTTP_CACHE_REVALIDATE;
done:
	store_read_end(t);
}

/* ---- proofs ---- */

static json_t *proof_json(const uint8_t (*proof)[HASH_BYTES], size_t count)
{
	json_t *a = json_array();
	for (size_t i = 0; i < count && a != NULL; i++)
		json_array_append_new(a, hex_json(proof[i], HASH_BYTES));
	return a;
}

/* An optional u64 argument with a default. */
static int arg_u64(const struct http_query *q, const char *name,
		   uint64_t dflt, uint64_t *out, struct http_reply *r)
{
	struct acc_err err = {0};
	const char *v = http_query_get(q, name);
	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (http_parse_u64(v, name, out, &err) != 0) {
		http_reply_error(r, err.code, err.msg);
		return -1;
	}
	return 0;
}

void api_proof_inclusion(struct node *n, const char *arg,
			 const struct http_query *q, const char *accept,
			 struct http_reply *out)
{
	(void)arg;
	(void)accept;
	const char *idv = http_query_get(q, "id");
	int has_index = http_query_get(q, "index") != NULL;
	if ((idv != NULL) == has_index) {
		http_reply_error(out, ACC_EINVAL,
				 "give exactly one of index and id");
		return;
	}
	uint8_t id[HASH_BYTES];
	uint64_t index = 0, size;
	if (idv != NULL && (strlen(idv) != 2 * HASH_BYTES ||
			    hex_decode(id, HASH_BYTES, idv) != 0)) {
		http_reply_error(out, ACC_EINVAL, "id: want 64 hex digits");
		return;
	}
	if (has_index && arg_u64(q, "index", 0, &index, out) != 0)
		return;
	struct store_rtxn *t = rtxn(n, out);
	if (t == NULL)
		return;
	struct store_head head;
	int rc = store_head_get(t, &head);
	if (rc != 0) {
		http_reply_error(out, rc, NULL);
		goto done;
	}
	if (arg_u64(q, "size", head.log_size, &size, out) != 0)
		goto done;
	if (idv != NULL) {
		rc = store_entry_find(t, id, &index);
		if (rc != 0) {
			http_reply_error(out, rc,
					 rc == ACC_ENOTFOUND
					     ? "no entry with this id in the log"
					     : NULL);
			goto done;
		}
	}
	if (size > head.log_size || index >= size) {
		char msg[160];
		snprintf(msg, sizeof msg,
			 "want index < size <= log size; index %llu, size "
			 "%llu, log size %llu",
			 (unsigned long long)index, (unsigned long long)size,
			 (unsigned long long)head.log_size);
		http_reply_error(out, ACC_ERANGE, msg);
		goto done;
	}
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][HASH_BYTES], root[HASH_BYTES],
	    leaf[HASH_BYTES];
	size_t count;
	rc = store_proof_inclusion(t, index, size, proof, &count);
	if (rc == 0)
		rc = store_root_at(t, size, root);
	if (rc == 0)
		rc = store_entry_id(t, index, leaf);
	if (rc != 0) {
		http_reply_error(out, rc, "building the proof");
		goto done;
	}
	json_t *o = json_pack("{s:I,s:I,s:o,s:o,s:o}", "index",
			      (json_int_t)index, "tree_size", (json_int_t)size,
			      "leaf_hash", hex_json(leaf, HASH_BYTES), "root",
			      hex_json(root, HASH_BYTES), "proof",
			      proof_json((const uint8_t(*)[32])proof, count));
	http_reply_json(out, 200, o);
	/* The proof for an explicit size is fixed; the default follows the
	 * log (specs/api.md "Caching"). */
	out->cache = http_query_get(q, "size") != NULL ? HTTP_CACHE_IMMUTABLE
						       : HTTP_CACHE_REVALIDATE;
done:
	store_read_end(t);
}

void api_proof_consistency(struct node *n, const char *arg,
			   const struct http_query *q, const char *accept,
			   struct http_reply *out)
{
	(void)arg;
	(void)accept;
	uint64_t old_size, new_size;
	if (http_query_get(q, "old") == NULL) {
		http_reply_error(out, ACC_EINVAL, "old: required");
		return;
	}
	if (arg_u64(q, "old", 0, &old_size, out) != 0)
		return;
	struct store_rtxn *t = rtxn(n, out);
	if (t == NULL)
		return;
	struct store_head head;
	int rc = store_head_get(t, &head);
	if (rc != 0) {
		http_reply_error(out, rc, NULL);
		goto done;
	}
	if (arg_u64(q, "new", head.log_size, &new_size, out) != 0)
		goto done;
	if (old_size < 1 || old_size > new_size || new_size > head.log_size) {
		char msg[160];
		snprintf(msg, sizeof msg,
			 "want 1 <= old <= new <= log size; old %llu, new "
			 "%llu, log size %llu",
			 (unsigned long long)old_size,
			 (unsigned long long)new_size,
			 (unsigned long long)head.log_size);
		http_reply_error(out, ACC_ERANGE, msg);
		goto done;
	}
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][HASH_BYTES], oroot[HASH_BYTES],
	    nroot[HASH_BYTES];
	size_t count = 0;
	rc = old_size == new_size
		 ? 0
		 : store_proof_consistency(t, old_size, new_size, proof,
					   &count);
	if (rc == 0)
		rc = store_root_at(t, old_size, oroot);
	if (rc == 0)
		rc = store_root_at(t, new_size, nroot);
	if (rc != 0) {
		http_reply_error(out, rc, "building the proof");
		goto done;
	}
	json_t *o = json_pack(
	    "{s:I,s:I,s:o,s:o,s:o}", "old_size", (json_int_t)old_size,
	    "new_size", (json_int_t)new_size, "old_root",
	    hex_json(oroot, HASH_BYTES), "new_root", hex_json(nroot, HASH_BYTES),
	    "proof", proof_json((const uint8_t(*)[32])proof, count));
	http_reply_json(out, 200, o);
	out->cache = http_query_get(q, "new") != NULL ? HTTP_CACHE_IMMUTABLE
						      : HTTP_CACHE_REVALIDATE;
done:
	store_read_end(t);
}

/* ---- status and metrics ---- */

/* RFC 3339 (seconds) of a wall-clock millisecond time. */
static json_t *time_json(uint64_t ms)
{
	char t[TIME_TEXT_BYTES];
	fixed_time_format(t, ms / 1000u);
	return json_string(t);
}

/* The peers of GET /v1/status (specs/api.md). */
static json_t *status_peers(const struct node_net_view *nv)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < nv->peer_count; i++) {
		const struct node_peer_view *p = &nv->peers[i];
		json_t *o = json_pack(
		    "{s:o,s:s,s:o,s:b,s:o,s:o,s:o}", "key",
		    hex_json(p->key, PUBKEY_BYTES), "role",
		    p->validator >= 0 ? "validator" : "follower", "validator",
		    p->validator >= 0 ? json_integer(p->validator) : json_null(),
		    "connected", p->connected, "height",
		    p->has_status ? json_integer((json_int_t)p->height)
				  : json_null(),
		    "log_size",
		    p->has_status ? json_integer((json_int_t)p->log_size)
				  : json_null(),
		    "last_seen",
		    p->last_seen_ms ? time_json(p->last_seen_ms)
				    : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* {"ok":true} or {"ok":false,"code":…,"message":…,"since_ms":…,
 * "failures":n} (specs/api.md "GET /v1/status"). */
static json_t *storage_json(struct node *n)
{
	struct node_health_view h;
	node_health_get(&n->health, &h);
	if (!h.failing)
		return json_pack("{s:b}", "ok", 1);
	return json_pack("{s:b,s:s,s:s,s:I,s:I}", "ok", 0, "code",
			 acc_errname(h.rc), "message", h.cause, "since_ms",
			 (json_int_t)h.since_ms, "failures",
			 (json_int_t)h.failures);
}

void api_status(struct node *n, const char *arg, const struct http_query *q,
		const char *accept, struct http_reply *out)
{
	(void)arg;
	(void)q;
	(void)accept;
	const struct genesis *g = n->genesis;
	struct node_head head;
	size_t mp_count, mp_bytes;
	pthread_mutex_lock(&n->mu);
	head = n->head;
	mp_count = n->mempool.count;
	mp_bytes = n->mempool.bytes;
	pthread_mutex_unlock(&n->mu);
	if (head.height == 0) /* the empty tree: SHA-256 of "" */
		sha256(head.log_root, "", 0);
	json_t *vals = json_array();
	for (size_t i = 0; i < g->validator_count && vals != NULL; i++) {
		const struct genesis_validator *v = &g->validators[i];
		json_array_append_new(
		    vals, json_pack("{s:s,s:s,s:o,s:I}", "name", v->name,
				    "party", v->party, "key",
				    hex_json(v->key, PUBKEY_BYTES), "power",
				    (json_int_t)v->power));
	}
	struct node_net_view *nv = malloc(sizeof *nv);
	if (vals == NULL || nv == NULL) {
		json_decref(vals);
		free(nv);
		http_reply_error(out, ACC_ENOMEM, NULL);
		return;
	}
	pthread_mutex_lock(&n->mu);
	*nv = n->net;
	pthread_mutex_unlock(&n->mu);
	json_t *o = json_pack(
	    "{s:s,s:o,s:I,s:I,s:o,s:o,s:o,s:s,s:o,s:o,s:s,s:I,s:I}",
	    "chain_id", g->chain_id, "genesis_hash",
	    hex_json(n->genesis->hash, HASH_BYTES), "height",
	    (json_int_t)head.height, "log_size", (json_int_t)head.log_size,
	    "log_root", hex_json(head.log_root, HASH_BYTES), "block_hash",
	    hex_json(head.hash, HASH_BYTES), "validator",
	    n->cfg.role == NODE_ROLE_VALIDATOR
		? json_integer((json_int_t)n->cfg.validator)
		: json_null(),
	    "role",
	    n->cfg.role == NODE_ROLE_VALIDATOR ? "validator" : "follower",
	    "validators", vals, "peers", status_peers(nv), "sync",
	    nv->syncing ? "catching_up" : "synced", "mempool_entries",
	    (json_int_t)mp_count, "mempool_bytes", (json_int_t)mp_bytes);
	if (o != NULL && nv->consensus) {
		static const char *const steps[] = {"none", "propose",
						    "prevote", "precommit"};
		json_t *c = json_pack(
		    "{s:I,s:I,s:s,s:I,s:I,s:I}", "height",
		    (json_int_t)nv->cons_height, "round",
		    (json_int_t)nv->round, "step",
		    steps[nv->step >= 0 && nv->step <= 3 ? nv->step : 0],
		    "heights_decided", (json_int_t)nv->heights_decided,
		    "last_height_ms", (json_int_t)nv->last_height_ms,
		    "last_rounds", (json_int_t)nv->last_rounds);
		json_object_set_new(o, "consensus", c);
		json_object_set_new(o, "round", json_integer(nv->round));
		json_object_set_new(o, "step", json_string(steps[
		    nv->step >= 0 && nv->step <= 3 ? nv->step : 0]));
	}
	if (o != NULL)
		(void)json_object_set_new(o, "storage", storage_json(n));
	free(nv);
	http_reply_json(out, 200, o);
}

void api_metrics(struct node *n, const char *arg, const struct http_query *q,
		 const char *accept, struct http_reply *out)
{
	(void)arg;
	(void)q;
	(void)accept;
	struct metrics_gauges gg = {0};
	pthread_mutex_lock(&n->mu);
	gg.height = n->head.height;
	gg.log_size = n->head.log_size;
	gg.mempool_entries = n->mempool.count;
	gg.mempool_bytes = n->mempool.bytes;
	gg.waiters = n->waiters;
	gg.net = n->net.enabled;
	gg.peers = n->net.peer_count;
	gg.peers_connected = 0;
	for (size_t i = 0; i < n->net.peer_count; i++)
		gg.peers_connected += n->net.peers[i].connected != 0;
	gg.round = n->net.round;
	gg.syncing = (uint64_t)n->net.syncing;
	gg.heights_decided = n->net.heights_decided;
	gg.height_ms_sum = n->net.height_ms_sum;
	gg.rounds_sum = n->net.rounds_sum;
	gg.last_height_ms = n->net.last_height_ms;
	gg.proposals_untimely = n->net.proposals_untimely;
	gg.msgs_dropped_full = n->net.msgs_dropped_full;
	pthread_mutex_unlock(&n->mu);
	gg.storage_failing = (uint64_t)node_health_failing(&n->health, NULL, 0);
	(void)metrics_process_read(&gg); /* left out if /proc is unreadable */
	size_t len;
	char *s = metrics_render(&n->metrics, &gg, &len);
	if (s == NULL) {
		http_reply_error(out, ACC_ENOMEM, NULL);
		return;
	}
	http_reply_free(out);
	out->status = 200;
	out->content_type = "text/plain; version=0.0.4";
	out->body = s;
	out->len = len;
}

void api_healthz(struct node *n, const char *arg, const struct http_query *q,
		 const char *accept, struct http_reply *out)
{
	(void)arg;
	(void)q;
	(void)accept;
	json_t *storage = storage_json(n);
	int ok = storage != NULL && json_is_true(json_object_get(storage, "ok"));
	http_reply_json(out, ok ? 200 : 503,
			json_pack("{s:s,s:o}", "status", ok ? "ok" : "failing",
				  "storage", storage));
}

/* GET /readyz (specs/api.md): whether this node can do its job now. A
 * validator must be synced, its storage committing, and able to reach a
 * commit quorum: its own power and that of the validators it has a link
 * with over 2/3 of the total (the certificate rule, specs/consensus.md).
 * A follower must be synced. */
void api_readyz(struct node *n, const char *arg, const struct http_query *q,
		const char *accept, struct http_reply *out)
{
	(void)arg;
	(void)q;
	(void)accept;
	const struct genesis *g = n->genesis;
	int validator = n->cfg.role == NODE_ROLE_VALIDATOR;
	uint64_t total = genesis_total_power(g), reach = 0;
	size_t connected = 0;
	int syncing;
	pthread_mutex_lock(&n->mu);
	syncing = n->net.syncing;
	for (size_t i = 0; i < n->net.peer_count; i++) {
		const struct node_peer_view *p = &n->net.peers[i];
		if (!p->connected)
			continue;
		connected++;
		if (p->validator >= 0 &&
		    (size_t)p->validator < g->validator_count)
			reach += g->validators[p->validator].power;
	}
	pthread_mutex_unlock(&n->mu);
	if (validator && n->cfg.validator < g->validator_count)
		reach += g->validators[n->cfg.validator].power;
	json_t *storage = storage_json(n);
	int storage_ok =
	    storage != NULL && json_is_true(json_object_get(storage, "ok"));
	int quorum = 3u * reach > 2u * total;
	json_t *why = json_array();
	if (syncing)
		json_array_append_new(why, json_string("catching up"));
	if (validator && !storage_ok)
		json_array_append_new(why, json_string("storage failing"));
	if (validator && !quorum)
		json_array_append_new(
		    why, json_string("connected validators hold 2/3 of the "
				     "power or less"));
	int ready = why != NULL && json_array_size(why) == 0;
	json_t *o = json_pack(
	    "{s:b,s:s,s:s,s:o,s:I,s:o,s:o}", "ready", ready, "role",
	    validator ? "validator" : "follower", "sync",
	    syncing ? "catching_up" : "synced", "storage", storage,
	    "peers_connected", (json_int_t)connected, "quorum",
	    validator ? json_pack("{s:b,s:I,s:I}", "reached", quorum,
				  "power_connected", (json_int_t)reach,
				  "power_total", (json_int_t)total)
		      : json_null(),
	    "reasons", why);
	http_reply_json(out, ready ? 200 : 503, o);
}
