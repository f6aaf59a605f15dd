/* main.c - accord: the command-line tool; main() and dispatch only, every
 * command lives in its own cli/cmd_*.c (specs/cli.md). */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/crypto.h"

#define ACCORD_VERSION "0.1.0"

static const struct cli_sub commands[] = {
    {"keygen", cmd_keygen, "make a new Ed25519 key file"},
    {"devnet", cmd_devnet, "a local network: init, start, stop"},
    {"submit", cmd_submit, "sign an entry and submit it to a node"},
    {"get", cmd_get, "read one entry or block from a node"},
    {"proof", cmd_proof,
     "fetch an inclusion or consistency proof and verify it"},
    {"audit", cmd_audit, "verify a whole chain from its genesis file"},
    {"checkpoint", cmd_checkpoint,
     "fetch and verify the cosigned checkpoint; --policy: tlog-policy"},
    {"bench", cmd_bench, "load generator and verification benchmark"},
    {"demo", cmd_demo, "submit a scenario with every kind of entry"},
    {"compliance", cmd_compliance,
     "where every obligation stands: table, JSON or CSV"},
    {"import", cmd_import,
     "sign and submit reports or attestations, or fill obligations, from CSV"},
    {"export", cmd_export, "agreements, reports or compliance as CSV/JSON"},
    {"genesis", cmd_genesis, "the hash of a genesis file, as published"},
    {"backup", cmd_backup, "hot copy of a node's data directory"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accord COMMAND [OPTIONS]   (accord COMMAND --help)\n\n"
		"accord: a shared, auditable ledger of environmental "
		"commitments.\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name,
			commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("accord %s\n", ACCORD_VERSION);
		return CLI_EXIT_OK;
	}
	if (crypto_lib_init() != 0) {
		fprintf(stderr, "accord: libsodium failed to initialise\n");
		return CLI_EXIT_FAIL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "accord: libcurl failed to initialise\n");
		return CLI_EXIT_FAIL;
	}
	int rc = -1;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			rc = commands[i].fn(argc - 2, argv + 2);
	if (rc < 0) {
		fprintf(stderr, "accord: unknown command \"%.64s\"\n", argv[1]);
		usage(stderr);
		rc = CLI_EXIT_USAGE;
	}
	curl_global_cleanup();
	return rc;
}
