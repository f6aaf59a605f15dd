/* cmd_keygen.c - accord keygen: a new Ed25519 key file (specs/cli.md §3). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/hex.h"
#include "common/keyfile.h"

int cmd_keygen(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"out", "FILE",
	     "where to write the key file (mode 0600; never overwritten)",
	     NULL},
	    {"role", "ROLE", "party, verifier, validator or follower (default: none)",
	     NULL},
	    {"id", "ID",
	     "the party, verifier, validator or follower the key belongs to",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "keygen",
	    .usage = "--out FILE [--role ROLE --id ID] [--json]",
	    .about =
		"Make a new random Ed25519 key and write it as a key file\n"
		"(specs/keyfile.md). Prints the public key in hex.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *out = args_get(&s, "out");
	const char *role = args_get(&s, "role");
	const char *id = args_get(&s, "id");
	if (out == NULL) {
		fprintf(stderr, "accord: keygen: --out FILE is required\n");
		return CLI_EXIT_USAGE;
	}
	if (role != NULL && strcmp(role, "party") != 0 &&
	    strcmp(role, "verifier") != 0 && strcmp(role, "validator") != 0 &&
	    strcmp(role, "follower") != 0) {
		fprintf(stderr, "accord: keygen: --role must be party, "
				"verifier, validator or follower\n");
		return CLI_EXIT_USAGE;
	}
	struct keyfile kf;
	memset(&kf, 0, sizeof kf);
	if (role != NULL)
		(void)snprintf(kf.role, sizeof kf.role, "%s", role);
	if (id != NULL) {
		if (strlen(id) >= sizeof kf.id) {
			fprintf(stderr,
				"accord: keygen: --id longer than %zu bytes\n",
				sizeof kf.id - 1);
			return CLI_EXIT_USAGE;
		}
		(void)snprintf(kf.id, sizeof kf.id, "%s", id);
	}
	struct acc_err err = {0};
	if (key_new(&kf.key) != 0)
		return cli_fail("keygen", "out of memory for the key");
	int rc = keyfile_save(&kf, out, 0, &err);
	char pk[2 * PUBKEY_BYTES + 1];
	hex_encode(pk, kf.key.pk, PUBKEY_BYTES);
	keyfile_free(&kf);
	if (rc != 0)
		return cli_fail("keygen", "%s", err.msg);
	if (s.format == ARGS_FORMAT_JSON) {
		json_t *j =
		    json_pack("{s:s,s:s}", "path", out, "public_key", pk);
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (t != NULL)
			printf("%s\n", t);
		free(t);
		json_decref(j);
	} else
		printf("%s\n", pk);
	return CLI_EXIT_OK;
}
