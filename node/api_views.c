/* api_views.c - the domain views: agreements and compliance
 * (specs/api.md "GET /v1/agreements", "GET /v1/compliance";
 * specs/compliance.md §6-§8). Each reads one LMDB snapshot; compliance is
 * evaluated at the time of the head block of that snapshot. */
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/block.h"
#include "ledger/compliance.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "ledger/state.h"
#include "node/api.h"
#include "node/node.h"
#include "storage/kv_store.h"
#include "storage/store.h"

static struct store_rtxn *snapshot(struct node *n, struct http_reply *out)
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

static int parse_id(const char *s, uint8_t id[HASH_BYTES])
{
	return strlen(s) == 2 * HASH_BYTES && hex_decode(id, HASH_BYTES, s) == 0
		   ? 0
		   : -1;
}

/* The entry JSON of the agreement entry with this id, or NULL. */
static json_t *agreement_entry_json(struct store_rtxn *t,
				    const uint8_t id[HASH_BYTES])
{
	uint64_t index;
	const uint8_t *b;
	size_t len;
	struct entry e;
	if (store_entry_find(t, id, &index) != 0 ||
	    store_entry_get(t, index, &b, &len) != 0 ||
	    entry_decode(&e, b, len, NULL) != 0)
		return NULL;
	json_t *j = entry_to_json(&e);
	entry_free(&e);
	return j;
}

void api_agreements_list(struct node *n, const char *arg,
			 const struct http_query *q, const char *accept,
			 struct http_reply *out)
{
	(void)arg;
	(void)q;
	(void)accept;
	struct acc_err err = {0};
	struct store_rtxn *t = snapshot(n, out);
	if (t == NULL)
		return;
	struct kv kv;
	json_t *o = NULL;
	store_kv_read(&kv, t);
	int rc = agreement_list_json(&kv, &o, &err);
	store_read_end(t);
	if (rc != 0) {
		http_reply_error(out, rc, err.msg);
		return;
	}
	http_reply_json(out, 200, o);
}

void api_agreement_get(struct node *n, const char *arg,
		       const struct http_query *q, const char *accept,
		       struct http_reply *out)
{
	(void)q;
	(void)accept;
	uint8_t id[HASH_BYTES];
	struct acc_err err = {0};
	if (parse_id(arg, id) != 0) {
		http_reply_error(out, ACC_EINVAL,
				 "agreement id: want 64 hex digits");
		return;
	}
	struct store_rtxn *t = snapshot(n, out);
	if (t == NULL)
		return;
	struct kv kv;
	json_t *o = NULL;
	store_kv_read(&kv, t);
	int rc = agreement_view_json(&kv, id, &o, &err);
	if (rc == 0) {
		json_t *ej = agreement_entry_json(t, id);
		if (ej == NULL) {
			json_decref(o);
			o = NULL;
			rc = acc_err_set(&err, ACC_ESTORE,
					 "the agreement's entry is not in the "
					 "log");
		} else {
			json_object_set_new(o, "agreement", ej);
		}
	}
	store_read_end(t);
	if (rc != 0) {
		http_reply_error(out, rc,
				 rc == ACC_ENOTFOUND ? "no such agreement"
						     : err.msg);
		return;
	}
	http_reply_json(out, 200, o);
}

static int row_cb(void *ctx, const struct compliance_row *r)
{
	json_t *j = compliance_row_to_json(r);
	if (j == NULL)
		return ACC_ENOMEM;
	return json_array_append_new(ctx, j) == 0 ? 0 : ACC_ENOMEM;
}

void api_compliance(struct node *n, const char *arg,
		    const struct http_query *q, const char *accept,
		    struct http_reply *out)
{
	(void)arg;
	(void)accept;
	struct acc_err err = {0};
	const char *party = http_query_get(q, "party");
	const char *ag = http_query_get(q, "agreement");
	const char *dg = http_query_get(q, "digest");
	if (dg != NULL && strcmp(dg, "0") != 0 && strcmp(dg, "1") != 0) {
		http_reply_error(out, ACC_EINVAL, "digest: want 0 or 1");
		return;
	}
	/* The digest reads the whole derived state: only on request. */
	int want_digest = dg != NULL && dg[0] == '1';
	uint8_t agreement[HASH_BYTES];
	if (party != NULL && !genesis_id_valid(party, strlen(party))) {
		http_reply_error(out, ACC_EINVAL, "party: not a party id");
		return;
	}
	if (ag != NULL && parse_id(ag, agreement) != 0) {
		http_reply_error(out, ACC_EINVAL,
				 "agreement: want 64 hex digits");
		return;
	}
	struct store_rtxn *t = snapshot(n, out);
	if (t == NULL)
		return;
	/* The time of evaluation: the head block's (specs/compliance.md
	 * §6), 0 before the first block. */
	struct store_head head;
	uint64_t time_s = 0;
	int rc = store_head_get(t, &head);
	if (rc == 0 && head.height > 0) {
		const uint8_t *hb;
		size_t hl;
		struct block_header h;
		rc = store_block_get(t, head.height, &hb, &hl, NULL, NULL, NULL,
				     NULL);
		if (rc == 0)
			rc = block_header_decode(&h, hb, hl, &err);
		if (rc == 0)
			time_s = h.time_ms / 1000u;
	}
	json_t *rows = json_array();
	struct kv kv;
	uint8_t digest[HASH_BYTES];
	store_kv_read(&kv, t);
	if (rc == 0 && rows == NULL)
		rc = ACC_ENOMEM;
	if (rc == 0)
		rc = compliance_eval(&kv, time_s, party,
				     ag != NULL ? agreement : NULL, row_cb,
				     rows, &err);
	if (rc == 0 && want_digest)
		rc = state_digest(&kv, digest);
	store_read_end(t);
	if (rc != 0) {
		json_decref(rows);
		http_reply_error(out, rc,
				 rc == ACC_ENOTFOUND ? "no such agreement"
						     : err.msg);
		return;
	}
	char when[TIME_TEXT_BYTES], dhex[2 * HASH_BYTES + 1];
	fixed_time_format(when, time_s);
	if (want_digest)
		hex_encode(dhex, digest, HASH_BYTES);
	json_t *o = json_pack("{s:I,s:s,s:o}", "height",
			      (json_int_t)head.height, "time", when, "rows",
			      rows);
	if (o != NULL && want_digest)
		json_object_set_new(o, "state_digest", json_string(dhex));
	http_reply_json(out, 200, o);
}
