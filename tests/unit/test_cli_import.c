/* test_cli_import.c - `accord import` without a node (cli/report_csv.c,
 * cli/attestation_csv.c, cli/obligation_csv.c, specs/cli.md §11.2,
 * §11.5, §11.6): good rows become correctly signed entries (or
 * obligations); every bad row is reported with its line and nothing is
 * built when any row is bad; rows are matched against a fixed agreement
 * view; export rows read back into the same entries; the committed lines
 * of a run are written as ranges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/attestation_csv.h"
#include "cli/import_submit.h"
#include "cli/obligation_csv.h"
#include "cli/report_csv.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "tests/test.h"

#define CHAIN "accord-test"
/* 2026-12-01T00:00:00Z */
#define NOW 1796083200u

#define AG "3bf8ca6211a43976a4d7461f6a05350f9df5daf7f3552161f55eeb84a83eec84"
#define AG2 "00000000000000000000000000000000000000000000000000000000000000a2"

static struct keyfile kf_he;

static void key_make(struct keyfile *kf, const char *role, const char *id,
		     uint8_t seed_byte)
{
	uint8_t seed[SEED_BYTES];
	memset(seed, seed_byte, sizeof seed);
	memset(kf, 0, sizeof *kf);
	ASSERT_OK(key_from_seed(&kf->key, seed));
	(void)snprintf(kf->role, sizeof kf->role, "%s", role);
	(void)snprintf(kf->id, sizeof kf->id, "%s", id);
}

static int build(struct report_batch *b, const char *text,
		 report_agreement_lookup_fn fn, void *ctx)
{
	struct acc_err err = {0};
	return report_csv_build(b, text, strlen(text), &kf_he, CHAIN, NOW, fn,
				ctx, &err);
}

#define HEADER REPORT_CSV_HEADER "\r\n"

static void test_good_rows_signed(void)
{
	/* A value with spaces around it, a notation key, the ug/m3 spelling,
	 * a quoted method with a comma, an uncertainty, two attachments. */
	const char *text = HEADER AG
	    ",CN-HE,,PM2.5,percent_reduction,2017-01-01T00:00:00Z,"
	    "2018-01-01T00:00:00Z, 39.8 ,%,\"provincial mean, "
	    "2013-2017\",Hebei bulletin,2.5,,\r\n" AG
	    ",CN-HE,Shijiazhuang,PM10,annual_mean_concentration,"
	    "2017-01-01T00:00:00Z,2018-01-01T00:00:00Z,154,ug/m3,station "
	    "mean,China Statistical Yearbook 2018,,,"
	    "1111111111111111111111111111111111111111111111111111111111111111;"
	    "2222222222222222222222222222222222222222222222222222222222222222"
	    "\r\n" AG ",CN-HE,Baoding,SO2,total_emissions,"
	    "2017-01-01T00:00:00Z,2018-01-01T00:00:00Z,,t,inventory,"
	    "urn:x,,NE,\r\n";
	struct report_batch b;
	ASSERT_OK(build(&b, text, NULL, NULL));
	ASSERT_EQ(b.rows, 3);
	ASSERT_EQ(b.len, 3);
	ASSERT_EQ(b.bad_len, 0);
	for (size_t i = 0; i < b.len; i++) {
		struct report_row *r = &b.items[i];
		struct acc_err err = {0};
		ASSERT_EQ(r->line, i + 2);
		/* The signature verifies for the chain, and only for it. */
		ASSERT_OK(entry_verify_sigs(r->bytes, r->len, CHAIN, &err));
		ASSERT_EQ(
		    entry_verify_sigs(r->bytes, r->len, "other-chain", &err),
		    ACC_EBADSIG);
		uint8_t id[HASH_BYTES];
		entry_id(id, r->bytes, r->len);
		ASSERT_MEM_EQ(id, r->id, HASH_BYTES);
		struct entry e;
		ASSERT_OK(entry_decode(&e, r->bytes, r->len, &err));
		ASSERT_EQ(e.kind, ENTRY_REPORT);
		ASSERT_U64_EQ(e.time, NOW);
		ASSERT_EQ(e.sig_count, 1);
		ASSERT_MEM_EQ(e.sigs[0].key, kf_he.key.pk, PUBKEY_BYTES);
		ASSERT_STR_EQ(e.report.party, "CN-HE");
		uint64_t t0, t1;
		ASSERT_OK(fixed_time_parse(&t0, "2017-01-01T00:00:00Z", &err));
		ASSERT_OK(fixed_time_parse(&t1, "2018-01-01T00:00:00Z", &err));
		ASSERT_U64_EQ(e.report.period_start, t0);
		ASSERT_U64_EQ(e.report.period_end, t1);
		entry_free(&e);
	}
	struct report *r0 = &b.items[0].e.report, *r1 = &b.items[1].e.report,
		      *r2 = &b.items[2].e.report;
	ASSERT(r0->has_value);
	ASSERT_EQ(r0->value, 39800);
	ASSERT_EQ(r0->unit, UNIT_PERCENT);
	ASSERT_EQ(r0->metric, METRIC_PERCENT_REDUCTION);
	ASSERT_STR_EQ(r0->method, "provincial mean, 2013-2017");
	ASSERT(r0->has_uncertainty);
	ASSERT_EQ(r0->uncertainty, 2500);
	ASSERT_STR_EQ(r1->scope, "Shijiazhuang");
	ASSERT_EQ(r1->pollutant, POLLUTANT_PM10);
	ASSERT_EQ(r1->unit, UNIT_UG_M3);
	ASSERT_EQ(r1->value, 154000);
	ASSERT_EQ(r1->attachment_count, 2);
	ASSERT_EQ(r1->attachments[1][31], 0x22);
	ASSERT(!r2->has_value);
	ASSERT_STR_EQ(r2->notation_key, "NE");
	ASSERT_EQ(r2->unit, UNIT_T);
	report_batch_free(&b);

	/* Columns in another order, the optional ones left out, LF ends. */
	const char *moved =
	    "party,agreement,value,unit,scope,pollutant,metric,period_start,"
	    "period_end,method,data_source\n"
	    "CN-HE," AG ",65,µg/m³,,PM2.5,annual_mean_concentration,"
	    "2017-01-01T00:00:00Z,2018-01-01T00:00:00Z,m,s\n";
	ASSERT_OK(build(&b, moved, NULL, NULL));
	ASSERT_EQ(b.len, 1);
	ASSERT_EQ(b.items[0].e.report.value, 65000);
	ASSERT(!b.items[0].e.report.has_uncertainty);
	report_batch_free(&b);
}

/* Lines of the bad rows, in order, as one string "3,5,9". */
static const char *bad_lines(const struct report_batch *b)
{
	static char out[512];
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < b->bad_len; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%llu",
				      i ? "," : "",
				      (unsigned long long)b->bad[i].line);
	return out;
}

static const char *bad_at(const struct report_batch *b, uint64_t line)
{
	for (size_t i = 0; i < b->bad_len; i++)
		if (b->bad[i].line == line)
			return b->bad[i].msg;
	return "";
}

#define ROW(party, scope, pol, metric, t0, t1, value, unit, rest)         \
	AG "," party "," scope "," pol "," metric "," t0 "," t1 "," value \
	   "," unit ",m,s," rest "\n"
#define Y0 "2017-01-01T00:00:00Z"
#define Y1 "2018-01-01T00:00:00Z"

static void test_every_bad_row_reported(void)
{
	const char *text = HEADER
	    /* 2 good */
	    ROW("CN-HE", "", "PM2.5", "annual_mean_concentration", Y0, Y1, "65",
		"µg/m³", ",,")
	    /* 3 more than 3 decimals */
	    ROW("CN-HE", "a", "PM2.5", "annual_mean_concentration", Y0, Y1,
		"60.1234", "µg/m³", ",,")
	    /* 4 unknown unit */
	    ROW("CN-HE", "b", "PM2.5", "annual_mean_concentration", Y0, Y1,
		"60", "mg/m3", ",,")
	    /* 5 unit of another metric */
	    ROW("CN-HE", "c", "PM2.5", "annual_mean_concentration", Y0, Y1,
		"60", "t", ",,")
	    /* 6 a date, not a time */
	    ROW("CN-HE", "d", "PM2.5", "annual_mean_concentration",
		"2017-01-01", Y1, "60", "µg/m³", ",,")
	    /* 7 neither value nor notation key */
	    ROW("CN-HE", "e", "PM2.5", "annual_mean_concentration", Y0, Y1, "",
		"µg/m³", ",,")
	    /* 8 both */
	    ROW("CN-HE", "f", "PM2.5", "annual_mean_concentration", Y0, Y1,
		"60", "µg/m³", ",NE,")
	    /* 9 a report about another party */
	    ROW("CN-BJ", "", "PM2.5", "annual_mean_concentration", Y0, Y1, "58",
		"µg/m³", ",,")
	    /* 10 short agreement id */
	    "3bf8ca6211a4,CN-HE,g,PM2.5,annual_mean_concentration," Y0 "," Y1
	    ",60,µg/m³,m,s,,,\n"
	    /* 11 too few fields */
	    "x,y\n"
	    /* 12-13 a multi-line quoted scope (good, starts on line 12) */
	    AG ",CN-HE,\"two\nlines\",PM2.5,annual_mean_concentration," Y0
	    "," Y1 ",61,µg/m³,m,s,,,\n"
	    /* 14 unknown pollutant and metric, negative value, period
	     * reversed: every problem of the row in one message */
	    ROW("CN-HE", "h", "PM1", "mean", Y1, Y0, "-5", "µg/m³", ",,")
	    /* 15 a stray quote */
	    ROW("CN-HE", "i\"j", "PM2.5", "annual_mean_concentration", Y0, Y1,
		"60", "µg/m³", ",,")
	    /* 16 the same obligation as line 2 */
	    ROW("CN-HE", "", "PM2.5", "annual_mean_concentration", Y0, Y1, "64",
		"µg/m³", ",,")
	    /* 17 a scope over NAME_BYTES_MAX (caught by the encoder) */
	    ROW("CN-HE",
		"0123456789012345678901234567890123456789012345678901234567890"
		"1234567890123456789012345678901234567890123456789012345678901"
		"234567890",
		"PM2.5", "annual_mean_concentration", Y0, Y1, "60", "µg/m³",
		",,")
	    /* 18 bad attachment, negative uncertainty */
	    ROW("CN-HE", "k", "PM2.5", "annual_mean_concentration", Y0, Y1,
		"60", "µg/m³", "-1,,abc")
	    /* 19 a method that is not UTF-8 */
	    AG ",CN-HE,l,PM2.5,annual_mean_concentration," Y0 "," Y1
	       ",60,µg/m³,\xff\xfe,s,,,\n";
	struct report_batch b;
	struct acc_err err = {0};
	int rc = report_csv_build(&b, text, strlen(text), &kf_he, CHAIN, NOW,
				  NULL, NULL, &err);
	ASSERT_EQ(rc, ACC_EINVAL);
	/* Nothing built. */
	ASSERT_EQ(b.len, 0);
	ASSERT(b.items == NULL);
	ASSERT_EQ(b.rows, 17);
	ASSERT_STR_EQ(bad_lines(&b), "3,4,5,6,7,8,9,10,11,14,15,16,17,18,19");
	ASSERT(strstr(bad_at(&b, 3), "more than 3 decimals") != NULL);
	ASSERT(strstr(bad_at(&b, 4), "unit \"mg/m3\"") != NULL);
	ASSERT(strstr(bad_at(&b, 5), "does not match metric") != NULL);
	ASSERT(strstr(bad_at(&b, 6), "period_start \"2017-01-01\"") != NULL);
	ASSERT(strstr(bad_at(&b, 7), "no value") != NULL);
	ASSERT(strstr(bad_at(&b, 8), "both value and notation_key") != NULL);
	ASSERT(strstr(bad_at(&b, 9), "the key is CN-HE's") != NULL);
	ASSERT(strstr(bad_at(&b, 10), "64-hex-digit") != NULL);
	ASSERT(strstr(bad_at(&b, 11), "2 fields, the header has 14") != NULL);
	const char *m14 = bad_at(&b, 14);
	ASSERT(strstr(m14, "pollutant \"PM1\"") != NULL);
	ASSERT(strstr(m14, "metric \"mean\"") != NULL);
	ASSERT(strstr(m14, "period_start is not before period_end") != NULL);
	ASSERT(strstr(bad_at(&b, 15), "quote") != NULL);
	ASSERT(strstr(bad_at(&b, 16), "as line 2") != NULL);
	ASSERT(strstr(bad_at(&b, 17), "scope") != NULL);
	ASSERT(strstr(bad_at(&b, 18), "uncertainty -1 is negative") != NULL);
	ASSERT(strstr(bad_at(&b, 18), "attachments") != NULL);
	ASSERT(strstr(bad_at(&b, 19), "method") != NULL);
	report_batch_free(&b);
}

static void test_header_and_file(void)
{
	struct report_batch b;
	/* Missing, unknown and repeated columns: one message on line 1. */
	ASSERT_EQ(build(&b,
			"agreement,party,scope,pollutant,metric,period_start,"
			"period_end,value,unit,method,colour,method\n",
			NULL, NULL),
		  ACC_EINVAL);
	ASSERT_STR_EQ(bad_lines(&b), "1");
	ASSERT(strstr(b.bad[0].msg, "unknown column \"colour\"") != NULL);
	ASSERT(strstr(b.bad[0].msg, "column method given twice") != NULL);
	ASSERT(strstr(b.bad[0].msg, "missing column data_source") != NULL);
	report_batch_free(&b);
	/* Empty file, header only, blank lines only after the header. */
	ASSERT_EQ(build(&b, "", NULL, NULL), ACC_EINVAL);
	ASSERT_STR_EQ(bad_lines(&b), "1");
	report_batch_free(&b);
	ASSERT_EQ(build(&b, HEADER "\r\n,,,\r\n", NULL, NULL), ACC_EINVAL);
	ASSERT(strstr(b.bad[0].msg, "no data rows") != NULL);
	report_batch_free(&b);
	/* A header with an unclosed quote. */
	ASSERT_EQ(build(&b, "\"agreement,party\n", NULL, NULL), ACC_EINVAL);
	ASSERT_STR_EQ(bad_lines(&b), "1");
	report_batch_free(&b);
	/* A verifier's key signs no report: a file-level error (line 0),
	 * and the rows are still all checked. */
	struct keyfile v;
	key_make(&v, "verifier", "CNEMC", 9);
	struct acc_err err = {0};
	const char *text =
	    HEADER ROW("CN-HE", "", "PM2.5", "annual_mean_concentration", Y0,
		       Y1, "1.2.3", "µg/m³", ",,");
	ASSERT_EQ(report_csv_build(&b, text, strlen(text), &v, CHAIN, NOW, NULL,
				   NULL, &err),
		  ACC_EINVAL);
	ASSERT_STR_EQ(bad_lines(&b), "0,2");
	ASSERT(strstr(b.bad[0].msg, "verifier key") != NULL);
	report_batch_free(&b);
	keyfile_free(&v);
	/* A bare key (no role) cannot be checked against the party. */
	struct keyfile bare;
	key_make(&bare, "", "", 10);
	text = HEADER ROW("CN-BJ", "", "PM2.5", "annual_mean_concentration", Y0,
			  Y1, "58", "µg/m³", ",,");
	ASSERT_OK(report_csv_build(&b, text, strlen(text), &bare, CHAIN, NOW,
				   NULL, NULL, &err));
	ASSERT_EQ(b.len, 1);
	report_batch_free(&b);
	keyfile_free(&bare);
}

/* A node's view of two agreements (GET /v1/agreements/{id}). */
struct fake_node {
	json_t *active, *proposed;
	int calls;
	int fail;
};

static int fake_lookup(void *ctx, const uint8_t id[HASH_BYTES],
		       const json_t **view, struct acc_err *err)
{
	struct fake_node *n = ctx;
	char hex[2 * HASH_BYTES + 1];
	n->calls++;
	if (n->fail)
		return acc_err_set(err, ACC_ENET, "connection refused");
	hex_encode(hex, id, HASH_BYTES);
	if (strcmp(hex, AG) == 0)
		*view = n->active;
	else if (strcmp(hex, AG2) == 0)
		*view = n->proposed;
	else
		return ACC_ENOTFOUND;
	return 0;
}

static json_t *view_make(const char *id, const char *state)
{
	json_error_t je;
	char text[2048];
	(void)snprintf(
	    text, sizeof text,
	    "{\"id\":\"%s\",\"state\":\"%s\",\"superseded_by\":null,"
	    "\"agreement\":{\"kind\":\"agreement\",\"grace_days\":90,"
	    "\"obligations\":["
	    "{\"party\":\"CN-HE\",\"scope\":\"\",\"pollutant\":\"PM2.5\","
	    "\"metric\":\"percent_reduction\",\"target\":25,"
	    "\"period_start\":\"" Y0 "\",\"period_end\":\"" Y1 "\","
	    "\"deadline\":\"2018-03-31T23:59:59Z\",\"frequency\":\"annual\"},"
	    "{\"party\":\"CN-HE\",\"scope\":\"Shijiazhuang\","
	    "\"pollutant\":\"PM10\",\"metric\":\"annual_mean_concentration\","
	    "\"target\":70,\"period_start\":\"" Y0 "\",\"period_end\":\"" Y1
	    "\",\"deadline\":\"2026-10-31T23:59:59Z\","
	    "\"frequency\":\"annual\"}]}}",
	    id, state);
	json_t *j = json_loads(text, 0, &je);
	ASSERT(j != NULL);
	return j;
}

static void test_matched_to_obligations(void)
{
	struct fake_node n = {view_make(AG, "active"),
			      view_make(AG2, "proposed"), 0, 0};
	struct report_batch b;
	/* Shijiazhuang: deadline 2026-10-31 + 90 days is open on
	 * 2026-12-01. */
	const char *good = HEADER ROW("CN-HE", "Shijiazhuang", "PM10",
				      "annual_mean_concentration", Y0, Y1,
				      "154", "µg/m³", ",,");
	ASSERT_OK(build(&b, good, fake_lookup, &n));
	ASSERT_EQ(b.len, 1);
	report_batch_free(&b);

	const char *text = HEADER
	    /* 2 after 2018-03-31 + 90 days: late, and good (R16) */
	    ROW("CN-HE", "", "PM2.5", "percent_reduction", Y0, Y1, "39.8", "%",
		",,")
	    /* 3 no such scope */
	    ROW("CN-HE", "Baoding", "PM10", "annual_mean_concentration", Y0, Y1,
		"130", "µg/m³", ",,")
	    /* 4 another period */
	    ROW("CN-HE", "Shijiazhuang", "PM10", "annual_mean_concentration",
		"2016-01-01T00:00:00Z", "2017-01-01T00:00:00Z", "164", "µg/m³",
		",,")
	    /* 5 good */
	    ROW("CN-HE", "Shijiazhuang", "PM10", "annual_mean_concentration",
		Y0, Y1, "154", "µg/m³", ",,")
	    /* 6 an agreement the node does not have */
	    "1111111111111111111111111111111111111111111111111111111111111111"
	    ",CN-HE,,PM2.5,annual_mean_concentration," Y0 "," Y1
	    ",65,µg/m³,m,s,,,\n"
	    /* 7 an agreement not yet active */
	    AG2 ",CN-HE,,PM2.5,percent_reduction," Y0 "," Y1 ",39.8,%,m,s,,,\n";
	ASSERT_EQ(build(&b, text, fake_lookup, &n), ACC_EINVAL);
	ASSERT_EQ(b.len, 0);
	ASSERT_STR_EQ(bad_lines(&b), "3,4,6,7");
	ASSERT(strstr(bad_at(&b, 3), "no obligation") != NULL);
	ASSERT(strstr(bad_at(&b, 4), "no obligation") != NULL);
	ASSERT(strstr(bad_at(&b, 6), "is not on the node") != NULL);
	ASSERT(strstr(bad_at(&b, 7), "not active") != NULL);
	report_batch_free(&b);

	/* Superseded (R14): by AG2, active since 2026-06-01, after which
	 * Shijiazhuang's deadline (2026-10-31) falls: the obligation ended. */
	ASSERT_OK(
	    json_object_set_new(n.active, "state", json_string("superseded")));
	ASSERT_OK(
	    json_object_set_new(n.active, "superseded_by", json_string(AG2)));
	ASSERT_OK(json_object_set_new(n.proposed, "active_since",
				      json_string("2026-06-01T00:00:00Z")));
	ASSERT_EQ(build(&b, good, fake_lookup, &n), ACC_EINVAL);
	ASSERT(strstr(bad_at(&b, 2), "superseded at 2026-06-01T00:00:00Z") !=
	       NULL);
	report_batch_free(&b);
	/* Superseded after the deadline: the obligation keeps its outcome
	 * and takes reports (corrections) while its window is open. */
	ASSERT_OK(json_object_set_new(n.proposed, "active_since",
				      json_string("2026-11-15T00:00:00Z")));
	ASSERT_OK(build(&b, good, fake_lookup, &n));
	ASSERT_EQ(b.len, 1);
	report_batch_free(&b);

	/* The node failing stops the build: an error, nothing kept. */
	n.fail = 1;
	struct acc_err err = {0};
	ASSERT_EQ(report_csv_build(&b, good, strlen(good), &kf_he, CHAIN, NOW,
				   fake_lookup, &n, &err),
		  ACC_ENET);
	ASSERT_EQ(b.len, 0);
	ASSERT_EQ(b.bad_len, 0);
	ASSERT(strstr(err.msg, "connection refused") != NULL);
	json_decref(n.active);
	json_decref(n.proposed);
}

/* export -> import: the rows export writes read back into entries with
 * the same bytes (same key, chain and time). */
static void test_export_round_trip(void)
{
	const char *text = HEADER ROW("CN-HE", " leading space", "PM2.5",
				      "annual_mean_concentration", Y0, Y1,
				      "65.125", "µg/m³", "0.5,,") AG
	    ",CN-HE,\"a \"\"quoted\"\", two-line\nscope\",NOx,"
	    "total_emissions," Y0 "," Y1 ",,t,\"m,1\",s,,C,"
	    "3333333333333333333333333333333333333333333333333333333333"
	    "333333\n";
	struct report_batch a, b;
	ASSERT_OK(build(&a, text, NULL, NULL));
	ASSERT_EQ(a.len, 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT(f != NULL);
	report_csv_header_write(f);
	for (size_t i = 0; i < a.len; i++)
		report_csv_row_write(f, &a.items[i].e.report);
	ASSERT_EQ(fclose(f), 0);
	ASSERT(strncmp(buf, REPORT_CSV_HEADER "\r\n",
		       strlen(REPORT_CSV_HEADER) + 2) == 0);
	struct acc_err err = {0};
	ASSERT_OK(report_csv_build(&b, buf, len, &kf_he, CHAIN, NOW, NULL, NULL,
				   &err));
	ASSERT_EQ(b.len, a.len);
	for (size_t i = 0; i < a.len; i++) {
		ASSERT_EQ(a.items[i].len, b.items[i].len);
		ASSERT_MEM_EQ(a.items[i].bytes, b.items[i].bytes,
			      a.items[i].len);
	}
	free(buf);
	report_batch_free(&a);
	report_batch_free(&b);
}

/* --keys (issue 10, finding 15): the keys of two parties, and a key file
 * filed under the wrong party. */
struct keyset {
	struct keyfile he, bj, wrong;
	int lookups;
};

static int keyset_lookup(void *ctx, const char *party,
			 const struct keyfile **kf, struct acc_err *err)
{
	struct keyset *ks = ctx;
	ks->lookups++;
	if (strcmp(party, "CN-HE") == 0)
		*kf = &ks->he;
	else if (strcmp(party, "CN-BJ") == 0)
		*kf = &ks->bj;
	else if (strcmp(party, "CN-TJ") == 0)
		*kf = &ks->wrong; /* CN-BJ's key under CN-TJ's name */
	else
		return acc_err_set(err, ACC_ENOTFOUND, "party %s: no key file",
				   party);
	return 0;
}

/* Rows of several parties, each signed by its own party's key: export ->
 * import --keys gives back the same bytes; a missing or misfiled key is a
 * bad row and nothing is built. */
static void test_keys_per_party(void)
{
	struct keyset ks;
	memset(&ks, 0, sizeof ks);
	key_make(&ks.he, "party", "CN-HE", 7);
	key_make(&ks.bj, "party", "CN-BJ", 9);
	key_make(&ks.wrong, "party", "CN-BJ", 9);
	struct report_signer sg = {.key_for = keyset_lookup, .key_ctx = &ks};
	const char *text =
	    HEADER ROW("CN-HE", "", "PM2.5", "annual_mean_concentration", Y0,
		       Y1, "65", "µg/m³", ",,")
		ROW("CN-BJ", "", "PM2.5", "annual_mean_concentration", Y0, Y1,
		    "58", "µg/m³", ",,");
	struct report_batch a, b;
	struct acc_err err = {0};
	ASSERT_OK(report_csv_build_signed(&a, text, strlen(text), &sg, CHAIN,
					  NOW, NULL, NULL, &err));
	ASSERT_EQ(a.len, 2);
	ASSERT_EQ(a.items[0].e.sig_count, 1);
	ASSERT_MEM_EQ(a.items[0].e.sigs[0].key, ks.he.key.pk, PUBKEY_BYTES);
	ASSERT_MEM_EQ(a.items[1].e.sigs[0].key, ks.bj.key.pk, PUBKEY_BYTES);
	for (size_t i = 0; i < a.len; i++)
		ASSERT_OK(entry_verify_sigs(a.items[i].bytes, a.items[i].len,
					    CHAIN, &err));
	/* With one key only, the other party's row is refused. */
	struct acc_err e1 = {0};
	ASSERT_EQ(report_csv_build(&b, text, strlen(text), &kf_he, CHAIN, NOW,
				   NULL, NULL, &e1),
		  ACC_EINVAL);
	ASSERT_EQ(b.bad_len, 1);
	ASSERT_EQ(b.bad[0].line, 3);
	report_batch_free(&b);
	/* export -> import --keys: the same bytes. */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT(f != NULL);
	report_csv_header_write(f);
	for (size_t i = 0; i < a.len; i++)
		report_csv_row_write(f, &a.items[i].e.report);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_OK(report_csv_build_signed(&b, buf, len, &sg, CHAIN, NOW, NULL,
					  NULL, &err));
	ASSERT_EQ(b.len, a.len);
	for (size_t i = 0; i < a.len; i++) {
		ASSERT_EQ(a.items[i].len, b.items[i].len);
		ASSERT_MEM_EQ(a.items[i].bytes, b.items[i].bytes,
			      a.items[i].len);
	}
	free(buf);
	report_batch_free(&a);
	report_batch_free(&b);
	/* A party without a key, and a key filed under another party. */
	const char *bad =
	    HEADER ROW("CN-HE", "", "PM2.5", "annual_mean_concentration", Y0,
		       Y1, "65", "µg/m³", ",,")
		ROW("CN-SD", "", "PM2.5", "annual_mean_concentration", Y0, Y1,
		    "40", "µg/m³", ",,")
		    ROW("CN-TJ", "", "PM2.5", "annual_mean_concentration", Y0,
			Y1, "50", "µg/m³", ",,");
	ASSERT_EQ(report_csv_build_signed(&a, bad, strlen(bad), &sg, CHAIN, NOW,
					  NULL, NULL, &err),
		  ACC_EINVAL);
	ASSERT_EQ(a.len, 0);
	ASSERT_EQ(a.bad_len, 2);
	ASSERT_EQ(a.bad[0].line, 3);
	ASSERT(strstr(a.bad[0].msg, "party CN-SD: no key file") != NULL);
	ASSERT_EQ(a.bad[1].line, 4);
	ASSERT(strstr(a.bad[1].msg, "its key file is CN-BJ's") != NULL);
	report_batch_free(&a);
	keyfile_free(&ks.he);
	keyfile_free(&ks.bj);
	keyfile_free(&ks.wrong);
}

#define RID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define RID2 "2222222222222222222222222222222222222222222222222222222222222222"

/* specs/cli.md §11.5: attestations, signed by the one key; the entry
 * time is the one given (what makes a run again idempotent). */
static void test_attestations(void)
{
	struct keyfile v;
	struct report_batch b;
	struct acc_err err = {0};
	key_make(&v, "verifier", "CNEMC", 9);
	struct report_signer sg = {.kf = &v};
	const char *good = "report,opinion,reasons,signer\r\n" RID1
			   ",verified,\"on site, twice\",CNEMC\r\n" RID2
			   ", not_verified ,,\r\n";
	ASSERT_OK(attestation_csv_build(&b, good, strlen(good), &sg, CHAIN,
					NOW, &err));
	ASSERT_EQ(b.len, 2);
	ASSERT_EQ(b.items[1].line, 3);
	struct entry e;
	ASSERT_OK(entry_verify_sigs(b.items[0].bytes, b.items[0].len, CHAIN,
				    &err));
	ASSERT_OK(entry_decode(&e, b.items[0].bytes, b.items[0].len, &err));
	ASSERT_EQ(e.kind, ENTRY_ATTESTATION);
	ASSERT_U64_EQ(e.time, NOW);
	ASSERT_EQ(e.attestation.opinion, OPINION_VERIFIED);
	ASSERT_STR_EQ(e.attestation.reasons, "on site, twice");
	ASSERT_MEM_EQ(e.sigs[0].key, v.key.pk, PUBKEY_BYTES);
	entry_free(&e);
	ASSERT_EQ(b.items[1].e.attestation.opinion, OPINION_NOT_VERIFIED);
	/* The same file at the same time: the same entries (same ids). */
	struct report_batch b2;
	ASSERT_OK(attestation_csv_build(&b2, good, strlen(good), &sg, CHAIN,
					NOW, &err));
	ASSERT_MEM_EQ(b.items[0].id, b2.items[0].id, HASH_BYTES);
	report_batch_free(&b2);
	ASSERT_OK(attestation_csv_build(&b2, good, strlen(good), &sg, CHAIN,
					NOW + 1, &err));
	ASSERT(memcmp(b.items[0].id, b2.items[0].id, HASH_BYTES) != 0);
	report_batch_free(&b2);
	report_batch_free(&b);

	const char *bad = "report,opinion,signer\n" RID1 ",verified,\n"
			  "12,verified,\n" RID2 ",approved,\n" RID1
			  ",not_verified,\n" RID2 ",verified,CN-HE\n" RID2
			  ",verified\n";
	ASSERT_EQ(attestation_csv_build(&b, bad, strlen(bad), &sg, CHAIN, NOW,
					&err),
		  ACC_EINVAL);
	ASSERT_EQ(b.len, 0);
	ASSERT_EQ(b.bad_len, 5);
	ASSERT_EQ(b.bad[0].line, 3);
	ASSERT(strstr(b.bad[0].msg, "report \"12\" is not a 64-hex") != NULL);
	ASSERT_EQ(b.bad[1].line, 4);
	ASSERT(strstr(b.bad[1].msg, "opinion \"approved\"") != NULL);
	ASSERT_EQ(b.bad[2].line, 5);
	ASSERT(strstr(b.bad[2].msg, "same report and signer as line 2") !=
	       NULL);
	ASSERT_EQ(b.bad[3].line, 6);
	ASSERT(strstr(b.bad[3].msg, "signer CN-HE: the key is CNEMC's") !=
	       NULL);
	ASSERT_EQ(b.bad[4].line, 7);
	ASSERT(strstr(b.bad[4].msg, "2 fields, the header has 3") != NULL);
	report_batch_free(&b);

	const char *hdr = "report,verdict\n" RID1 ",verified\n";
	ASSERT_EQ(attestation_csv_build(&b, hdr, strlen(hdr), &sg, CHAIN, NOW,
					&err),
		  ACC_EINVAL);
	ASSERT_EQ(b.bad_len, 1);
	ASSERT_EQ(b.bad[0].line, 1);
	ASSERT(strstr(b.bad[0].msg, "unknown column \"verdict\"") != NULL);
	ASSERT(strstr(b.bad[0].msg, "missing column opinion") != NULL);
	report_batch_free(&b);
	ASSERT_EQ(attestation_csv_build(&b, "", 0, &sg, CHAIN, NOW, &err),
		  ACC_EINVAL);
	ASSERT_EQ(b.bad_len, 1);
	report_batch_free(&b);
	keyfile_free(&v);
}

#define AGREEMENT_JSON                                                        \
	"{\"kind\":\"agreement\",\"title\":\"t\",\"parties\":[\"CN-HE\"],"   \
	"\"obligations\":[],\"grace_days\":30,\"verification\":{"           \
	"\"verifiers\":[\"CNEMC\"],\"peer_parties_may_attest\":false,"      \
	"\"attestations_required\":1},\"resolution_threshold\":1,"          \
	"\"amendment_threshold\":1,\"challenge_days\":30,"                  \
	"\"legal_text_hash\":\"" AG "\",\"legal_text_uri\":\"u\"}"

#define OBL_Y ",2025-01-01T00:00:00Z,2026-01-01T00:00:00Z,2026-03-31T00:00:00Z"

/* specs/cli.md §11.6: obligations from a table into the template. */
static void test_obligations(void)
{
	struct report_batch b;
	struct acc_err err = {0};
	json_error_t je;
	json_t *a = json_loads(AGREEMENT_JSON, 0, &je);
	ASSERT(a != NULL);
	const char *good =
	    OBLIGATION_CSV_HEADER "\n"
	    "CN-HE, plant 1 ,CO2,total_emissions" OBL_Y
	    ",1000,2000.5,annual,2013,1500\n"
	    "CN-HE,,PM2.5,annual_mean_concentration" OBL_Y ",35,60,annual,,\n";
	ASSERT_OK(obligation_csv_fill(a, &b, good, strlen(good), &err));
	ASSERT_EQ(b.rows, 2);
	ASSERT(json_object_get(a, "time") == NULL); /* no stand-in left */
	/* The filled template is an agreement entry with both. */
	ASSERT_OK(json_object_set_new(a, "time",
				      json_string("2026-12-01T00:00:00Z")));
	struct entry e;
	ASSERT_OK(entry_from_json(&e, a, &err));
	ASSERT_EQ(e.agreement.obligation_count, 2);
	ASSERT_STR_EQ(e.agreement.obligations[0].scope, " plant 1 ");
	ASSERT_EQ(e.agreement.obligations[0].default_value, 2000500);
	ASSERT(e.agreement.obligations[0].has_baseline);
	ASSERT_EQ(e.agreement.obligations[0].baseline_year, 2013);
	ASSERT(!e.agreement.obligations[1].has_baseline);
	ASSERT_EQ(e.agreement.obligations[1].target, 35000);
	entry_free(&e);
	report_batch_free(&b);

	const char *bad =
	    OBLIGATION_CSV_HEADER "\n"
	    "CN-HE,a,CO2,total_emissions" OBL_Y ",1000,2000,annual,,\n"
	    "CN-HE,b,CO3,total_emissions" OBL_Y ",1000,2000,annual,,\n"
	    "CN-HE,c,CO2,total_emissions" OBL_Y ",1.0001,2000,annual,,\n"
	    "CN-HE,d,CO2,total_emissions" OBL_Y ",1000,2000,weekly,,\n"
	    "CN-HE,e,CO2,total_emissions" OBL_Y ",1000,2000,annual,2013,\n"
	    "CN-HE,f,CO2,total_emissions" OBL_Y ",1000,2000,annual,0213,5\n";
	ASSERT_EQ(obligation_csv_fill(a, &b, bad, strlen(bad), &err),
		  ACC_EINVAL);
	ASSERT_EQ(json_array_size(json_object_get(a, "obligations")), 0);
	ASSERT_EQ(b.bad_len, 5);
	ASSERT_EQ(b.bad[0].line, 3);
	ASSERT(strstr(b.bad[0].msg, "pollutant") != NULL);
	ASSERT_EQ(b.bad[1].line, 4);
	ASSERT(strstr(b.bad[1].msg, "target \"1.0001\"") != NULL);
	ASSERT_EQ(b.bad[2].line, 5);
	ASSERT(strstr(b.bad[2].msg, "frequency") != NULL);
	ASSERT_EQ(b.bad[3].line, 6);
	ASSERT(strstr(b.bad[3].msg, "go together") != NULL);
	ASSERT_EQ(b.bad[4].line, 7);
	ASSERT(strstr(b.bad[4].msg, "baseline_year \"0213\"") != NULL);
	report_batch_free(&b);

	/* A template that is not an agreement stops at once. */
	json_t *t = json_loads("{\"kind\":\"agreement\",\"title\":\"\"}", 0,
			       &je);
	ASSERT(t != NULL);
	int rc = obligation_csv_fill(t, &b, good, strlen(good), &err);
	ASSERT(rc != 0 && rc != ACC_EINVAL);
	ASSERT(strstr(err.msg, "the agreement: ") != NULL);
	report_batch_free(&b);
	json_decref(t);
	json_decref(a);
}

/* specs/cli.md §11.5: the lines of a state, as ranges. */
static void test_lines_write(void)
{
	struct import_item it[7];
	memset(it, 0, sizeof it);
	const uint64_t lines[7] = {2, 3, 4, 6, 7, 9, 10};
	const enum import_state st[7] = {
	    IMPORT_COMMITTED, IMPORT_COMMITTED, IMPORT_REFUSED,
	    IMPORT_COMMITTED, IMPORT_COMMITTED, IMPORT_ALREADY,
	    IMPORT_COMMITTED};
	for (int i = 0; i < 7; i++) {
		it[i].line = lines[i];
		it[i].state = st[i];
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT(f != NULL);
	import_lines_write(f, it, 7, IMPORT_COMMITTED, 20);
	fputc('|', f);
	import_lines_write(f, it, 7, IMPORT_COMMITTED, 2);
	fputc('|', f);
	import_lines_write(f, it, 7, IMPORT_NOT_COMMITTED, 20);
	fputc('|', f);
	import_lines_write(f, it, 7, IMPORT_REFUSED, 20);
	ASSERT_OK(fclose(f));
	ASSERT_STR_EQ(buf, "2-3, 6-7, 10|2-3, 6-7, …|none|4");
	free(buf);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	key_make(&kf_he, "party", "CN-HE", 7);
	RUN(test_good_rows_signed);
	RUN(test_every_bad_row_reported);
	RUN(test_header_and_file);
	RUN(test_matched_to_obligations);
	RUN(test_export_round_trip);
	RUN(test_keys_per_party);
	RUN(test_attestations);
	RUN(test_obligations);
	RUN(test_lines_write);
	keyfile_free(&kf_he);
	return 0;
}
