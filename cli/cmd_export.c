/* cmd_export.c - accord export: agreements, reports or compliance as CSV
 * or JSON (specs/cli.md §11.4). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/compliance.h"
#include "cli/csv.h"
#include "cli/report_csv.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"

/* The columns of agreements as CSV (specs/cli.md §11.4). */
#define AGREEMENTS_CSV_HEADER                                    \
	"id,title,proposer,parties,endorsed,state,active_since," \
	"superseded_by,supersedes,obligations"

/* A JSON array of strings as one field, joined with ';' (party ids never
 * hold one). */
static int csv_list(FILE *f, const json_t *a, struct acc_err *err)
{
	size_t cap = 1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		cap += (s ? strlen(s) : 0) + 1;
	}
	char *buf = malloc(cap);
	if (buf == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	size_t o = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (i > 0)
			buf[o++] = ';';
		if (s != NULL) {
			memcpy(buf + o, s, strlen(s));
			o += strlen(s);
		}
	}
	buf[o] = '\0';
	csv_field_write_sep(f, buf, 0);
	free(buf);
	return 0;
}

static int export_agreements(struct http_client *c, const char *node, int csv,
			     struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	json_t *j = NULL;
	if (http_url(url, node, "/v1/agreements") != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_get_json(c, url, &j, err);
	if (rc != 0)
		return rc;
	json_t *list = json_object_get(j, "agreements");
	if (!json_is_array(list)) {
		json_decref(j);
		return acc_err_set(err, ACC_EDECODE,
				   "answer of /v1/agreements has no "
				   "\"agreements\" array");
	}
	if (!csv) {
		rc = compliance_json_print(stdout, j, err);
		json_decref(j);
		return rc;
	}
	fputs(AGREEMENTS_CSV_HEADER, stdout);
	csv_record_end(stdout);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *a = json_array_get(list, i);
		static const char *const str1[] = {"id", "title", "proposer"};
		static const char *const str2[] = {
		    "state", "active_since", "superseded_by", "supersedes"};
		for (size_t k = 0; k < 3; k++)
			csv_field_write_sep(
			    stdout,
			    json_string_value(json_object_get(a, str1[k])),
			    k == 0);
		if ((rc = csv_list(stdout, json_object_get(a, "parties"),
				   err)) != 0 ||
		    (rc = csv_list(stdout, json_object_get(a, "endorsed"),
				   err)) != 0) {
			json_decref(j);
			return rc;
		}
		for (size_t k = 0; k < 4; k++)
			csv_field_write_sep(
			    stdout,
			    json_string_value(json_object_get(a, str2[k])), 0);
		json_t *n = json_object_get(a, "obligations");
		char t[32] = "";
		if (json_is_integer(n))
			(void)snprintf(t, sizeof t, "%lld",
				       (long long)json_integer_value(n));
		csv_field_write_sep(stdout, t, 0);
		csv_record_end(stdout);
	}
	json_decref(j);
	return 0;
}

static int export_compliance(struct http_client *c, const char *node,
			     const char *party, const char *agreement, int csv,
			     struct acc_err *err)
{
	json_t *j = NULL;
	int rc = compliance_fetch(c, node, party, agreement, &j, err);
	if (rc != 0)
		return rc;
	rc = csv ? compliance_csv_print(stdout, json_object_get(j, "rows"), err)
		 : compliance_json_print(stdout, j, err);
	json_decref(j);
	return rc;
}

/*
 * Walk the log by index (GET /v1/entries/I, I = 0, 1, … until 404) and
 * write every report: as CSV rows in the import header's columns, or as
 * JSON {"reports":[{"index","id","height","entry"},…]} (the node's
 * objects, streamed as they come).
 */
static int export_reports(struct http_client *c, const char *node, int csv,
			  struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	size_t n = 0;
	int rc = 0;
	if (csv)
		report_csv_header_write(stdout);
	else
		fputs("{\"reports\":[", stdout);
	for (uint64_t i = 0;; i++) {
		json_t *j = NULL;
		if (http_url(url, node, "/v1/entries/%llu",
			     (unsigned long long)i) != 0)
			return acc_err_set(err, ACC_EINVAL,
					   "node URL too long");
		rc = http_get_json(c, url, &j, err);
		if (rc == ACC_ENOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0)
			return rc;
		json_t *ej = json_object_get(j, "entry");
		const char *kind =
		    json_string_value(json_object_get(ej, "kind"));
		if (kind == NULL) {
			json_decref(j);
			return acc_err_set(err, ACC_EDECODE,
					   "entry %llu: answer has no entry "
					   "with a kind",
					   (unsigned long long)i);
		}
		if (strcmp(kind, "report") != 0) {
			json_decref(j);
			continue;
		}
		if (csv) {
			struct entry e;
			struct acc_err e2 = {0};
			rc = entry_from_json(&e, ej, &e2);
			if (rc != 0) {
				json_decref(j);
				return acc_err_set(err, rc, "entry %llu: %s",
						   (unsigned long long)i,
						   e2.msg);
			}
			report_csv_row_write(stdout, &e.report);
			entry_free(&e);
		} else {
			fputs(n == 0 ? "\n  " : ",\n  ", stdout);
			if (json_dumpf(j, stdout,
				       JSON_COMPACT | QTY_JSON_DUMP_FLAGS) !=
			    0) {
				json_decref(j);
				return acc_err_set(err, ACC_EIO,
						   "cannot write JSON");
			}
		}
		n++;
		json_decref(j);
	}
	if (!csv)
		fputs(n == 0 ? "]}\n" : "\n]}\n", stdout);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"what", "WHAT", "agreements, reports or compliance", NULL},
	    {"party", "P", "compliance: only party P's obligations", NULL},
	    {"agreement", "ID",
	     "compliance: only agreement ID (or an id prefix of at least 6)",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "export",
	    .usage = "--what agreements|reports|compliance [--format csv|json] "
		     "[--node URL]",
	    .about = "Write the node's agreements (GET /v1/agreements), every "
		     "report of the log\n"
		     "(GET /v1/entries/I from index 0 until 404), or the "
		     "compliance rows\n"
		     "(GET /v1/compliance) to standard output as CSV or JSON. "
		     "Reports as CSV\n"
		     "use the header of `accord import reports`, so an export "
		     "imports again.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_CSV | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	csv_write_safe_set(s.csv_safe);
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *what = args_get(&s, "what");
	const char *party = args_get(&s, "party");
	const char *agreement = args_get(&s, "agreement");
	struct acc_err err = {0};
	if (what == NULL ||
	    (strcmp(what, "agreements") != 0 && strcmp(what, "reports") != 0 &&
	     strcmp(what, "compliance") != 0)) {
		fprintf(stderr, "accord: export: --what: agreements, reports "
				"or compliance\n");
		return CLI_EXIT_USAGE;
	}
	if ((party != NULL || agreement != NULL) &&
	    strcmp(what, "compliance") != 0) {
		fprintf(stderr, "accord: export: --party and --agreement go "
				"with --what compliance\n");
		return CLI_EXIT_USAGE;
	}
	if (compliance_filter_check(party, agreement, &err) != 0) {
		fprintf(stderr, "accord: export: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	int csv = s.format == ARGS_FORMAT_CSV;
	struct http_client c = {0};
	if (http_client_init(&c, &err) != 0)
		return cli_fail("export", "%s", err.msg);
	int rc;
	if (strcmp(what, "agreements") == 0)
		rc = export_agreements(&c, node, csv, &err);
	else if (strcmp(what, "reports") == 0)
		rc = export_reports(&c, node, csv, &err);
	else
		rc = export_compliance(&c, node, party, agreement, csv, &err);
	http_client_free(&c);
	if (rc != 0)
		return cli_fail("export", "%s", err.msg);
	if (fflush(stdout) != 0)
		return cli_fail("export", "write error");
	return CLI_EXIT_OK;
}
