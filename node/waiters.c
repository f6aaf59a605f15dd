/* waiters.c - requests parked on ?wait=commit and their answers
 * (specs/api.md "POST /v1/entries", specs/node.md §4). */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node/node.h"

uint64_t node_now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t node_wall_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t node_clock_ms(const struct node *n)
{
	int64_t t = (int64_t)node_wall_ms() + n->cfg.clock_skew_ms;
	return t > 0 ? (uint64_t)t : 0;
}

static void waiter_unlink(struct node *n, struct waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		n->waiters_head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		n->waiters_tail = w->prev;
	w->prev = w->next = NULL;
	if (w->item != NULL) {
		w->item->user = NULL;
		w->item = NULL;
	}
	assert(n->waiters > 0);
	n->waiters--;
}

void node_waiter_resolve_locked(struct node *n, struct waiter *w, int rc)
{
	assert(!w->done);
	waiter_unlink(n, w);
	w->rc = rc;
	w->done = 1;
	if (w->suspended && w->resume != NULL)
		w->resume(w);
}

void node_waiter_fail_locked(struct node *n, struct waiter *w, int rc,
			     const char *msg)
{
	snprintf(w->msg, sizeof w->msg, "%s", msg != NULL ? msg : "");
	node_waiter_resolve_locked(n, w, rc);
}

void node_waiter_drop(struct node *n, struct waiter *w)
{
	pthread_mutex_lock(&n->mu);
	/* A waiter is linked from admission until resolved; resume callbacks
	 * only run for suspended ones, so an unresolved linked waiter here
	 * belongs to a request the server is abandoning. */
	if (w->deadline_ms != 0 && !w->done) {
		waiter_unlink(n, w);
		w->done = 1;
	}
	pthread_mutex_unlock(&n->mu);
}

void node_block_committed(struct node *n, struct mempool_item **items,
			  size_t count, uint64_t first_index, uint64_t height,
			  const struct node_head *head)
{
	pthread_mutex_lock(&n->mu);
	n->head = *head;
	for (size_t i = 0; i < count; i++) {
		struct waiter *w = items[i]->user;
		if (w != NULL) {
			w->index = first_index + i;
			w->height = height;
			node_waiter_resolve_locked(n, w, 0);
		}
		mempool_remove(&n->mempool, items[i]);
	}
	pthread_mutex_unlock(&n->mu);
}

void node_block_followed(struct node *n, const uint8_t (*ids)[HASH_BYTES],
			 size_t count, uint64_t first_index, uint64_t height,
			 const struct node_head *head)
{
	pthread_mutex_lock(&n->mu);
	n->head = *head;
	for (size_t i = 0; i < count; i++) {
		struct mempool_item *it = mempool_find(&n->mempool, ids[i]);
		if (it == NULL)
			continue;
		struct waiter *w = it->user;
		if (w != NULL) {
			w->index = first_index + i;
			w->height = height;
			node_waiter_resolve_locked(n, w, 0);
		}
		mempool_remove(&n->mempool, it);
	}
	pthread_mutex_unlock(&n->mu);
}
