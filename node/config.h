/* config.h - the node's configuration file (specs/node.md §1). */
#ifndef ACCORD_NODE_CONFIG_H
#define ACCORD_NODE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"
#include "node/log.h"

#define CONFIG_PATH_BYTES_MAX 1024u
#define CONFIG_HOST_BYTES_MAX 64u
#define CONFIG_FILE_BYTES_MAX (64u * 1024u)
/* HTTP connections from one address at once (specs/node.md §1,
 * specs/api.md "Connections"); at most the server's whole limit. */
#define CONFIG_HTTP_CONNS_PER_ADDR_DEFAULT 64u
#define CONFIG_HTTP_CONNS_PER_ADDR_MAX 1024u

/* A listen address "host:port" split into its parts. host is an IPv4 or
 * IPv6 literal (IPv6 written in brackets in the file) or "localhost". */
struct listen_addr {
	char host[CONFIG_HOST_BYTES_MAX];
	uint16_t port;
};

enum node_role {
	NODE_ROLE_VALIDATOR = 0, /* votes; the default */
	NODE_ROLE_FOLLOWER = 1,  /* no vote: syncs committed blocks */
};

/* One peer this node dials or accepts (specs/node.md §1 "peers"). */
struct config_peer {
	uint8_t key[PUBKEY_BYTES];
	struct listen_addr addr;
};

/* Every path is absolute or relative to the working directory after
 * config_load: a relative path in the file is taken relative to the
 * directory of the config file (specs/api.md "Node config"). */
struct node_config {
	char genesis_path[CONFIG_PATH_BYTES_MAX];
	char key_path[CONFIG_PATH_BYTES_MAX];
	char data_dir[CONFIG_PATH_BYTES_MAX];
	enum node_role role;
	uint32_t validator; /* index into the genesis validator list;
			       validators only */
	struct listen_addr http;
	struct listen_addr p2p;
	int has_p2p;          /* p2p_listen was given */
	struct config_peer peers[PEERS_MAX];
	size_t peer_count;
	uint8_t followers[PEERS_MAX][PUBKEY_BYTES]; /* validators only */
	size_t follower_count;
	int64_t clock_skew_ms; /* TEST ONLY: added to the wall clock */
	enum log_level log_level;
	enum log_format log_format; /* text (default), logfmt, json */
	uint32_t http_threads;   /* HTTP worker threads, 1..64 */
	uint32_t http_conns_per_addr; /* 1..1024; 0 = the default (64) */
	uint32_t block_delay_ms; /* batching delay; 0 = genesis default */
	uint64_t lmdb_map_bytes; /* the LMDB map size (specs/node.md §1) */
};

/* Parse the JSON text (len bytes) of a config whose file sits in base_dir
 * (NULL or "" = relative paths stay as they are). ACC_EJSON, ACC_ETYPE,
 * ACC_ECONFIG with the field named in err. */
int config_parse(struct node_config *cfg, const char *text, size_t len,
		 const char *base_dir, struct acc_err *err);

/* Read and parse the file at path. ACC_EIO if unreadable. */
int config_load(struct node_config *cfg, const char *path,
		struct acc_err *err);

/* Parse "host:port" or "[v6]:port". ACC_ECONFIG. */
int listen_addr_parse(struct listen_addr *out, const char *s,
		      struct acc_err *err);

#endif
