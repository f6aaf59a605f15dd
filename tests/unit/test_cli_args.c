/* test_cli_args.c - the CLI's option parsing (specs/cli.md §1): every
 * usage error is refused with a reason, values land where they should. */
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/http.h"
#include "common/crypto.h"
#include "tests/test.h"

static struct arg_opt opts_proto[] = {
    {"node", "URL", "the node", NULL},
    {"json", NULL, "json", NULL},
    {"entries", "N", "count", NULL},
};

static int parse(struct arg_spec *s, struct arg_opt *opts, struct acc_err *err,
		 int argc, char **argv)
{
	memcpy(opts, opts_proto, sizeof opts_proto);
	memset(s, 0, sizeof *s);
	s->cmd = "test";
	s->usage = "[--node URL] [--json] [--entries N] [ARG]";
	s->opts = opts;
	s->opts_len = 3;
	s->pos_min = 0;
	s->pos_max = 1;
	return args_parse(s, argc, argv, err);
}

static void test_args_values(void)
{
	struct arg_spec s;
	struct arg_opt o[3];
	struct acc_err err = {0};
	char *a1[] = {"--node", "http://x", "--json", "pos", "--entries=12"};
	ASSERT_OK(parse(&s, o, &err, 5, a1));
	ASSERT_STR_EQ(args_get(&s, "node"), "http://x");
	ASSERT_STR_EQ(args_get(&s, "json"), "1");
	ASSERT_STR_EQ(args_get(&s, "entries"), "12");
	ASSERT_EQ(s.pos_len, 1);
	ASSERT_STR_EQ(s.pos[0], "pos");
	ASSERT_EQ(s.help, 0);
	/* "--" ends the options: what follows is positional. */
	char *a2[] = {"--", "--json"};
	ASSERT_OK(parse(&s, o, &err, 2, a2));
	ASSERT(args_get(&s, "json") == NULL);
	ASSERT_STR_EQ(s.pos[0], "--json");
	/* --help stops parsing, whatever follows. */
	char *a3[] = {"--json", "--help", "--bogus"};
	ASSERT_OK(parse(&s, o, &err, 3, a3));
	ASSERT_EQ(s.help, 1);
}

static void test_args_errors(void)
{
	struct arg_spec s;
	struct arg_opt o[3];
	struct acc_err err = {0};
	char *unknown[] = {"--nope"};
	ASSERT_EQ(parse(&s, o, &err, 1, unknown), ACC_EINVAL);
	ASSERT(strstr(err.msg, "--nope") != NULL);
	char *twice[] = {"--json", "--json"};
	ASSERT_EQ(parse(&s, o, &err, 2, twice), ACC_EINVAL);
	ASSERT(strstr(err.msg, "twice") != NULL);
	char *missing[] = {"--node"};
	ASSERT_EQ(parse(&s, o, &err, 1, missing), ACC_EINVAL);
	ASSERT(strstr(err.msg, "needs a value") != NULL);
	char *flagval[] = {"--json=1"};
	ASSERT_EQ(parse(&s, o, &err, 1, flagval), ACC_EINVAL);
	ASSERT(strstr(err.msg, "takes no value") != NULL);
	char *extra[] = {"a", "b"};
	ASSERT_EQ(parse(&s, o, &err, 2, extra), ACC_EINVAL);
	ASSERT(strstr(err.msg, "unexpected") != NULL);
	char *single[] = {"-j"};
	ASSERT_EQ(parse(&s, o, &err, 1, single), ACC_EINVAL);
	/* Too few positional arguments. */
	memcpy(o, opts_proto, sizeof opts_proto);
	s.pos_min = 1;
	ASSERT_EQ(args_parse(&s, 0, NULL, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "missing") != NULL);
}

static void test_args_u64(void)
{
	struct acc_err err = {0};
	uint64_t v;
	ASSERT_OK(args_u64("0", "x", &v, &err));
	ASSERT_U64_EQ(v, 0);
	ASSERT_OK(args_u64("18446744073709551615", "x", &v, &err));
	ASSERT_U64_EQ(v, UINT64_MAX);
	ASSERT_EQ(args_u64("18446744073709551616", "x", &v, &err), ACC_ERANGE);
	ASSERT_EQ(args_u64("-1", "x", &v, &err), ACC_EINVAL);
	ASSERT_EQ(args_u64("12a", "x", &v, &err), ACC_EINVAL);
	ASSERT_EQ(args_u64("", "x", &v, &err), ACC_EINVAL);
	ASSERT_EQ(args_u64(" 1", "--entries", &v, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "--entries") != NULL);
}

/* --format / --json / --csv-safe (specs/cli.md §1 "Output"). */
static int parse_fmt(struct arg_spec *s, unsigned formats, int argc,
		     char **argv, struct acc_err *err)
{
	memset(s, 0, sizeof *s);
	s->cmd = "test";
	s->usage = "";
	s->formats = formats;
	return args_parse(s, argc, argv, err);
}

static void test_args_format(void)
{
	const unsigned all =
	    ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON | ARGS_FORMAT_CSV;
	struct arg_spec s;
	struct acc_err err = {0};
	ASSERT_OK(parse_fmt(&s, all, 0, NULL, &err));
	ASSERT_EQ(s.format, ARGS_FORMAT_TABLE);
	ASSERT_OK(parse_fmt(&s, ARGS_FORMAT_CSV | ARGS_FORMAT_JSON, 0, NULL,
			    &err));
	ASSERT_EQ(s.format, ARGS_FORMAT_CSV);
	char *a1[] = {"--json"};
	ASSERT_OK(parse_fmt(&s, all, 1, a1, &err));
	ASSERT_EQ(s.format, ARGS_FORMAT_JSON);
	char *a2[] = {"--format", "csv", "--csv-safe"};
	ASSERT_OK(parse_fmt(&s, all, 3, a2, &err));
	ASSERT_EQ(s.format, ARGS_FORMAT_CSV);
	ASSERT_EQ(s.csv_safe, 1);
	char *a3[] = {"--format=json", "--json"};
	ASSERT_OK(parse_fmt(&s, all, 2, a3, &err));
	ASSERT_EQ(s.format, ARGS_FORMAT_JSON);
	/* Refused: disagreement, a format not offered, --csv-safe off CSV,
	 * twice, a missing value, and the flags on a command without data
	 * output. */
	char *b1[] = {"--format", "csv", "--json"};
	ASSERT_EQ(parse_fmt(&s, all, 3, b1, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "disagree") != NULL);
	char *b2[] = {"--format", "csv"};
	ASSERT_EQ(parse_fmt(&s, ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON, 2, b2,
			    &err),
		  ACC_EINVAL);
	ASSERT(strstr(err.msg, "table|json") != NULL);
	char *b3[] = {"--csv-safe"};
	ASSERT_EQ(parse_fmt(&s, all, 1, b3, &err), ACC_EINVAL);
	char *b4[] = {"--format", "xml"};
	ASSERT_EQ(parse_fmt(&s, all, 2, b4, &err), ACC_EINVAL);
	char *b5[] = {"--json", "--json"};
	ASSERT_EQ(parse_fmt(&s, all, 2, b5, &err), ACC_EINVAL);
	char *b6[] = {"--format"};
	ASSERT_EQ(parse_fmt(&s, all, 1, b6, &err), ACC_EINVAL);
	ASSERT_EQ(parse_fmt(&s, 0, 1, a1, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "unknown option") != NULL);
}

/* ACCORD_NODE and ACCORD_GENESIS are defaults, never explicit options. */
static void test_args_env(void)
{
	struct arg_opt opts[] = {
	    {"node", "URL", "the node", NULL},
	    {"genesis", "FILE", "genesis", NULL},
	    {"entries", "N", "count", NULL},
	};
	struct arg_spec s = {.cmd = "t", .usage = "", .opts = opts,
			     .opts_len = 3};
	struct acc_err err = {0};
	ASSERT_OK(setenv("ACCORD_NODE", "http://env:1", 1));
	ASSERT_OK(setenv("ACCORD_GENESIS", "/env/genesis.json", 1));
	ASSERT_OK(setenv("ACCORD_ENTRIES", "5", 1));
	ASSERT_OK(args_parse(&s, 0, NULL, &err));
	ASSERT(args_get(&s, "node") == NULL);
	ASSERT_STR_EQ(args_get_or(&s, "node", "dflt"), "http://env:1");
	ASSERT_STR_EQ(args_get_or(&s, "genesis", NULL), "/env/genesis.json");
	ASSERT_STR_EQ(args_get_or(&s, "entries", "7"), "7");
	char *a[] = {"--node", "http://flag:2"};
	ASSERT_OK(args_parse(&s, 2, a, &err));
	ASSERT_STR_EQ(args_get_or(&s, "node", "dflt"), "http://flag:2");
	ASSERT_OK(setenv("ACCORD_NODE", "", 1));
	ASSERT_OK(args_parse(&s, 0, NULL, &err));
	ASSERT_STR_EQ(args_get_or(&s, "node", "dflt"), "dflt");
	ASSERT_OK(unsetenv("ACCORD_NODE"));
	ASSERT_OK(unsetenv("ACCORD_GENESIS"));
	ASSERT_OK(unsetenv("ACCORD_ENTRIES"));
}

static void test_http_helpers(void)
{
	char url[HTTP_URL_BYTES_MAX];
	ASSERT_OK(http_url(url, "http://127.0.0.1:8700/", "/v1/blocks/%d", 3));
	ASSERT_STR_EQ(url, "http://127.0.0.1:8700/v1/blocks/3");
	ASSERT_OK(http_url(url, "http://h", "/v1/status"));
	ASSERT_STR_EQ(url, "http://h/v1/status");
	ASSERT_EQ(http_errcode_from_name("ACC_EBADSIG"), ACC_EBADSIG);
	ASSERT_EQ(http_errcode_from_name("ACC_NOPE"), 0);
	/* The node's JSON error body becomes the error code and message. */
	struct http_resp r = {.status = 409};
	char body[] = "{\"error\":{\"code\":\"ACC_EDUP\",\"message\":\"already "
		      "committed at index 3\"}}";
	r.body = body;
	r.len = strlen(body);
	struct acc_err err = {0};
	ASSERT_EQ(http_resp_error(&r, &err), ACC_EDUP);
	ASSERT_STR_EQ(err.msg, "HTTP 409: already committed at index 3");
	char junk[] = "<html>";
	r.body = junk;
	r.len = strlen(junk);
	r.status = 502;
	ASSERT_EQ(http_resp_error(&r, &err), ACC_ENET);
	ASSERT(strstr(err.msg, "HTTP 502") != NULL);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	RUN(test_args_values);
	RUN(test_args_errors);
	RUN(test_args_u64);
	RUN(test_args_format);
	RUN(test_args_env);
	RUN(test_http_helpers);
	return 0;
}
