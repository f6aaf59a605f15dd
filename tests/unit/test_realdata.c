/* test_realdata.c - issue 12's data half against a real registry: a year
 * of the EU ETS in Luxembourg (../shared/data/domain/
 * eutl_LU_verified_emissions_long.csv, EU Transaction Log, CC BY 4.0)
 * loaded with its real deadline, on time and as history entered years
 * late, every status checked against the EU's own compliance code; the
 * whole file as one agreement of more than 256 obligations; greenhouse
 * gas units and GWP conversion; compensation paid to a fund of genesis
 * (specs/compliance.md §2.3, §6, §9.5; specs/encoding.md §3.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.h"
#include "tests/unit/test_state_fixture.h"

#define DAY 86400ull
#define EUTL_CSV SHARED_DATA "domain/eutl_LU_verified_emissions_long.csv"
#define EUTL_ROWS_MAX 512
#define YEAR 2015

/* One installation-year of the file. Figures in whole tonnes CO2e; -1
 * where the file says "NA", "Not Reported" or "Excluded". */
struct iy {
	char id[16];
	int year;
	int64_t verified;
	int64_t surrendered;
	char code[4]; /* A, A*, B, C, NA, - */
	bool excluded; /* verified emissions "Excluded" */
};

static int64_t num_or_none(const char *s)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	long long v = strtoll(s, &end, 10);
	ASSERT(*end == 0);
	return v;
}

static size_t read_eutl(struct iy *out)
{
	FILE *f = fopen(EUTL_CSV, "rb");
	static char buf[256 * 1024];
	struct csv_reader r;
	struct csv_record rec;
	size_t n = 0, len;
	if (f == NULL)
		FAIL_AT("cannot open %s", EUTL_CSV);
	len = fread(buf, 1, sizeof buf, f);
	ASSERT(len > 0 && len < sizeof buf);
	fclose(f);
	csv_reader_init(&r, buf, len);
	ASSERT_EQ(csv_record_next(&r, &rec, NULL), 1);
	ASSERT_EQ(rec.n, 9);
	ASSERT_STR_EQ(rec.field[1], "installation_id");
	ASSERT_STR_EQ(rec.field[5], "verified_emissions_tco2e");
	ASSERT_STR_EQ(rec.field[6], "units_surrendered");
	ASSERT_STR_EQ(rec.field[8], "compliance_code");
	while (csv_record_next(&r, &rec, NULL) == 1) {
		ASSERT_EQ(rec.n, 9);
		ASSERT(n < EUTL_ROWS_MAX);
		struct iy *x = &out[n++];
		memset(x, 0, sizeof *x);
		ASSERT(strlen(rec.field[1]) < sizeof x->id);
		strcpy(x->id, rec.field[1]);
		x->year = atoi(rec.field[4]);
		x->verified = num_or_none(rec.field[5]);
		x->excluded = strcmp(rec.field[5], "Excluded") == 0;
		x->surrendered = num_or_none(rec.field[6]);
		ASSERT(strlen(rec.field[8]) < sizeof x->code);
		strcpy(x->code, rec.field[8]);
	}
	csv_reader_free(&r);
	return n;
}

/* The genesis of this test: Luxembourg as the party (the member state
 * reports for its installations), an accredited verifier and the state
 * treasury as a fund (keys from the fixture seeds of CN-BJ and CNEMC). */
static void lu_world(struct world *w)
{
	char lu[65], ver[65], n0[65], t[2048];
	world_open(w);
	genesis_free(&w->g);
	fixture_pk_hex(lu, SEED_BJ);
	fixture_pk_hex(ver, SEED_CNEMC);
	fixture_pk_hex(n0, SEED_NODE0);
	snprintf(t, sizeof t,
		 "{\"chain_id\": \"" TEST_CHAIN_ID "\","
		 "\"genesis_time\": \"2005-01-01T00:00:00Z\","
		 "\"parties\": [{\"id\": \"LU\", \"name\": \"Luxembourg\","
		 " \"keys\": [\"%s\"]}],"
		 "\"validators\": [{\"name\": \"node0\", \"party\": \"LU\","
		 " \"key\": \"%s\", \"address\": \"127.0.0.1:9700\"}],"
		 "\"verifiers\": [{\"id\": \"LU-VERIF\", \"name\": \"An "
		 "accredited EU ETS verifier\", \"key\": \"%s\"}],"
		 "\"funds\": [{\"id\": \"LU-STATE\", \"name\": \"Luxembourg "
		 "State Treasury (EU ETS excess emissions penalties)\"}]}",
		 lu, n0, ver);
	ASSERT_OK(genesis_from_json_text(&w->g, t, strlen(t), &w->err));
}

static uint64_t jan1(int year)
{
	char s[32];
	snprintf(s, sizeof s, "%04d-01-01T00:00:00Z", year);
	return T(s);
}

/* EU ETS: verified emissions of year Y and the allowances that cover
 * them are due by 30 April of Y + 1 (Directive 2003/87/EC, Art. 12(3));
 * code C is "verified emissions not entered by 30 April". */
static uint64_t deadline_of(int year)
{
	char s[32];
	snprintf(s, sizeof s, "%04d-04-30T23:59:59Z", year + 1);
	return T(s);
}

/* An installation-year is an obligation unless the installation was
 * excluded from the scheme that year (verified emissions "Excluded"
 * under a code other than C). */
static bool is_obligation(const struct iy *x)
{
	return !(x->excluded && strcmp(x->code, "C") != 0);
}

/* The obligation's default (compliance §6.4): the installation's highest
 * verified emissions in the file plus a fifth, a conservative estimate as
 * the MRR's Art. 70 asks of the authority; at least 1 t over the target. */
static int64_t default_of(const struct iy *all, size_t n, const struct iy *x,
			  int64_t target_t)
{
	int64_t hi = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].id, x->id) == 0 && all[i].verified > hi)
			hi = all[i].verified;
	hi += hi / 5;
	return hi > target_t ? hi : target_t + 1;
}

/* The scope of an installation's obligation: "installation 5". */
static void scope_of(char *out, size_t cap, const struct iy *x)
{
	snprintf(out, cap, "installation %s", x->id);
}

/* Append the obligation of installation-year x to e. The target is the
 * allowances it surrendered ("NA": none), so the row is met iff they
 * cover the verified emissions: the EU's code A. */
static void obligation_of(struct entry *e, const struct iy *all, size_t n,
			  const struct iy *x)
{
	char scope[64];
	int64_t target = x->surrendered > 0 ? x->surrendered : 0;
	scope_of(scope, sizeof scope, x);
	agreement_obligation(e, "LU", scope, POLLUTANT_CO2E,
			     METRIC_TOTAL_EMISSIONS, target * 1000,
			     jan1(x->year), jan1(x->year + 1),
			     deadline_of(x->year));
	struct obligation *o =
	    &e->agreement.obligations[e->agreement.obligation_count - 1];
	o->default_value = default_of(all, n, x, target) * 1000;
}

/* The agreement of the installation-years of year (0 = every year),
 * recorded at t: EUR 100 per tonne of excess emissions to the state
 * (Directive 2003/87/EC, Art. 16(3)). */
static void load_agreement(struct world *w, const struct iy *all, size_t n,
			   int year, uint64_t t, uint8_t aid[HASH_BYTES],
			   size_t *count)
{
	struct entry e;
	agreement_init(&e, "EU ETS Luxembourg: verified emissions covered by "
			   "surrendered allowances",
		       "LU", "LU-VERIF", 0, 1, 1);
	agreement_compensation(&e, 100000, "EUR", "LU-STATE");
	for (size_t i = 0; i < n; i++)
		if ((year == 0 || all[i].year == year) && is_obligation(&all[i]))
			obligation_of(&e, all, n, &all[i]);
	*count = e.agreement.obligation_count;
	ASSERT_OK(world_submit(w, &e, W_BJ, t, aid));
}

/* Report (and verify) every installation-year of year that has a figure,
 * the report at rt(x) and its attestation an hour later. */
static size_t load_reports(struct world *w, const uint8_t aid[HASH_BYTES],
			   const struct iy *all, size_t n, int year,
			   uint64_t (*rt)(const struct iy *))
{
	struct entry e;
	uint8_t rid[HASH_BYTES];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct iy *x = &all[i];
		char scope[64];
		if ((year != 0 && x->year != year) || !is_obligation(x) ||
		    x->verified < 0 || strcmp(x->code, "C") == 0)
			continue;
		scope_of(scope, sizeof scope, x);
		report_init(&e, aid, "LU", scope, POLLUTANT_CO2E,
			    METRIC_TOTAL_EMISSIONS, jan1(x->year),
			    jan1(x->year + 1), x->verified * 1000, NULL);
		e.report.unit = UNIT_T_CO2E;
		ASSERT_OK(world_submit(w, &e, W_BJ, rt(x), rid));
		attestation_init(&e, rid, OPINION_VERIFIED);
		ASSERT_OK(world_submit(w, &e, W_CNEMC, rt(x) + 3600, NULL));
		k++;
	}
	return k;
}

/* The file's row of a compliance row (by scope and period). */
static const struct iy *iy_of(const struct iy *all, size_t n,
			      const struct row_copy *r, int year)
{
	for (size_t i = 0; i < n; i++) {
		char scope[64];
		scope_of(scope, sizeof scope, &all[i]);
		if (all[i].year == year && strcmp(scope, r->scope) == 0)
			return &all[i];
	}
	FAIL_AT("no file row for %s", r->scope);
	return NULL;
}

/* Every row of year against the EU's code: A and A* met, B missed with
 * EUR 100 per tonne of excess to the fund, C not_reported at the
 * default. late: whether the reports were late. Returns the statuses
 * counted. */
static void check_year(const struct rows *rs, const struct iy *all, size_t n,
		       bool late, uint64_t reported, int counts[8])
{
	memset(counts, 0, 8 * sizeof counts[0]);
	for (size_t i = 0; i < rs->n; i++) {
		const struct row_copy *r = &rs->r[i];
		const struct iy *x = iy_of(all, n, r, YEAR);
		counts[r->status]++;
		if (strcmp(x->code, "C") == 0) {
			ASSERT_EQ(r->status, COMPLIANCE_NOT_REPORTED);
			ASSERT(!r->has_report);
			ASSERT(strstr(r->json, "\"assessed\":\"default\""));
			ASSERT(r->has_compensation && r->compensation > 0);
			continue;
		}
		ASSERT(r->has_report && r->has_value);
		ASSERT_EQ(r->reported, x->verified * 1000);
		ASSERT_EQ(r->late, late);
		if (late)
			ASSERT_EQ(r->days_late,
				  (reported - deadline_of(YEAR) + DAY - 1) /
				      DAY);
		else
			ASSERT_EQ(r->days_late, 0);
		int64_t cover = x->surrendered > 0 ? x->surrendered : 0;
		if (strcmp(x->code, "B") == 0) {
			ASSERT_EQ(r->status, COMPLIANCE_MISSED);
			ASSERT_EQ(r->shortfall, (x->verified - cover) * 1000);
			/* EUR 100 per tonne: the excess times 100, paid to
			 * the state's fund, not to a party. */
			ASSERT_EQ(r->compensation,
				  (x->verified - cover) * 100 * 1000);
			ASSERT(strstr(r->json, "\"payee\":\"LU-STATE\""));
			ASSERT(strstr(r->json, "\"fund\":true"));
		} else {
			ASSERT(strcmp(x->code, "A") == 0 ||
			       strcmp(x->code, "A*") == 0);
			ASSERT_EQ(r->status, COMPLIANCE_MET);
			ASSERT_EQ(r->compensation, 0);
		}
		ASSERT(strstr(r->json, "\"unit\":\"t CO2e\""));
	}
}

static uint64_t on_time(const struct iy *x)
{
	/* 31 March: the verified report's own deadline (MRR Art. 68). */
	char s[32];
	snprintf(s, sizeof s, "%04d-03-31T12:00:00Z", x->year + 1);
	return T(s);
}

static uint64_t today(const struct iy *x)
{
	(void)x;
	return T("2026-12-01T00:00:00Z");
}

/* The year as it happened: the agreement in force before the year, the
 * reports on time, the C installations silent. */
static void test_year_on_time(void)
{
	struct world w;
	struct iy *all = calloc(EUTL_ROWS_MAX, sizeof *all);
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[HASH_BYTES];
	size_t count, n, reports;
	int st[8];
	ASSERT(all != NULL && rs != NULL);
	n = read_eutl(all);
	ASSERT_EQ(n, 421);
	lu_world(&w);
	load_agreement(&w, all, n, YEAR, jan1(YEAR), aid, &count);
	ASSERT_EQ(count, 27); /* 29 installations, 2 excluded in 2015 */
	reports = load_reports(&w, aid, all, n, YEAR, on_time);
	ASSERT_EQ(reports, 25);

	/* Before the deadline, the silent ones are pending. */
	ASSERT_OK(rows_eval(&w, rs, deadline_of(YEAR), NULL, aid));
	ASSERT_EQ(rs->n, count);
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->r[i].has_report)
			ASSERT_EQ(rs->r[i].status, COMPLIANCE_PENDING);
	/* After it (no grace in the EU ETS): every code. */
	ASSERT_OK(rows_eval(&w, rs, deadline_of(YEAR) + 1, NULL, aid));
	check_year(rs, all, n, false, 0, st);
	ASSERT_EQ(st[COMPLIANCE_MET], 23);
	ASSERT_EQ(st[COMPLIANCE_MISSED], 2);
	ASSERT_EQ(st[COMPLIANCE_NOT_REPORTED], 2);

	/* Production de verre plat (installation 5): 111,548 t verified,
	 * 110,548 surrendered: EUR 100,000 to the state. */
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].scope, "installation 5") == 0)
			ASSERT_EQ(rs->r[i].compensation, 100000 * 1000LL);
	rows_free(rs);
	world_close(&w);
	free(rs);
	free(all);
}

/* The same year entered as history today, with its real 2016 deadline:
 * the agreement is accepted (R34), every report is late by over ten
 * years and decides by its value; the silent ones stay not_reported. A
 * late report for a C installation would then decide it, late, too. */
static void test_year_as_history(void)
{
	struct world w;
	struct iy *all = calloc(EUTL_ROWS_MAX, sizeof *all);
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[HASH_BYTES], rid[HASH_BYTES];
	uint64_t now = today(NULL);
	size_t count, n;
	int st[8];
	ASSERT(all != NULL && rs != NULL);
	n = read_eutl(all);
	lu_world(&w);
	load_agreement(&w, all, n, YEAR, now - 7 * DAY, aid, &count);
	/* Recorded after its window: silence is assessed at once. */
	ASSERT_OK(rows_eval(&w, rs, now - 7 * DAY, NULL, aid));
	for (size_t i = 0; i < rs->n; i++)
		ASSERT_EQ(rs->r[i].status, COMPLIANCE_NOT_REPORTED);
	ASSERT_EQ(load_reports(&w, aid, all, n, YEAR, today), 25);
	ASSERT_OK(rows_eval(&w, rs, now + DAY, NULL, aid));
	check_year(rs, all, n, true, now, st);
	ASSERT_EQ(st[COMPLIANCE_MET], 23);
	ASSERT_EQ(st[COMPLIANCE_MISSED], 2);
	ASSERT_EQ(st[COMPLIANCE_NOT_REPORTED], 2);
	ASSERT(strstr(rs->r[0].json, "\"days_late\":3867") != NULL);

	/* A late figure for a silent installation (Luxlait, 10): it now
	 * exists, so the row follows it: unverified at the default until
	 * attested, then met or missed by its value, marked late. */
	struct entry e;
	report_init(&e, aid, "LU", "installation 10", POLLUTANT_CO2E,
		    METRIC_TOTAL_EMISSIONS, jan1(YEAR), jan1(YEAR + 1),
		    5000, NULL);
	e.report.unit = UNIT_KT_CO2E; /* 5 kt = 5,000 t CO2e */
	ASSERT_EQ(world_submit(&w, &e, W_BJ, now + 2 * DAY, rid), 0);
	ASSERT_OK(rows_eval(&w, rs, now + 2 * DAY, "LU", aid));
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].scope, "installation 10") == 0) {
			ASSERT_EQ(rs->r[i].status, COMPLIANCE_UNVERIFIED);
			ASSERT_EQ(rs->r[i].reported, 5000 * 1000LL);
		}
	attestation_init(&e, rid, OPINION_VERIFIED);
	ASSERT_OK(world_submit(&w, &e, W_CNEMC, now + 3 * DAY, NULL));
	ASSERT_OK(rows_eval(&w, rs, now + 3 * DAY, "LU", aid));
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].scope, "installation 10") == 0) {
			/* Nothing surrendered: 5,000 t of excess. */
			ASSERT_EQ(rs->r[i].status, COMPLIANCE_MISSED);
			ASSERT(rs->r[i].late);
			ASSERT_EQ(rs->r[i].compensation, 500000 * 1000LL);
		}
	rows_free(rs);
	world_close(&w);
	free(rs);
	free(all);
}

/* The whole file, 2005-2022, as one agreement: more obligations than the
 * old bound of 256 (issue 12 item 5), each year with its own deadline. */
static void test_whole_registry(void)
{
	struct world w;
	struct iy *all = calloc(EUTL_ROWS_MAX, sizeof *all);
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[HASH_BYTES];
	size_t count, n, met = 0, missed = 0, silent = 0;
	ASSERT(all != NULL && rs != NULL);
	n = read_eutl(all);
	lu_world(&w);
	load_agreement(&w, all, n, 0, jan1(2005), aid, &count);
	ASSERT(count > 256);
	(void)load_reports(&w, aid, all, n, 0, on_time);
	ASSERT_OK(rows_eval(&w, rs, deadline_of(2022) + 1, NULL, aid));
	ASSERT_EQ(rs->n, count);
	for (size_t i = 0; i < n; i++) {
		const struct iy *x = &all[i];
		if (!is_obligation(x))
			continue;
		if (x->verified < 0 || strcmp(x->code, "C") == 0)
			silent++;
		else if (x->verified <= (x->surrendered > 0 ? x->surrendered
							    : 0))
			met++;
		else
			missed++;
	}
	size_t got[8] = {0};
	for (size_t i = 0; i < rs->n; i++)
		got[rs->r[i].status]++;
	ASSERT_EQ(got[COMPLIANCE_MET], met);
	ASSERT_EQ(got[COMPLIANCE_MISSED], missed);
	ASSERT_EQ(got[COMPLIANCE_NOT_REPORTED], silent);
	ASSERT_EQ(met + missed + silent, count);
	rows_free(rs);
	world_close(&w);
	free(rs);
	free(all);
}

/* Encoding §3.1: units and conversion to t CO2e, refusals. */
static void test_greenhouse_gases(void)
{
	int64_t v;
	ASSERT_EQ(obligation_unit(POLLUTANT_CH4, METRIC_TOTAL_EMISSIONS),
		  UNIT_T_CO2E);
	ASSERT_EQ(obligation_unit(POLLUTANT_CO2, METRIC_TOTAL_EMISSIONS),
		  UNIT_T);
	ASSERT_EQ(obligation_unit(POLLUTANT_SO2, METRIC_TOTAL_EMISSIONS),
		  UNIT_T);
	ASSERT_OK(report_value_convert(POLLUTANT_CH4, METRIC_TOTAL_EMISSIONS,
				       UNIT_T, 1000, &v));
	ASSERT_EQ(v, 28000);
	ASSERT_OK(report_value_convert(POLLUTANT_N2O, METRIC_TOTAL_EMISSIONS,
				       UNIT_T, 2000, &v));
	ASSERT_EQ(v, 530000);
	ASSERT_OK(report_value_convert(POLLUTANT_SF6, METRIC_TOTAL_EMISSIONS,
				       UNIT_T, 1, &v));
	ASSERT_EQ(v, 23500);
	ASSERT_OK(report_value_convert(POLLUTANT_CO2E, METRIC_TOTAL_EMISSIONS,
				       UNIT_MT_CO2E, 1234567, &v));
	ASSERT_EQ(v, 1234567000000LL);
	ASSERT_OK(report_value_convert(POLLUTANT_CO2, METRIC_TOTAL_EMISSIONS,
				       UNIT_KT_CO2E, 1500, &v));
	ASSERT_EQ(v, 1500000);
	/* Families and the basket have no mass of their own. */
	ASSERT(!report_unit_valid(POLLUTANT_HFCS, METRIC_TOTAL_EMISSIONS,
				  UNIT_T));
	ASSERT(!report_unit_valid(POLLUTANT_CO2E, METRIC_TOTAL_EMISSIONS,
				  UNIT_T));
	ASSERT(report_unit_valid(POLLUTANT_PFCS, METRIC_TOTAL_EMISSIONS,
				 UNIT_KT_CO2E));
	/* CO2e units are for emissions of greenhouse gases only. */
	ASSERT(!report_unit_valid(POLLUTANT_SO2, METRIC_TOTAL_EMISSIONS,
				  UNIT_T_CO2E));
	ASSERT(!report_unit_valid(POLLUTANT_CH4, METRIC_PERCENT_REDUCTION,
				  UNIT_T_CO2E));
	ASSERT_EQ(report_value_convert(POLLUTANT_HFCS, METRIC_TOTAL_EMISSIONS,
				       UNIT_T, 1000, &v),
		  ACC_EINVAL);
	/* 10^12 Mt is beyond any quantity. */
	ASSERT_EQ(report_value_convert(POLLUTANT_CO2E, METRIC_TOTAL_EMISSIONS,
				       UNIT_MT_CO2E, 1000000000000000LL, &v),
		  ACC_ERANGE);
	ASSERT_EQ(unit_parse("kt CO2e"), UNIT_KT_CO2E);
	ASSERT_STR_EQ(pollutant_name(POLLUTANT_SF6), "SF6");

	/* Through the rules: a CH4 obligation in t CO2e, a report of the
	 * gas's mass converted by its GWP; a SO2 report in t CO2e and a HFC
	 * report in t refused by entry_check. */
	struct world w;
	struct entry e;
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[HASH_BYTES], rid[HASH_BYTES];
	ASSERT(rs != NULL);
	lu_world(&w);
	agreement_init(&e, "landfill methane", "LU", "LU-VERIF", 0, 1, 1);
	agreement_obligation(&e, "LU", "landfills", POLLUTANT_CH4,
			     METRIC_TOTAL_EMISSIONS, 100000000, jan1(2020),
			     jan1(2021), deadline_of(2020));
	agreement_obligation(&e, "LU", "cooling", POLLUTANT_HFCS,
			     METRIC_TOTAL_EMISSIONS, 50000000, jan1(2020),
			     jan1(2021), deadline_of(2020));
	ASSERT_OK(world_submit(&w, &e, W_BJ, jan1(2020), aid));
	report_init(&e, aid, "LU", "landfills", POLLUTANT_CH4,
		    METRIC_TOTAL_EMISSIONS, jan1(2020), jan1(2021), 3000000,
		    NULL); /* 3,000 t CH4 = 84,000 t CO2e */
	ASSERT_OK(world_submit(&w, &e, W_BJ, jan1(2021), rid));
	attestation_init(&e, rid, OPINION_VERIFIED);
	ASSERT_OK(world_submit(&w, &e, W_CNEMC, jan1(2021), NULL));
	report_init(&e, aid, "LU", "cooling", POLLUTANT_HFCS,
		    METRIC_TOTAL_EMISSIONS, jan1(2020), jan1(2021), 1000, NULL);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, jan1(2021), NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "unit t does not fit HFCs") != NULL);
	w.skip_check = true; /* the rules' own guard (R15) */
	report_init(&e, aid, "LU", "cooling", POLLUTANT_HFCS,
		    METRIC_TOTAL_EMISSIONS, jan1(2020), jan1(2021), 1000, NULL);
	ASSERT_EQ(world_submit(&w, &e, W_BJ, jan1(2021), NULL), ACC_EMISMATCH);
	ASSERT(strstr(w.err.msg, "R15:") != NULL);
	w.skip_check = false;
	ASSERT_OK(rows_eval(&w, rs, jan1(2021), NULL, aid));
	ASSERT_EQ(rs->n, 2);
	ASSERT_EQ(rs->r[0].status, COMPLIANCE_MET);
	ASSERT_EQ(rs->r[0].reported, 84000 * 1000LL);
	ASSERT(strstr(rs->r[0].json, "\"unit\":\"t CO2e\"") != NULL);
	rows_free(rs);
	world_close(&w);
	free(rs);
}

/* Compensation to a fund, to a party, to the others (§6.3; R4). */
static void test_payees(void)
{
	struct world w;
	struct entry e;
	struct rows *rs = calloc(1, sizeof *rs);
	uint8_t aid[HASH_BYTES];
	ASSERT(rs != NULL);
	lu_world(&w);
	/* A one-party agreement paying a party (itself) is refused; an
	 * unknown fund too; a genesis fund is accepted. */
	for (int c = 0; c < 3; c++) {
		agreement_init(&e, "payee", "LU", "LU-VERIF", 0, 1, 1);
		agreement_obligation(&e, "LU", "", POLLUTANT_CO2E,
				     METRIC_TOTAL_EMISSIONS, 1000000,
				     jan1(2020), jan1(2021), deadline_of(2020));
		agreement_compensation(&e, 100000, "EUR",
				       c == 0	? "LU"
				       : c == 1 ? "LU-FUND"
						: "LU-STATE");
		int rc = world_submit(&w, &e, W_BJ, jan1(2020), aid);
		ASSERT_EQ(rc, c == 2 ? 0 : ACC_ERULE);
	}
	w.skip_check = true; /* R4 itself, behind entry_check */
	agreement_init(&e, "payee", "LU", "LU-VERIF", 0, 1, 1);
	agreement_obligation(&e, "LU", "x", POLLUTANT_CO2E,
			     METRIC_TOTAL_EMISSIONS, 1000000, jan1(2020),
			     jan1(2021), deadline_of(2020));
	agreement_compensation(&e, 100000, "EUR", "LU-FUND");
	ASSERT_EQ(world_submit(&w, &e, W_BJ, jan1(2020), NULL), ACC_ERULE);
	ASSERT(strstr(w.err.msg, "R4:") != NULL);
	w.skip_check = false;
	/* Silence after the deadline: the default to the fund. */
	ASSERT_OK(rows_eval(&w, rs, deadline_of(2020) + 1, NULL, aid));
	ASSERT_EQ(rs->n, 1);
	ASSERT(strstr(rs->r[0].json, "\"payee\":\"LU-STATE\"") != NULL);
	ASSERT(strstr(rs->r[0].json, "\"fund\":true") != NULL);
	rows_free(rs);
	world_close(&w);

	/* No payee named: each party's amount goes to the others. */
	world_open(&w);
	agreement_init(&e, "shared", "CN-BJ,CN-TJ,CN-HE", "CNEMC", 0, 1, 1);
	agreement_obligation(&e, "CN-TJ", "", POLLUTANT_PM25,
			     METRIC_ANNUAL_MEAN_CONCENTRATION, 35000,
			     jan1(2017), jan1(2018), deadline_of(2017));
	agreement_compensation(&e, 1000, "CNY", "CN-BJ");
	free(e.agreement.payee);
	e.agreement.payee = NULL;
	ASSERT_OK(world_submit(&w, &e, W_BJ, jan1(2017), aid));
	endorsement_init(&e, aid);
	ASSERT_OK(world_submit(&w, &e, W_TJ, jan1(2017), NULL));
	endorsement_init(&e, aid);
	ASSERT_OK(world_submit(&w, &e, W_HE, jan1(2017), NULL));
	ASSERT_OK(rows_eval(&w, rs, deadline_of(2017) + 1, NULL, aid));
	ASSERT_EQ(rs->n, 1);
	ASSERT(strstr(rs->r[0].json,
		      "\"payee\":null,\"payees\":[\"CN-BJ\",\"CN-HE\"]") !=
	       NULL);
	rows_free(rs);
	world_close(&w);
	free(rs);
}

int main(void)
{
	RUN(test_greenhouse_gases);
	RUN(test_payees);
	RUN(test_year_on_time);
	RUN(test_year_as_history);
	RUN(test_whole_registry);
	return 0;
}
