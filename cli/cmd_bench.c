/* cmd_bench.c - accord bench load|verify: the load generator (libcurl
 * multi, C requests in flight) and the signature verification rates
 * (specs/cli.md §9). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/audit.h"
#include "cli/build.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/devnet.h"
#include "cli/http.h"
#include "cli/pool.h"
#include "common/hex.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"

#define BENCH_ENTRIES_MAX 10000000u
#define BENCH_CONCURRENCY_MAX 1000u

/* Pre-signing, spread over the cores: job i builds, signs and encodes
 * report i. */
struct sign_job {
	const struct genesis *g;
	const struct keyfile *const *signers; /* party keys, round robin */
	size_t signer_count;
	const uint8_t *agreement_id;
	uint64_t now_s;
	uint64_t run_nonce;
	uint8_t **bodies;
	size_t *lens;
	uint8_t (*ids)[HASH_BYTES];
	int *rc;
	struct acc_err *errs;
};

static void sign_job_fn(void *user, size_t i)
{
	struct sign_job *j = user;
	const struct keyfile *kf = j->signers[i % j->signer_count];
	struct entry e;
	/* Each party reports about itself (report i by party i mod n). */
	j->rc[i] = build_report_bench(&e, j->agreement_id, kf->id, j->run_nonce,
				      i, j->now_s, &j->errs[i]);
	if (j->rc[i] != 0)
		return;
	j->rc[i] = entry_sign(&e, &kf->key, j->g->chain_id, &j->errs[i]);
	if (j->rc[i] == 0)
		j->rc[i] =
		    entry_encode(&e, &j->bodies[i], &j->lens[i], &j->errs[i]);
	if (j->rc[i] == 0)
		entry_id(j->ids[i], j->bodies[i], j->lens[i]);
	entry_free(&e);
}

/* Results, filled by the load driver's callback. */
struct load_stats {
	uint64_t *lat_us;
	size_t ok;
	size_t failed;
	size_t by_status[6]; /* 0 = no response, 1xx..5xx */
	char first_error[256];
	FILE *ack;
	const uint8_t (*ids)[HASH_BYTES];
	long want_status; /* 201, or 202 without ?wait=commit */
};

static void load_done(void *user, size_t i, long status, const char *body,
		      size_t len, uint64_t latency_us)
{
	struct load_stats *s = user;
	size_t cls = status >= 100 && status < 600 ? (size_t)(status / 100) : 0;
	s->by_status[cls]++;
	if (status == s->want_status) {
		s->lat_us[s->ok++] = latency_us;
		if (s->ack != NULL && status == 201) {
			/* One line per acknowledged entry, flushed at once:
			 * the crash test reads this file after kill -9. */
			char id[2 * HASH_BYTES + 1];
			hex_encode(id, s->ids[i], HASH_BYTES);
			fprintf(s->ack, "%s\n", id);
			(void)fflush(s->ack);
		}
		return;
	}
	s->failed++;
	if (s->first_error[0] == '\0')
		(void)snprintf(s->first_error, sizeof s->first_error,
			       "HTTP %ld: %.*s", status,
			       (int)(len > 200 ? 200 : len),
			       status ? body : "no response");
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct_ms(const uint64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	return (double)v[rank - 1] / 1000.0;
}

/* Submit and wait for one setup entry (agreement, endorsements). */
static int setup_post(struct http_client *c, const char *node, struct entry *e,
		      const struct keyfile *kf, const char *chain,
		      uint8_t id[HASH_BYTES], struct acc_err *err)
{
	struct post_result pr;
	int rc = client_entry_sign_post(c, node, e, &kf->key, chain, 1, &pr,
					NULL, NULL, err);
	if (rc == 0 && id != NULL)
		memcpy(id, pr.id, HASH_BYTES);
	return rc;
}

static int cmd_load(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"entries", "N", "reports to submit (default 10000)", NULL},
	    {"concurrency", "C", "requests in flight (default 32)", NULL},
	    {"keys", "DIR",
	     "the devnet directory: DIR/genesis.json and DIR/keys/ (default "
	     "./devnet)",
	     NULL},
	    {"ack-log", "FILE",
	     "append each acknowledged (201) entry id, one per line", NULL},
	    {"no-wait", NULL,
	     "submit without ?wait=commit (measures admission, 202)", NULL},
	    {"json", NULL, "print the result as JSON", NULL},
	};
	struct arg_spec s = {
	    .cmd = "bench load",
	    .usage = "[--node URL] [--entries N] [--concurrency C] [--keys "
		     "DIR] [--ack-log FILE] [--json]",
	    .about = "Submit one agreement covering the devnet's parties (and "
		     "each party's\n"
		     "endorsement), then pre-sign N reports, each party "
		     "reporting about\n"
		     "itself against that agreement, BEFORE timing starts; "
		     "then POST them\n"
		     "(binary, ?wait=commit) over kept-alive connections with "
		     "C requests in\n"
		     "flight, and print entries/s and latency percentiles of "
		     "the 201s.\n"
		     "Exit 0 only if every report was committed.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *dir = args_get_or(&s, "keys", "devnet");
	struct acc_err err = {0};
	uint64_t n = 10000, conc = 32;
	if ((args_get(&s, "entries") &&
	     args_u64(args_get(&s, "entries"), "--entries", &n, &err) != 0) ||
	    (args_get(&s, "concurrency") &&
	     args_u64(args_get(&s, "concurrency"), "--concurrency", &conc,
		      &err) != 0) ||
	    n < 1 || n > BENCH_ENTRIES_MAX || conc < 1 ||
	    conc > BENCH_CONCURRENCY_MAX) {
		fprintf(stderr, "accord: bench load: %s\n",
			err.msg[0]
			    ? err.msg
			    : "--entries 1..10000000, --concurrency 1..1000");
		return CLI_EXIT_USAGE;
	}
	int ret = CLI_EXIT_FAIL;
	struct genesis g;
	struct devnet_keys keys;
	struct http_client c = {0};
	struct entry e;
	const struct keyfile **signers = NULL;
	uint8_t **bodies = NULL;
	size_t *lens = NULL;
	uint8_t(*ids)[HASH_BYTES] = NULL;
	int *rcs = NULL;
	struct acc_err *errs = NULL;
	struct load_stats st;
	struct pool pool;
	int pool_up = 0;
	memset(&g, 0, sizeof g);
	memset(&keys, 0, sizeof keys);
	memset(&e, 0, sizeof e);
	memset(&st, 0, sizeof st);
	char gpath[1200];
	(void)snprintf(gpath, sizeof gpath, "%s/genesis.json", dir);
	if (genesis_load(&g, gpath, &err) != 0) {
		fprintf(stderr, "accord: bench load: %s\n", err.msg);
		return CLI_EXIT_FAIL;
	}
	if (devnet_keys_load(&keys, dir, &err) != 0) {
		cli_fail("bench load", "%s", err.msg);
		goto out;
	}
	signers = calloc(g.party_count, sizeof *signers);
	const char **party_ids = calloc(g.party_count, sizeof *party_ids);
	size_t nsigners = 0;
	for (size_t i = 0; signers && party_ids && i < g.party_count; i++) {
		const struct keyfile *kf =
		    devnet_keys_find(&keys, "party", g.parties[i].id);
		if (kf != NULL &&
		    genesis_party_by_key(&g, kf->key.pk) == (long)i) {
			party_ids[nsigners] = g.parties[i].id;
			signers[nsigners++] = kf;
		}
	}
	if (nsigners == 0) {
		free(party_ids);
		cli_fail("bench load",
			 "%s/keys holds no key of a genesis party", dir);
		goto out;
	}
	if (http_client_init(&c, &err) != 0) {
		free(party_ids);
		cli_fail("bench load", "%s", err.msg);
		goto out;
	}
	struct node_status ns;
	if (client_status(&c, node, &ns, &err) != 0) {
		free(party_ids);
		cli_fail("bench load", "%s", err.msg);
		goto out;
	}
	if (memcmp(ns.genesis_hash, g.hash, HASH_BYTES) != 0) {
		free(party_ids);
		cli_fail("bench load", "%s runs another chain than %s", node,
			 gpath);
		goto out;
	}
	/* The agreement the reports refer to, unique to this run, and its
	 * endorsement by every party so that it is active. */
	uint64_t nonce = cli_now_ms();
	/* The obligations cover this calendar year, reported by 31 March
	 * of the next (specs/compliance.md: reports close at deadline +
	 * grace), so that the reports of the run are on time. */
	int year = build_year_of(nonce / 1000u);
	char title[160];
	(void)snprintf(title, sizeof title,
		       "accord bench load %llu: PM2.5 annual mean, %d",
		       (unsigned long long)nonce, year);
	uint8_t agreement_id[HASH_BYTES];
	int brc = build_agreement_simple(
	    &e, title, party_ids, nsigners, &g, 35000,
	    build_time(year, 1, 1, 0, 0, 0),
	    build_time(year + 1, 1, 1, 0, 0, 0),
	    build_time(year + 1, 3, 31, 23, 59, 59), &err);
	free(party_ids);
	if (brc != 0) {
		cli_fail("bench load", "%s", err.msg);
		goto out;
	}
	e.time = cli_now_ms() / 1000u;
	if (setup_post(&c, node, &e, signers[0], g.chain_id, agreement_id,
		       &err) != 0) {
		cli_fail("bench load", "submitting the agreement: %s", err.msg);
		goto out;
	}
	entry_free(&e);
	/* The proposer's agreement counts as its endorsement
	 * (specs/compliance.md): the other parties endorse. */
	for (size_t i = 1; i < nsigners; i++) {
		memset(&e, 0, sizeof e);
		e.version = ENTRY_VERSION;
		e.kind = ENTRY_ENDORSEMENT;
		e.time = cli_now_ms() / 1000u;
		memcpy(e.endorsement.agreement_id, agreement_id, HASH_BYTES);
		if (setup_post(&c, node, &e, signers[i], g.chain_id, NULL,
			       &err) != 0) {
			cli_fail("bench load", "endorsement by %s: %s",
				 signers[i]->id, err.msg);
			goto out;
		}
		entry_free(&e);
	}
	/* Pre-sign everything before the clock starts. */
	bodies = calloc(n, sizeof *bodies);
	lens = calloc(n, sizeof *lens);
	ids = calloc(n, sizeof *ids);
	rcs = calloc(n, sizeof *rcs);
	errs = calloc(n, sizeof *errs);
	st.lat_us = calloc(n, sizeof *st.lat_us);
	if (bodies == NULL || lens == NULL || ids == NULL || rcs == NULL ||
	    errs == NULL || st.lat_us == NULL) {
		cli_fail("bench load", "out of memory for %llu entries",
			 (unsigned long long)n);
		goto out;
	}
	if (pool_init(&pool, pool_cpus() - 1) != 0) {
		cli_fail("bench load", "cannot start threads");
		goto out;
	}
	pool_up = 1;
	struct sign_job job = {
	    .g = &g,
	    .signers = signers,
	    .signer_count = nsigners,
	    .agreement_id = agreement_id,
	    .now_s = cli_now_ms() / 1000u,
	    .run_nonce = nonce,
	    .bodies = bodies,
	    .lens = lens,
	    .ids = ids,
	    .rc = rcs,
	    .errs = errs,
	};
	double ts = (double)http_now_us();
	pool_run(&pool, (size_t)n, sign_job_fn, &job);
	double sign_s = ((double)http_now_us() - ts) / 1e6;
	for (size_t i = 0; i < n; i++)
		if (rcs[i] != 0) {
			cli_fail("bench load", "building report %zu: %s", i,
				 errs[i].msg);
			goto out;
		}
	if (args_get(&s, "ack-log")) {
		st.ack = fopen(args_get(&s, "ack-log"), "a");
		if (st.ack == NULL) {
			cli_fail("bench load", "%s: cannot open for appending",
				 args_get(&s, "ack-log"));
			goto out;
		}
	}
	st.ids = (const uint8_t(*)[HASH_BYTES])ids;
	char url[HTTP_URL_BYTES_MAX];
	int no_wait = args_get(&s, "no-wait") != NULL;
	if (http_url(url, node, "/v1/entries%s",
		     no_wait ? "" : "?wait=commit") != 0) {
		cli_fail("bench load", "node URL too long");
		goto out;
	}
	struct http_load l = {
	    .url = url,
	    .content_type = "application/octet-stream",
	    .n = (size_t)n,
	    .bodies = (const uint8_t *const *)bodies,
	    .lens = lens,
	    .concurrency = (size_t)conc,
	    .done = load_done,
	    .user = &st,
	};
	st.want_status = no_wait ? 202 : 201;
	/* Blocks made during the run, from the node's height before and
	 * after: entries per block is how much batching the node did. */
	uint64_t h0 = ns.height;
	if (client_status(&c, node, &ns, &err) == 0)
		h0 = ns.height;
	uint64_t t0 = http_now_us();
	int lrc = http_load_run(&l, &err);
	double secs = (double)(http_now_us() - t0) / 1e6;
	if (lrc != 0) {
		cli_fail("bench load", "%s", err.msg);
		goto out;
	}
	uint64_t blocks = 0;
	if (client_status(&c, node, &ns, &err) == 0 && ns.height >= h0)
		blocks = ns.height - h0;
	size_t ok = st.ok;
	qsort(st.lat_us, st.ok, sizeof st.lat_us[0], u64_cmp);
	double rate = secs > 0 ? (double)ok / secs : 0;
	if (args_get(&s, "json")) {
		printf(
		    "{\"entries\":%llu,\"concurrency\":%llu,\"committed\":%zu,"
		    "\"failed\":%zu,"
		    "\"seconds\":%.3f,\"entries_per_second\":%.1f,\"latency_"
		    "ms\":{\"p50\":%.2f,"
		    "\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},\"presign_"
		    "seconds\":%.3f,\"blocks\":%llu}\n",
		    (unsigned long long)n, (unsigned long long)conc, ok,
		    (size_t)n - ok, secs, rate, pct_ms(st.lat_us, st.ok, 50),
		    pct_ms(st.lat_us, st.ok, 90), pct_ms(st.lat_us, st.ok, 99),
		    st.ok ? (double)st.lat_us[st.ok - 1] / 1000.0 : 0, sign_s,
		    (unsigned long long)blocks);
	} else {
		printf("bench load: %zu of %llu entries %s in %.3f s with %llu "
		       "in flight: %.0f "
		       "entries/s\n",
		       ok, (unsigned long long)n,
		       no_wait ? "admitted" : "committed", secs,
		       (unsigned long long)conc, rate);
		if (st.ok > 0)
			printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max "
			       "%.2f\n",
			       pct_ms(st.lat_us, st.ok, 50),
			       pct_ms(st.lat_us, st.ok, 90),
			       pct_ms(st.lat_us, st.ok, 99),
			       (double)st.lat_us[st.ok - 1] / 1000.0);
		if (blocks > 0)
			printf("blocks: %llu during the run, %.1f entries per "
			       "block\n",
			       (unsigned long long)blocks,
			       (double)ok / (double)blocks);
		printf("(pre-signed %llu reports by %zu parties in %.3f s, "
		       "before timing)\n",
		       (unsigned long long)n, nsigners, sign_s);
	}
	if (ok != n) {
		cli_fail("bench load",
			 "%zu of %llu not %s (no response %zu, 4xx %zu, 5xx "
			 "%zu); first: %s",
			 (size_t)n - ok, (unsigned long long)n,
			 no_wait ? "admitted" : "committed", st.by_status[0],
			 st.by_status[4], st.by_status[5], st.first_error);
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	if (st.ack != NULL)
		(void)fclose(st.ack);
	if (pool_up)
		pool_free(&pool);
	if (bodies != NULL)
		for (size_t i = 0; i < n; i++)
			free(bodies[i]);
	free(bodies);
	free(lens);
	free(ids);
	free(rcs);
	free(errs);
	free(st.lat_us);
	free(signers);
	entry_free(&e);
	http_client_free(&c);
	devnet_keys_free(&keys);
	genesis_free(&g);
	return ret;
}

/* bench verify: rounds of (raw rate on every CPU, audit), closed by one
 * more raw rate, so that each audit is compared with the raw rate measured
 * just before and just after it on the same threads (specs/cli.md §9). */
#define VERIFY_ROUNDS_DEFAULT 3u
#define VERIFY_ROUNDS_MAX 20u

/* Index of the median of v[0..n) (the lower one for even n). */
static size_t median_at(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t below = 0, equal_before = 0;
		for (size_t j = 0; j < n; j++) {
			below += v[j] < v[i];
			equal_before += j < i && v[j] == v[i];
		}
		if (below + equal_before == (n - 1) / 2)
			return i;
	}
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"seconds", "S", "seconds per raw-rate measurement (default 1)",
	     NULL},
	    {"rounds", "N",
	     "audits, each between two raw-rate measurements "
	     "(default 3)",
	     NULL},
	    {"genesis", "FILE", "also audit a chain, to compare its rate",
	     NULL},
	    {"data", "DIR", "the data directory to audit (with --genesis)",
	     NULL},
	    {"node", "URL", "the node to audit (with --genesis)", NULL},
	    {"json", NULL, "print the result as JSON", NULL},
	};
	struct arg_spec s = {
	    .cmd = "bench verify",
	    .usage = "[--seconds S] [--rounds N] [--genesis FILE (--data DIR | "
		     "--node URL)] [--json]",
	    .about = "Measure, in one run on this machine: the single-thread "
		     "raw Ed25519\n"
		     "verify rate, the rate over every CPU with the audit's "
		     "thread pool, and\n"
		     "(with --genesis) the rate at which `accord audit` "
		     "verifies a real\n"
		     "chain, each audit against the every-CPU raw rate "
		     "measured around it.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct acc_err err = {0};
	uint64_t secs = 1, rounds = VERIFY_ROUNDS_DEFAULT;
	if (args_get(&s, "seconds") &&
	    (args_u64(args_get(&s, "seconds"), "--seconds", &secs, &err) != 0 ||
	     secs == 0 || secs > 60)) {
		fprintf(stderr, "accord: bench verify: --seconds is 1..60\n");
		return CLI_EXIT_USAGE;
	}
	if (args_get(&s, "rounds") &&
	    (args_u64(args_get(&s, "rounds"), "--rounds", &rounds, &err) != 0 ||
	     rounds == 0 || rounds > VERIFY_ROUNDS_MAX)) {
		fprintf(stderr, "accord: bench verify: --rounds is 1..%u\n",
			VERIFY_ROUNDS_MAX);
		return CLI_EXIT_USAGE;
	}
	const char *gpath = args_get(&s, "genesis");
	if (gpath != NULL &&
	    (args_get(&s, "data") == NULL) == (args_get(&s, "node") == NULL)) {
		fprintf(stderr, "accord: bench verify: --genesis needs exactly "
				"one of --data and --node\n");
		return CLI_EXIT_USAGE;
	}
	/* A short warm-up first, so that the first measurement does not pay
	 * for frequency ramp-up and cold caches. Every raw rate verifies the
	 * same fixed set of signatures; the every-CPU one uses the audit's
	 * pool and thread count. */
	size_t cpus = pool_cpus();
	(void)audit_raw_verify_rate(0.3);
	double raw1 = audit_raw_verify_rate((double)secs);
	double rawn = audit_raw_verify_rate_threads((double)secs, cpus);
	if (raw1 <= 0 || rawn <= 0)
		return cli_fail("bench verify", "raw verification failed");
	double rate[VERIFY_ROUNDS_MAX], ratio[VERIFY_ROUNDS_MAX],
	    around[VERIFY_ROUNDS_MAX], secs_of[VERIFY_ROUNDS_MAX];
	uint64_t sigs = 0;
	size_t done = 0, med = 0;
	int audit_ok = 1;
	if (gpath != NULL) {
		struct genesis g;
		if (genesis_load(&g, gpath, &err) != 0)
			return cli_fail("bench verify", "%s", err.msg);
		struct audit_source src;
		int rc =
		    args_get(&s, "data")
			? audit_source_data(&src, args_get(&s, "data"), &err)
			: audit_source_node(&src, args_get(&s, "node"), &err);
		if (rc != 0) {
			genesis_free(&g);
			return cli_fail("bench verify", "%s", err.msg);
		}
		struct audit_opts o = {.g = &g, .threads = cpus, .out = stderr};
		double before = rawn;
		for (; done < rounds; done++) {
			struct audit_result res;
			rc = audit_run(&o, &src, &res, &err);
			if (rc != 0 || res.failures != 0 || res.seconds <= 0) {
				audit_ok = 0;
				break;
			}
			double after =
			    audit_raw_verify_rate_threads((double)secs, cpus);
			sigs = res.entry_sigs + res.cert_sigs;
			secs_of[done] = res.seconds;
			rate[done] = (double)sigs / res.seconds;
			around[done] = (before + after) / 2;
			ratio[done] =
			    around[done] > 0 ? rate[done] / around[done] : 0;
			before = after;
		}
		src.close(src.ctx);
		genesis_free(&g);
		if (done > 0)
			med = median_at(ratio, done);
	}
	if (args_get(&s, "json")) {
		printf(
		    "{\"cpus\":%zu,\"raw_verify_per_second_1thread\":%.0f,"
		    "\"raw_verify_per_second_all\":%.0f,\"pool_speedup\":%.3f",
		    cpus, raw1, rawn, rawn / raw1);
		if (gpath != NULL && done > 0) {
			printf(",\"audit_signatures\":%llu,\"audit_seconds\":%."
			       "3f,"
			       "\"audit_signatures_per_second\":%.0f,\"audit_"
			       "vs_raw_1thread\":%.3f,"
			       "\"audit_vs_raw_all\":%.3f,\"rounds\":%zu,"
			       "\"audit_vs_raw_all_rounds\":[",
			       (unsigned long long)sigs, secs_of[med],
			       rate[med], rate[med] / raw1, ratio[med], done);
			for (size_t r = 0; r < done; r++)
				printf("%s%.3f", r ? "," : "", ratio[r]);
			printf("]");
		}
		if (gpath != NULL)
			printf(",\"audit_ok\":%s", audit_ok ? "true" : "false");
		printf("}\n");
	} else {
		printf("raw Ed25519 verify, 1 thread:     %8.0f /s\n", raw1);
		printf("raw Ed25519 verify, %zu thread(s): %8.0f /s (x%.2f)\n",
		       cpus, rawn, rawn / raw1);
		for (size_t r = 0; r < done; r++)
			printf("audit round %zu: %llu signatures in %.3f s: "
			       "%8.0f /s, %.0f%% of the %zu-thread raw rate "
			       "around it (%.0f /s)\n",
			       r + 1, (unsigned long long)sigs, secs_of[r],
			       rate[r], 100.0 * ratio[r], cpus, around[r]);
		if (done > 0)
			printf("audit: %llu signatures in %.3f s: %8.0f /s = "
			       "%.2f x the 1-thread raw "
			       "rate, %.0f%% of the %zu-thread raw rate "
			       "(median of %zu round(s))%s\n",
			       (unsigned long long)sigs, secs_of[med],
			       rate[med], rate[med] / raw1, 100.0 * ratio[med],
			       cpus, done, audit_ok ? "" : " (AUDIT FAILED)");
		else if (gpath != NULL)
			printf("audit: FAILED\n");
	}
	return audit_ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cmd_bench(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"load", cmd_load,
	     "pre-signed reports over HTTP, C in flight: entries/s, latency"},
	    {"verify", cmd_verify, "Ed25519 verify rates, raw and in an audit"},
	};
	return cli_sub_run("bench", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
