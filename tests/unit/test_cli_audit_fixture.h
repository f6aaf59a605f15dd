/* test_cli_audit_fixture.h - the entries of the audit tests' chains:
 * entry 0 is party 0's one-party agreement, every later entry a report
 * about it, so that the audit's replay of the rules (specs/compliance.md)
 * accepts the whole chain. */
#ifndef ACCORD_TESTS_CLI_AUDIT_FIXTURE_H
#define ACCORD_TESTS_CLI_AUDIT_FIXTURE_H

#include <string.h>

#include "cli/build.h"
#include "common/keyfile.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "tests/test.h"

/* The id of entry 0, set by the chain builder once it is encoded. */
static uint8_t agreement_id[HASH_BYTES];

/* Its grace period keeps the 2017 reporting window open at the chains'
 * 2023 block times. */
static void agreement_make(struct entry *e, const struct genesis *gen)
{
	struct acc_err err = {0};
	const char *party = gen->parties[0].id;
	ASSERT_OK(build_agreement_simple(
	    e, "audit test agreement", &party, 1, gen, 60000,
	    build_time(2017, 1, 1, 0, 0, 0), build_time(2018, 1, 1, 0, 0, 0),
	    build_time(2018, 3, 31, 23, 59, 59), &err));
	e->agreement.grace_days = 7305;
	e->time = 1700000000;
}

/* A report of party kf about agreement_id, distinct per n. */
static void report_make(struct entry *e, const struct keyfile *kf, uint64_t n)
{
	memset(e, 0, sizeof *e);
	e->version = ENTRY_VERSION;
	e->kind = ENTRY_REPORT;
	e->time = 1700000000 + n;
	struct report *r = &e->report;
	memcpy(r->agreement_id, agreement_id, HASH_BYTES);
	r->party = build_str(kf->id);
	r->scope = build_str("");
	r->method = build_str("test");
	r->data_source = build_str("urn:test");
	r->pollutant = POLLUTANT_PM25;
	r->metric = METRIC_ANNUAL_MEAN_CONCENTRATION;
	r->unit = UNIT_UG_M3;
	r->period_start = build_time(2017, 1, 1, 0, 0, 0);
	r->period_end = build_time(2018, 1, 1, 0, 0, 0);
	r->has_value = true;
	r->value = 50000 + (int64_t)n;
}

#endif
