/* obligation_csv.c - an agreement's obligations from CSV rows
 * (specs/cli.md §11.6). */
#include "cli/obligation_csv.h"

#include <stdlib.h>
#include <string.h>

#include "cli/csv_rows.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"

enum obl_col {
	O_PARTY,
	O_SCOPE,
	O_POLLUTANT,
	O_METRIC,
	O_PERIOD_START,
	O_PERIOD_END,
	O_DEADLINE,
	O_TARGET,
	O_DEFAULT_VALUE,
	O_FREQUENCY,
	O_BASELINE_YEAR,
	O_BASELINE_VALUE,
	O_COUNT
};

static const char *const obl_col_names[O_COUNT] = {
    "party",	  "scope",	"pollutant",	 "metric",
    "period_start", "period_end", "deadline",	 "target",
    "default_value", "frequency", "baseline_year", "baseline_value"};

static const struct csv_table obl_table = {
    .names = obl_col_names,
    .count = O_COUNT,
    .required = O_BASELINE_YEAR,
    .header = OBLIGATION_CSV_HEADER,
};

struct fill {
	json_t *agreement; /* the template, "obligations" = [the row] */
	json_t *out;	   /* the good rows' obligations */
	struct acc_err *err;
	int template_bad; /* the template failed on its own fields */
};

/* A quantity field: a JSON number as specs/encoding.md §2.8 writes it
 * (NULL with a problem when it is not a decimal of at most 3 places). */
static json_t *qty(const struct csv_cols *cols, const struct csv_record *rec,
		   enum obl_col c, struct rowmsg *msg)
{
	char buf[64], sh[48];
	int64_t v;
	struct acc_err e = {0};
	const char *s = csv_row_trimmed(buf, sizeof buf,
					csv_cols_get(cols, rec, c));
	if (fixed_milli_parse(&v, s, strlen(s), &e) != 0) {
		csv_row_problem(msg, "%s \"%s\" is not a decimal with at most "
				     "3 places",
				obl_col_names[c], csv_row_shown(sh, s));
		return NULL;
	}
	return fixed_milli_to_json(v);
}

static int set_new(json_t *o, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(o, key, v) != 0 ? ACC_ENOMEM
								 : 0;
}

static int row_fill(void *ctx, const struct csv_cols *cols,
		    const struct csv_record *rec, struct rowmsg *msg)
{
	struct fill *f = ctx;
	char buf[64], sh[48];
	json_t *o = json_object();
	if (o == NULL)
		return ACC_ENOMEM;
	/* Names, times and enumerations go to the JSON form as trimmed
	 * strings, which the entry's own parser then checks; scope is text,
	 * kept exactly. */
	static const enum obl_col words[] = {O_PARTY,	 O_POLLUTANT,
					 O_METRIC,	 O_PERIOD_START,
					 O_PERIOD_END, O_DEADLINE,
					 O_FREQUENCY};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof words / sizeof words[0]; i++)
		rc = set_new(o, obl_col_names[words[i]],
			     json_string(csv_row_trimmed(
				 buf, sizeof buf,
				 csv_cols_get(cols, rec, words[i]))));
	if (rc == 0)
		rc = set_new(o, "scope",
			     json_string(csv_cols_get(cols, rec, O_SCOPE)));
	static const enum obl_col qtys[] = {O_TARGET, O_DEFAULT_VALUE};
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		json_t *v = qty(cols, rec, qtys[i], msg);
		if (v != NULL)
			rc = set_new(o, obl_col_names[qtys[i]], v);
	}
	const char *by = csv_row_trimmed(
	    buf, sizeof buf, csv_cols_get(cols, rec, O_BASELINE_YEAR));
	if (rc == 0 && *by != '\0') {
		char *end;
		unsigned long y = strtoul(by, &end, 10);
		if (*end != '\0' || y < 1 || y > 9999 || by[0] == '0')
			csv_row_problem(msg, "baseline_year \"%s\" is not a year",
					csv_row_shown(sh, by));
		else
			rc = set_new(o, "baseline_year",
				     json_integer((json_int_t)y));
	}
	char bv[64];
	if (rc == 0 && *csv_row_trimmed(bv, sizeof bv,
					csv_cols_get(cols, rec,
						     O_BASELINE_VALUE)) != '\0') {
		json_t *v = qty(cols, rec, O_BASELINE_VALUE, msg);
		if (v != NULL)
			rc = set_new(o, "baseline_value", v);
	}
	if (rc != 0 || msg->count > 0) {
		json_decref(o);
		return rc;
	}
	/* Check the row as the entry's JSON form checks an obligation: the
	 * template holding this one row. */
	json_t *one = json_array();
	if (one == NULL || json_array_append(one, o) != 0 ||
	    json_object_set_new(f->agreement, "obligations", one) != 0) {
		json_decref(o);
		return ACC_ENOMEM;
	}
	struct entry e;
	struct acc_err je = {0};
	int jrc = entry_from_json(&e, f->agreement, &je);
	if (jrc == ACC_ENOMEM) {
		json_decref(o);
		return ACC_ENOMEM;
	}
	if (jrc == 0) {
		entry_free(&e);
		rc = json_array_append_new(f->out, o) == 0 ? 0 : ACC_ENOMEM;
		return rc;
	}
	json_decref(o);
	const char *p = strstr(je.msg, "obligations[0].");
	if (p != NULL) {
		/* The row's own fault: the field without the path. */
		csv_row_problem(msg, "%.*s%s", (int)(p - je.msg), je.msg,
				p + strlen("obligations[0]."));
		return 0;
	}
	/* The template's: stop (err says which field). */
	f->template_bad = 1;
	(void)acc_err_set(f->err, jrc, "the agreement: %s", je.msg);
	return jrc;
}

int obligation_csv_fill(json_t *agreement, struct report_batch *b,
			const char *text, size_t len, struct acc_err *err)
{
	struct fill f = {.agreement = agreement, .err = err};
	memset(b, 0, sizeof *b);
	if (!json_is_object(agreement))
		return acc_err_set(err, ACC_ETYPE,
				   "the agreement is not a JSON object");
	f.out = json_array();
	if (f.out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	/* A template without "time" is allowed (accord submit sets it): the
	 * checks run with a stand-in, taken out again at the end. */
	int no_time = json_object_get(agreement, "time") == NULL;
	if (no_time && json_object_set_new(agreement, "time",
					   json_string("1970-01-01T00:00:00Z")))
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	struct acc_err rerr = {0};
	int rc = csv_table_read(&obl_table, text, len, row_fill, &f, b, &rerr);
	if (no_time)
		(void)json_object_del(agreement, "time");
	if (rc != 0 && !f.template_bad)
		(void)acc_err_set(err, rc, "%s", rerr.msg);
	if (rc == 0 && b->bad_len > 0) {
		report_batch_bad_sort(b);
		rc = acc_err_set(err, ACC_EINVAL, "%zu of %zu rows are bad",
				 b->bad_len, b->rows);
	}
	if (rc == 0 && json_array_size(f.out) > OBLIGATIONS_MAX)
		rc = acc_err_set(err, ACC_ETOOBIG,
				 "%zu obligations: an agreement holds at most "
				 "%u",
				 json_array_size(f.out), OBLIGATIONS_MAX);
	if (rc != 0) {
		json_decref(f.out);
		(void)json_object_set_new(agreement, "obligations",
					  json_array());
		return rc;
	}
	if (json_object_set_new(agreement, "obligations", f.out) != 0)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	return 0;
}
