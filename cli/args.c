/* args.c - option tables for the accord commands (specs/cli.md §1). */
#include "cli/args.h"
#include "common/decimal.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Options whose default the environment may set (specs/cli.md §1). */
static const struct {
	const char *opt, *env;
} env_defaults[] = {
    {"node", "ACCORD_NODE"},
    {"genesis", "ACCORD_GENESIS"},
};

static const char *env_default_name(const char *opt)
{
	for (size_t i = 0; i < sizeof env_defaults / sizeof env_defaults[0];
	     i++)
		if (strcmp(env_defaults[i].opt, opt) == 0)
			return env_defaults[i].env;
	return NULL;
}

/* The output flags args_parse handles for a command with formats. */
static const struct {
	const char *name;
	unsigned bit;
} format_names[] = {
    {"table", ARGS_FORMAT_TABLE},
    {"json", ARGS_FORMAT_JSON},
    {"csv", ARGS_FORMAT_CSV},
};
#define FORMAT_NAMES (sizeof format_names / sizeof format_names[0])

static unsigned format_default(unsigned formats)
{
	if (formats & ARGS_FORMAT_TABLE)
		return ARGS_FORMAT_TABLE;
	if (formats & ARGS_FORMAT_CSV)
		return ARGS_FORMAT_CSV;
	return ARGS_FORMAT_JSON;
}

/* "--format F", "--json" or "--csv-safe" for a command that offers
 * formats: 1 if a was one of them (value consumed through *i), 0 if not,
 * or ACC_EINVAL. fmt_given and json_given track what was said. */
static int format_flag(struct arg_spec *s, int argc, char **argv, int *i,
		       const char **fmt_given, int *json_given,
		       struct acc_err *err)
{
	const char *a = argv[*i];
	if (strcmp(a, "--json") == 0 && (s->formats & ARGS_FORMAT_JSON)) {
		if (*json_given)
			return acc_err_set(err, ACC_EINVAL,
					   "option --json given twice");
		*json_given = 1;
		return 1;
	}
	if (strcmp(a, "--csv-safe") == 0 && (s->formats & ARGS_FORMAT_CSV)) {
		if (s->csv_safe)
			return acc_err_set(err, ACC_EINVAL,
					   "option --csv-safe given twice");
		s->csv_safe = 1;
		return 1;
	}
	const char *v;
	if (strncmp(a, "--format=", 9) == 0)
		v = a + 9;
	else if (strcmp(a, "--format") == 0) {
		if (*i + 1 >= argc)
			return acc_err_set(err, ACC_EINVAL,
					   "option --format needs a value (F)");
		v = argv[++*i];
	} else
		return 0;
	if (*fmt_given != NULL)
		return acc_err_set(err, ACC_EINVAL,
				   "option --format given twice");
	*fmt_given = v;
	return 1;
}

/* Settle s->format from what was given: --json and --format must agree,
 * and the format must be one the command offers. */
static int format_settle(struct arg_spec *s, const char *fmt_given,
			 int json_given, struct acc_err *err)
{
	s->format = format_default(s->formats);
	if (fmt_given != NULL) {
		unsigned bit = 0;
		for (size_t i = 0; i < FORMAT_NAMES; i++)
			if (strcmp(fmt_given, format_names[i].name) == 0)
				bit = format_names[i].bit;
		if ((bit & s->formats) == 0) {
			char offered[32] = "";
			for (size_t i = 0; i < FORMAT_NAMES; i++)
				if (s->formats & format_names[i].bit) {
					if (offered[0] != '\0')
						strcat(offered, "|");
					strcat(offered, format_names[i].name);
				}
			return acc_err_set(err, ACC_EINVAL,
					   "--format \"%.16s\": want %s",
					   fmt_given, offered);
		}
		s->format = bit;
	}
	if (json_given) {
		if (fmt_given != NULL && s->format != ARGS_FORMAT_JSON)
			return acc_err_set(err, ACC_EINVAL,
					   "--json and --format %s disagree",
					   fmt_given);
		s->format = ARGS_FORMAT_JSON;
	}
	if (s->csv_safe && s->format != ARGS_FORMAT_CSV)
		return acc_err_set(err, ACC_EINVAL,
				   "--csv-safe applies to --format csv");
	return 0;
}

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
	s->format = 0;
	s->csv_safe = 0;
	for (size_t i = 0; i < s->opts_len; i++)
		s->opts[i].value = NULL;
	int opts_done = 0, json_given = 0;
	const char *fmt_given = NULL;
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
		if (!opts_done && s->formats != 0) {
			int rc = format_flag(s, argc, argv, &i, &fmt_given,
					     &json_given, err);
			if (rc < 0)
				return rc;
			if (rc == 1)
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
	if (s->formats != 0)
		return format_settle(s, fmt_given, json_given, err);
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
		const char *env = env_default_name(s->opts[i].name);
		if (env != NULL && s->opts[i].metavar != NULL)
			fprintf(f, "  %-24s %s [$%s]\n", left, s->opts[i].help,
				env);
		else
			fprintf(f, "  %-24s %s\n", left, s->opts[i].help);
	}
	if (s->formats != 0) {
		char left[64] = "--format ", *p = left + 9;
		for (size_t i = 0; i < FORMAT_NAMES; i++)
			if (s->formats & format_names[i].bit)
				p += snprintf(p, 16, "%s%s", p > left + 9 ? "|" : "",
					      format_names[i].name);
		fprintf(f, "  %-24s output format (default %s)\n", left,
			format_default(s->formats) == ARGS_FORMAT_TABLE ? "table"
			: format_default(s->formats) == ARGS_FORMAT_CSV ? "csv"
									: "json");
		if (s->formats & ARGS_FORMAT_JSON)
			fprintf(f, "  %-24s %s\n", "--json",
				"the same as --format json");
		if (s->formats & ARGS_FORMAT_CSV)
			fprintf(f, "  %-24s %s\n", "--csv-safe",
				"CSV: neutralise cells starting =, +, -, @");
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
	int rc = dec_u64_parse(text, text ? strlen(text) : 0, DEC_LENIENT,
			       out);
	if (rc == ACC_ERANGE)
		return acc_err_set(err, rc, "%s: %.32s is too large", what,
				   text);
	if (rc != 0)
		return acc_err_set(err, rc,
				   "%s: \"%.32s\" is not a decimal number",
				   what, text ? text : "");
	return 0;
}

const char *args_get_or(const struct arg_spec *s, const char *name,
			const char *dflt)
{
	const char *v = args_get(s, name);
	if (v != NULL)
		return v;
	const char *env = env_default_name(name);
	if (env != NULL && (v = getenv(env)) != NULL && v[0] != '\0')
		return v;
	return dflt;
}
