/* test_rules.c - every rule of specs/compliance.md §2 that refuses an
 * entry: the exact error code, the rule named in the message, and the
 * derived state unchanged (digest and key count before == after). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vote.h"
#include "tests/unit/test_state_fixture.h"

/*
 * Submit with call and require error code and rule (a substring of the
 * message, "R13:"), with the state exactly as before.
 */
#define REJECT(w, call, code, rule)                                           \
	do {                                                                  \
		uint8_t before_[HASH_BYTES], after_[HASH_BYTES];              \
		world_digest((w), before_);                                   \
		size_t n_ = kv_mem_count(&(w)->kv);                           \
		uint64_t ix_ = (w)->index;                                    \
		int rc2_ = (call);                                            \
		if (rc2_ != (code))                                           \
			FAIL_AT("%s: %s (%s), expected %s", #call,            \
				acc_errname(rc2_), (w)->err.msg,              \
				acc_errname(code));                           \
		if (strstr((w)->err.msg, (rule)) == NULL)                     \
			FAIL_AT("%s: message \"%s\" does not name %s", #call, \
				(w)->err.msg, (rule));                        \
		world_digest((w), after_);                                    \
		ASSERT_MEM_EQ(before_, after_, HASH_BYTES);                   \
		ASSERT_EQ(kv_mem_count(&(w)->kv), n_);                        \
		ASSERT_U64_EQ((w)->index, ix_);                               \
	} while (0)

/* The standard scene: agreement A between CN-BJ (proposer) and CN-TJ,
 * verified by CNEMC, one PM2.5 obligation each for 2017. */
static uint64_t PS, PE, DL, G_END;

struct scene {
	struct world w;
	uint8_t a[HASH_BYTES];	    /* the active agreement */
	uint8_t report[HASH_BYTES]; /* CN-BJ's report for 2017 */
};

static void agreement_a(struct entry *e, bool peers)
{
	agreement_init(e, "Jing-Jin PM2.5 2017", "CN-BJ,CN-TJ", "CNEMC", 90, 1,
		       2);
	e->agreement.peer_parties_may_attest = peers;
	agreement_obligation(e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 60000, PS, PE,
			     DL);
	agreement_obligation(e, "CN-TJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 60000, PS, PE,
			     DL);
}

static void report_bj(struct entry *e, const uint8_t aid[HASH_BYTES], int64_t v)
{
	report_init(e, aid, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE, v, NULL);
}

static void scene_open(struct scene *s, bool peers, bool with_report)
{
	struct entry e;
	world_open(&s->w);
	agreement_a(&e, peers);
	ASSERT_OK(
	    world_submit(&s->w, &e, W_BJ, T("2014-01-01T00:00:00Z"), s->a));
	endorsement_init(&e, s->a);
	ASSERT_OK(
	    world_submit(&s->w, &e, W_TJ, T("2014-01-02T00:00:00Z"), NULL));
	if (with_report) {
		report_bj(&e, s->a, 58000);
		ASSERT_OK(world_submit(&s->w, &e, W_BJ, DL - 86400, s->report));
	}
}

static void test_agreement_rules(void)
{
	struct scene s;
	struct entry e;
	uint8_t id[HASH_BYTES], b[HASH_BYTES];
	scene_open(&s, false, false);
	struct world *w = &s.w;
	uint64_t t = T("2014-02-01T00:00:00Z");

	/* R1: CN-HE proposes an agreement it is not part of. */
	agreement_a(&e, false);
	REJECT(w, world_submit(w, &e, W_HE, t, NULL), ACC_ERULE, "R1:");

	/* R2: a party unknown to genesis (entry_check cannot know it is
	 * missing from the log's point of view; it passes). */
	agreement_init(&e, "with Shanghai", "CN-BJ,CN-SH", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM10,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 70000, PS, PE,
			     DL);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R2:");
	ASSERT_EQ(w->check_rc, 0);
	ASSERT(strstr(w->err.msg, "CN-SH") != NULL);

	/* R3: a verifier genesis does not know. */
	agreement_init(&e, "odd verifier", "CN-BJ", "ACME", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM10,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 70000, PS, PE,
			     DL);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R3:");

	/* R4: the payee is not a party (entry_check refuses it first). */
	agreement_a(&e, false);
	agreement_compensation(&e, 1000, "CNY", "CN-HE");
	w->skip_check = true;
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R4:");
	ASSERT_EQ(w->check_rc, ACC_ERULE);
	w->skip_check = false;

	/* R5: supersedes an unknown agreement, a proposed one, or one the
	 * proposer is not a party of. */
	agreement_a(&e, false);
	e.agreement.has_supersedes = true;
	memset(e.agreement.supersedes, 0x42, HASH_BYTES);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R5:");

	agreement_init(&e, "proposed only", "CN-BJ,CN-HE", "CNEMC", 90, 1, 2);
	agreement_obligation(&e, "CN-HE", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 60000, PS, PE,
			     DL);
	ASSERT_OK(world_submit(w, &e, W_BJ, t, b));
	agreement_a(&e, false);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, b, HASH_BYTES);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R5:");
	ASSERT(strstr(w->err.msg, "not active") != NULL);

	agreement_init(&e, "Hebei alone", "CN-HE", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-HE", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 60000, PS, PE,
			     DL);
	e.agreement.has_supersedes = true;
	memcpy(e.agreement.supersedes, s.a, HASH_BYTES);
	REJECT(w, world_submit(w, &e, W_HE, t, NULL), ACC_ERULE, "R5:");
	ASSERT(strstr(w->err.msg, "CN-HE") != NULL);

	/* R0: the same entry twice. */
	agreement_init(&e, "twice", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM10,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 70000, PS, PE,
			     DL);
	e.time = t;
	ASSERT_OK(world_submit(w, &e, W_BJ, t, id));
	agreement_init(&e, "twice", "CN-BJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM10,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 70000, PS, PE,
			     DL);
	e.time = t;
	REJECT(w, world_submit(w, &e, W_BJ, t + 5, NULL), ACC_EDUP, "R0:");
	world_close(w);
}

static void test_endorsement_rules(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES], bogus[HASH_BYTES];
	uint64_t t = T("2014-01-01T00:00:00Z");
	world_open(&w);
	agreement_a(&e, false);
	ASSERT_OK(world_submit(&w, &e, W_BJ, t, a));

	/* R7: an agreement that does not exist. */
	memset(bogus, 0x5a, HASH_BYTES);
	endorsement_init(&e, bogus);
	REJECT(&w, world_submit(&w, &e, W_TJ, t + 1, NULL), ACC_ERULE, "R7:");

	/* R8: an endorsement by a non-party (a genesis party, not listed). */
	endorsement_init(&e, a);
	REJECT(&w, world_submit(&w, &e, W_HE, t + 1, NULL), ACC_ERULE, "R8:");
	ASSERT_EQ(w.check_rc, 0);
	/* ... and by a verifier key (entry_check refuses it already). */
	w.skip_check = true;
	endorsement_init(&e, a);
	REJECT(&w, world_submit(&w, &e, W_CNEMC, t + 1, NULL), ACC_ERULE,
	       "R8:");
	ASSERT_EQ(w.check_rc, ACC_ERULE);
	w.skip_check = false;

	/* R9: the proposer's signature was its endorsement. */
	endorsement_init(&e, a);
	REJECT(&w, world_submit(&w, &e, W_BJ, t + 1, NULL), ACC_ERULE, "R9:");

	/* A report is refused while the agreement is only proposed (R12). */
	report_bj(&e, a, 50000);
	REJECT(&w, world_submit(&w, &e, W_BJ, t + 2, NULL), ACC_ERULE, "R12:");
	ASSERT(strstr(w.err.msg, "not active") != NULL);

	endorsement_init(&e, a);
	ASSERT_OK(world_submit(&w, &e, W_TJ, t + 3, NULL));
	/* Once in force, nothing more to endorse (R7). */
	endorsement_init(&e, a);
	REJECT(&w, world_submit(&w, &e, W_TJ, t + 4, NULL), ACC_ERULE, "R7:");
	ASSERT(strstr(w.err.msg, "already in force") != NULL);
	world_close(&w);
}

static void test_report_rules(void)
{
	struct scene s;
	struct entry e;
	uint8_t bogus[HASH_BYTES];
	scene_open(&s, false, false);
	struct world *w = &s.w;

	/* R11: a report about another party (entry_check refuses it too). */
	report_init(&e, s.a, "CN-TJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE, 50000, NULL);
	w->skip_check = true;
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R11:");
	ASSERT_EQ(w->check_rc, ACC_ERULE);
	w->skip_check = false;

	/* R12: an unknown agreement. */
	memset(bogus, 0x77, HASH_BYTES);
	report_bj(&e, bogus, 50000);
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R12:");

	/* R13: outside any obligation's period, another scope, another
	 * pollutant, another metric. */
	report_init(&e, s.a, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, T("2016-01-01T00:00:00Z"),
		    PS, 50000, NULL);
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R13:");
	/* Issue 10, finding 8: the message lists what the party does owe. */
	ASSERT(strstr(w->err.msg, "2016-01-01..2017-01-01") != NULL);
	ASSERT(strstr(w->err.msg,
		      "CN-BJ has: (whole party)/PM2.5/"
		      "annual_mean_concentration/2017-01-01..2018-01-01") !=
	       NULL);
	/* The inclusive end is refused by entry_check with the canonical
	 * end (encoding §2.7); were it not, R13 would refuse it. */
	report_init(&e, s.a, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE - 1, 50000, NULL);
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE,
	       "period_end 2017-12-31T23:59:59Z: periods are half-open");
	ASSERT(strstr(w->err.msg, "write 2018-01-01T00:00:00Z") != NULL);
	report_init(&e, s.a, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE - 1, 50000, NULL);
	w->skip_check = true;
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R13:");
	w->skip_check = false;
	report_init(&e, s.a, "CN-BJ", "Haidian", POLLUTANT_PM25,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE, 50000, NULL);
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R13:");
	report_init(&e, s.a, "CN-BJ", "", POLLUTANT_PM10,
		    METRIC_ANNUAL_MEAN_CONCENTRATION, PS, PE, 50000, NULL);
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R13:");
	report_init(&e, s.a, "CN-BJ", "", POLLUTANT_PM25,
		    METRIC_TOTAL_EMISSIONS, PS, PE, 50000, NULL);
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_ERULE, "R13:");

	/* R15: units that do not match the obligation (entry_check refuses
	 * the inconsistency first, as ACC_ERULE). */
	report_bj(&e, s.a, 50000);
	e.report.unit = UNIT_T;
	w->skip_check = true;
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_EMISMATCH, "R15:");
	ASSERT_EQ(w->check_rc, ACC_ERULE);
	w->skip_check = false;

	/* R16: no window refuses a report: G and G + 1 are accepted, both
	 * late (issue 12). */
	report_bj(&e, s.a, 50000);
	ASSERT_OK(world_submit(w, &e, W_BJ, G_END + 1, NULL));
	report_bj(&e, s.a, 50000);
	ASSERT_OK(world_submit(w, &e, W_BJ, G_END, NULL));

	/* R0: the same signed report twice. */
	report_bj(&e, s.a, 51000);
	e.time = DL;
	ASSERT_OK(world_submit(w, &e, W_BJ, DL, NULL));
	report_bj(&e, s.a, 51000);
	e.time = DL;
	REJECT(w, world_submit(w, &e, W_BJ, DL, NULL), ACC_EDUP, "R0:");
	world_close(w);
}

static void test_report_range(void)
{
	struct world w;
	struct entry e;
	uint8_t a[HASH_BYTES];
	world_open(&w);
	/* A compensation beyond 10^12 units is capped, not refused (R18,
	 * §6.3): a huge miss must not become a refused report. */
	agreement_init(&e, "steep", "CN-BJ,CN-TJ", "CNEMC", 90, 1, 1);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_CO2,
			     METRIC_TOTAL_EMISSIONS, 0, PS, PE, DL);
	agreement_obligation(&e, "CN-TJ", "", POLLUTANT_PM25,
			     METRIC_PERCENT_REDUCTION, 25000, PS, PE, DL);
	agreement_compensation(&e, 1000000000000LL, "CNY", "CN-TJ");
	ASSERT_OK(world_submit(&w, &e, W_BJ, T("2014-01-01T00:00:00Z"), a));
	endorsement_init(&e, a);
	ASSERT_OK(world_submit(&w, &e, W_TJ, T("2014-01-02T00:00:00Z"), NULL));
	report_init(&e, a, "CN-BJ", "", POLLUTANT_CO2, METRIC_TOTAL_EMISSIONS,
		    PS, PE, 2000000, NULL);
	ASSERT_OK(world_submit(&w, &e, W_BJ, DL, NULL));
	/* R18: a reduction above 100 % is not a measurement. */
	report_init(&e, a, "CN-TJ", "", POLLUTANT_PM25,
		    METRIC_PERCENT_REDUCTION, PS, PE, 100001, NULL);
	w.skip_check = true;
	REJECT(&w, world_submit(&w, &e, W_TJ, DL, NULL), ACC_ERULE, "R18:");
	ASSERT_EQ(w.check_rc, ACC_ERULE);
	w.skip_check = false;
	report_init(&e, a, "CN-TJ", "", POLLUTANT_PM25,
		    METRIC_PERCENT_REDUCTION, PS, PE, 100000, NULL);
	ASSERT_OK(world_submit(&w, &e, W_TJ, DL, NULL));
	world_close(&w);
}

static void test_attestation_rules(void)
{
	struct scene s;
	struct entry e;
	uint8_t bogus[HASH_BYTES];
	scene_open(&s, false, true);
	struct world *w = &s.w;
	uint64_t t = DL;

	/* R19: no such report. */
	memset(bogus, 0x33, HASH_BYTES);
	attestation_init(&e, bogus, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_CNEMC, t, NULL), ACC_ERULE, "R19:");

	/* R20: an attestation by the reporter. */
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R20:");

	/* R21: by a registered verifier the agreement does not list, by a
	 * key genesis does not know, by a peer party when peers may not. */
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_SGS, t, NULL), ACC_ERULE, "R21:");
	ASSERT_EQ(w->check_rc, 0);
	attestation_init(&e, s.report, OPINION_VERIFIED);
	w->skip_check = true;
	REJECT(w, world_submit(w, &e, W_STRANGER, t, NULL), ACC_ERULE, "R21:");
	ASSERT_EQ(w->check_rc, ACC_EUNKNOWNKEY);
	w->skip_check = false;
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_TJ, t, NULL), ACC_ERULE, "R21:");

	/* R22: one attestation per attester per report. */
	attestation_init(&e, s.report, OPINION_VERIFIED);
	ASSERT_OK(world_submit(w, &e, W_CNEMC, t, NULL));
	attestation_init(&e, s.report, OPINION_NOT_VERIFIED);
	REJECT(w, world_submit(w, &e, W_CNEMC, t + 1, NULL), ACC_ERULE, "R22:");
	world_close(w);

	/* With peers allowed: CN-TJ may attest; CN-BJ still may not (R20);
	 * CN-HE is not a party of the agreement (R21). */
	scene_open(&s, true, true);
	w = &s.w;
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R20:");
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_HE, t, NULL), ACC_ERULE, "R21:");
	attestation_init(&e, s.report, OPINION_VERIFIED_WITH_COMMENTS);
	ASSERT_OK(world_submit(w, &e, W_TJ, t, NULL));
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_TJ, t + 1, NULL), ACC_ERULE, "R22:");
	world_close(w);
}

/* Three parties (threshold 2), CNEMC verifies; CN-BJ reports 58 a day
 * before the deadline and CNEMC attests it. */
static void scene3_open(struct scene *s, uint8_t att[HASH_BYTES])
{
	struct entry e;
	world_open(&s->w);
	agreement_init(&e, "Jing-Jin-Ji PM2.5 2017", "CN-BJ,CN-TJ,CN-HE",
		       "CNEMC", 90, 1, 2);
	agreement_obligation(&e, "CN-BJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 60000, PS, PE,
			     DL);
	ASSERT_OK(
	    world_submit(&s->w, &e, W_BJ, T("2014-01-01T00:00:00Z"), s->a));
	endorsement_init(&e, s->a);
	ASSERT_OK(world_submit(&s->w, &e, W_TJ, T("2014-01-02T00:00:00Z"),
			       NULL));
	endorsement_init(&e, s->a);
	ASSERT_OK(world_submit(&s->w, &e, W_HE, T("2014-01-03T00:00:00Z"),
			       NULL));
	report_bj(&e, s->a, 58000);
	ASSERT_OK(world_submit(&s->w, &e, W_BJ, DL - 86400, s->report));
	attestation_init(&e, s->report, OPINION_VERIFIED);
	ASSERT_OK(world_submit(&s->w, &e, W_CNEMC, DL - 86400, att));
}

static void test_challenge_resolution_rules(void)
{
	struct scene s;
	struct entry e;
	uint8_t bogus[HASH_BYTES], c[HASH_BYTES], att[HASH_BYTES];
	scene3_open(&s, att);
	struct world *w = &s.w;
	uint64_t t = DL + 10;
	int tj[2] = {W_TJ, -1}, he[2] = {W_HE, -1}, bj_he[3] = {W_BJ, W_HE, -1},
	    tj_he[3] = {W_TJ, W_HE, -1};

	/* R24: nothing to challenge. */
	memset(bogus, 0x44, HASH_BYTES);
	challenge_init(&e, bogus);
	REJECT(w, world_submit(w, &e, W_TJ, t, NULL), ACC_ERULE, "R24:");
	/* R25: a key without a party or verifier role (a validator's), a
	 * registered verifier the agreement does not list, the reporting
	 * party against its own report and its own report's attestation. */
	challenge_init(&e, s.report);
	w->skip_check = true;
	REJECT(w, world_submit(w, &e, W_NODE0, t, NULL), ACC_ERULE, "R25:");
	ASSERT_EQ(w->check_rc, ACC_ERULE);
	w->skip_check = false;
	challenge_init(&e, s.report);
	REJECT(w, world_submit(w, &e, W_SGS, t, NULL), ACC_ERULE, "R25:");
	challenge_init(&e, s.report);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R25:");
	challenge_init(&e, att);
	REJECT(w, world_submit(w, &e, W_BJ, t, NULL), ACC_ERULE, "R25:");

	challenge_init(&e, s.report);
	ASSERT_OK(world_submit(w, &e, W_TJ, t, c));
	/* R26: one open challenge per report, its attestations included. */
	challenge_init(&e, s.report);
	REJECT(w, world_submit(w, &e, W_HE, t + 1, NULL), ACC_ERULE, "R26:");
	challenge_init(&e, att);
	REJECT(w, world_submit(w, &e, W_HE, t + 1, NULL), ACC_ERULE, "R26:");

	/* R28: no such challenge. */
	resolution_init(&e, bogus, OUTCOME_DISMISSED);
	REJECT(w, world_submit_v(w, &e, he, t + 2, NULL), ACC_ERULE, "R28:");
	/* R29: neither the challenged party nor the challenger counts; one
	 * party (CN-HE) remains, under the threshold of 2, so it alone
	 * decides. */
	resolution_init(&e, c, OUTCOME_DISMISSED);
	REJECT(w, world_submit_v(w, &e, bj_he, t + 2, NULL), ACC_ERULE,
	       "R29: CN-BJ is the challenged party");
	resolution_init(&e, c, OUTCOME_DISMISSED);
	REJECT(w, world_submit_v(w, &e, tj_he, t + 2, NULL), ACC_ERULE,
	       "R29: CN-TJ is the challenger");
	resolution_init(&e, c, OUTCOME_DISMISSED);
	ASSERT_OK(world_submit_v(w, &e, he, t + 3, NULL));
	/* R28: closed now. */
	resolution_init(&e, c, OUTCOME_UPHELD);
	REJECT(w, world_submit_v(w, &e, he, t + 4, NULL), ACC_ERULE, "R28:");
	ASSERT(strstr(w->err.msg, "dismissed") != NULL);
	/* R33: CN-TJ does not bring the same challenge again. */
	challenge_init(&e, s.report);
	REJECT(w, world_submit(w, &e, W_TJ, t + 5, NULL), ACC_ERULE, "R33:");

	/* Upheld against the report (by CN-TJ, the one eligible party): it
	 * no longer counts, so it can be neither challenged (R24) nor
	 * attested (R19) again, and reporting reopens (R30). */
	challenge_init(&e, s.report);
	ASSERT_OK(world_submit(w, &e, W_HE, t + 5, c));
	resolution_init(&e, c, OUTCOME_UPHELD);
	ASSERT_OK(world_submit_v(w, &e, tj, t + 6, NULL));
	challenge_init(&e, s.report);
	REJECT(w, world_submit(w, &e, W_TJ, t + 7, NULL), ACC_ERULE, "R24:");
	attestation_init(&e, s.report, OPINION_VERIFIED);
	REJECT(w, world_submit(w, &e, W_CNEMC, t + 7, NULL), ACC_ERULE, "R19:");
	/* Reopened until t + 6 + 30 days, before G: the close stays G (a
	 * report after it is late, and accepted: R16). */
	uint64_t reopened = G_END;
	uint8_t r2[HASH_BYTES], c2[HASH_BYTES];
	report_bj(&e, s.a, 59000);
	ASSERT_OK(world_submit(w, &e, W_BJ, reopened, r2));

	/* R24: the challenge window of a target closes challenge_days after
	 * it; R28: a challenge lapses challenge_days after it is filed. */
	challenge_init(&e, r2);
	REJECT(w, world_submit(w, &e, W_TJ, reopened + 30ull * 86400 + 1, NULL),
	       ACC_ERULE, "R24: the challenge window");
	challenge_init(&e, r2);
	ASSERT_OK(world_submit(w, &e, W_TJ, reopened + 30ull * 86400, c2));
	resolution_init(&e, c2, OUTCOME_UPHELD);
	REJECT(w, world_submit_v(w, &e, he, reopened + 60ull * 86400 + 1, NULL),
	       ACC_ERULE, "lapsed at");
	world_close(w);
}

static void test_governance_evidence_rules(void)
{
	struct world w;
	struct entry e;
	uint64_t t = T("2015-01-01T00:00:00Z");
	world_open(&w);

	/* R31: the genesis governance threshold is 2 parties. */
	memset(&e, 0, sizeof e);
	e.kind = ENTRY_GOVERNANCE;
	e.governance.action = GOV_SET_PARAM;
	e.governance.param = xstrdup("grace_days_default");
	e.governance.value = 60;
	REJECT(&w, world_submit(&w, &e, W_BJ, t, NULL), ACC_ERULE, "R31:");
	memset(&e, 0, sizeof e);
	e.kind = ENTRY_GOVERNANCE;
	e.governance.action = GOV_SET_PARAM;
	e.governance.param = xstrdup("grace_days_default");
	e.governance.value = 60;
	int two[3] = {W_BJ, W_HE, -1};
	ASSERT_OK(world_submit_v(&w, &e, two, t, NULL));

	/* R32: one evidence per (validator, height, round). */
	for (int i = 0; i < 2; i++) {
		memset(&e, 0, sizeof e);
		e.kind = ENTRY_EVIDENCE;
		e.time = t + (uint64_t)i; /* another entry, same equivocation */
		memcpy(e.evidence.validator, w.keys[W_NODE0].pk, PUBKEY_BYTES);
		for (int v = 0; v < 2; v++) {
			struct evidence_vote *ev = &e.evidence.votes[v];
			ev->type = VOTE_PRECOMMIT;
			ev->height = 7;
			ev->round = 1;
			memset(ev->block_hash, 0x10 + v, HASH_BYTES);
			ASSERT_OK(vote_sign(ev->sig, &w.keys[W_NODE0],
					    TEST_CHAIN_ID, VOTE_PRECOMMIT, 7, 1,
					    ev->block_hash));
		}
		if (i == 0)
			ASSERT_OK(world_submit(&w, &e, W_NODE0, t, NULL));
		else
			REJECT(&w, world_submit(&w, &e, W_NODE0, t, NULL),
			       ACC_ERULE, "R32:");
	}
	/* R32 keeps proposals apart from votes (the form is in the key):
	 * the same proposer's proposals at 7/1 are recorded beside its
	 * votes, once; round 2 is another offence. */
	for (int i = 0; i < 3; i++) {
		uint32_t round = i < 2 ? 1 : 2;
		memset(&e, 0, sizeof e);
		e.kind = ENTRY_EVIDENCE;
		e.time = t + (uint64_t)i;
		memcpy(e.evidence.validator, w.keys[W_NODE0].pk, PUBKEY_BYTES);
		e.evidence.form = EVIDENCE_PROPOSALS;
		for (int v = 0; v < 2; v++) {
			struct evidence_proposal *p = &e.evidence.proposals[v];
			p->height = 7;
			p->round = round;
			p->valid_round = -1;
			/* The second report names other blocks. */
			memset(p->block_hash, 0x20 + 2 * i + v, HASH_BYTES);
			ASSERT_OK(proposal_sign(p->sig, &w.keys[W_NODE0],
						TEST_CHAIN_ID, 7, round, -1,
						p->block_hash));
		}
		if (i == 1)
			REJECT(&w, world_submit(&w, &e, W_NODE0, t, NULL),
			       ACC_ERULE, "R32:");
		else
			ASSERT_OK(world_submit(&w, &e, W_NODE0, t, NULL));
	}
	world_close(&w);
}

/* Admission's dry run: rules on an overlay leave the base untouched, the
 * overlay sees its own writes, and flushing gives the same state as
 * applying to the base directly. */
static void test_overlay_dry_run(void)
{
	struct scene s, d;
	struct entry e;
	struct kv ov;
	uint8_t before[HASH_BYTES], after[HASH_BYTES], o1[HASH_BYTES],
	    o2[HASH_BYTES], id[HASH_BYTES];
	uint8_t *bytes;
	size_t len;
	struct acc_err err;
	scene_open(&s, false, true);
	scene_open(&d, false, true);
	world_digest(&s.w, before);

	ASSERT_OK(kv_overlay_open(&ov, &s.w.kv));
	attestation_init(&e, s.report, OPINION_VERIFIED);
	e.version = ENTRY_VERSION;
	e.time = DL;
	ASSERT_OK(entry_sign(&e, &s.w.keys[W_CNEMC], TEST_CHAIN_ID, &err));
	ASSERT_OK(entry_encode(&e, &bytes, &len, &err));
	entry_free(&e);
	entry_id(id, bytes, len);
	ASSERT_OK(state_replay_entry(&ov, &s.w.g, bytes, len, 3, DL, &err));
	/* The overlay refuses a second attestation by the same verifier. */
	attestation_init(&e, s.report, OPINION_VERIFIED);
	e.version = ENTRY_VERSION;
	e.time = DL + 1;
	ASSERT_OK(entry_sign(&e, &s.w.keys[W_CNEMC], TEST_CHAIN_ID, &err));
	uint8_t *b2;
	size_t n2;
	ASSERT_OK(entry_encode(&e, &b2, &n2, &err));
	entry_id(o2, b2, n2);
	free(b2);
	ASSERT_EQ(rules_apply(&ov, &s.w.g, &e, o2, 4, DL, &err), ACC_ERULE);
	ASSERT(strstr(err.msg, "R22:") != NULL);
	/* The same entry id again is a duplicate (R0). */
	ASSERT_EQ(rules_apply(&ov, &s.w.g, &e, id, 4, DL, &err), ACC_EDUP);
	entry_free(&e);
	ASSERT_OK(state_digest(&ov, o1));
	ASSERT(memcmp(o1, before, HASH_BYTES) != 0);
	world_digest(&s.w, after);
	ASSERT_MEM_EQ(before, after, HASH_BYTES);

	/* Reset: the overlay shows the base again. */
	kv_overlay_reset(&ov);
	ASSERT_OK(state_digest(&ov, o2));
	ASSERT_MEM_EQ(o2, before, HASH_BYTES);
	/* Apply again and flush into the base: the same as applying to a
	 * plain KV (d). */
	ASSERT_OK(state_replay_entry(&ov, &s.w.g, bytes, len, 3, DL, &err));
	ASSERT_OK(kv_overlay_flush(&ov, &s.w.kv));
	ASSERT_EQ(kv_overlay_count(&ov), 0);
	ASSERT_OK(state_replay_entry(&d.w.kv, &d.w.g, bytes, len, 3, DL, &err));
	world_digest(&s.w, o1);
	world_digest(&d.w, o2);
	ASSERT_MEM_EQ(o1, o2, HASH_BYTES);
	free(bytes);
	kv_overlay_close(&ov);
	world_close(&s.w);
	world_close(&d.w);
}

/* Bad input straight into rules_apply: unsigned, unknown kind, a field
 * over its bound. Nothing is written. */
static void test_bad_entries(void)
{
	struct scene s;
	struct entry e;
	struct acc_err err;
	uint8_t id[HASH_BYTES] = {0}, before[HASH_BYTES], after[HASH_BYTES];
	scene_open(&s, false, true);
	world_digest(&s.w, before);

	report_bj(&e, s.a, 50000);
	e.version = ENTRY_VERSION;
	ASSERT_EQ(rules_apply(&s.w.kv, &s.w.g, &e, id, 9, DL, &err),
		  ACC_EINVAL);
	ASSERT_OK(entry_sign(&e, &s.w.keys[W_BJ], TEST_CHAIN_ID, &err));
	e.report.pollutant = 0;
	ASSERT_EQ(rules_apply(&s.w.kv, &s.w.g, &e, id, 9, DL, &err),
		  ACC_EDECODE);
	e.report.pollutant = POLLUTANT_PM25;
	free(e.report.scope);
	e.report.scope = malloc(NAME_BYTES_MAX + 2);
	memset(e.report.scope, 'x', NAME_BYTES_MAX + 1);
	e.report.scope[NAME_BYTES_MAX + 1] = 0;
	ASSERT_EQ(rules_apply(&s.w.kv, &s.w.g, &e, id, 9, DL, &err),
		  ACC_EDECODE);
	uint8_t kind = e.kind;
	e.kind = 99;
	ASSERT(rules_apply(&s.w.kv, &s.w.g, &e, id, 9, DL, &err) < 0);
	e.kind = kind;
	entry_free(&e);
	/* Garbage bytes through replay. */
	uint8_t junk[40];
	memset(junk, 0xee, sizeof junk);
	ASSERT(state_replay_entry(&s.w.kv, &s.w.g, junk, sizeof junk, 9, DL,
				  &err) < 0);
	world_digest(&s.w, after);
	ASSERT_MEM_EQ(before, after, HASH_BYTES);
	world_close(&s.w);
}

/* A KV that counts operations and, like node/'s adapter over the block's
 * write transaction, cannot iterate. */
struct counting {
	struct kv inner;
	unsigned long gets, puts, dels;
};

static int c_get(void *ctx, const void *k, size_t kl, const uint8_t **v,
		 size_t *vl)
{
	struct counting *c = ctx;
	c->gets++;
	return kv_get(&c->inner, k, kl, v, vl);
}

static int c_put(void *ctx, const void *k, size_t kl, const void *v, size_t vl)
{
	struct counting *c = ctx;
	c->puts++;
	return kv_put(&c->inner, k, kl, v, vl);
}

static int c_del(void *ctx, const void *k, size_t kl)
{
	struct counting *c = ctx;
	c->dels++;
	return kv_del(&c->inner, k, kl);
}

static int c_iter(void *ctx, const void *p, size_t pl,
		  int (*fn)(void *, const uint8_t *, size_t, const uint8_t *,
			    size_t),
		  void *fnctx)
{
	(void)ctx;
	(void)p;
	(void)pl;
	(void)fn;
	(void)fnctx;
	return ACC_ESTATE;
}

static const struct kv_ops counting_ops = {c_get, c_put, c_del, c_iter};

/* Thousands of reports, attestations and challenges on one obligation
 * cost the same few KV operations each, and never an iteration (§2.0). */
static void test_cost_per_entry(void)
{
	struct scene s;
	struct counting c;
	struct kv kv = {&counting_ops, &c};
	struct acc_err err;
	enum { N = 3000 };
	uint8_t att0[HASH_BYTES];
	scene3_open(&s, att0);
	c.inner = s.w.kv;
	s.w.kv = kv;
	unsigned long ops_first = 0, ops_att = 0;
	uint8_t rid[HASH_BYTES], cid[HASH_BYTES];
	for (int i = 0; i < N; i++) {
		struct entry e;
		report_bj(&e, s.a, 50000 + i);
		c.gets = c.puts = c.dels = 0;
		ASSERT_OK(world_submit(&s.w, &e, W_BJ, DL, rid));
		unsigned long ops = c.gets + c.puts + c.dels;
		if (i == 1)
			ops_first = ops;
		if (i >= 1)
			ASSERT_EQ(ops, ops_first); /* with a previous one */
		attestation_init(&e, rid, OPINION_VERIFIED);
		c.gets = c.puts = c.dels = 0;
		ASSERT_OK(world_submit(&s.w, &e, W_CNEMC, DL, NULL));
		ops = c.gets + c.puts + c.dels;
		if (i == 0)
			ops_att = ops;
		ASSERT_EQ(ops, ops_att);
	}
	ASSERT(ops_first <= 10 && ops_att <= 10);
	/* Upholding a challenge against the newest unlinks it with a few
	 * operations too, and the one before decides. */
	struct entry e;
	int he[2] = {W_HE, -1};
	challenge_init(&e, rid);
	c.gets = c.puts = c.dels = 0;
	ASSERT_OK(world_submit(&s.w, &e, W_TJ, DL + 1, cid));
	unsigned long ops_ch = c.gets + c.puts + c.dels;
	resolution_init(&e, cid, OUTCOME_UPHELD);
	c.gets = c.puts = c.dels = 0;
	ASSERT_OK(world_submit_v(&s.w, &e, he, DL + 2, NULL));
	unsigned long ops_res = c.gets + c.puts + c.dels;
	ASSERT(ops_ch <= 10 && ops_res <= 16);
	fprintf(stderr,
		"      KV operations per entry: report %lu, attestation %lu, "
		"challenge %lu, resolution %lu\n",
		ops_first, ops_att, ops_ch, ops_res);
	struct rows rs = {0};
	s.w.kv = c.inner;
	ASSERT_OK(rows_eval(&s.w, &rs, DL + 2, "CN-BJ", s.a));
	ASSERT_EQ(rs.n, 1);
	ASSERT_EQ(rs.r[0].reported, 50000 + N - 2);
	ASSERT_EQ(rs.r[0].status, COMPLIANCE_MET);
	rows_free(&rs);
	(void)err;
	world_close(&s.w);
}

int main(void)
{
	PS = T("2017-01-01T00:00:00Z");
	PE = T("2018-01-01T00:00:00Z");
	DL = T("2018-03-31T23:59:59Z");
	G_END = DL + 90ull * 86400;
	RUN(test_agreement_rules);
	RUN(test_endorsement_rules);
	RUN(test_report_rules);
	RUN(test_report_range);
	RUN(test_attestation_rules);
	RUN(test_challenge_resolution_rules);
	RUN(test_governance_evidence_rules);
	RUN(test_overlay_dry_run);
	RUN(test_bad_entries);
	RUN(test_cost_per_entry);
	return 0;
}
