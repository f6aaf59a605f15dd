/* test_attacks.c - issue 10, findings 1-9: each attack on the compliance
 * rules played with the exact sequence, and the row it now leaves
 * (specs/compliance.md §2, §6). Every test here failed before the rules
 * were changed. CN-HE stands in for the Jiangsu and CN-A; CN-TJ
 * for CN-B; CN-BJ for CN-C. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_state_fixture.h"

#define DAY 86400ull
static uint64_t PS, PE, DL, G_END;

static struct rows RS;

/* The one row of party p in agreement a at time t. */
static const struct row_copy *row_of(struct world *w, const uint8_t *a,
				     const char *p, uint64_t t)
{
	ASSERT_OK(rows_eval(w, &RS, t, p, a));
	ASSERT_EQ(RS.n, 1);
	return &RS.r[0];
}

#define HAS(json, part)                                             \
	do {                                                        \
		if (strstr((json), (part)) == NULL)                 \
			FAIL_AT("row %s lacks %s", (json), (part)); \
	} while (0)

/* Three parties CN-HE, CN-TJ, CN-BJ; CNEMC verifies; PM2.5 annual mean of
 * each, target 35 (default 46.666); compensation rate CNY per µg/m³ to
 * payee. */
static void three(struct world *w, uint8_t a[HASH_BYTES], int64_t rate,
		  const char *payee, uint8_t threshold)
{
	struct entry e;
	agreement_init(&e, "Yangtze PM2.5 2017", "CN-HE,CN-TJ,CN-BJ", "CNEMC",
		       90, 1, threshold);
	agreement_obligation(&e, "CN-HE", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	agreement_obligation(&e, "CN-TJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	agreement_compensation(&e, rate, "CNY", payee);
	ASSERT_OK(world_submit(w, &e, W_HE, T("2014-01-01T00:00:00Z"), a));
	endorsement_init(&e, a);
	ASSERT_OK(world_submit(w, &e, W_TJ, T("2014-01-02T00:00:00Z"), NULL));
	endorsement_init(&e, a);
	ASSERT_OK(world_submit(w, &e, W_BJ, T("2014-01-03T00:00:00Z"), NULL));
}

static void report(struct world *w, const uint8_t *a, int who,
		   const char *party, int64_t v, const char *nk, uint64_t t,
		   uint8_t *id)
{
	struct entry e;
	report_init(&e, a, party, "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE, v, nk);
	ASSERT_OK(world_submit(w, &e, who, t, id));
}

static void attest(struct world *w, const uint8_t *r, uint64_t t, uint8_t *id)
{
	struct entry e;
	attestation_init(&e, r, OPINION_VERIFIED);
	ASSERT_OK(world_submit(w, &e, W_CNEMC, t, id));
}

/* Finding 1: CN-HE's verified miss owes CN-TJ; CN-HE alone proposes a
 * one-party agreement superseding it. It is recorded but proposed: the
 * old rows stand, and when the others consent, the missed obligation
 * (deadline passed) is still not superseded. */
static void test_one_party_supersession(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES], b[HASH_BYTES], r[HASH_BYTES];
	world_open(&w);
	three(&w, a, 500000000, "CN-TJ", 2);
	report(&w, a, W_HE, "CN-HE", 38400, NULL, DL - DAY, r);
	attest(&w, r, DL - DAY, NULL);
	const struct row_copy *x = row_of(&w, a, "CN-HE", DL);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 1700000000);

	agreement_init(&e, "CN-HE alone", "CN-HE", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-HE", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 50000, PS + 0,
			     PE, DL);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, a, HASH_BYTES);
	ASSERT_OK(world_submit(&w, &e, W_HE, DL + DAY, b));
	/* Proposed, not in force: the old row is untouched. */
	x = row_of(&w, a, "CN-HE", DL + DAY);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 1700000000);
	x = row_of(&w, a, "CN-TJ", DL + DAY);
	ASSERT_EQ(x->status, COMPLIANCE_PENDING);
	json_t *v = NULL;
	ASSERT_OK(agreement_view_json(&w.kv, b, &v, &w.err));
	ASSERT_STR_EQ(json_string_value(json_object_get(v, "state")),
		      "proposed");
	json_decref(v);
	/* A party of neither agreement cannot consent (R8). */
	endorsement_init(&e, b);
	ASSERT_EQ(world_submit(&w, &e, W_CN, DL + DAY, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R8:") != NULL);
	/* One more consent of three: still not in force. */
	endorsement_init(&e, b);
	ASSERT_OK(world_submit(&w, &e, W_TJ, DL + 2 * DAY, NULL));
	endorsement_init(&e, b);
	ASSERT_EQ(world_submit(&w, &e, W_TJ, DL + 2 * DAY, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R9:") != NULL);
	x = row_of(&w, a, "CN-TJ", DL + 2 * DAY);
	ASSERT_EQ(x->status, COMPLIANCE_PENDING);
	/* Every party consented: in force, and the old agreement superseded
	 * from now; CN-HE's obligation was due before, so it stays owed. */
	endorsement_init(&e, b);
	ASSERT_OK(world_submit(&w, &e, W_BJ, DL + 3 * DAY, NULL));
	x = row_of(&w, a, "CN-HE", DL + 3 * DAY);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 1700000000);
	rows_free(&RS);
	world_close(&w);
}

/* Finding 2: 38.4 against 35, attested: missed 1,700,000 CNY; a
 * correction of 30.0 attested by nobody changes nothing, and after the
 * window the row is still missed; once attested it decides. */
static void test_unattested_correction(void)
{
	struct world w;
	uint8_t a[HASH_BYTES], r1[HASH_BYTES], r2[HASH_BYTES];
	world_open(&w);
	three(&w, a, 500000000, "CN-TJ", 2);
	report(&w, a, W_HE, "CN-HE", 38400, NULL, DL - 10 * DAY, r1);
	attest(&w, r1, DL - 9 * DAY, NULL);
	const struct row_copy *x = row_of(&w, a, "CN-HE", DL - 9 * DAY);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->shortfall, 3400);
	ASSERT_EQ(x->compensation, 1700000000); /* 1,700,000 CNY */
	report(&w, a, W_HE, "CN-HE", 30000, NULL, DL - 8 * DAY, r2);
	x = row_of(&w, a, "CN-HE", DL - 8 * DAY);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 1700000000);
	ASSERT_EQ(x->reported, 38400);
	HAS(x->json, "\"note\":\"correction awaiting verification\"");
	HAS(x->json, "\"reported\":30}");
	x = row_of(&w, a, "CN-HE", G_END + 1);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 1700000000);
	attest(&w, r2, G_END + 2, NULL);
	x = row_of(&w, a, "CN-HE", G_END + 2);
	ASSERT_EQ(x->status, COMPLIANCE_MET);
	HAS(x->json, "\"correction\":null");
	rows_free(&RS);
	world_close(&w);
}

/* Finding 3 (a), (b): the challenged party and the challenger do not
 * count; with threshold 1 neither can decide alone; a third party's
 * upholding reopens reporting instead of leaving not_reported. */
static void test_self_resolution(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES], r[HASH_BYTES], c[HASH_BYTES], r2[HASH_BYTES];
	int he[2] = {W_HE, -1}, tj[2] = {W_TJ, -1}, bj[2] = {W_BJ, -1};
	world_open(&w);
	three(&w, a, 500000000, "CN-TJ", 1);
	/* A verified miss reported at G, challenged by its own party after
	 * the window closed: refused (R25). */
	report(&w, a, W_HE, "CN-HE", 38400, NULL, G_END, r);
	attest(&w, r, G_END, NULL);
	challenge_init(&e, r);
	ASSERT_EQ(world_submit(&w, &e, W_HE, G_END + DAY, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R25:") != NULL);
	/* A rival challenges it and tries to uphold it alone: refused. */
	challenge_init(&e, r);
	ASSERT_OK(world_submit(&w, &e, W_TJ, G_END + DAY, c));
	resolution_init(&e, c, OUTCOME_UPHELD);
	ASSERT_EQ(world_submit_v(&w, &e, tj, G_END + 2 * DAY, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "CN-TJ is the challenger") != NULL);
	/* The challenged party cannot dismiss it alone either. */
	resolution_init(&e, c, OUTCOME_DISMISSED);
	ASSERT_EQ(world_submit_v(&w, &e, he, G_END + 2 * DAY, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "CN-HE is the challenged party") != NULL);
	const struct row_copy *x = row_of(&w, a, "CN-HE", G_END + 2 * DAY);
	ASSERT_EQ(x->status, COMPLIANCE_DISPUTED);
	/* CN-BJ, the impartial party, upholds: reporting reopens for 30
	 * days (pending), then silence costs the default. */
	resolution_init(&e, c, OUTCOME_UPHELD);
	ASSERT_OK(world_submit_v(&w, &e, bj, G_END + 3 * DAY, NULL));
	uint64_t reopened = G_END + 33 * DAY;
	x = row_of(&w, a, "CN-HE", reopened);
	ASSERT_EQ(x->status, COMPLIANCE_PENDING);
	x = row_of(&w, a, "CN-HE", reopened + 1);
	ASSERT_EQ(x->status, COMPLIANCE_NOT_REPORTED);
	ASSERT_EQ(x->shortfall, 11666); /* default 46.666 */
	ASSERT_EQ(x->compensation, 5833000000);
	report(&w, a, W_HE, "CN-HE", 36000, NULL, reopened, r2);
	attest(&w, r2, reopened + 5, NULL);
	x = row_of(&w, a, "CN-HE", reopened + 5);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 500000000);
	rows_free(&RS);
	world_close(&w);
}

/* Finding 3 (c): the three perpetual disputes end. */
static void test_perpetual_disputes(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES], r[HASH_BYTES], at[HASH_BYTES], c[HASH_BYTES];
	int bj[2] = {W_BJ, -1};
	world_open(&w);
	/* Two parties: CN-TJ challenges CN-BJ's met; nobody may resolve. */
	agreement_init(&e, "pair", "CN-BJ,CN-TJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), a));
	endorsement_init(&e, a);
	ASSERT_OK(world_submit(&w, &e, W_TJ, T("2014-01-02T00:00:00Z"), NULL));
	report(&w, a, W_BJ, "CN-BJ", 33000, NULL, DL, r);
	attest(&w, r, DL, at);
	challenge_init(&e, r);
	ASSERT_OK(world_submit(&w, &e, W_TJ, DL + 1, c));
	resolution_init(&e, c, OUTCOME_DISMISSED);
	ASSERT_EQ(world_submit_v(&w, &e, bj, DL + 2, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "no party of agreement") != NULL);
	/* Four at once: the report's attestation cannot be challenged
	 * while the report is (R26), nor by an outsider at all (R25). */
	challenge_init(&e, at);
	ASSERT_EQ(world_submit(&w, &e, W_CNEMC, DL + 3, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R26:") != NULL);
	challenge_init(&e, r);
	ASSERT_EQ(world_submit(&w, &e, W_HE, DL + 3, NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R25:") != NULL);
	const struct row_copy *x = row_of(&w, a, "CN-BJ", DL + 30 * DAY + 1);
	ASSERT_EQ(x->status, COMPLIANCE_DISPUTED);
	/* It lapses 30 days after it was filed: dismissed by rule. */
	x = row_of(&w, a, "CN-BJ", DL + 30 * DAY + 2);
	ASSERT_EQ(x->status, COMPLIANCE_MET);
	resolution_init(&e, c, OUTCOME_UPHELD);
	ASSERT_EQ(world_submit_v(&w, &e, bj, DL + 30 * DAY + 2, NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "lapsed") != NULL);
	/* Nobody refiles: the report's and its attestation's challenge
	 * windows closed 30 days after them (R24); a refiling after a
	 * dismissal is R33 (test_rules). */
	challenge_init(&e, r);
	ASSERT_EQ(world_submit(&w, &e, W_TJ, DL + 30 * DAY + 2, NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R24: the challenge window") != NULL);
	challenge_init(&e, at);
	ASSERT_EQ(world_submit(&w, &e, W_TJ, DL + 30 * DAY + 3, NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R24: the challenge window") != NULL);
	rows_free(&RS);
	world_close(&w);
}

/* Finding 4: the payee's own miss is owed to the others in equal
 * shares; a one-party agreement has no compensation rule. */
static void test_self_payment(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES], r[HASH_BYTES];
	world_open(&w);
	three(&w, a, 1000, "CN-TJ", 2);
	report(&w, a, W_TJ, "CN-TJ", 40000, NULL, DL, r);
	attest(&w, r, DL, NULL);
	const struct row_copy *x = row_of(&w, a, "CN-TJ", DL);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->compensation, 5000);
	HAS(x->json, "\"payee\":null");
	HAS(x->json, "\"payees\":[\"CN-HE\",\"CN-BJ\"]");
	agreement_init(&e, "alone", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	agreement_compensation(&e, 1000, "CNY", "CN-BJ");
	ASSERT_EQ(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "a party never owes itself") != NULL);
	rows_free(&RS);
	world_close(&w);
}

/* Finding 5: silence (no report, unattested, verified NE) is assessed at
 * the default and never costs less than a reported miss of the same
 * size; 80 against 35 owes; an oversized amount is capped. */
static void test_silence_costs(void)
{
	struct world w;
	uint8_t a[HASH_BYTES], r[HASH_BYTES];
	world_open(&w);
	three(&w, a, QTY_MILLI_MAX, "CN-BJ", 2); /* 10^12 CNY per unit */
	report(&w, a, W_HE, "CN-HE", 80000, NULL, DL, r);
	attest(&w, r, DL, NULL);
	report(&w, a, W_TJ, "CN-TJ", 0, "NE", DL, r);
	attest(&w, r, DL, NULL);
	const struct row_copy *x = row_of(&w, a, "CN-HE", G_END + 1);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT_EQ(x->shortfall, 45000);
	/* 45 × 10^12 is beyond 10^12: capped and marked, not refused. */
	ASSERT_EQ(x->compensation, QTY_MILLI_MAX);
	HAS(x->json, "\"capped\":true");
	x = row_of(&w, a, "CN-TJ", G_END + 1);
	ASSERT_EQ(x->status, COMPLIANCE_NOT_REPORTED);
	ASSERT_EQ(x->shortfall, 11666);
	HAS(x->json, "\"assessed\":\"default\"");
	x = row_of(&w, a, "CN-BJ", G_END + 1);
	ASSERT_EQ(x->status, COMPLIANCE_NOT_REPORTED);
	ASSERT_EQ(x->shortfall, 11666);
	ASSERT(x->has_compensation && x->compensation > 0);
	rows_free(&RS);
	world_close(&w);
}

/* Findings 6 and 7: a reduction from a baseline of 0, and verification
 * that can never be reached, are refused with the reason. */
static void test_unbounded_and_unreachable(void)
{
	struct world w;
	struct entry e;
	world_open(&w);
	agreement_init(&e, "zero base", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_PERCENT_REDUCTION, 25000, PS, PE, DL);
	e.agreement.obligations[0].baseline_value = 0;
	ASSERT_EQ(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "baseline of 0") != NULL);

	agreement_init(&e, "unreachable", "CN-BJ,CN-TJ", "CNEMC", 90, 2, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "can never be reached") != NULL);
	/* The rules refuse it too (R35), without entry_check. */
	agreement_init(&e, "unreachable", "CN-BJ,CN-TJ", "CNEMC", 90, 2, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	w.skip_check = true;
	ASSERT_EQ(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R35:") != NULL);
	/* With peers allowed, CN-TJ is the second attester: accepted. */
	w.skip_check = false;
	agreement_init(&e, "reachable", "CN-BJ,CN-TJ", "CNEMC", 90, 2, 1);
	e.agreement.peer_parties_may_attest = true;
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), NULL));
	world_close(&w);
}

/* Findings 8 and 9: the inclusive period end is refused with the
 * canonical one; an agreement whose window closed is refused with the
 * dates, and one whose grace reaches the present is a historical record. */
static void test_periods_and_closed_windows(void)
{
	struct world w;
	struct entry e;
	world_open(&w);
	agreement_init(&e, "inclusive", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS,
			     PE - 1, DL);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), NULL),
		  ACC_ERULE);
	ASSERT(strstr(w.err.msg, "period_end 2017-12-31T23:59:59Z") != NULL);
	ASSERT(strstr(w.err.msg, "write 2018-01-01T00:00:00Z") != NULL);

	/* Finding 9 with late reports (issue 12): an agreement whose window
	 * closed before it is a historical record (R34). It binds at once:
	 * not_reported at the default until a report exists, which is
	 * accepted, late, and decides by its value once verified. */
	uint64_t now = T("2026-12-01T00:00:00Z");
	uint8_t aid[HASH_BYTES], rid[HASH_BYTES];
	agreement_init(&e, "historical", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000, PS, PE,
			     DL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, now, aid));
	const struct row_copy *x = row_of(&w, aid, "CN-BJ", now);
	ASSERT_EQ(x->status, COMPLIANCE_NOT_REPORTED);
	report(&w, aid, W_BJ, "CN-BJ", 58000, NULL, now + 60, rid);
	attest(&w, rid, now + 120, NULL);
	x = row_of(&w, aid, "CN-BJ", now + 120);
	ASSERT_EQ(x->status, COMPLIANCE_MISSED);
	ASSERT(x->late);
	ASSERT_EQ(x->days_late, (now + 60 - DL + DAY - 1) / DAY);
	HAS(x->json, "\"reported_at\":\"2026-12-01T00:01:00Z\"");
	world_close(&w);
}

/* The new consistency rules of encoding §7.2, each refused with its
 * reason by entry_check. */
static void test_new_consistency_rules(void)
{
	struct world w;
	struct entry e;
	uint64_t t = T("2014-01-01T00:00:00Z");
	world_open(&w);
	for (int c = 0; c < 7; c++) {
		agreement_init(&e, "checks", "CN-BJ,CN-TJ", "CNEMC", 90, 1, 1);
		agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
				     c == 4 ? METRIC_PERCENT_REDUCTION
					    : METRIC_ANNUAL_MEAN_CONCENTRATION,
				     35000, PS, PE, DL);
		struct obligation *o = &e.agreement.obligations[0];
		const char *want = NULL;
		switch (c) {
		case 0: /* silence must cost: the default beats the target */
			o->default_value = 35000;
			want = "default_value must be strictly higher";
			break;
		case 1:
			e.agreement.amendment_threshold = 3;
			want = "amendment_threshold must be between 1";
			break;
		case 2:
			e.agreement.challenge_days = 0;
			want = "challenge_days must be between 1 and 3650";
			break;
		case 3:
			e.agreement.challenge_days = CHALLENGE_DAYS_MAX + 1;
			want = "challenge_days must be between 1 and 3650";
			break;
		case 4:
			o->target = 100001;
			want = "above 100 % cannot be met";
			break;
		case 5:
			o->period_start = PS + 3600;
			want = "period_start 2017-01-01T01:00:00Z: period "
			       "boundaries are at 00:00:00Z";
			break;
		default: /* the control: all consistent */
			break;
		}
		int rc = world_submit(&w, &e, W_BJ, t + (uint64_t)c, NULL);
		if (want == NULL) {
			ASSERT_OK(rc);
			continue;
		}
		ASSERT_EQ(rc, ACC_ERULE);
		if (strstr(w.err.msg, want) == NULL)
			FAIL_AT("case %d: \"%s\" does not say \"%s\"", c,
				w.err.msg, want);
	}
	world_close(&w);
}

int main(void)
{
	PS = T("2017-01-01T00:00:00Z");
	PE = T("2018-01-01T00:00:00Z");
	DL = T("2018-03-31T23:59:59Z");
	G_END = DL + 90 * DAY;
	RUN(test_one_party_supersession);
	RUN(test_unattested_correction);
	RUN(test_self_resolution);
	RUN(test_perpetual_disputes);
	RUN(test_self_payment);
	RUN(test_silence_costs);
	RUN(test_unbounded_and_unreachable);
	RUN(test_periods_and_closed_windows);
	RUN(test_new_consistency_rules);
	return 0;
}
