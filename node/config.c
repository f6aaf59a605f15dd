/* config.c - reading the node config (specs/node.md §1). */
#include "node/config.h"

#include "common/hex.h"
#include "common/limits.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_THREADS_DEFAULT 4u
#define HTTP_THREADS_MAX 64u
#define BLOCK_DELAY_MS_MAX 60000u
/* A skew beyond a day is a typo, not a test. */
#define CLOCK_SKEW_MS_MAX (24ll * 3600 * 1000)
/* The LMDB map: sparse, so the default costs nothing until used; at least
 * room for a few full blocks, at most 2^44 (16 TiB). */
#define LMDB_MAP_BYTES_DEFAULT ((uint64_t)64 << 30)
#define LMDB_MAP_BYTES_MIN ((uint64_t)64 << 20)
#define LMDB_MAP_BYTES_MAX ((uint64_t)1 << 44)


int listen_addr_parse(struct listen_addr *out, const char *s,
		      struct acc_err *err)
{
	const char *colon;
	const char *host = s;
	size_t host_len;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return acc_err_set(err, ACC_ECONFIG,
					   "listen address \"%.64s\": want [v6]:port", s);
		host = s + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return acc_err_set(err, ACC_ECONFIG,
					   "listen address \"%.64s\": want host:port", s);
		host_len = (size_t)(colon - s);
	}
	if (host_len == 0 || host_len >= sizeof out->host)
		return acc_err_set(err, ACC_ECONFIG,
				   "listen address \"%.64s\": bad host", s);
	const char *p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		return acc_err_set(err, ACC_ECONFIG,
				   "listen address \"%.64s\": bad port", s);
	unsigned long port = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return acc_err_set(err, ACC_ECONFIG,
					   "listen address \"%.64s\": bad port", s);
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		return acc_err_set(err, ACC_ECONFIG,
				   "listen address \"%.64s\": port over 65535", s);
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';
	out->port = (uint16_t)port;
	return 0;
}

/* Join base_dir and a path from the file unless the path is absolute. */
static int path_resolve(char *out, size_t out_len, const char *base_dir,
			const char *p, const char *field, struct acc_err *err)
{
	int n;
	if (p[0] == '\0')
		return acc_err_set(err, ACC_ECONFIG, "config: \"%s\" is empty",
				   field);
	if (p[0] == '/' || base_dir == NULL || base_dir[0] == '\0')
		n = snprintf(out, out_len, "%s", p);
	else
		n = snprintf(out, out_len, "%s/%s", base_dir, p);
	if (n < 0 || (size_t)n >= out_len)
		return acc_err_set(err, ACC_ECONFIG, "config: \"%s\" too long",
				   field);
	return 0;
}

static int get_string(json_t *root, const char *field, int required,
		      const char **out, struct acc_err *err)
{
	json_t *v = json_object_get(root, field);
	*out = NULL;
	if (v == NULL) {
		if (required)
			return acc_err_set(err, ACC_ECONFIG,
					   "config: missing \"%s\"", field);
		return 0;
	}
	if (!json_is_string(v))
		return acc_err_set(err, ACC_ETYPE,
				   "config: \"%s\" must be a string", field);
	*out = json_string_value(v);
	return 0;
}

static int get_uint(json_t *root, const char *field, uint64_t max,
		    uint64_t *out, struct acc_err *err)
{
	json_t *v = json_object_get(root, field);
	if (v == NULL)
		return 1; /* absent: caller keeps its default */
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return acc_err_set(err, ACC_ETYPE,
				   "config: \"%s\" must be an integer 0..%llu",
				   field, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A 64-hex-digit Ed25519 public key. */
static int key_hex_parse(uint8_t out[PUBKEY_BYTES], json_t *v,
			 const char *field, struct acc_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	if (s == NULL || strlen(s) != 2 * PUBKEY_BYTES ||
	    hex_decode(out, PUBKEY_BYTES, s) != 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "config: %s must be 64 hex digits (an "
				   "Ed25519 public key)", field);
	return 0;
}

/* "peers": [{"key": hex, "addr": "host:port"}, ...] (§1). */
static int peers_parse(struct node_config *cfg, json_t *root,
		       struct acc_err *err)
{
	json_t *arr = json_object_get(root, "peers");
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > PEERS_MAX)
		return acc_err_set(err, ACC_ECONFIG,
				   "config: \"peers\" must be an array of at "
				   "most %u peers", PEERS_MAX);
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p)
	{
		char field[48];
		snprintf(field, sizeof field, "peers[%zu].key", i);
		json_t *key = json_object_get(p, "key");
		json_t *addr = json_object_get(p, "addr");
		if (!json_is_object(p) || json_object_size(p) != 2 ||
		    key == NULL || !json_is_string(addr))
			return acc_err_set(err, ACC_ECONFIG,
					   "config: peers[%zu] must be "
					   "{\"key\": hex, \"addr\": "
					   "\"host:port\"}", i);
		struct config_peer *cp = &cfg->peers[i];
		int rc = key_hex_parse(cp->key, key, field, err);
		if (rc == 0)
			rc = listen_addr_parse(&cp->addr,
					       json_string_value(addr), err);
		if (rc != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (memcmp(cfg->peers[j].key, cp->key,
				   PUBKEY_BYTES) == 0)
				return acc_err_set(err, ACC_ECONFIG,
						   "config: peers[%zu] repeats "
						   "peers[%zu]", i, j);
	}
	cfg->peer_count = json_array_size(arr);
	return 0;
}

/* "followers": ["hex", ...] (§1). */
static int followers_parse(struct node_config *cfg, json_t *root,
			   struct acc_err *err)
{
	json_t *arr = json_object_get(root, "followers");
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > PEERS_MAX)
		return acc_err_set(err, ACC_ECONFIG,
				   "config: \"followers\" must be an array of "
				   "at most %u keys", PEERS_MAX);
	size_t i;
	json_t *k;
	json_array_foreach(arr, i, k)
	{
		char field[48];
		snprintf(field, sizeof field, "followers[%zu]", i);
		int rc = key_hex_parse(cfg->followers[i], k, field, err);
		if (rc != 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (memcmp(cfg->followers[j], cfg->followers[i],
				   PUBKEY_BYTES) == 0)
				return acc_err_set(err, ACC_ECONFIG,
						   "config: followers[%zu] "
						   "repeats followers[%zu]",
						   i, j);
	}
	cfg->follower_count = json_array_size(arr);
	return 0;
}

/* "role", "validator", "followers", "clock_skew_ms" (§1). */
static int role_parse(struct node_config *cfg, json_t *root,
		      struct acc_err *err)
{
	const char *s;
	int rc = get_string(root, "role", 0, &s, err);
	if (rc != 0)
		return rc;
	if (s == NULL || strcmp(s, "validator") == 0)
		cfg->role = NODE_ROLE_VALIDATOR;
	else if (strcmp(s, "follower") == 0)
		cfg->role = NODE_ROLE_FOLLOWER;
	else
		return acc_err_set(err, ACC_ECONFIG,
				   "config: role \"%.32s\": want validator or "
				   "follower", s);
	uint64_t u = 0;
	rc = get_uint(root, "validator", VALIDATORS_MAX - 1u, &u, err);
	if (rc < 0)
		return rc;
	if (cfg->role == NODE_ROLE_VALIDATOR && rc > 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "config: missing \"validator\"");
	if (cfg->role == NODE_ROLE_FOLLOWER && rc == 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "config: a follower has no \"validator\"");
	cfg->validator = (uint32_t)u;
	if (cfg->role == NODE_ROLE_FOLLOWER &&
	    json_object_get(root, "followers") != NULL)
		return acc_err_set(err, ACC_ECONFIG,
				   "config: a follower has no \"followers\"");
	json_t *v = json_object_get(root, "clock_skew_ms");
	if (v != NULL) {
		if (!json_is_integer(v) ||
		    json_integer_value(v) > CLOCK_SKEW_MS_MAX ||
		    json_integer_value(v) < -CLOCK_SKEW_MS_MAX)
			return acc_err_set(err, ACC_ECONFIG,
					   "config: \"clock_skew_ms\" must be an "
					   "integer within a day");
		cfg->clock_skew_ms = (int64_t)json_integer_value(v);
	}
	return 0;
}

int config_parse(struct node_config *cfg, const char *text, size_t len,
		 const char *base_dir, struct acc_err *err)
{
	static const char *const known[] = {
	    "genesis",   "key",       "data_dir",     "validator",
	    "http_listen", "p2p_listen", "log_level", "http_threads",
	    "block_delay_ms", "peers", "role", "followers", "clock_skew_ms",
	    "lmdb_map_bytes", "http_conns_per_addr", "log_format"};
	json_error_t jerr;
	int rc;
	memset(cfg, 0, sizeof *cfg);
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->http_threads = HTTP_THREADS_DEFAULT;
	cfg->http_conns_per_addr = CONFIG_HTTP_CONNS_PER_ADDR_DEFAULT;
	cfg->lmdb_map_bytes = LMDB_MAP_BYTES_DEFAULT;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return acc_err_set(err, ACC_EJSON, "config: line %d: %s",
				   jerr.line, jerr.text);
	if (!json_is_object(root)) {
		rc = acc_err_set(err, ACC_ETYPE, "config: not a JSON object");
		goto out;
	}
	/* An unknown field is most likely a typo that would otherwise be
	 * silently ignored, so it is refused. */
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v)
	{
		size_t i;
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcmp(k, known[i]) == 0)
				break;
		if (i == sizeof known / sizeof known[0]) {
			rc = acc_err_set(err, ACC_ECONFIG,
					 "config: unknown field \"%.64s\"", k);
			goto out;
		}
	}
	const char *s;
	if ((rc = get_string(root, "genesis", 1, &s, err)) != 0 ||
	    (rc = path_resolve(cfg->genesis_path, sizeof cfg->genesis_path,
			       base_dir, s, "genesis", err)) != 0)
		goto out;
	if ((rc = get_string(root, "key", 1, &s, err)) != 0 ||
	    (rc = path_resolve(cfg->key_path, sizeof cfg->key_path, base_dir,
			       s, "key", err)) != 0)
		goto out;
	if ((rc = get_string(root, "data_dir", 1, &s, err)) != 0 ||
	    (rc = path_resolve(cfg->data_dir, sizeof cfg->data_dir, base_dir,
			       s, "data_dir", err)) != 0)
		goto out;
	if ((rc = get_string(root, "http_listen", 1, &s, err)) != 0 ||
	    (rc = listen_addr_parse(&cfg->http, s, err)) != 0)
		goto out;
	if ((rc = get_string(root, "p2p_listen", 0, &s, err)) != 0)
		goto out;
	if (s != NULL && (rc = listen_addr_parse(&cfg->p2p, s, err)) != 0)
		goto out;
	cfg->has_p2p = s != NULL;
	if ((rc = get_string(root, "log_level", 0, &s, err)) != 0)
		goto out;
	if (s != NULL && log_level_parse(s, &cfg->log_level) != 0) {
		rc = acc_err_set(err, ACC_ECONFIG,
				 "config: log_level \"%.16s\": want debug, "
				 "info, warn or error", s);
		goto out;
	}
	if ((rc = get_string(root, "log_format", 0, &s, err)) != 0)
		goto out;
	if (s != NULL && log_format_parse(s, &cfg->log_format) != 0) {
		rc = acc_err_set(err, ACC_ECONFIG,
				 "config: log_format \"%.16s\": want text, "
				 "logfmt or json", s);
		goto out;
	}
	if ((rc = role_parse(cfg, root, err)) != 0 ||
	    (rc = peers_parse(cfg, root, err)) != 0 ||
	    (rc = followers_parse(cfg, root, err)) != 0)
		goto out;
	uint64_t u = 0;
	if ((rc = get_uint(root, "http_threads", HTTP_THREADS_MAX, &u, err)) < 0)
		goto out;
	if (rc == 0) {
		if (u == 0) {
			rc = acc_err_set(err, ACC_ECONFIG,
					 "config: http_threads must be >= 1");
			goto out;
		}
		cfg->http_threads = (uint32_t)u;
	}
	if ((rc = get_uint(root, "http_conns_per_addr",
			   CONFIG_HTTP_CONNS_PER_ADDR_MAX, &u, err)) < 0)
		goto out;
	if (rc == 0) {
		if (u == 0) {
			rc = acc_err_set(err, ACC_ECONFIG,
					 "config: http_conns_per_addr must be "
					 ">= 1");
			goto out;
		}
		cfg->http_conns_per_addr = (uint32_t)u;
	}
	if ((rc = get_uint(root, "block_delay_ms", BLOCK_DELAY_MS_MAX, &u,
			   err)) < 0)
		goto out;
	if (rc == 0)
		cfg->block_delay_ms = (uint32_t)u;
	if ((rc = get_uint(root, "lmdb_map_bytes", LMDB_MAP_BYTES_MAX, &u,
			   err)) < 0)
		goto out;
	if (rc == 0) {
		if (u < LMDB_MAP_BYTES_MIN || u % 4096u != 0) {
			rc = acc_err_set(err, ACC_ECONFIG,
					 "config: lmdb_map_bytes must be a "
					 "multiple of 4096, at least %llu",
					 (unsigned long long)LMDB_MAP_BYTES_MIN);
			goto out;
		}
		cfg->lmdb_map_bytes = u;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int config_load(struct node_config *cfg, const char *path,
		struct acc_err *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "config %s: %s", path,
				   strerror(errno));
	char *buf = malloc(CONFIG_FILE_BYTES_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return acc_err_set(err, ACC_ENOMEM, "config: out of memory");
	}
	size_t n = fread(buf, 1, CONFIG_FILE_BYTES_MAX + 1, f);
	int rd_err = ferror(f);
	fclose(f);
	int rc;
	if (rd_err) {
		rc = acc_err_set(err, ACC_EIO, "config %s: read error", path);
		goto out;
	}
	if (n > CONFIG_FILE_BYTES_MAX) {
		rc = acc_err_set(err, ACC_ETOOBIG, "config %s: over %u bytes",
				 path, CONFIG_FILE_BYTES_MAX);
		goto out;
	}
	char dir[CONFIG_PATH_BYTES_MAX];
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		dir[0] = '\0';
	} else {
		size_t dl = (size_t)(slash - path);
		if (dl == 0)
			dl = 1; /* "/config.json" lives in "/" */
		if (dl >= sizeof dir) {
			rc = acc_err_set(err, ACC_ECONFIG, "config path too long");
			goto out;
		}
		memcpy(dir, path, dl);
		dir[dl] = '\0';
	}
	rc = config_parse(cfg, buf, n, dir, err);
	if (rc != 0) {
		/* Name the file in the message: the parse error alone does
		 * not say which config was wrong. */
		char tmp[ACC_ERRMSG_BYTES_MAX];
		snprintf(tmp, sizeof tmp, "%s", err ? err->msg : "");
		acc_err_set(err, rc, "%.80s: %s", path, tmp);
	}
out:
	free(buf);
	return rc;
}
