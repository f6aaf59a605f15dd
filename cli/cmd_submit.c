/* cmd_submit.c - accord submit: sign an entry and submit it (specs/cli.md
 * §5). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

/* Read the entry JSON (path "-" = stdin) and fill "time" with now when the
 * author left it out. */
static int entry_json_read(const char *path, struct entry *e,
			   struct acc_err *err)
{
	json_error_t je;
	json_t *j;
	if (strcmp(path, "-") == 0)
		j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
	else
		j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return acc_err_set(err, ACC_EJSON, "%s: line %d: %s", path,
				   je.line, je.text);
	int rc;
	if (!json_is_object(j)) {
		rc = acc_err_set(err, ACC_ETYPE,
				 "%s: an entry is a JSON object", path);
		goto out;
	}
	if (json_object_get(j, "time") == NULL) {
		char t[TIME_TEXT_BYTES];
		fixed_time_format(t, cli_now_ms() / 1000u);
		if (json_object_set_new(j, "time", json_string(t)) != 0) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			goto out;
		}
	}
	struct acc_err inner = {0};
	rc = entry_from_json(e, j, &inner);
	if (rc != 0)
		(void)acc_err_set(err, rc, "%s: %s", path, inner.msg);
out:
	json_decref(j);
	return rc;
}

int cmd_submit(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"key", "FILE",
	     "key file to sign with (accord keygen, devnet keys/)", NULL},
	    {"wait", NULL,
	     "wait until the entry is committed (prints index and height)",
	     NULL},
	    {"chain-id", "ID",
	     "chain id to sign for (default: the node's, from /v1/status)",
	     NULL},
	    {"sign-only", NULL,
	     "print the signed entry JSON instead of submitting it", NULL},
	};
	struct arg_spec s = {
	    .cmd = "submit",
	    .usage = "--key FILE [--node URL] [--wait] [--chain-id ID] "
		     "[--sign-only] [--json] ENTRY.json",
	    .about =
		"Read an entry in its JSON form (specs/encoding.md; unsigned "
		"or already\n"
		"signed by others; \"time\" is set to now when absent), add a "
		"signature\n"
		"with the key, and submit it. ENTRY.json \"-\" reads standard "
		"input.\n"
		"With --sign-only the signed JSON is printed so that another "
		"signer can\n"
		"add theirs (resolutions and governance entries take "
		"several); an entry\n"
		"that already carries the key's signature is refused, so "
		"that one signer\n"
		"never counts twice by mistake.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	    .pos_min = 1,
	    .pos_max = 1,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *keyp = args_get(&s, "key");
	if (keyp == NULL) {
		fprintf(stderr, "accord: submit: --key FILE is required\n");
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct keyfile kf;
	struct entry e;
	struct http_client c = {0};
	uint8_t *bytes = NULL;
	size_t len = 0;
	int ret = CLI_EXIT_FAIL;
	memset(&e, 0, sizeof e);
	if (keyfile_load(&kf, keyp, &err) != 0)
		return cli_fail("submit", "%s", err.msg);
	if (entry_json_read(s.pos[0], &e, &err) != 0) {
		ret = cli_fail("submit", "%s", err.msg);
		goto out;
	}
	if (http_client_init(&c, &err) != 0) {
		ret = cli_fail("submit", "%s", err.msg);
		goto out;
	}
	char chain[CHAIN_ID_BYTES_MAX + 1];
	if (args_get(&s, "chain-id") != NULL) {
		(void)snprintf(chain, sizeof chain, "%s",
			       args_get(&s, "chain-id"));
	} else {
		struct node_status st;
		if (client_status(&c, node, &st, &err) != 0) {
			ret = cli_fail(
			    "submit", "cannot learn the chain id: %s", err.msg);
			goto out;
		}
		memcpy(chain, st.chain_id, sizeof chain);
	}
	/* specs/cli.md §5: each signer signs once; signing again with the
	 * same key would replace the signature and hide that another signer
	 * is still missing. */
	for (size_t i = 0; i < e.sig_count; i++)
		if (memcmp(e.sigs[i].key, kf.key.pk, PUBKEY_BYTES) == 0) {
			char kh[2 * PUBKEY_BYTES + 1];
			hex_encode(kh, kf.key.pk, PUBKEY_BYTES);
			ret = cli_fail("submit",
				       "%s already carries a signature by this "
				       "key (%.16s…, %s): each signer signs "
				       "once",
				       s.pos[0], kh, kf.id);
			goto out;
		}
	if (entry_sign(&e, &kf.key, chain, &err) != 0) {
		ret = cli_fail("submit", "signing: %s", err.msg);
		goto out;
	}
	if (args_get(&s, "sign-only")) {
		json_t *j = entry_to_json(&e);
		char *t =
		    j ? json_dumps(j, JSON_INDENT(2) | QTY_JSON_DUMP_FLAGS)
		      : NULL;
		json_decref(j);
		if (t == NULL) {
			ret = cli_fail("submit",
				       "cannot write the entry as JSON");
			goto out;
		}
		printf("%s\n", t);
		free(t);
		ret = CLI_EXIT_OK;
		goto out;
	}
	if (entry_encode(&e, &bytes, &len, &err) != 0) {
		ret = cli_fail("submit", "encoding: %s", err.msg);
		goto out;
	}
	struct post_result pr;
	int wait = args_get(&s, "wait") != NULL;
	if (client_entry_post(&c, node, bytes, len, wait, &pr, &err) != 0) {
		ret = cli_fail("submit", "%s", err.msg);
		goto out;
	}
	char id[2 * HASH_BYTES + 1];
	hex_encode(id, pr.id, HASH_BYTES);
	if (s.format == ARGS_FORMAT_JSON) {
		if (pr.committed)
			printf("{\"id\":\"%s\",\"status\":\"committed\","
			       "\"index\":%llu,\"height\":%llu}\n",
			       id, (unsigned long long)pr.index,
			       (unsigned long long)pr.height);
		else
			printf("{\"id\":\"%s\",\"status\":\"pending\"}\n", id);
	} else if (pr.committed) {
		printf("%s committed: index %llu, height %llu\n", id,
		       (unsigned long long)pr.index,
		       (unsigned long long)pr.height);
	} else {
		printf("%s pending\n", id);
	}
	ret = CLI_EXIT_OK;
out:
	free(bytes);
	http_client_free(&c);
	entry_free(&e);
	keyfile_free(&kf);
	return ret;
}
