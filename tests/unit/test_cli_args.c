/* test_cli_args.c - the CLI's option parsing (specs/cli.md §1): every
 * usage error is refused with a reason, values land where they should. */
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
	RUN(test_http_helpers);
	return 0;
}
