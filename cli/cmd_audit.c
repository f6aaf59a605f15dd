/* cmd_audit.c - accord audit: verify a chain from its genesis file alone
 * (specs/cli.md §8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/audit.h"
#include "cli/cli.h"
#include "cli/csv.h"
#include "cli/compliance.h"
#include "common/hex.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

/* The recomputed compliance (specs/cli.md §8): counts by status and
 * whether the source's state agreed. */
static void print_compliance(FILE *f, const struct audit_result *res,
			     const char *holder)
{
	char dg[2 * HASH_BYTES + 1];
	if (!res->state_replayed)
		return;
	hex_encode(dg, res->state_digest, HASH_BYTES);
	fprintf(f, "compliance recomputed from the log: %zu obligation(s)",
	       res->obligations);
	const char *sep = ": ";
	for (int st = 1; st <= COMPLIANCE_STATUS_MAX; st++) {
		if (res->status_count[st] == 0)
			continue;
		fprintf(f, "%s%zu %s", sep, res->status_count[st],
		       compliance_status_name(st));
		sep = ", ";
	}
	fprintf(f, "; state digest %.16s…", dg);
	if (res->state_compared == 2)
		fprintf(f, ", the same digest and table as the %s\n", holder);
	else if (res->state_compared == 1)
		fprintf(f, ", the same digest as the %s\n", holder);
	else
		fprintf(f, " (not compared: the source moved on during the "
			   "audit)\n");
}

/* The rows' party display names from genesis ("party_name", null when
 * genesis has none), for --format json. */
static void rows_name(json_t *rows, const struct genesis *g)
{
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);
		const char *p = json_string_value(json_object_get(row, "party"));
		json_t *name = json_null();
		for (size_t k = 0; p != NULL && k < g->party_count; k++)
			if (strcmp(g->parties[k].id, p) == 0 &&
			    g->parties[k].name[0] != '\0')
				name = json_string(g->parties[k].name);
		(void)json_object_set_new(row, "party_name", name);
	}
}

/* The verified table (issue 10, finding 11): the rows recomputed from the
 * log, with the head block and its time, in the chosen format. */
static int print_table(FILE *f, const struct audit_result *res,
		       const struct genesis *g, const char *source, int csv,
		       struct acc_err *err)
{
	if (csv)
		return compliance_csv_write(f, res->rows, g, err);
	char t[TIME_TEXT_BYTES];
	fixed_time_format(t, res->state_time_s);
	fprintf(f,
		"\nverified compliance at block %llu (%s), recomputed from "
		"the log of %s:\n",
		(unsigned long long)res->blocks, t, source);
	return compliance_table_write(f, res->rows, g, err);
}

static void print_json(const struct audit_result *res, int ok, double rate,
		       double raw, const struct genesis *g)
{
	char root[2 * HASH_BYTES + 1];
	hex_encode(root, res->log_root, HASH_BYTES);
	printf("{\"ok\":%s,\"blocks\":%llu,\"entries\":%llu,\"entry_"
	       "signatures\":%llu,"
	       "\"certificate_signatures\":%llu,\"log_size\":%llu,"
	       "\"log_root\":\"%s\","
	       "\"failures\":%zu,\"seconds\":%.3f,\"signatures_per_"
	       "second\":%.0f",
	       ok ? "true" : "false", (unsigned long long)res->blocks,
	       (unsigned long long)res->entries,
	       (unsigned long long)res->entry_sigs,
	       (unsigned long long)res->cert_sigs,
	       (unsigned long long)res->log_size, root, res->failures,
	       res->seconds, rate);
	if (raw > 0)
		printf(",\"raw_verify_per_second_1thread\":%.0f,"
		       "\"ratio\":%.3f",
		       raw, rate / raw);
	if (res->state_replayed) {
		char dg[2 * HASH_BYTES + 1], t[TIME_TEXT_BYTES];
		hex_encode(dg, res->state_digest, HASH_BYTES);
		fixed_time_format(t, res->state_time_s);
		printf(",\"compliance\":{\"obligations\":%zu,"
		       "\"state_digest\":\"%s\",\"compared\":\"%s\","
		       "\"time\":\"%s\"",
		       res->obligations, dg,
		       res->state_compared == 2	  ? "digest and table"
		       : res->state_compared == 1 ? "digest"
						  : "none",
		       t);
		for (int st = 1; st <= COMPLIANCE_STATUS_MAX; st++)
			printf(",\"%s\":%zu", compliance_status_name(st),
			       res->status_count[st]);
		if (ok && res->rows != NULL) {
			rows_name(res->rows, g);
			char *r = json_dumps(res->rows, JSON_COMPACT |
							    QTY_JSON_DUMP_FLAGS);
			if (r != NULL)
				printf(",\"rows\":%s", r);
			free(r);
		}
		printf("}");
	}
	printf("}\n");
}

int cmd_audit(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"genesis", "FILE",
	     "the consortium's genesis file: the only thing trusted", NULL},
	    {"node", "URL",
	     "audit what a node serves (GET /v1/blocks/H?full=1)", NULL},
	    {"data", "DIR",
	     "audit a (copied) node data directory, opened read only", NULL},
	    {"from", "DIR",
	     "audit again, with no node, what an earlier --save kept", NULL},
	    {"save", "DIR",
	     "keep everything verified (blocks, certificates, entries, the "
	     "source's state) in DIR, empty or new, for --from",
	     NULL},
	    {"max-failures", "N",
	     "stop after reporting N failures (default 20)", NULL},
	    {"threads", "N",
	     "signature verification threads (default: every CPU)", NULL},
	    {"rate", NULL,
	     "also measure the single-thread raw Ed25519 verify rate and "
	     "compare",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "audit",
	    .usage = "--genesis FILE (--node URL [--save DIR] | --data DIR "
		     "[--save DIR] | --from DIR) [--format table|json|csv] "
		     "[--max-failures N] [--threads N] [--rate] [--json]",
	    .about =
		"Verify a whole chain from the genesis file alone, then "
		"recompute compliance\n"
		"from its log and print the verified table (party, scope, "
		"pollutant, period,\n"
		"target, verified value, status, shortfall, compensation).\n"
		"\n"
		"For every block 1..head: the header decodes and names the "
		"chain and height,\n"
		"links to the previous header (block 1 to the genesis hash) "
		"and the validator\n"
		"set; the certificate it carries commits the previous block; "
		"its own\n"
		"certificate verifies against the genesis validators; every "
		"entry decodes,\n"
		"every signature verifies, every signer is in genesis, every "
		"entry hashes to\n"
		"its id; the RFC 9162 root after each block is the header's. "
		"Every entry is\n"
		"replayed through the compliance rules at its block's time, "
		"and the table and\n"
		"state digest so recomputed must be the source's. Exit 0 only "
		"if all of it\n"
		"holds; otherwise each failure is printed and the exit is 1 "
		"(no table).",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON | ARGS_FORMAT_CSV,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	csv_write_safe_set(s.csv_safe);
	const char *gpath = args_get_or(&s, "genesis", NULL);
	const char *node = args_get(&s, "node"), *data = args_get(&s, "data");
	const char *from = args_get(&s, "from"), *save = args_get(&s, "save");
	/* With no source named, $ACCORD_NODE is the node (specs/cli.md §1). */
	if (node == NULL && data == NULL && from == NULL)
		node = args_get_or(&s, "node", NULL);
	struct acc_err err = {0};
	uint64_t failures_max = 0, threads = 0;
	if (gpath == NULL ||
	    (node != NULL) + (data != NULL) + (from != NULL) != 1) {
		fprintf(stderr,
			"accord: audit: give --genesis FILE and exactly one "
			"of --node URL, --data DIR and --from DIR\n");
		return CLI_EXIT_USAGE;
	}
	if (save != NULL && from != NULL) {
		fprintf(stderr, "accord: audit: --save keeps what --node or "
				"--data serve; --from DIR is already saved\n");
		return CLI_EXIT_USAGE;
	}
	int csv = s.format == ARGS_FORMAT_CSV, json = s.format == ARGS_FORMAT_JSON;
	if ((args_get(&s, "max-failures") &&
	     (args_u64(args_get(&s, "max-failures"), "--max-failures",
		       &failures_max, &err) != 0 ||
	      failures_max == 0)) ||
	    (args_get(&s, "threads") &&
	     (args_u64(args_get(&s, "threads"), "--threads", &threads, &err) !=
		  0 ||
	      threads == 0 || threads > 16))) {
		fprintf(stderr, "accord: audit: %s\n",
			err.msg[0]
			    ? err.msg
			    : "--max-failures is at least 1, --threads 1..16");
		return CLI_EXIT_USAGE;
	}
	struct genesis g;
	if (genesis_load(&g, gpath, &err) != 0)
		return cli_fail("audit", "genesis %s: %s", gpath, err.msg);
	struct audit_source src, inner;
	int rc = node   ? audit_source_node(&inner, node, &err)
		 : data ? audit_source_data(&inner, data, &err)
			: audit_source_saved(&inner, from, &err);
	if (rc == 0 && save != NULL) {
		rc = audit_source_save(&src, &inner, save, &err);
		if (rc != 0)
			inner.close(inner.ctx);
	} else {
		src = inner;
	}
	if (rc != 0) {
		genesis_free(&g);
		return cli_fail("audit", "%s", err.msg);
	}
	struct audit_opts o = {
	    .g = &g,
	    .failures_max = (size_t)failures_max,
	    .threads = (size_t)threads,
	    .out = stderr,
	    .keep_rows = 1,
	};
	struct audit_result res;
	char source[1200];
	(void)snprintf(source, sizeof source, "%s", src.name);
	rc = audit_run(&o, &src, &res, &err);
	src.close(src.ctx);
	double raw = args_get(&s, "rate") ? audit_raw_verify_rate(0.5) : 0;
	uint64_t sigs = res.entry_sigs + res.cert_sigs;
	double rate = res.seconds > 0 ? (double)sigs / res.seconds : 0;
	char root[2 * HASH_BYTES + 1];
	hex_encode(root, res.log_root, HASH_BYTES);
	int ok = rc == 0 && res.failures == 0;
	/* With CSV on standard output, the words go to standard error. */
	FILE *words = csv ? stderr : stdout;
	if (json) {
		print_json(&res, ok, rate, raw, &g);
	} else if (ok) {
		fprintf(words,
			"audit passed: %llu blocks, %llu entries, %llu "
			"signatures (%llu entry, %llu "
			"certificate) verified in %.3f s (%.0f signatures/s); "
			"log size %llu, root %s\n",
			(unsigned long long)res.blocks,
			(unsigned long long)res.entries,
			(unsigned long long)sigs,
			(unsigned long long)res.entry_sigs,
			(unsigned long long)res.cert_sigs, res.seconds, rate,
			(unsigned long long)res.log_size, root);
		print_compliance(words, &res,
				 node	? "node serves"
				 : data ? "data directory holds"
					: "saved directory holds (as its node "
					  "served it)");
	}
	if (raw > 0 && !json)
		fprintf(words,
			"raw single-thread Ed25519 verify: %.0f/s; audit rate "
			"/ raw rate = %.2f\n",
			raw, rate / raw);
	if (ok && !json && res.rows != NULL &&
	    print_table(stdout, &res, &g, source, csv, &err) != 0)
		ok = cli_fail("audit", "%s", err.msg) == CLI_EXIT_OK;
	if (ok && save != NULL)
		fprintf(words,
			"saved to %s: check it again with no node: accord "
			"audit --genesis %s --from %s\n",
			save, gpath, save);
	json_decref(res.rows);
	genesis_free(&g);
	if (!ok) {
		if (rc != 0 || res.failures != 0)
			fprintf(stderr,
				"accord: audit: FAILED: %zu failure(s)%s in "
				"%llu block(s) checked\n",
				res.failures,
				res.truncated ? " (stopped at the bound; "
						"there may be more)"
					      : "",
				(unsigned long long)res.blocks);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
