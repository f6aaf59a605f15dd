/* cmd_get.c - accord get entry|block: read one thing from a node
 * (specs/cli.md §6). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/hex.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"

static void json_print(const json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				    QTY_JSON_DUMP_FLAGS);
	if (t != NULL)
		printf("%s\n", t);
	free(t);
}

/* An entry reference is 64 hex digits (an id) or a decimal index. */
static int ref_check(const char *ref, int *is_id)
{
	size_t n = strlen(ref);
	uint8_t id[HASH_BYTES];
	if (n == 2 * HASH_BYTES && hex_decode(id, HASH_BYTES, ref) == 0) {
		*is_id = 1;
		return 0;
	}
	*is_id = 0;
	if (n == 0 || n > 20)
		return ACC_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (ref[i] < '0' || ref[i] > '9')
			return ACC_EINVAL;
	return 0;
}

static int cmd_get_entry(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"raw", NULL, "write the raw signed entry bytes to standard output",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "get entry",
	    .usage = "ID|INDEX [--node URL] [--json | --raw]",
	    .about =
		"Read one entry by its id (64 hex digits) or log index. The "
		"raw bytes\n"
		"are checked to hash to the entry id before they are written.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .pos_min = 1,
	    .pos_max = 1,
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *ref = s.pos[0];
	int is_id;
	if (ref_check(ref, &is_id) != 0) {
		fprintf(stderr,
			"accord: get entry: \"%.80s\" is neither an id (64 hex "
			"digits) nor an index\n",
			ref);
		return CLI_EXIT_USAGE;
	}
	if (s.format == ARGS_FORMAT_JSON && args_get(&s, "raw")) {
		fprintf(
		    stderr,
		    "accord: get entry: --json and --raw exclude each other\n");
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct http_client c;
	if (http_client_init(&c, &err) != 0)
		return cli_fail("get entry", "%s", err.msg);
	int ret = CLI_EXIT_FAIL;
	json_t *j = NULL;
	if (args_get(&s, "raw")) {
		struct http_resp r;
		if (client_entry_raw(&c, node, ref, &r, &err) != 0) {
			ret = cli_fail("get entry", "%s", err.msg);
			goto out;
		}
		if (is_id) {
			uint8_t want[HASH_BYTES], got[HASH_BYTES];
			(void)hex_decode(want, HASH_BYTES, ref);
			entry_id(got, (const uint8_t *)r.body, r.len);
			if (memcmp(want, got, HASH_BYTES) != 0) {
				http_resp_free(&r);
				ret = cli_fail(
				    "get entry",
				    "the bytes served do not hash to id %.16s…",
				    ref);
				goto out;
			}
		}
		size_t w = fwrite(r.body, 1, r.len, stdout), want = r.len;
		http_resp_free(&r);
		if (w != want || fflush(stdout) != 0) {
			ret = cli_fail("get entry",
				       "write error on standard output");
			goto out;
		}
		ret = CLI_EXIT_OK;
		goto out;
	}
	char url[HTTP_URL_BYTES_MAX];
	if (http_url(url, node, "/v1/entries/%s", ref) != 0 ||
	    http_get_json(&c, url, &j, &err) != 0) {
		ret = cli_fail("get entry", "%s",
			       err.msg[0] ? err.msg : "node URL too long");
		goto out;
	}
	if (s.format == ARGS_FORMAT_JSON) {
		json_print(j);
	} else {
		json_t *e = json_object_get(j, "entry");
		printf(
		    "entry %lld (block %lld)\nid %s\nkind %s\n",
		    (long long)json_integer_value(json_object_get(j, "index")),
		    (long long)json_integer_value(json_object_get(j, "height")),
		    json_string_value(json_object_get(j, "id"))
			? json_string_value(json_object_get(j, "id"))
			: "?",
		    json_string_value(json_object_get(e, "kind"))
			? json_string_value(json_object_get(e, "kind"))
			: "?");
		json_print(e);
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(j);
	http_client_free(&c);
	return ret;
}

static int cmd_get_block(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node (default " CLI_NODE_DEFAULT ")", NULL},
	    {"full", NULL, "with --json: include the raw entries (entries_hex)",
	     NULL},
	};
	struct arg_spec s = {
	    .cmd = "get block",
	    .usage = "HEIGHT|latest [--node URL] [--json [--full]]",
	    .about = "Read one block: header, certificate and entry ids.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .pos_min = 1,
	    .pos_max = 1,
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *node = args_get_or(&s, "node", CLI_NODE_DEFAULT);
	const char *ref = s.pos[0];
	struct acc_err err = {0};
	uint64_t h;
	if (strcmp(ref, "latest") != 0 &&
	    args_u64(ref, "height", &h, &err) != 0) {
		fprintf(stderr, "accord: get block: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	struct http_client c;
	if (http_client_init(&c, &err) != 0)
		return cli_fail("get block", "%s", err.msg);
	int ret = CLI_EXIT_FAIL;
	json_t *j = NULL;
	char url[HTTP_URL_BYTES_MAX];
	if (http_url(url, node, "/v1/blocks/%s%s", ref,
		     args_get(&s, "full") ? "?full=1" : "") != 0 ||
	    http_get_json(&c, url, &j, &err) != 0) {
		ret = cli_fail("get block", "%s",
			       err.msg[0] ? err.msg : "node URL too long");
		goto out;
	}
	if (s.format == ARGS_FORMAT_JSON) {
		json_print(j);
	} else {
		json_t *hd = json_object_get(j, "header");
		json_t *cert = json_object_get(j, "cert");
		json_t *ids = json_object_get(j, "entry_ids");
		printf(
		    "block %lld\nhash %s\ntime %s\nproposer %lld\nentries %zu "
		    "(log index %lld..)\n"
		    "log size %lld\nlog root %s\nprev hash %s\ncertificate "
		    "round %lld, %zu signature(s)\n",
		    (long long)json_integer_value(json_object_get(j, "height")),
		    json_string_value(json_object_get(j, "hash"))
			? json_string_value(json_object_get(j, "hash"))
			: "?",
		    json_string_value(json_object_get(hd, "time"))
			? json_string_value(json_object_get(hd, "time"))
			: "?",
		    (long long)json_integer_value(
			json_object_get(hd, "proposer")),
		    json_array_size(ids),
		    (long long)json_integer_value(
			json_object_get(j, "first_index")),
		    (long long)json_integer_value(
			json_object_get(hd, "log_size")),
		    json_string_value(json_object_get(hd, "log_root"))
			? json_string_value(json_object_get(hd, "log_root"))
			: "?",
		    json_string_value(json_object_get(hd, "prev_hash"))
			? json_string_value(json_object_get(hd, "prev_hash"))
			: "?",
		    (long long)json_integer_value(
			json_object_get(cert, "round")),
		    json_array_size(json_object_get(cert, "signatures")));
		for (size_t i = 0; i < json_array_size(ids); i++)
			printf("  %s\n",
			       json_string_value(json_array_get(ids, i))
				   ? json_string_value(json_array_get(ids, i))
				   : "?");
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(j);
	http_client_free(&c);
	return ret;
}

int cmd_get(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"entry", cmd_get_entry, "one entry by id or log index"},
	    {"block", cmd_get_block, "one block by height, or the latest"},
	};
	return cli_sub_run("get", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
