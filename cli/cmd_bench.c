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
#include "common/crypto.h"
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
	long want_status; /* 201, 202 without ?wait=commit, 200 for etcd */
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
			/* One line per acknowledged entry, "ID INDEX", flushed
			 * at once: the crash and fault tests read this file
			 * after kill -9 (specs/cli.md §9). */
			char id[2 * HASH_BYTES + 1];
			hex_encode(id, s->ids[i], HASH_BYTES);
			json_t *j = json_loadb(body, len, 0, NULL);
			json_t *ix = j ? json_object_get(j, "index") : NULL;
			if (json_is_integer(ix))
				fprintf(s->ack, "%s %lld\n", id,
					(long long)json_integer_value(ix));
			else
				fprintf(s->ack, "%s\n", id);
			json_decref(j);
			(void)fflush(s->ack);
		}
		return;
	}
	s->failed++;
	if (s->first_error[0] == '\0' && status == 0)
		(void)snprintf(s->first_error, sizeof s->first_error,
			       "no response (connection refused, reset or "
			       "timed out)");
	else if (s->first_error[0] == '\0')
		(void)snprintf(s->first_error, sizeof s->first_error,
			       "HTTP %ld: %.*s", status,
			       (int)(len > 200 ? 200 : len), body);
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

#define LOAD_TARGETS_MAX 64u
#define LOAD_VALUE_BYTES_DEFAULT 400u
#define LOAD_VALUE_BYTES_MAX 65536u
/* How long the setup waits for every node to hold the agreement. */
#define LOAD_SETUP_WAIT_MS 30000u

/* What one run of `bench load` is asked to do. */
struct load_opts {
	uint64_t n, conc;
	const char *dir;      /* devnet directory (accord mode) */
	const char *ack_path; /* NULL = no ack log */
	int no_wait, json;
	int etcd;	      /* targets are etcd members */
	uint64_t value_bytes; /* etcd mode: bytes of each value */
	/* Base URLs of the targets, and the POST URL of each. */
	char base[LOAD_TARGETS_MAX][HTTP_URL_BYTES_MAX];
	char post[LOAD_TARGETS_MAX][HTTP_URL_BYTES_MAX];
	const char *post_p[LOAD_TARGETS_MAX];
	size_t targets;
};

/* The bodies of a run: built before timing, freed by load_bodies_free. */
struct load_bodies {
	uint8_t **bodies;
	size_t *lens;
	uint8_t (*ids)[HASH_BYTES];
	size_t n;
	double build_s; /* seconds the building took */
	size_t bytes;	/* of entries or etcd values, for the mean */
	uint64_t blocks;
	size_t signers;
};

static void load_bodies_free(struct load_bodies *b)
{
	if (b->bodies != NULL)
		for (size_t i = 0; i < b->n; i++)
			free(b->bodies[i]);
	free(b->bodies);
	free(b->lens);
	free(b->ids);
	memset(b, 0, sizeof *b);
}

static int load_bodies_alloc(struct load_bodies *b, size_t n)
{
	memset(b, 0, sizeof *b);
	b->n = n;
	b->bodies = calloc(n, sizeof *b->bodies);
	b->lens = calloc(n, sizeof *b->lens);
	b->ids = calloc(n, sizeof *b->ids);
	return b->bodies && b->lens && b->ids ? 0 : ACC_ENOMEM;
}

/* "A,B,C" into o->base and o->post (each base + path). */
static int targets_parse(struct load_opts *o, const char *list,
			 const char *path, struct acc_err *err)
{
	o->targets = 0;
	const char *p = list;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= HTTP_URL_BYTES_MAX / 2)
			return acc_err_set(err, ACC_EINVAL,
					   "empty or too long URL in \"%s\"",
					   list);
		if (o->targets >= LOAD_TARGETS_MAX)
			return acc_err_set(err, ACC_EINVAL,
					   "more than %u URLs",
					   LOAD_TARGETS_MAX);
		char *b = o->base[o->targets];
		memcpy(b, p, len);
		b[len] = '\0';
		if (http_url(o->post[o->targets], b, "%s", path) != 0)
			return acc_err_set(err, ACC_EINVAL, "URL too long: %s",
					   b);
		o->post_p[o->targets] = o->post[o->targets];
		o->targets++;
		p += len;
		if (*p == ',')
			p++;
	}
	if (o->targets == 0)
		return acc_err_set(err, ACC_EINVAL, "no URL given");
	return 0;
}

/* Until every node other than the first holds at least height h (the
 * block of the setup entries), so that a report sent to any of them
 * finds its agreement. */
static int nodes_reach(struct http_client *c, const struct load_opts *o,
		       uint64_t h, struct acc_err *err)
{
	for (size_t k = 1; k < o->targets; k++) {
		int rc = client_wait_height(c, o->base[k], h,
					    LOAD_SETUP_WAIT_MS, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Accord mode, not timed (specs/cli.md §9 steps 1-2): the agreement and
 * its endorsements on the first node, then N reports signed on every
 * CPU. */
static int accord_prepare(const struct load_opts *o, struct http_client *c,
			  struct load_bodies *out, uint64_t *h0,
			  struct acc_err *err)
{
	struct genesis g;
	struct devnet_keys keys;
	struct entry e;
	const struct keyfile **signers = NULL;
	const char **party_ids = NULL;
	int *rcs = NULL;
	struct acc_err *errs = NULL;
	struct pool pool;
	int pool_up = 0, rc;
	memset(&keys, 0, sizeof keys);
	memset(&e, 0, sizeof e);
	char gpath[1200];
	(void)snprintf(gpath, sizeof gpath, "%s/genesis.json", o->dir);
	if ((rc = genesis_load(&g, gpath, err)) != 0)
		return rc;
	if ((rc = devnet_keys_load(&keys, o->dir, err)) != 0)
		goto out;
	signers = calloc(g.party_count, sizeof *signers);
	party_ids = calloc(g.party_count, sizeof *party_ids);
	if (signers == NULL || party_ids == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	size_t nsigners = 0;
	for (size_t i = 0; i < g.party_count; i++) {
		const struct keyfile *kf =
		    devnet_keys_find(&keys, "party", g.parties[i].id);
		if (kf != NULL &&
		    genesis_party_by_key(&g, kf->key.pk) == (long)i) {
			party_ids[nsigners] = g.parties[i].id;
			signers[nsigners++] = kf;
		}
	}
	if (nsigners == 0) {
		rc = acc_err_set(err, ACC_ENOTFOUND,
				 "%s/keys holds no key of a genesis party",
				 o->dir);
		goto out;
	}
	/* Every node runs this genesis. */
	struct node_status ns;
	for (size_t k = 0; k < o->targets; k++) {
		if ((rc = client_status(c, o->base[k], &ns, err)) != 0)
			goto out;
		if (memcmp(ns.genesis_hash, g.hash, HASH_BYTES) != 0) {
			rc = acc_err_set(err, ACC_EMISMATCH,
					 "%s runs another chain than %s",
					 o->base[k], gpath);
			goto out;
		}
	}
	/* The agreement the reports refer to, unique to this run, and its
	 * endorsement by every party so that it is active. The obligations
	 * cover this calendar year, reported by 31 March of the next
	 * (specs/compliance.md: reports close at deadline + grace), so that
	 * the reports of the run are on time. */
	uint64_t nonce = cli_now_ms();
	int year = build_year_of(nonce / 1000u);
	char title[160];
	(void)snprintf(title, sizeof title,
		       "accord bench load %llu: PM2.5 annual mean, %d",
		       (unsigned long long)nonce, year);
	uint8_t agreement_id[HASH_BYTES];
	if ((rc = build_agreement_simple(
		 &e, title, party_ids, nsigners, &g, 35000,
		 build_time(year, 1, 1, 0, 0, 0),
		 build_time(year + 1, 1, 1, 0, 0, 0),
		 build_time(year + 1, 3, 31, 23, 59, 59), err)) != 0)
		goto out;
	e.time = cli_now_ms() / 1000u;
	if ((rc = setup_post(c, o->base[0], &e, signers[0], g.chain_id,
			     agreement_id, err)) != 0) {
		acc_err_prefix(err, "submitting the agreement: ");
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
		if ((rc = setup_post(c, o->base[0], &e, signers[i], g.chain_id,
				     NULL, err)) != 0) {
			acc_err_prefix(err, "endorsement: ");
			goto out;
		}
		entry_free(&e);
	}
	if ((rc = client_status(c, o->base[0], &ns, err)) != 0 ||
	    (rc = nodes_reach(c, o, ns.height, err)) != 0)
		goto out;
	*h0 = ns.height;
	/* Pre-sign everything before the clock starts. */
	rcs = calloc(o->n, sizeof *rcs);
	errs = calloc(o->n, sizeof *errs);
	if (rcs == NULL || errs == NULL ||
	    load_bodies_alloc(out, (size_t)o->n) != 0) {
		rc = acc_err_set(err, ACC_ENOMEM,
				 "out of memory for %llu entries",
				 (unsigned long long)o->n);
		goto out;
	}
	if (pool_init(&pool, pool_cpus() - 1) != 0) {
		rc = acc_err_set(err, ACC_ENOMEM, "cannot start threads");
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
	    .bodies = out->bodies,
	    .lens = out->lens,
	    .ids = out->ids,
	    .rc = rcs,
	    .errs = errs,
	};
	uint64_t ts = http_now_us();
	pool_run(&pool, (size_t)o->n, sign_job_fn, &job);
	out->build_s = (double)(http_now_us() - ts) / 1e6;
	out->signers = nsigners;
	for (size_t i = 0; i < o->n; i++) {
		if (rcs[i] != 0) {
			rc = acc_err_set(err, rcs[i], "building report %zu: %s",
					 i, errs[i].msg);
			goto out;
		}
		out->bytes += out->lens[i];
	}
	rc = 0;
out:
	if (pool_up)
		pool_free(&pool);
	free(rcs);
	free(errs);
	free(party_ids);
	free(signers);
	entry_free(&e);
	devnet_keys_free(&keys);
	genesis_free(&g);
	return rc;
}

/* Etcd mode, not timed: N puts through etcd's JSON gateway
 * (`POST /v3/kv/put`, key and value base64), key
 * "accord-bench/<nonce>/<i>", a value of value_bytes that differs per i,
 * so that each is a distinct write of about an entry's size. */
static int etcd_prepare(const struct load_opts *o, struct load_bodies *out,
			struct acc_err *err)
{
	uint64_t t0 = http_now_us();
	if (load_bodies_alloc(out, (size_t)o->n) != 0)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	size_t vb = (size_t)o->value_bytes;
	uint8_t *val = malloc(vb);
	char *v64 = malloc(base64_encoded_len(vb));
	if (val == NULL || v64 == NULL) {
		free(val);
		free(v64);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	uint64_t nonce = cli_now_ms();
	for (size_t i = 0; i < out->n; i++) {
		char key[96], k64[160];
		int kl = snprintf(key, sizeof key, "accord-bench/%llu/%zu",
				  (unsigned long long)nonce, i);
		base64_encode(k64, sizeof k64, (const uint8_t *)key,
			      (size_t)kl);
		/* The value starts with the key's hash: no two are equal. */
		uint8_t h[HASH_BYTES];
		sha256(h, key, (size_t)kl);
		for (size_t k = 0; k < vb; k++)
			val[k] = k < HASH_BYTES ? h[k]
						: (uint8_t)('a' + (i + k) % 26);
		base64_encode(v64, base64_encoded_len(vb), val, vb);
		size_t cap = strlen(k64) + strlen(v64) + 32;
		char *body = malloc(cap);
		if (body == NULL) {
			free(val);
			free(v64);
			return acc_err_set(err, ACC_ENOMEM, "out of memory");
		}
		int bl = snprintf(body, cap, "{\"key\":\"%s\",\"value\":\"%s\"}",
				  k64, v64);
		out->bodies[i] = (uint8_t *)body;
		out->lens[i] = (size_t)bl;
		memcpy(out->ids[i], h, HASH_BYTES);
		out->bytes += vb;
	}
	free(val);
	free(v64);
	out->build_s = (double)(http_now_us() - t0) / 1e6;
	return 0;
}

/* The run's result, in text or JSON (specs/cli.md §9 step 4). */
static void load_print(const struct load_opts *o, const struct load_bodies *b,
		       const struct load_stats *st, double secs)
{
	size_t ok = st->ok;
	double rate = secs > 0 ? (double)ok / secs : 0;
	double mean = b->n ? (double)b->bytes / (double)b->n : 0;
	const char *what = o->etcd ? "writes" : "entries";
	const char *done = o->etcd	  ? "acknowledged"
			   : o->no_wait ? "admitted"
					: "committed";
	if (o->json) {
		printf("{\"target\":\"%s\",\"nodes\":%zu,\"entries\":%llu,"
		       "\"concurrency\":%llu,\"committed\":%zu,\"failed\":%zu,"
		       "\"seconds\":%.3f,\"entries_per_second\":%.1f,"
		       "\"latency_ms\":{\"p50\":%.2f,\"p90\":%.2f,"
		       "\"p99\":%.2f,\"max\":%.2f},\"presign_seconds\":%.3f,"
		       "\"blocks\":%llu,\"entry_bytes_mean\":%.0f}\n",
		       o->etcd ? "etcd" : "accord", o->targets,
		       (unsigned long long)o->n, (unsigned long long)o->conc,
		       ok, (size_t)o->n - ok, secs, rate,
		       pct_ms(st->lat_us, ok, 50), pct_ms(st->lat_us, ok, 90),
		       pct_ms(st->lat_us, ok, 99),
		       ok ? (double)st->lat_us[ok - 1] / 1000.0 : 0, b->build_s,
		       (unsigned long long)b->blocks, mean);
		return;
	}
	printf("bench load%s: %zu of %llu %s %s in %.3f s with %llu in flight "
	       "over %zu node(s): %.0f %s/s\n",
	       o->etcd ? " (etcd)" : "", ok, (unsigned long long)o->n, what,
	       done, secs, (unsigned long long)o->conc, o->targets, rate,
	       what);
	if (ok > 0)
		printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		       pct_ms(st->lat_us, ok, 50), pct_ms(st->lat_us, ok, 90),
		       pct_ms(st->lat_us, ok, 99),
		       (double)st->lat_us[ok - 1] / 1000.0);
	if (b->blocks > 0)
		printf("blocks: %llu during the run, %.1f entries per block\n",
		       (unsigned long long)b->blocks,
		       (double)ok / (double)b->blocks);
	if (o->etcd)
		printf("(built %llu puts of %llu-byte values in %.3f s, before "
		       "timing)\n",
		       (unsigned long long)o->n,
		       (unsigned long long)o->value_bytes, b->build_s);
	else
		printf("(pre-signed %llu reports by %zu parties in %.3f s, "
		       "%.0f bytes each on average, before timing)\n",
		       (unsigned long long)o->n, b->signers, b->build_s, mean);
}

static int load_opts_read(struct arg_spec *s, struct load_opts *o,
			  struct acc_err *err)
{
	memset(o, 0, sizeof *o);
	o->n = 10000;
	o->conc = 32;
	o->value_bytes = LOAD_VALUE_BYTES_DEFAULT;
	o->dir = args_get_or(s, "keys", "devnet");
	o->ack_path = args_get(s, "ack-log");
	o->no_wait = args_get(s, "no-wait") != NULL;
	o->json = args_get(s, "json") != NULL;
	o->etcd = args_get(s, "etcd") != NULL;
	if ((args_get(s, "entries") &&
	     args_u64(args_get(s, "entries"), "--entries", &o->n, err) != 0) ||
	    (args_get(s, "concurrency") &&
	     args_u64(args_get(s, "concurrency"), "--concurrency", &o->conc,
		      err) != 0) ||
	    (args_get(s, "value-bytes") &&
	     args_u64(args_get(s, "value-bytes"), "--value-bytes",
		      &o->value_bytes, err) != 0))
		return ACC_EINVAL;
	if (o->n < 1 || o->n > BENCH_ENTRIES_MAX || o->conc < 1 ||
	    o->conc > BENCH_CONCURRENCY_MAX)
		return acc_err_set(err, ACC_EINVAL,
				   "--entries 1..10000000, --concurrency "
				   "1..1000");
	if (o->value_bytes < 1 || o->value_bytes > LOAD_VALUE_BYTES_MAX)
		return acc_err_set(err, ACC_EINVAL, "--value-bytes 1..%u",
				   LOAD_VALUE_BYTES_MAX);
	if (o->etcd) {
		if (args_get(s, "node") || o->ack_path || o->no_wait)
			return acc_err_set(err, ACC_EINVAL,
					   "--etcd goes without --node, "
					   "--ack-log and --no-wait");
		return targets_parse(o, args_get(s, "etcd"), "/v3/kv/put",
				     err);
	}
	if (args_get(s, "value-bytes"))
		return acc_err_set(err, ACC_EINVAL,
				   "--value-bytes is for --etcd");
	return targets_parse(o, args_get_or(s, "node", CLI_NODE_DEFAULT),
			     o->no_wait ? "/v1/entries"
					: "/v1/entries?wait=commit",
			     err);
}

/* Step 1: the command line into *out (freed by the caller). Returns -1
 * to go on, else the exit code (help, or an error already printed). */
static int load_parse_options(int argc, char **argv, struct load_opts **out)
{
	struct arg_opt opts[] = {
	    {"node", "URL[,URL…]",
	     "the node, or several in turn (default " CLI_NODE_DEFAULT ")",
	     NULL},
	    {"entries", "N", "reports to submit (default 10000)", NULL},
	    {"concurrency", "C", "requests in flight (default 32)", NULL},
	    {"keys", "DIR",
	     "the devnet directory: DIR/genesis.json and DIR/keys/ (default "
	     "./devnet)",
	     NULL},
	    {"ack-log", "FILE",
	     "append \"ID INDEX\" of each acknowledged (201) entry", NULL},
	    {"no-wait", NULL,
	     "submit without ?wait=commit (measures admission, 202)", NULL},
	    {"etcd", "URL[,URL…]",
	     "instead: N puts to etcd's JSON gateway, members in turn", NULL},
	    {"value-bytes", "B",
	     "with --etcd: bytes per value (default 400)", NULL},
	    {"json", NULL, "print the result as JSON", NULL},
	};
	struct arg_spec s = {
	    .cmd = "bench load",
	    .usage = "[--node URL[,URL…]] [--entries N] [--concurrency C] "
		     "[--keys DIR] [--ack-log FILE] [--no-wait] [--json]\n"
		     "       accord bench load --etcd URL[,URL…] [--entries N] "
		     "[--concurrency C] [--value-bytes B] [--json]",
	    .about = "Submit one agreement covering the devnet's parties (and "
		     "each party's\n"
		     "endorsement), then pre-sign N reports, each party "
		     "reporting about\n"
		     "itself against that agreement, BEFORE timing starts; "
		     "then POST them\n"
		     "(binary, ?wait=commit; report i to node i mod #nodes) "
		     "over kept-alive\n"
		     "connections with C requests in flight, and print "
		     "entries/s and latency\n"
		     "percentiles of the 201s. With --etcd, the same driver "
		     "makes N puts\n"
		     "through etcd's JSON gateway instead (200 = durable "
		     "write).\n"
		     "Exit 0 only if every request succeeded.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct acc_err err = {0};
	struct load_opts *o = calloc(1, sizeof *o);
	if (o == NULL)
		return cli_fail("bench load", "out of memory");
	if (load_opts_read(&s, o, &err) != 0) {
		fprintf(stderr, "accord: bench load: %s\n", err.msg);
		free(o);
		return CLI_EXIT_USAGE;
	}
	*out = o;
	return -1;
}

/* Step 2, not timed: the HTTP client, then the bodies to send (accord:
 * the setup entries and the signed reports, *h0 the height after the
 * setup; etcd: the puts). Failures are printed. */
static int load_build_entries(const struct load_opts *o, struct http_client *c,
			      struct load_bodies *b, uint64_t *h0)
{
	struct acc_err err = {0};
	if (http_client_init(c, &err) != 0 ||
	    (o->etcd ? etcd_prepare(o, b, &err)
		     : accord_prepare(o, c, b, h0, &err)) != 0)
		return cli_fail("bench load", "%s", err.msg);
	return 0;
}

/* Step 3: what the completions record into: one latency per entry, the
 * ack log if asked, the status that counts as success. Failures are
 * printed. */
static int load_set_up(const struct load_opts *o, const struct load_bodies *b,
		       struct load_stats *st)
{
	st->lat_us = calloc(o->n, sizeof *st->lat_us);
	if (st->lat_us == NULL)
		return cli_fail("bench load", "out of memory");
	if (o->ack_path != NULL) {
		st->ack = fopen(o->ack_path, "a");
		if (st->ack == NULL)
			return cli_fail("bench load",
					"%s: cannot open for appending",
					o->ack_path);
	}
	st->ids = (const uint8_t(*)[HASH_BYTES])b->ids;
	st->want_status = o->etcd ? 200 : o->no_wait ? 202 : 201;
	return 0;
}

/* Step 4, timed: every body POSTed to the targets in turn, o->conc in
 * flight; *secs the wall time. Failures are printed. */
static int load_run(const struct load_opts *o, const struct load_bodies *b,
		    struct load_stats *st, double *secs)
{
	struct acc_err err = {0};
	struct http_load l = {
	    .urls = o->post_p,
	    .urls_len = o->targets,
	    .content_type =
		o->etcd ? "application/json" : "application/octet-stream",
	    .n = (size_t)o->n,
	    .bodies = (const uint8_t *const *)b->bodies,
	    .lens = b->lens,
	    .concurrency = (size_t)o->conc,
	    .done = load_done,
	    .user = st,
	};
	uint64_t t0 = http_now_us();
	int lrc = http_load_run(&l, &err);
	*secs = (double)(http_now_us() - t0) / 1e6;
	if (lrc != 0)
		return cli_fail("bench load", "%s", err.msg);
	return 0;
}

/* Step 5: the blocks made during the run, the result printed, and the
 * failures if any request did not succeed. Returns the exit code. */
static int load_report(const struct load_opts *o, struct http_client *c,
		       struct load_bodies *b, struct load_stats *st,
		       uint64_t h0, double secs)
{
	/* Blocks the first node made during the run: entries per block is
	 * how much batching the consortium did. */
	struct acc_err err = {0};
	struct node_status ns;
	if (!o->etcd && client_status(c, o->base[0], &ns, &err) == 0 &&
	    ns.height >= h0)
		b->blocks = ns.height - h0;
	qsort(st->lat_us, st->ok, sizeof st->lat_us[0], u64_cmp);
	load_print(o, b, st, secs);
	if (st->ok != o->n)
		return cli_fail("bench load",
				"%zu of %llu failed (no response %zu, 4xx "
				"%zu, 5xx %zu); first: %s",
				(size_t)o->n - st->ok, (unsigned long long)o->n,
				st->by_status[0], st->by_status[4],
				st->by_status[5], st->first_error);
	return CLI_EXIT_OK;
}

static int cmd_load(int argc, char **argv)
{
	struct load_opts *o = NULL;
	int ex = load_parse_options(argc, argv, &o);
	if (ex >= 0)
		return ex;
	int ret = CLI_EXIT_FAIL;
	struct http_client c = {0};
	struct load_bodies b;
	struct load_stats st;
	memset(&b, 0, sizeof b);
	memset(&st, 0, sizeof st);
	uint64_t h0 = 0;
	double secs = 0;
	if (load_build_entries(o, &c, &b, &h0) == 0 &&
	    load_set_up(o, &b, &st) == 0 && load_run(o, &b, &st, &secs) == 0)
		ret = load_report(o, &c, &b, &st, h0, secs);
	if (st.ack != NULL)
		(void)fclose(st.ack);
	free(st.lat_us);
	load_bodies_free(&b);
	http_client_free(&c);
	free(o);
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
