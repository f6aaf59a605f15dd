/* api_checkpoint.c - GET /v1/checkpoint: the head of the log as a C2SP
 * tlog-checkpoint signed note cosigned by this node's validator key
 * (specs/checkpoint.md §6, specs/api.md "GET /v1/checkpoint"). */
#include <stdlib.h>
#include <string.h>

#include "ledger/block.h"
#include "ledger/checkpoint.h"
#include "ledger/genesis.h"
#include "node/api.h"
#include "node/node.h"
#include "storage/store.h"

#define CT_NOTE "text/plain; charset=utf-8"

/* specs/node.md §7.9: a node that does not commit alone serves the latest
 * note cosigned by more than 2/3 of the power, which may trail its head
 * by the time the cosignatures take to arrive. */
static void quorum_note(struct node *n, struct http_reply *out)
{
	char *copy = NULL;
	size_t len = 0;
	pthread_mutex_lock(&n->mu);
	if (n->cp_note != NULL && (copy = malloc(n->cp_note_len + 1)) != NULL) {
		memcpy(copy, n->cp_note, n->cp_note_len + 1);
		len = n->cp_note_len;
	}
	int have = n->cp_note != NULL;
	pthread_mutex_unlock(&n->mu);
	if (!have) {
		http_reply_error(out, ACC_ENOTFOUND,
				 "no checkpoint cosigned by more than 2/3 of "
				 "the validators' power yet");
		return;
	}
	if (copy == NULL) {
		http_reply_error(out, ACC_ENOMEM, NULL);
		return;
	}
	http_reply_free(out);
	out->status = 200;
	out->content_type = CT_NOTE;
	out->body = copy;
	out->len = len;
}

void api_checkpoint(struct node *n, const char *arg, const struct http_query *q,
		    const char *accept, struct http_reply *out)
{
	(void)arg;
	(void)q;
	(void)accept;
	struct acc_err err = {0};
	struct store_rtxn *t;
	if (!node_solo(n)) {
		quorum_note(n, out);
		return;
	}
	int rc = store_read_begin(n->store, &t, &err);
	if (rc != 0) {
		http_reply_error(out, rc, err.msg);
		return;
	}
	/* §6: size, root and time come from one snapshot, so they agree. */
	struct store_head head;
	const uint8_t *hb;
	size_t hl;
	struct block_header h;
	rc = store_head_get(t, &head);
	if (rc != 0) {
		http_reply_error(out, rc, NULL);
		goto done;
	}
	if (head.height == 0) {
		http_reply_error(out, ACC_ENOTFOUND,
				 "no checkpoint before the first block");
		goto done;
	}
	rc = store_block_get(t, head.height, &hb, &hl, NULL, NULL, NULL, NULL);
	if (rc == 0)
		rc = block_header_decode(&h, hb, hl, &err);
	if (rc == 0 && (h.log_size != head.log_size ||
			memcmp(h.log_root, head.log_root, HASH_BYTES) != 0))
		rc = acc_err_set(&err, ACC_ESTORE,
				 "head block %llu disagrees with the head",
				 (unsigned long long)head.height);
	if (rc != 0) {
		http_reply_error(out, ACC_ESTORE, err.msg);
		goto done;
	}
	char *note = malloc(CHECKPOINT_NOTE1_BYTES_MAX);
	size_t len;
	if (note == NULL) {
		http_reply_error(out, ACC_ENOMEM, NULL);
		goto done;
	}
	rc =
	    checkpoint_note_make(n->genesis, n->cfg.validator, &n->key.key,
				 head.log_size, head.log_root, h.time_ms / 1000,
				 note, CHECKPOINT_NOTE1_BYTES_MAX, &len, &err);
	if (rc != 0) {
		free(note);
		http_reply_error(out, rc, err.msg);
		goto done;
	}
	http_reply_free(out);
	out->status = 200;
	out->content_type = CT_NOTE;
	out->body = note;
	out->len = len;
done:
	store_read_end(t);
}
