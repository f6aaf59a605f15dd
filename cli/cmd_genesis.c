/* cmd_genesis.c - accord genesis hash: the hash a consortium publishes so
 * that anyone can tell its genesis file from another (specs/cli.md §14,
 * specs/genesis.md §4). */
#include <stdio.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/hex.h"
#include "ledger/genesis.h"

static int cmd_hash(int argc, char **argv)
{
	struct arg_spec s = {
	    .cmd = "genesis hash",
	    .usage = "FILE [--format table|json]",
	    .about = "Load and check a genesis file and print its hash "
		     "(specs/genesis.md §4), the\n"
		     "value a node reports as genesis_hash and evidence names "
		     "in genesis.hash.",
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	    .pos_min = 1,
	    .pos_max = 1,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct acc_err err = {0};
	struct genesis g;
	if (genesis_load(&g, s.pos[0], &err) != 0)
		return cli_fail("genesis hash", "%s: %s", s.pos[0], err.msg);
	char h[2 * HASH_BYTES + 1];
	hex_encode(h, g.hash, HASH_BYTES);
	if (s.format == ARGS_FORMAT_JSON)
		printf("{\"chain_id\":\"%s\",\"genesis_hash\":\"%s\"}\n",
		       g.chain_id, h);
	else
		printf("%s\n", h);
	genesis_free(&g);
	return CLI_EXIT_OK;
}

int cmd_genesis(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"hash", cmd_hash, "print the hash of a genesis file"},
	};
	return cli_sub_run("genesis", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
