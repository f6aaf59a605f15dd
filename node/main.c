/* main.c - accordd: run one accord node (specs/node.md). */
#include <stdio.h>
#include <string.h>

#include "common/crypto.h"
#include "node/config.h"
#include "node/log.h"
#include "node/node.h"

/* specs/node.md §7.10: good signatures remembered (32 bytes each). */
#define NODE_SIGCACHE_SLOTS 65536u

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accordd --config FILE [--check-config]\n"
		"       accordd --help | --version\n"
		"\n"
		"Run one accord validator node: its HTTP API, its mempool and\n"
		"block production. FILE is the node's JSON config (see\n"
		"specs/node.md), as written by `accord devnet init`.\n"
		"SIGINT or SIGTERM stops the node cleanly.\n"
		"--check-config loads the config, genesis and key, checks\n"
		"that the data directory belongs to the chain, prints one\n"
		"line and exits 0 (or 1 with the reason); it starts nothing.\n");
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	int check_only = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("accordd %s\n", ACCORDD_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config_path = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--check-config") == 0) {
			check_only = 1;
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			config_path = argv[i] + 9;
			continue;
		}
		fprintf(stderr, "accordd: unknown argument \"%s\"\n", argv[i]);
		usage(stderr);
		return 2;
	}
	if (config_path == NULL) {
		fprintf(stderr, "accordd: --config FILE is required\n");
		usage(stderr);
		return 2;
	}
	if (crypto_lib_init() != 0) {
		LOG_ERROR("libsodium failed to initialise");
		return 1;
	}
	if (sigcache_enable(NODE_SIGCACHE_SLOTS) != 0) {
		LOG_ERROR("out of memory");
		return 1;
	}
	struct acc_err err = {0};
	struct node_config cfg;
	if (config_load(&cfg, config_path, &err) != 0) {
		if (check_only) {
			fprintf(stderr, "accordd: config %s: %s\n",
				config_path, err.msg);
			return 1;
		}
		LOG_ERROR("%s", err.msg);
		return 1;
	}
	log_level_set(cfg.log_level);
	log_format_set(cfg.log_format);
	if (check_only) {
		char summary[512];
		if (node_config_check(&cfg, summary, sizeof summary, &err) !=
		    0) {
			fprintf(stderr, "accordd: config %s: %s\n",
				config_path, err.msg);
			return 1;
		}
		printf("%s\n", summary);
		return 0;
	}
	struct node n;
	if (node_open(&n, &cfg, &err) != 0) {
		LOG_ERROR("%s", err.msg);
		return 1;
	}
	int rc = node_run(&n, &err);
	if (rc != 0)
		LOG_ERROR("%s", err.msg);
	node_close(&n);
	LOG_INFO("stopped");
	return rc == 0 ? 0 : 1;
}
