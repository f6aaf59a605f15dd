/* state.c - keys, record encodings, digest and replay of the derived state
 * (specs/compliance.md §3-§5). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/entry.h"
#include "ledger/field.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "ledger/rules.h"
#include "ledger/state.h"

/* ---- keys (§3.1) ---- */

size_t state_key_id(uint8_t *out, const char prefix[STATE_KEY_PREFIX_BYTES],
		    const uint8_t id[HASH_BYTES])
{
	memcpy(out, prefix, STATE_KEY_PREFIX_BYTES);
	memcpy(out + STATE_KEY_PREFIX_BYTES, id, HASH_BYTES);
	return STATE_KEY_PREFIX_BYTES + HASH_BYTES;
}

size_t state_key_obligation(uint8_t *out, const uint8_t agreement[HASH_BYTES],
			    uint16_t index)
{
	size_t n = state_key_id(out, STATE_KEY_OBLIGATION, agreement);
	be16_put(out + n, index);
	return n + 2;
}

/* u8 length ‖ bytes; 0 when over max. */
static size_t put_str8(uint8_t *out, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return 0;
	out[0] = (uint8_t)n;
	memcpy(out + 1, s, n);
	return n + 1;
}

size_t state_key_match(uint8_t *out, const uint8_t agreement[HASH_BYTES],
		       const char *party, const char *scope, uint8_t pollutant,
		       uint8_t metric, uint64_t period_start,
		       uint64_t period_end)
{
	size_t n = state_key_id(out, STATE_KEY_MATCH, agreement), k;
	if ((k = put_str8(out + n, party, PARTY_ID_BYTES_MAX)) == 0)
		return 0;
	n += k;
	if ((k = put_str8(out + n, scope ? scope : "", NAME_BYTES_MAX)) == 0)
		return 0;
	n += k;
	out[n++] = pollutant;
	out[n++] = metric;
	be64_put(out + n, period_start);
	be64_put(out + n + 8, period_end);
	n += 16;
	assert(n <= STATE_KEY_BYTES_MAX);
	return n;
}

size_t state_key_attester(uint8_t *out, const uint8_t report[HASH_BYTES],
			  uint8_t role, const char *attester)
{
	size_t n = state_key_id(out, STATE_KEY_ATTESTER, report), k;
	out[n++] = role;
	k = put_str8(out + n, attester, PARTY_ID_BYTES_MAX);
	assert(k > 0);
	return n + k;
}

size_t state_key_dismissed(uint8_t *out, const uint8_t target[HASH_BYTES],
			   uint8_t role, const char *challenger)
{
	size_t n = state_key_id(out, STATE_KEY_DISMISSED, target), k;
	out[n++] = role;
	k = put_str8(out + n, challenger, PARTY_ID_BYTES_MAX);
	assert(k > 0);
	return n + k;
}

size_t state_key_evidence(uint8_t *out, const uint8_t validator[PUBKEY_BYTES],
			  uint64_t height, uint32_t round)
{
	size_t n = state_key_id(out, STATE_KEY_EVIDENCE, validator);
	be64_put(out + n, height);
	be32_put(out + n + 8, round);
	return n + 12;
}

size_t state_key_evidence_proposals(uint8_t *out,
				    const uint8_t validator[PUBKEY_BYTES],
				    uint64_t height, uint32_t round)
{
	size_t n = state_key_evidence(out, validator, height, round);
	out[n] = EVIDENCE_PROPOSALS_CODE;
	return n + 1;
}

/* ---- writing (§4) ---- */

static void w_str8(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);
	assert(n <= UINT8_MAX);
	wbuf_u8(w, (uint8_t)n);
	wbuf_bytes(w, s, n);
}

static void w_bool(struct wbuf *w, bool b)
{
	wbuf_u8(w, b ? 1 : 0);
}

static void w_opt_hash(struct wbuf *w, bool has, const uint8_t *h)
{
	w_bool(w, has);
	if (has)
		wbuf_bytes(w, h, HASH_BYTES);
}

void state_agreement_write(struct wbuf *w, const struct state_agreement *a)
{
	assert(a->party_count <= LIST_ITEMS_MAX);
	assert(a->verifier_count <= LIST_ITEMS_MAX);
	wbuf_u8(w, STATE_TAG_AGREEMENT);
	wbuf_u64(w, a->index);
	wbuf_u64(w, a->proposed_at);
	w_str8(w, a->title);
	w_str8(w, a->proposer);
	wbuf_u16(w, (uint16_t)a->party_count);
	for (size_t i = 0; i < a->party_count; i++) {
		w_str8(w, a->parties[i]);
		w_bool(w, a->endorsed[i]);
	}
	wbuf_u16(w, (uint16_t)a->verifier_count);
	for (size_t i = 0; i < a->verifier_count; i++)
		w_str8(w, a->verifiers[i]);
	w_bool(w, a->peer_parties_may_attest);
	wbuf_u8(w, a->attestations_required);
	wbuf_u8(w, a->resolution_threshold);
	wbuf_u8(w, a->amendment_threshold);
	wbuf_u32(w, a->challenge_days);
	wbuf_u32(w, a->grace_days);
	w_bool(w, a->has_compensation);
	if (a->has_compensation) {
		wbuf_i64(w, a->compensation_rate);
		wbuf_bytes(w, a->currency, 3);
		w_str8(w, a->payee);
	}
	w_opt_hash(w, a->has_supersedes, a->supersedes);
	assert(a->amender_count <= LIST_ITEMS_MAX);
	wbuf_u16(w, (uint16_t)a->amender_count);
	for (size_t i = 0; i < a->amender_count; i++)
		w_str8(w, a->amenders[i]);
	wbuf_u16(w, a->obligation_count);
	w_bool(w, a->active);
	if (a->active)
		wbuf_u64(w, a->active_since);
	w_bool(w, a->superseded);
	if (a->superseded) {
		wbuf_u64(w, a->superseded_at);
		wbuf_bytes(w, a->superseded_by, HASH_BYTES);
	}
}

void state_obligation_write(struct wbuf *w, const struct state_obligation *o)
{
	wbuf_u8(w, STATE_TAG_OBLIGATION);
	w_str8(w, o->party);
	w_str8(w, o->scope);
	wbuf_u8(w, o->pollutant);
	wbuf_u8(w, o->metric);
	w_bool(w, o->has_baseline);
	if (o->has_baseline) {
		wbuf_u16(w, o->baseline_year);
		wbuf_i64(w, o->baseline_value);
	}
	wbuf_i64(w, o->target);
	wbuf_i64(w, o->default_value);
	wbuf_u64(w, o->period_start);
	wbuf_u64(w, o->period_end);
	wbuf_u64(w, o->deadline);
	wbuf_u8(w, o->frequency);
	w_opt_hash(w, o->has_deciding, o->deciding);
	w_bool(w, o->has_reopened);
	if (o->has_reopened)
		wbuf_u64(w, o->reopened);
}

void state_report_write(struct wbuf *w, const struct state_report *r)
{
	wbuf_u8(w, STATE_TAG_REPORT);
	wbuf_bytes(w, r->agreement, HASH_BYTES);
	wbuf_u16(w, r->obligation);
	w_str8(w, r->party);
	wbuf_u64(w, r->index);
	wbuf_u64(w, r->block_time);
	w_bool(w, r->late);
	w_bool(w, r->has_value);
	if (r->has_value)
		wbuf_i64(w, r->value);
	else
		w_str8(w, r->notation_key);
	w_bool(w, r->counted);
	wbuf_u32(w, r->positive);
	w_opt_hash(w, r->has_challenge, r->challenge);
	if (r->has_challenge)
		wbuf_u64(w, r->challenge_expires);
	w_opt_hash(w, r->has_prev, r->prev);
	w_opt_hash(w, r->has_next, r->next);
}

void state_attestation_write(struct wbuf *w, const struct state_attestation *t)
{
	wbuf_u8(w, STATE_TAG_ATTESTATION);
	wbuf_bytes(w, t->report, HASH_BYTES);
	wbuf_u64(w, t->index);
	wbuf_u64(w, t->block_time);
	wbuf_u8(w, t->role);
	w_str8(w, t->attester);
	wbuf_u8(w, t->opinion);
	w_bool(w, t->counted);
	w_opt_hash(w, t->has_challenge, t->challenge);
}

void state_challenge_write(struct wbuf *w, const struct state_challenge *c)
{
	wbuf_u8(w, STATE_TAG_CHALLENGE);
	wbuf_bytes(w, c->target, HASH_BYTES);
	wbuf_u8(w, c->target_kind);
	wbuf_bytes(w, c->report, HASH_BYTES);
	wbuf_bytes(w, c->agreement, HASH_BYTES);
	wbuf_u64(w, c->index);
	wbuf_u64(w, c->block_time);
	wbuf_u8(w, c->challenger_role);
	w_str8(w, c->challenger);
	wbuf_u64(w, c->expires);
	wbuf_u8(w, c->outcome);
	if (c->outcome == OUTCOME_UPHELD || c->outcome == OUTCOME_DISMISSED) {
		wbuf_bytes(w, c->resolution, HASH_BYTES);
		wbuf_u64(w, c->resolved_at);
	}
}

void state_governance_write(struct wbuf *w, const struct state_governance *g)
{
	wbuf_u8(w, STATE_TAG_GOVERNANCE);
	wbuf_u64(w, g->index);
	wbuf_u64(w, g->block_time);
	wbuf_u8(w, g->action);
}

void state_evidence_write(struct wbuf *w, const struct state_evidence *e)
{
	wbuf_u8(w, STATE_TAG_EVIDENCE);
	wbuf_bytes(w, e->id, HASH_BYTES);
	wbuf_u64(w, e->index);
	wbuf_u64(w, e->block_time);
}

/* ---- reading (§4): every field checked, first bad field named ---- */

struct rd {
	struct rbuf r;
	const char *bad; /* the first field that failed */
};

static bool rd_ok(struct rd *d, const char *field)
{
	if (rbuf_error(&d->r) != 0) {
		if (d->bad == NULL)
			d->bad = field;
		return false;
	}
	return true;
}

static void rd_fail(struct rd *d, const char *field)
{
	if (d->bad == NULL)
		d->bad = field;
	d->r.err = ACC_EDECODE;
}

static uint8_t rd_u8(struct rd *d, const char *field)
{
	uint8_t v = 0;
	(void)rbuf_u8(&d->r, &v);
	return rd_ok(d, field) ? v : 0;
}

static uint8_t rd_enum(struct rd *d, unsigned lo, unsigned hi,
		       const char *field)
{
	uint8_t v = rd_u8(d, field);
	if (rd_ok(d, field) && (v < lo || v > hi)) {
		rd_fail(d, field);
		return 0;
	}
	return v;
}

static bool rd_bool(struct rd *d, const char *field)
{
	return rd_enum(d, 0, 1, field) == 1;
}

static uint16_t rd_u16(struct rd *d, const char *field)
{
	uint16_t v = 0;
	(void)rbuf_u16(&d->r, &v);
	return rd_ok(d, field) ? v : 0;
}

static uint32_t rd_u32(struct rd *d, const char *field)
{
	uint32_t v = 0;
	(void)rbuf_u32(&d->r, &v);
	return rd_ok(d, field) ? v : 0;
}

static uint64_t rd_u64(struct rd *d, const char *field)
{
	uint64_t v = 0;
	(void)rbuf_u64(&d->r, &v);
	return rd_ok(d, field) ? v : 0;
}

static uint64_t rd_time(struct rd *d, const char *field)
{
	uint64_t v = rd_u64(d, field);
	if (v > TIME_MAX) {
		rd_fail(d, field);
		return 0;
	}
	return v;
}

static int64_t rd_qty(struct rd *d, const char *field)
{
	int64_t v = 0;
	(void)rbuf_i64(&d->r, &v);
	if (!rd_ok(d, field))
		return 0;
	if (v > QTY_MILLI_MAX || v < -QTY_MILLI_MAX) {
		rd_fail(d, field);
		return 0;
	}
	return v;
}

static void rd_hash(struct rd *d, uint8_t *out, const char *field)
{
	if (rbuf_bytes(&d->r, out, HASH_BYTES) != 0) {
		memset(out, 0, HASH_BYTES);
		(void)rd_ok(d, field);
	}
}

static bool rd_opt_hash(struct rd *d, uint8_t *out, const char *field)
{
	bool has = rd_bool(d, field);
	if (has)
		rd_hash(d, out, field);
	return has;
}

enum str_class {
	STR_ID,	  /* party/verifier id syntax */
	STR_NAME, /* non-empty UTF-8 without NUL */
	STR_TEXT, /* UTF-8 without NUL, may be empty */
	STR_ID_OR_EMPTY, /* id syntax, or empty */
};

/* A u8-length string of at most cap - 1 bytes into out, NUL-terminated. */
static void rd_str8(struct rd *d, char *out, size_t cap, enum str_class cls,
		    const char *field)
{
	const uint8_t *p;
	uint8_t n = rd_u8(d, field);
	out[0] = 0;
	if (!rd_ok(d, field))
		return;
	if ((size_t)n >= cap || rbuf_view(&d->r, &p, n) != 0) {
		rd_fail(d, field);
		return;
	}
	bool ok;
	switch (cls) {
	case STR_ID:
		ok = genesis_id_valid((const char *)p, n);
		break;
	case STR_ID_OR_EMPTY:
		ok = n == 0 || genesis_id_valid((const char *)p, n);
		break;
	case STR_NAME:
		ok = n > 0 && field_utf8_valid(p, n);
		break;
	default:
		ok = field_utf8_valid(p, n);
		break;
	}
	if (!ok) {
		rd_fail(d, field);
		return;
	}
	memcpy(out, p, n);
	out[n] = 0;
}

static void rd_begin(struct rd *d, const uint8_t *p, size_t n, uint8_t tag)
{
	d->bad = NULL;
	rbuf_init(&d->r, p, n);
	(void)rd_enum(d, tag, tag, "tag");
}

static int rd_end(struct rd *d, const char *what, struct acc_err *err)
{
	if (d->bad == NULL && rbuf_finish(&d->r) == 0)
		return 0;
	return acc_err_set(err, ACC_EDECODE, "state %s record: %s", what,
			   d->bad ? d->bad : "trailing bytes");
}

/*
 * §4.1, decoded into t, and into a's title, proposer and lists when a is
 * not NULL. Without a, the strings are checked exactly as with it (into a
 * scratch buffer), so both forms accept the same records and name the
 * same first bad field.
 */
static int agreement_rd(struct state_agreement_terms *t,
			struct state_agreement *a, const uint8_t *p, size_t n,
			struct acc_err *err)
{
	struct rd d;
	char scratch[STATE_NAME_BYTES];
	bool endorsed;
	memset(t, 0, sizeof *t);
	rd_begin(&d, p, n, STATE_TAG_AGREEMENT);
	t->index = rd_u64(&d, "index");
	t->proposed_at = rd_time(&d, "proposed_at");
	rd_str8(&d, a ? a->title : scratch, STATE_NAME_BYTES, STR_NAME,
		"title");
	rd_str8(&d, a ? a->proposer : scratch, STATE_ID_BYTES, STR_ID,
		"proposer");
	t->party_count = rd_u16(&d, "parties");
	if (t->party_count < 1 || t->party_count > LIST_ITEMS_MAX) {
		rd_fail(&d, "parties");
		t->party_count = 0;
	}
	for (size_t i = 0; i < t->party_count; i++) {
		rd_str8(&d, a ? a->parties[i] : scratch, STATE_ID_BYTES, STR_ID,
			"parties");
		endorsed = rd_bool(&d, "endorsed");
		if (a != NULL)
			a->endorsed[i] = endorsed;
	}
	t->verifier_count = rd_u16(&d, "verifiers");
	if (t->verifier_count > LIST_ITEMS_MAX) {
		rd_fail(&d, "verifiers");
		t->verifier_count = 0;
	}
	for (size_t i = 0; i < t->verifier_count; i++)
		rd_str8(&d, a ? a->verifiers[i] : scratch, STATE_ID_BYTES,
			STR_ID, "verifiers");
	t->peer_parties_may_attest = rd_bool(&d, "peer_parties_may_attest");
	t->attestations_required =
	    rd_enum(&d, 1, UINT8_MAX, "attestations_required");
	t->resolution_threshold =
	    rd_enum(&d, 1, UINT8_MAX, "resolution_threshold");
	t->amendment_threshold =
	    rd_enum(&d, 1, UINT8_MAX, "amendment_threshold");
	t->challenge_days = rd_u32(&d, "challenge_days");
	t->grace_days = rd_u32(&d, "grace_days");
	t->has_compensation = rd_bool(&d, "compensation");
	if (t->has_compensation) {
		t->compensation_rate = rd_qty(&d, "compensation.rate");
		if (rbuf_bytes(&d.r, t->currency, 3) != 0)
			(void)rd_ok(&d, "compensation.currency");
		for (int i = 0; i < 3; i++)
			if (t->currency[i] < 'A' || t->currency[i] > 'Z')
				rd_fail(&d, "compensation.currency");
		t->currency[3] = 0;
		/* Empty: the other parties share it (compliance §6.3). */
		rd_str8(&d, t->payee, sizeof t->payee, STR_ID_OR_EMPTY,
			"compensation.payee");
	}
	t->has_supersedes = rd_opt_hash(&d, t->supersedes, "supersedes");
	t->amender_count = rd_u16(&d, "amenders");
	if (t->amender_count > LIST_ITEMS_MAX) {
		rd_fail(&d, "amenders");
		t->amender_count = 0;
	}
	for (size_t i = 0; i < t->amender_count; i++)
		rd_str8(&d, a ? a->amenders[i] : scratch, STATE_ID_BYTES,
			STR_ID, "amenders");
	t->obligation_count = rd_u16(&d, "obligation_count");
	if (t->obligation_count < 1 || t->obligation_count > OBLIGATIONS_MAX)
		rd_fail(&d, "obligation_count");
	t->active = rd_bool(&d, "active");
	if (t->active)
		t->active_since = rd_time(&d, "active_since");
	t->superseded = rd_bool(&d, "superseded");
	if (t->superseded) {
		t->superseded_at = rd_time(&d, "superseded_at");
		rd_hash(&d, t->superseded_by, "superseded_by");
	}
	return rd_end(&d, "agreement", err);
}

int state_agreement_terms_read(struct state_agreement_terms *t,
			       const uint8_t *p, size_t n, struct acc_err *err)
{
	return agreement_rd(t, NULL, p, n, err);
}

int state_agreement_read(struct state_agreement *a, const uint8_t *p, size_t n,
			 struct acc_err *err)
{
	struct state_agreement_terms t;
	memset(a, 0, sizeof *a);
	int rc = agreement_rd(&t, a, p, n, err);
	a->index = t.index;
	a->proposed_at = t.proposed_at;
	a->party_count = t.party_count;
	a->verifier_count = t.verifier_count;
	a->peer_parties_may_attest = t.peer_parties_may_attest;
	a->attestations_required = t.attestations_required;
	a->resolution_threshold = t.resolution_threshold;
	a->amendment_threshold = t.amendment_threshold;
	a->challenge_days = t.challenge_days;
	a->amender_count = t.amender_count;
	a->grace_days = t.grace_days;
	a->has_compensation = t.has_compensation;
	a->compensation_rate = t.compensation_rate;
	memcpy(a->currency, t.currency, sizeof a->currency);
	memcpy(a->payee, t.payee, sizeof a->payee);
	a->has_supersedes = t.has_supersedes;
	memcpy(a->supersedes, t.supersedes, HASH_BYTES);
	a->obligation_count = t.obligation_count;
	a->active = t.active;
	a->active_since = t.active_since;
	a->superseded = t.superseded;
	a->superseded_at = t.superseded_at;
	memcpy(a->superseded_by, t.superseded_by, HASH_BYTES);
	return rc;
}

int state_obligation_read(struct state_obligation *o, const uint8_t *p,
			  size_t n, struct acc_err *err)
{
	struct rd d;
	memset(o, 0, sizeof *o);
	rd_begin(&d, p, n, STATE_TAG_OBLIGATION);
	rd_str8(&d, o->party, sizeof o->party, STR_ID, "party");
	rd_str8(&d, o->scope, sizeof o->scope, STR_TEXT, "scope");
	o->pollutant = rd_enum(&d, 1, POLLUTANT_MAX, "pollutant");
	o->metric = rd_enum(&d, 1, METRIC_MAX, "metric");
	o->has_baseline = rd_bool(&d, "baseline");
	if (o->has_baseline) {
		o->baseline_year = rd_u16(&d, "baseline_year");
		o->baseline_value = rd_qty(&d, "baseline_value");
	}
	o->target = rd_qty(&d, "target");
	o->default_value = rd_qty(&d, "default_value");
	o->period_start = rd_time(&d, "period_start");
	o->period_end = rd_time(&d, "period_end");
	o->deadline = rd_time(&d, "deadline");
	o->frequency = rd_enum(&d, 1, FREQUENCY_MAX, "frequency");
	o->has_deciding = rd_opt_hash(&d, o->deciding, "deciding");
	o->has_reopened = rd_bool(&d, "reopened");
	if (o->has_reopened)
		o->reopened = rd_time(&d, "reopened");
	return rd_end(&d, "obligation", err);
}

int state_report_read(struct state_report *r, const uint8_t *p, size_t n,
		      struct acc_err *err)
{
	struct rd d;
	memset(r, 0, sizeof *r);
	rd_begin(&d, p, n, STATE_TAG_REPORT);
	rd_hash(&d, r->agreement, "agreement");
	r->obligation = rd_u16(&d, "obligation");
	rd_str8(&d, r->party, sizeof r->party, STR_ID, "party");
	r->index = rd_u64(&d, "index");
	r->block_time = rd_time(&d, "block_time");
	r->late = rd_bool(&d, "late");
	r->has_value = rd_bool(&d, "has_value");
	if (r->has_value)
		r->value = rd_qty(&d, "value");
	else
		rd_str8(&d, r->notation_key, sizeof r->notation_key, STR_NAME,
			"notation_key");
	r->counted = rd_bool(&d, "counted");
	r->positive = rd_u32(&d, "positive");
	r->has_challenge = rd_opt_hash(&d, r->challenge, "challenge");
	if (r->has_challenge)
		r->challenge_expires = rd_time(&d, "challenge_expires");
	r->has_prev = rd_opt_hash(&d, r->prev, "prev");
	r->has_next = rd_opt_hash(&d, r->next, "next");
	return rd_end(&d, "report", err);
}

int state_attestation_read(struct state_attestation *t, const uint8_t *p,
			   size_t n, struct acc_err *err)
{
	struct rd d;
	memset(t, 0, sizeof *t);
	rd_begin(&d, p, n, STATE_TAG_ATTESTATION);
	rd_hash(&d, t->report, "report");
	t->index = rd_u64(&d, "index");
	t->block_time = rd_time(&d, "block_time");
	t->role = rd_enum(&d, STATE_ROLE_VERIFIER, STATE_ROLE_PARTY, "role");
	rd_str8(&d, t->attester, sizeof t->attester, STR_ID, "attester");
	t->opinion = rd_enum(&d, 1, OPINION_MAX, "opinion");
	t->counted = rd_bool(&d, "counted");
	t->has_challenge = rd_opt_hash(&d, t->challenge, "challenge");
	return rd_end(&d, "attestation", err);
}

int state_challenge_read(struct state_challenge *c, const uint8_t *p, size_t n,
			 struct acc_err *err)
{
	struct rd d;
	memset(c, 0, sizeof *c);
	rd_begin(&d, p, n, STATE_TAG_CHALLENGE);
	rd_hash(&d, c->target, "target");
	c->target_kind =
	    rd_enum(&d, ENTRY_REPORT, ENTRY_ATTESTATION, "target_kind");
	rd_hash(&d, c->report, "report");
	rd_hash(&d, c->agreement, "agreement");
	c->index = rd_u64(&d, "index");
	c->block_time = rd_time(&d, "block_time");
	c->challenger_role =
	    rd_enum(&d, STATE_ROLE_VERIFIER, STATE_ROLE_PARTY, "challenger_role");
	rd_str8(&d, c->challenger, sizeof c->challenger, STR_ID, "challenger");
	c->expires = rd_time(&d, "expires");
	c->outcome = rd_enum(&d, 0, STATE_LAPSED, "outcome");
	if (c->outcome == OUTCOME_UPHELD || c->outcome == OUTCOME_DISMISSED) {
		rd_hash(&d, c->resolution, "resolution");
		c->resolved_at = rd_time(&d, "resolved_at");
	}
	return rd_end(&d, "challenge", err);
}

int state_governance_read(struct state_governance *g, const uint8_t *p,
			  size_t n, struct acc_err *err)
{
	struct rd d;
	memset(g, 0, sizeof *g);
	rd_begin(&d, p, n, STATE_TAG_GOVERNANCE);
	g->index = rd_u64(&d, "index");
	g->block_time = rd_time(&d, "block_time");
	g->action = rd_enum(&d, 1, GOV_ACTION_MAX, "action");
	return rd_end(&d, "governance", err);
}

int state_evidence_read(struct state_evidence *e, const uint8_t *p, size_t n,
			struct acc_err *err)
{
	struct rd d;
	memset(e, 0, sizeof *e);
	rd_begin(&d, p, n, STATE_TAG_EVIDENCE);
	rd_hash(&d, e->id, "id");
	e->index = rd_u64(&d, "index");
	e->block_time = rd_time(&d, "block_time");
	return rd_end(&d, "evidence", err);
}

int state_u16_read(uint16_t *v, const uint8_t *p, size_t n, struct acc_err *err)
{
	if (n != 2)
		return acc_err_set(err, ACC_EDECODE,
				   "state match record: %zu bytes, expected 2",
				   n);
	*v = be16_get(p);
	return 0;
}

int state_id_read(uint8_t id[HASH_BYTES], const uint8_t *p, size_t n,
		  struct acc_err *err)
{
	if (n != HASH_BYTES)
		return acc_err_set(err, ACC_EDECODE,
				   "state attester record: %zu bytes, expected "
				   "32",
				   n);
	memcpy(id, p, HASH_BYTES);
	return 0;
}

/* ---- typed get/put ---- */

/* Encode with write and put under key; the record is small. */
#define DEFINE_PUT(name, type, writer)                                        \
	static int name(const struct kv *kv, const uint8_t *key, size_t klen, \
			const type *rec, struct acc_err *err)                 \
	{                                                                     \
		struct wbuf w;                                                \
		wbuf_init(&w, KV_VAL_BYTES_MAX);                              \
		writer(&w, rec);                                              \
		int rc = wbuf_error(&w);                                      \
		if (rc == 0)                                                  \
			rc = kv_put(kv, key, klen, w.data, w.len);            \
		wbuf_free(&w);                                                \
		if (rc != 0)                                                  \
			return acc_err_set(err, rc,                           \
					   "writing derived state: %s",       \
					   acc_strerror(rc));                 \
		return 0;                                                     \
	}

DEFINE_PUT(put_agreement, struct state_agreement, state_agreement_write)
DEFINE_PUT(put_obligation, struct state_obligation, state_obligation_write)
DEFINE_PUT(put_report, struct state_report, state_report_write)
DEFINE_PUT(put_attestation, struct state_attestation, state_attestation_write)
DEFINE_PUT(put_challenge, struct state_challenge, state_challenge_write)

/* Get key; ACC_ENOTFOUND passes through without touching err. */
static int get_raw(const struct kv *kv, const uint8_t *key, size_t klen,
		   const uint8_t **v, size_t *vl, struct acc_err *err)
{
	int rc = kv_get(kv, key, klen, v, vl);
	if (rc != 0 && rc != ACC_ENOTFOUND)
		return acc_err_set(err, rc, "reading derived state: %s",
				   acc_strerror(rc));
	return rc;
}

int state_agreement_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
			struct state_agreement *a, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_id(k, STATE_KEY_AGREEMENT, id);
	int rc = get_raw(kv, k, kl, &v, &vl, err);
	return rc != 0 ? rc : state_agreement_read(a, v, vl, err);
}

int state_agreement_terms_get(const struct kv *kv,
			      const uint8_t id[HASH_BYTES],
			      struct state_agreement_terms *t,
			      struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_id(k, STATE_KEY_AGREEMENT, id);
	int rc = get_raw(kv, k, kl, &v, &vl, err);
	return rc != 0 ? rc : state_agreement_terms_read(t, v, vl, err);
}

int state_agreement_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
			const struct state_agreement *a, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_id(k, STATE_KEY_AGREEMENT, id);
	return put_agreement(kv, k, kl, a, err);
}

int state_obligation_get(const struct kv *kv,
			 const uint8_t agreement[HASH_BYTES], uint16_t index,
			 struct state_obligation *o, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_obligation(k, agreement, index);
	int rc = get_raw(kv, k, kl, &v, &vl, err);
	return rc != 0 ? rc : state_obligation_read(o, v, vl, err);
}

int state_obligation_put(const struct kv *kv,
			 const uint8_t agreement[HASH_BYTES], uint16_t index,
			 const struct state_obligation *o, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_obligation(k, agreement, index);
	return put_obligation(kv, k, kl, o, err);
}

int state_report_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
		     struct state_report *r, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_id(k, STATE_KEY_REPORT, id);
	int rc = get_raw(kv, k, kl, &v, &vl, err);
	return rc != 0 ? rc : state_report_read(r, v, vl, err);
}

int state_report_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
		     const struct state_report *r, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_id(k, STATE_KEY_REPORT, id);
	return put_report(kv, k, kl, r, err);
}

int state_attestation_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
			  struct state_attestation *t, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_id(k, STATE_KEY_ATTESTATION, id);
	int rc = get_raw(kv, k, kl, &v, &vl, err);
	return rc != 0 ? rc : state_attestation_read(t, v, vl, err);
}

int state_attestation_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
			  const struct state_attestation *t,
			  struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_id(k, STATE_KEY_ATTESTATION, id);
	return put_attestation(kv, k, kl, t, err);
}

int state_challenge_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
			struct state_challenge *c, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_id(k, STATE_KEY_CHALLENGE, id);
	int rc = get_raw(kv, k, kl, &v, &vl, err);
	return rc != 0 ? rc : state_challenge_read(c, v, vl, err);
}

int state_challenge_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
			const struct state_challenge *c, struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_id(k, STATE_KEY_CHALLENGE, id);
	return put_challenge(kv, k, kl, c, err);
}

/* ---- digest (§5) ---- */

static int digest_cb(void *ctx, const uint8_t *key, size_t klen,
		     const uint8_t *val, size_t vlen)
{
	struct sha256_ctx *h = ctx;
	uint8_t len[4];
	be32_put(len, (uint32_t)klen);
	sha256_update(h, len, 4);
	sha256_update(h, key, klen);
	be32_put(len, (uint32_t)vlen);
	sha256_update(h, len, 4);
	sha256_update(h, val, vlen);
	return 0;
}

int state_digest(const struct kv *kv, uint8_t out[HASH_BYTES])
{
	struct sha256_ctx h;
	sha256_init(&h);
	int rc = kv_iter(kv, STATE_PREFIX, STATE_PREFIX_BYTES, digest_cb, &h);
	sha256_final(&h, out);
	if (rc != 0)
		memset(out, 0, HASH_BYTES);
	return rc;
}

/* ---- replay ---- */

int state_replay_entry(struct kv *kv, const struct genesis *g,
		       const uint8_t *bytes, size_t len, uint64_t index,
		       uint64_t block_time_s, struct acc_err *err)
{
	struct entry e;
	uint8_t id[HASH_BYTES];
	int rc = entry_decode(&e, bytes, len, err);
	if (rc != 0)
		return rc;
	entry_id(id, bytes, len);
	rc = rules_apply(kv, g, &e, id, index, block_time_s, err);
	entry_free(&e);
	return rc;
}
