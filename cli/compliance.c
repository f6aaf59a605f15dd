/* compliance.c - compliance rows from a node, printed as a table, CSV or
 * JSON (specs/cli.md §11.3). */
#include "cli/compliance.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

/* One row of GET /v1/compliance, read and type-checked (specs/cli.md
 * §11.3 lists which members a row must have). Strings are borrowed from
 * the JSON; NULL when absent or null. */
struct crow {
	const char *agreement, *title, *party, *scope, *pollutant, *metric,
	    *unit, *period_start, *period_end, *deadline, *status,
	    *notation_key, *report, *currency, *payer, *payee, *closes,
	    *assessed, *corr_report, *corr_notation_key;
	/* The compensation's payees when the payer is the payee (§6.3). */
	const json_t *payees;
	int capped, has_corr, has_corr_value, has_corr_att, has_default;
	int64_t default_value, corr_value;
	json_int_t corr_attestations;
	/* The party's display name from genesis, or NULL. */
	const char *party_name;
	int has_grace, has_byear, has_bvalue, has_reported, has_late, has_att,
	    has_att_req, has_shortfall, has_comp, late;
	json_int_t grace_days, baseline_year, attestations,
	    attestations_required;
	int64_t baseline_value, target, reported, shortfall, comp_amount;
};

static int bad(struct acc_err *err, size_t i, const char *key, const char *what)
{
	return acc_err_set(err, ACC_EDECODE, "compliance row %zu: \"%s\" %s", i,
			   key, what);
}

static int get_str(const json_t *row, size_t i, const char *key, int required,
		   const char **out, struct acc_err *err)
{
	const json_t *v = json_object_get(row, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? bad(err, i, key, "is missing") : 0;
	if (!json_is_string(v))
		return bad(err, i, key, "is not a string");
	*out = json_string_value(v);
	return 0;
}

static int get_qty(const json_t *row, size_t i, const char *key, int required,
		   int *has, int64_t *out, struct acc_err *err)
{
	const json_t *v = json_object_get(row, key);
	struct acc_err e2 = {0};
	*has = 0;
	*out = 0;
	if (v == NULL || json_is_null(v))
		return required ? bad(err, i, key, "is missing") : 0;
	if (fixed_milli_from_json(out, v, key, &e2) != 0)
		return bad(err, i, key, "is not a quantity");
	*has = 1;
	return 0;
}

static int get_int(const json_t *row, size_t i, const char *key, int *has,
		   json_int_t *out, struct acc_err *err)
{
	const json_t *v = json_object_get(row, key);
	*has = 0;
	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad(err, i, key, "is not an integer");
	*out = json_integer_value(v);
	*has = 1;
	return 0;
}

static int row_read(const json_t *row, size_t i, struct crow *r,
		    struct acc_err *err)
{
	int rc, has;
	memset(r, 0, sizeof *r);
	if (!json_is_object(row))
		return acc_err_set(err, ACC_EDECODE,
				   "compliance row %zu is not an object", i);
	if ((rc = get_str(row, i, "agreement", 1, &r->agreement, err)) ||
	    (rc = get_str(row, i, "party", 1, &r->party, err)) ||
	    (rc = get_str(row, i, "scope", 1, &r->scope, err)) ||
	    (rc = get_str(row, i, "pollutant", 1, &r->pollutant, err)) ||
	    (rc = get_str(row, i, "metric", 1, &r->metric, err)) ||
	    (rc = get_str(row, i, "period_start", 1, &r->period_start, err)) ||
	    (rc = get_str(row, i, "period_end", 1, &r->period_end, err)) ||
	    (rc = get_str(row, i, "status", 1, &r->status, err)) ||
	    (rc = get_str(row, i, "title", 0, &r->title, err)) ||
	    (rc = get_str(row, i, "unit", 0, &r->unit, err)) ||
	    (rc = get_str(row, i, "deadline", 0, &r->deadline, err)) ||
	    (rc = get_str(row, i, "notation_key", 0, &r->notation_key, err)) ||
	    (rc = get_str(row, i, "report", 0, &r->report, err)) ||
	    (rc = get_str(row, i, "reporting_closes", 0, &r->closes, err)) ||
	    (rc = get_str(row, i, "assessed", 0, &r->assessed, err)) ||
	    (rc = get_qty(row, i, "target", 1, &has, &r->target, err)) ||
	    (rc = get_qty(row, i, "default_value", 0, &r->has_default,
			  &r->default_value, err)) ||
	    (rc = get_qty(row, i, "baseline_value", 0, &r->has_bvalue,
			  &r->baseline_value, err)) ||
	    (rc = get_qty(row, i, "reported", 0, &r->has_reported, &r->reported,
			  err)) ||
	    (rc = get_qty(row, i, "shortfall", 0, &r->has_shortfall,
			  &r->shortfall, err)) ||
	    (rc = get_int(row, i, "grace_days", &r->has_grace, &r->grace_days,
			  err)) ||
	    (rc = get_int(row, i, "baseline_year", &r->has_byear,
			  &r->baseline_year, err)) ||
	    (rc = get_int(row, i, "attestations", &r->has_att, &r->attestations,
			  err)) ||
	    (rc = get_int(row, i, "attestations_required", &r->has_att_req,
			  &r->attestations_required, err)))
		return rc;
	size_t n = strlen(r->agreement);
	if (n < 12 || strspn(r->agreement, "0123456789abcdef") != n)
		return bad(err, i, "agreement", "is not a hex id");
	const json_t *late = json_object_get(row, "late");
	if (late != NULL && !json_is_null(late)) {
		if (!json_is_boolean(late))
			return bad(err, i, "late", "is not a boolean");
		r->has_late = 1;
		r->late = json_is_true(late);
	}
	const json_t *c = json_object_get(row, "compensation");
	if (c != NULL && !json_is_null(c)) {
		if (!json_is_object(c))
			return bad(err, i, "compensation", "is not an object");
		if ((rc = get_qty(c, i, "amount", 1, &r->has_comp,
				  &r->comp_amount, err)) ||
		    (rc = get_str(c, i, "currency", 1, &r->currency, err)) ||
		    (rc = get_str(c, i, "payer", 0, &r->payer, err)) ||
		    (rc = get_str(c, i, "payee", 0, &r->payee, err)))
			return rc;
		const json_t *p = json_object_get(c, "payees");
		if (p != NULL && !json_is_null(p)) {
			if (!json_is_array(p))
				return bad(err, i, "payees", "is not an array");
			for (size_t k = 0; k < json_array_size(p); k++)
				if (!json_is_string(json_array_get(p, k)))
					return bad(err, i, "payees",
						   "holds a non-string");
			r->payees = p;
		}
		const json_t *cap = json_object_get(c, "capped");
		if (cap != NULL && !json_is_null(cap)) {
			if (!json_is_boolean(cap))
				return bad(err, i, "capped",
					   "is not a boolean");
			r->capped = json_is_true(cap);
		}
	}
	/* A correction awaiting verification (specs/compliance.md §6.1). */
	c = json_object_get(row, "correction");
	if (c != NULL && !json_is_null(c)) {
		if (!json_is_object(c))
			return bad(err, i, "correction", "is not an object");
		if ((rc = get_str(c, i, "report", 1, &r->corr_report, err)) ||
		    (rc = get_qty(c, i, "reported", 0, &r->has_corr_value,
				  &r->corr_value, err)) ||
		    (rc = get_str(c, i, "notation_key", 0,
				  &r->corr_notation_key, err)) ||
		    (rc = get_int(c, i, "attestations", &r->has_corr_att,
				  &r->corr_attestations, err)))
			return rc;
		r->has_corr = 1;
	}
	return 0;
}

/* The display name genesis gives a party, or NULL. */
static const char *party_name(const struct genesis *g, const char *id)
{
	for (size_t k = 0; g != NULL && k < g->party_count; k++)
		if (strcmp(g->parties[k].id, id) == 0)
			return g->parties[k].name[0] ? g->parties[k].name
						     : NULL;
	return NULL;
}

size_t compliance_text_cols(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cols = 0;
	while (*p) {
		uint32_t cp;
		size_t n;
		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x1F) << 6 | (p[1] & 0x3F);
			n = 2;
		} else if ((*p & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 &&
			   (p[2] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x0F) << 12 |
			     (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
			n = 3;
		} else if ((*p & 0xF8) == 0xF0 && (p[1] & 0xC0) == 0x80 &&
			   (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x07) << 18 |
			     (uint32_t)(p[1] & 0x3F) << 12 |
			     (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
			n = 4;
		} else {
			cols++;
			p++;
			continue;
		}
		p += n;
		if ((cp >= 0x0300 && cp <= 0x036F) ||
		    (cp >= 0x200B && cp <= 0x200F) ||
		    (cp >= 0xFE00 && cp <= 0xFE0F))
			continue;
		if ((cp >= 0x1100 && cp <= 0x115F) ||
		    (cp >= 0x2E80 && cp <= 0x303E) ||
		    (cp >= 0x3041 && cp <= 0xA4CF) ||
		    (cp >= 0xAC00 && cp <= 0xD7A3) ||
		    (cp >= 0xF900 && cp <= 0xFAFF) ||
		    (cp >= 0xFE30 && cp <= 0xFE4F) ||
		    (cp >= 0xFF00 && cp <= 0xFF60) ||
		    (cp >= 0xFFE0 && cp <= 0xFFE6) ||
		    (cp >= 0x1F300 && cp <= 0x1F64F) ||
		    (cp >= 0x20000 && cp <= 0x3FFFD))
			cols += 2;
		else
			cols += 1;
	}
	return cols;
}

/* The table's cells. */
enum {
	T_AGREEMENT,
	T_PARTY,
	T_SCOPE,
	T_POLLUTANT,
	T_METRIC,
	T_PERIOD,
	T_TARGET,
	T_REPORTED,
	T_ATT,
	T_STATUS,
	T_SHORTFALL,
	T_COMPENSATION,
	T_NOTES, /* only when a row has a note */
	T_COLS
};
static const char *const t_head[T_COLS] = {
    "agreement", "party",	 "scope",    "pollutant", "metric",
    "period",	 "target",	 "reported", "att.",	  "status",
    "shortfall", "compensation", "notes",
};
/* Numbers are right-aligned. */
static const int t_right[T_COLS] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0};

/* Bytes of a cell: COMPLIANCE_CELL_COLS_MAX characters of up to 4 bytes,
 * the "…" and a NUL. */
#define CELL_BYTES (4u * COMPLIANCE_CELL_COLS_MAX + 8u)

/* Copy s into out[CELL_BYTES] for a terminal: control characters (C0,
 * DEL, C1) become '?', and text wider than max columns is cut at a
 * character boundary and ends in "…". */
static void cell_set_n(char *out, size_t cap, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, cols = 0;
	while (*p) {
		size_t n = 1;
		if (*p >= 0xC0) {
			while (n < 4 && (p[n] & 0xC0) == 0x80)
				n++;
		}
		char ch[5];
		memcpy(ch, p, n);
		ch[n] = '\0';
		if (n == 1 && (*p < 0x20 || *p == 0x7F || *p >= 0x80))
			ch[0] = '?';
		if (n == 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			ch[0] = '?';
			ch[1] = '\0';
			n = 2;
		}
		size_t w = compliance_text_cols(ch);
		if (cols + w > max || o + strlen(ch) + 4 >= cap) {
			/* Make room for the ellipsis within max columns. */
			while (o > 0 && cols + 1 > max) {
				do
					o--;
				while (o > 0 &&
				       ((unsigned char)out[o] & 0xC0) == 0x80);
				out[o] = '\0';
				cols = compliance_text_cols(out);
			}
			memcpy(out + o, "…", sizeof "…");
			return;
		}
		memcpy(out + o, ch, strlen(ch));
		o += strlen(ch);
		cols += w;
		p += n;
	}
	out[o] = '\0';
}

static void cell_set(char *out, const char *s, size_t max)
{
	cell_set_n(out, CELL_BYTES, s, max);
}

static void cellf(char *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void cellf(char *out, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	cell_set(out, tmp, COMPLIANCE_CELL_COLS_MAX);
}

/* "60 µg/m³", "25%", "1200 t". */
static void qty_unit(char *out, size_t n, int64_t milli, const char *unit)
{
	char v[QTY_TEXT_BYTES_MAX];
	fixed_milli_format(v, milli);
	if (unit == NULL || unit[0] == '\0')
		(void)snprintf(out, n, "%s", v);
	else if (strcmp(unit, "%") == 0)
		(void)snprintf(out, n, "%s%%", v);
	else
		(void)snprintf(out, n, "%s %.16s", v, unit);
}

/* "2017" for a calendar year (ending at 23:59:59 on 31 December or, as a
 * half-open period, at 00:00:00 on 1 January), else "start..end" as
 * dates, the end shown as the last day the period covers. */
static void period_text(char *out, size_t n, const char *start, const char *end)
{
	uint64_t a, b;
	if (fixed_time_parse(&a, start, NULL) != 0 ||
	    fixed_time_parse(&b, end, NULL) != 0 || b <= a) {
		(void)snprintf(out, n, "%.20s..%.20s", start, end);
		return;
	}
	char sa[TIME_TEXT_BYTES], sb[TIME_TEXT_BYTES];
	fixed_time_format(sa, a);
	uint64_t last = b % 86400u == 0 ? b - 1 : b;
	fixed_time_format(sb, last);
	if (strcmp(sa + 4, "-01-01T00:00:00Z") == 0 && memcmp(sa, sb, 4) == 0 &&
	    strcmp(sb + 4, "-12-31T23:59:59Z") == 0 &&
	    (b % 86400u == 0 || b % 86400u == 86399u)) {
		(void)snprintf(out, n, "%.4s", sa);
		return;
	}
	(void)snprintf(out, n, "%.10s..%.10s", sa, sb);
}

static void row_cells(const struct crow *r, char cells[T_COLS][CELL_BYTES])
{
	char a[128], b[128];
	cellf(cells[T_AGREEMENT], "%.12s", r->agreement);
	if (r->party_name != NULL)
		cellf(cells[T_PARTY], "%.32s (%.100s)", r->party,
		      r->party_name);
	else
		cell_set(cells[T_PARTY], r->party, COMPLIANCE_CELL_COLS_MAX);
	cell_set(cells[T_SCOPE], r->scope[0] ? r->scope : "-",
		 COMPLIANCE_CELL_COLS_MAX);
	cell_set(cells[T_POLLUTANT], r->pollutant, COMPLIANCE_CELL_COLS_MAX);
	const char *m = r->metric;
	int reduction = strcmp(m, "percent_reduction") == 0;
	if (strcmp(m, "annual_mean_concentration") == 0)
		m = "annual mean";
	else if (strcmp(m, "total_emissions") == 0)
		m = "emissions";
	else if (reduction)
		m = "reduction";
	cell_set(cells[T_METRIC], m, COMPLIANCE_CELL_COLS_MAX);
	period_text(a, sizeof a, r->period_start, r->period_end);
	cell_set(cells[T_PERIOD], a, COMPLIANCE_CELL_COLS_MAX);
	/* specs/compliance.md: concentrations and emissions are met at or
	 * below the target, reductions at or above it. */
	qty_unit(a, sizeof a, r->target, r->unit);
	cellf(cells[T_TARGET], "%s %s", reduction ? "≥" : "≤", a);
	if (r->has_reported)
		qty_unit(a, sizeof a, r->reported, r->unit);
	else
		(void)snprintf(a, sizeof a, "%.40s",
			       r->notation_key ? r->notation_key : "-");
	cell_set(cells[T_REPORTED], a, COMPLIANCE_CELL_COLS_MAX);
	if (r->has_att && r->has_att_req)
		cellf(cells[T_ATT], "%lld/%lld", (long long)r->attestations,
		      (long long)r->attestations_required);
	else if (r->has_att)
		cellf(cells[T_ATT], "%lld", (long long)r->attestations);
	else
		cellf(cells[T_ATT], "-");
	/* A pending row says until when: after the close of reporting it
	 * is not_reported, assessed at the default (compliance.md §6.1). */
	if (strcmp(r->status, "pending") == 0 && r->closes != NULL)
		cellf(cells[T_STATUS], "pending%s until %.10s",
		      r->late ? " (late)" : "", r->closes);
	else
		cellf(cells[T_STATUS], "%.32s%s", r->status,
		      r->late ? " (late)" : "");
	if (r->has_shortfall)
		qty_unit(a, sizeof a, r->shortfall, r->unit);
	else
		(void)snprintf(a, sizeof a, "-");
	cell_set(cells[T_SHORTFALL], a, COMPLIANCE_CELL_COLS_MAX);
	/* A met obligation owes nothing: shown as no compensation. */
	if (r->has_comp && r->comp_amount != 0) {
		char v[QTY_TEXT_BYTES_MAX];
		fixed_milli_format(v, r->comp_amount);
		/* Capped amounts are at least what is shown; shared ones
		 * name how many share them (the notes list who). */
		if (r->payees != NULL)
			(void)snprintf(b, sizeof b, "%s%s %.8s shared by %zu",
				       r->capped ? "≥ " : "", v, r->currency,
				       json_array_size(r->payees));
		else
			(void)snprintf(b, sizeof b, "%s%s %.8s%s%.32s",
				       r->capped ? "≥ " : "", v, r->currency,
				       r->payee ? " to " : "",
				       r->payee ? r->payee : "");
	} else {
		(void)snprintf(b, sizeof b, "-");
	}
	cell_set(cells[T_COMPENSATION], b, COMPLIANCE_CELL_COLS_MAX);
	cells[T_NOTES][0] = '\0';
}

/* Kinds of note a row can carry, in the order they are listed. */
enum { N_CORRECTION, N_DEFAULT, N_SHARED, N_CAPPED, N_KINDS };

static int note_has(const struct crow *r, int kind)
{
	switch (kind) {
	case N_CORRECTION:
		return r->has_corr;
	case N_DEFAULT:
		return r->assessed != NULL &&
		       strcmp(r->assessed, "default") == 0;
	case N_SHARED:
		return r->has_comp && r->comp_amount != 0 && r->payees != NULL;
	default:
		return r->has_comp && r->capped;
	}
}

/* The text of one note (specs/cli.md §11.3), for a terminal. */
static void note_text(char *out, size_t n, const struct crow *r, int kind)
{
	char a[QTY_TEXT_BYTES_MAX + 24], t[600];
	size_t o = 0;
	switch (kind) {
	case N_CORRECTION:
		if (r->has_corr_value)
			qty_unit(a, sizeof a, r->corr_value, r->unit);
		else
			(void)snprintf(a, sizeof a, "%.16s",
				       r->corr_notation_key
					   ? r->corr_notation_key
					   : "no value");
		(void)snprintf(t, sizeof t,
			       "a correction awaiting verification: %s "
			       "(report %.12s…, %lld attestation%s); the row "
			       "follows the verified report until a verifier "
			       "attests it",
			       a, r->corr_report,
			       (long long)r->corr_attestations,
			       r->corr_attestations == 1 ? "" : "s");
		break;
	case N_DEFAULT:
		if (r->has_default)
			qty_unit(a, sizeof a, r->default_value, r->unit);
		else
			(void)snprintf(a, sizeof a, "?");
		(void)snprintf(t, sizeof t,
			       "no verified figure when reporting closed%s%.20s"
			       "%s: assessed at the default, %s%s",
			       r->closes ? " (" : "",
			       r->closes ? r->closes : "", r->closes ? ")" : "",
			       a,
			       strcmp(r->status, "unverified") == 0
				   ? ", or the party's own unverified figure "
				     "if worse"
				   : "");
		break;
	case N_SHARED:
		o = (size_t)snprintf(t, sizeof t,
				     "the payer is the payee and never owes "
				     "itself: owed in equal shares to");
		for (size_t k = 0;
		     k < json_array_size(r->payees) && o < sizeof t - 40; k++)
			o += (size_t)snprintf(
			    t + o, sizeof t - o, "%s %.32s", k ? "," : "",
			    json_string_value(json_array_get(r->payees, k)));
		break;
	default:
		(void)snprintf(t, sizeof t,
			       "capped at 10^12: the amount computed is "
			       "larger");
		break;
	}
	char scope[4 * 40 + 8];
	cell_set_n(scope, sizeof scope, r->scope, 40);
	char body[4 * 300 + 8];
	cell_set_n(body, sizeof body, t, 300);
	(void)snprintf(out, n, "%.12s %.32s%s%s: %s", r->agreement, r->party,
		       r->scope[0] ? " " : "", r->scope[0] ? scope : "", body);
}

/* Set the notes cell "[k][k+1]…" of a row whose first note is number
 * *next; advances *next. */
static void notes_cell(char *cell, const struct crow *r, size_t *next)
{
	size_t o = 0;
	cell[0] = '\0';
	for (int k = 0; k < N_KINDS; k++)
		if (note_has(r, k) && o + 16 < CELL_BYTES)
			o += (size_t)snprintf(cell + o, CELL_BYTES - o, "[%zu]",
					      (*next)++);
}

static void pad(FILE *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc(' ', f);
}

static void line_print(FILE *f, char cells[T_COLS][CELL_BYTES],
		       const size_t *width, size_t ncols)
{
	/* A row without notes ends at its compensation. */
	if (ncols == T_COLS && cells[T_NOTES][0] == '\0')
		ncols--;
	for (size_t c = 0; c < ncols; c++) {
		size_t w = compliance_text_cols(cells[c]);
		size_t gap = width[c] > w ? width[c] - w : 0;
		if (c > 0)
			fputs("  ", f);
		if (t_right[c])
			pad(f, gap);
		fputs(cells[c], f);
		/* No trailing blanks at the end of a line. */
		if (!t_right[c] && c + 1 < ncols)
			pad(f, gap);
	}
	fputc('\n', f);
}

/* Statuses in the order of specs/compliance.md, for the count line. */
static const char *const statuses[] = {
    "met",	"missed",	"pending",    "unverified",
    "disputed", "not_reported", "superseded",
};

/* Read row i and name its party from genesis. */
static int row_get(const json_t *rows, size_t i, const struct genesis *g,
		   struct crow *r, struct acc_err *err)
{
	int rc = row_read(json_array_get(rows, i), i, r, err);
	if (rc == 0)
		r->party_name = party_name(g, r->party);
	return rc;
}

int compliance_table_write(FILE *f, const json_t *rows, const struct genesis *g,
			   struct acc_err *err)
{
	size_t n = json_array_size(rows), width[T_COLS], next = 1;
	size_t ncols = T_COLS - 1;
	struct crow r;
	int rc = 0;
	if (!json_is_array(rows))
		return acc_err_set(err, ACC_EDECODE,
				   "compliance: \"rows\" is not an array");
	char(*cells)[CELL_BYTES] = malloc(T_COLS * CELL_BYTES);
	if (cells == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	/* Pass 1: check every row and measure; nothing is printed unless
	 * every row is readable. */
	for (size_t c = 0; c < T_COLS; c++)
		width[c] = compliance_text_cols(t_head[c]);
	for (size_t i = 0; i < n; i++) {
		if ((rc = row_get(rows, i, g, &r, err)) != 0)
			goto out;
		row_cells(&r, cells);
		notes_cell(cells[T_NOTES], &r, &next);
		if (cells[T_NOTES][0] != '\0')
			ncols = T_COLS;
		for (size_t c = 0; c < T_COLS; c++) {
			size_t w = compliance_text_cols(cells[c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t c = 0; c < T_COLS; c++)
		cell_set(cells[c], t_head[c], COMPLIANCE_CELL_COLS_MAX);
	line_print(f, cells, width, ncols);
	next = 1;
	for (size_t i = 0; i < n; i++) {
		(void)row_get(rows, i, g, &r, err);
		row_cells(&r, cells);
		notes_cell(cells[T_NOTES], &r, &next);
		line_print(f, cells, width, ncols);
	}
	if (n == 0) {
		fputs("(no obligations)\n", f);
		goto out;
	}
	/* The titles, once per agreement, in order of first appearance. */
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		(void)row_get(rows, i, g, &r, err);
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++) {
			const char *a = json_string_value(json_object_get(
			    json_array_get(rows, k), "agreement"));
			seen = a != NULL && strcmp(a, r.agreement) == 0;
		}
		if (seen)
			continue;
		char t[4 * 100 + 8];
		cell_set_n(t, sizeof t, r.title ? r.title : "", 100);
		fprintf(f, "%.12s  %s\n", r.agreement, t);
	}
	/* The notes, numbered as in the notes column. */
	if (ncols == T_COLS) {
		fputc('\n', f);
		next = 1;
		for (size_t i = 0; i < n; i++) {
			(void)row_get(rows, i, g, &r, err);
			for (int k = 0; k < N_KINDS; k++) {
				char t[2048];
				if (!note_has(&r, k))
					continue;
				note_text(t, sizeof t, &r, k);
				fprintf(f, "[%zu] %s\n", next++, t);
			}
		}
	}
	size_t count[sizeof statuses / sizeof statuses[0]] = {0}, other = 0;
	for (size_t i = 0; i < n; i++) {
		(void)row_get(rows, i, g, &r, err);
		size_t s = 0;
		while (s < sizeof statuses / sizeof statuses[0] &&
		       strcmp(statuses[s], r.status) != 0)
			s++;
		if (s < sizeof statuses / sizeof statuses[0])
			count[s]++;
		else
			other++;
	}
	fprintf(f, "\n%zu obligation%s:", n, n == 1 ? "" : "s");
	const char *sep = " ";
	for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
		if (count[s] > 0) {
			fprintf(f, "%s%zu %s", sep, count[s], statuses[s]);
			sep = ", ";
		}
	if (other > 0)
		fprintf(f, "%s%zu other", sep, other);
	fputc('\n', f);
out:
	free(cells);
	return rc;
}

int compliance_table_print(FILE *f, const json_t *rows, struct acc_err *err)
{
	return compliance_table_write(f, rows, NULL, err);
}

static void csv_qty(FILE *f, int has, int64_t milli)
{
	char v[QTY_TEXT_BYTES_MAX] = "";
	if (has)
		fixed_milli_format(v, milli);
	csv_field_write_sep(f, v, 0);
}

static void csv_int(FILE *f, int has, json_int_t v)
{
	char t[32] = "";
	if (has)
		(void)snprintf(t, sizeof t, "%lld", (long long)v);
	csv_field_write_sep(f, t, 0);
}

/* The payees joined by ';', or "" (into out[n]). */
static void payees_join(char *out, size_t n, const json_t *payees)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t k = 0; k < json_array_size(payees) && o + 1 < n; k++)
		o += (size_t)snprintf(
		    out + o, n - o, "%s%s", k ? ";" : "",
		    json_string_value(json_array_get(payees, k)));
}

int compliance_csv_write(FILE *f, const json_t *rows, const struct genesis *g,
			 struct acc_err *err)
{
	struct crow r;
	int rc;
	if (!json_is_array(rows))
		return acc_err_set(err, ACC_EDECODE,
				   "compliance: \"rows\" is not an array");
	for (size_t i = 0; i < json_array_size(rows); i++)
		if ((rc = row_get(rows, i, g, &r, err)) != 0)
			return rc;
	fputs(COMPLIANCE_CSV_HEADER, f);
	csv_record_end(f);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		char payees[64 * 34];
		(void)row_get(rows, i, g, &r, err);
		csv_field_write_sep(f, r.agreement, 1);
		csv_field_write_sep(f, r.title, 0);
		csv_field_write_sep(f, r.party, 0);
		csv_field_write_sep(f, r.scope, 0);
		csv_field_write_sep(f, r.pollutant, 0);
		csv_field_write_sep(f, r.metric, 0);
		csv_field_write_sep(f, r.unit, 0);
		csv_field_write_sep(f, r.period_start, 0);
		csv_field_write_sep(f, r.period_end, 0);
		csv_field_write_sep(f, r.deadline, 0);
		csv_int(f, r.has_grace, r.grace_days);
		csv_int(f, r.has_byear, r.baseline_year);
		csv_qty(f, r.has_bvalue, r.baseline_value);
		csv_qty(f, 1, r.target);
		csv_qty(f, r.has_reported, r.reported);
		csv_field_write_sep(f, r.notation_key, 0);
		csv_field_write_sep(f, r.report, 0);
		csv_field_write_sep(
		    f, r.has_late ? (r.late ? "true" : "false") : "", 0);
		csv_int(f, r.has_att, r.attestations);
		csv_int(f, r.has_att_req, r.attestations_required);
		csv_field_write_sep(f, r.status, 0);
		csv_qty(f, r.has_shortfall, r.shortfall);
		csv_qty(f, r.has_comp, r.comp_amount);
		csv_field_write_sep(f, r.currency, 0);
		csv_field_write_sep(f, r.payer, 0);
		csv_field_write_sep(f, r.payee, 0);
		/* The columns of issue 10 (specs/cli.md §11.3). */
		payees_join(payees, sizeof payees, r.payees);
		csv_field_write_sep(f, payees, 0);
		csv_field_write_sep(
		    f, r.has_comp ? (r.capped ? "true" : "false") : "", 0);
		csv_field_write_sep(f, r.closes, 0);
		csv_qty(f, r.has_default, r.default_value);
		csv_field_write_sep(f, r.assessed, 0);
		csv_field_write_sep(f, r.corr_report, 0);
		csv_qty(f, r.has_corr_value, r.corr_value);
		csv_field_write_sep(f, r.corr_notation_key, 0);
		csv_int(f, r.has_corr_att, r.corr_attestations);
		csv_field_write_sep(f, r.party_name, 0);
		csv_record_end(f);
	}
	return 0;
}

int compliance_csv_print(FILE *f, const json_t *rows, struct acc_err *err)
{
	return compliance_csv_write(f, rows, NULL, err);
}

int compliance_json_print(FILE *f, const json_t *j, struct acc_err *err)
{
	if (json_dumpf(j, f, JSON_INDENT(2) | QTY_JSON_DUMP_FLAGS) != 0)
		return acc_err_set(err, ACC_EIO, "cannot write JSON");
	fputc('\n', f);
	return 0;
}

int compliance_filter_check(const char *party, const char *agreement,
			    struct acc_err *err)
{
	if (party != NULL) {
		size_t n = strlen(party);
		if (n == 0 || n > 32 ||
		    strspn(party,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
			   "tuvwxyz0123456789._-") != n)
			return acc_err_set(err, ACC_EINVAL,
					   "--party: \"%.40s\" is not a party "
					   "id",
					   party);
	}
	if (agreement != NULL) {
		size_t n = strlen(agreement);
		if (n < 6 || n > 64 ||
		    strspn(agreement, "0123456789abcdefABCDEF") != n)
			return acc_err_set(
			    err, ACC_EINVAL,
			    "--agreement: an agreement id (64 "
			    "hex digits) or a prefix of at least "
			    "6");
	}
	return 0;
}

int compliance_fetch(struct http_client *c, const char *node, const char *party,
		     const char *agreement, json_t **answer,
		     struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX], q[256] = "", lower[65] = "";
	int rc;
	*answer = NULL;
	if ((rc = compliance_filter_check(party, agreement, err)) != 0)
		return rc;
	if (agreement != NULL) {
		size_t n = strlen(agreement);
		for (size_t i = 0; i < n; i++)
			lower[i] =
			    (char)(agreement[i] >= 'A' && agreement[i] <= 'F'
				       ? agreement[i] - 'A' + 'a'
				       : agreement[i]);
		lower[n] = '\0';
	}
	int full = agreement != NULL && strlen(lower) == 64;
	if (party != NULL)
		(void)snprintf(q, sizeof q, "?party=%s", party);
	if (full)
		(void)snprintf(q + strlen(q), sizeof q - strlen(q),
			       "%sagreement=%s", party ? "&" : "?", lower);
	if (http_url(url, node, "/v1/compliance%s", q) != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	json_t *j = NULL;
	if ((rc = http_get_json(c, url, &j, err)) != 0)
		return rc;
	json_t *rows = json_object_get(j, "rows");
	if (!json_is_array(rows)) {
		json_decref(j);
		return acc_err_set(err, ACC_EDECODE,
				   "answer of /v1/compliance has no \"rows\" "
				   "array");
	}
	if (agreement != NULL && !full) {
		/* A prefix: keep the rows whose agreement starts with it. */
		size_t n = strlen(lower);
		for (size_t i = json_array_size(rows); i-- > 0;) {
			const char *a = json_string_value(json_object_get(
			    json_array_get(rows, i), "agreement"));
			if (a == NULL || strncmp(a, lower, n) != 0)
				(void)json_array_remove(rows, i);
		}
	}
	*answer = j;
	return 0;
}
