/* test_node_parts.c - node pieces that need no genesis: config parsing,
 * the mempool's bounds and dedup, query numbers, status mapping, metrics. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/crypto.h"
#include "node/config.h"
#include "node/health.h"
#include "node/http.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/metrics.h"
#include "tests/test.h"

static void test_config_ok(void)
{
	const char *j =
	    "{\"genesis\":\"../genesis.json\",\"key\":\"validator.key\","
	    "\"data_dir\":\"data\",\"validator\":0,"
	    "\"http_listen\":\"127.0.0.1:8700\","
	    "\"p2p_listen\":\"127.0.0.1:26600\",\"log_level\":\"debug\"}";
	struct node_config c;
	struct acc_err e = {0};
	ASSERT_OK(config_parse(&c, j, strlen(j), "/d/node0", &e));
	ASSERT_STR_EQ(c.genesis_path, "/d/node0/../genesis.json");
	ASSERT_STR_EQ(c.key_path, "/d/node0/validator.key");
	ASSERT_STR_EQ(c.data_dir, "/d/node0/data");
	ASSERT_STR_EQ(c.http.host, "127.0.0.1");
	ASSERT_EQ(c.http.port, 8700);
	ASSERT_EQ(c.p2p.port, 26600);
	ASSERT_EQ(c.log_level, LOG_LEVEL_DEBUG);
	ASSERT_EQ(c.http_threads, 4);
	ASSERT_EQ(c.http_conns_per_addr, 64);
	ASSERT_EQ(c.validator, 0);
	const char *j2 =
	    "{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	    "\"validator\":0,\"http_listen\":\"127.0.0.1:1\","
	    "\"http_conns_per_addr\":1024}";
	ASSERT_OK(config_parse(&c, j2, strlen(j2), NULL, &e));
	ASSERT_EQ(c.http_conns_per_addr, 1024);
}

static void test_config_bad(void)
{
	static const struct {
		const char *json;
		int rc;
	} cases[] = {
	    {"{", ACC_EJSON},
	    {"[]", ACC_ETYPE},
	    {"{\"key\":\"k\",\"data_dir\":\"d\",\"validator\":0,"
	     "\"http_listen\":\"127.0.0.1:1\"}", ACC_ECONFIG},
	    {"{\"genesis\":1,\"key\":\"k\",\"data_dir\":\"d\",\"validator\":0,"
	     "\"http_listen\":\"127.0.0.1:1\"}", ACC_ETYPE},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":-1,\"http_listen\":\"127.0.0.1:1\"}", ACC_ETYPE},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":0,\"http_listen\":\"127.0.0.1:99999\"}",
	     ACC_ECONFIG},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":0,\"http_listen\":\"nocolon\"}", ACC_ECONFIG},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":0,\"http_listen\":\"127.0.0.1:1\","
	     "\"typo\":1}", ACC_ECONFIG},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":0,\"http_listen\":\"127.0.0.1:1\","
	     "\"log_level\":\"loud\"}", ACC_ECONFIG},
	    {"{\"genesis\":\"g\",\"genesis\":\"h\"}", ACC_EJSON},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":0,\"http_listen\":\"127.0.0.1:1\","
	     "\"http_conns_per_addr\":0}", ACC_ECONFIG},
	    {"{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
	     "\"validator\":0,\"http_listen\":\"127.0.0.1:1\","
	     "\"http_conns_per_addr\":1025}", ACC_ETYPE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct node_config c;
		struct acc_err e = {0};
		int rc = config_parse(&c, cases[i].json, strlen(cases[i].json),
				      NULL, &e);
		if (rc != cases[i].rc)
			FAIL_AT("case %zu: %s, want %s (%s)", i,
				acc_errname(rc), acc_errname(cases[i].rc),
				e.msg);
		ASSERT(e.msg[0] != '\0');
	}
}

#define K0 "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
#define K1 "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"
#define BASE "\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\"," \
	     "\"http_listen\":\"127.0.0.1:1\","

/* NETCONFIG: role, peers, followers, clock_skew_ms (specs/node.md §1). */
static void test_config_network(void)
{
	struct node_config c;
	struct acc_err e = {0};
	const char *v = "{" BASE "\"validator\":1,\"p2p_listen\":\"127.0.0.1:9\","
			"\"peers\":[{\"key\":\"" K0 "\",\"addr\":\"127.0.0.1:8\"}],"
			"\"followers\":[\"" K1 "\"],\"clock_skew_ms\":-3600000}";
	ASSERT_OK(config_parse(&c, v, strlen(v), NULL, &e));
	ASSERT_EQ(c.role, NODE_ROLE_VALIDATOR);
	ASSERT_EQ(c.validator, 1);
	ASSERT_EQ(c.has_p2p, 1);
	ASSERT_EQ(c.peer_count, 1);
	ASSERT_EQ(c.peers[0].key[0], 0x8a);
	ASSERT_EQ(c.peers[0].addr.port, 8);
	ASSERT_EQ(c.follower_count, 1);
	ASSERT_EQ(c.followers[0][0], 0x81);
	ASSERT_EQ(c.clock_skew_ms, -3600000);
	const char *f = "{" BASE "\"role\":\"follower\","
			"\"peers\":[{\"key\":\"" K0 "\",\"addr\":\"127.0.0.1:8\"}]}";
	ASSERT_OK(config_parse(&c, f, strlen(f), NULL, &e));
	ASSERT_EQ(c.role, NODE_ROLE_FOLLOWER);
	ASSERT_EQ(c.has_p2p, 0);
	static const char *const bad[] = {
	    /* a follower with a validator index, or followers */
	    "{" BASE "\"role\":\"follower\",\"validator\":0}",
	    "{" BASE "\"role\":\"follower\",\"followers\":[]}",
	    "{" BASE "\"role\":\"observer\",\"validator\":0}",
	    "{" BASE "\"role\":\"follower\",\"peers\":{}}",
	    "{" BASE "\"validator\":0,\"peers\":[{\"key\":\"00\","
	    "\"addr\":\"127.0.0.1:8\"}]}",
	    "{" BASE "\"validator\":0,\"peers\":[{\"key\":\"" K0 "\"}]}",
	    "{" BASE "\"validator\":0,\"peers\":[{\"key\":\"" K0 "\","
	    "\"addr\":\"127.0.0.1:8\",\"x\":1}]}",
	    "{" BASE "\"validator\":0,\"peers\":[{\"key\":\"" K0 "\","
	    "\"addr\":\"nope\"}]}",
	    "{" BASE "\"validator\":0,\"peers\":[{\"key\":\"" K0 "\","
	    "\"addr\":\"127.0.0.1:8\"},{\"key\":\"" K0 "\","
	    "\"addr\":\"127.0.0.1:9\"}]}",
	    "{" BASE "\"validator\":0,\"followers\":[\"" K1 "\",\"" K1 "\"]}",
	    "{" BASE "\"validator\":0,\"followers\":[7]}",
	    "{" BASE "\"validator\":0,\"clock_skew_ms\":\"1\"}",
	    "{" BASE "\"validator\":0,\"clock_skew_ms\":99999999999}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = config_parse(&c, bad[i], strlen(bad[i]), NULL, &e);
		if (rc != ACC_ECONFIG)
			FAIL_AT("case %zu: rc %d (%s)", i, rc, e.msg);
	}
}

static void test_listen_v6(void)
{
	struct listen_addr a;
	ASSERT_OK(listen_addr_parse(&a, "[::1]:8080", NULL));
	ASSERT_STR_EQ(a.host, "::1");
	ASSERT_EQ(a.port, 8080);
	ASSERT_EQ(listen_addr_parse(&a, "[::1]8080", NULL), ACC_ECONFIG);
	ASSERT_EQ(listen_addr_parse(&a, ":80", NULL), ACC_ECONFIG);
	ASSERT_EQ(listen_addr_parse(&a, "h:8a", NULL), ACC_ECONFIG);
}

static void test_mempool(void)
{
	struct mempool mp;
	ASSERT_OK(mempool_init(&mp, 3, 100));
	uint8_t id[4][HASH_BYTES];
	uint8_t bytes[60] = {1};
	for (int i = 0; i < 4; i++)
		sha256(id[i], &i, sizeof i);
	struct mempool_item *a, *b;
	ASSERT_OK(mempool_add(&mp, id[0], bytes, 40, &a));
	ASSERT_EQ(mempool_add(&mp, id[0], bytes, 1, NULL), ACC_EDUP);
	/* 40 + 60 = 100 fits exactly; one byte more does not. */
	ASSERT_EQ(mempool_add(&mp, id[1], bytes, 61, NULL), ACC_EFULL);
	ASSERT_OK(mempool_add(&mp, id[1], bytes, 60, &b));
	ASSERT_EQ(mempool_add(&mp, id[2], bytes, 1, NULL), ACC_EFULL);
	ASSERT_EQ(mp.count, 2);
	ASSERT_EQ(mp.bytes, 100);
	ASSERT(mp.head == a && a->next == b && mp.tail == b);
	ASSERT(mempool_find(&mp, id[1]) == b);
	mempool_remove(&mp, a);
	ASSERT(mempool_find(&mp, id[0]) == NULL);
	ASSERT(mp.head == b);
	ASSERT_OK(mempool_add(&mp, id[2], bytes, 1, NULL));
	ASSERT_OK(mempool_add(&mp, id[3], bytes, 1, NULL));
	/* The count bound: three items. */
	ASSERT_EQ(mempool_add(&mp, id[0], bytes, 1, NULL), ACC_EFULL);
	ASSERT(mp.head->seq < mp.tail->seq);
	mempool_free(&mp);
}

static void test_parse_u64(void)
{
	uint64_t v;
	ASSERT_OK(http_parse_u64("0", "x", &v, NULL));
	ASSERT_U64_EQ(v, 0);
	ASSERT_OK(http_parse_u64("18446744073709551615", "x", &v, NULL));
	ASSERT_U64_EQ(v, UINT64_MAX);
	ASSERT_EQ(http_parse_u64("18446744073709551616", "x", &v, NULL),
		  ACC_ERANGE);
	ASSERT_EQ(http_parse_u64("", "x", &v, NULL), ACC_EINVAL);
	ASSERT_EQ(http_parse_u64("-1", "x", &v, NULL), ACC_EINVAL);
	ASSERT_EQ(http_parse_u64("+1", "x", &v, NULL), ACC_EINVAL);
	ASSERT_EQ(http_parse_u64("01", "x", &v, NULL), ACC_EINVAL);
	ASSERT_EQ(http_parse_u64("1x", "x", &v, NULL), ACC_EINVAL);
	ASSERT_EQ(http_parse_u64(" 1", "x", &v, NULL), ACC_EINVAL);
}

static void test_status_map(void)
{
	ASSERT_EQ(http_status_of(ACC_EJSON), 400);
	ASSERT_EQ(http_status_of(ACC_EBADSIG), 400);
	ASSERT_EQ(http_status_of(ACC_EUNKNOWNKEY), 400);
	ASSERT_EQ(http_status_of(ACC_ENOTFOUND), 404);
	ASSERT_EQ(http_status_of(ACC_EDUP), 409);
	ASSERT_EQ(http_status_of(ACC_ETOOBIG), 413);
	ASSERT_EQ(http_status_of(ACC_ERULE), 422);
	ASSERT_EQ(http_status_of(ACC_EFULL), 503);
	ASSERT_EQ(http_status_of(ACC_ETIMEOUT), 504);
	ASSERT_EQ(http_status_of(ACC_ESTORE), 500);
	struct http_reply r = {0};
	http_reply_error(&r, ACC_EBADSIG, "sig \"1\"");
	ASSERT_EQ(r.status, 400);
	ASSERT_STR_EQ(r.body, "{\"error\":{\"code\":\"ACC_EBADSIG\","
			      "\"message\":\"sig \\\"1\\\"\"}}");
	http_reply_free(&r);
}

static void test_query(void)
{
	struct http_query q = {0};
	http_query_add(&q, "a", "1");
	http_query_add(&q, "b", NULL);
	ASSERT_STR_EQ(http_query_get(&q, "a"), "1");
	ASSERT_STR_EQ(http_query_get(&q, "b"), "");
	ASSERT(http_query_get(&q, "c") == NULL);
	ASSERT_EQ(q.bad, 0);
	http_query_add(&q, "a", "2");
	ASSERT_EQ(q.bad, 1);
}

static void test_metrics(void)
{
	struct metrics m;
	metrics_init(&m);
	metrics_http_count(&m, 200);
	metrics_http_count(&m, 200);
	metrics_http_count(&m, 418);
	metrics_http_count(&m, 304);
	/* 0.7 ms lands in le=0.001 and above, not in le=0.0005 */
	metrics_http_observe(&m, METRICS_ROUTE_STATUS, 700);
	metrics_http_observe(&m, METRICS_ROUTE_STATUS, 2000000);
	metrics_http_observe(&m, (enum metrics_route)999, 1); /* -> other */
	metrics_block_commit_observe(&m, 3000);
	struct metrics_gauges g = {.height = 7, .log_size = 9};
	ASSERT_OK(metrics_process_read(&g));
	ASSERT_EQ(g.has_process, 1);
	ASSERT(g.resident_bytes > 0);
	ASSERT(g.open_fds >= 3);
	ASSERT(g.start_time_seconds > 1.5e9);
	size_t len;
	char *s = metrics_render(&m, &g, &len);
	ASSERT(s != NULL);
	ASSERT_EQ(strlen(s), len);
	ASSERT(strstr(s, "\naccord_height 7\n") != NULL);
	ASSERT(strstr(s, "\naccord_log_size 9\n") != NULL);
	ASSERT(strstr(s, "accord_http_requests_total{code=\"200\"} 2\n"));
	ASSERT(strstr(s, "accord_http_requests_total{code=\"304\"} 1\n"));
	ASSERT(strstr(s, "accord_http_requests_total{code=\"other\"} 1\n"));
	ASSERT(strstr(s, "accord_http_request_duration_seconds_bucket{route="
			 "\"/v1/status\",le=\"0.0005\"} 0\n"));
	ASSERT(strstr(s, "accord_http_request_duration_seconds_bucket{route="
			 "\"/v1/status\",le=\"0.001\"} 1\n"));
	ASSERT(strstr(s, "accord_http_request_duration_seconds_bucket{route="
			 "\"/v1/status\",le=\"2.5\"} 2\n"));
	ASSERT(strstr(s, "accord_http_request_duration_seconds_sum{route="
			 "\"/v1/status\"} 2.000700\n"));
	ASSERT(strstr(s, "accord_http_request_duration_seconds_count{route="
			 "\"other\"} 1\n"));
	ASSERT(strstr(s, "accord_block_commit_seconds_bucket{le=\"0.0025\"} "
			 "0\n"));
	ASSERT(strstr(s, "accord_block_commit_seconds_bucket{le=\"0.005\"} "
			 "1\n"));
	ASSERT(strstr(s, "accord_block_commit_seconds_count 1\n"));
	ASSERT(strstr(s, "accord_build_info{version=\"" ACCORDD_VERSION "\""));
	ASSERT(strstr(s, "\nprocess_open_fds "));
	ASSERT(strstr(s, "\nprocess_start_time_seconds "));
	ASSERT(strstr(s, "microseconds") == NULL);
	ASSERT(strstr(s, "milliseconds") == NULL);
	free(s);
}

/* specs/api.md "Caching": the ETag is the body's, If-None-Match turns a
 * match into 304, and nothing else is touched. */
static void test_conditional(void)
{
	struct http_reply r = {0};
	http_reply_json(&r, 200, json_pack("{s:i}", "a", 1));
	r.cache = HTTP_CACHE_IMMUTABLE;
	http_reply_conditional(&r, NULL);
	ASSERT_EQ(r.status, 200);
	ASSERT_EQ(strlen(r.etag), 34);
	ASSERT(r.etag[0] == '"' && r.etag[33] == '"');
	char tag[HTTP_ETAG_BYTES];
	memcpy(tag, r.etag, sizeof tag);
	http_reply_free(&r);
	/* same body, same tag; a different body, another */
	struct http_reply r2 = {0};
	http_reply_json(&r2, 200, json_pack("{s:i}", "a", 1));
	r2.cache = HTTP_CACHE_REVALIDATE;
	http_reply_conditional(&r2, "\"00000000000000000000000000000000\"");
	ASSERT_EQ(r2.status, 200);
	ASSERT_STR_EQ(r2.etag, tag);
	http_reply_free(&r2);
	struct http_reply r3 = {0};
	http_reply_json(&r3, 200, json_pack("{s:i}", "a", 2));
	r3.cache = HTTP_CACHE_IMMUTABLE;
	http_reply_conditional(&r3, NULL);
	ASSERT(strcmp(r3.etag, tag) != 0);
	http_reply_free(&r3);
	/* listed among others, weak form, or "*": 304 without a body */
	char list[128];
	snprintf(list, sizeof list, "\"x\", W/%s , \"y\"", tag);
	const char *matching[] = {tag, list, "*"};
	for (size_t i = 0; i < 3; i++) {
		struct http_reply m = {0};
		http_reply_json(&m, 200, json_pack("{s:i}", "a", 1));
		m.cache = HTTP_CACHE_IMMUTABLE;
		http_reply_conditional(&m, matching[i]);
		ASSERT_EQ(m.status, 304);
		ASSERT(m.body == NULL && m.len == 0);
		ASSERT_STR_EQ(m.etag, tag);
	}
	/* an unterminated tag or a tag's prefix matches nothing */
	char prefix[20];
	memcpy(prefix, tag, 19);
	prefix[19] = '\0';
	const char *miss[] = {"\"abc", prefix, "", ","};
	for (size_t i = 0; i < 4; i++) {
		struct http_reply m = {0};
		http_reply_json(&m, 200, json_pack("{s:i}", "a", 1));
		m.cache = HTTP_CACHE_IMMUTABLE;
		http_reply_conditional(&m, miss[i]);
		ASSERT_EQ(m.status, 200);
		http_reply_free(&m);
	}
	/* no cache, or not a 200: no ETag, no 304 */
	struct http_reply e = {0};
	http_reply_error(&e, ACC_ENOTFOUND, "x");
	e.cache = HTTP_CACHE_IMMUTABLE;
	http_reply_conditional(&e, "*");
	ASSERT_EQ(e.status, 404);
	ASSERT_EQ(e.etag[0], '\0');
	http_reply_free(&e);
	struct http_reply nc = {0};
	http_reply_json(&nc, 200, json_pack("{s:i}", "a", 1));
	http_reply_conditional(&nc, "*");
	ASSERT_EQ(nc.status, 200);
	ASSERT_EQ(nc.etag[0], '\0');
	http_reply_free(&nc);
}

/* lmdb_map_bytes (issue 11): default 64 GiB, a multiple of 4096 from
 * 64 MiB; anything else is refused naming the field. */
static void test_config_map_bytes(void)
{
	const char *base = "{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
			   "\"validator\":0,\"http_listen\":\"127.0.0.1:1\"%s}";
	char j[512];
	struct node_config c;
	struct acc_err e = {0};
	snprintf(j, sizeof j, base, "");
	ASSERT_OK(config_parse(&c, j, strlen(j), NULL, &e));
	ASSERT_U64_EQ(c.lmdb_map_bytes, (uint64_t)64 << 30);
	snprintf(j, sizeof j, base, ",\"lmdb_map_bytes\":134217728");
	ASSERT_OK(config_parse(&c, j, strlen(j), NULL, &e));
	ASSERT_U64_EQ(c.lmdb_map_bytes, 134217728u);
	static const char *const bad[] = {
	    ",\"lmdb_map_bytes\":4096",	   /* under 64 MiB */
	    ",\"lmdb_map_bytes\":134217729", /* not a page multiple */
	    ",\"lmdb_map_bytes\":-1",
	    ",\"lmdb_map_bytes\":\"64G\"",
	    ",\"lmdb_map_bytes\":36028797018963968", /* 2^55 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(j, sizeof j, base, bad[i]);
		int rc = config_parse(&c, j, strlen(j), NULL, &e);
		if (rc == 0)
			FAIL_AT("accepted %s", bad[i]);
		ASSERT(strstr(e.msg, "lmdb_map_bytes") != NULL);
	}
}

/* The storage failure state and its cause (specs/node.md §7). */
static void test_health(void)
{
	struct node_health h;
	struct node_config c;
	memset(&c, 0, sizeof c);
	strcpy(c.data_dir, "/srv/accord/data");
	c.lmdb_map_bytes = 1u << 30;
	char out[ACC_ERRMSG_BYTES_MAX];
	/* Little free space: whatever the error, the cause is the disk. */
	node_health_cause(out, sizeof out, ACC_ESTORE,
			  "commit: Input/output error", &c, 4096);
	ASSERT(strstr(out, "no space left on device") != NULL);
	ASSERT(strstr(out, "4096 bytes free in /srv/accord/data") != NULL);
	ASSERT(strstr(out, "Input/output error") != NULL);
	/* A full map names the config field. */
	node_health_cause(out, sizeof out, ACC_EFULL,
			  "commit: MDB_MAP_FULL", &c, UINT64_MAX);
	ASSERT(strstr(out, "\"lmdb_map_bytes\"") != NULL);
	ASSERT(strstr(out, "1073741824") != NULL);
	node_health_cause(out, sizeof out, ACC_ESTORE, "commit: boom", &c,
			  UINT64_MAX);
	ASSERT_STR_EQ(out, "commit: boom");

	ASSERT_OK(node_health_init(&h));
	ASSERT_EQ(node_health_failing(&h, NULL, 0), 0);
	ASSERT_EQ(node_health_commit_failed(&h, ACC_ESTORE, "x", NULL, 5), 1);
	ASSERT_EQ(node_health_commit_failed(&h, ACC_ESTORE, "y", NULL, 9), 0);
	struct node_health_view v;
	node_health_get(&h, &v);
	ASSERT_EQ(v.failing, 1);
	ASSERT_EQ(v.rc, ACC_ESTORE);
	ASSERT_U64_EQ(v.since_ms, 5);
	ASSERT_U64_EQ(v.failures, 2);
	ASSERT_STR_EQ(v.cause, "y");
	char msg[8];
	ASSERT_EQ(node_health_failing(&h, msg, sizeof msg), 1);
	ASSERT_STR_EQ(msg, "y");
	ASSERT_EQ(node_health_commit_ok(&h), 1);
	ASSERT_EQ(node_health_commit_ok(&h), 0);
	ASSERT_EQ(node_health_failing(&h, NULL, 0), 0);
	node_health_destroy(&h);
}

/* A rate-limited site writes one line per interval and says how many it
 * held back (issue 11: 3,000 abandoned connections wrote 270 KB). */
static void test_log_limited(void)
{
	char path[] = "/tmp/test_log_limited.XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	int saved = dup(STDERR_FILENO);
	ASSERT(saved >= 0);
	ASSERT(dup2(fd, STDERR_FILENO) >= 0);
	struct log_limit rl = {0};
	int written = 0;
	for (unsigned long long i = 0; i < 3000; i++)
		written += log_limited(&rl, 1000 + i, LOG_LEVEL_WARN,
				       "http: connection %llu dropped", i);
	/* The interval has passed: the next line counts the others. */
	written += log_limited(&rl, 1000 + LOG_LIMIT_INTERVAL_MS,
			       LOG_LEVEL_WARN, "http: connection dropped");
	/* Below the threshold nothing is written or counted. */
	log_level_set(LOG_LEVEL_ERROR);
	ASSERT_EQ(log_limited(&rl, 10u * LOG_LIMIT_INTERVAL_MS,
			      LOG_LEVEL_WARN, "hidden"), 0);
	log_level_set(LOG_LEVEL_INFO);
	ASSERT(dup2(saved, STDERR_FILENO) >= 0);
	(void)close(saved);
	ASSERT_EQ(written, 2);
	char buf[1024] = {0};
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	(void)close(fd);
	(void)unlink(path);
	ASSERT(n > 0);
	ASSERT(strstr(buf, "connection 0 dropped\n") != NULL);
	ASSERT(strstr(buf, "connection dropped (2999 more like this)\n") !=
	       NULL);
	ASSERT(strstr(buf, "hidden") == NULL);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	RUN(test_config_ok);
	RUN(test_config_bad);
	RUN(test_config_network);
	RUN(test_listen_v6);
	RUN(test_mempool);
	RUN(test_parse_u64);
	RUN(test_status_map);
	RUN(test_query);
	RUN(test_conditional);
	RUN(test_metrics);
	RUN(test_config_map_bytes);
	RUN(test_health);
	RUN(test_log_limited);
	return 0;
}
