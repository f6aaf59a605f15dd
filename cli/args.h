/* args.h - command-line options of the accord CLI: one table per command,
 * "--name VALUE", "--name=VALUE" and bare "--flag" forms, positional
 * arguments, and the --help text generated from the same table
 * (specs/cli.md §1). */
#ifndef ACCORD_CLI_ARGS_H
#define ACCORD_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/* Positional arguments one command accepts, at most. */
#define ARGS_POS_MAX 8u

/* One option. name and metavar are static strings owned by the caller's
 * table; value is filled by args_parse and points into argv (or at the
 * static string "1" for a flag), so it lives as long as argv. */
struct arg_opt {
	const char *name; /* without the leading "--" */
	const char
	    *metavar; /* "URL" for an option with a value, NULL for a flag */
	const char *help;  /* one line */
	const char *value; /* NULL when absent */
};

/* Output formats (specs/cli.md §1 "Output"): bits of arg_spec.formats. */
#define ARGS_FORMAT_TABLE 1u /* text for people: a table or a few lines */
#define ARGS_FORMAT_JSON 2u
#define ARGS_FORMAT_CSV 4u

/* A command's options and how many positional arguments it takes. */
struct arg_spec {
	const char *cmd;   /* "audit", "devnet init", … */
	const char *usage; /* the synopsis after "accord CMD " */
	const char *about; /* one or more lines of description */
	struct arg_opt *opts;
	size_t opts_len;
	size_t pos_min, pos_max; /* pos_max <= ARGS_POS_MAX */
	/* The formats a command whose output is data offers (ARGS_FORMAT_*
	 * bits; 0 = none). Then args_parse itself takes "--format F" (F one
	 * of them), "--json" (its short form, when JSON is offered) and
	 * "--csv-safe" (when CSV is offered), and the table needs no entries
	 * for them. */
	unsigned formats;
	/* Filled by args_parse. */
	const char *pos[ARGS_POS_MAX];
	size_t pos_len;
	int help;	  /* --help or -h was given */
	unsigned format;  /* the chosen ARGS_FORMAT_* (default: TABLE, else
			     CSV, else JSON among those offered); 0 if none */
	int csv_safe;	  /* --csv-safe: neutralise formula cells (csv.h) */
};

/* Parse argv[0..argc) (the words after the command name). An option given
 * twice, an unknown option, a missing value, a value given to a flag, or a
 * wrong number of positional arguments is ACC_EINVAL with the reason in
 * err. "--" ends the options. When --help is seen, parsing stops and
 * s->help is set (return 0). */
int args_parse(struct arg_spec *s, int argc, char **argv, struct acc_err *err);

/* The value of option name (NULL when absent). Asserts the name is in the
 * table: asking for an option the table lacks is a programmer error. */
const char *args_get(const struct arg_spec *s, const char *name);
/* The value of option name, or when it was not given its environment
 * default (ACCORD_NODE for "node", ACCORD_GENESIS for "genesis", when set
 * and not empty; specs/cli.md §1), or else dflt. Checks that options
 * exclude each other look at args_get: the environment is a default,
 * never an explicit option. */
const char *args_get_or(const struct arg_spec *s, const char *name,
			const char *dflt);

/* Print "usage: accord CMD USAGE", the description and the option table. */
void args_help_print(const struct arg_spec *s, FILE *f);

/*
 * The common start of every command: parse; on --help print the help to
 * stdout and return 0; on a usage error print "accord: CMD: reason" and
 * the usage line to stderr and return 2; otherwise return -1 ("go on").
 */
int args_run(struct arg_spec *s, int argc, char **argv);

/* Decimal u64 with no sign, no blanks, no trailing junk; ACC_EINVAL or
 * ACC_ERANGE naming what (e.g. "--entries"). */
int args_u64(const char *text, const char *what, uint64_t *out,
	     struct acc_err *err);

#endif
