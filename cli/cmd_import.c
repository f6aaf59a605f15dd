/* cmd_import.c - accord import reports: one signed report per row of a CSV
 * file, none submitted unless every row is good (specs/cli.md §11.2). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/compliance.h"
#include "cli/report_csv.h"
#include "common/hex.h"
#include "common/keyfile.h"

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

static int import_reports(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"csv", "FILE", "the reports, one per row (specs/cli.md §11.2)",
	     NULL},
	    {"key", "FILE", "the reporting party's key file", NULL},
	    {"keys", "DIR",
	     "sign each row with its party's key, DIR/<party>.key (rows of "
	     "several parties)",
	     NULL},
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"wait", NULL, "wait until each report is committed", NULL},
	    {"dry-run", NULL, "check, build and sign every row; submit nothing",
	     NULL},
	    {"chain-id", "ID",
	     "chain id to sign for (default: the node's); with --dry-run "
	     "the node is not asked at all",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "import reports",
	    .usage =
		"--csv FILE (--key FILE | --keys DIR) [--node URL] [--wait] "
		"[--dry-run] [--chain-id ID]",
	    .about =
		"Sign and submit one report per row of a CSV file with the "
		"header\n" REPORT_CSV_HEADER "\n"
		"Every row is checked first (and matched to an obligation of "
		"its agreement\n"
		"on the node); if any row is bad, each bad row is printed as "
		"FILE:LINE: what\n"
		"is wrong and nothing is submitted (exit 1).",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *file = args_get(&s, "csv");
	const char *keyp = args_get(&s, "key"), *keys = args_get(&s, "keys");
	int dry = args_get(&s, "dry-run") != NULL;
	int wait = args_get(&s, "wait") != NULL;
	const char *chain_opt = args_get(&s, "chain-id");
	if (file == NULL || (keyp == NULL) == (keys == NULL)) {
		fprintf(stderr, "accord: import reports: --csv FILE and one of "
				"--key FILE and --keys DIR are required\n");
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct keyfile kf;
	struct party_keys *pk = NULL;
	struct http_client c = {0};
	struct report_batch b;
	struct views *vs = NULL;
	char *text = NULL;
	size_t len = 0;
	int ret = CLI_EXIT_FAIL;
	memset(&b, 0, sizeof b);
	memset(&kf, 0, sizeof kf);
	if (keyp != NULL && keyfile_load(&kf, keyp, &err) != 0)
		return cli_fail("import", "%s", err.msg);
	if (keys != NULL) {
		pk = calloc(1, sizeof *pk);
		if (pk == NULL)
			return cli_fail("import", "out of memory");
		pk->dir = keys;
	}
	if (cli_file_read(file, REPORT_CSV_FILE_BYTES_MAX, &text, &len, &err) !=
	    0) {
		ret = cli_fail("import", "%s", err.msg);
		goto out;
	}
	vs = calloc(1, sizeof *vs);
	if (vs == NULL || http_client_init(&c, &err) != 0) {
		ret = cli_fail("import", "out of memory");
		goto out;
	}
	vs->c = &c;
	vs->node = node;
	char chain[CHAIN_ID_BYTES_MAX + 1];
	int offline = dry && chain_opt != NULL, served = 0;
	if (chain_opt != NULL) {
		(void)snprintf(chain, sizeof chain, "%s", chain_opt);
	} else {
		struct node_status st;
		if (client_status(&c, node, &st, &err) != 0) {
			ret = cli_fail(
			    "import", "cannot learn the chain id: %s", err.msg);
			goto out;
		}
		memcpy(chain, st.chain_id, sizeof chain);
	}
	if (!offline && views_served(&c, node, &served, &err) != 0) {
		ret = cli_fail("import", "%s", err.msg);
		goto out;
	}
	if (!offline && !served)
		fprintf(stderr,
			"accord: import: warning: %s does not serve "
			"/v1/agreements; rows are not matched to obligations "
			"before submitting\n",
			node);
	struct report_signer sg = {
	    .kf = &kf,
	    .key_for = pk ? party_key : NULL,
	    .key_ctx = pk,
	};
	int rc = report_csv_build_signed(&b, text, len, &sg, chain,
					 cli_now_ms() / 1000u,
					 served ? view_lookup : NULL, vs, &err);
	if (rc == ACC_EINVAL) {
		char w[1100];
		for (size_t i = 0; i < b.bad_len; i++) {
			where(w, sizeof w, file, b.bad[i].line);
			fprintf(stderr, "%s: %s\n", w, b.bad[i].msg);
		}
		ret = cli_fail("import",
			       "%s: %zu of %zu rows are bad; nothing was "
			       "submitted",
			       file, b.bad_len, b.rows);
		goto out;
	}
	if (rc != 0) {
		ret = cli_fail("import", "%s: %s", file, err.msg);
		goto out;
	}
	if (dry) {
		for (size_t i = 0; i < b.len; i++) {
			char id[2 * HASH_BYTES + 1], w[1100];
			hex_encode(id, b.items[i].id, HASH_BYTES);
			where(w, sizeof w, file, b.items[i].line);
			printf("%s: %s signed\n", w, id);
		}
		printf("import: %zu reports checked, built and signed for "
		       "chain %s; nothing submitted (dry run)\n",
		       b.len, chain);
		ret = CLI_EXIT_OK;
		goto out;
	}
	size_t ok = 0, refused = 0, i = 0;
	for (; i < b.len; i++) {
		struct post_result pr;
		char id[2 * HASH_BYTES + 1], w[1100];
		where(w, sizeof w, file, b.items[i].line);
		rc = client_entry_post(&c, node, b.items[i].bytes,
				       b.items[i].len, wait, &pr, &err);
		if (rc == ACC_ENET) {
			fprintf(stderr, "%s: %s\n", w, err.msg);
			break;
		}
		if (rc != 0) {
			fprintf(stderr, "%s: refused: %s\n", w, err.msg);
			refused++;
			continue;
		}
		ok++;
		hex_encode(id, pr.id, HASH_BYTES);
		if (pr.committed)
			printf("%s: %s committed: index %llu, height %llu\n", w,
			       id, (unsigned long long)pr.index,
			       (unsigned long long)pr.height);
		else
			printf("%s: %s pending\n", w, id);
		fflush(stdout);
	}
	if (i < b.len) {
		char w[1100];
		where(w, sizeof w, file, b.items[i].line);
		ret = cli_fail("import",
			       "the node stopped answering at %s: %zu of %zu "
			       "reports %s, %zu refused, rows from line %llu "
			       "on not submitted",
			       w, ok, b.len, wait ? "committed" : "admitted",
			       refused, (unsigned long long)b.items[i].line);
		goto out;
	}
	printf("import: %zu of %zu reports %s", ok, b.len,
	       wait ? "committed" : "admitted (pending)");
	if (refused)
		printf(", %zu refused (see above)", refused);
	printf("\n");
	ret = refused == 0 ? CLI_EXIT_OK
			   : cli_fail("import", "%zu of %zu reports refused",
				      refused, b.len);
out:
	report_batch_free(&b);
	if (vs != NULL)
		views_free(vs);
	free(vs);
	free(text);
	http_client_free(&c);
	keyfile_free(&kf);
	if (pk != NULL)
		party_keys_free(pk);
	free(pk);
	return ret;
}

int cmd_import(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"reports", import_reports,
	     "sign and submit one report per row of a CSV file"},
	};
	return cli_sub_run("import", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
