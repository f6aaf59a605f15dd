/* report_csv.c - reports from and to CSV rows (specs/cli.md §11.2). */
#include "cli/report_csv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.h"
#include "cli/csv_rows.h"
#include "common/hex.h"
#include "ledger/fixed.h"

/* The columns, in the order of REPORT_CSV_HEADER. The first
 * COLS_REQUIRED must be in every file. */
enum col {
	C_AGREEMENT,
	C_PARTY,
	C_SCOPE,
	C_POLLUTANT,
	C_METRIC,
	C_PERIOD_START,
	C_PERIOD_END,
	C_VALUE,
	C_UNIT,
	C_METHOD,
	C_DATA_SOURCE,
	C_UNCERTAINTY,
	C_NOTATION_KEY,
	C_ATTACHMENTS,
	C_COUNT
};
#define COLS_REQUIRED 11

static const char *const col_names[C_COUNT] = {
    "agreement",    "party",	   "scope",	   "pollutant",	  "metric",
    "period_start", "period_end",  "value",	   "unit",	  "method",
    "data_source",  "uncertainty", "notation_key", "attachments",
};

/* Where each column is in the file (-1: absent) and how many fields a
 * row must have. */
struct colmap {
	int at[C_COUNT];
	size_t n;
};

void csv_row_problem(struct rowmsg *m, const char *fmt, ...)
{
	va_list ap;
	if (m->len + 1 >= sizeof m->buf)
		return;
	if (m->count++ > 0) {
		int w = snprintf(m->buf + m->len, sizeof m->buf - m->len, "; ");
		m->len += (size_t)w;
		if (m->len >= sizeof m->buf) {
			m->len = sizeof m->buf - 1;
			return;
		}
	}
	va_start(ap, fmt);
	int w = vsnprintf(m->buf + m->len, sizeof m->buf - m->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		m->len += (size_t)w;
	if (m->len >= sizeof m->buf)
		m->len = sizeof m->buf - 1;
}

/* A field's text for a message: at most 40 bytes, control bytes shown as
 * '?', so that a hostile file cannot paint the terminal. */
const char *csv_row_shown(char out[48], const char *s)
{
	size_t i = 0;
	for (; s[i] != '\0' && i < 40; i++)
		out[i] =
		    ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	out[i] = '\0';
	if (s[i] != '\0')
		memcpy(out + (i > 37 ? 37 : i), "...", 4);
	return out;
}

/* The detail of a ledger/fixed.h error without its "quantity: " lead. */
static const char *detail(const struct acc_err *e)
{
	const char *p = e->msg;
	if (strncmp(p, "quantity: ", 10) == 0)
		p += 10;
	return p;
}

int report_batch_bad_add(struct report_batch *b, uint64_t line, const char *msg)
{
	/* Room grows geometrically; rows are bounded, so is this. */
	if ((b->bad_len & (b->bad_len - 1)) == 0) {
		size_t cap = b->bad_len ? 2 * b->bad_len : 1;
		struct report_row_error *p =
		    realloc(b->bad, cap * sizeof *b->bad);
		if (p == NULL)
			return ACC_ENOMEM;
		b->bad = p;
	}
	struct report_row_error *x = &b->bad[b->bad_len++];
	x->line = line;
	(void)snprintf(x->msg, sizeof x->msg, "%s", msg);
	return 0;
}

int report_batch_item_add(struct report_batch *b, struct report_row *row)
{
	if ((b->len & (b->len - 1)) == 0) {
		size_t cap = b->len ? 2 * b->len : 1;
		struct report_row *p =
		    realloc(b->items, cap * sizeof *b->items);
		if (p == NULL)
			return ACC_ENOMEM;
		b->items = p;
	}
	b->items[b->len++] = *row;
	return 0;
}

void report_batch_items_free(struct report_batch *b)
{
	for (size_t i = 0; i < b->len; i++) {
		entry_free(&b->items[i].e);
		free(b->items[i].bytes);
	}
	free(b->items);
	b->items = NULL;
	b->len = 0;
}

void report_batch_free(struct report_batch *b)
{
	report_batch_items_free(b);
	free(b->bad);
	memset(b, 0, sizeof *b);
}

/* specs/cli.md §11.2: every required column once, optional ones at most
 * once, nothing else. */
static int header_read(struct colmap *m, const struct csv_record *rec,
		       struct rowmsg *msg)
{
	for (size_t c = 0; c < C_COUNT; c++)
		m->at[c] = -1;
	m->n = rec->n;
	for (size_t i = 0; i < rec->n; i++) {
		char buf[48];
		size_t c = 0;
		while (c < C_COUNT && strcmp(rec->field[i], col_names[c]) != 0)
			c++;
		if (c == C_COUNT)
			csv_row_problem(msg, "unknown column \"%s\"",
				csv_row_shown(buf, rec->field[i]));
		else if (m->at[c] >= 0)
			csv_row_problem(msg, "column %s given twice", col_names[c]);
		else
			m->at[c] = (int)i;
	}
	for (size_t c = 0; c < COLS_REQUIRED; c++)
		if (m->at[c] < 0)
			csv_row_problem(msg, "missing column %s", col_names[c]);
	if (msg->count > 0)
		csv_row_problem(msg, "the header is " REPORT_CSV_HEADER);
	return msg->count == 0;
}

/* A column's field ("" when the column is absent). */
static const char *col(const struct colmap *m, const struct csv_record *rec,
		       enum col c)
{
	return m->at[c] < 0 ? "" : rec->field[m->at[c]];
}

/* Non-text fields may carry spaces around them (spreadsheets add them):
 * copy without them into out[n] (n > 8). A field too long for out is cut
 * and ends in "...", which no check of those fields accepts, so a cut
 * can never turn a bad field into a good one. */
const char *csv_row_trimmed(char *out, size_t n, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n) {
		memcpy(out, s, n - 4);
		memcpy(out + n - 4, "...", 4);
		return out;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static int id_syntax_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* "a;b;c" of 64-hex hashes into r->attachments. */
static int attachments_parse(struct report *r, const char *s,
			     struct rowmsg *msg)
{
	size_t n = 0;
	if (*s == '\0')
		return 0;
	for (const char *p = s; *p; p++)
		n += *p == ';';
	n++;
	if (n > LIST_ITEMS_MAX) {
		csv_row_problem(msg, "attachments: more than %u", LIST_ITEMS_MAX);
		return 0;
	}
	r->attachments = calloc(n, sizeof *r->attachments);
	if (r->attachments == NULL)
		return ACC_ENOMEM;
	const char *p = s;
	for (size_t i = 0; i < n; i++) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char hex[2 * HASH_BYTES + 1];
		if (len != 2 * HASH_BYTES) {
			csv_row_problem(msg,
				"attachments: item %zu is not 64 hex digits",
				i + 1);
			return 0;
		}
		memcpy(hex, p, len);
		hex[len] = '\0';
		if (hex_decode(r->attachments[i], HASH_BYTES, hex) != 0) {
			csv_row_problem(msg,
				"attachments: item %zu is not 64 hex digits",
				i + 1);
			return 0;
		}
		r->attachment_count++;
		p = end ? end + 1 : p + len;
	}
	return 0;
}

/*
 * Fill e's report from one row, recording every problem in msg. Returns
 * ACC_ENOMEM only; a row with problems leaves msg->count > 0.
 */
static int row_parse(struct entry *e, const struct colmap *m,
		     const struct csv_record *rec, const struct keyfile *kf,
		     uint64_t time_s, struct rowmsg *msg)
{
	struct report *r = &e->report;
	char t[2 * HASH_BYTES + 8], shownbuf[48];
	struct acc_err ferr = {0};

	memset(e, 0, sizeof *e);
	e->version = ENTRY_VERSION;
	e->kind = ENTRY_REPORT;
	e->time = time_s;

	const char *s = csv_row_trimmed(t, sizeof t, col(m, rec, C_AGREEMENT));
	if (strlen(s) != 2 * HASH_BYTES ||
	    hex_decode(r->agreement_id, HASH_BYTES, s) != 0)
		csv_row_problem(msg, "agreement \"%s\" is not a 64-hex-digit id",
			csv_row_shown(shownbuf, s));

	char party[64];
	s = csv_row_trimmed(party, sizeof party, col(m, rec, C_PARTY));
	if (!id_syntax_ok(s))
		csv_row_problem(msg,
			"party \"%s\" is not a party id (1-32 of A-Z a-z "
			"0-9 . _ -)",
			csv_row_shown(shownbuf, s));
	else if (kf != NULL && strcmp(kf->role, "party") == 0 &&
		 strcmp(kf->id, s) != 0)
		csv_row_problem(msg,
			"party %s: the key is %s's, and a report is signed "
			"by the party it is about",
			s, kf->id);
	r->party = dup_str(s);
	/* Scope, method and data source are text: kept exactly. */
	r->scope = dup_str(col(m, rec, C_SCOPE));
	r->method = dup_str(col(m, rec, C_METHOD));
	r->data_source = dup_str(col(m, rec, C_DATA_SOURCE));
	if (r->party == NULL || r->scope == NULL || r->method == NULL ||
	    r->data_source == NULL)
		return ACC_ENOMEM;

	char word[64];
	s = csv_row_trimmed(word, sizeof word, col(m, rec, C_POLLUTANT));
	int p = pollutant_parse(s);
	if (p < 0)
		csv_row_problem(msg,
			"pollutant \"%s\" is not one of PM2.5 PM10 SO2 NO2 O3 "
			"NOx VOCs CO2 CO2e CH4 N2O HFCs PFCs SF6",
			csv_row_shown(shownbuf, s));
	else
		r->pollutant = (uint8_t)p;
	s = csv_row_trimmed(word, sizeof word, col(m, rec, C_METRIC));
	int mt = metric_parse(s);
	if (mt < 0)
		csv_row_problem(msg,
			"metric \"%s\" is not one of "
			"annual_mean_concentration total_emissions "
			"percent_reduction",
			csv_row_shown(shownbuf, s));
	else
		r->metric = (uint8_t)mt;

	static const enum col times[2] = {C_PERIOD_START, C_PERIOD_END};
	uint64_t *dst[2] = {&r->period_start, &r->period_end};
	int times_ok = 1;
	for (int i = 0; i < 2; i++) {
		s = csv_row_trimmed(word, sizeof word, col(m, rec, times[i]));
		if (fixed_time_parse(dst[i], s, &ferr) != 0) {
			csv_row_problem(msg,
				"%s \"%s\" is not a UTC time "
				"YYYY-MM-DDTHH:MM:SSZ",
				col_names[times[i]], csv_row_shown(shownbuf, s));
			times_ok = 0;
		}
	}
	if (times_ok && r->period_start >= r->period_end)
		csv_row_problem(msg, "period_start is not before period_end");

	char nk[160];
	const char *value = csv_row_trimmed(word, sizeof word, col(m, rec, C_VALUE));
	const char *key = csv_row_trimmed(nk, sizeof nk, col(m, rec, C_NOTATION_KEY));
	if (*value != '\0' && *key != '\0') {
		csv_row_problem(msg, "both value and notation_key: give one");
	} else if (*value == '\0' && *key == '\0') {
		csv_row_problem(msg, "no value (and no notation_key such as NO, NE, "
			     "C)");
	} else if (*value != '\0') {
		if (fixed_milli_parse(&r->value, value, strlen(value), &ferr) !=
		    0)
			csv_row_problem(msg, "value \"%s\": %s", csv_row_shown(shownbuf, value),
				detail(&ferr));
		else if (r->value < 0 && mt >= 0 &&
			 mt != METRIC_PERCENT_REDUCTION)
			csv_row_problem(msg, "value %s is negative", value);
		else
			r->has_value = true;
	} else {
		r->notation_key = dup_str(key);
		if (r->notation_key == NULL)
			return ACC_ENOMEM;
	}

	s = csv_row_trimmed(word, sizeof word, col(m, rec, C_UNIT));
	int u = unit_parse(s);
	if (u < 0)
		csv_row_problem(msg,
			"unit \"%s\" is not one of µg/m³ (or ug/m3) t %% "
			"t CO2e, kt CO2e, Mt CO2e",
			csv_row_shown(shownbuf, s));
	/* specs/encoding.md §3.1: the units a pollutant and metric take. */
	else if (mt >= 0 && p >= 0 && !report_unit_valid(p, mt, u))
		csv_row_problem(msg,
			"unit %s does not match metric %s of %s (expected "
			"%s)",
			unit_name(u), metric_name(mt), pollutant_name(p),
			unit_name(obligation_unit(p, mt)));
	else
		r->unit = (uint8_t)u;

	s = csv_row_trimmed(word, sizeof word, col(m, rec, C_UNCERTAINTY));
	if (*s != '\0') {
		if (fixed_milli_parse(&r->uncertainty, s, strlen(s), &ferr) !=
		    0)
			csv_row_problem(msg, "uncertainty \"%s\": %s",
				csv_row_shown(shownbuf, s), detail(&ferr));
		else if (r->uncertainty < 0)
			csv_row_problem(msg, "uncertainty %s is negative", s);
		else
			r->has_uncertainty = true;
	}

	/* Attachments may be long (256 hashes): trimmed in place of a copy
	 * only at the ends. */
	const char *att = col(m, rec, C_ATTACHMENTS);
	while (*att == ' ')
		att++;
	return attachments_parse(r, att, msg);
}

/* The obligation key of a report: what "one row per obligation" and the
 * node's matching compare (specs/compliance.md). */
static void obligation_key(uint8_t out[HASH_BYTES], const struct report *r)
{
	struct sha256_ctx c;
	uint8_t b[2 + 16];
	sha256_init(&c);
	sha256_update(&c, r->agreement_id, HASH_BYTES);
	sha256_update(&c, r->party, strlen(r->party) + 1);
	sha256_update(&c, r->scope, strlen(r->scope) + 1);
	b[0] = r->pollutant;
	b[1] = r->metric;
	for (int i = 0; i < 8; i++) {
		b[2 + i] = (uint8_t)(r->period_start >> (56 - 8 * i));
		b[10 + i] = (uint8_t)(r->period_end >> (56 - 8 * i));
	}
	sha256_update(&c, b, sizeof b);
	sha256_final(&c, out);
}

struct keyed {
	uint8_t key[HASH_BYTES];
	size_t item;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = memcmp(x->key, y->key, HASH_BYTES);
	if (c != 0)
		return c;
	return x->item < y->item ? -1 : x->item > y->item;
}

static int bad_cmp(const void *a, const void *b)
{
	const struct report_row_error *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A file holds one row per obligation: a second row for the same one is
 * refused (the node would take it as a correction of the first). */
static int duplicates_find(struct report_batch *b, int *dup)
{
	*dup = 0;
	if (b->len < 2)
		return 0;
	struct keyed *k = calloc(b->len, sizeof *k);
	if (k == NULL)
		return ACC_ENOMEM;
	for (size_t i = 0; i < b->len; i++) {
		obligation_key(k[i].key, &b->items[i].e.report);
		k[i].item = i;
	}
	qsort(k, b->len, sizeof *k, keyed_cmp);
	int rc = 0;
	for (size_t i = 1; rc == 0 && i < b->len; i++) {
		if (memcmp(k[i].key, k[i - 1].key, HASH_BYTES) != 0)
			continue;
		/* Equal keys sort by item, i.e. by line: name the first. */
		size_t first = i - 1;
		while (first > 0 &&
		       memcmp(k[first - 1].key, k[i].key, HASH_BYTES) == 0)
			first--;
		char m[REPORT_CSV_MSG_BYTES];
		(void)snprintf(
		    m, sizeof m,
		    "same agreement, party, scope, pollutant, "
		    "metric and period as line %llu (one row per "
		    "obligation)",
		    (unsigned long long)b->items[k[first].item].line);
		rc = report_batch_bad_add(b, b->items[k[i].item].line, m);
		*dup = 1;
	}
	free(k);
	return rc;
}

/* Compare the RFC 3339 time of member key of j with t. */
static int json_time_is(const json_t *j, const char *key, uint64_t t)
{
	uint64_t v;
	const char *s = json_string_value(json_object_get(j, key));
	return s != NULL && fixed_time_parse(&v, s, NULL) == 0 && v == t;
}

/* The time an agreement was superseded: when the agreement that replaced
 * it became active (its view's active_since). 0 when the views do not
 * say. */
static int superseded_at(const json_t *view, report_agreement_lookup_fn lookup,
			 void *ctx, uint64_t *at, struct acc_err *err)
{
	uint8_t by[HASH_BYTES];
	const json_t *bv = NULL;
	const char *h =
	    json_string_value(json_object_get(view, "superseded_by"));
	*at = 0;
	if (h == NULL || strlen(h) != 2 * HASH_BYTES ||
	    hex_decode(by, HASH_BYTES, h) != 0)
		return 0;
	int rc = lookup(ctx, by, &bv, err);
	if (rc == ACC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	const char *s = json_string_value(json_object_get(bv, "active_since"));
	if (s == NULL || fixed_time_parse(at, s, NULL) != 0)
		*at = 0;
	return 0;
}

/*
 * specs/cli.md §11.2 "matched before submitting": the rules of
 * specs/compliance.md a report must pass (R12 active, R13 an obligation,
 * R14 not superseded; R16 refuses nothing), as far as the node's views of
 * the agreements let the client see them. Problems go to msg; a lookup
 * failure is returned.
 */
static int agreement_match(const json_t *view, const struct report *r,
			   uint64_t time_s, report_agreement_lookup_fn lookup,
			   void *ctx, struct rowmsg *msg, struct acc_err *err)
{
	char hex[2 * HASH_BYTES + 1], ts[TIME_TEXT_BYTES];
	uint64_t sup_at = 0;
	hex_encode(hex, r->agreement_id, HASH_BYTES);
	const char *state = json_string_value(json_object_get(view, "state"));
	if (state != NULL && strcmp(state, "superseded") == 0) {
		int rc = superseded_at(view, lookup, ctx, &sup_at, err);
		if (rc != 0)
			return rc;
	} else if (state == NULL || strcmp(state, "active") != 0) {
		csv_row_problem(msg,
			"agreement %.12s is not active (%s: not every party "
			"has endorsed it)",
			hex, state ? state : "no state");
		return 0;
	}
	const json_t *a = json_object_get(view, "agreement");
	const json_t *obs = json_object_get(a, "obligations");
	const json_t *gj = json_object_get(a, "grace_days");
	json_int_t grace = json_is_integer(gj) ? json_integer_value(gj) : -1;
	const json_t *match = NULL;
	for (size_t i = 0; i < json_array_size(obs) && match == NULL; i++) {
		const json_t *o = json_array_get(obs, i);
		const char *party =
		    json_string_value(json_object_get(o, "party"));
		const char *scope =
		    json_string_value(json_object_get(o, "scope"));
		const char *pol =
		    json_string_value(json_object_get(o, "pollutant"));
		const char *met =
		    json_string_value(json_object_get(o, "metric"));
		if (party && scope && pol && met &&
		    strcmp(party, r->party) == 0 &&
		    strcmp(scope, r->scope) == 0 &&
		    pollutant_parse(pol) == r->pollutant &&
		    metric_parse(met) == r->metric &&
		    json_time_is(o, "period_start", r->period_start) &&
		    json_time_is(o, "period_end", r->period_end))
			match = o;
	}
	if (match == NULL) {
		char a0[TIME_TEXT_BYTES], a1[TIME_TEXT_BYTES];
		fixed_time_format(a0, r->period_start);
		fixed_time_format(a1, r->period_end);
		csv_row_problem(msg,
			"agreement %.12s has no obligation for party %s, "
			"scope \"%s\", %s %s, period %s..%s",
			hex, r->party, r->scope, pollutant_name(r->pollutant),
			metric_name(r->metric), a0, a1);
		return 0;
	}
	uint64_t deadline;
	const char *d = json_string_value(json_object_get(match, "deadline"));
	if (d == NULL || fixed_time_parse(&deadline, d, NULL) != 0 ||
	    grace < 0 || grace > 0xffffffffLL) {
		csv_row_problem(msg,
			"the node's view of agreement %.12s has no "
			"deadline or grace_days",
			hex);
		return 0;
	}
	/* R14: an obligation whose deadline is after the supersession
	 * ended with its agreement. */
	if (sup_at != 0 && deadline > sup_at) {
		fixed_time_format(ts, sup_at);
		csv_row_problem(msg,
			"agreement %.12s was superseded at %s, and this "
			"obligation with it: report to the agreement that "
			"replaced it",
			hex, ts);
		return 0;
	}
	/* R16: no window refuses a report; one after the deadline is
	 * recorded as late (specs/compliance.md §6.5). */
	(void)time_s;
	return 0;
}

/*
 * The key that signs a row (specs/cli.md §11.2, --keys): the signer's one
 * key, or the key of the row's party. NULL with a problem recorded when
 * the party has none, or a key that is not that party's; *rc set when the
 * lookup itself failed (the build stops).
 */
static const struct keyfile *row_key(const struct report_signer *sg,
				     const char *party, struct rowmsg *msg,
				     int *rc, struct acc_err *err)
{
	const struct keyfile *kf = NULL;
	struct acc_err kerr = {0};
	*rc = 0;
	if (sg->key_for == NULL)
		return sg->kf;
	int krc = sg->key_for(sg->key_ctx, party, &kf, &kerr);
	if (krc == ACC_ENOTFOUND) {
		csv_row_problem(msg, "%s", kerr.msg);
		return NULL;
	}
	if (krc != 0) {
		*rc = acc_err_set(err, krc, "%s", kerr.msg);
		return NULL;
	}
	if (strcmp(kf->role, "party") != 0 || strcmp(kf->id, party) != 0) {
		csv_row_problem(msg,
			"party %s: its key file is %s's (role %s); a report "
			"is signed by the party it is about",
			party, kf->id, kf->role);
		return NULL;
	}
	return kf;
}

int report_csv_build(struct report_batch *b, const char *text, size_t len,
		     const struct keyfile *kf, const char *chain_id,
		     uint64_t time_s, report_agreement_lookup_fn lookup,
		     void *lookup_ctx, struct acc_err *err)
{
	struct report_signer sg = {.kf = kf};
	return report_csv_build_signed(b, text, len, &sg, chain_id, time_s,
				       lookup, lookup_ctx, err);
}

int report_csv_build_signed(struct report_batch *b, const char *text,
			    size_t len, const struct report_signer *sg,
			    const char *chain_id, uint64_t time_s,
			    report_agreement_lookup_fn lookup, void *lookup_ctx,
			    struct acc_err *err)
{
	const struct keyfile *kf = sg->key_for ? NULL : sg->kf;
	struct csv_reader rd;
	struct csv_record rec;
	struct colmap map;
	struct acc_err cerr = {0};
	int rc = 0, have_header = 0;

	memset(b, 0, sizeof *b);
	csv_reader_init(&rd, text, len);
	if (kf != NULL && kf->role[0] != '\0' &&
	    strcmp(kf->role, "party") != 0) {
		char m[REPORT_CSV_MSG_BYTES];
		(void)snprintf(m, sizeof m,
			       "the key is a %s key (%s); reports are signed "
			       "with the key of the party they are about",
			       kf->role, kf->id);
		if ((rc = report_batch_bad_add(b, 0, m)) != 0)
			goto fail;
	}
	for (;;) {
		struct rowmsg msg = {0};
		int got = csv_record_next(&rd, &rec, &cerr);
		if (got == 0)
			break;
		if (got == ACC_ENOMEM) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			goto fail;
		}
		if (got < 0) {
			if ((rc = report_batch_bad_add(b, rec.line, cerr.msg)) != 0)
				goto fail;
			if (!have_header)
				break;
			b->rows++;
			continue;
		}
		if (!have_header) {
			have_header = 1;
			if (!header_read(&map, &rec, &msg)) {
				if ((rc = report_batch_bad_add(b, rec.line, msg.buf)) != 0)
					goto fail;
				break;
			}
			continue;
		}
		if (++b->rows > REPORT_CSV_ROWS_MAX) {
			rc = acc_err_set(err, ACC_ETOOBIG,
					 "more than %u rows in one file",
					 REPORT_CSV_ROWS_MAX);
			goto fail;
		}
		if (rec.n != map.n) {
			csv_row_problem(&msg, "%zu fields, the header has %zu", rec.n,
				map.n);
			if ((rc = report_batch_bad_add(b, rec.line, msg.buf)) != 0)
				goto fail;
			continue;
		}
		struct report_row row;
		memset(&row, 0, sizeof row);
		row.line = rec.line;
		if ((rc = row_parse(&row.e, &map, &rec, kf, time_s, &msg)) !=
		    0) {
			entry_free(&row.e);
			rc = acc_err_set(err, rc, "out of memory");
			goto fail;
		}
		if (msg.count == 0 && lookup != NULL) {
			const json_t *view = NULL;
			struct acc_err lerr = {0};
			int lrc = lookup(lookup_ctx, row.e.report.agreement_id,
					 &view, &lerr);
			if (lrc == ACC_ENOTFOUND) {
				char hex[2 * HASH_BYTES + 1];
				hex_encode(hex, row.e.report.agreement_id,
					   HASH_BYTES);
				csv_row_problem(&msg,
					"agreement %.12s… is not on the "
					"node",
					hex);
			} else if (lrc != 0) {
				entry_free(&row.e);
				rc = acc_err_set(err, lrc, "%s", lerr.msg);
				goto fail;
			} else if ((lrc = agreement_match(
					view, &row.e.report, time_s, lookup,
					lookup_ctx, &msg, &lerr)) != 0) {
				entry_free(&row.e);
				rc = acc_err_set(err, lrc, "%s", lerr.msg);
				goto fail;
			}
		}
		/* Sign and encode even when an earlier row was bad: encoding
		 * checks the bounds (lengths, UTF-8) this row may break. */
		const struct keyfile *rk = NULL;
		if (msg.count == 0) {
			rk = row_key(sg, row.e.report.party, &msg, &rc, err);
			if (rc != 0) {
				entry_free(&row.e);
				goto fail;
			}
		}
		if (msg.count == 0 && rk != NULL &&
		    entry_sign(&row.e, &rk->key, chain_id, &cerr) != 0)
			csv_row_problem(&msg, "%s", cerr.msg);
		if (msg.count == 0 &&
		    entry_encode(&row.e, &row.bytes, &row.len, &cerr) != 0)
			csv_row_problem(&msg, "%s", cerr.msg);
		if (msg.count > 0) {
			entry_free(&row.e);
			free(row.bytes);
			if ((rc = report_batch_bad_add(b, rec.line, msg.buf)) != 0)
				goto fail;
			continue;
		}
		entry_id(row.id, row.bytes, row.len);
		if ((rc = report_batch_item_add(b, &row)) != 0) {
			entry_free(&row.e);
			free(row.bytes);
			goto fail;
		}
	}
	if (have_header && b->bad_len == 0 && b->rows == 0 &&
	    (rc = report_batch_bad_add(b, rec.line, "no data rows after the header")) != 0)
		goto fail;
	if (!have_header && b->bad_len == 0 &&
	    (rc = report_batch_bad_add(b, 1, "empty file: no header")) != 0)
		goto fail;
	int dup = 0;
	if ((rc = duplicates_find(b, &dup)) != 0)
		goto fail;
	csv_reader_free(&rd);
	if (b->bad_len > 0) {
		/* Line order (qsort is not stable, but one line has at most
		 * one message). */
		qsort(b->bad, b->bad_len, sizeof *b->bad, bad_cmp);
		report_batch_items_free(b);
		return acc_err_set(err, ACC_EINVAL, "%zu of %zu rows are bad",
				   b->bad_len, b->rows);
	}
	return 0;
fail:
	csv_reader_free(&rd);
	if (rc == ACC_ENOMEM)
		(void)acc_err_set(err, ACC_ENOMEM, "out of memory");
	report_batch_free(b);
	return rc;
}

void report_csv_header_write(FILE *f)
{
	fputs(REPORT_CSV_HEADER, f);
	csv_record_end(f);
}

void report_csv_row_write(FILE *f, const struct report *r)
{
	char hex[2 * HASH_BYTES + 1], t0[TIME_TEXT_BYTES], t1[TIME_TEXT_BYTES];
	char v[QTY_TEXT_BYTES_MAX] = "", u[QTY_TEXT_BYTES_MAX] = "";
	hex_encode(hex, r->agreement_id, HASH_BYTES);
	fixed_time_format(t0, r->period_start);
	fixed_time_format(t1, r->period_end);
	if (r->has_value)
		fixed_milli_format(v, r->value);
	if (r->has_uncertainty)
		fixed_milli_format(u, r->uncertainty);
	csv_field_write_sep(f, hex, 1);
	csv_field_write_sep(f, r->party, 0);
	csv_field_write_sep(f, r->scope, 0);
	csv_field_write_sep(f, pollutant_name(r->pollutant), 0);
	csv_field_write_sep(f, metric_name(r->metric), 0);
	csv_field_write_sep(f, t0, 0);
	csv_field_write_sep(f, t1, 0);
	csv_field_write_sep(f, v, 0);
	csv_field_write_sep(f, unit_name(r->unit), 0);
	csv_field_write_sep(f, r->method, 0);
	csv_field_write_sep(f, r->data_source, 0);
	csv_field_write_sep(f, u, 0);
	csv_field_write_sep(f, r->has_value ? "" : r->notation_key, 0);
	fputc(',', f);
	for (size_t i = 0; i < r->attachment_count; i++) {
		char a[2 * HASH_BYTES + 1];
		hex_encode(a, r->attachments[i], HASH_BYTES);
		if (i > 0)
			fputc(';', f);
		fputs(a, f);
	}
	csv_record_end(f);
}
