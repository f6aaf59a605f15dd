/* devnet.c - the files of a local devnet (specs/cli.md §4). */
#include "cli/devnet.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "ledger/genesis.h"

/* The demo consortium (DESIGN.md "Who uses it"): the four provinces of the
 * Beijing–Tianjin–Hebei airshed and its neighbour Shandong, and the
 * national monitoring centre as the accredited verifier. */
static const struct {
	const char *id, *name;
} known_names[] = {
    {"CN-BJ", "Beijing"},
    {"CN-TJ", "Tianjin"},
    {"CN-HE", "Hebei"},
    {"CN-SD", "Shandong"},
    {"CN-SX", "Shanxi"},
    {"CN-NM", "Inner Mongolia"},
    {"CN-HA", "Henan"},
    {"CNEMC", "China National Environmental Monitoring Centre"},
};

#define DEVNET_PARTIES_DEFAULT "CN-BJ,CN-TJ,CN-HE,CN-SD"
#define DEVNET_VERIFIERS_DEFAULT "CNEMC"

const char *devnet_party_name(const char *id)
{
	for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
		if (strcmp(known_names[i].id, id) == 0)
			return known_names[i].name;
	return id;
}

uint32_t devnet_nodes_count(const char *dir)
{
	char path[DEVNET_PATH_BYTES_MAX];
	uint32_t n = 0;
	for (; n < DEVNET_NODES_MAX; n++) {
		struct stat st;
		int w = snprintf(path, sizeof path, "%s/node%u/config.json",
				 dir, n);
		if (w < 0 || (size_t)w >= sizeof path || stat(path, &st) != 0)
			break;
	}
	return n;
}

int devnet_node_url(const char *dir, uint32_t i, char *url, size_t url_len,
		    struct acc_err *err)
{
	char path[DEVNET_PATH_BYTES_MAX];
	int w = snprintf(path, sizeof path, "%s/node%u/config.json", dir, i);
	if (w < 0 || (size_t)w >= sizeof path)
		return acc_err_set(err, ACC_ETOOBIG, "path too long");
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (j == NULL)
		return acc_err_set(err, ACC_ECONFIG, "%s: %s", path, je.text);
	const char *listen =
	    json_string_value(json_object_get(j, "http_listen"));
	int rc = 0;
	if (listen == NULL) {
		rc = acc_err_set(err, ACC_ECONFIG, "%s: no \"http_listen\"",
				 path);
	} else {
		w = snprintf(url, url_len, "http://%s", listen);
		if (w < 0 || (size_t)w >= url_len)
			rc = acc_err_set(err, ACC_ETOOBIG,
					 "%s: http_listen too long", path);
	}
	json_decref(j);
	return rc;
}

/* A list of ids parsed from "A,B,C". */
struct id_list {
	char ids[PARTIES_MAX][PARTY_ID_BYTES_MAX];
	size_t len;
};

static int id_list_parse(struct id_list *l, const char *text, const char *what,
			 size_t max, struct acc_err *err)
{
	l->len = 0;
	const char *p = text;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= PARTY_ID_BYTES_MAX)
			return acc_err_set(err, ACC_EINVAL,
					   "%s: ids must be 1..%u characters",
					   what, PARTY_ID_BYTES_MAX - 1);
		for (size_t i = 0; i < n; i++) {
			char c = p[i];
			if (!((c >= 'A' && c <= 'Z') ||
			      (c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			      c == '.'))
				return acc_err_set(
				    err, ACC_EINVAL,
				    "%s: \"%.*s\": ids use letters, digits, "
				    "'-', '_' and '.'",
				    what, (int)n, p);
		}
		if (l->len >= max)
			return acc_err_set(err, ACC_EINVAL,
					   "%s: more than %zu ids", what, max);
		memcpy(l->ids[l->len], p, n);
		l->ids[l->len][n] = '\0';
		for (size_t j = 0; j < l->len; j++)
			if (strcmp(l->ids[j], l->ids[l->len]) == 0)
				return acc_err_set(err, ACC_EINVAL,
						   "%s: \"%s\" twice", what,
						   l->ids[j]);
		l->len++;
		p += n;
		if (*p == ',')
			p++;
	}
	if (l->len == 0)
		return acc_err_set(err, ACC_EINVAL, "%s: empty list", what);
	return 0;
}

static int mkdir_checked(const char *path, struct acc_err *err)
{
	if (mkdir(path, 0755) != 0)
		return acc_err_set(err, ACC_EIO, "mkdir %s: %s", path,
				   strerror(errno));
	return 0;
}

/* dir must not exist, or be an empty directory. */
static int dir_prepare(const char *dir, struct acc_err *err)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return mkdir_checked(dir, err);
		return acc_err_set(err, ACC_EIO, "%s: %s", dir,
				   strerror(errno));
	}
	struct dirent *de;
	int empty = 1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	(void)closedir(d);
	if (!empty)
		return acc_err_set(err, ACC_EINVAL,
				   "%s exists and is not empty; "
				   "refusing to overwrite a devnet",
				   dir);
	return 0;
}

static int path_fmt(char out[DEVNET_PATH_BYTES_MAX], struct acc_err *err,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int path_fmt(char out[DEVNET_PATH_BYTES_MAX], struct acc_err *err,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(out, DEVNET_PATH_BYTES_MAX, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= DEVNET_PATH_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "path too long");
	return 0;
}

/* A new random key saved to path; its public key copied to pk. */
static int key_make(const char *path, const char *role, const char *id,
		    uint8_t pk[PUBKEY_BYTES], struct acc_err *err)
{
	struct keyfile kf;
	memset(&kf, 0, sizeof kf);
	(void)snprintf(kf.role, sizeof kf.role, "%s", role);
	(void)snprintf(kf.id, sizeof kf.id, "%s", id);
	if (key_new(&kf.key) != 0)
		return acc_err_set(err, ACC_ENOMEM, "out of memory for a key");
	memcpy(pk, kf.key.pk, PUBKEY_BYTES);
	int rc = keyfile_save(&kf, path, 0, err);
	keyfile_free(&kf);
	return rc;
}

/* "127.0.0.1:PORT" as a new JSON string. */
static json_t *addr_json(uint32_t port)
{
	char a[32];
	(void)snprintf(a, sizeof a, "127.0.0.1:%u", port);
	return json_string(a);
}

static json_t *key_json(const uint8_t pk[PUBKEY_BYTES])
{
	char hex[2 * PUBKEY_BYTES + 1];
	hex_encode(hex, pk, PUBKEY_BYTES);
	return json_string(hex);
}

/* The config of node i (specs/cli.md §4): a validator lists every other
 * validator as a peer and every follower's key; a follower lists every
 * validator as a peer. Empty "followers" and the default "role" are left
 * out, so that a one-validator devnet's config is also one a node without
 * the network reads. */
static json_t *config_json(const struct devnet_params *p,
			   const struct genesis *g,
			   const uint8_t (*follower_pks)[PUBKEY_BYTES],
			   uint32_t i)
{
	int follower = i >= p->nodes;
	json_t *j = json_object(), *peers = json_array(), *fl = NULL;
	int bad = j == NULL || peers == NULL;
	bad |= json_object_set_new(j, "genesis",
				   json_string("../genesis.json")) != 0;
	if (follower)
		bad |= json_object_set_new(j, "role",
					   json_string("follower")) != 0;
	bad |= json_object_set_new(
		   j, "key",
		   json_string(follower ? "follower.key" : "validator.key")) !=
	       0;
	bad |= json_object_set_new(j, "data_dir", json_string("data")) != 0;
	if (!follower)
		bad |= json_object_set_new(j, "validator",
					   json_integer((json_int_t)i)) != 0;
	bad |= json_object_set_new(j, "http_listen",
				   addr_json(p->http_port + i)) != 0;
	bad |= json_object_set_new(
		   j, "p2p_listen",
		   addr_json(p->http_port + DEVNET_P2P_OFFSET + i)) != 0;
	for (uint32_t v = 0; !bad && v < p->nodes; v++) {
		if (v == i)
			continue;
		json_t *peer = json_object();
		bad |= peer == NULL;
		bad |= json_object_set_new(peer, "key",
					   key_json(g->validators[v].key)) != 0;
		bad |= json_object_set_new(
			   peer, "addr",
			   addr_json(p->http_port + DEVNET_P2P_OFFSET + v)) !=
		       0;
		bad |= json_array_append_new(peers, peer) != 0;
	}
	bad |= json_object_set(j, "peers", peers) != 0;
	if (!follower && p->followers > 0) {
		fl = json_array();
		bad |= fl == NULL;
		for (uint32_t f = 0; !bad && f < p->followers; f++)
			bad |= json_array_append_new(
				   fl, key_json(follower_pks[f])) != 0;
		bad |= json_object_set(j, "followers", fl) != 0;
	}
	bad |= json_object_set_new(j, "log_level", json_string("info")) != 0;
	json_decref(peers);
	json_decref(fl);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int config_write(const struct devnet_params *p, const struct genesis *g,
			const uint8_t (*follower_pks)[PUBKEY_BYTES], uint32_t i,
			struct acc_err *err)
{
	char path[DEVNET_PATH_BYTES_MAX];
	int rc = path_fmt(path, err, "%s/node%u/config.json", p->dir, i);
	if (rc != 0)
		return rc;
	json_t *j = config_json(p, g, follower_pks, i);
	if (j == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	FILE *f = fopen(path, "wx");
	if (f == NULL) {
		rc = acc_err_set(err, ACC_EIO, "%s: %s", path, strerror(errno));
	} else {
		int bad = fprintf(f, "%s\n", text) < 0;
		bad |= fclose(f) != 0;
		if (bad)
			rc = acc_err_set(err, ACC_EIO, "%s: write error", path);
	}
	free(text);
	return rc;
}

/* DIR/node<i>/ and its empty data/. */
static int node_dir_make(const char *dir, uint32_t i, struct acc_err *err)
{
	char path[DEVNET_PATH_BYTES_MAX];
	int rc;
	if ((rc = path_fmt(path, err, "%s/node%u", dir, i)) != 0 ||
	    (rc = mkdir_checked(path, err)) != 0 ||
	    (rc = path_fmt(path, err, "%s/node%u/data", dir, i)) != 0 ||
	    (rc = mkdir_checked(path, err)) != 0)
		return rc;
	return 0;
}

/* Parameters for validators that share one machine and a loopback
 * network: short consensus timeouts (specs/cli.md §4). */
static void devnet_params_set(struct genesis_params *gp)
{
	genesis_params_default(gp);
	gp->timeout_propose_ms = 1000;
	gp->timeout_prevote_ms = 500;
	gp->timeout_precommit_ms = 500;
	gp->timeout_delta_ms = 250;
}

int devnet_init(const struct devnet_params *p, struct acc_err *err)
{
	struct id_list *parties = NULL, *verifiers = NULL;
	uint8_t(*follower_pks)[PUBKEY_BYTES] = NULL;
	struct genesis g;
	char path[DEVNET_PATH_BYTES_MAX];
	int rc;
	memset(&g, 0, sizeof g);
	if (p->dir == NULL || p->dir[0] == '\0')
		return acc_err_set(err, ACC_EINVAL, "no directory given");
	if (p->nodes < 1 || p->nodes > DEVNET_NODES_MAX)
		return acc_err_set(err, ACC_EINVAL, "nodes must be 1..%u",
				   DEVNET_NODES_MAX);
	if (p->followers > DEVNET_NODES_MAX - p->nodes)
		return acc_err_set(err, ACC_EINVAL,
				   "nodes + followers must be at most %u",
				   DEVNET_NODES_MAX);
	uint32_t total = p->nodes + p->followers;
	if (p->http_port < 1 ||
	    p->http_port + DEVNET_P2P_OFFSET + total > 65535)
		return acc_err_set(err, ACC_EINVAL,
				   "http port %u leaves no room for %u nodes",
				   p->http_port, total);
	parties = calloc(1, sizeof *parties);
	verifiers = calloc(1, sizeof *verifiers);
	if (parties == NULL || verifiers == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	rc = id_list_parse(parties,
			   p->parties ? p->parties : DEVNET_PARTIES_DEFAULT,
			   "--parties", PARTIES_MAX, err);
	if (rc != 0)
		goto out;
	rc = id_list_parse(
	    verifiers, p->verifiers ? p->verifiers : DEVNET_VERIFIERS_DEFAULT,
	    "--verifiers", VERIFIERS_MAX, err);
	if (rc != 0)
		goto out;
	/* Key files are named by id, so a party and a verifier may not share
	 * one. */
	for (size_t i = 0; i < parties->len; i++)
		for (size_t j = 0; j < verifiers->len; j++)
			if (strcmp(parties->ids[i], verifiers->ids[j]) == 0) {
				rc = acc_err_set(
				    err, ACC_EINVAL,
				    "\"%s\" is both a party and a verifier",
				    parties->ids[i]);
				goto out;
			}
	g.parties = calloc(parties->len, sizeof *g.parties);
	g.verifiers = calloc(verifiers->len, sizeof *g.verifiers);
	g.validators = calloc(p->nodes, sizeof *g.validators);
	follower_pks = calloc(p->followers ? p->followers : 1,
			      sizeof *follower_pks);
	if (g.parties == NULL || g.verifiers == NULL || g.validators == NULL ||
	    follower_pks == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = dir_prepare(p->dir, err)) != 0)
		goto out;
	if ((rc = path_fmt(path, err, "%s/keys", p->dir)) != 0 ||
	    (rc = mkdir_checked(path, err)) != 0)
		goto out;
	(void)snprintf(g.chain_id, sizeof g.chain_id, "%s", DEVNET_CHAIN_ID);
	g.genesis_time =
	    (p->genesis_time_ms ? p->genesis_time_ms : cli_now_ms()) / 1000u;
	for (size_t i = 0; i < parties->len; i++) {
		struct genesis_party *gp = &g.parties[i];
		(void)snprintf(gp->id, sizeof gp->id, "%s", parties->ids[i]);
		(void)snprintf(gp->name, sizeof gp->name, "%s",
			       devnet_party_name(parties->ids[i]));
		gp->key_count = 1;
		if ((rc = path_fmt(path, err, "%s/keys/%s.key", p->dir,
				   gp->id)) != 0 ||
		    (rc = key_make(path, "party", gp->id, gp->keys[0], err)) !=
			0)
			goto out;
		g.party_count++;
	}
	for (size_t i = 0; i < verifiers->len; i++) {
		struct genesis_verifier *gv = &g.verifiers[i];
		(void)snprintf(gv->id, sizeof gv->id, "%s", verifiers->ids[i]);
		(void)snprintf(gv->name, sizeof gv->name, "%s",
			       devnet_party_name(verifiers->ids[i]));
		if ((rc = path_fmt(path, err, "%s/keys/%s.key", p->dir,
				   gv->id)) != 0 ||
		    (rc = key_make(path, "verifier", gv->id, gv->key, err)) !=
			0)
			goto out;
		g.verifier_count++;
	}
	for (uint32_t i = 0; i < p->nodes; i++) {
		struct genesis_validator *gv = &g.validators[i];
		(void)snprintf(gv->name, sizeof gv->name, "node%u", i);
		(void)snprintf(gv->party, sizeof gv->party, "%s",
			       parties->ids[i % parties->len]);
		(void)snprintf(gv->address, sizeof gv->address, "127.0.0.1:%u",
			       p->http_port + DEVNET_P2P_OFFSET + i);
		(void)snprintf(gv->http, sizeof gv->http, "127.0.0.1:%u",
			       p->http_port + i);
		gv->power = 1;
		if ((rc = node_dir_make(p->dir, i, err)) != 0 ||
		    (rc = path_fmt(path, err, "%s/node%u/validator.key", p->dir,
				   i)) != 0 ||
		    (rc = key_make(path, "validator", gv->name, gv->key,
				   err)) != 0)
			goto out;
		g.validator_count++;
	}
	/* Followers: a key of their own (role "follower", specs/keyfile.md),
	 * named like their directory; not in genesis. */
	for (uint32_t f = 0; f < p->followers; f++) {
		uint32_t i = p->nodes + f;
		char name[16];
		(void)snprintf(name, sizeof name, "node%u", i);
		if ((rc = node_dir_make(p->dir, i, err)) != 0 ||
		    (rc = path_fmt(path, err, "%s/node%u/follower.key", p->dir,
				   i)) != 0 ||
		    (rc = key_make(path, "follower", name, follower_pks[f],
				   err)) != 0)
			goto out;
	}
	devnet_params_set(&g.params);
	/* More than half of the parties must sign a governance entry. */
	g.governance_threshold = (uint32_t)(g.party_count / 2 + 1);
	if ((rc = genesis_validate(&g, err)) != 0)
		goto out;
	if ((rc = path_fmt(path, err, "%s/genesis.json", p->dir)) != 0 ||
	    (rc = genesis_save(&g, path, err)) != 0)
		goto out;
	for (uint32_t i = 0; i < total; i++)
		if ((rc = config_write(p, &g,
				       (const uint8_t(*)[PUBKEY_BYTES])
					   follower_pks,
				       i, err)) != 0)
			goto out;
	rc = 0;
out:
	genesis_free(&g);
	free(follower_pks);
	free(verifiers);
	free(parties);
	return rc;
}
