/* test_state_fixture.h - a small world for the rules and compliance tests:
 * a genesis built in code (three parties, two verifiers, a stranger key),
 * entry builders, and submission through bytes into an in-memory KV
 * (specs/compliance.md §9). */
#ifndef ACCORD_TESTS_STATE_FIXTURE_H
#define ACCORD_TESTS_STATE_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/hex.h"
#include "ledger/compliance.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "common/kv.h"
#include "ledger/rules.h"
#include "ledger/state.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

/* A second verifier that no agreement of the tests lists. */
#define SEED_SGS 0x0a
/* A national party, CN, for the 30-city test. */
#define SEED_CN 0x0b

/* Who signs: indexes into world.keys. */
enum who {
	W_BJ = 0,
	W_TJ,
	W_HE,
	W_CNEMC,
	W_SGS,
	W_STRANGER,
	W_NODE0,
	W_CN,
	W_COUNT,
};

struct world {
	struct genesis g;
	struct kv kv;
	struct key keys[W_COUNT];
	uint64_t index;	    /* next log index */
	bool skip_check;    /* submit without entry_check (to reach rules) */
	int check_rc;	    /* entry_check's result for the last submission */
	struct acc_err err; /* of the last submission */
};

static inline uint64_t T(const char *s)
{
	uint64_t t;
	struct acc_err err;
	if (fixed_time_parse(&t, s, &err) != 0)
		FAIL_AT("bad time %s", s);
	return t;
}

static inline void world_genesis(struct genesis *g)
{
	char bj[65], tj[65], he[65], cnemc[65], sgs[65], n0[65], cn[65];
	fixture_pk_hex(bj, SEED_BJ);
	fixture_pk_hex(tj, SEED_TJ);
	fixture_pk_hex(he, SEED_HE);
	fixture_pk_hex(cnemc, SEED_CNEMC);
	fixture_pk_hex(sgs, SEED_SGS);
	fixture_pk_hex(n0, SEED_NODE0);
	fixture_pk_hex(cn, SEED_CN);
	char t[4096];
	snprintf(t, sizeof t,
		 "{\"chain_id\": \"" TEST_CHAIN_ID "\","
		 "\"genesis_time\": \"2013-01-01T00:00:00Z\","
		 "\"parties\": ["
		 "{\"id\": \"CN-BJ\", \"name\": \"Beijing\", \"keys\": "
		 "[\"%s\"]},"
		 "{\"id\": \"CN-TJ\", \"name\": \"Tianjin\", \"keys\": "
		 "[\"%s\"]},"
		 "{\"id\": \"CN-HE\", \"name\": \"Hebei\", \"keys\": "
		 "[\"%s\"]},"
		 "{\"id\": \"CN\", \"name\": \"Ministry of Ecology and "
		 "Environment\", \"keys\": [\"%s\"]}],"
		 "\"validators\": [{\"name\": \"node0\", \"party\": \"CN-BJ\", "
		 "\"key\": \"%s\", \"address\": \"127.0.0.1:9700\"}],"
		 "\"verifiers\": ["
		 "{\"id\": \"CNEMC\", \"name\": \"China National "
		 "Environmental Monitoring Centre\", \"key\": \"%s\"},"
		 "{\"id\": \"SGS\", \"name\": \"An auditor no agreement "
		 "lists\", \"key\": \"%s\"}],"
		 "\"governance_threshold\": 2}",
		 bj, tj, he, cn, n0, cnemc, sgs);
	struct acc_err err;
	if (genesis_from_json_text(g, t, strlen(t), &err) != 0)
		FAIL_AT("world genesis: %s", err.msg);
}

static inline void world_open(struct world *w)
{
	static const uint8_t seeds[W_COUNT] = {
	    SEED_BJ,  SEED_TJ,	     SEED_HE,	 SEED_CNEMC,
	    SEED_SGS, SEED_STRANGER, SEED_NODE0, SEED_CN};
	memset(w, 0, sizeof *w);
	ASSERT_OK(crypto_lib_init());
	world_genesis(&w->g);
	for (int i = 0; i < W_COUNT; i++)
		fixture_key(&w->keys[i], seeds[i]);
	ASSERT_OK(kv_mem_open(&w->kv));
}

static inline void world_close(struct world *w)
{
	for (int i = 0; i < W_COUNT; i++)
		key_free(&w->keys[i]);
	kv_mem_close(&w->kv);
	genesis_free(&w->g);
}

static inline void world_digest(struct world *w, uint8_t out[HASH_BYTES])
{
	ASSERT_OK(state_digest(&w->kv, out));
}

/*
 * Sign e by the signers (a -1 terminated list of enum who), encode it,
 * run entry_check (its result in w->check_rc; a failure is returned
 * unless w->skip_check), then replay it through state_replay_entry at the
 * next log index and block time t. id (may be NULL) gets the entry id.
 * e is freed. Returns the first error.
 */
static inline int world_submit_v(struct world *w, struct entry *e,
				 const int *who, uint64_t t, uint8_t *id)
{
	uint8_t *bytes;
	size_t len;
	e->version = ENTRY_VERSION;
	if (e->time == 0)
		e->time = t;
	for (const int *p = who; *p >= 0; p++)
		ASSERT_OK(entry_sign(e, &w->keys[*p], TEST_CHAIN_ID, NULL));
	ASSERT_OK(entry_encode(e, &bytes, &len, &w->err));
	entry_free(e);
	if (id != NULL)
		entry_id(id, bytes, len);
	acc_err_clear(&w->err);
	w->check_rc = entry_check(bytes, len, &w->g, NULL, &w->err);
	int rc = w->check_rc;
	if (rc == 0 || w->skip_check) {
		acc_err_clear(&w->err);
		rc = state_replay_entry(&w->kv, &w->g, bytes, len, w->index, t,
					&w->err);
	}
	if (rc == 0)
		w->index++;
	if (rc != 0 && getenv("ACCORD_TEST_VERBOSE") != NULL)
		fprintf(stderr, "refused: %s\n", w->err.msg);
	free(bytes);
	return rc;
}

static inline int world_submit(struct world *w, struct entry *e, int who,
			       uint64_t t, uint8_t *id)
{
	int list[2] = {who, -1};
	return world_submit_v(w, e, list, t, id);
}

static inline char *xstrdup(const char *s)
{
	char *d = strdup(s);
	ASSERT(d != NULL);
	return d;
}

/* ---- entry builders: each fills a zeroed entry ---- */

/* An agreement of parties (comma-separated ids) with no obligation yet:
 * verifiers (comma-separated, "" = none), grace in days, attestations
 * required, resolution threshold. */
static inline char **split_ids(const char *csv, size_t *n)
{
	char **v = calloc(LIST_ITEMS_MAX, sizeof *v);
	ASSERT(v != NULL);
	*n = 0;
	const char *p = csv;
	while (*p) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		v[*n] = strndup(p, len);
		ASSERT(v[*n] != NULL);
		(*n)++;
		p += len + (q ? 1 : 0);
	}
	return v;
}

static inline void agreement_init(struct entry *e, const char *title,
				  const char *parties, const char *verifiers,
				  uint32_t grace_days, uint8_t att_required,
				  uint8_t res_threshold)
{
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_AGREEMENT;
	struct agreement *a = &e->agreement;
	a->title = xstrdup(title);
	a->parties = split_ids(parties, &a->party_count);
	a->verifiers = split_ids(verifiers, &a->verifier_count);
	a->grace_days = grace_days;
	a->attestations_required = att_required;
	a->resolution_threshold = res_threshold;
	/* Every party must consent to a successor; 30 days to challenge. */
	a->amendment_threshold = (uint8_t)a->party_count;
	a->challenge_days = 30;
	a->legal_text_uri = xstrdup("https://example.org/agreement.pdf");
	memset(a->legal_text_hash, 0x11, HASH_BYTES);
}

static inline void agreement_obligation(struct entry *e, const char *party,
					const char *scope, int pollutant,
					int metric, int64_t target, uint64_t ps,
					uint64_t pe, uint64_t deadline)
{
	struct agreement *a = &e->agreement;
	struct obligation *o =
	    realloc(a->obligations, (a->obligation_count + 1) * sizeof *o);
	ASSERT(o != NULL);
	a->obligations = o;
	o = &a->obligations[a->obligation_count++];
	memset(o, 0, sizeof *o);
	o->party = xstrdup(party);
	o->scope = xstrdup(scope);
	o->pollutant = (uint8_t)pollutant;
	o->metric = (uint8_t)metric;
	o->target = target;
	/* Silence is assessed at a third over the target (60 -> 80), or at
	 * no reduction at all (compliance §6.4). */
	if (metric == METRIC_PERCENT_REDUCTION)
		o->default_value = target > 0 ? 0 : target - 10000;
	else
		o->default_value = target > 0 ? target + target / 3 : 1000;
	o->period_start = ps;
	o->period_end = pe;
	o->deadline = deadline;
	o->frequency = FREQUENCY_ANNUAL;
	if (metric == METRIC_PERCENT_REDUCTION) {
		o->has_baseline = true;
		o->baseline_year = 2013;
		o->baseline_value = 89500;
	}
}

static inline void agreement_compensation(struct entry *e, int64_t rate,
					  const char *currency,
					  const char *payee)
{
	e->agreement.has_compensation = true;
	e->agreement.compensation_rate = rate;
	memcpy(e->agreement.currency, currency, 3);
	e->agreement.currency[3] = 0;
	e->agreement.payee = xstrdup(payee);
}

static inline void endorsement_init(struct entry *e,
				    const uint8_t aid[HASH_BYTES])
{
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_ENDORSEMENT;
	memcpy(e->endorsement.agreement_id, aid, HASH_BYTES);
}

/* A report with a value (notation NULL) or a notation key. */
static inline void report_init(struct entry *e, const uint8_t aid[HASH_BYTES],
			       const char *party, const char *scope,
			       int pollutant, int metric, uint64_t ps,
			       uint64_t pe, int64_t value, const char *notation)
{
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_REPORT;
	struct report *r = &e->report;
	memcpy(r->agreement_id, aid, HASH_BYTES);
	r->party = xstrdup(party);
	r->scope = xstrdup(scope);
	r->pollutant = (uint8_t)pollutant;
	r->metric = (uint8_t)metric;
	r->period_start = ps;
	r->period_end = pe;
	if (notation == NULL) {
		r->has_value = true;
		r->value = value;
	} else {
		r->notation_key = xstrdup(notation);
	}
	r->unit = (uint8_t)metric_unit(metric);
	r->method = xstrdup("annual mean of daily means");
	r->data_source = xstrdup("https://example.org/data");
}

static inline void attestation_init(struct entry *e,
				    const uint8_t rid[HASH_BYTES], int opinion)
{
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_ATTESTATION;
	memcpy(e->attestation.report_id, rid, HASH_BYTES);
	e->attestation.opinion = (uint8_t)opinion;
	e->attestation.reasons = xstrdup(
	    opinion == OPINION_NOT_VERIFIED ? "station data missing" : "");
	e->attestation.comments = xstrdup(
	    opinion == OPINION_VERIFIED_WITH_COMMENTS ? "two gaps filled" : "");
}

static inline void challenge_init(struct entry *e,
				  const uint8_t target[HASH_BYTES])
{
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_CHALLENGE;
	memcpy(e->challenge.target_id, target, HASH_BYTES);
	e->challenge.reason = xstrdup("the figure contradicts station data");
}

static inline void resolution_init(struct entry *e,
				   const uint8_t cid[HASH_BYTES], int outcome)
{
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_RESOLUTION;
	memcpy(e->resolution.challenge_id, cid, HASH_BYTES);
	e->resolution.outcome = (uint8_t)outcome;
	e->resolution.note = xstrdup("decided by the parties");
}

/* ---- collecting compliance rows ---- */

#define ROWS_MAX 512

struct row_copy {
	uint8_t agreement[HASH_BYTES];
	uint16_t obligation;
	char party[STATE_ID_BYTES];
	char scope[STATE_NAME_BYTES];
	int status;
	bool has_report, has_value, late;
	uint64_t days_late;
	int64_t reported;
	uint32_t attestations;
	bool has_shortfall, has_compensation;
	int64_t shortfall, compensation;
	char *json; /* compact JSON of the row */
};

struct rows {
	size_t n;
	struct row_copy r[ROWS_MAX];
};

static inline int rows_cb(void *ctx, const struct compliance_row *r)
{
	struct rows *rs = ctx;
	ASSERT(rs->n < ROWS_MAX);
	struct row_copy *c = &rs->r[rs->n++];
	memset(c, 0, sizeof *c);
	memcpy(c->agreement, r->agreement, HASH_BYTES);
	c->obligation = r->obligation;
	snprintf(c->party, sizeof c->party, "%s", r->party);
	snprintf(c->scope, sizeof c->scope, "%s", r->scope);
	c->status = r->status;
	c->has_report = r->has_report;
	c->has_value = r->has_value;
	c->late = r->late;
	c->days_late = r->days_late;
	c->reported = r->reported;
	c->attestations = r->attestations;
	c->has_shortfall = r->has_shortfall;
	c->shortfall = r->shortfall;
	c->has_compensation = r->has_compensation;
	c->compensation = r->compensation;
	json_t *j = compliance_row_to_json(r);
	ASSERT(j != NULL);
	c->json =
	    json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | QTY_JSON_DUMP_FLAGS);
	ASSERT(c->json != NULL);
	json_decref(j);
	return 0;
}

static inline void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->r[i].json);
	rs->n = 0;
}

/* Evaluate into rs (freed first); returns compliance_eval's result. */
static inline int rows_eval(struct world *w, struct rows *rs, uint64_t t,
			    const char *party, const uint8_t *agreement)
{
	rows_free(rs);
	return compliance_eval(&w->kv, t, party, agreement, rows_cb, rs,
			       &w->err);
}

#endif
