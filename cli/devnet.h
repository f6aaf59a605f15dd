/* devnet.h - a local development network on disk: genesis, key files and
 * node configs written by `accord devnet init`, and the lookups `devnet
 * start|stop`, `bench` and `demo` make in such a directory (specs/cli.md
 * §4). */
#ifndef ACCORD_CLI_DEVNET_H
#define ACCORD_CLI_DEVNET_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/limits.h"

#define DEVNET_CHAIN_ID "accord-devnet"
#define DEVNET_HTTP_PORT_DEFAULT 8700u
/* Node i listens for peers on http_port + DEVNET_P2P_OFFSET + i. */
#define DEVNET_P2P_OFFSET 100u
#define DEVNET_NODES_MAX 64u
#define DEVNET_PATH_BYTES_MAX 1024u

/* What `devnet init` writes. Strings are borrowed from the caller. */
struct devnet_params {
	const char *dir;
	uint32_t nodes;	    /* validators, 1..DEVNET_NODES_MAX */
	uint32_t followers; /* followers after them; nodes + followers <=
			       DEVNET_NODES_MAX */
	uint32_t http_port; /* node i serves HTTP on http_port + i */
	/* Comma-separated ids; NULL for the defaults (CN-BJ,CN-TJ,CN-HE,CN-SD
	 * and CNEMC). */
	const char *parties;
	const char *verifiers;
	uint64_t genesis_time_ms; /* 0 = now */
};

/*
 * Create dir (it must not exist, or be empty) and write dir/genesis.json,
 * dir/keys/<id>.key for every party and verifier, for every validator i
 * (0 <= i < nodes) dir/node<i>/{config.json,validator.key}, for every
 * follower i (nodes <= i < nodes + followers) dir/node<i>/{config.json,
 * follower.key}, and an empty dir/node<i>/data for each.
 * ACC_EINVAL for bad parameters, ACC_EIO on file errors, ACC_EEXIST-like
 * refusals as ACC_EINVAL with the reason in err.
 */
int devnet_init(const struct devnet_params *p, struct acc_err *err);

/* Number of node<i> directories in dir (0 when none): validators and
 * followers alike. */
uint32_t devnet_nodes_count(const char *dir);

/* "http://HOST:PORT" of node i, read from its config.json. */
int devnet_node_url(const char *dir, uint32_t i, char *url, size_t url_len,
		    struct acc_err *err);

/* The well-known names the defaults use (for the demo's text). */
const char *devnet_party_name(const char *id);

#endif
