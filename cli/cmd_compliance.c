/* cmd_compliance.c - accord compliance: where each obligation stands
 * (specs/cli.md §11.3). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/csv.h"
#include "cli/compliance.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

int cmd_compliance(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"party", "P", "only the obligations of party P", NULL},
	    {"agreement", "ID",
	     "only agreement ID (64 hex digits, or a prefix of at least 6)",
	     NULL},
	    {"genesis", "FILE",
	     "name each party as its genesis does (table and csv)", NULL},
	};
	struct arg_spec s = {
	    .cmd = "compliance",
	    .usage = "[--node URL] [--party P] [--agreement ID] "
		     "[--format table|json|csv] [--genesis FILE]",
	    .about = "Where every obligation stands, as the node computes it "
		     "at its head\n"
		     "block (GET /v1/compliance): one row per obligation with "
		     "its agreement,\n"
		     "party, scope, pollutant, metric, period, target, the "
		     "reported value,\n"
		     "attestations, status (met, missed, pending, unverified, "
		     "disputed,\n"
		     "not_reported, superseded), shortfall and compensation "
		     "owed. json prints\n"
		     "the node's rows; csv the columns of specs/cli.md §11.3.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON | ARGS_FORMAT_CSV,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	csv_write_safe_set(s.csv_safe);
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *party = args_get(&s, "party");
	const char *agreement = args_get(&s, "agreement");
	struct acc_err err = {0};
	if (compliance_filter_check(party, agreement, &err) != 0) {
		fprintf(stderr, "accord: compliance: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	/* Display names only: the rows are the node's either way (audit is
	 * what checks them against the genesis). */
	struct genesis g, *gp = NULL;
	const char *gpath = args_get_or(&s, "genesis", NULL);
	if (gpath != NULL) {
		if (genesis_load(&g, gpath, &err) != 0)
			return cli_fail("compliance", "genesis %s: %s", gpath,
					err.msg);
		gp = &g;
	}
	struct http_client c = {0};
	json_t *ans = NULL;
	int ret = CLI_EXIT_FAIL;
	if (http_client_init(&c, &err) != 0) {
		if (gp != NULL)
			genesis_free(gp);
		return cli_fail("compliance", "%s", err.msg);
	}
	if (compliance_fetch(&c, node, party, agreement, &ans, &err) != 0) {
		ret = cli_fail("compliance", "%s", err.msg);
		goto out;
	}
	json_t *rows = json_object_get(ans, "rows");
	int rc;
	if (s.format == ARGS_FORMAT_JSON) {
		rc = compliance_json_print(stdout, rows, &err);
	} else if (s.format == ARGS_FORMAT_CSV) {
		rc = compliance_csv_write(stdout, rows, gp, &err);
	} else {
		json_t *h = json_object_get(ans, "height");
		const char *t = json_string_value(json_object_get(ans, "time"));
		uint64_t ts;
		/* Only a well-formed time reaches the terminal. */
		if (t != NULL && fixed_time_parse(&ts, t, NULL) != 0)
			t = NULL;
		printf("compliance at block %lld (%s), %s\n\n",
		       json_is_integer(h) ? (long long)json_integer_value(h)
					  : -1LL,
		       t ? t : "time unknown", node);
		rc = compliance_table_write(stdout, rows, gp, &err);
	}
	if (rc != 0) {
		ret = cli_fail("compliance", "%s", err.msg);
		goto out;
	}
	ret = fflush(stdout) == 0 ? CLI_EXIT_OK
				  : cli_fail("compliance", "write error");
out:
	json_decref(ans);
	http_client_free(&c);
	if (gp != NULL)
		genesis_free(gp);
	return ret;
}
