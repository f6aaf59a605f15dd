/* args.c - option tables for the accord commands (specs/cli.md §1). */
#include "cli/args.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct arg_opt *opt_find(struct arg_spec *s, const char *name,
				size_t name_len)
{
	for (size_t i = 0; i < s->opts_len; i++)
		if (strlen(s->opts[i].name) == name_len &&
		    memcmp(s->opts[i].name, name, name_len) == 0)
			return &s->opts[i];
	return NULL;
}

int args_parse(struct arg_spec *s, int argc, char **argv, struct acc_err *err)
{
	assert(s->pos_max <= ARGS_POS_MAX);
	s->pos_len = 0;
	s->help = 0;
	for (size_t i = 0; i < s->opts_len; i++)
		s->opts[i].value = NULL;
	int opts_done = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done &&
		    (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			s->help = 1;
			return 0;
		}
		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			if (a[1] != '-')
				return acc_err_set(
				    err, ACC_EINVAL,
				    "unknown option \"%.64s\" (options are "
				    "spelled --name)",
				    a);
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t name_len =
			    eq ? (size_t)(eq - name) : strlen(name);
			struct arg_opt *o = opt_find(s, name, name_len);
			if (o == NULL)
				return acc_err_set(
				    err, ACC_EINVAL,
				    "unknown option \"--%.*s\"",
				    (int)(name_len > 64 ? 64 : name_len), name);
			if (o->value != NULL)
				return acc_err_set(err, ACC_EINVAL,
						   "option --%s given twice",
						   o->name);
			if (o->metavar == NULL) {
				if (eq != NULL)
					return acc_err_set(
					    err, ACC_EINVAL,
					    "option --%s takes no value",
					    o->name);
				o->value = "1";
			} else if (eq != NULL) {
				o->value = eq + 1;
			} else {
				if (i + 1 >= argc)
					return acc_err_set(
					    err, ACC_EINVAL,
					    "option --%s needs a value (%s)",
					    o->name, o->metavar);
				o->value = argv[++i];
			}
			continue;
		}
		if (s->pos_len >= s->pos_max)
			return acc_err_set(err, ACC_EINVAL,
					   "unexpected argument \"%.64s\"", a);
		s->pos[s->pos_len++] = a;
	}
	if (s->pos_len < s->pos_min)
		return acc_err_set(err, ACC_EINVAL,
				   "missing argument (%zu expected)",
				   s->pos_min);
	return 0;
}

const char *args_get(const struct arg_spec *s, const char *name)
{
	for (size_t i = 0; i < s->opts_len; i++)
		if (strcmp(s->opts[i].name, name) == 0)
			return s->opts[i].value;
	assert(!"option not in the command's table");
	return NULL;
}

void args_help_print(const struct arg_spec *s, FILE *f)
{
	fprintf(f, "usage: accord %s %s\n", s->cmd, s->usage);
	if (s->about != NULL && s->about[0] != '\0')
		fprintf(f, "\n%s\n", s->about);
	if (s->opts_len > 0)
		fprintf(f, "\noptions:\n");
	for (size_t i = 0; i < s->opts_len; i++) {
		char left[64];
		(void)snprintf(left, sizeof left, "--%s%s%s", s->opts[i].name,
			       s->opts[i].metavar ? " " : "",
			       s->opts[i].metavar ? s->opts[i].metavar : "");
		fprintf(f, "  %-24s %s\n", left, s->opts[i].help);
	}
	fprintf(f, "  %-24s %s\n", "--help", "print this help and exit");
}

int args_run(struct arg_spec *s, int argc, char **argv)
{
	struct acc_err err = {0};
	if (args_parse(s, argc, argv, &err) != 0) {
		fprintf(stderr, "accord: %s: %s\n", s->cmd, err.msg);
		fprintf(stderr, "usage: accord %s %s\n", s->cmd, s->usage);
		return 2;
	}
	if (s->help) {
		args_help_print(s, stdout);
		return 0;
	}
	return -1;
}

int args_u64(const char *text, const char *what, uint64_t *out,
	     struct acc_err *err)
{
	if (text == NULL || text[0] < '0' || text[0] > '9')
		return acc_err_set(err, ACC_EINVAL,
				   "%s: \"%.32s\" is not a decimal number",
				   what, text ? text : "");
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end != '\0')
		return acc_err_set(err, ACC_EINVAL,
				   "%s: \"%.32s\" is not a decimal number",
				   what, text);
	if (errno == ERANGE)
		return acc_err_set(err, ACC_ERANGE, "%s: %.32s is too large",
				   what, text);
	*out = (uint64_t)v;
	return 0;
}

const char *args_get_or(const struct arg_spec *s, const char *name,
			const char *dflt)
{
	const char *v = args_get(s, name);
	return v != NULL ? v : dflt;
}
