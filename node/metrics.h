/* metrics.h - the node's counters and their Prometheus text form
 * (specs/api.md "GET /metrics"). */
#ifndef ACCORD_NODE_METRICS_H
#define ACCORD_NODE_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* HTTP status codes counted one by one; anything else lands in "other". */
#define METRICS_HTTP_CODES                                                 \
	X(200) X(201) X(202) X(400) X(404) X(405) X(409) X(413) X(415)     \
	    X(422) X(500) X(503) X(504)
#define METRICS_HTTP_CODE_COUNT 14 /* the list above plus "other" */

/* Counters are updated from the HTTP threads and the loop without locks. */
struct metrics {
	atomic_uint_fast64_t http_requests[METRICS_HTTP_CODE_COUNT];
	atomic_uint_fast64_t entries_admitted;
	atomic_uint_fast64_t entries_rejected;
	atomic_uint_fast64_t entries_committed;
	atomic_uint_fast64_t blocks_committed;
	atomic_uint_fast64_t block_commit_us_sum; /* build+sign+sync */
	atomic_uint_fast64_t waiters_timed_out;
};

/* The values that are read at render time rather than counted. */
struct metrics_gauges {
	uint64_t height;
	uint64_t log_size;
	uint64_t mempool_entries;
	uint64_t mempool_bytes;
	uint64_t waiters;
	/* The network (specs/node.md §7); rendered only when net is set. */
	int net;
	uint64_t peers, peers_connected, round, syncing;
	uint64_t heights_decided, height_ms_sum, rounds_sum, last_height_ms;
	uint64_t proposals_untimely, msgs_dropped_full;
	uint64_t storage_failing; /* 1 while block commits fail */
};

void metrics_init(struct metrics *m);
void metrics_http_count(struct metrics *m, unsigned status);

/* Render the text exposition format into a malloc'ed NUL-terminated
 * string the caller frees; NULL when out of memory. */
char *metrics_render(struct metrics *m, const struct metrics_gauges *g,
		     size_t *len);

#endif
