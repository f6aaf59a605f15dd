/* producer.c - when to make a block with one validator (specs/node.md §3):
 * after block_delay_ms of gathering, or at once when a full block waits.
 * What goes into the block and how it commits is node_block_produce
 * (node/block.c). */
#include "node/producer.h"

#include <stdlib.h>
#include <uv.h>

#include "common/limits.h"
#include "node/log.h"
#include "node/node.h"

struct producer {
	uv_timer_t timer;
	struct node *node;
	uint32_t delay_ms;
	int armed;
	int failing; /* the last attempt failed: retry on a slower beat */
};

/* After a failed commit the producer waits this long before retrying, so
 * a full disk does not turn into a busy loop. */
#define PRODUCER_RETRY_MS 1000u

static void timer_cb(uv_timer_t *t);

int producer_open(struct producer **out, struct node *n, void *uv_loop,
		  struct acc_err *err)
{
	int rc = producer_check(n, err);
	if (rc != 0)
		return rc;
	struct producer *p = calloc(1, sizeof *p);
	if (p == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	p->node = n;
	p->delay_ms = node_block_delay_ms(n);
	(void)uv_timer_init(uv_loop, &p->timer);
	p->timer.data = p;
	*out = p;
	return 0;
}

static void arm(struct producer *p, uint64_t ms)
{
	if (uv_timer_start(&p->timer, timer_cb, ms, 0) == 0)
		p->armed = 1;
}

void producer_kick(struct producer *p)
{
	if (p == NULL || p->failing)
		return;
	struct node *n = p->node;
	pthread_mutex_lock(&n->mu);
	size_t count = n->mempool.count, bytes = n->mempool.bytes;
	pthread_mutex_unlock(&n->mu);
	if (count == 0)
		return;
	if (count >= BLOCK_ENTRIES_MAX || bytes >= BLOCK_BYTES_MAX) {
		arm(p, 0);
		return;
	}
	/* An armed timer is not pushed back: the delay counts from the first
	 * entry the block will hold, so no entry waits longer than it. */
	if (!p->armed)
		arm(p, p->delay_ms);
}

static void timer_cb(uv_timer_t *t)
{
	struct producer *p = t->data;
	struct node *n = p->node;
	struct acc_err err = {0};
	size_t count = 0;
	p->armed = 0;
	uint64_t t0 = uv_hrtime();
	int rc = node_block_produce(n, &count, &err);
	if (rc != 0) {
		/* specs/node.md §8: the failure is visible (status, /healthz,
		 * /metrics, 503 to submissions) until a commit succeeds. */
		int first = node_health_commit_failed(&n->health, rc, err.msg,
						      &n->cfg, node_wall_ms());
		char cause[ACC_ERRMSG_BYTES_MAX];
		(void)node_health_failing(&n->health, cause, sizeof cause);
		if (first)
			LOG_ERROR("block production failed: %s (%s); "
				  "retrying every %u ms", cause,
				  acc_errname(rc), PRODUCER_RETRY_MS);
		else
			LOG_RL(LOG_LEVEL_ERROR, "block production still "
			       "failing: %s (%s)", cause, acc_errname(rc));
		p->failing = 1;
		if (uv_timer_start(&p->timer, timer_cb, PRODUCER_RETRY_MS,
				   0) == 0)
			p->armed = 1;
		return;
	}
	p->failing = 0;
	if (node_health_commit_ok(&n->health))
		LOG_INFO("block production recovered");
	if (count > 0)
		metrics_block_commit_observe(&n->metrics,
					     (uv_hrtime() - t0) / 1000u);
	/* Group commit (specs/node.md §3): whatever arrived while this block
	 * was being signed and synced has gathered for as long as the sync
	 * took, and goes into the next block at once. */
	pthread_mutex_lock(&n->mu);
	size_t waiting = n->mempool.count;
	pthread_mutex_unlock(&n->mu);
	if (count > 0 && waiting > 0)
		arm(p, 0);
	else
		producer_kick(p);
}

static void close_cb(uv_handle_t *h)
{
	free(h->data);
}

void producer_close(struct producer *p)
{
	if (p == NULL)
		return;
	(void)uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, close_cb);
}
