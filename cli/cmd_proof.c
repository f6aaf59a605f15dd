/* cmd_proof.c - accord proof inclusion|consistency: fetch an RFC 9162
 * proof from a node and verify it here (specs/cli.md §7). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/hex.h"
#include "common/merkle.h"

/* Decode the "proof" array of hashes; ACC_EDECODE / ACC_ETOOBIG. */
static int proof_hashes(const json_t *j, uint8_t (*out)[MERKLE_HASH_BYTES],
			size_t *count, struct acc_err *err)
{
	json_t *a = json_object_get(j, "proof");
	if (!json_is_array(a))
		return acc_err_set(err, ACC_EDECODE,
				   "answer: \"proof\" is not an array");
	if (json_array_size(a) > MERKLE_PROOF_HASHES_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "answer: proof of %zu hashes is over %u",
				   json_array_size(a), MERKLE_PROOF_HASHES_MAX);
	*count = json_array_size(a);
	for (size_t i = 0; i < *count; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s == NULL || strlen(s) != 2 * MERKLE_HASH_BYTES ||
		    hex_decode(out[i], MERKLE_HASH_BYTES, s) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "answer: proof[%zu] is not a hash",
					   i);
	}
	return 0;
}

static void json_print(const json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (t != NULL)
		printf("%s\n", t);
	free(t);
}

static int cmd_inclusion(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"index", "I", "log index of the entry", NULL},
	    {"id", "HEX", "id of the entry (64 hex digits)", NULL},
	    {"size", "N",
	     "tree size to prove against (default: the current log size)",
	     NULL},
	    {"root", "HEX",
	     "expected root of the tree of that size (default: the node's)",
	     NULL},
	    {"json", NULL, "print the proof JSON once it verifies", NULL},
	};
	struct arg_spec s = {
	    .cmd = "proof inclusion",
	    .usage = "(--index I | --id HEX) [--size N] [--root HEX] [--node "
		     "URL] [--json]",
	    .about = "Fetch an RFC 9162 inclusion proof and verify it locally "
		     "(§2.1.3.2);\n"
		     "also fetch the raw entry and check that its bytes hash "
		     "to the proven\n"
		     "leaf. Prints \"verified\" and exits 0, or says what "
		     "failed and exits 1.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *idx_s = args_get(&s, "index"), *id_s = args_get(&s, "id");
	const char *size_s = args_get(&s, "size"),
		   *root_s = args_get(&s, "root");
	struct acc_err err = {0};
	uint64_t index = 0, size = 0;
	uint8_t want_id[HASH_BYTES], want_root[HASH_BYTES];
	if ((idx_s == NULL) == (id_s == NULL)) {
		fprintf(stderr, "accord: proof inclusion: give exactly one of "
				"--index and --id\n");
		return CLI_EXIT_USAGE;
	}
	if ((idx_s && args_u64(idx_s, "--index", &index, &err) != 0) ||
	    (size_s && args_u64(size_s, "--size", &size, &err) != 0)) {
		fprintf(stderr, "accord: proof inclusion: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	if ((id_s && (strlen(id_s) != 64 ||
		      hex_decode(want_id, HASH_BYTES, id_s) != 0)) ||
	    (root_s && (strlen(root_s) != 64 ||
			hex_decode(want_root, HASH_BYTES, root_s) != 0))) {
		fprintf(stderr, "accord: proof inclusion: --id and --root are "
				"64 hex digits\n");
		return CLI_EXIT_USAGE;
	}
	struct http_client c;
	if (http_client_init(&c, &err) != 0)
		return cli_fail("proof inclusion", "%s", err.msg);
	int ret = CLI_EXIT_FAIL;
	json_t *j = NULL;
	char url[HTTP_URL_BYTES_MAX], sizeq[40] = "";
	if (size_s)
		(void)snprintf(sizeq, sizeof sizeq, "&size=%llu",
			       (unsigned long long)size);
	int u = idx_s ? http_url(url, node, "/v1/proofs/inclusion?index=%llu%s",
				 (unsigned long long)index, sizeq)
		      : http_url(url, node, "/v1/proofs/inclusion?id=%s%s",
				 id_s, sizeq);
	if (u != 0 || http_get_json(&c, url, &j, &err) != 0) {
		ret = cli_fail("proof inclusion", "%s",
			       err.msg[0] ? err.msg : "node URL too long");
		goto out;
	}
	uint64_t p_index, p_size;
	uint8_t leaf[HASH_BYTES], root[HASH_BYTES];
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES];
	size_t count;
	if (client_json_u64(j, "index", &p_index, &err) != 0 ||
	    client_json_u64(j, "tree_size", &p_size, &err) != 0 ||
	    client_json_hash(j, "leaf_hash", leaf, HASH_BYTES, &err) != 0 ||
	    client_json_hash(j, "root", root, HASH_BYTES, &err) != 0 ||
	    proof_hashes(j, proof, &count, &err) != 0) {
		ret = cli_fail("proof inclusion", "%s", err.msg);
		goto out;
	}
	/* The answer must be about what was asked. */
	if ((idx_s && p_index != index) || (size_s && p_size != size)) {
		ret = cli_fail("proof inclusion",
			       "the node answered for index %llu size %llu, "
			       "not what was asked",
			       (unsigned long long)p_index,
			       (unsigned long long)p_size);
		goto out;
	}
	if (id_s && memcmp(leaf, want_id, HASH_BYTES) != 0) {
		ret = cli_fail("proof inclusion",
			       "the proven leaf hash is not the id asked for");
		goto out;
	}
	if (root_s && memcmp(root, want_root, HASH_BYTES) != 0) {
		ret = cli_fail(
		    "proof inclusion",
		    "the node's root for size %llu is not the expected root",
		    (unsigned long long)p_size);
		goto out;
	}
	int vr = merkle_inclusion_verify(
	    p_index, p_size, leaf, (const uint8_t(*)[MERKLE_HASH_BYTES])proof,
	    count, root);
	if (vr != 0) {
		ret = cli_fail(
		    "proof inclusion",
		    "NOT verified: the proof of %zu hashes does not lead "
		    "from leaf %llu to the root of size %llu (%s)",
		    count, (unsigned long long)p_index,
		    (unsigned long long)p_size, acc_strerror(vr));
		goto out;
	}
	/* The leaf is the entry: its raw bytes must hash to the proven leaf. */
	char ref[32];
	(void)snprintf(ref, sizeof ref, "%llu", (unsigned long long)p_index);
	struct http_resp r;
	if (client_entry_raw(&c, node, ref, &r, &err) != 0) {
		ret = cli_fail("proof inclusion", "fetching entry %s: %s", ref,
			       err.msg);
		goto out;
	}
	uint8_t got[HASH_BYTES];
	merkle_leaf_hash(got, r.body, r.len);
	http_resp_free(&r);
	if (memcmp(got, leaf, HASH_BYTES) != 0) {
		ret = cli_fail(
		    "proof inclusion",
		    "NOT verified: the bytes of entry %s do not hash to "
		    "the proven leaf",
		    ref);
		goto out;
	}
	if (args_get(&s, "json")) {
		json_print(j);
	} else {
		char lh[65], rh[65];
		hex_encode(lh, leaf, HASH_BYTES);
		hex_encode(rh, root, HASH_BYTES);
		printf("verified: entry %llu (id %s) is in the log of size "
		       "%llu with root %s "
		       "(%zu proof hashes; entry bytes hash to the leaf)\n",
		       (unsigned long long)p_index, lh,
		       (unsigned long long)p_size, rh, count);
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(j);
	http_client_free(&c);
	return ret;
}

static int cmd_consistency(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"old", "M", "the older tree size", NULL},
	    {"new", "N", "the newer tree size (default: the current log size)",
	     NULL},
	    {"old-root", "HEX",
	     "expected root of the old tree (default: the node's)", NULL},
	    {"new-root", "HEX",
	     "expected root of the new tree (default: the node's)", NULL},
	    {"json", NULL, "print the proof JSON once it verifies", NULL},
	};
	struct arg_spec s = {
	    .cmd = "proof consistency",
	    .usage = "--old M [--new N] [--old-root HEX] [--new-root HEX] "
		     "[--node URL] [--json]",
	    .about =
		"Fetch an RFC 9162 consistency proof between two tree sizes "
		"and verify\n"
		"it locally (§2.1.4.2): the newer log extends the older one.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	struct acc_err err = {0};
	uint64_t old_size = 0, new_size = 0;
	uint8_t want_old[HASH_BYTES], want_new[HASH_BYTES];
	const char *old_s = args_get(&s, "old"), *new_s = args_get(&s, "new");
	const char *oroot_s = args_get(&s, "old-root"),
		   *nroot_s = args_get(&s, "new-root");
	if (old_s == NULL) {
		fprintf(stderr,
			"accord: proof consistency: --old M is required\n");
		return CLI_EXIT_USAGE;
	}
	if (args_u64(old_s, "--old", &old_size, &err) != 0 ||
	    (new_s && args_u64(new_s, "--new", &new_size, &err) != 0)) {
		fprintf(stderr, "accord: proof consistency: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	if ((oroot_s && (strlen(oroot_s) != 64 ||
			 hex_decode(want_old, HASH_BYTES, oroot_s) != 0)) ||
	    (nroot_s && (strlen(nroot_s) != 64 ||
			 hex_decode(want_new, HASH_BYTES, nroot_s) != 0))) {
		fprintf(stderr,
			"accord: proof consistency: roots are 64 hex digits\n");
		return CLI_EXIT_USAGE;
	}
	struct http_client c;
	if (http_client_init(&c, &err) != 0)
		return cli_fail("proof consistency", "%s", err.msg);
	int ret = CLI_EXIT_FAIL;
	json_t *j = NULL;
	char url[HTTP_URL_BYTES_MAX], newq[40] = "";
	if (new_s)
		(void)snprintf(newq, sizeof newq, "&new=%llu",
			       (unsigned long long)new_size);
	if (http_url(url, node, "/v1/proofs/consistency?old=%llu%s",
		     (unsigned long long)old_size, newq) != 0 ||
	    http_get_json(&c, url, &j, &err) != 0) {
		ret = cli_fail("proof consistency", "%s",
			       err.msg[0] ? err.msg : "node URL too long");
		goto out;
	}
	uint64_t p_old, p_new;
	uint8_t oroot[HASH_BYTES], nroot[HASH_BYTES];
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES];
	size_t count;
	if (client_json_u64(j, "old_size", &p_old, &err) != 0 ||
	    client_json_u64(j, "new_size", &p_new, &err) != 0 ||
	    client_json_hash(j, "old_root", oroot, HASH_BYTES, &err) != 0 ||
	    client_json_hash(j, "new_root", nroot, HASH_BYTES, &err) != 0 ||
	    proof_hashes(j, proof, &count, &err) != 0) {
		ret = cli_fail("proof consistency", "%s", err.msg);
		goto out;
	}
	if (p_old != old_size || (new_s && p_new != new_size)) {
		ret = cli_fail(
		    "proof consistency",
		    "the node answered for sizes %llu→%llu, not what "
		    "was asked",
		    (unsigned long long)p_old, (unsigned long long)p_new);
		goto out;
	}
	if ((oroot_s && memcmp(oroot, want_old, HASH_BYTES) != 0) ||
	    (nroot_s && memcmp(nroot, want_new, HASH_BYTES) != 0)) {
		ret = cli_fail("proof consistency",
			       "the node's roots are not the expected roots");
		goto out;
	}
	int vr = merkle_consistency_verify(
	    p_old, p_new, oroot, nroot,
	    (const uint8_t(*)[MERKLE_HASH_BYTES])proof, count);
	if (vr != 0) {
		ret = cli_fail(
		    "proof consistency",
		    "NOT verified: the proof of %zu hashes does not show "
		    "that the log of size %llu extends the log of size %llu "
		    "(%s)",
		    count, (unsigned long long)p_new, (unsigned long long)p_old,
		    acc_strerror(vr));
		goto out;
	}
	if (args_get(&s, "json")) {
		json_print(j);
	} else {
		char oh[65], nh[65];
		hex_encode(oh, oroot, HASH_BYTES);
		hex_encode(nh, nroot, HASH_BYTES);
		printf("verified: the log of size %llu (root %s) extends the "
		       "log of size %llu (root %s) "
		       "(%zu proof hashes)\n",
		       (unsigned long long)p_new, nh, (unsigned long long)p_old,
		       oh, count);
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(j);
	http_client_free(&c);
	return ret;
}

int cmd_proof(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"inclusion", cmd_inclusion,
	     "prove an entry is in the log, and verify"},
	    {"consistency", cmd_consistency,
	     "prove a log extends an older one, and verify"},
	};
	return cli_sub_run("proof", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
