/* cmd_proof.c - accord proof inclusion|consistency: fetch an RFC 9162
 * proof from a node and verify it here (specs/cli.md §7). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/evidence.h"
#include "common/hex.h"
#include "common/merkle.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

static void json_print(const json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (t != NULL)
		printf("%s\n", t);
	free(t);
}

static int evidence_file_write(const char *dir, const char *name, const void *p,
			       size_t n, struct acc_err *err)
{
	char path[1200];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path)
		return acc_err_set(err, ACC_EIO, "%s: path too long", dir);
	FILE *f = fopen(path, "wbx");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "%s: %s", path,
				   strerror(errno));
	int bad = fwrite(p, 1, n, f) != n;
	bad |= fclose(f) != 0;
	return bad ? acc_err_set(err, ACC_EIO, "%s: cannot write", path) : 0;
}

/*
 * --save (specs/cli.md §7.1): the node's checkpoint note, read first so
 * that the proof is asked for the size its validators cosigned; its text
 * is parsed here only for the size (proof verify checks the cosignatures
 * against genesis).
 */
static int checkpoint_fetch(struct http_client *c, const char *node,
			    struct http_resp *r, uint64_t *size,
			    struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	struct note *n = NULL;
	struct checkpoint cp;
	int rc;
	memset(r, 0, sizeof *r);
	if (http_url(url, node, "/v1/checkpoint") != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	if ((rc = http_request(c, "GET", url, "text/plain", NULL, NULL, 0, r,
			       err)) != 0)
		return rc;
	if (r->status != 200)
		return http_resp_error(r, err);
	if (r->len > NOTE_BYTES_MAX || (n = malloc(sizeof *n)) == NULL)
		return acc_err_set(err, ACC_ETOOBIG,
				   "the checkpoint is too large");
	struct acc_err e = {0};
	rc = note_parse(n, r->body, r->len, &e);
	if (rc == 0)
		rc = checkpoint_text_parse(&cp, n->text, n->text_len, &e);
	free(n);
	if (rc != 0)
		return acc_err_set(err, rc, "the node's checkpoint: %s", e.msg);
	if (cp.size == 0)
		return acc_err_set(err, ACC_ERANGE,
				   "the node's checkpoint is of the empty log");
	*size = cp.size;
	return 0;
}

/* Write the four files of specs/cli.md §7.1. The genesis hash is the
 * node's (GET /v1/status): proof verify compares it with the genesis file
 * it is given. */
static int evidence_save(struct http_client *c, const char *node,
			 const char *dir, const struct http_resp *note,
			 uint64_t index, uint64_t size,
			 const uint8_t leaf[HASH_BYTES],
			 const uint8_t root[HASH_BYTES],
			 uint8_t (*proof)[MERKLE_HASH_BYTES], size_t count,
			 const struct http_resp *entry, struct acc_err *err)
{
	struct node_status st;
	char gh[2 * HASH_BYTES + 2], *pj = NULL;
	size_t pjl = 0;
	int rc = client_status(c, node, &st, err);
	if (rc != 0)
		return rc;
	hex_encode(gh, st.genesis_hash, HASH_BYTES);
	gh[2 * HASH_BYTES] = '\n';
	gh[2 * HASH_BYTES + 1] = '\0';
	rc = evidence_proof_format(index, size, leaf, root,
				   (const uint8_t(*)[MERKLE_HASH_BYTES])proof,
				   count, &pj, &pjl);
	if (rc != 0)
		return acc_err_set(err, rc, "%s", acc_strerror(rc));
	if ((rc = evidence_file_write(dir, EVIDENCE_NOTE, note->body, note->len,
				      err)) == 0 &&
	    (rc = evidence_file_write(dir, EVIDENCE_PROOF, pj, pjl, err)) ==
		0 &&
	    (rc = evidence_file_write(dir, EVIDENCE_ENTRY, entry->body,
				      entry->len, err)) == 0)
		rc = evidence_file_write(dir, EVIDENCE_GENESIS, gh,
					 2 * HASH_BYTES + 1, err);
	free(pj);
	return rc;
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
	    {"save", "DIR",
	     "prove against the node's cosigned checkpoint and keep the "
	     "evidence in DIR (new or empty) for proof verify",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "proof inclusion",
	    .usage = "(--index I | --id HEX) [--size N | --save DIR] [--root "
		     "HEX] [--node URL] [--json]",
	    .about = "Fetch an RFC 9162 inclusion proof and verify it locally "
		     "(§2.1.3.2);\n"
		     "also fetch the raw entry and check that its bytes hash "
		     "to the proven\n"
		     "leaf. Prints \"verified\" and exits 0, or says what "
		     "failed and exits 1.\n"
		     "With --save DIR the proof is for the size of the node's "
		     "checkpoint, and\n"
		     "DIR keeps " EVIDENCE_NOTE ", " EVIDENCE_PROOF
		     ", " EVIDENCE_ENTRY " and " EVIDENCE_GENESIS ":\n"
		     "`accord proof verify DIR --genesis FILE` checks them "
		     "later with no node.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *idx_s = args_get(&s, "index"), *id_s = args_get(&s, "id");
	const char *size_s = args_get(&s, "size"),
		   *root_s = args_get(&s, "root");
	const char *save = args_get(&s, "save");
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
	if (save != NULL && size_s != NULL) {
		fprintf(stderr, "accord: proof inclusion: with --save the size "
				"is the checkpoint's: no --size\n");
		return CLI_EXIT_USAGE;
	}
	struct http_client c;
	if (http_client_init(&c, &err) != 0)
		return cli_fail("proof inclusion", "%s", err.msg);
	int ret = CLI_EXIT_FAIL;
	json_t *j = NULL;
	struct http_resp note = {0}, r = {0};
	char url[HTTP_URL_BYTES_MAX], sizeq[40] = "";
	if (save != NULL) {
		if (cli_dir_make_empty(save, "evidence is saved into a new or empty directory", &err) != 0 ||
		    checkpoint_fetch(&c, node, &note, &size, &err) != 0) {
			ret = cli_fail("proof inclusion", "%s", err.msg);
			goto out;
		}
		size_s = "checkpoint";
	}
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
	struct proof_inclusion_answer ans;
	if (client_proof_inclusion_parse(j, &ans, &err) != 0) {
		ret = cli_fail("proof inclusion", "%s", err.msg);
		goto out;
	}
	uint64_t p_index = ans.index, p_size = ans.tree_size;
	const uint8_t *leaf = ans.leaf_hash, *root = ans.root;
	uint8_t(*proof)[MERKLE_HASH_BYTES] = ans.proof;
	size_t count = ans.count;
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
	if (client_entry_raw(&c, node, ref, &r, &err) != 0) {
		ret = cli_fail("proof inclusion", "fetching entry %s: %s", ref,
			       err.msg);
		goto out;
	}
	uint8_t got[HASH_BYTES];
	merkle_leaf_hash(got, r.body, r.len);
	if (memcmp(got, leaf, HASH_BYTES) != 0) {
		ret = cli_fail(
		    "proof inclusion",
		    "NOT verified: the bytes of entry %s do not hash to "
		    "the proven leaf",
		    ref);
		goto out;
	}
	if (save != NULL &&
	    evidence_save(&c, node, save, &note, p_index, p_size, leaf, root,
			  proof, count, &r, &err) != 0) {
		ret = cli_fail("proof inclusion", "--save: %s", err.msg);
		goto out;
	}
	if (s.format == ARGS_FORMAT_JSON) {
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
		if (save != NULL)
			printf("evidence saved in %s: check it with no node: "
			       "accord proof verify %s --genesis FILE\n",
			       save, save);
	}
	ret = CLI_EXIT_OK;
out:
	http_resp_free(&note);
	http_resp_free(&r);
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
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
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
	struct proof_consistency_answer ans;
	if (client_proof_consistency_parse(j, &ans, &err) != 0) {
		ret = cli_fail("proof consistency", "%s", err.msg);
		goto out;
	}
	uint64_t p_old = ans.old_size, p_new = ans.new_size;
	const uint8_t *oroot = ans.old_root, *nroot = ans.new_root;
	uint8_t(*proof)[MERKLE_HASH_BYTES] = ans.proof;
	size_t count = ans.count;
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
	if (s.format == ARGS_FORMAT_JSON) {
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

/* Read DIR/name of at most max bytes into *out (owned). */
static int evidence_file_read(const char *dir, const char *name, size_t max,
			      char **out, size_t *len, struct acc_err *err)
{
	char path[1200];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path)
		return acc_err_set(err, ACC_EIO, "%s: path too long", dir);
	return cli_file_read(path, max, out, len, err);
}

static int cmd_verify(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"genesis", "FILE",
	     "the consortium's genesis file: the only thing trusted", NULL},
	};
	struct arg_spec s = {
	    .cmd = "proof verify",
	    .usage = "DIR --genesis FILE [--json]",
	    .about =
		"Check evidence saved by `accord proof inclusion --save DIR`, "
		"with no node:\n"
		"the genesis hash it names is the genesis file's; the "
		"checkpoint is cosigned\n"
		"by validators of that genesis holding more than 2/3 of the "
		"power; the\n"
		"inclusion proof leads from the entry's leaf hash to the "
		"cosigned root; the\n"
		"entry's signatures verify and its signers are in genesis. "
		"Every file must\n"
		"be exactly as saved: one changed byte fails. Exit 0 when it "
		"all holds.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .pos_min = 1,
	    .pos_max = 1,
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *gpath = args_get_or(&s, "genesis", NULL), *dir = s.pos[0];
	if (gpath == NULL) {
		fprintf(stderr,
			"accord: proof verify: --genesis FILE is required\n");
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct genesis g;
	if (genesis_load(&g, gpath, &err) != 0)
		return cli_fail("proof verify", "genesis %s: %s", gpath,
				err.msg);
	char *note = NULL, *proof = NULL, *entry = NULL, *gh = NULL;
	size_t nl = 0, pl = 0, el = 0, gl = 0;
	int ret = CLI_EXIT_FAIL;
	struct evidence_verdict *v = malloc(sizeof *v);
	if (v == NULL) {
		ret = cli_fail("proof verify", "out of memory");
		goto out;
	}
	if (evidence_file_read(dir, EVIDENCE_NOTE, NOTE_BYTES_MAX, &note, &nl,
			       &err) != 0 ||
	    evidence_file_read(dir, EVIDENCE_PROOF, EVIDENCE_PROOF_BYTES_MAX,
			       &proof, &pl, &err) != 0 ||
	    evidence_file_read(dir, EVIDENCE_ENTRY, ENTRY_BYTES_MAX, &entry,
			       &el, &err) != 0 ||
	    evidence_file_read(dir, EVIDENCE_GENESIS, 256, &gh, &gl, &err) !=
		0) {
		ret = cli_fail("proof verify", "%s", err.msg);
		goto out;
	}
	struct incl_evidence ev = {
	    .note = note,
	    .note_len = nl,
	    .proof = proof,
	    .proof_len = pl,
	    .entry = (const uint8_t *)entry,
	    .entry_len = el,
	    .genesis_hash = gh,
	    .genesis_hash_len = gl,
	};
	if (evidence_check(&g, &ev, v, &err) != 0) {
		ret = cli_fail("proof verify", "NOT verified: %s/%s", dir,
			       err.msg);
		goto out;
	}
	char lh[2 * HASH_BYTES + 1], rh[2 * HASH_BYTES + 1], t[TIME_TEXT_BYTES];
	hex_encode(lh, v->leaf, HASH_BYTES);
	hex_encode(rh, v->cp.cp.root, HASH_BYTES);
	fixed_time_format(t, v->cp.time_max);
	if (s.format == ARGS_FORMAT_JSON)
		printf("{\"verified\":true,\"index\":%llu,\"id\":\"%s\","
		       "\"kind\":\"%s\",\"origin\":\"%s\",\"size\":%llu,"
		       "\"root\":\"%s\",\"cosigners\":%zu,\"validators\":%zu,"
		       "\"time\":\"%s\",\"proof_hashes\":%zu}\n",
		       (unsigned long long)v->index, lh,
		       entry_kind_name(v->kind), v->cp.cp.origin,
		       (unsigned long long)v->cp.cp.size, rh, v->cp.signers,
		       g.validator_count, t, v->proof_hashes);
	else
		printf("verified with no node: %s entry %llu (id %s) is in the "
		       "log of %s of size %llu with root %s, cosigned at %s by "
		       "%zu of %zu validators (%zu proof hashes; entry bytes "
		       "hash to the leaf; its signatures verify)\n",
		       entry_kind_name(v->kind), (unsigned long long)v->index,
		       lh, v->cp.cp.origin, (unsigned long long)v->cp.cp.size,
		       rh, t, v->cp.signers, g.validator_count,
		       v->proof_hashes);
	ret = CLI_EXIT_OK;
out:
	free(v);
	free(note);
	free(proof);
	free(entry);
	free(gh);
	genesis_free(&g);
	return ret;
}

int cmd_proof(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"inclusion", cmd_inclusion,
	     "prove an entry is in the log, and verify"},
	    {"consistency", cmd_consistency,
	     "prove a log extends an older one, and verify"},
	    {"verify", cmd_verify,
	     "check saved inclusion evidence with no node"},
	};
	return cli_sub_run("proof", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
