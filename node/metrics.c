/* metrics.c - Prometheus text exposition format 0.0.4, in base units
 * (seconds, bytes) as specs/api.md "GET /metrics" lists them. */
#include "node/metrics.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"

static const unsigned http_codes[] = {
#define X(c) c,
    METRICS_HTTP_CODES
#undef X
};

static const uint64_t http_bounds_us[METRICS_HTTP_BUCKET_COUNT] = {
#define X(b) b,
    METRICS_HTTP_BUCKETS
#undef X
};

static const uint64_t commit_bounds_us[METRICS_COMMIT_BUCKET_COUNT] = {
#define X(b) b,
    METRICS_COMMIT_BUCKETS
#undef X
};

/* The label of each enum metrics_route: the path template it serves. */
static const char *const route_names[METRICS_ROUTE_COUNT] = {
    [METRICS_ROUTE_OTHER] = "other",
    [METRICS_ROUTE_ENTRIES_POST] = "POST /v1/entries",
    [METRICS_ROUTE_ENTRIES_POST_WAIT] = "POST /v1/entries?wait=commit",
    [METRICS_ROUTE_ENTRY] = "/v1/entries/{id}",
    [METRICS_ROUTE_BLOCK] = "/v1/blocks/{height}",
    [METRICS_ROUTE_PROOF_INCLUSION] = "/v1/proofs/inclusion",
    [METRICS_ROUTE_PROOF_CONSISTENCY] = "/v1/proofs/consistency",
    [METRICS_ROUTE_AGREEMENTS] = "/v1/agreements",
    [METRICS_ROUTE_AGREEMENT] = "/v1/agreements/{id}",
    [METRICS_ROUTE_COMPLIANCE] = "/v1/compliance",
    [METRICS_ROUTE_STATUS] = "/v1/status",
    [METRICS_ROUTE_CHECKPOINT] = "/v1/checkpoint",
    [METRICS_ROUTE_METRICS] = "/metrics",
    [METRICS_ROUTE_HEALTHZ] = "/healthz",
    [METRICS_ROUTE_READYZ] = "/readyz",
};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < METRICS_HTTP_CODE_COUNT; i++)
		atomic_init(&m->http_requests[i], 0);
	for (size_t r = 0; r < METRICS_ROUTE_COUNT; r++) {
		for (size_t i = 0; i <= METRICS_HTTP_BUCKET_COUNT; i++)
			atomic_init(&m->http_latency[r].bucket[i], 0);
		atomic_init(&m->http_latency[r].sum_us, 0);
	}
	for (size_t i = 0; i <= METRICS_COMMIT_BUCKET_COUNT; i++)
		atomic_init(&m->block_commit.bucket[i], 0);
	atomic_init(&m->block_commit.sum_us, 0);
	atomic_init(&m->entries_admitted, 0);
	atomic_init(&m->entries_rejected, 0);
	atomic_init(&m->entries_committed, 0);
	atomic_init(&m->blocks_committed, 0);
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

/* The first bucket whose bound is >= us; count (the +Inf bucket) if none. */
static size_t bucket_of(const uint64_t *bounds, size_t count, uint64_t us)
{
	size_t i = 0;
	while (i < count && us > bounds[i])
		i++;
	return i;
}

void metrics_http_observe(struct metrics *m, enum metrics_route route,
			  uint64_t us)
{
	if ((unsigned)route >= METRICS_ROUTE_COUNT)
		route = METRICS_ROUTE_OTHER;
	struct metrics_hist_http *h = &m->http_latency[route];
	size_t b = bucket_of(http_bounds_us, METRICS_HTTP_BUCKET_COUNT, us);
	atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

uint64_t metrics_now_us(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void metrics_block_commit_observe(struct metrics *m, uint64_t us)
{
	struct metrics_hist_commit *h = &m->block_commit;
	size_t b = bucket_of(commit_bounds_us, METRICS_COMMIT_BUCKET_COUNT, us);
	atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

/* ---- the process, from /proc (proc(5)) ---- */

/* The machine's boot time in seconds since the epoch ("btime" of
 * /proc/stat), or -1. */
static double boot_time(void)
{
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return -1;
	char line[256];
	double bt = -1;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long long v;
		if (sscanf(line, "btime %llu", &v) == 1) {
			bt = (double)v;
			break;
		}
	}
	fclose(f);
	return bt;
}

int metrics_process_read(struct metrics_gauges *g)
{
	g->has_process = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	if (f == NULL)
		return -1;
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: the fields
	 * start after the last ')'. Field 3 is the state. */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	unsigned long long utime, stime, start, vsize, rss_pages;
	long long rss;
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u " /* 3-13 */
		   "%llu %llu %*d %*d %*d %*d %*d %*d "       /* 14-21 */
		   "%llu %llu %lld",                          /* 22-24 */
		   &utime, &stime, &start, &vsize, &rss) != 5)
		return -1;
	long tck = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	double bt = boot_time();
	if (tck <= 0 || page <= 0 || bt < 0)
		return -1;
	rss_pages = rss > 0 ? (unsigned long long)rss : 0;
	g->cpu_seconds = (double)(utime + stime) / (double)tck;
	g->start_time_seconds = bt + (double)start / (double)tck;
	g->resident_bytes = (uint64_t)rss_pages * (uint64_t)page;
	g->virtual_bytes = vsize;
	uint64_t fds = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			fds++;
	closedir(d);
	g->open_fds = fds > 0 ? fds - 1 : 0; /* less the directory's own */
	struct rlimit rl;
	g->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
			     rl.rlim_cur != RLIM_INFINITY
			 ? (uint64_t)rl.rlim_cur
			 : 0;
	g->has_process = 1;
	return 0;
}

/* ---- rendering ---- */

/* A small appending printer over a growing buffer. */
struct page {
	char *p;
	size_t len, cap;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct page *pg,
						       const char *fmt, ...)
{
	for (;;) {
		if (pg->failed)
			return;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(pg->p + pg->len, pg->cap - pg->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			pg->failed = 1;
			return;
		}
		if ((size_t)n < pg->cap - pg->len) {
			pg->len += (size_t)n;
			return;
		}
		char *q = realloc(pg->p, 2 * pg->cap + (size_t)n);
		if (q == NULL) {
			pg->failed = 1;
			return;
		}
		pg->p = q;
		pg->cap = 2 * pg->cap + (size_t)n;
	}
}

static void head(struct page *pg, const char *name, const char *type,
		 const char *help)
{
	put(pg, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct page *pg, const char *name, const char *help,
		    uint64_t v)
{
	head(pg, name, "counter", help);
	put(pg, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(struct page *pg, const char *name, const char *help,
		  uint64_t v)
{
	head(pg, name, "gauge", help);
	put(pg, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge_f(struct page *pg, const char *name, const char *help,
		    double v)
{
	head(pg, name, "gauge", help);
	put(pg, "%s %.6f\n", name, v);
}

#define LOAD(x) ((uint64_t)atomic_load_explicit(&(x), memory_order_relaxed))

/* The series of one histogram: cumulative buckets with le in seconds,
 * then _sum (seconds) and _count. labels is "" or `k="v",`. */
static void hist_series(struct page *pg, const char *name,
			const char *labels, const uint64_t *bounds_us,
			size_t nb, const atomic_uint_fast64_t *bucket,
			uint64_t sum_us)
{
	uint64_t cum = 0;
	for (size_t i = 0; i < nb; i++) {
		cum += (uint64_t)atomic_load_explicit(&bucket[i],
						      memory_order_relaxed);
		put(pg, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels,
		    (double)bounds_us[i] / 1e6, (unsigned long long)cum);
	}
	cum += (uint64_t)atomic_load_explicit(&bucket[nb],
					      memory_order_relaxed);
	put(pg, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels,
	    (unsigned long long)cum);
	size_t ll = strlen(labels);
	/* "k=\"v\"," without its trailing comma, inside braces, or nothing */
	if (ll > 0)
		put(pg, "%s_sum{%.*s} %.6f\n%s_count{%.*s} %llu\n", name,
		    (int)(ll - 1), labels, (double)sum_us / 1e6, name,
		    (int)(ll - 1), labels, (unsigned long long)cum);
	else
		put(pg, "%s_sum %.6f\n%s_count %llu\n", name,
		    (double)sum_us / 1e6, name, (unsigned long long)cum);
}

static void render_process(struct page *pg, const struct metrics_gauges *g)
{
	if (!g->has_process)
		return;
	head(pg, "process_cpu_seconds_total", "counter",
	     "Total user and system CPU time spent in seconds.");
	put(pg, "process_cpu_seconds_total %.2f\n", g->cpu_seconds);
	gauge(pg, "process_resident_memory_bytes",
	      "Resident memory size in bytes.", g->resident_bytes);
	gauge(pg, "process_virtual_memory_bytes",
	      "Virtual memory size in bytes.", g->virtual_bytes);
	gauge(pg, "process_open_fds", "Number of open file descriptors.",
	      g->open_fds);
	if (g->max_fds > 0)
		gauge(pg, "process_max_fds",
		      "Maximum number of open file descriptors.", g->max_fds);
	gauge_f(pg, "process_start_time_seconds",
		"Start time of the process since unix epoch in seconds.",
		g->start_time_seconds);
}

char *metrics_render(struct metrics *m, const struct metrics_gauges *g,
		     size_t *len)
{
	struct page pg = {.cap = 32768};
	pg.p = malloc(pg.cap);
	if (pg.p == NULL)
		return NULL;
	pg.p[0] = '\0';
	head(&pg, "accord_build_info", "gauge",
	     "Always 1; the labels name the build.");
	put(&pg, "accord_build_info{version=\"%s\",compiler=\"%s\"} 1\n",
	    ACCORDD_VERSION,
#if defined(__clang__)
	    "clang " __clang_version__
#elif defined(__GNUC__)
	    "gcc " __VERSION__
#else
	    "unknown"
#endif
	);
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
	head(&pg, "accord_block_commit_seconds", "histogram",
	     "Time spent committing a block: built, signed and synced alone, "
	     "or checked and synced once decided by consensus.");
	hist_series(&pg, "accord_block_commit_seconds", "", commit_bounds_us,
		    METRICS_COMMIT_BUCKET_COUNT, m->block_commit.bucket,
		    LOAD(m->block_commit.sum_us));
	counter(&pg, "accord_wait_timeouts_total",
		"?wait=commit requests answered 504.",
		LOAD(m->waiters_timed_out));
	uint64_t sig_hits, sig_misses;
	sigcache_stats(&sig_hits, &sig_misses);
	counter(&pg, "accord_signature_cache_hits_total",
		"Signature checks answered by the cache of good signatures.",
		sig_hits);
	counter(&pg, "accord_signature_cache_misses_total",
		"Signature checks the cache sent to Ed25519.", sig_misses);
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
		head(&pg, "accord_consensus_height_seconds", "summary",
		     "Time spent deciding each height (sum and count).");
		put(&pg,
		    "accord_consensus_height_seconds_sum %.3f\n"
		    "accord_consensus_height_seconds_count %llu\n",
		    (double)g->height_ms_sum / 1e3,
		    (unsigned long long)g->heights_decided);
		counter(&pg, "accord_consensus_rounds_total",
			"Rounds those heights took (1 per height at best).",
			g->rounds_sum);
		gauge_f(&pg, "accord_consensus_last_height_seconds",
			"Time the last decided height took.",
			(double)g->last_height_ms / 1e3);
		counter(&pg, "accord_proposals_untimely_total",
			"Proposals whose block time was too far from this "
			"node's clock.", g->proposals_untimely);
		counter(&pg, "accord_peer_messages_dropped_total",
			"Messages dropped on a full peer send queue.",
			g->msgs_dropped_full);
	}
	head(&pg, "accord_http_requests_total", "counter",
	     "HTTP requests answered, by status code.");
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
	head(&pg, "accord_http_request_duration_seconds", "histogram",
	     "Time from a request's headers to its answer, by route.");
	for (size_t r = 0; r < METRICS_ROUTE_COUNT; r++) {
		char labels[64];
		snprintf(labels, sizeof labels, "route=\"%s\",", route_names[r]);
		hist_series(&pg, "accord_http_request_duration_seconds", labels,
			    http_bounds_us, METRICS_HTTP_BUCKET_COUNT,
			    m->http_latency[r].bucket,
			    LOAD(m->http_latency[r].sum_us));
	}
	render_process(&pg, g);
	if (pg.failed) {
		free(pg.p);
		return NULL;
	}
	*len = pg.len;
	return pg.p;
}
