/* metrics.c - Prometheus text exposition format 0.0.4. */
#include "node/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned http_codes[] = {
#define X(c) c,
    METRICS_HTTP_CODES
#undef X
};

void metrics_init(struct metrics *m)
{
	for (size_t i = 0; i < METRICS_HTTP_CODE_COUNT; i++)
		atomic_init(&m->http_requests[i], 0);
	atomic_init(&m->entries_admitted, 0);
	atomic_init(&m->entries_rejected, 0);
	atomic_init(&m->entries_committed, 0);
	atomic_init(&m->blocks_committed, 0);
	atomic_init(&m->block_commit_us_sum, 0);
	atomic_init(&m->waiters_timed_out, 0);
}

void metrics_http_count(struct metrics *m, unsigned status)
{
	size_t n = sizeof http_codes / sizeof http_codes[0];
	size_t i;
	for (i = 0; i < n; i++)
		if (http_codes[i] == status)
			break;
	atomic_fetch_add_explicit(&m->http_requests[i], 1,
				  memory_order_relaxed);
}

/* A small appending printer over a fixed buffer; the page is bounded. */
struct page {
	char *p;
	size_t len, cap;
	int overflow;
};

__attribute__((format(printf, 2, 3))) static void put(struct page *pg,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(pg->p + pg->len, pg->cap - pg->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= pg->cap - pg->len)
		pg->overflow = 1;
	else
		pg->len += (size_t)n;
}

static void counter(struct page *pg, const char *name, const char *help,
		    uint64_t v)
{
	put(pg, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name,
	    name, (unsigned long long)v);
}

static void gauge(struct page *pg, const char *name, const char *help,
		  uint64_t v)
{
	put(pg, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name,
	    name, (unsigned long long)v);
}

#define LOAD(x) ((uint64_t)atomic_load_explicit(&(x), memory_order_relaxed))

char *metrics_render(struct metrics *m, const struct metrics_gauges *g,
		     size_t *len)
{
	struct page pg = {.cap = 16384};
	pg.p = malloc(pg.cap);
	if (pg.p == NULL)
		return NULL;
	pg.p[0] = '\0';
	gauge(&pg, "accord_height", "Height of the last committed block.",
	      g->height);
	gauge(&pg, "accord_log_size", "Entries in the log.", g->log_size);
	gauge(&pg, "accord_mempool_entries", "Entries waiting for a block.",
	      g->mempool_entries);
	gauge(&pg, "accord_mempool_bytes", "Bytes of entries waiting.",
	      g->mempool_bytes);
	gauge(&pg, "accord_http_waiters",
	      "Requests parked on ?wait=commit.", g->waiters);
	gauge(&pg, "accord_storage_failing",
	      "1 while block commits fail (see /healthz), else 0.",
	      g->storage_failing);
	counter(&pg, "accord_entries_admitted_total",
		"Entries admitted to the mempool.", LOAD(m->entries_admitted));
	counter(&pg, "accord_entries_rejected_total",
		"Submitted entries refused.", LOAD(m->entries_rejected));
	counter(&pg, "accord_entries_committed_total",
		"Entries committed by this node.", LOAD(m->entries_committed));
	counter(&pg, "accord_blocks_committed_total",
		"Blocks committed by this node.", LOAD(m->blocks_committed));
	counter(&pg, "accord_block_commit_microseconds_total",
		"Time spent building, signing and syncing blocks.",
		LOAD(m->block_commit_us_sum));
	counter(&pg, "accord_wait_timeouts_total",
		"?wait=commit requests answered 504.",
		LOAD(m->waiters_timed_out));
	if (g->net) {
		gauge(&pg, "accord_peers", "Peers configured.", g->peers);
		gauge(&pg, "accord_peers_connected",
		      "Peers with an authenticated link.", g->peers_connected);
		gauge(&pg, "accord_consensus_round",
		      "Round of the height being decided.", g->round);
		gauge(&pg, "accord_catching_up",
		      "1 while more than 2 heights behind (not voting).",
		      g->syncing);
		counter(&pg, "accord_heights_decided_total",
			"Heights this node decided by consensus.",
			g->heights_decided);
		counter(&pg, "accord_height_milliseconds_total",
			"Time spent deciding those heights.", g->height_ms_sum);
		counter(&pg, "accord_rounds_total",
			"Rounds those heights took (1 per height at best).",
			g->rounds_sum);
		gauge(&pg, "accord_last_height_milliseconds",
		      "Time the last decided height took.", g->last_height_ms);
		counter(&pg, "accord_proposals_untimely_total",
			"Proposals whose block time was too far from this "
			"node's clock.", g->proposals_untimely);
		counter(&pg, "accord_peer_messages_dropped_total",
			"Messages dropped on a full peer send queue.",
			g->msgs_dropped_full);
	}
	put(&pg, "# HELP accord_http_requests_total HTTP requests answered, "
		 "by status code.\n# TYPE accord_http_requests_total counter\n");
	for (size_t i = 0; i < METRICS_HTTP_CODE_COUNT; i++) {
		uint64_t v = LOAD(m->http_requests[i]);
		if (i + 1 < METRICS_HTTP_CODE_COUNT)
			put(&pg, "accord_http_requests_total{code=\"%u\"} %llu\n",
			    http_codes[i], (unsigned long long)v);
		else
			put(&pg,
			    "accord_http_requests_total{code=\"other\"} %llu\n",
			    (unsigned long long)v);
	}
	if (pg.overflow) {
		free(pg.p);
		return NULL;
	}
	*len = pg.len;
	return pg.p;
}
