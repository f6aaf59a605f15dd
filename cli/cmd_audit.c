/* cmd_audit.c - accord audit: verify a chain from its genesis file alone
 * (specs/cli.md §8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/audit.h"
#include "cli/cli.h"
#include "common/hex.h"
#include "ledger/genesis.h"

/* The recomputed compliance (specs/cli.md §8): counts by status and
 * whether the source's state agreed. */
static void print_compliance(const struct audit_result *res, int node)
{
	char dg[2 * HASH_BYTES + 1];
	if (!res->state_replayed)
		return;
	hex_encode(dg, res->state_digest, HASH_BYTES);
	printf("compliance recomputed from the log: %zu obligation(s)",
	       res->obligations);
	const char *sep = ": ";
	for (int st = 1; st <= COMPLIANCE_STATUS_MAX; st++) {
		if (res->status_count[st] == 0)
			continue;
		printf("%s%zu %s", sep, res->status_count[st],
		       compliance_status_name(st));
		sep = ", ";
	}
	printf("; state digest %.16s…", dg);
	if (res->state_compared == 2)
		printf(", the same digest and table as the node serves\n");
	else if (res->state_compared == 1)
		printf(", the same as the %s holds\n",
		       node ? "node" : "data directory");
	else
		printf(" (not compared: the %s\n",
		       node ? "node moved on during the audit)"
			    : "source holds no state)");
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
	    {"max-failures", "N",
	     "stop after reporting N failures (default 20)", NULL},
	    {"threads", "N",
	     "signature verification threads (default: every CPU)", NULL},
	    {"rate", NULL,
	     "also measure the single-thread raw Ed25519 verify rate and "
	     "compare",
	     NULL},
	    {"json", NULL, "print the summary as JSON", NULL},
	};
	struct arg_spec s = {
	    .cmd = "audit",
	    .usage = "--genesis FILE (--node URL | --data DIR) [--max-failures "
		     "N] [--rate] [--json]",
	    .about = "Check, from the genesis file alone, every block 1..head: "
		     "the header\n"
		     "decodes and names the chain and height, links to the "
		     "previous header\n"
		     "(block 1 to the genesis hash) and the validator set; the "
		     "certificate\n"
		     "it carries hashes to last_cert_hash and commits the "
		     "previous block;\n"
		     "its own certificate verifies against the genesis "
		     "validators; every\n"
		     "entry decodes, every signature verifies, every signer is "
		     "in genesis,\n"
		     "every entry hashes to its id; the RFC 9162 root after "
		     "each block is\n"
		     "the header's. Exit 0 only if all of it holds; otherwise "
		     "each failure\n"
		     "is printed (block, entry, log index, which check) and "
		     "the exit is 1.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *gpath = args_get(&s, "genesis");
	const char *node = args_get(&s, "node"), *data = args_get(&s, "data");
	struct acc_err err = {0};
	uint64_t failures_max = 0, threads = 0;
	if (gpath == NULL || (node == NULL) == (data == NULL)) {
		fprintf(stderr, "accord: audit: give --genesis FILE and "
				"exactly one of --node URL and --data DIR\n");
		return CLI_EXIT_USAGE;
	}
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
	struct audit_source src;
	int rc = node ? audit_source_node(&src, node, &err)
		      : audit_source_data(&src, data, &err);
	if (rc != 0) {
		genesis_free(&g);
		return cli_fail("audit", "%s", err.msg);
	}
	struct audit_opts o = {
	    .g = &g,
	    .failures_max = (size_t)failures_max,
	    .threads = (size_t)threads,
	    .out = stderr,
	};
	struct audit_result res;
	int src_is_node = args_get(&s, "node") != NULL;
	rc = audit_run(&o, &src, &res, &err);
	src.close(src.ctx);
	double raw = args_get(&s, "rate") ? audit_raw_verify_rate(0.5) : 0;
	uint64_t sigs = res.entry_sigs + res.cert_sigs;
	double rate = res.seconds > 0 ? (double)sigs / res.seconds : 0;
	char root[2 * HASH_BYTES + 1];
	hex_encode(root, res.log_root, HASH_BYTES);
	int ok = rc == 0 && res.failures == 0;
	if (args_get(&s, "json")) {
		printf("{\"ok\":%s,\"blocks\":%llu,\"entries\":%llu,\"entry_"
		       "signatures\":%llu,"
		       "\"certificate_signatures\":%llu,\"log_size\":%llu,"
		       "\"log_root\":\"%s\","
		       "\"failures\":%zu,\"seconds\":%.3f,\"signatures_per_"
		       "second\":%.0f",
		       ok ? "true" : "false", (unsigned long long)res.blocks,
		       (unsigned long long)res.entries,
		       (unsigned long long)res.entry_sigs,
		       (unsigned long long)res.cert_sigs,
		       (unsigned long long)res.log_size, root, res.failures,
		       res.seconds, rate);
		if (raw > 0)
			printf(",\"raw_verify_per_second_1thread\":%.0f,"
			       "\"ratio\":%.3f",
			       raw, rate / raw);
		if (res.state_replayed) {
			char dg[2 * HASH_BYTES + 1];
			hex_encode(dg, res.state_digest, HASH_BYTES);
			printf(",\"compliance\":{\"obligations\":%zu,"
			       "\"state_digest\":\"%s\",\"compared\":\"%s\"",
			       res.obligations, dg,
			       res.state_compared == 2	 ? "digest and table"
			       : res.state_compared == 1 ? "digest"
							 : "none");
			for (int st = 1; st <= COMPLIANCE_STATUS_MAX; st++)
				printf(",\"%s\":%zu", compliance_status_name(st),
				       res.status_count[st]);
			printf("}");
		}
		printf("}\n");
	} else if (ok) {
		printf("audit passed: %llu blocks, %llu entries, %llu "
		       "signatures (%llu entry, %llu "
		       "certificate) verified in %.3f s (%.0f signatures/s); "
		       "log size %llu, root %s\n",
		       (unsigned long long)res.blocks,
		       (unsigned long long)res.entries,
		       (unsigned long long)sigs,
		       (unsigned long long)res.entry_sigs,
		       (unsigned long long)res.cert_sigs, res.seconds, rate,
		       (unsigned long long)res.log_size, root);
		print_compliance(&res, src_is_node);
	}
	if (raw > 0 && !args_get(&s, "json"))
		printf("raw single-thread Ed25519 verify: %.0f/s; audit rate / "
		       "raw rate = %.2f\n",
		       raw, rate / raw);
	genesis_free(&g);
	if (!ok) {
		fprintf(stderr,
			"accord: audit: FAILED: %zu failure(s)%s in %llu "
			"block(s) checked\n",
			res.failures,
			res.truncated
			    ? " (stopped at the bound; there may be more)"
			    : "",
			(unsigned long long)res.blocks);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
