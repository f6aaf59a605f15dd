/* api_entries.c - admission of submitted entries: POST /v1/entries
 * (specs/api.md, specs/node.md §4). */
#include <stdatomic.h>
#include <string.h>

#include "common/hex.h"
#include "common/limits.h"
#include "ledger/entry.h"
#include "common/kv.h"
#include "ledger/rules.h"
#include "node/admit.h"
#include "node/api.h"
#include "node/node.h"
#include "storage/kv_store.h"
#include "storage/store.h"

/*
 * specs/node.md §4 step 1b: the rules that need the log
 * (specs/compliance.md §2), checked against the committed state at the
 * node's current time, on an overlay that is then dropped. The block
 * checks again, in order, at its own time (node/block.c).
 */
static int admit_rules(struct node *n, const struct admit_entry *ae,
		       struct acc_err *err)
{
	struct store_rtxn *t = NULL;
	struct kv base, ov = {0};
	pthread_mutex_lock(&n->mu);
	uint64_t head_ms = n->head.time_ms, size = n->head.log_size;
	pthread_mutex_unlock(&n->mu);
	uint64_t now = node_clock_ms(n);
	if (now < head_ms)
		now = head_ms;
	int rc = store_read_begin(n->store, &t, err);
	if (rc != 0)
		return rc;
	store_kv_read(&base, t);
	rc = kv_overlay_open(&ov, &base);
	if (rc != 0)
		rc = acc_err_set(err, rc, "out of memory");
	else
		rc = rules_apply(&ov, n->genesis, &ae->entry, ae->id, size,
				 now / 1000u, err);
	kv_overlay_close(&ov);
	store_read_end(t);
	return rc;
}

/* Admission of a submission (from_peer 0) or of an entry gossiped by a
 * peer (from_peer 1, specs/node.md §7.5): the same checks. */
static int admit(struct node *n, enum admit_form form, const uint8_t *body,
		 size_t len, struct waiter *w, int from_peer,
		 struct admit_result *out, struct acc_err *err)
{
	struct admit_entry ae;
	struct mempool_item *item;
	uint64_t index;
	char idhex[2 * HASH_BYTES + 1];
	/* specs/node.md §8: while blocks cannot commit, nothing new is
	 * accepted that could not be kept (503 with Retry-After), and no
	 * work is spent checking it. */
	char cause[ACC_ERRMSG_BYTES_MAX - 64];
	if (node_health_failing(&n->health, cause, sizeof cause))
		return acc_err_set(err, ACC_ESTATE,
				   "storage failing, retry later: %s", cause);
	int rc;
	/* Decoding and signature checks, the costly part, run without any
	 * lock, in parallel over the HTTP threads. */
	rc = admit_decode(n->genesis, form, body, len, &ae, err);
	if (rc != 0)
		return rc;
	rc = admit_rules(n, &ae, err);
	/* A replay is answered by the checks below, which say where the
	 * first copy is (pending, or committed at index I). */
	if (rc == ACC_EDUP)
		rc = 0;
	if (rc != 0) {
		admit_entry_free(&ae);
		return rc;
	}
	hex_encode(idhex, ae.id, HASH_BYTES);
	pthread_mutex_lock(&n->mu);
	if (n->stopping) {
		rc = acc_err_set(err, ACC_ESTATE, "node is shutting down");
		goto unlock;
	}
	if (mempool_find(&n->mempool, ae.id) != NULL) {
		rc = acc_err_set(err, ACC_EDUP, "entry %s is already pending",
				 idhex);
		goto unlock;
	}
	/* The log is looked up inside the critical section: the producer
	 * removes entries from the mempool only after their block commits,
	 * under this mutex, so here an entry is in one or the other. */
	rc = node_log_find(n, ae.id, &index, err);
	if (rc == 0) {
		rc = acc_err_set(err, ACC_EDUP,
				 "entry %s is already committed at index %llu",
				 idhex, (unsigned long long)index);
		goto unlock;
	}
	if (rc != ACC_ENOTFOUND)
		goto unlock;
	if (w != NULL && n->waiters >= HTTP_WAITERS_MAX) {
		rc = acc_err_set(err, ACC_EFULL,
				 "%u requests already wait for commit",
				 HTTP_WAITERS_MAX);
		goto unlock;
	}
	rc = mempool_add(&n->mempool, ae.id, ae.bytes, ae.len, &item);
	if (rc == ACC_EFULL) {
		rc = acc_err_set(err, rc,
				 "mempool full (%zu entries, %zu bytes); retry "
				 "later", n->mempool.count, n->mempool.bytes);
		goto unlock;
	}
	if (rc != 0) {
		rc = acc_err_set(err, rc, "mempool: %s", acc_strerror(rc));
		goto unlock;
	}
	item->from_peer = from_peer;
	if (w != NULL) {
		memcpy(w->id, ae.id, HASH_BYTES);
		w->item = item;
		w->deadline_ms = node_now_ms() + NODE_WAIT_MS;
		w->done = 0;
		w->msg[0] = '\0';
		w->prev = n->waiters_tail;
		w->next = NULL;
		if (n->waiters_tail != NULL)
			n->waiters_tail->next = w;
		else
			n->waiters_head = w;
		n->waiters_tail = w;
		n->waiters++;
		item->user = w;
	}
unlock:
	pthread_mutex_unlock(&n->mu);
	if (rc == 0) {
		memcpy(out->id, ae.id, HASH_BYTES);
		out->entry_len = ae.len;
		atomic_fetch_add(&n->metrics.entries_admitted, 1);
		/* A peer's entries come in batches: the driver wakes the
		 * loop once for each (node/driver.c admit_after_cb). */
		if (!from_peer)
			node_wake(n);
	}
	admit_entry_free(&ae);
	return rc;
}

int node_admit(struct node *n, const char *content_type, const uint8_t *body,
	       size_t len, struct waiter *w, struct admit_result *out,
	       struct acc_err *err)
{
	enum admit_form form;
	int rc = admit_form_of(content_type, &form, err);
	if (rc != 0)
		return rc;
	return admit(n, form, body, len, w, 0, out, err);
}

int node_admit_peer(struct node *n, const uint8_t *bytes, size_t len,
		    struct acc_err *err)
{
	struct admit_result res;
	return admit(n, ADMIT_BINARY, bytes, len, NULL, 1, &res, err);
}

void api_entries_post(struct node *n, const struct http_query *q,
		      const char *content_type, const uint8_t *body,
		      size_t len, struct http_reply *out)
{
	struct admit_result res;
	struct acc_err err = {0};
	(void)q;
	int rc = node_admit(n, content_type, body, len, NULL, &res, &err);
	if (rc != 0) {
		atomic_fetch_add(&n->metrics.entries_rejected, 1);
		http_reply_error(out, rc, err.msg);
		return;
	}
	char idhex[2 * HASH_BYTES + 1];
	hex_encode(idhex, res.id, HASH_BYTES);
	http_reply_json(out, 202,
			json_pack("{s:s,s:s}", "id", idhex, "status",
				  "pending"));
}
