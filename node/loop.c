/* loop.c - the node's libuv loop: wake-ups from the HTTP threads, commit
 * waiter timeouts, signals, and an orderly shutdown (specs/node.md §5). */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "node/driver.h"
#include "node/http.h"
#include "node/log.h"
#include "node/node.h"
#include "node/producer.h"

/* How often parked requests are checked against their deadline. */
#define SWEEP_INTERVAL_MS 250u

struct node_loop {
	uv_loop_t loop;
	uv_async_t wake;
	uv_timer_t sweep;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	atomic_int stop;
	int closing;
	struct node *node;
};

void node_wake(struct node *n)
{
	struct node_loop *l = n->loop;
	if (l != NULL)
		(void)uv_async_send(&l->wake);
}

void node_stop(struct node *n)
{
	struct node_loop *l = n->loop;
	if (l == NULL)
		return;
	atomic_store(&l->stop, 1);
	(void)uv_async_send(&l->wake);
}

static void shutdown_begin(struct node_loop *l)
{
	struct node *n = l->node;
	if (l->closing)
		return;
	l->closing = 1;
	LOG_INFO("shutting down");
	/* New submissions are refused from here on; parked requests are
	 * answered now because the server cannot stop while any request is
	 * suspended. */
	pthread_mutex_lock(&n->mu);
	n->stopping = 1;
	while (n->waiters_head != NULL)
		node_waiter_resolve_locked(n, n->waiters_head, ACC_ESTATE);
	pthread_mutex_unlock(&n->mu);
	/* The server's threads may still call node_wake, so the async
	 * handle is closed only after they are joined. */
	http_server_stop(n->http);
	n->http = NULL;
	producer_close(n->producer);
	n->producer = NULL;
	driver_close(n->driver);
	n->driver = NULL;
	uv_close((uv_handle_t *)&l->wake, NULL);
	uv_close((uv_handle_t *)&l->sweep, NULL);
	uv_close((uv_handle_t *)&l->sigint, NULL);
	uv_close((uv_handle_t *)&l->sigterm, NULL);
}

static void wake_cb(uv_async_t *h)
{
	struct node_loop *l = h->data;
	if (atomic_load(&l->stop)) {
		shutdown_begin(l);
		return;
	}
	if (!l->closing) {
		producer_kick(l->node->producer);
		driver_kick(l->node->driver);
	}
}

static void sweep_cb(uv_timer_t *h)
{
	struct node_loop *l = h->data;
	struct node *n = l->node;
	uint64_t now = node_now_ms();
	size_t expired = 0;
	pthread_mutex_lock(&n->mu);
	/* Deadlines are admission time plus a constant, so the list is in
	 * deadline order and the sweep stops at the first live one. */
	while (n->waiters_head != NULL &&
	       n->waiters_head->deadline_ms <= now) {
		node_waiter_resolve_locked(n, n->waiters_head, ACC_ETIMEOUT);
		expired++;
	}
	pthread_mutex_unlock(&n->mu);
	if (expired) {
		atomic_fetch_add(&n->metrics.waiters_timed_out, expired);
		LOG_WARN("%zu commit waiter(s) timed out", expired);
	}
}

static void signal_cb(uv_signal_t *h, int signum)
{
	struct node_loop *l = h->data;
	LOG_INFO("signal %d", signum);
	shutdown_begin(l);
}

static int uv_fail(struct acc_err *err, const char *what, int uvrc)
{
	return acc_err_set(err, ACC_EIO, "%s: %s", what, uv_strerror(uvrc));
}

int node_run(struct node *n, struct acc_err *err)
{
	struct node_loop *l = calloc(1, sizeof *l);
	int rc, uvrc;
	if (l == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	l->node = n;
	atomic_init(&l->stop, 0);
	/* A peer that vanishes mid-write makes write(2) fail with EPIPE; the
	 * default SIGPIPE would kill the node instead (libuv writes with
	 * write(2), not send(MSG_NOSIGNAL)). Errors are handled where the
	 * write returns. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	if ((uvrc = uv_loop_init(&l->loop)) != 0) {
		free(l);
		return uv_fail(err, "uv_loop_init", uvrc);
	}
	if ((uvrc = uv_async_init(&l->loop, &l->wake, wake_cb)) != 0) {
		rc = uv_fail(err, "uv_async_init", uvrc);
		goto fail_loop;
	}
	l->wake.data = l;
	(void)uv_timer_init(&l->loop, &l->sweep);
	l->sweep.data = l;
	(void)uv_signal_init(&l->loop, &l->sigint);
	(void)uv_signal_init(&l->loop, &l->sigterm);
	l->sigint.data = l;
	l->sigterm.data = l;
	if ((uvrc = uv_signal_start(&l->sigint, signal_cb, SIGINT)) != 0 ||
	    (uvrc = uv_signal_start(&l->sigterm, signal_cb, SIGTERM)) != 0) {
		rc = uv_fail(err, "uv_signal_start", uvrc);
		goto fail_handles;
	}
	if ((uvrc = uv_timer_start(&l->sweep, sweep_cb, SWEEP_INTERVAL_MS,
				   SWEEP_INTERVAL_MS)) != 0) {
		rc = uv_fail(err, "uv_timer_start", uvrc);
		goto fail_handles;
	}
	/* specs/node.md §2 step 3: the producer for a validator that commits
	 * alone; the driver for peers and consensus. */
	if (node_solo(n) &&
	    (rc = producer_open(&n->producer, n, &l->loop, err)) != 0)
		goto fail_handles;
	if (driver_wanted(n) &&
	    (rc = driver_open(&n->driver, n, &l->loop, err)) != 0)
		goto fail_producer;
	/* The loop pointer is published before the server starts so that
	 * its threads can wake the loop from the first request. */
	n->loop = l;
	if ((rc = http_server_start(&n->http, n, err)) != 0)
		goto fail_producer;
	LOG_INFO("http listening on %s:%u", n->cfg.http.host,
		 (unsigned)http_server_port(n->http));
	LOG_INFO("node ready: %s %u, height %llu, log size %llu",
		 n->cfg.role == NODE_ROLE_FOLLOWER ? "follower" : "validator",
		 n->cfg.role == NODE_ROLE_FOLLOWER ? 0u
						   : (unsigned)n->cfg.validator,
		 (unsigned long long)n->head.height,
		 (unsigned long long)n->head.log_size);
	/* Entries may be pending from before (none today: the mempool is
	 * not persisted), and a kick costs nothing. */
	producer_kick(n->producer);
	(void)uv_run(&l->loop, UV_RUN_DEFAULT);
	rc = 0;
	goto done;

fail_producer:
	n->loop = NULL;
	driver_close(n->driver);
	n->driver = NULL;
	producer_close(n->producer);
	n->producer = NULL;
fail_handles:
	uv_close((uv_handle_t *)&l->wake, NULL);
	uv_close((uv_handle_t *)&l->sweep, NULL);
	uv_close((uv_handle_t *)&l->sigint, NULL);
	uv_close((uv_handle_t *)&l->sigterm, NULL);
	(void)uv_run(&l->loop, UV_RUN_DEFAULT);
done:
	n->loop = NULL;
fail_loop:
	if (uv_loop_close(&l->loop) != 0)
		LOG_WARN("loop closed with handles still open");
	free(l);
	return rc;
}
