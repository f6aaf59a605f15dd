/* metrics.h - the node's counters and their Prometheus text form
 * (specs/api.md "GET /metrics"). */
#ifndef ACCORD_NODE_METRICS_H
#define ACCORD_NODE_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The server's version, also shown by accordd --version and in
 * accord_build_info. */
#define ACCORDD_VERSION "0.1.0"

/* HTTP status codes counted one by one; anything else lands in "other". */
#define METRICS_HTTP_CODES                                                 \
	X(200) X(201) X(202) X(204) X(304) X(400) X(404) X(405) X(409)     \
	    X(413) X(415) X(422) X(500) X(503) X(504)
#define METRICS_HTTP_CODE_COUNT 16 /* the list above plus "other" */

/* The routes whose request latency is a histogram of its own (label
 * route); METRICS_ROUTE_OTHER is every unknown path. */
enum metrics_route {
	METRICS_ROUTE_OTHER = 0,
	METRICS_ROUTE_ENTRIES_POST,
	METRICS_ROUTE_ENTRIES_POST_WAIT,
	METRICS_ROUTE_ENTRY,
	METRICS_ROUTE_BLOCK,
	METRICS_ROUTE_PROOF_INCLUSION,
	METRICS_ROUTE_PROOF_CONSISTENCY,
	METRICS_ROUTE_AGREEMENTS,
	METRICS_ROUTE_AGREEMENT,
	METRICS_ROUTE_COMPLIANCE,
	METRICS_ROUTE_STATUS,
	METRICS_ROUTE_CHECKPOINT,
	METRICS_ROUTE_METRICS,
	METRICS_ROUTE_HEALTHZ,
	METRICS_ROUTE_READYZ,
	METRICS_ROUTE_COUNT
};

/* Upper bounds of the histogram buckets, in microseconds (the +Inf
 * bucket is the count). */
#define METRICS_HTTP_BUCKETS                                               \
	X(500) X(1000) X(2500) X(5000) X(10000) X(25000) X(50000)          \
	    X(100000) X(250000) X(500000) X(1000000) X(2500000) X(5000000) \
	    X(10000000) X(30000000) X(60000000)
#define METRICS_HTTP_BUCKET_COUNT 16
#define METRICS_COMMIT_BUCKETS                                             \
	X(1000) X(2500) X(5000) X(10000) X(25000) X(50000) X(100000)       \
	    X(250000) X(500000) X(1000000) X(2500000) X(10000000)
#define METRICS_COMMIT_BUCKET_COUNT 12

/* A histogram of durations: cumulative buckets are made at render time
 * from the per-bucket counts. */
struct metrics_hist_http {
	atomic_uint_fast64_t bucket[METRICS_HTTP_BUCKET_COUNT + 1];
	atomic_uint_fast64_t sum_us;
};
struct metrics_hist_commit {
	atomic_uint_fast64_t bucket[METRICS_COMMIT_BUCKET_COUNT + 1];
	atomic_uint_fast64_t sum_us;
};

/* Counters are updated from the HTTP threads and the loop without locks. */
struct metrics {
	atomic_uint_fast64_t http_requests[METRICS_HTTP_CODE_COUNT];
	struct metrics_hist_http http_latency[METRICS_ROUTE_COUNT];
	atomic_uint_fast64_t entries_admitted;
	atomic_uint_fast64_t entries_rejected;
	atomic_uint_fast64_t entries_committed;
	atomic_uint_fast64_t blocks_committed;
	struct metrics_hist_commit block_commit; /* build+sign+sync */
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
	/* The process, from /proc (specs/api.md); has_process 0 when
	 * /proc/self could not be read. */
	int has_process;
	double cpu_seconds, start_time_seconds;
	uint64_t resident_bytes, virtual_bytes, open_fds, max_fds;
};

void metrics_init(struct metrics *m);
void metrics_http_count(struct metrics *m, unsigned status);
/* One answered request on route, us microseconds after its headers. */
void metrics_http_observe(struct metrics *m, enum metrics_route route,
			  uint64_t us);
/* A monotonic clock in microseconds, for the durations observed here. */
uint64_t metrics_now_us(void);
/* One block committed in us microseconds (specs/api.md "GET /metrics":
 * built, signed and synced by the one-validator producer, or checked and
 * synced once decided by consensus). */
void metrics_block_commit_observe(struct metrics *m, uint64_t us);

/* Fill the process fields of g from /proc/self (Linux); 0, or -1 with
 * has_process left 0. */
int metrics_process_read(struct metrics_gauges *g);

/* Render the text exposition format into a malloc'ed NUL-terminated
 * string the caller frees; NULL when out of memory. */
char *metrics_render(struct metrics *m, const struct metrics_gauges *g,
		     size_t *len);

#endif
