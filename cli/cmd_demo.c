/* cmd_demo.c - accord demo: submit a scenario with every kind of entry,
 * read from a JSON file (demo/scenario.json), each entry waited for until
 * committed, and end with the compliance table (specs/cli.md §10). */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/build.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/compliance.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "common/vote.h"
#include "ledger/compliance.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "common/kv.h"
#include "ledger/rules.h"

#define DEMO_STEPS_MAX 1024u
#define DEMO_NAME_BYTES_MAX 64u
#define DEMO_FILE_BYTES_MAX (1024u * 1024u)

/* The ids of the steps done so far, for "$name" references. */
struct done_step {
	char name[DEMO_NAME_BYTES_MAX];
	uint8_t id[HASH_BYTES];
	int agreement; /* the step made an agreement */
};

struct demo {
	const char *scenario_dir;
	struct done_step *done;
	size_t done_len;
	struct acc_err err;
	/* --dry-run: the derived state the node would keep, in memory; the
	 * entries are applied to it with the node's rules at time now_s. */
	int dry;
	const struct genesis *g;
	struct kv state;
	uint64_t index; /* next log index */
	uint64_t now_s;
};

/* Resolve one "$…" string: "$name" is the id of an earlier step,
 * "$sha256-file:F" the SHA-256 of file F next to the scenario. */
static json_t *resolve_ref(struct demo *d, const char *s)
{
	char hex[2 * HASH_BYTES + 1];
	if (strncmp(s, "$sha256-file:", 13) == 0) {
		char path[PATH_MAX], *buf = NULL;
		size_t len = 0;
		(void)snprintf(path, sizeof path, "%s/%s", d->scenario_dir,
			       s + 13);
		if (cli_file_read(path, DEMO_FILE_BYTES_MAX, &buf, &len,
				  &d->err) != 0)
			return NULL;
		uint8_t h[HASH_BYTES];
		sha256(h, buf, len);
		free(buf);
		hex_encode(hex, h, HASH_BYTES);
		return json_string(hex);
	}
	for (size_t i = 0; i < d->done_len; i++)
		if (strcmp(d->done[i].name, s + 1) == 0) {
			hex_encode(hex, d->done[i].id, HASH_BYTES);
			return json_string(hex);
		}
	(void)acc_err_set(&d->err, ACC_ENOTFOUND,
			  "reference %.64s names no earlier step", s);
	return NULL;
}

/* Replace every "$…" string inside j (objects and arrays, bounded depth:
 * the scenario is trusted input, but a bound costs nothing). */
static int resolve(struct demo *d, json_t *j, int depth)
{
	if (depth > 16)
		return acc_err_set(&d->err, ACC_ETOOBIG,
				   "scenario nests too deep");
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
		{
			if (json_is_string(v) &&
			    json_string_value(v)[0] == '$') {
				json_t *r =
				    resolve_ref(d, json_string_value(v));
				if (r == NULL ||
				    json_object_set_new(j, k, r) != 0)
					return d->err.code ? d->err.code
							   : ACC_ENOMEM;
			} else if (resolve(d, v, depth + 1) != 0) {
				return d->err.code;
			}
		}
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++) {
			json_t *v = json_array_get(j, i);
			if (json_is_string(v) &&
			    json_string_value(v)[0] == '$') {
				json_t *r =
				    resolve_ref(d, json_string_value(v));
				if (r == NULL ||
				    json_array_set_new(j, i, r) != 0)
					return d->err.code ? d->err.code
							   : ACC_ENOMEM;
			} else if (resolve(d, v, depth + 1) != 0) {
				return d->err.code;
			}
		}
	}
	return 0;
}

/* Evidence of equivocation: two precommits of one validator for two
 * different blocks at one height and round, made here on purpose with the
 * validator's key (DESIGN.md "evidence"). */
static int build_equivocation(struct entry *e, const struct keyfile *vk,
			      const char *chain, uint64_t height,
			      uint32_t round, struct acc_err *err)
{
	uint8_t a[HASH_BYTES], b[HASH_BYTES];
	const char *ta = "accord demo: conflicting block A",
		   *tb = "accord demo: conflicting block B";
	sha256(a, ta, strlen(ta));
	sha256(b, tb, strlen(tb));
	memset(e, 0, sizeof *e);
	e->version = ENTRY_VERSION;
	e->kind = ENTRY_EVIDENCE;
	e->time = cli_now_ms() / 1000u;
	memcpy(e->evidence.validator, vk->key.pk, PUBKEY_BYTES);
	/* Ascending block hashes: one encoding per equivocation. */
	const uint8_t *lo = memcmp(a, b, HASH_BYTES) < 0 ? a : b;
	const uint8_t *hi = lo == a ? b : a;
	for (int i = 0; i < 2; i++) {
		struct evidence_vote *v = &e->evidence.votes[i];
		v->type = VOTE_PRECOMMIT;
		v->height = height;
		v->round = round;
		memcpy(v->block_hash, i == 0 ? lo : hi, HASH_BYTES);
		int rc = vote_sign(v->sig, &vk->key, chain, VOTE_PRECOMMIT,
				   height, round, v->block_hash);
		if (rc != 0)
			return acc_err_set(err, rc, "signing a vote");
	}
	return 0;
}

static int dry_row_cb(void *ctx, const struct compliance_row *r)
{
	json_t *j = compliance_row_to_json(r);
	if (j == NULL || json_array_append_new(ctx, j) != 0)
		return ACC_ENOMEM;
	return 0;
}

/* The answer GET /v1/compliance would give, computed from the dry run's
 * state with ledger/compliance.c at the dry run's time. */
static int dry_compliance(const struct demo *d, const char *party,
			  const char *agreement, json_t **ans,
			  struct acc_err *err)
{
	uint8_t id[HASH_BYTES];
	char t[TIME_TEXT_BYTES];
	if (agreement != NULL && (strlen(agreement) != 2 * HASH_BYTES ||
				  hex_decode(id, HASH_BYTES, agreement) != 0))
		return acc_err_set(err, ACC_EINVAL,
				   "\"agreement\" must name an agreement id");
	json_t *rows = json_array();
	fixed_time_format(t, d->now_s);
	*ans = json_pack("{s:I,s:s,s:o}", "height", (json_int_t)d->index,
			 "time", t, "rows", rows);
	if (*ans == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	int rc = compliance_eval(&d->state, d->now_s, party,
				 agreement ? id : NULL, dry_row_cb, rows, err);
	if (rc != 0) {
		json_decref(*ans);
		*ans = NULL;
	}
	return rc;
}

/*
 * Print the compliance rows of the agreements the scenario made (party
 * and agreement, when not NULL, narrow them as GET /v1/compliance does):
 * the table of specs/cli.md §11.3, or with --json one line
 * {"step":…,"compliance":[rows]}. They come from the node, or in a dry
 * run from the in-memory state.
 */
static int demo_compliance(const struct demo *d, struct http_client *c,
			   const char *node, const char *step,
			   const char *party, const char *agreement,
			   int as_json, struct acc_err *err)
{
	json_t *ans = NULL;
	int rc = d->dry
		     ? dry_compliance(d, party, agreement, &ans, err)
		     : compliance_fetch(c, node, party, agreement, &ans, err);
	if (rc == ACC_ENOTFOUND && !d->dry) {
		/* Only an unknown path answers 404 here: a node from before
		 * issue 4. The entries are committed all the same. */
		if (!as_json)
			printf("(no table: %s does not serve GET "
			       "/v1/compliance)\n",
			       node);
		return 0;
	}
	if (rc != 0)
		return rc;
	/* The scenario's agreements only, in the order of the story (the
	 * node answers in key order). */
	json_t *all = json_object_get(ans, "rows");
	json_t *rows = json_array();
	if (rows == NULL) {
		json_decref(ans);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < d->done_len; k++) {
		char hex[2 * HASH_BYTES + 1];
		if (!d->done[k].agreement)
			continue;
		hex_encode(hex, d->done[k].id, HASH_BYTES);
		for (size_t i = 0; i < json_array_size(all); i++) {
			json_t *row = json_array_get(all, i);
			const char *a = json_string_value(
			    json_object_get(row, "agreement"));
			if (a != NULL && strcmp(a, hex) == 0 &&
			    json_array_append(rows, row) != 0)
				rc = acc_err_set(err, ACC_ENOMEM,
						 "out of memory");
		}
	}
	if (rc == 0 && as_json) {
		json_t *o =
		    json_pack("{s:s,s:O}", "step", step, "compliance", rows);
		char *t = o ? json_dumps(o, JSON_COMPACT | QTY_JSON_DUMP_FLAGS)
			    : NULL;
		json_decref(o);
		if (t == NULL)
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		else
			printf("%s\n", t);
		free(t);
	} else if (rc == 0) {
		rc = compliance_table_print(stdout, rows, err);
	}
	json_decref(rows);
	json_decref(ans);
	fflush(stdout);
	return rc;
}

/* A "show" step: {"as","show":"compliance","party"?,"agreement"?,"say"}
 * prints the compliance table at that point of the story (specs/cli.md
 * §10); "$name" in agreement names an earlier step. */
static int demo_show(struct demo *d, struct http_client *c, const char *node,
		     const json_t *st, const char *as, int as_json,
		     struct acc_err *err)
{
	const char *what = json_string_value(json_object_get(st, "show"));
	const char *say = json_string_value(json_object_get(st, "say"));
	const char *party = json_string_value(json_object_get(st, "party"));
	const char *agr = json_string_value(json_object_get(st, "agreement"));
	json_t *ref = NULL;
	if (strcmp(what, "compliance") != 0)
		return acc_err_set(err, ACC_EINVAL,
				   "\"show\" knows only \"compliance\"");
	if (agr != NULL && agr[0] == '$') {
		d->err.code = 0;
		ref = resolve_ref(d, agr);
		if (ref == NULL) {
			*err = d->err;
			return err->code ? err->code : ACC_ENOMEM;
		}
		agr = json_string_value(ref);
	}
	if (!as_json)
		printf("\n%s%s:\n\n", say ? say : as,
		       d->dry ? " (dry run: the state in memory)" : "");
	int rc = demo_compliance(d, c, node, as, party, agr, as_json, err);
	if (rc == 0 && !as_json)
		printf("\n");
	json_decref(ref);
	return rc;
}

/*
 * --dry-run: what the node does on admission and when the block applies,
 * in memory: the stateless check against genesis (entry_check), then the
 * rules against the derived state (rules_apply, one entry per block at
 * the dry run's time), through an overlay so that a refused entry leaves
 * nothing behind. pr gets the id and the log index; height stays 0.
 */
static int entry_check_dry(struct demo *d, const uint8_t *bytes, size_t len,
			   struct post_result *pr, struct acc_err *err)
{
	struct entry e;
	struct kv ov;
	memset(pr, 0, sizeof *pr);
	int rc = entry_check(bytes, len, d->g, &e, err);
	if (rc != 0)
		return rc;
	entry_id(pr->id, bytes, len);
	if ((rc = kv_overlay_open(&ov, &d->state)) != 0) {
		entry_free(&e);
		return acc_err_set(err, rc, "out of memory");
	}
	rc = rules_apply(&ov, d->g, &e, pr->id, d->index, d->now_s, err);
	if (rc == 0)
		rc = kv_overlay_flush(&ov, &d->state);
	kv_overlay_close(&ov);
	entry_free(&e);
	if (rc == 0) {
		pr->committed = 1;
		pr->index = d->index++;
	}
	return rc;
}

static const struct keyfile *signer_key(const struct devnet_keys *keys,
					const char *id)
{
	const struct keyfile *k = devnet_keys_find(keys, "party", id);
	return k ? k : devnet_keys_find(keys, "verifier", id);
}

/* The scenario file: --scenario, else demo/scenario.json under the working
 * directory, else next to the binary's source tree (build/bin/../../demo). */
static int scenario_path(char *out, size_t n, const char *given)
{
	if (given != NULL) {
		(void)snprintf(out, n, "%s", given);
		return 0;
	}
	if (access("demo/scenario.json", R_OK) == 0) {
		(void)snprintf(out, n, "demo/scenario.json");
		return 0;
	}
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		self[len] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			int w = snprintf(out, n, "%s/../../demo/scenario.json",
					 self);
			if (w > 0 && (size_t)w < n && access(out, R_OK) == 0)
				return 0;
		}
	}
	return ACC_ENOTFOUND;
}

#define DEMO_NODES_MAX 16u
#define DEMO_URL_BYTES_MAX 256u
/* How long a node may take to hold a block another node committed. */
#define DEMO_WAIT_MS 30000u

/* The nodes of --node A,B,C. */
struct demo_nodes {
	char url[DEMO_NODES_MAX][DEMO_URL_BYTES_MAX];
	size_t len;
};

static int demo_nodes_parse(struct demo_nodes *n, const char *list)
{
	n->len = 0;
	const char *p = list;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= DEMO_URL_BYTES_MAX ||
		    n->len >= DEMO_NODES_MAX)
			return ACC_EINVAL;
		memcpy(n->url[n->len], p, len);
		n->url[n->len++][len] = '\0';
		p += len;
		if (*p == ',')
			p++;
	}
	return n->len > 0 ? 0 : ACC_EINVAL;
}

/* What one run of the demo holds besides struct demo: the command line,
 * the keys and the client; released by run_close. */
struct demo_run {
	struct demo d;
	struct demo_nodes nodes;
	const char *node; /* reads (the status check, the tables): the first */
	const char *dir;
	int as_json;
	/* The highest block that committed one of our entries: the node of
	 * the next step, or of a table, must hold it first. */
	uint64_t seen_h;
	size_t posted;
	char spath[PATH_MAX], sdir[PATH_MAX], gpath[PATH_MAX];
	struct genesis g;
	int g_loaded;
	struct devnet_keys keys;
	struct keyfile vk; /* the validator key, for an evidence step */
	int vk_loaded;
	struct http_client c;
	json_t *sc, *steps;
	size_t submitted, skipped;
};

/* Find the scenario and the directory its files are named from. */
static int run_paths(struct demo_run *r, const char *given)
{
	if (scenario_path(r->spath, sizeof r->spath, given) != 0)
		return cli_fail("demo", "demo/scenario.json not found (run "
					"from the repository root, "
					"or pass --scenario FILE)");
	(void)snprintf(r->sdir, sizeof r->sdir, "%s", r->spath);
	char *slash = strrchr(r->sdir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		(void)snprintf(r->sdir, sizeof r->sdir, ".");
	r->d.scenario_dir = r->sdir;
	return 0;
}

/* Genesis, keys, the scenario's steps and, unless dry, a node that runs
 * this genesis. 0 or an exit status (the reason printed). */
static int run_open(struct demo_run *r)
{
	struct acc_err err = {0};
	(void)snprintf(r->gpath, sizeof r->gpath, "%s/genesis.json", r->dir);
	if (genesis_load(&r->g, r->gpath, &err) != 0)
		return cli_fail("demo", "%s", err.msg);
	r->g_loaded = 1;
	r->d.g = &r->g;
	r->d.now_s = cli_now_ms() / 1000u;
	if (r->d.dry && kv_mem_open(&r->d.state) != 0)
		return cli_fail("demo", "out of memory");
	if (devnet_keys_load(&r->keys, r->dir, &err) != 0)
		return cli_fail("demo", "%s", err.msg);
	json_error_t je;
	r->sc = json_load_file(r->spath, JSON_REJECT_DUPLICATES, &je);
	if (r->sc == NULL)
		return cli_fail("demo", "%s: line %d: %s", r->spath, je.line,
				je.text);
	r->steps = json_object_get(r->sc, "steps");
	if (!json_is_array(r->steps) ||
	    json_array_size(r->steps) > DEMO_STEPS_MAX)
		return cli_fail("demo",
				"%s: \"steps\" must be an array of at most %u",
				r->spath, DEMO_STEPS_MAX);
	r->d.done = calloc(json_array_size(r->steps) + 1, sizeof *r->d.done);
	if (r->d.done == NULL || http_client_init(&r->c, &err) != 0)
		return cli_fail("demo", "out of memory");
	for (size_t k = 0; !r->d.dry && k < r->nodes.len; k++) {
		struct node_status ns;
		if (client_status(&r->c, r->nodes.url[k], &ns, &err) != 0)
			return cli_fail("demo", "%s", err.msg);
		if (memcmp(ns.genesis_hash, r->g.hash, HASH_BYTES) != 0)
			return cli_fail("demo", "%s runs another chain than %s",
					r->nodes.url[k], r->gpath);
	}
	return 0;
}

static void run_close(struct demo_run *r)
{
	json_decref(r->sc);
	kv_mem_close(&r->d.state);
	free(r->d.done);
	http_client_free(&r->c);
	if (r->vk_loaded)
		keyfile_free(&r->vk);
	devnet_keys_free(&r->keys);
	if (r->g_loaded)
		genesis_free(&r->g);
}

/* A "build": "equivocation" step: evidence that the validator named in
 * the step (DIR/<name>/validator.key) signed two votes. */
static int step_build_evidence(struct demo_run *r, const json_t *st,
			       struct entry *e, struct acc_err *err)
{
	const char *vname = json_string_value(json_object_get(st, "validator"));
	json_int_t h = json_integer_value(json_object_get(st, "height"));
	json_int_t rd = json_integer_value(json_object_get(st, "round"));
	char vpath[PATH_MAX];
	int rc = 0;
	(void)snprintf(vpath, sizeof vpath, "%s/%s/validator.key", r->dir,
		       vname ? vname : "node0");
	if (!r->vk_loaded && (rc = keyfile_load(&r->vk, vpath, err)) == 0)
		r->vk_loaded = 1;
	if (rc == 0 && (h < 1 || rd < 0 || rd > 0x7fffffff))
		rc = acc_err_set(err, ACC_EINVAL,
				 "height >= 1 and round 0..2^31-1");
	if (rc == 0)
		rc = build_equivocation(e, &r->vk, r->g.chain_id, (uint64_t)h,
					(uint32_t)rd, err);
	if (rc == 0)
		rc = entry_sign(e, &r->vk.key, r->g.chain_id, err);
	return rc;
}

/* An "entry" step (the caller checked it has an "entry" object): its
 * references resolved, its time defaulted to now, signed by each of its
 * "signers". kind receives the entry's kind. */
static int step_build_entry(struct demo_run *r, const json_t *st,
			    struct entry *e, char *kind, size_t kind_cap,
			    struct acc_err *err)
{
	json_t *ej = json_deep_copy(json_object_get(st, "entry"));
	if (ej == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	r->d.err.code = 0;
	int rc = resolve(&r->d, ej, 0);
	if (rc != 0)
		*err = r->d.err;
	if (rc == 0 && json_object_get(ej, "time") == NULL) {
		char t[TIME_TEXT_BYTES];
		fixed_time_format(t, cli_now_ms() / 1000u);
		(void)json_object_set_new(ej, "time", json_string(t));
	}
	const char *k = json_string_value(json_object_get(ej, "kind"));
	(void)snprintf(kind, kind_cap, "%s", k ? k : "?");
	if (rc == 0)
		rc = entry_from_json(e, ej, err);
	json_decref(ej);
	json_t *signers = json_object_get(st, "signers");
	for (size_t i = 0; rc == 0 && i < json_array_size(signers); i++) {
		const char *id = json_string_value(json_array_get(signers, i));
		const struct keyfile *kf = id ? signer_key(&r->keys, id) : NULL;
		if (kf == NULL)
			rc = acc_err_set(err, ACC_ENOTFOUND,
					 "no key file for signer %s in %s/keys",
					 id ? id : "?", r->dir);
		else
			rc = entry_sign(e, &kf->key, r->g.chain_id, err);
	}
	if (rc == 0 && json_array_size(signers) == 0)
		rc = acc_err_set(err, ACC_EINVAL, "no \"signers\"");
	return rc;
}

/* Encode e and submit it with ?wait=commit to the next node in turn,
 * once that node holds what the earlier steps committed (the entry may
 * refer to it), or check it in memory when dry; pr receives where it was
 * committed. */
static int step_submit(struct demo_run *r, const struct entry *e,
		       const char *via, struct post_result *pr,
		       struct acc_err *err)
{
	uint8_t *bytes = NULL;
	size_t blen = 0;
	int rc = 0;
	if (!r->d.dry)
		rc = client_wait_height(&r->c, via, r->seen_h, DEMO_WAIT_MS,
					err);
	if (rc == 0)
		rc = entry_encode(e, &bytes, &blen, err);
	if (rc == 0)
		rc = r->d.dry ? entry_check_dry(&r->d, bytes, blen, pr, err)
			      : client_entry_post(&r->c, via, bytes, blen, 1,
						  pr, err);
	free(bytes);
	return rc;
}

/* Remember the committed step (for "$name" references) and print it. */
static void step_done(struct demo_run *r, const char *as, const char *what,
		      const char *say, const char *via,
		      const struct post_result *pr)
{
	struct demo *d = &r->d;
	r->submitted++;
	r->posted++;
	if (pr->height > r->seen_h)
		r->seen_h = pr->height;
	memcpy(d->done[d->done_len].name, as, strlen(as) + 1);
	memcpy(d->done[d->done_len].id, pr->id, HASH_BYTES);
	d->done[d->done_len].agreement = strcmp(what, "agreement") == 0;
	d->done_len++;
	char id[2 * HASH_BYTES + 1];
	hex_encode(id, pr->id, HASH_BYTES);
	if (r->as_json)
		printf("{\"step\":\"%s\",\"kind\":\"%s\",\"id\":\"%s\","
		       "\"index\":%llu,\"height\":%llu}\n",
		       as, what, id, (unsigned long long)pr->index,
		       (unsigned long long)pr->height);
	else if (r->nodes.len > 1)
		printf("%-12s index %-4llu block %-4llu %.16s…  via %s  %s\n",
		       what, (unsigned long long)pr->index,
		       (unsigned long long)pr->height, id, via,
		       say ? say : as);
	else
		printf("%-12s index %-4llu block %-4llu %.16s…  %s\n", what,
		       (unsigned long long)pr->index,
		       (unsigned long long)pr->height, id, say ? say : as);
	fflush(stdout);
}

/* An optional step the node refused (or could not show): reported, and
 * the demo goes on. */
static void step_skipped(struct demo_run *r, const char *as, const char *what,
			 const char *why)
{
	r->skipped++;
	if (r->as_json)
		printf("{\"step\":\"%s\",\"kind\":\"%s\",\"skipped\":true}\n",
		       as, what);
	else
		printf("skipped %-14s %s: %s\n", as, what, why);
}

/* One step of the scenario: show a table, or build, sign and submit an
 * entry. 0 to go on, or CLI_EXIT_FAIL (the reason printed). */
static int run_step(struct demo_run *r, size_t i)
{
	json_t *st = json_array_get(r->steps, i);
	const char *as = json_string_value(json_object_get(st, "as"));
	const char *say = json_string_value(json_object_get(st, "say"));
	const char *buildk = json_string_value(json_object_get(st, "build"));
	int optional = json_is_true(json_object_get(st, "optional"));
	struct acc_err err = {0};
	if (as == NULL || strlen(as) >= DEMO_NAME_BYTES_MAX)
		return cli_fail("demo", "step %zu: \"as\" must name the step",
				i);
	if (json_is_string(json_object_get(st, "show"))) {
		if ((r->d.dry || client_wait_height(&r->c, r->node, r->seen_h,
						    DEMO_WAIT_MS, &err) == 0) &&
		    demo_show(&r->d, &r->c, r->node, st, as, r->as_json,
			      &err) == 0)
			return 0;
		if (!optional)
			return cli_fail("demo", "step %s: %s", as, err.msg);
		r->skipped++;
		if (!r->as_json)
			printf("skipped %-14s show: %s\n", as, err.msg);
		return 0;
	}
	struct entry e;
	struct post_result pr;
	char what[32] = "evidence";
	int rc;
	memset(&e, 0, sizeof e);
	int evidence = buildk != NULL && strcmp(buildk, "equivocation") == 0;
	/* A step that is neither is a wrong scenario, optional or not. */
	if (!evidence && !json_is_object(json_object_get(st, "entry")))
		return cli_fail("demo", "step %s: no \"entry\" object", as);
	if (evidence)
		rc = step_build_evidence(r, st, &e, &err);
	else
		rc = step_build_entry(r, st, &e, what, sizeof what, &err);
	const char *via = r->nodes.url[r->posted % r->nodes.len];
	if (rc == 0)
		rc = step_submit(r, &e, via, &pr, &err);
	entry_free(&e);
	if (rc != 0 && optional) {
		step_skipped(r, as, what, err.msg);
		return 0;
	}
	if (rc != 0)
		return cli_fail("demo", "step %s (%s): %s", as, what, err.msg);
	step_done(r, as, what, say, via, &pr);
	return 0;
}

/* The story ends with where every obligation stands. */
static int run_summary(struct demo_run *r)
{
	struct acc_err err = {0};
	if (!r->as_json) {
		printf("demo: %zu entries %s%s\n", r->submitted,
		       r->d.dry ? "built, signed and checked (dry run)"
				: "committed",
		       r->skipped ? " (some optional steps skipped, see above)"
				  : "");
		printf("\ncompliance of the demo's agreements, as %s "
		       "computes it now:\n\n",
		       r->d.dry ? "the dry run" : "the node");
	}
	if ((!r->d.dry && client_wait_height(&r->c, r->node, r->seen_h,
					     DEMO_WAIT_MS, &err) != 0) ||
	    demo_compliance(&r->d, &r->c, r->node, "end", NULL, NULL,
			    r->as_json, &err) != 0)
		return cli_fail("demo", "compliance table: %s", err.msg);
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL[,URL…]",
	     "the node, or several: entries go to each in turn (default " CLI_NODE_DEFAULT ")",
	     NULL},
	    {"keys", "DIR",
	     "the devnet directory: genesis.json, keys/, node0/validator.key "
	     "(default ./devnet)",
	     NULL},
	    {"scenario", "FILE", "the scenario (default demo/scenario.json)",
	     NULL},
	    {"dry-run", NULL,
	     "check every entry against genesis and the rules in memory, "
	     "and print the tables from that state; submit nothing",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "demo",
	    .usage = "[--node URL[,URL…]] [--keys DIR] [--scenario FILE] [--json] "
		     "[--dry-run]",
	    .about =
		"Submit the demo scenario: agreements among the devnet's "
		"parties,\n"
		"endorsements, reports, attestations, a challenge, a "
		"resolution, a\n"
		"superseding agreement, a governance entry and evidence, each "
		"signed with\n"
		"the devnet's keys and waited for until committed; one line "
		"per entry,\n"
		"then the compliance table of the scenario's agreements. "
		"Steps marked\n"
		"optional (governance, evidence) are reported as skipped when "
		"the node\n"
		"refuses them; any other refusal stops the demo with exit "
		"status 1.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct demo_run *r = calloc(1, sizeof *r);
	if (r == NULL)
		return cli_fail("demo", "out of memory");
	if (demo_nodes_parse(&r->nodes,
			     args_get_or(&s, "node", CLI_NODE_DEFAULT)) != 0) {
		free(r);
		return cli_fail("demo", "--node: at most %u URLs of at most %u "
					"bytes, comma-separated",
				DEMO_NODES_MAX, DEMO_URL_BYTES_MAX - 1);
	}
	r->node = r->nodes.url[0];
	r->dir = args_get_or(&s, "keys", "devnet");
	r->as_json = s.format == ARGS_FORMAT_JSON;
	r->d.dry = args_get(&s, "dry-run") != NULL;
	int ret = run_paths(r, args_get(&s, "scenario"));
	if (ret == 0)
		ret = run_open(r);
	if (ret == 0 && !r->as_json) {
		const char *name =
		    json_string_value(json_object_get(r->sc, "name"));
		printf("demo: %s\n", name ? name : r->spath);
	}
	for (size_t i = 0; ret == 0 && i < json_array_size(r->steps); i++)
		ret = run_step(r, i);
	if (ret == 0)
		ret = run_summary(r);
	run_close(r);
	free(r);
	return ret;
}
