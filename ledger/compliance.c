/* compliance.c - the status of each obligation at a block time, its
 * shortfall and compensation, and the JSON views (specs/compliance.md
 * §6-§8). Reads the derived state only; never writes. */
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/compliance.h"
#include "ledger/entry.h"
#include "ledger/field.h"
#include "ledger/fixed.h"
#include "ledger/state.h"

#define SECONDS_PER_DAY 86400ull

static const char *const status_names[COMPLIANCE_STATUS_MAX + 1] = {
    [COMPLIANCE_PENDING] = "pending",
    [COMPLIANCE_MET] = "met",
    [COMPLIANCE_MISSED] = "missed",
    [COMPLIANCE_NOT_REPORTED] = "not_reported",
    [COMPLIANCE_UNVERIFIED] = "unverified",
    [COMPLIANCE_DISPUTED] = "disputed",
    [COMPLIANCE_SUPERSEDED] = "superseded",
};

const char *compliance_status_name(int status)
{
	if (status < 1 || status > COMPLIANCE_STATUS_MAX)
		return NULL;
	return status_names[status];
}

int compliance_status_parse(const char *s)
{
	for (int i = 1; s != NULL && i <= COMPLIANCE_STATUS_MAX; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* §6.3. The product of two quantities needs up to 101 bits. */
__extension__ typedef __int128 i128;

int compliance_compensation(int64_t shortfall_milli, int64_t rate_milli,
			    int64_t *out_milli)
{
	i128 p = (i128)shortfall_milli * (i128)rate_milli / 1000;
	if (p > QTY_MILLI_MAX || p < -(i128)QTY_MILLI_MAX)
		return ACC_ERANGE;
	*out_milli = (int64_t)p;
	return 0;
}

/* Longest chain of reports of one obligation a row walks (a cycle in a
 * corrupt state ends here as ACC_EDECODE). */
#define REPORT_CHAIN_MAX (1u << 24)

/* §6.2: the value report r gives for metric, if any. */
static bool report_value(const struct state_report *r, uint8_t metric,
			 int64_t *v)
{
	if (r->has_value) {
		*v = r->value;
		return true;
	}
	if (strcmp(r->notation_key, "NO") == 0) {
		*v = metric == METRIC_PERCENT_REDUCTION ? 100000 : 0;
		return true;
	}
	return false;
}

/* §6.2: the shortfall of value v (positive: missed). Quantities are at
 * most 10^15 milli in magnitude, so the difference fits. */
static int64_t shortfall_of(uint8_t metric, int64_t target, int64_t v)
{
	return metric == METRIC_PERCENT_REDUCTION ? target - v : v - target;
}

/* The reports of one obligation as §6.1 reads them. */
struct standing {
	bool has_latest;
	struct state_report latest; /* N */
	uint8_t latest_id[HASH_BYTES];
	bool has_v;
	struct state_report v; /* V, the standing report */
	uint8_t v_id[HASH_BYTES];
	int64_t v_value;
	bool any_valued;   /* a counted report carrying a value (no V) */
	int64_t worst;	   /* the worst such value */
};

/* Walk o's counted reports from the latest back to the standing one (or
 * to the first when none stands). */
static int standing_find(const struct kv *kv, const struct state_agreement *a,
			 const struct state_obligation *o, struct standing *st,
			 struct acc_err *err)
{
	struct state_report cur;
	uint8_t id[HASH_BYTES];
	int rc;

	memset(st, 0, sizeof *st);
	if (!o->has_deciding)
		return 0;
	memcpy(id, o->deciding, HASH_BYTES);
	for (uint32_t steps = 0;; steps++) {
		if (steps >= REPORT_CHAIN_MAX)
			return acc_err_set(err, ACC_EDECODE,
					   "derived state: report chain too "
					   "long");
		rc = state_report_get(kv, id, &cur, err);
		if (rc == ACC_ENOTFOUND)
			return acc_err_set(err, ACC_EDECODE,
					   "derived state: report missing "
					   "from its chain");
		if (rc != 0)
			return rc;
		if (steps == 0) {
			st->has_latest = true;
			st->latest = cur;
			memcpy(st->latest_id, id, HASH_BYTES);
		}
		int64_t v;
		if (report_value(&cur, o->metric, &v)) {
			if (cur.positive >= a->attestations_required) {
				st->has_v = true;
				st->v = cur;
				st->v_value = v;
				memcpy(st->v_id, id, HASH_BYTES);
				return 0;
			}
			if (!st->any_valued ||
			    shortfall_of(o->metric, st->worst, v) > 0)
				st->worst = v;
			st->any_valued = true;
		}
		if (!cur.has_prev)
			return 0;
		memcpy(id, cur.prev, HASH_BYTES);
	}
}

/* §6.3: shortfall and compensation of value v into row, capped. others
 * holds LIST_ITEMS_MAX pointers: it receives the parties but the payer
 * when they share the amount. */
static void assess(const struct state_agreement *a,
		   const struct state_obligation *o, int64_t v, int how,
		   const char **others, struct compliance_row *row)
{
	int64_t shortfall = shortfall_of(o->metric, o->target, v);
	row->assessed = how;
	if (how == COMPLIANCE_ASSESSED_REPORT)
		row->status =
		    shortfall <= 0 ? COMPLIANCE_MET : COMPLIANCE_MISSED;
	row->has_shortfall = true;
	row->shortfall = shortfall > 0 ? shortfall : 0;
	if (row->shortfall > QTY_MILLI_MAX) {
		row->shortfall = QTY_MILLI_MAX;
		row->capped = true;
	}
	if (!a->has_compensation)
		return;
	row->has_compensation = true;
	if (compliance_compensation(row->shortfall, a->compensation_rate,
				    &row->compensation) != 0) {
		row->compensation = QTY_MILLI_MAX;
		row->capped = true;
	}
	row->currency = a->currency;
	row->payer = o->party;
	/* A party never owes itself: the other parties share it, as they
	 * do when the rule names no payee. A payee that is not a listed
	 * party is a fund of genesis (R4). */
	bool listed = false;
	for (size_t i = 0; i < a->party_count; i++)
		listed = listed || strcmp(a->parties[i], a->payee) == 0;
	if (a->payee[0] == 0 || strcmp(a->payee, o->party) == 0) {
		size_t n = 0;
		for (size_t i = 0; i < a->party_count; i++)
			if (strcmp(a->parties[i], o->party) != 0)
				others[n++] = a->parties[i];
		row->payee = NULL;
		row->payees = others;
		row->payee_count = n;
	} else {
		row->payee = a->payee;
		row->payee_fund = !listed;
	}
}

/*
 * §6.1: the status of obligation o of agreement a at time t, given its
 * reports st, into row (whose other fields the caller fills). others
 * is room for the parties that share a compensation (§6.3).
 */
static void status_eval(const struct state_agreement *a,
			const struct state_obligation *o,
			const struct standing *st, uint64_t t,
			const char **others, struct compliance_row *row)
{
	uint64_t close =
	    o->deadline + (uint64_t)a->grace_days * SECONDS_PER_DAY;
	if (o->has_reopened && o->reopened > close)
		close = o->reopened;
	row->closes = close;

	/* 1. superseded */
	if (a->superseded && a->superseded_at <= t &&
	    o->deadline > a->superseded_at) {
		row->status = COMPLIANCE_SUPERSEDED;
		return;
	}
	/* 2. disputed: the standing report, until its challenge lapses. */
	if (st->has_v && st->v.has_challenge &&
	    t <= st->v.challenge_expires) {
		row->status = COMPLIANCE_DISPUTED;
		return;
	}
	/* 3. met / missed */
	if (st->has_v) {
		assess(a, o, st->v_value, COMPLIANCE_ASSESSED_REPORT, others,
		       row);
		return;
	}
	/* 4. pending */
	if (t <= close) {
		row->status = COMPLIANCE_PENDING;
		return;
	}
	/* 5., 6.: silence, assessed at the default (§6.4); an unverified
	 * figure worse than the default counts against its reporter. */
	int64_t v = o->default_value;
	if (st->any_valued) {
		row->status = COMPLIANCE_UNVERIFIED;
		if (shortfall_of(o->metric, v, st->worst) > 0)
			v = st->worst;
	} else {
		row->status = COMPLIANCE_NOT_REPORTED;
	}
	assess(a, o, v, COMPLIANCE_ASSESSED_DEFAULT, others, row);
}

struct eval {
	const struct kv *kv;
	uint64_t t;
	const char *party;
	int (*fn)(void *ctx, const struct compliance_row *r);
	void *ctx;
	struct acc_err *err;
	struct state_agreement *a; /* cached: the rows come by agreement */
	bool have_a;
	uint8_t aid[HASH_BYTES];
	const char *others[LIST_ITEMS_MAX]; /* a row's sharing parties */
};

/* Cache agreement aid in ev (the rows of one agreement come together). */
static int eval_agreement(struct eval *ev, const uint8_t aid[HASH_BYTES])
{
	if (ev->have_a && memcmp(ev->aid, aid, HASH_BYTES) == 0)
		return 0;
	ev->have_a = false;
	int rc = state_agreement_get(ev->kv, aid, ev->a, ev->err);
	if (rc == ACC_ENOTFOUND)
		return acc_err_set(ev->err, ACC_EDECODE,
				   "derived state: obligation without its "
				   "agreement");
	if (rc != 0)
		return rc;
	memcpy(ev->aid, aid, HASH_BYTES);
	ev->have_a = true;
	return 0;
}

static void row_report(struct compliance_row *row, const uint8_t id[HASH_BYTES],
		       const struct state_report *r)
{
	row->reported_at = r->block_time;
	/* §7: how late, in whole days rounded up. */
	row->days_late =
	    r->block_time > row->deadline
		? (r->block_time - row->deadline + SECONDS_PER_DAY - 1) /
		      SECONDS_PER_DAY
		: 0;
	row->has_report = true;
	memcpy(row->report, id, HASH_BYTES);
	row->has_value = r->has_value;
	row->reported = r->value;
	row->notation_key = r->has_value ? NULL : r->notation_key;
	row->late = r->late;
	row->attestations = r->positive;
}

static int eval_cb(void *ctx, const uint8_t *key, size_t klen,
		   const uint8_t *val, size_t vlen)
{
	struct eval *ev = ctx;
	struct state_obligation o;
	struct standing st;
	struct compliance_row row;
	int rc;

	if (klen != STATE_KEY_PREFIX_BYTES + HASH_BYTES + 2)
		return acc_err_set(ev->err, ACC_EDECODE,
				   "derived state: obligation key of %zu "
				   "bytes",
				   klen);
	const uint8_t *aid = key + STATE_KEY_PREFIX_BYTES;
	uint16_t oi = be16_get(aid + HASH_BYTES);
	if ((rc = state_obligation_read(&o, val, vlen, ev->err)) != 0)
		return rc;
	if ((rc = eval_agreement(ev, aid)) != 0)
		return rc;
	const struct state_agreement *a = ev->a;
	/* Proposed agreements bind nobody yet: no rows. */
	if (!a->active)
		return 0;
	if (ev->party != NULL && strcmp(ev->party, o.party) != 0)
		return 0;
	if ((rc = standing_find(ev->kv, a, &o, &st, ev->err)) != 0)
		return rc;

	memset(&row, 0, sizeof row);
	memcpy(row.agreement, aid, HASH_BYTES);
	row.title = a->title;
	row.obligation = oi;
	row.party = o.party;
	row.scope = o.scope;
	row.pollutant = o.pollutant;
	row.metric = o.metric;
	row.period_start = o.period_start;
	row.period_end = o.period_end;
	row.deadline = o.deadline;
	row.grace_days = a->grace_days;
	row.has_baseline = o.has_baseline;
	row.baseline_year = o.baseline_year;
	row.baseline_value = o.baseline_value;
	row.target = o.target;
	row.default_value = o.default_value;
	row.attestations_required = a->attestations_required;
	if (st.has_v)
		row_report(&row, st.v_id, &st.v);
	else if (st.has_latest)
		row_report(&row, st.latest_id, &st.latest);
	if (st.has_v && memcmp(st.v_id, st.latest_id, HASH_BYTES) != 0) {
		row.has_correction = true;
		memcpy(row.correction, st.latest_id, HASH_BYTES);
		row.correction_has_value = st.latest.has_value;
		row.correction_value = st.latest.value;
		row.correction_notation_key =
		    st.latest.has_value ? NULL : st.latest.notation_key;
		row.correction_attestations = st.latest.positive;
	}
	status_eval(a, &o, &st, ev->t, ev->others, &row);
	return ev->fn(ev->ctx, &row);
}

int compliance_eval(const struct kv *kv, uint64_t t, const char *party,
		    const uint8_t *agreement,
		    int (*fn)(void *ctx, const struct compliance_row *r),
		    void *ctx, struct acc_err *err)
{
	uint8_t prefix[STATE_KEY_BYTES_MAX];
	size_t plen = STATE_KEY_PREFIX_BYTES;
	struct eval ev = {
	    .kv = kv, .t = t, .party = party, .fn = fn, .ctx = ctx, .err = err};
	int rc;

	if ((ev.a = malloc(sizeof *ev.a)) == NULL)
		return acc_err_set(err, ACC_ENOMEM, "agreement record");
	memcpy(prefix, STATE_KEY_OBLIGATION, STATE_KEY_PREFIX_BYTES);
	if (agreement != NULL) {
		rc = state_agreement_get(kv, agreement, ev.a, err);
		if (rc == ACC_ENOTFOUND) {
			char h[2 * HASH_BYTES + 1];
			hex_encode(h, agreement, HASH_BYTES);
			rc = acc_err_set(err, ACC_ENOTFOUND, "no agreement %s",
					 h);
		}
		if (rc != 0)
			goto out;
		plen = state_key_id(prefix, STATE_KEY_OBLIGATION, agreement);
	}
	rc = kv_iter(kv, prefix, plen, eval_cb, &ev);
	if (rc != 0 && err != NULL && err->code != rc)
		(void)acc_err_set(err, rc, "compliance: %s", acc_strerror(rc));
out:
	free(ev.a);
	return rc;
}

/* ---- JSON (§7, §8) ---- */

static void set_null(json_t *o, const char *key, bool *ok)
{
	field_set(o, key, json_null(), ok);
}

json_t *compliance_row_to_json(const struct compliance_row *r)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	if (!ok)
		return NULL;
	field_set_hex(o, "agreement", r->agreement, HASH_BYTES, &ok);
	field_set_str(o, "title", r->title, &ok);
	field_set_str(o, "party", r->party, &ok);
	field_set_str(o, "scope", r->scope, &ok);
	field_set_str(o, "pollutant", pollutant_name(r->pollutant), &ok);
	field_set_str(o, "metric", metric_name(r->metric), &ok);
	field_set_str(o, "unit",
		      unit_name(obligation_unit(r->pollutant, r->metric)), &ok);
	field_set_time(o, "period_start", r->period_start, &ok);
	field_set_time(o, "period_end", r->period_end, &ok);
	field_set_time(o, "deadline", r->deadline, &ok);
	field_set_uint(o, "grace_days", r->grace_days, &ok);
	field_set_time(o, "reporting_closes", r->closes, &ok);
	if (r->has_baseline) {
		field_set_uint(o, "baseline_year", r->baseline_year, &ok);
		field_set_milli(o, "baseline_value", r->baseline_value, &ok);
	} else {
		set_null(o, "baseline_year", &ok);
		set_null(o, "baseline_value", &ok);
	}
	field_set_milli(o, "target", r->target, &ok);
	field_set_milli(o, "default_value", r->default_value, &ok);
	if (r->has_report && r->has_value)
		field_set_milli(o, "reported", r->reported, &ok);
	else
		set_null(o, "reported", &ok);
	if (r->has_report && !r->has_value)
		field_set_str(o, "notation_key", r->notation_key, &ok);
	else
		set_null(o, "notation_key", &ok);
	if (r->has_report)
		field_set_hex(o, "report", r->report, HASH_BYTES, &ok);
	else
		set_null(o, "report", &ok);
	field_set(o, "late", json_boolean(r->late), &ok);
	if (r->has_report) {
		field_set_time(o, "reported_at", r->reported_at, &ok);
		field_set_uint(o, "days_late", r->days_late, &ok);
	} else {
		set_null(o, "reported_at", &ok);
		set_null(o, "days_late", &ok);
	}
	field_set_uint(o, "attestations", r->attestations, &ok);
	field_set_uint(o, "attestations_required", r->attestations_required,
		       &ok);
	field_set_str(o, "status", compliance_status_name(r->status), &ok);
	if (r->assessed == COMPLIANCE_ASSESSED_REPORT)
		field_set_str(o, "assessed", "report", &ok);
	else if (r->assessed == COMPLIANCE_ASSESSED_DEFAULT)
		field_set_str(o, "assessed", "default", &ok);
	else
		set_null(o, "assessed", &ok);
	if (r->has_shortfall)
		field_set_milli(o, "shortfall", r->shortfall, &ok);
	else
		set_null(o, "shortfall", &ok);
	if (r->has_compensation) {
		json_t *c = json_object();
		if (c == NULL) {
			ok = false;
		} else {
			field_set_milli(c, "amount", r->compensation, &ok);
			field_set_str(c, "currency", r->currency, &ok);
			field_set_str(c, "payer", r->payer, &ok);
			if (r->payee != NULL) {
				field_set_str(c, "payee", r->payee, &ok);
				set_null(c, "payees", &ok);
				field_set(c, "fund", json_boolean(r->payee_fund),
					  &ok);
			} else {
				json_t *p = json_array();
				if (p == NULL)
					ok = false;
				for (size_t i = 0; p && i < r->payee_count; i++)
					field_append(p,
						     json_string(r->payees[i]),
						     &ok);
				set_null(c, "payee", &ok);
				field_set(c, "payees", p, &ok);
				field_set(c, "fund", json_false(), &ok);
			}
			field_set(c, "capped", json_boolean(r->capped), &ok);
			field_set(o, "compensation", c, &ok);
		}
	} else {
		set_null(o, "compensation", &ok);
	}
	if (r->has_correction) {
		json_t *c = json_object();
		if (c == NULL) {
			ok = false;
		} else {
			field_set_hex(c, "report", r->correction, HASH_BYTES,
				      &ok);
			if (r->correction_has_value) {
				field_set_milli(c, "reported",
						r->correction_value, &ok);
				set_null(c, "notation_key", &ok);
			} else {
				set_null(c, "reported", &ok);
				field_set_str(c, "notation_key",
					      r->correction_notation_key, &ok);
			}
			field_set_uint(c, "attestations",
				       r->correction_attestations, &ok);
			field_set_str(c, "note",
				      "correction awaiting verification", &ok);
			field_set(o, "correction", c, &ok);
		}
	} else {
		set_null(o, "correction", &ok);
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *view_json(const struct state_agreement *a,
			 const uint8_t id[HASH_BYTES])
{
	json_t *o = json_object(), *parties = json_array(),
	       *endorsed = json_array(), *amenders = json_array();
	bool ok = o != NULL && parties != NULL && endorsed != NULL &&
		  amenders != NULL;
	if (!ok) {
		json_decref(o);
		json_decref(parties);
		json_decref(endorsed);
		json_decref(amenders);
		return NULL;
	}
	for (size_t i = 0; i < a->amender_count; i++)
		field_append(amenders, json_string(a->amenders[i]), &ok);
	for (size_t i = 0; i < a->party_count; i++) {
		field_append(parties, json_string(a->parties[i]), &ok);
		if (a->endorsed[i])
			field_append(endorsed, json_string(a->parties[i]), &ok);
	}
	field_set_hex(o, "id", id, HASH_BYTES, &ok);
	field_set_str(o, "title", a->title, &ok);
	field_set_str(o, "proposer", a->proposer, &ok);
	field_set(o, "parties", parties, &ok);
	field_set(o, "endorsed", endorsed, &ok);
	field_set_str(o, "state",
		      a->superseded ? "superseded"
		      : a->active   ? "active"
				    : "proposed",
		      &ok);
	if (a->active)
		field_set_time(o, "active_since", a->active_since, &ok);
	else
		set_null(o, "active_since", &ok);
	if (a->superseded)
		field_set_hex(o, "superseded_by", a->superseded_by, HASH_BYTES,
			      &ok);
	else
		set_null(o, "superseded_by", &ok);
	if (a->has_supersedes)
		field_set_hex(o, "supersedes", a->supersedes, HASH_BYTES, &ok);
	else
		set_null(o, "supersedes", &ok);
	field_set_uint(o, "obligations", a->obligation_count, &ok);
	field_set_uint(o, "amendment_threshold", a->amendment_threshold, &ok);
	field_set_uint(o, "challenge_days", a->challenge_days, &ok);
	field_set(o, "amenders", amenders, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int agreement_view_json(const struct kv *kv, const uint8_t id[HASH_BYTES],
			json_t **out, struct acc_err *err)
{
	struct state_agreement *a = malloc(sizeof *a);
	int rc;
	if (a == NULL)
		return acc_err_set(err, ACC_ENOMEM, "agreement record");
	rc = state_agreement_get(kv, id, a, err);
	if (rc == ACC_ENOTFOUND) {
		char h[2 * HASH_BYTES + 1];
		hex_encode(h, id, HASH_BYTES);
		rc = acc_err_set(err, ACC_ENOTFOUND, "no agreement %s", h);
	}
	if (rc == 0 && (*out = view_json(a, id)) == NULL)
		rc = acc_err_set(err, ACC_ENOMEM, "agreement view");
	free(a);
	return rc;
}

struct list_item {
	uint64_t index; /* log index of the agreement: the order */
	size_t pos;	/* its place in arr */
};

struct list {
	struct state_agreement *a;
	json_t *arr;
	struct list_item *items;
	size_t n, cap;
	struct acc_err *err;
};

static int list_item_cmp(const void *x, const void *y)
{
	const struct list_item *a = x, *b = y;
	return a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
}

static int list_cb(void *ctx, const uint8_t *key, size_t klen,
		   const uint8_t *val, size_t vlen)
{
	struct list *l = ctx;
	int rc;
	if (klen != STATE_KEY_PREFIX_BYTES + HASH_BYTES)
		return acc_err_set(l->err, ACC_EDECODE,
				   "derived state: agreement key of %zu bytes",
				   klen);
	if ((rc = state_agreement_read(l->a, val, vlen, l->err)) != 0)
		return rc;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct list_item *it = realloc(l->items, cap * sizeof *it);
		if (it == NULL)
			return acc_err_set(l->err, ACC_ENOMEM, "agreements");
		l->items = it;
		l->cap = cap;
	}
	json_t *v = view_json(l->a, key + STATE_KEY_PREFIX_BYTES);
	if (v == NULL || json_array_append_new(l->arr, v) != 0)
		return acc_err_set(l->err, ACC_ENOMEM, "agreements");
	l->items[l->n].index = l->a->index;
	l->items[l->n].pos = l->n;
	l->n++;
	return 0;
}

int agreement_list_json(const struct kv *kv, json_t **out, struct acc_err *err)
{
	struct list l = {.err = err};
	json_t *sorted = NULL, *o = NULL;
	int rc;

	l.a = malloc(sizeof *l.a);
	l.arr = json_array();
	if (l.a == NULL || l.arr == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "agreements");
		goto out;
	}
	rc = kv_iter(kv, STATE_KEY_AGREEMENT, STATE_KEY_PREFIX_BYTES, list_cb,
		     &l);
	if (rc != 0)
		goto out;
	/* Log order (the keys come in id order); indexes are distinct. */
	if (l.n > 1)
		qsort(l.items, l.n, sizeof *l.items, list_item_cmp);
	sorted = json_array();
	o = json_object();
	if (sorted == NULL || o == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "agreements");
		goto out;
	}
	for (size_t k = 0; k < l.n; k++) {
		if (json_array_append(
			sorted, json_array_get(l.arr, l.items[k].pos)) != 0) {
			rc = acc_err_set(err, ACC_ENOMEM, "agreements");
			goto out;
		}
	}
	rc = json_object_set_new(o, "agreements", sorted);
	sorted = NULL; /* taken even on failure */
	if (rc != 0) {
		rc = acc_err_set(err, ACC_ENOMEM, "agreements");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(sorted);
	json_decref(l.arr);
	free(l.items);
	free(l.a);
	return rc;
}
