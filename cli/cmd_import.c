/* cmd_import.c - accord import reports|attestations|obligations: one
 * signed entry per row of a CSV file, none submitted unless every row is
 * good, then all of them posted pipelined and waited for (specs/cli.md
 * §11.2, §11.5). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/attestation_csv.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/compliance.h"
#include "cli/import_submit.h"
#include "cli/obligation_csv.h"
#include "cli/report_csv.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "ledger/fixed.h"

/* Distinct agreements one file may name (their views are kept while the
 * file is checked). */
#define IMPORT_AGREEMENTS_MAX 256u

/* The node's agreement views, fetched once per agreement. */
struct views {
	struct http_client *c;
	const char *node;
	size_t len;
	struct {
		uint8_t id[HASH_BYTES];
		json_t *view; /* NULL: the node has no such agreement */
	} v[IMPORT_AGREEMENTS_MAX];
};

static int view_lookup(void *ctx, const uint8_t id[HASH_BYTES],
		       const json_t **view, struct acc_err *err)
{
	struct views *vs = ctx;
	for (size_t i = 0; i < vs->len; i++)
		if (memcmp(vs->v[i].id, id, HASH_BYTES) == 0) {
			*view = vs->v[i].view;
			return *view ? 0 : ACC_ENOTFOUND;
		}
	if (vs->len == IMPORT_AGREEMENTS_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "the file names more than %u agreements",
				   IMPORT_AGREEMENTS_MAX);
	char hex[2 * HASH_BYTES + 1], url[HTTP_URL_BYTES_MAX];
	hex_encode(hex, id, HASH_BYTES);
	if (http_url(url, vs->node, "/v1/agreements/%s", hex) != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	json_t *j = NULL;
	int rc = http_get_json(vs->c, url, &j, err);
	if (rc != 0 && rc != ACC_ENOTFOUND)
		return rc;
	memcpy(vs->v[vs->len].id, id, HASH_BYTES);
	vs->v[vs->len].view = j;
	vs->len++;
	*view = j;
	return j ? 0 : ACC_ENOTFOUND;
}

static void views_free(struct views *vs)
{
	for (size_t i = 0; i < vs->len; i++)
		json_decref(vs->v[i].view);
	vs->len = 0;
}

/* Whether the node serves the agreement views (issue 4): a 404 on the
 * list itself means it does not, so rows cannot be matched there. */
static int views_served(struct http_client *c, const char *node, int *served,
			struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	json_t *j = NULL;
	*served = 0;
	if (http_url(url, node, "/v1/agreements") != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_get_json(c, url, &j, err);
	json_decref(j);
	if (rc == ACC_ENOTFOUND)
		return 0;
	if (rc == 0)
		*served = 1;
	return rc;
}

/* Parties one file may name with --keys (their keys are kept while the
 * file is built). */
#define IMPORT_KEYS_MAX 256u

/* --keys DIR: DIR/<party>.key, loaded once per party. */
struct party_keys {
	const char *dir;
	size_t len;
	struct keyfile kf[IMPORT_KEYS_MAX];
};

static int party_key(void *ctx, const char *party, const struct keyfile **kf,
		     struct acc_err *err)
{
	struct party_keys *pk = ctx;
	char path[1200];
	for (size_t i = 0; i < pk->len; i++)
		if (strcmp(pk->kf[i].id, party) == 0) {
			*kf = &pk->kf[i];
			return 0;
		}
	if (pk->len == IMPORT_KEYS_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "the file names more than %u parties",
				   IMPORT_KEYS_MAX);
	(void)snprintf(path, sizeof path, "%s/%s.key", pk->dir, party);
	struct acc_err e = {0};
	int rc = keyfile_load(&pk->kf[pk->len], path, &e);
	if (rc != 0)
		return acc_err_set(err, ACC_ENOTFOUND, "party %s: %s", party,
				   e.msg);
	/* A key file whose id is not the party's is refused by the build
	 * (report_csv.h, struct report_signer). */
	*kf = &pk->kf[pk->len++];
	return 0;
}

static void party_keys_free(struct party_keys *pk)
{
	for (size_t i = 0; i < pk->len; i++)
		keyfile_free(&pk->kf[i]);
	pk->len = 0;
}

static void where(char *out, size_t n, const char *file, uint64_t line)
{
	if (line == 0)
		(void)snprintf(out, n, "%s", file);
	else
		(void)snprintf(out, n, "%s:%llu", file,
			       (unsigned long long)line);
}


/* The options every kind of import shares (specs/cli.md §11.5). */
#define IMPORT_COMMON_OPTS                                                     \
	{"csv", "FILE", "the rows", NULL},                                     \
	    {"key", "FILE", "the key that signs every row", NULL},             \
	    {"keys", "DIR",                                                    \
	     "sign each row with its own signer's key, DIR/<id>.key", NULL},   \
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},  \
	    {"wait", NULL, "wait until every entry is committed (the default)", \
	     NULL},                                                            \
	    {"no-wait", NULL, "submit only: stop once every entry is admitted", \
	     NULL},                                                            \
	    {"concurrency", "C",                                               \
	     "requests in flight (default 32, at most 48)", NULL},             \
	    {"time", "T",                                                      \
	     "entry time, YYYY-MM-DDTHH:MM:SSZ (default now); the same time "  \
	     "makes the same entries, so a run again skips what is committed", \
	     NULL},                                                            \
	    {"dry-run", NULL, "check, build and sign every row; submit nothing", \
	     NULL},                                                            \
	{                                                                      \
		"chain-id", "ID",                                              \
		    "chain id to sign for (default: the node's); with "        \
		    "--dry-run the node is not asked at all",                  \
		    NULL                                                       \
	}

#define IMPORT_COMMON_USAGE                                                 \
	"--csv FILE (--key FILE | --keys DIR) [--node URL] [--wait | "      \
	"--no-wait] [--concurrency C] [--time T] [--dry-run] [--chain-id " \
	"ID]"

struct import_opts {
	const char *node, *file, *keyp, *keys, *chain_opt;
	int dry, wait;
	uint64_t time_s;
	uint64_t conc;
};

/* Read the shared options; CLI_EXIT_USAGE on a bad one, else -1. */
static int import_opts_read(const struct arg_spec *s, const char *what,
			    struct import_opts *o)
{
	struct acc_err err = {0};
	memset(o, 0, sizeof *o);
	o->node = args_get_or(s, "node", CLI_NODE_DEFAULT);
	o->file = args_get(s, "csv");
	o->keyp = args_get(s, "key");
	o->keys = args_get(s, "keys");
	o->dry = args_get(s, "dry-run") != NULL;
	o->wait = args_get(s, "no-wait") == NULL;
	o->chain_opt = args_get(s, "chain-id");
	o->conc = IMPORT_CONCURRENCY_DEFAULT;
	o->time_s = cli_now_ms() / 1000u;
	if (o->file == NULL || (o->keyp == NULL) == (o->keys == NULL)) {
		fprintf(stderr,
			"accord: import %s: --csv FILE and one of --key FILE "
			"and --keys DIR are required\n",
			what);
		return CLI_EXIT_USAGE;
	}
	if (args_get(s, "wait") && args_get(s, "no-wait")) {
		fprintf(stderr, "accord: import %s: --wait or --no-wait, not "
				"both\n",
			what);
		return CLI_EXIT_USAGE;
	}
	const char *c = args_get(s, "concurrency");
	if (c != NULL && (args_u64(c, "--concurrency", &o->conc, &err) != 0 ||
			  o->conc < 1 || o->conc > IMPORT_CONCURRENCY_MAX)) {
		fprintf(stderr,
			"accord: import %s: --concurrency 1..%u (the node "
			"takes 64 connections from one address)\n",
			what, IMPORT_CONCURRENCY_MAX);
		return CLI_EXIT_USAGE;
	}
	const char *t = args_get(s, "time");
	if (t != NULL && fixed_time_parse(&o->time_s, t, &err) != 0) {
		fprintf(stderr,
			"accord: import %s: --time %s: not YYYY-MM-DDTHH:MM:SSZ\n",
			what, t);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* The chain id to sign for: --chain-id, or the node's. */
static int chain_learn(struct http_client *c, const struct import_opts *o,
		       char chain[CHAIN_ID_BYTES_MAX + 1], struct acc_err *err)
{
	if (o->chain_opt != NULL) {
		(void)snprintf(chain, CHAIN_ID_BYTES_MAX + 1, "%s",
			       o->chain_opt);
		return 0;
	}
	struct node_status st;
	int rc = client_status(c, o->node, &st, err);
	if (rc == 0)
		memcpy(chain, st.chain_id, CHAIN_ID_BYTES_MAX + 1);
	return rc;
}

/* Print the bad rows of a build that failed with ACC_EINVAL. */
static int bad_rows_print(const char *file, const struct report_batch *b)
{
	char w[1100];
	for (size_t i = 0; i < b->bad_len; i++) {
		where(w, sizeof w, file, b->bad[i].line);
		fprintf(stderr, "%s: %s\n", w, b->bad[i].msg);
	}
	return cli_fail("import", "%s: %zu of %zu rows are bad; nothing was "
				  "submitted",
			file, b->bad_len, b->rows);
}

/*
 * specs/cli.md §11.5: post every built entry pipelined, wait for all of
 * them, print each line's outcome in file order and a summary that names
 * the committed lines when anything failed.
 */
static int batch_submit(const struct import_opts *o, const char *what,
			const struct report_batch *b, const char *chain)
{
	char id[2 * HASH_BYTES + 1], w[1100], ts[TIME_TEXT_BYTES];
	fixed_time_format(ts, o->time_s);
	if (o->dry) {
		for (size_t i = 0; i < b->len; i++) {
			hex_encode(id, b->items[i].id, HASH_BYTES);
			where(w, sizeof w, o->file, b->items[i].line);
			printf("%s: %s signed\n", w, id);
		}
		printf("import: %zu %s checked, built and signed for chain %s "
		       "at %s; nothing submitted (dry run)\n",
		       b->len, what, chain, ts);
		return CLI_EXIT_OK;
	}
	struct import_item *items = calloc(b->len, sizeof *items);
	if (items == NULL)
		return cli_fail("import", "out of memory");
	for (size_t i = 0; i < b->len; i++) {
		items[i].line = b->items[i].line;
		items[i].bytes = b->items[i].bytes;
		items[i].len = b->items[i].len;
		memcpy(items[i].id, b->items[i].id, HASH_BYTES);
	}
	struct import_run r = {
	    .node = o->node,
	    .concurrency = (size_t)o->conc,
	    .wait = o->wait,
	    .stall_s = 30,
	    .progress = stderr,
	    .bar = isatty(STDERR_FILENO),
	};
	struct acc_err err = {0};
	int rc = import_submit_run(&r, items, b->len, &err);
	if (rc != 0) {
		free(items);
		return cli_fail("import", "%s: %s", o->node, err.msg);
	}
	size_t count[IMPORT_NOT_COMMITTED + 1] = {0};
	for (size_t i = 0; i < b->len; i++) {
		const struct import_item *it = &items[i];
		count[it->state]++;
		hex_encode(id, it->id, HASH_BYTES);
		where(w, sizeof w, o->file, it->line);
		switch (it->state) {
		case IMPORT_COMMITTED:
			printf("%s: %s committed: index %llu, height %llu\n", w,
			       id, (unsigned long long)it->index,
			       (unsigned long long)it->height);
			break;
		case IMPORT_ALREADY:
			printf("%s: %s already committed: index %llu "
			       "(skipped)\n",
			       w, id, (unsigned long long)it->index);
			break;
		case IMPORT_PENDING:
			printf("%s: %s pending\n", w, id);
			break;
		case IMPORT_REFUSED:
			fprintf(stderr, "%s: refused: %s\n", w, it->why);
			break;
		default:
			fprintf(stderr, "%s: not committed: %s\n", w, it->why);
			break;
		}
	}
	size_t done = count[IMPORT_COMMITTED] + count[IMPORT_ALREADY];
	size_t failed = count[IMPORT_REFUSED] + count[IMPORT_NOT_COMMITTED];
	if (o->wait)
		printf("import: %zu of %zu %s committed", done, b->len, what);
	else
		printf("import: %zu of %zu %s admitted (pending)",
		       count[IMPORT_PENDING] + count[IMPORT_ALREADY], b->len,
		       what);
	if (count[IMPORT_ALREADY])
		printf(", %zu of them before this run (skipped)",
		       count[IMPORT_ALREADY]);
	if (count[IMPORT_REFUSED])
		printf(", %zu refused", count[IMPORT_REFUSED]);
	if (count[IMPORT_NOT_COMMITTED])
		printf(", %zu not committed", count[IMPORT_NOT_COMMITTED]);
	printf("; entry time %s\n", ts);
	(void)fflush(stdout);
	int ret = CLI_EXIT_OK;
	if (failed > 0) {
		fprintf(stderr, "accord: import: %s: committed lines: ",
			o->file);
		import_lines_write(stderr, items, b->len, IMPORT_COMMITTED, 20);
		fprintf(stderr, "; already committed: ");
		import_lines_write(stderr, items, b->len, IMPORT_ALREADY, 20);
		fprintf(stderr, "; refused: ");
		import_lines_write(stderr, items, b->len, IMPORT_REFUSED, 20);
		fprintf(stderr, "; not committed: ");
		import_lines_write(stderr, items, b->len,
				   IMPORT_NOT_COMMITTED, 20);
		fprintf(stderr,
			".\naccord: import: fix those lines and run again "
			"with --time %s: the committed lines make the same "
			"entries and are skipped\n",
			ts);
		ret = CLI_EXIT_FAIL;
	}
	free(items);
	return ret;
}

/* What import reports and import attestations hold while they run: the
 * signing keys (--key, --keys), the file's text, the HTTP client, the
 * chain id and the batch built from the rows. */
struct import_job {
	struct keyfile kf;
	struct party_keys *pk;
	struct http_client c;
	struct report_batch b;
	char *text;
	size_t len;
	char chain[CHAIN_ID_BYTES_MAX + 1];
	struct report_signer sg;
};

static void import_job_free(struct import_job *r)
{
	report_batch_free(&r->b);
	free(r->text);
	http_client_free(&r->c);
	keyfile_free(&r->kf);
	if (r->pk != NULL)
		party_keys_free(r->pk);
	free(r->pk);
	memset(r, 0, sizeof *r);
}

/* The keys, the file and the chain id for a signing import
 * (specs/cli.md §11.5): -1 when r is ready to build and submit, else
 * the exit status, having said why. import_job_free in either case. */
static int import_job_open(struct import_job *r, const struct import_opts *o)
{
	struct acc_err err = {0};
	memset(r, 0, sizeof *r);
	if (o->keyp != NULL && keyfile_load(&r->kf, o->keyp, &err) != 0)
		return cli_fail("import", "%s", err.msg);
	if (o->keys != NULL) {
		r->pk = calloc(1, sizeof *r->pk);
		if (r->pk == NULL)
			return cli_fail("import", "out of memory");
		r->pk->dir = o->keys;
	}
	if (cli_file_read(o->file, REPORT_CSV_FILE_BYTES_MAX, &r->text,
			  &r->len, &err) != 0)
		return cli_fail("import", "%s", err.msg);
	if (http_client_init(&r->c, &err) != 0)
		return cli_fail("import", "out of memory");
	if (chain_learn(&r->c, o, r->chain, &err) != 0)
		return cli_fail("import", "cannot learn the chain id: %s",
				err.msg);
	r->sg.kf = &r->kf;
	r->sg.key_for = r->pk ? party_key : NULL;
	r->sg.key_ctx = r->pk;
	return -1;
}

/* After the batch is built with result rc: each bad row printed
 * (ACC_EINVAL), another error said, else the batch submitted as what. */
static int import_job_submit(struct import_job *r, const struct import_opts *o,
			     const char *what, int rc,
			     const struct acc_err *err)
{
	if (rc == ACC_EINVAL)
		return bad_rows_print(o->file, &r->b);
	if (rc != 0)
		return cli_fail("import", "%s: %s", o->file, err->msg);
	return batch_submit(o, what, &r->b, r->chain);
}

static int import_reports(int argc, char **argv)
{
	struct arg_opt opts[] = {IMPORT_COMMON_OPTS};
	struct arg_spec s = {
	    .cmd = "import reports",
	    .usage = IMPORT_COMMON_USAGE,
	    .about =
		"Sign and submit one report per row of a CSV file with the "
		"header\n" REPORT_CSV_HEADER "\n"
		"Every row is checked first (and matched to an obligation of "
		"its agreement\n"
		"on the node); if any row is bad, each bad row is printed as "
		"FILE:LINE: what\n"
		"is wrong and nothing is submitted (exit 1). Then every "
		"report is posted,\n"
		"many in flight, and waited for (specs/cli.md §11.2, §11.5).",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct import_opts o;
	if ((ex = import_opts_read(&s, "reports", &o)) >= 0)
		return ex;
	struct acc_err err = {0};
	struct import_job r;
	struct views *vs = NULL;
	int ret = import_job_open(&r, &o);
	if (ret >= 0)
		goto out;
	vs = calloc(1, sizeof *vs);
	if (vs == NULL) {
		ret = cli_fail("import", "out of memory");
		goto out;
	}
	vs->c = &r.c;
	vs->node = o.node;
	int offline = o.dry && o.chain_opt != NULL, served = 0;
	if (!offline && views_served(&r.c, o.node, &served, &err) != 0) {
		ret = cli_fail("import", "%s", err.msg);
		goto out;
	}
	if (!offline && !served)
		fprintf(stderr,
			"accord: import: warning: %s does not serve "
			"/v1/agreements; rows are not matched to obligations "
			"before submitting\n",
			o.node);
	int rc = report_csv_build_signed(&r.b, r.text, r.len, &r.sg, r.chain,
					 o.time_s, served ? view_lookup : NULL,
					 vs, &err);
	ret = import_job_submit(&r, &o, "reports", rc, &err);
out:
	if (vs != NULL)
		views_free(vs);
	free(vs);
	import_job_free(&r);
	return ret;
}

static int import_attestations(int argc, char **argv)
{
	struct arg_opt opts[] = {IMPORT_COMMON_OPTS};
	struct arg_spec s = {
	    .cmd = "import attestations",
	    .usage = IMPORT_COMMON_USAGE,
	    .about =
		"Sign and submit one attestation per row of a CSV file with "
		"the header\n" ATTESTATION_CSV_HEADER "\n"
		"(report id, opinion verified|verified_with_comments|"
		"not_verified; signer:\n"
		"the verifier or party that attests, required with --keys). "
		"Every row is\n"
		"checked first; then all are posted, many in flight, and "
		"waited for\n"
		"(specs/cli.md §11.5).",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct import_opts o;
	if ((ex = import_opts_read(&s, "attestations", &o)) >= 0)
		return ex;
	struct acc_err err = {0};
	struct import_job r;
	int ret = import_job_open(&r, &o);
	if (ret < 0) {
		int rc = attestation_csv_build(&r.b, r.text, r.len, &r.sg,
					       r.chain, o.time_s, &err);
		ret = import_job_submit(&r, &o, "attestations", rc, &err);
	}
	import_job_free(&r);
	return ret;
}

static int import_obligations(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"csv", "FILE", "the obligations, one per row", NULL},
	    {"agreement", "FILE",
	     "the agreement's JSON form, every field but its obligations "
	     "(\"-\": standard input)",
	     NULL},
	    {"out", "FILE", "write the agreement here (default: standard "
			    "output)",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "import obligations",
	    .usage = "--csv FILE --agreement FILE [--out FILE]",
	    .about =
		"Fill an agreement's obligations from a CSV table with the "
		"header\n" OBLIGATION_CSV_HEADER "\n"
		"and write the agreement's JSON form, ready for `accord "
		"submit` (specs/cli.md\n"
		"§11.6). Every row is checked as the JSON form checks an "
		"obligation; if any\n"
		"is bad, each bad row is printed as FILE:LINE: what is wrong "
		"and nothing is\n"
		"written (exit 1).",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *file = args_get(&s, "csv"), *ap = args_get(&s, "agreement");
	const char *outp = args_get(&s, "out");
	if (file == NULL || ap == NULL) {
		fprintf(stderr, "accord: import obligations: --csv FILE and "
				"--agreement FILE are required\n");
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct report_batch b;
	char *text = NULL;
	size_t len = 0;
	json_t *a = NULL;
	json_error_t je;
	int ret = CLI_EXIT_FAIL;
	memset(&b, 0, sizeof b);
	if (strcmp(ap, "-") == 0)
		a = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
	else
		a = json_load_file(ap, JSON_REJECT_DUPLICATES, &je);
	if (a == NULL)
		return cli_fail("import", "%s:%d: %s", ap, je.line, je.text);
	if (cli_file_read(file, REPORT_CSV_FILE_BYTES_MAX, &text, &len,
			  &err) != 0) {
		ret = cli_fail("import", "%s", err.msg);
		goto out;
	}
	int rc = obligation_csv_fill(a, &b, text, len, &err);
	if (rc == ACC_EINVAL) {
		ret = bad_rows_print(file, &b);
		goto out;
	}
	if (rc != 0) {
		ret = cli_fail("import", "%s: %s", rc == ACC_ETOOBIG ? file : ap,
			       err.msg);
		goto out;
	}
	FILE *f = outp ? fopen(outp, "w") : stdout;
	if (f == NULL) {
		ret = cli_fail("import", "%s: cannot open for writing", outp);
		goto out;
	}
	int wrc = json_dumpf(a, f, JSON_INDENT(2) | QTY_JSON_DUMP_FLAGS);
	fputc('\n', f);
	if ((outp && fclose(f) != 0) || wrc != 0) {
		ret = cli_fail("import", "%s: write failed",
			       outp ? outp : "standard output");
		goto out;
	}
	fprintf(stderr, "import: %zu obligations from %s\n", b.rows, file);
	ret = CLI_EXIT_OK;
out:
	report_batch_free(&b);
	json_decref(a);
	free(text);
	return ret;
}

int cmd_import(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"reports", import_reports,
	     "sign and submit one report per row of a CSV file"},
	    {"attestations", import_attestations,
	     "sign and submit one attestation per row of a CSV file"},
	    {"obligations", import_obligations,
	     "fill an agreement's obligations from a CSV table"},
	};
	return cli_sub_run("import", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
