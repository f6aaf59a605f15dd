/* cmd_checkpoint.c - accord checkpoint: fetch a node's C2SP checkpoint,
 * verify its cosignatures against genesis and cross-check it with a
 * consistency proof; or print the consortium's tlog-policy
 * (specs/checkpoint.md §7, §8, §9). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/hex.h"
#include "common/merkle.h"
#include "ledger/checkpoint.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

int cmd_checkpoint(int argc, char **argv);

#define CMD "checkpoint"

static int print_policy(const struct genesis *g)
{
	struct acc_err err = {0};
	char *text;
	size_t len;
	if (checkpoint_policy_format(g, &text, &len, &err) != 0)
		return cli_fail(CMD, "%s", err.msg);
	int ok = fwrite(text, 1, len, stdout) == len;
	free(text);
	return ok ? CLI_EXIT_OK : cli_fail(CMD, "writing the policy failed");
}

/*
 * §9: the node's current log must extend the checkpoint. The status says
 * the genesis and the current size; a consistency proof from the
 * checkpoint's size to that size must start at the checkpoint's root.
 * Sets *proof_len (0 when the sizes are equal) and *now_size.
 */
static int cross_check(struct http_client *c, const char *node,
		       const struct genesis *g, const struct checkpoint *cp,
		       uint64_t *now_size, size_t *proof_len,
		       struct acc_err *err)
{
	struct node_status st;
	int rc = client_status(c, node, &st, err);
	if (rc != 0)
		return rc;
	if (memcmp(st.genesis_hash, g->hash, HASH_BYTES) != 0)
		return acc_err_set(err, ACC_EMISMATCH,
				   "the node runs another genesis");
	*now_size = st.log_size;
	*proof_len = 0;
	if (st.log_size < cp->size)
		return acc_err_set(err, ACC_EMISMATCH,
				   "the node's log (size %llu) is smaller than "
				   "its checkpoint (size %llu)",
				   (unsigned long long)st.log_size,
				   (unsigned long long)cp->size);
	if (cp->size == 0) {
		uint8_t empty[HASH_BYTES];
		merkle_empty_root(empty);
		if (memcmp(empty, cp->root, HASH_BYTES) != 0)
			return acc_err_set(err, ACC_EPROOF,
					   "size 0 with a root that is not "
					   "the empty tree's");
		return 0;
	}
	char url[HTTP_URL_BYTES_MAX];
	json_t *j = NULL;
	if (http_url(url, node, "/v1/proofs/consistency?old=%llu&new=%llu",
		     (unsigned long long)cp->size,
		     (unsigned long long)st.log_size) != 0)
		return acc_err_set(err, ACC_ETOOBIG, "node URL too long");
	rc = http_get_json(c, url, &j, err);
	if (rc != 0)
		return rc;
	struct proof_consistency_answer *a = malloc(sizeof *a);
	if (a == NULL) {
		json_decref(j);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	rc = client_proof_consistency_parse(j, a, err);
	if (rc == 0 && (a->old_size != cp->size || a->new_size != st.log_size))
		rc = acc_err_set(err, ACC_EMISMATCH,
				 "the proof is for other sizes");
	if (rc == 0 && memcmp(a->old_root, cp->root, HASH_BYTES) != 0)
		rc = acc_err_set(err, ACC_EMISMATCH,
				 "the node's root at size %llu is not the "
				 "checkpoint's root",
				 (unsigned long long)cp->size);
	if (rc == 0 &&
	    merkle_consistency_verify(
		cp->size, st.log_size, a->old_root, a->new_root,
		(const uint8_t(*)[MERKLE_HASH_BYTES])a->proof, a->count) != 0)
		rc = acc_err_set(err, ACC_EPROOF,
				 "the consistency proof from the checkpoint "
				 "to size %llu does not verify",
				 (unsigned long long)st.log_size);
	*proof_len = rc == 0 ? a->count : 0;
	free(a);
	json_decref(j);
	return rc;
}

static void print_json(const struct genesis *g,
		       const struct checkpoint_verdict *v, const char *note,
		       uint64_t now_size, size_t proof_len)
{
	char rh[2 * HASH_BYTES + 1], when[TIME_TEXT_BYTES];
	hex_encode(rh, v->cp.root, HASH_BYTES);
	fixed_time_format(when, v->time_max);
	json_t *names = json_array();
	for (size_t i = 0; i < g->validator_count && names != NULL; i++)
		if (v->signed_by[i])
			json_array_append_new(
			    names, json_string(g->validators[i].name));
	json_t *o = json_pack(
	    "{s:s,s:I,s:s,s:o*,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:s}", "origin",
	    v->cp.origin, "size", (json_int_t)v->cp.size, "root", rh,
	    "cosigners", names, "power", (json_int_t)v->power, "total_power",
	    (json_int_t)v->total, "time", (json_int_t)v->time_max, "time_utc",
	    when, "node_log_size", (json_int_t)now_size,
	    "consistency_proof_hashes", (json_int_t)proof_len, "validators",
	    (json_int_t)g->validator_count, "note", note);
	char *t =
	    o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (t != NULL)
		printf("%s\n", t);
	free(t);
	json_decref(o);
}

int cmd_checkpoint(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"genesis", "FILE", "the genesis file (required)", NULL},
	    {"policy", NULL,
	     "print the validators' trust rule as a C2SP tlog-policy and "
	     "exit",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = CMD,
	    .usage = "--genesis FILE [--node URL] [--json] | --policy "
		     "--genesis FILE",
	    .about =
		"Fetch GET /v1/checkpoint (a C2SP tlog-checkpoint signed note) "
		"and verify it\n"
		"here: the origin is the chain id and validators holding more "
		"than 2/3 of\n"
		"the power cosigned it (tlog-cosignature/v1). Then check that "
		"the node's\n"
		"current log extends it with an RFC 9162 consistency proof. "
		"Prints\n"
		"\"verified\" and exits 0, or says what failed and exits 1.\n"
		"With --policy, print the tlog-policy file for the genesis "
		"validators\n"
		"(specs/checkpoint.md §8).",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *gpath = args_get_or(&s, "genesis", NULL);
	if (gpath == NULL) {
		fprintf(stderr,
			"accord: " CMD ": --genesis FILE is required\n");
		return CLI_EXIT_USAGE;
	}
	if (args_get(&s, "policy") &&
	    (args_get(&s, "node") || s.format == ARGS_FORMAT_JSON)) {
		fprintf(stderr, "accord: " CMD ": --policy takes only "
				"--genesis\n");
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct genesis g;
	if (genesis_load(&g, gpath, &err) != 0)
		return cli_fail(CMD, "genesis %s: %s", gpath, err.msg);
	if (args_get(&s, "policy")) {
		int r = print_policy(&g);
		genesis_free(&g);
		return r;
	}
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	struct http_client c;
	if (http_client_init(&c, &err) != 0) {
		genesis_free(&g);
		return cli_fail(CMD, "%s", err.msg);
	}
	int ret = CLI_EXIT_FAIL;
	struct http_resp r = {0};
	struct checkpoint_verdict *v = malloc(sizeof *v);
	char url[HTTP_URL_BYTES_MAX];
	if (v == NULL) {
		ret = cli_fail(CMD, "out of memory");
		goto out;
	}
	if (http_url(url, node, "/v1/checkpoint") != 0) {
		ret = cli_fail(CMD, "node URL too long");
		goto out;
	}
	if (http_request(&c, "GET", url, "text/plain", NULL, NULL, 0, &r,
			 &err) != 0) {
		ret = cli_fail(CMD, "%s", err.msg);
		goto out;
	}
	if (r.status != 200) {
		(void)http_resp_error(&r, &err);
		ret = cli_fail(CMD, "%s", err.msg);
		goto out;
	}
	if (checkpoint_verify(&g, r.body, r.len, v, &err) != 0) {
		ret = cli_fail(CMD, "NOT verified: %s", err.msg);
		goto out;
	}
	uint64_t now_size = 0;
	size_t proof_len = 0;
	if (cross_check(&c, node, &g, &v->cp, &now_size, &proof_len, &err) !=
	    0) {
		ret = cli_fail(CMD, "NOT consistent with the node's log: %s",
			       err.msg);
		goto out;
	}
	if (s.format == ARGS_FORMAT_JSON) {
		print_json(&g, v, r.body, now_size, proof_len);
	} else {
		char rh[2 * HASH_BYTES + 1], t[TIME_TEXT_BYTES];
		hex_encode(rh, v->cp.root, HASH_BYTES);
		fixed_time_format(t, v->time_max); /* ISO 8601, UTC */
		printf("verified: checkpoint of %s at size %llu (root %s) "
		       "cosigned by %zu of %zu validators (power %llu of "
		       "%llu) at %s; the node's log of size %llu "
		       "extends it (%zu consistency proof hashes)\n",
		       v->cp.origin, (unsigned long long)v->cp.size, rh,
		       v->signers, g.validator_count,
		       (unsigned long long)v->power,
		       (unsigned long long)v->total, t,
		       (unsigned long long)now_size, proof_len);
	}
	ret = CLI_EXIT_OK;
out:
	http_resp_free(&r);
	free(v);
	http_client_free(&c);
	genesis_free(&g);
	return ret;
}
