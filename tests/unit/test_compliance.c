/* test_compliance.c - the status function of specs/compliance.md §6 as a
 * table over every status and transition (deadline edges included),
 * compensation arithmetic, supersession, the views' JSON, replay
 * determinism, the §9 vector scenario, and the 30-city PM10 figures of
 * ../shared/data against the national standard. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_state_fixture.h"

static uint64_t PS, PE, DL;
#define DAY 86400LL
#define GR (90 * DAY)	     /* the grace period of the table's agreement */
#define NONE INT64_MIN	     /* shortfall / compensation: null */
#define SKIP (INT64_MIN + 1) /* shortfall / compensation: not checked */
#define ANY (-1)	     /* late: not checked */

/* ---- the table ---- */

enum op_kind {
	END = 0,
	REP,	/* CN-BJ reports value v (milli) at DL + dt */
	REP_NK, /* CN-BJ reports notation key s */
	ATT,	/* CNEMC attests report ref with opinion v */
	PEER,	/* CN-TJ (a peer) attests report ref, verified */
	CH_REP, /* CN-HE challenges report ref */
	CH_ATT, /* CN-HE challenges the last attestation */
	RES,	/* CN-TJ, the one eligible party, resolves it: outcome v */
	EXPECT, /* at DL + dt: status st, shortfall sf, compensation cp */
};

struct op {
	enum op_kind k;
	int64_t dt;
	int64_t v;
	const char *s;
	int ref; /* report: 0 = the last one, n = the n-th (1-based) */
	int rc;	 /* expected result of a submission */
	int st;
	int64_t sf, cp;
	int late;
};

struct status_case {
	const char *name;
	int metric;
	int64_t target;
	uint8_t att_required;
	bool compensation; /* rate 0.5 CNY per unit, payee CN-TJ */
	struct op ops[16];
};

/* clang-format off */
#define R(dt_, v_) {.k = REP, .dt = (dt_), .v = (v_)}
#define RN(dt_, s_) {.k = REP_NK, .dt = (dt_), .s = (s_)}
#define RX(dt_, v_, rc_) {.k = REP, .dt = (dt_), .v = (v_), .rc = (rc_)}
#define A(dt_) {.k = ATT, .dt = (dt_), .v = OPINION_VERIFIED}
#define AO(dt_, o_) {.k = ATT, .dt = (dt_), .v = (o_)}
/* Attest report ref, expecting rc (a report upheld against: R19). */
#define ARX(dt_, ref_, rc_) \
	{.k = ATT, .dt = (dt_), .v = OPINION_VERIFIED, .ref = (ref_), .rc = (rc_)}
#define P(dt_) {.k = PEER, .dt = (dt_)}
#define CR(dt_, ref_) {.k = CH_REP, .dt = (dt_), .ref = (ref_)}
#define CA(dt_) {.k = CH_ATT, .dt = (dt_)}
#define RS(dt_, o_) {.k = RES, .dt = (dt_), .v = (o_)}
#define E(dt_, st_, sf_, cp_) \
	{.k = EXPECT, .dt = (dt_), .st = (st_), .sf = (sf_), .cp = (cp_), .late = ANY}
#define EL(dt_, st_, late_) \
	{.k = EXPECT, .dt = (dt_), .st = (st_), .sf = SKIP, .cp = SKIP, .late = (late_)}
#define CONC METRIC_ANNUAL_MEAN_CONCENTRATION

enum {
	PENDING = COMPLIANCE_PENDING,
	MET = COMPLIANCE_MET,
	MISSED = COMPLIANCE_MISSED,
	NOT_REPORTED = COMPLIANCE_NOT_REPORTED,
	UNVERIFIED = COMPLIANCE_UNVERIFIED,
	DISPUTED = COMPLIANCE_DISPUTED,
};

static const struct status_case cases[] = {
    {"no report: pending up to G, then not_reported at the default",
     CONC, 60000, 1, true,
     {E(-300 * DAY, PENDING, NONE, NONE), E(0, PENDING, NONE, NONE),
      E(1, PENDING, NONE, NONE), E(GR, PENDING, NONE, NONE),
      E(GR + 1, NOT_REPORTED, 20000, 10000)}},
    {"unverified report: pending up to G, then unverified at the default",
     CONC, 60000, 1, true,
     {R(0, 58000), EL(0, PENDING, 0), E(GR, PENDING, NONE, NONE),
      E(GR + 1, UNVERIFIED, 20000, 10000)}},
    {"an unverified figure worse than the default counts", CONC, 60000, 1,
     true, {R(0, 95000), R(1, 58000), E(GR + 1, UNVERIFIED, 35000, 17500)}},
    {"verified before the deadline: met at once", CONC, 60000, 1, true,
     {R(-100 * DAY, 58000), E(-99 * DAY, PENDING, NONE, NONE),
      A(-99 * DAY), E(-99 * DAY, MET, 0, 0), E(GR + 1, MET, 0, 0)}},
    {"value equal to the target is met", CONC, 60000, 1, true,
     {R(0, 60000), A(1), E(1, MET, 0, 0)}},
    {"missed: shortfall and truncated compensation", CONC, 60000, 1, true,
     {R(0, 63333), A(1), E(1, MISSED, 3333, 1666),
      E(GR + 1, MISSED, 3333, 1666)}},
    {"missed without a compensation rule", CONC, 60000, 1, false,
     {R(0, 61000), A(1), E(1, MISSED, 1000, NONE)}},
    {"report at the deadline is on time", CONC, 60000, 1, true,
     {R(0, 58000), A(1), EL(1, MET, 0)}},
    {"report at deadline + 1 is late, still counts", CONC, 60000, 1, true,
     {R(1, 58000), A(2), EL(2, MET, 1)}},
    {"report at G is late; at G + 1 it is accepted too (R16)", CONC, 60000,
     1, true,
     {R(GR, 59000), EL(GR, PENDING, 1), E(GR + 1, UNVERIFIED, 20000, 10000),
      A(GR + 5), EL(GR + 5, MET, 1), R(GR + 6, 58000), EL(GR + 6, MET, 1)}},
    {"a report years after G: not_reported until it exists, then its value",
     CONC, 60000, 1, true,
     {E(GR + 1, NOT_REPORTED, 20000, 10000),
      E(3000 * DAY, NOT_REPORTED, 20000, 10000), R(3000 * DAY, 65000),
      E(3000 * DAY, UNVERIFIED, 20000, 10000), A(3001 * DAY),
      EL(3001 * DAY, MISSED, 1), E(3001 * DAY, MISSED, 5000, 2500)}},
    {"a late verified figure worse than the default is owed in full", CONC,
     60000, 1, true,
     {R(2000 * DAY, 95000), A(2000 * DAY), E(2000 * DAY, MISSED, 35000,
      17500)}},
    {"not_verified is no attestation", CONC, 60000, 1, true,
     {R(0, 58000), AO(1, OPINION_NOT_VERIFIED), E(1, PENDING, NONE, NONE),
      E(GR + 1, UNVERIFIED, 20000, 10000)}},
    {"verified_with_comments counts", CONC, 60000, 1, true,
     {R(0, 58000), AO(1, OPINION_VERIFIED_WITH_COMMENTS), E(1, MET, 0, 0)}},
    {"notation NO counts as zero", CONC, 60000, 1, true,
     {RN(0, "NO"), A(1), E(1, MET, 0, 0)}},
    {"notation NE, even verified, is assessed at the default", CONC, 60000,
     1, true,
     {RN(0, "NE"), A(1), E(GR, PENDING, NONE, NONE),
      E(GR + 1, NOT_REPORTED, 20000, 10000)}},
    {"notation NO on a reduction counts as 100 %",
     METRIC_PERCENT_REDUCTION, 25000, 1, true,
     {RN(0, "NO"), A(1), E(1, MET, 0, 0)}},
    {"two attestations required", CONC, 60000, 2, true,
     {R(0, 58000), A(1), E(GR + 1, UNVERIFIED, 20000, 10000), P(2),
      E(GR + 1, MET, 0, 0)}},
    {"open challenge on the report: disputed until it lapses", CONC, 60000,
     1, true,
     {R(-10 * DAY, 58000), A(-9 * DAY), CR(-8 * DAY, 0),
      E(-8 * DAY, DISPUTED, NONE, NONE), E(22 * DAY, DISPUTED, NONE, NONE),
      E(22 * DAY + 1, MET, 0, 0), E(GR + 1, MET, 0, 0)}},
    {"a challenge on an unverified report disputes nothing", CONC, 60000, 1,
     true, {R(0, 58000), CR(1, 0), E(GR + 1, UNVERIFIED, 20000, 10000)}},
    {"report upheld against, nothing to fall back to", CONC, 60000, 1, true,
     {R(0, 58000), A(1), CR(2, 0), RS(3, OUTCOME_UPHELD),
      E(GR, PENDING, NONE, NONE), E(GR + 1, NOT_REPORTED, 20000, 10000)}},
    {"report challenge dismissed: the report stands", CONC, 60000, 1, true,
     {R(0, 63000), A(1), CR(2, 0), E(2, DISPUTED, NONE, NONE),
      RS(3, OUTCOME_DISMISSED), E(3, MISSED, 3000, 1500)}},
    {"open challenge on an attestation: disputed until it lapses", CONC,
     60000, 1, true,
     {R(0, 58000), A(1), CA(2), E(3, DISPUTED, NONE, NONE),
      E(GR + 1, MET, 0, 0)}},
    {"attestation upheld against: unverified, then attested anew", CONC,
     60000, 1, true,
     {R(0, 58000), A(1), CA(2), RS(3, OUTCOME_UPHELD),
      E(GR + 1, UNVERIFIED, 20000, 10000), A(4), E(GR + 1, MET, 0, 0)}},
    {"attestation challenge dismissed: it stands", CONC, 60000, 1, true,
     {R(0, 58000), A(1), CA(2), RS(3, OUTCOME_DISMISSED), E(3, MET, 0, 0)}},
    {"a correction decides once verified", CONC, 60000, 1, true,
     {R(0, 58000), A(1), E(1, MET, 0, 0), R(2, 65000),
      E(GR + 1, MET, 0, 0), A(3), E(3, MISSED, 5000, 2500)}},
    {"correction upheld against: falls back to the earlier", CONC, 60000, 1,
     true,
     {R(0, 58000), A(1), R(2, 65000), A(3), CR(4, 0),
      RS(5, OUTCOME_UPHELD), E(5, MET, 0, 0)}},
    {"a challenge on an older report does not dispute", CONC, 60000, 1,
     true,
     {R(0, 58000), R(1, 65000), A(2), CR(3, 1), E(3, MISSED, 5000, 2500),
      RS(4, OUTCOME_UPHELD), E(4, MISSED, 5000, 2500)}},
    {"middle and newest upheld against: back to the first", CONC, 60000, 1,
     true,
     {R(0, 58000), A(1), R(2, 61000), R(3, 65000), A(4), CR(5, 2),
      RS(6, OUTCOME_UPHELD), E(6, MISSED, 5000, 2500), CR(7, 3),
      RS(8, OUTCOME_UPHELD), E(8, MET, 0, 0), ARX(9, 2, ACC_ERULE),
      E(9, MET, 0, 0)}},
    {"percent reduction: met at or above the target", METRIC_PERCENT_REDUCTION,
     25000, 1, true, {R(0, 30000), A(1), E(1, MET, 0, 0)}},
    {"percent reduction: missed below it", METRIC_PERCENT_REDUCTION, 25000, 1,
     true, {R(0, 20000), A(1), E(1, MISSED, 5000, 2500)}},
    {"total emissions: missed above the cap", METRIC_TOTAL_EMISSIONS,
     1000000, 1, true, {R(0, 1200500), A(1), E(1, MISSED, 200500, 100250)}},
};
/* clang-format on */

static int pollutant_of(int metric)
{
	return metric == METRIC_TOTAL_EMISSIONS ? POLLUTANT_SO2
						: POLLUTANT_PM25;
}

static void run_case(const struct status_case *c)
{
	struct world w;
	struct entry e;
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[HASH_BYTES], reports[16][HASH_BYTES], att[HASH_BYTES],
	    ch[HASH_BYTES];
	int n_reports = 0;
	int tj[2] = {W_TJ, -1};
	ASSERT(rs != NULL);
	world_open(&w);

	/* CN-HE is a party without obligations: it brings the challenges,
	 * so CN-TJ is the one party eligible to resolve them (R29). */
	agreement_init(&e, "table", "CN-BJ,CN-TJ,CN-HE", "CNEMC", 90,
		       c->att_required, 2);
	e.agreement.peer_parties_may_attest = true;
	agreement_obligation(&e, "CN-BJ", "", pollutant_of(c->metric),
			     c->metric, c->target, PS, PE, DL);
	agreement_obligation(&e, "CN-TJ", "", pollutant_of(c->metric),
			     c->metric, c->target, PS, PE, DL);
	if (c->compensation)
		agreement_compensation(&e, 500, "CNY", "CN-TJ");
	ASSERT_OK(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), aid));
	endorsement_init(&e, aid);
	ASSERT_OK(world_submit(&w, &e, W_TJ, T("2014-01-02T00:00:00Z"), NULL));
	endorsement_init(&e, aid);
	ASSERT_OK(world_submit(&w, &e, W_HE, T("2014-01-03T00:00:00Z"), NULL));

	for (int i = 0; i < 16 && c->ops[i].k != END; i++) {
		const struct op *op = &c->ops[i];
		uint64_t t = (uint64_t)((int64_t)DL + op->dt);
		const uint8_t *ref = n_reports == 0 ? NULL
				     : op->ref == 0 ? reports[n_reports - 1]
						    : reports[op->ref - 1];
		uint8_t id[HASH_BYTES];
		int rc = 0;
		switch (op->k) {
		case REP:
		case REP_NK:
			report_init(&e, aid, "CN-BJ", "",
				    pollutant_of(c->metric), c->metric, PS, PE,
				    op->v, op->k == REP_NK ? op->s : NULL);
			rc = world_submit(&w, &e, W_BJ, t, id);
			if (rc == 0)
				memcpy(reports[n_reports++], id, HASH_BYTES);
			break;
		case ATT:
		case PEER:
			ASSERT(ref != NULL);
			attestation_init(&e, ref, (int)op->v);
			if (op->k == PEER)
				e.attestation.opinion = OPINION_VERIFIED;
			e.time = t + (uint64_t)i; /* distinct re-attestations */
			rc = world_submit(&w, &e, op->k == ATT ? W_CNEMC : W_TJ,
					  t, id);
			if (rc == 0)
				memcpy(att, id, HASH_BYTES);
			break;
		case CH_REP:
		case CH_ATT:
			challenge_init(&e, op->k == CH_REP ? ref : att);
			e.time = t + (uint64_t)i;
			rc = world_submit(&w, &e, W_HE, t, id);
			if (rc == 0)
				memcpy(ch, id, HASH_BYTES);
			break;
		case RES:
			resolution_init(&e, ch, (int)op->v);
			rc = world_submit_v(&w, &e, tj, t, NULL);
			break;
		case EXPECT: {
			ASSERT_OK(rows_eval(&w, rs, t, "CN-BJ", aid));
			ASSERT_EQ(rs->n, 1);
			const struct row_copy *r = &rs->r[0];
			if (r->status != op->st)
				FAIL_AT(
				    "case \"%s\" op %d: status %s, expected "
				    "%s",
				    c->name, i,
				    compliance_status_name(r->status),
				    compliance_status_name(op->st));
			if (op->sf != SKIP) {
				ASSERT_EQ(r->has_shortfall, op->sf != NONE);
				if (op->sf != NONE)
					ASSERT_EQ(r->shortfall, op->sf);
			}
			if (op->cp != SKIP) {
				ASSERT_EQ(r->has_compensation, op->cp != NONE);
				if (op->cp != NONE)
					ASSERT_EQ(r->compensation, op->cp);
			}
			if (op->late != ANY)
				ASSERT_EQ(r->late, op->late);
			/* The other party's obligation has no report. */
			ASSERT_OK(rows_eval(&w, rs, t, "CN-TJ", aid));
			ASSERT_EQ(rs->n, 1);
			ASSERT_EQ(rs->r[0].status,
				  t <= (uint64_t)((int64_t)DL + GR)
				      ? PENDING
				      : NOT_REPORTED);
			break;
		}
		default:
			FAIL_AT("bad op");
		}
		if (rc != op->rc)
			FAIL_AT("case \"%s\" op %d: %s (%s), expected %s",
				c->name, i, acc_errname(rc), w.err.msg,
				acc_errname(op->rc));
	}
	rows_free(rs);
	free(rs);
	world_close(&w);
}

static void test_status_table(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_case(&cases[i]);
		fprintf(stderr, "      %s\n", cases[i].name);
	}
	/* Every status but superseded appears in the table (superseded has
	 * its own test below). */
	bool seen[COMPLIANCE_STATUS_MAX + 1] = {false};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (int k = 0; k < 16; k++)
			if (cases[i].ops[k].k == EXPECT)
				seen[cases[i].ops[k].st] = true;
	for (int s = 1; s < COMPLIANCE_SUPERSEDED; s++)
		ASSERT(seen[s]);
}

static void test_compensation_arithmetic(void)
{
	int64_t out;
	ASSERT_OK(compliance_compensation(3333, 500, &out));
	ASSERT_EQ(out, 1666); /* 1.6665 truncated */
	ASSERT_OK(compliance_compensation(1, 1, &out));
	ASSERT_EQ(out, 0); /* 0.000001 truncated */
	ASSERT_OK(compliance_compensation(0, QTY_MILLI_MAX, &out));
	ASSERT_EQ(out, 0);
	ASSERT_OK(compliance_compensation(1000, QTY_MILLI_MAX, &out));
	ASSERT_EQ(out, QTY_MILLI_MAX);
	ASSERT_EQ(compliance_compensation(1001, QTY_MILLI_MAX, &out),
		  ACC_ERANGE);
	/* The largest operands do not overflow the 128-bit product. */
	ASSERT_EQ(
	    compliance_compensation(2 * QTY_MILLI_MAX, QTY_MILLI_MAX, &out),
	    ACC_ERANGE);
	ASSERT_OK(compliance_compensation(-3333, 500, &out));
	ASSERT_EQ(out, -1666); /* toward zero */
	/* 12.5 µg/m³ over at 1000 CNY per µg/m³ is 12500 CNY. */
	ASSERT_OK(compliance_compensation(12500, 1000000, &out));
	ASSERT_EQ(out, 12500000);

	ASSERT_STR_EQ(compliance_status_name(COMPLIANCE_NOT_REPORTED),
		      "not_reported");
	ASSERT(compliance_status_name(0) == NULL);
	ASSERT(compliance_status_name(8) == NULL);
	for (int s = 1; s <= COMPLIANCE_STATUS_MAX; s++)
		ASSERT_EQ(compliance_status_parse(compliance_status_name(s)),
			  s);
	ASSERT_EQ(compliance_status_parse("Met"), -1);
	ASSERT_EQ(compliance_status_parse(NULL), -1);
}

/* ---- supersession ---- */

static json_t *view(struct world *w, const uint8_t id[HASH_BYTES])
{
	json_t *j;
	ASSERT_OK(agreement_view_json(&w->kv, id, &j, &w->err));
	return j;
}

static void test_supersession(void)
{
	struct world w;
	struct entry e;
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t a1[HASH_BYTES], a2[HASH_BYTES], a3[HASH_BYTES], r16[HASH_BYTES];
	uint64_t ps16 = T("2016-01-01T00:00:00Z"),
		 dl16 = T("2017-03-31T23:59:59Z");
	uint64_t s = T("2017-07-01T00:00:00Z");
	ASSERT(rs != NULL);
	world_open(&w);

	/* A1: CN-BJ's 2016 and 2017 obligations, 180 days of grace (the
	 * 2016 window closes on 2017-09-27, after s). */
	agreement_init(&e, "A1", "CN-BJ,CN-TJ", "CNEMC", 180, 1, 2);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25, CONC, 70000, ps16,
			     PS, dl16);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25, CONC, 60000, PS,
			     PE, DL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, T("2015-01-01T00:00:00Z"), a1));
	endorsement_init(&e, a1);
	ASSERT_OK(world_submit(&w, &e, W_TJ, T("2015-01-02T00:00:00Z"), NULL));

	/* A2 (stricter 2017 target) and A3 both supersede A1. */
	agreement_init(&e, "A2", "CN-BJ,CN-TJ", "CNEMC", 90, 1, 2);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25, CONC, 55000, PS,
			     PE, DL);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, a1, HASH_BYTES);
	ASSERT_OK(world_submit(&w, &e, W_BJ, T("2017-06-01T00:00:00Z"), a2));
	agreement_init(&e, "A3", "CN-BJ,CN-TJ", "CNEMC", 90, 1, 2);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25, CONC, 50000, PS,
			     PE, DL);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, a1, HASH_BYTES);
	ASSERT_OK(world_submit(&w, &e, W_TJ, T("2017-06-02T00:00:00Z"), a3));

	/* Before A2 is active, A1 is whole. */
	ASSERT_OK(rows_eval(&w, rs, s - 1, NULL, NULL));
	ASSERT_EQ(rs->n, 2); /* A2, A3 are proposed: no rows */
	json_t *j = view(&w, a2);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "state")),
		      "proposed");
	ASSERT(json_is_null(json_object_get(j, "active_since")));
	json_decref(j);

	/* CN-TJ endorses A2 at s: A2 active, A1 superseded from s. */
	endorsement_init(&e, a2);
	ASSERT_OK(world_submit(&w, &e, W_TJ, s, NULL));
	/* A3 can no longer take effect (R10), nor can a new one name A1
	 * (R5). */
	endorsement_init(&e, a3);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, s + 1, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R10:") != NULL);
	agreement_init(&e, "A4", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25, CONC, 50000, PS,
			     PE, DL);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, a1, HASH_BYTES);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, s + 1, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "already superseded") != NULL);

	/* A1's 2017 obligation (deadline after s) is superseded; its 2016
	 * one (deadline before s) stands: it may still be reported within
	 * its grace (R14) and is evaluated as usual. */
	ASSERT_OK(rows_eval(&w, rs, s, NULL, a1));
	ASSERT_EQ(rs->n, 2);
	ASSERT_EQ(rs->r[0].status, PENDING);
	ASSERT_EQ(rs->r[1].status, COMPLIANCE_SUPERSEDED);
	report_init(&e, a1, "CN-BJ", "", POLLUTANT_PM25, CONC, PS, PE, 50000,
		    NULL);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, s + 2, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R14:") != NULL);
	report_init(&e, a1, "CN-BJ", "", POLLUTANT_PM25, CONC, ps16, PS, 65000,
		    NULL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, s + 2, r16));
	attestation_init(&e, r16, OPINION_VERIFIED);
	ASSERT_OK(world_submit(&w, &e, W_CNEMC, s + 3, NULL));
	ASSERT_OK(rows_eval(&w, rs, s + 3, NULL, a1));
	ASSERT_EQ(rs->r[0].status, MET);
	ASSERT_EQ(rs->r[0].late, 1);
	ASSERT_EQ(rs->r[1].status, COMPLIANCE_SUPERSEDED);
	/* Past the 2016 grace, no report would have been not_reported;
	 * here the verified one stands. */
	ASSERT_OK(rows_eval(&w, rs, dl16 + 181 * DAY, NULL, a1));
	ASSERT_EQ(rs->r[0].status, MET);
	/* Superseded stays superseded after the old deadline and grace. */
	ASSERT_OK(rows_eval(&w, rs, DL + 365 * DAY, NULL, a1));
	ASSERT_EQ(rs->r[1].status, COMPLIANCE_SUPERSEDED);
	/* An evaluation time before s does not see the supersession. */
	ASSERT_OK(rows_eval(&w, rs, s - 1, NULL, a1));
	ASSERT_EQ(rs->r[1].status, PENDING);

	/* A2's obligation is live. */
	uint8_t r17[HASH_BYTES];
	report_init(&e, a2, "CN-BJ", "", POLLUTANT_PM25, CONC, PS, PE, 58000,
		    NULL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, DL, r17));
	attestation_init(&e, r17, OPINION_VERIFIED);
	ASSERT_OK(world_submit(&w, &e, W_CNEMC, DL + 1, NULL));
	ASSERT_OK(rows_eval(&w, rs, DL + 1, NULL, a2));
	ASSERT_EQ(rs->n, 1);
	ASSERT_EQ(rs->r[0].status, MISSED);
	ASSERT_EQ(rs->r[0].shortfall, 3000);

	/* Views. */
	char h1[65], h2[65];
	hex_encode(h1, a1, HASH_BYTES);
	hex_encode(h2, a2, HASH_BYTES);
	j = view(&w, a1);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "state")),
		      "superseded");
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "superseded_by")),
		      h2);
	json_decref(j);
	j = view(&w, a2);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "state")), "active");
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "supersedes")), h1);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "active_since")),
		      "2017-07-01T00:00:00Z");
	ASSERT_EQ(json_array_size(json_object_get(j, "endorsed")), 2);
	json_decref(j);
	json_t *list;
	ASSERT_OK(agreement_list_json(&w.kv, &list, &w.err));
	json_t *arr = json_object_get(list, "agreements");
	ASSERT_EQ(json_array_size(arr), 3);
	/* Log order: A1, A2, A3. */
	ASSERT_STR_EQ(
	    json_string_value(json_object_get(json_array_get(arr, 0), "title")),
	    "A1");
	ASSERT_STR_EQ(
	    json_string_value(json_object_get(json_array_get(arr, 1), "title")),
	    "A2");
	ASSERT_STR_EQ(
	    json_string_value(json_object_get(json_array_get(arr, 2), "title")),
	    "A3");
	json_decref(list);
	uint8_t bogus[HASH_BYTES];
	memset(bogus, 9, HASH_BYTES);
	ASSERT_EQ(agreement_view_json(&w.kv, bogus, &j, &w.err), ACC_ENOTFOUND);
	ASSERT_EQ(rows_eval(&w, rs, s, NULL, bogus), ACC_ENOTFOUND);
	rows_free(rs);
	free(rs);
	world_close(&w);
}

/* A one-party agreement is active at once, and its successor ends it at
 * the successor's own block time. */
static void test_supersession_one_party(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES], b[HASH_BYTES];
	uint64_t t1 = T("2016-05-01T00:00:00Z"), t2 = T("2017-05-01T00:00:00Z");
	world_open(&w);
	agreement_init(&e, "Hebei plan", "CN-HE", "CNEMC", 30, 1, 1);
	agreement_obligation(&e, "CN-HE", "Shijiazhuang", POLLUTANT_PM10, CONC,
			     150000, PS, PE, DL);
	ASSERT_OK(world_submit(&w, &e, W_HE, t1, a));
	json_t *j = view(&w, a);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "state")), "active");
	json_decref(j);
	agreement_init(&e, "Hebei plan, revised", "CN-HE", "CNEMC", 30, 1, 1);
	agreement_obligation(&e, "CN-HE", "Shijiazhuang", POLLUTANT_PM10, CONC,
			     120000, PS, PE, DL);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, a, HASH_BYTES);
	ASSERT_OK(world_submit(&w, &e, W_HE, t2, b));
	struct rows *rs = calloc(1, sizeof *rs);
	ASSERT(rs != NULL);
	ASSERT_OK(rows_eval(&w, rs, t2, "CN-HE", a));
	ASSERT_EQ(rs->n, 1);
	ASSERT_EQ(rs->r[0].status, COMPLIANCE_SUPERSEDED);
	ASSERT_STR_EQ(rs->r[0].scope, "Shijiazhuang");
	ASSERT_OK(rows_eval(&w, rs, t2, "CN-HE", b));
	ASSERT_EQ(rs->r[0].status, PENDING);
	ASSERT_OK(rows_eval(&w, rs, t2, "CN-BJ", NULL));
	ASSERT_EQ(rs->n, 0);
	rows_free(rs);
	free(rs);
	world_close(&w);
}

/* ---- the §9 vector scenario ---- */

/* specs/compliance.md §9.2: the digest after the scenario, and the file
 * that holds its entries for other implementations. */
#define VECTOR_DIGEST \
	"c477c01d52c08a63430bf7d1c169f1b0dcaf0c9e57ab31f8e5d28b2ddc7f04e9"
#define VECTOR_FILE "tests/vectors/compliance.json"

struct logged {
	uint8_t *bytes;
	size_t len;
	uint64_t index, time;
};

struct log {
	size_t n;
	struct logged e[64];
};

/* Sign and encode e by who at time t, append to lg and apply to w. */
static void log_submit(struct world *w, struct log *lg, struct entry *e,
		       const int *who, uint64_t t, uint8_t *id)
{
	struct logged *l = &lg->e[lg->n];
	ASSERT(lg->n < 64);
	e->version = ENTRY_VERSION;
	e->time = t;
	for (const int *p = who; *p >= 0; p++)
		ASSERT_OK(entry_sign(e, &w->keys[*p], TEST_CHAIN_ID, NULL));
	ASSERT_OK(entry_encode(e, &l->bytes, &l->len, &w->err));
	entry_free(e);
	ASSERT_OK(entry_check(l->bytes, l->len, &w->g, NULL, &w->err));
	entry_id(id, l->bytes, l->len);
	l->index = w->index++;
	l->time = t;
	ASSERT_OK(state_replay_entry(&w->kv, &w->g, l->bytes, l->len, l->index,
				     t, &w->err));
	lg->n++;
}

static void log_free(struct log *lg)
{
	for (size_t i = 0; i < lg->n; i++)
		free(lg->e[i].bytes);
	lg->n = 0;
}

/* The scenario of §9.2. */
static void vector_scenario(struct world *w, struct log *lg,
			    uint8_t aid[HASH_BYTES])
{
	struct entry e;
	uint8_t id[HASH_BYTES];
	int bj[2] = {W_BJ, -1}, tj[2] = {W_TJ, -1}, cnemc[2] = {W_CNEMC, -1};
	agreement_init(&e, "Jing-Jin PM2.5 2017", "CN-BJ,CN-TJ", "CNEMC", 90, 1,
		       2);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25, CONC, 60000, PS,
			     PE, DL);
	agreement_obligation(&e, "CN-TJ", "", POLLUTANT_PM25, CONC, 60000, PS,
			     PE, DL);
	agreement_obligation(&e, "CN-TJ", "Binhai", POLLUTANT_PM25, CONC, 60000,
			     PS, PE, DL);
	agreement_compensation(&e, 500, "CNY", "CN-BJ");
	log_submit(w, lg, &e, bj, T("2014-01-01T00:00:00Z"), aid);
	endorsement_init(&e, aid);
	log_submit(w, lg, &e, tj, T("2014-01-02T00:00:00Z"), id);
	report_init(&e, aid, "CN-BJ", "", POLLUTANT_PM25, CONC, PS, PE, 58000,
		    NULL);
	log_submit(w, lg, &e, bj, T("2018-03-01T00:00:00Z"), id);
	attestation_init(&e, id, OPINION_VERIFIED);
	log_submit(w, lg, &e, cnemc, T("2018-03-10T00:00:00Z"), id);
	report_init(&e, aid, "CN-TJ", "", POLLUTANT_PM25, CONC, PS, PE, 63333,
		    NULL);
	log_submit(w, lg, &e, tj, T("2018-04-15T00:00:00Z"), id);
	attestation_init(&e, id, OPINION_VERIFIED);
	log_submit(w, lg, &e, cnemc, T("2018-04-20T00:00:00Z"), id);
}

static void rows_json(struct rows *rs, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s\n",
				      rs->r[i].json);
	ASSERT(n < cap);
}

/*
 * tests/vectors/compliance.json holds the scenario's genesis, signed
 * entries (hex), log indexes, block times, the digest and the rows at
 * G + 1. With
 * ACCORD_WRITE_VECTORS=1 the test writes it; otherwise it checks that the
 * entries built here are byte for byte the file's.
 */
static void vector_file(const struct genesis *g, const struct log *lg,
			const char *digest_hex, struct rows *rs, uint64_t t)
{
	json_t *root, *entries, *rows;
	json_error_t jerr;
	char tb[TIME_TEXT_BYTES];
	if (getenv("ACCORD_WRITE_VECTORS") != NULL) {
		root = json_object();
		entries = json_array();
		rows = json_array();
		for (size_t i = 0; i < lg->n; i++) {
			char *h = malloc(2 * lg->e[i].len + 1);
			ASSERT(h != NULL);
			hex_encode(h, lg->e[i].bytes, lg->e[i].len);
			fixed_time_format(tb, lg->e[i].time);
			json_array_append_new(
			    entries, json_pack("{s:I,s:s,s:s}", "index",
					       (json_int_t)lg->e[i].index,
					       "block_time", tb, "bytes", h));
			free(h);
		}
		for (size_t i = 0; i < rs->n; i++)
			json_array_append_new(
			    rows, json_loads(rs->r[i].json, 0, NULL));
		fixed_time_format(tb, t);
		json_object_set_new(root, "genesis", genesis_to_json(g));
		json_object_set_new(root, "entries", entries);
		json_object_set_new(root, "digest", json_string(digest_hex));
		json_object_set_new(root, "at", json_string(tb));
		json_object_set_new(root, "rows", rows);
		ASSERT_EQ(json_dump_file(root, VECTOR_FILE,
					 JSON_INDENT(2) | JSON_SORT_KEYS |
					     QTY_JSON_DUMP_FLAGS),
			  0);
		json_decref(root);
	}
	root = json_load_file(VECTOR_FILE, 0, &jerr);
	if (root == NULL)
		FAIL_AT("%s: %s", VECTOR_FILE, jerr.text);
	ASSERT_STR_EQ(json_string_value(json_object_get(root, "digest")),
		      digest_hex);
	struct genesis g2;
	ASSERT_OK(
	    genesis_from_json(&g2, json_object_get(root, "genesis"), NULL));
	ASSERT_MEM_EQ(g2.hash, g->hash, HASH_BYTES);
	genesis_free(&g2);
	entries = json_object_get(root, "entries");
	ASSERT_EQ(json_array_size(entries), lg->n);
	for (size_t i = 0; i < lg->n; i++) {
		json_t *e = json_array_get(entries, i);
		const char *h = json_string_value(json_object_get(e, "bytes"));
		ASSERT(h != NULL && strlen(h) == 2 * lg->e[i].len);
		uint8_t *b = malloc(lg->e[i].len);
		ASSERT(b != NULL);
		ASSERT_OK(hex_decode(b, lg->e[i].len, h));
		ASSERT_MEM_EQ(b, lg->e[i].bytes, lg->e[i].len);
		free(b);
		ASSERT_EQ(json_integer_value(json_object_get(e, "index")),
			  lg->e[i].index);
		fixed_time_format(tb, lg->e[i].time);
		ASSERT_STR_EQ(
		    json_string_value(json_object_get(e, "block_time")), tb);
	}
	rows = json_object_get(root, "rows");
	ASSERT_EQ(json_array_size(rows), rs->n);
	for (size_t i = 0; i < rs->n; i++) {
		json_t *mine = json_loads(rs->r[i].json, 0, NULL);
		ASSERT(mine != NULL);
		ASSERT(json_equal(mine, json_array_get(rows, i)));
		json_decref(mine);
	}
	json_decref(root);
}

static void test_vector_and_replay(void)
{
	struct world w, w2;
	struct log lg = {0};
	uint8_t aid[HASH_BYTES], d1[HASH_BYTES], d2[HASH_BYTES];
	char hex[65];
	struct rows *rs = calloc(1, sizeof *rs);
	char *j1 = malloc(65536), *j2 = malloc(65536);
	uint64_t t = DL + 90 * DAY + 1; /* G + 1 */
	ASSERT(rs != NULL && j1 != NULL && j2 != NULL);

	world_open(&w);
	vector_scenario(&w, &lg, aid);
	world_digest(&w, d1);
	hex_encode(hex, d1, HASH_BYTES);
	if (strcmp(VECTOR_DIGEST, "@VECTOR_DIGEST@") != 0)
		ASSERT_STR_EQ(hex, VECTOR_DIGEST);
	else
		printf("vector digest %s\n", hex);
	ASSERT_OK(rows_eval(&w, rs, t, NULL, NULL));
	ASSERT_EQ(rs->n, 3);
	ASSERT_EQ(rs->r[0].status, MET);
	ASSERT_EQ(rs->r[1].status, MISSED);
	ASSERT_EQ(rs->r[1].shortfall, 3333);
	ASSERT_EQ(rs->r[1].compensation, 1666);
	ASSERT_STR_EQ(rs->r[2].scope, "Binhai");
	ASSERT_EQ(rs->r[2].status, NOT_REPORTED);
	rows_json(rs, j1, 65536);
	vector_file(&w.g, &lg, hex, rs, t);

	/* The row JSON of §7, byte for byte (keys sorted). */
	char expect[2048], ah[65], rh[65];
	hex_encode(ah, aid, HASH_BYTES);
	/* rows_cb kept no report id; take it from the JSON itself. */
	const char *p = strstr(rs->r[1].json, "\"report\":\"");
	ASSERT(p != NULL);
	memcpy(rh, p + 10, 64);
	rh[64] = 0;
	snprintf(expect, sizeof expect,
		 "{\"agreement\":\"%s\",\"assessed\":\"report\","
		 "\"attestations\":1,"
		 "\"attestations_required\":1,\"baseline_value\":null,"
		 "\"baseline_year\":null,\"compensation\":{\"amount\":1.666,"
		 "\"capped\":false,"
		 "\"currency\":\"CNY\",\"fund\":false,\"payee\":\"CN-BJ\","
		 "\"payees\":null,\"payer\":\"CN-TJ\"},\"correction\":null,"
		 "\"days_late\":15,\"deadline\":\"2018-03-31T23:59:59Z\",\"default_value\":80,"
		 "\"grace_days\":90,\"late\":true,\"metric\":"
		 "\"annual_mean_concentration\",\"notation_key\":null,"
		 "\"party\":\"CN-TJ\",\"period_end\":\"2018-01-01T00:00:00Z\","
		 "\"period_start\":\"2017-01-01T00:00:00Z\",\"pollutant\":"
		 "\"PM2.5\",\"report\":\"%s\",\"reported\":63.333,"
		 "\"reported_at\":\"2018-04-15T00:00:00Z\","
		 "\"reporting_closes\":\"2018-06-29T23:59:59Z\",\"scope\":"
		 "\"\",\"shortfall\":3.333,\"status\":\"missed\",\"target\":60,"
		 "\"title\":\"Jing-Jin PM2.5 2017\",\"unit\":\"µg/m³\"}",
		 ah, rh);
	ASSERT_STR_EQ(rs->r[1].json, expect);
	/* Silence is assessed at the default of 80 (§6.4). */
	ASSERT(strstr(rs->r[2].json, "\"report\":null") != NULL);
	ASSERT(strstr(rs->r[2].json, "\"assessed\":\"default\"") != NULL);
	ASSERT(strstr(rs->r[2].json, "\"amount\":10,") != NULL);
	ASSERT(strstr(rs->r[2].json, "\"shortfall\":20,") != NULL);

	/* Replaying the same log into an empty state: same digest, same
	 * rows. */
	for (int round = 0; round < 2; round++) {
		world_open(&w2);
		for (size_t i = 0; i < lg.n; i++)
			ASSERT_OK(state_replay_entry(
			    &w2.kv, &w2.g, lg.e[i].bytes, lg.e[i].len,
			    lg.e[i].index, lg.e[i].time, &w2.err));
		world_digest(&w2, d2);
		ASSERT_MEM_EQ(d1, d2, HASH_BYTES);
		ASSERT_OK(rows_eval(&w2, rs, t, NULL, NULL));
		rows_json(rs, j2, 65536);
		ASSERT_STR_EQ(j1, j2);
		/* Replaying any entry again is refused and changes nothing. */
		for (size_t i = 0; i < lg.n; i++) {
			int rc = state_replay_entry(
			    &w2.kv, &w2.g, lg.e[i].bytes, lg.e[i].len,
			    lg.e[i].index, lg.e[i].time, &w2.err);
			ASSERT(rc == ACC_EDUP || rc == ACC_ERULE);
		}
		world_digest(&w2, d2);
		ASSERT_MEM_EQ(d1, d2, HASH_BYTES);
		world_close(&w2);
	}

	/* Independent entries in the other order (each keeping its log
	 * position and time): entries 2-3 (CN-BJ's report and attestation)
	 * and 4-5 (CN-TJ's) commute. */
	world_open(&w2);
	static const size_t order[] = {0, 1, 4, 5, 2, 3};
	for (size_t k = 0; k < lg.n; k++) {
		const struct logged *l = &lg.e[order[k]];
		ASSERT_OK(state_replay_entry(&w2.kv, &w2.g, l->bytes, l->len,
					     l->index, l->time, &w2.err));
	}
	world_digest(&w2, d2);
	ASSERT_MEM_EQ(d1, d2, HASH_BYTES);
	world_close(&w2);

	/* A different log (one more report) has another digest. */
	int tj[2] = {W_TJ, -1};
	struct entry e;
	uint8_t id[HASH_BYTES];
	report_init(&e, aid, "CN-TJ", "Binhai", POLLUTANT_PM25, CONC, PS, PE,
		    40000, NULL);
	log_submit(&w, &lg, &e, tj, DL, id);
	world_digest(&w, d2);
	ASSERT(memcmp(d1, d2, HASH_BYTES) != 0);

	log_free(&lg);
	rows_free(rs);
	free(rs);
	free(j1);
	free(j2);
	world_close(&w);
}

/* ---- the 30 cities ---- */

#define CITIES_CSV SHARED_DATA "domain/china_30cities_annual_conc_2008_2017.csv"
#define CITY_ROWS_MAX 400

struct city_year {
	char city[64];
	int year;
	int64_t pm10; /* milli µg/m³ */
	bool seen;    /* a compliance row matched it */
};

static int read_cities(struct city_year *cy)
{
	FILE *f = fopen(CITIES_CSV, "r");
	char line[256];
	int n = 0;
	if (f == NULL)
		FAIL_AT("cannot open %s", CITIES_CSV);
	ASSERT(fgets(line, sizeof line, f) != NULL);
	line[strcspn(line, "\r\n")] = 0; /* the file has CRLF endings */
	ASSERT_STR_EQ(line,
		      "city,year,pm10_ugm3,so2_ugm3,nox_ugm3,key_region_flag");
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == 0)
			continue;
		char *c1 = strchr(line, ','), *c2, *c3;
		ASSERT(c1 != NULL);
		c2 = strchr(c1 + 1, ',');
		ASSERT(c2 != NULL);
		c3 = strchr(c2 + 1, ',');
		ASSERT(c3 != NULL);
		ASSERT(n < CITY_ROWS_MAX);
		struct city_year *r = &cy[n++];
		memset(r, 0, sizeof *r);
		ASSERT((size_t)(c1 - line) < sizeof r->city);
		memcpy(r->city, line, (size_t)(c1 - line));
		r->year = atoi(c1 + 1);
		ASSERT(r->year >= 2008 && r->year <= 2017);
		ASSERT_OK(fixed_milli_parse(&r->pm10, c2 + 1,
					    (size_t)(c3 - c2 - 1), NULL));
	}
	fclose(f);
	return n;
}

static uint64_t year_start(int year)
{
	char s[32];
	snprintf(s, sizeof s, "%04d-01-01T00:00:00Z", year);
	return T(s);
}

static void test_thirty_cities(void)
{
	struct world w;
	struct entry e;
	struct city_year *cy = calloc(CITY_ROWS_MAX, sizeof *cy);
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[10][HASH_BYTES];
	ASSERT(cy != NULL && rs != NULL);
	int n = read_cities(cy);
	ASSERT_EQ(n, 300);
	world_open(&w);

	/* One agreement per year: the national PM10 annual standard, 70
	 * µg/m³ (GB 3095-2012 grade II), one obligation per city, scope =
	 * the city; CN alone, so active at once. */
	for (int y = 2008; y <= 2017; y++) {
		char title[64];
		snprintf(title, sizeof title, "PM10 grade II, %d", y);
		agreement_init(&e, title, "CN", "CNEMC", 90, 1, 1);
		for (int i = 0; i < n; i++)
			if (cy[i].year == y)
				agreement_obligation(
				    &e, "CN", cy[i].city, POLLUTANT_PM10, CONC,
				    70000, year_start(y), year_start(y + 1),
				    year_start(y + 1) + 90 * DAY - 1);
		ASSERT_EQ(e.agreement.obligation_count, 30);
		ASSERT_OK(world_submit(&w, &e, W_CN, year_start(y) - DAY,
				       aid[y - 2008]));
	}
	/* Each figure reported at the deadline and attested by CNEMC. */
	for (int i = 0; i < n; i++) {
		uint8_t rid[HASH_BYTES];
		uint64_t dl = year_start(cy[i].year + 1) + 90 * DAY - 1;
		report_init(&e, aid[cy[i].year - 2008], "CN", cy[i].city,
			    POLLUTANT_PM10, CONC, year_start(cy[i].year),
			    year_start(cy[i].year + 1), cy[i].pm10, NULL);
		ASSERT_OK(world_submit(&w, &e, W_CN, dl, rid));
		attestation_init(&e, rid, OPINION_VERIFIED);
		ASSERT_OK(world_submit(&w, &e, W_CNEMC, dl + 3600, NULL));
	}

	/* At the end of 2018 every status is decided: met iff <= 70. */
	ASSERT_OK(rows_eval(&w, rs, year_start(2019), "CN", NULL));
	ASSERT_EQ(rs->n, 300);
	int met = 0, missed = 0;
	for (size_t k = 0; k < rs->n; k++) {
		const struct row_copy *r = &rs->r[k];
		const char *p = strstr(r->json, "\"period_start\":\"");
		ASSERT(p != NULL);
		int year = atoi(p + 16);
		struct city_year *c = NULL;
		for (int i = 0; i < n && c == NULL; i++)
			if (cy[i].year == year &&
			    strcmp(cy[i].city, r->scope) == 0)
				c = &cy[i];
		ASSERT(c != NULL);
		ASSERT(!c->seen);
		c->seen = true;
		ASSERT(r->has_value);
		ASSERT_EQ(r->reported, c->pm10);
		ASSERT(!r->late);
		ASSERT_EQ(r->attestations, 1);
		if (c->pm10 <= 70000) {
			ASSERT_EQ(r->status, MET);
			ASSERT_EQ(r->shortfall, 0);
			met++;
		} else {
			ASSERT_EQ(r->status, MISSED);
			ASSERT_EQ(r->shortfall, c->pm10 - 70000);
			missed++;
		}
		ASSERT(!r->has_compensation);
	}
	/* The figures computed straight from the CSV agree. */
	int met_csv = 0;
	for (int i = 0; i < n; i++)
		met_csv += cy[i].pm10 <= 70000;
	ASSERT_EQ(met, met_csv);
	ASSERT_EQ(met + missed, n);
	fprintf(stderr, "      30 cities x 10 years: %d met, %d missed\n", met,
		missed);

	/* One city and year, by filter: Beijing 2017 (84 µg/m³). */
	ASSERT_OK(rows_eval(&w, rs, year_start(2019), "CN", aid[2017 - 2008]));
	ASSERT_EQ(rs->n, 30);
	bool found = false;
	for (size_t k = 0; k < rs->n; k++)
		if (strcmp(rs->r[k].scope, "Beijing") == 0) {
			ASSERT_EQ(rs->r[k].reported, 84000);
			ASSERT_EQ(rs->r[k].status, MISSED);
			found = true;
		}
	ASSERT(found);
	/* No obligation of another party. */
	ASSERT_OK(rows_eval(&w, rs, year_start(2017), "CN-BJ", NULL));
	ASSERT_EQ(rs->n, 0);

	rows_free(rs);
	free(rs);
	free(cy);
	world_close(&w);
}

/* Stop early: fn returning 1 ends the walk with 0; an error is passed
 * on. */
static int stop_after_one(void *ctx, const struct compliance_row *r)
{
	(void)r;
	int *n = ctx;
	return ++*n == 1 ? 1 : 0;
}

static int fail_cb(void *ctx, const struct compliance_row *r)
{
	(void)ctx;
	(void)r;
	return ACC_EIO;
}

static void test_eval_callbacks_and_corruption(void)
{
	struct world w;
	struct log lg = {0};
	uint8_t aid[HASH_BYTES];
	int n = 0;
	world_open(&w);
	vector_scenario(&w, &lg, aid);
	ASSERT_OK(
	    compliance_eval(&w.kv, DL, NULL, NULL, stop_after_one, &n, &w.err));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(compliance_eval(&w.kv, DL, NULL, NULL, fail_cb, NULL, &w.err),
		  ACC_EIO);

	/* A corrupt obligation record is ACC_EDECODE, never a crash. */
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_obligation(k, aid, 1);
	uint8_t junk[3] = {STATE_TAG_OBLIGATION, 5, 'x'};
	ASSERT_OK(kv_put(&w.kv, k, kl, junk, sizeof junk));
	ASSERT_EQ(
	    compliance_eval(&w.kv, DL, NULL, NULL, stop_after_one, &n, &w.err),
	    ACC_EDECODE);
	/* ... and rules that read it fail the same way. */
	struct entry e;
	report_init(&e, aid, "CN-TJ", "", POLLUTANT_PM25, CONC, PS, PE, 1000,
		    NULL);
	ASSERT_EQ(world_submit(&w, &e, W_TJ, DL, NULL), ACC_EDECODE);
	/* A corrupt agreement record breaks the views the same way. */
	kl = state_key_id(k, STATE_KEY_AGREEMENT, aid);
	ASSERT_OK(kv_put(&w.kv, k, kl, junk, 1));
	json_t *j;
	ASSERT_EQ(agreement_view_json(&w.kv, aid, &j, &w.err), ACC_EDECODE);
	ASSERT_EQ(agreement_list_json(&w.kv, &j, &w.err), ACC_EDECODE);
	log_free(&lg);
	world_close(&w);
}

int main(void)
{
	PS = T("2017-01-01T00:00:00Z");
	PE = T("2018-01-01T00:00:00Z");
	DL = T("2018-03-31T23:59:59Z");
	RUN(test_status_table);
	RUN(test_compensation_arithmetic);
	RUN(test_supersession);
	RUN(test_supersession_one_party);
	RUN(test_vector_and_replay);
	RUN(test_thirty_cities);
	RUN(test_eval_callbacks_and_corruption);
	return 0;
}
