/* test_cli_compliance.c - printing compliance rows (cli/compliance.c,
 * specs/cli.md §11.3) from a fixed answer of GET /v1/compliance
 * (tests/vectors/compliance_rows.json): the table against
 * tests/vectors/compliance_table.txt, its alignment in terminal columns,
 * the CSV and JSON forms, and rows that are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compliance.h"
#include "cli/csv.h"
#include "ledger/genesis.h"
#include "tests/test.h"

#define ROWS "tests/vectors/compliance_rows.json"
#define TABLE "tests/vectors/compliance_table.txt"

static json_t *rows_load(void)
{
	json_error_t je;
	json_t *j = json_load_file(ROWS, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		FAIL_AT("%s: line %d: %s", ROWS, je.line, je.text);
	json_t *rows = json_incref(json_object_get(j, "rows"));
	json_decref(j);
	ASSERT(json_is_array(rows));
	return rows;
}

/* Run a printer into a string (caller frees); *rc its result. */
static char *print_to(int (*fn)(FILE *, const json_t *, struct acc_err *),
		      const json_t *j, int *rc, struct acc_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT(f != NULL);
	*rc = fn(f, j, err);
	ASSERT_EQ(fclose(f), 0);
	return buf;
}

static void test_text_cols(void)
{
	ASSERT_EQ(compliance_text_cols(""), 0);
	ASSERT_EQ(compliance_text_cols("PM2.5"), 5);
	/* µ and ³ are two bytes, one column each. */
	ASSERT_EQ(strlen("µg/m³"), 7);
	ASSERT_EQ(compliance_text_cols("µg/m³"), 5);
	ASSERT_EQ(compliance_text_cols("≤ 60"), 4);
	/* CJK is two columns per character. */
	ASSERT_EQ(compliance_text_cols("济南"), 4);
	/* A combining accent takes none. */
	ASSERT_EQ(compliance_text_cols("e\xcc\x81"), 1);
	/* Bytes that are not UTF-8 count one each. */
	ASSERT_EQ(compliance_text_cols("\xff\xfe"), 2);
	ASSERT_EQ(compliance_text_cols("\xe6\xb5"), 2);
}

static void test_table(void)
{
	json_t *rows = rows_load();
	struct acc_err err = {0};
	int rc;
	char *out = print_to(compliance_table_print, rows, &rc, &err);
	ASSERT_OK(rc);
	char *want = NULL;
	size_t len = 0;
	ASSERT_OK(cli_file_read(TABLE, 1u << 20, &want, &len, &err));
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "got:\n%s\nwant:\n%s\n", out, want);
		FAIL_AT("the table differs from %s", TABLE);
	}
	/* Alignment: the header and every row line have the same width in
	 * terminal columns up to the end of the compensation (right-aligned),
	 * although their byte lengths differ (µg/m³, ≤, 济南); then the
	 * notes column, "  notes" in the header, "  [k]…" on rows with
	 * notes and nothing on the others. */
	size_t n = json_array_size(rows), width = 0, bytes_differ = 0;
	size_t with_notes = 0;
	char *line = out;
	for (size_t i = 0; i <= n; i++) {
		char *nl = strchr(line, '\n');
		ASSERT(nl != NULL);
		*nl = '\0';
		char *notes =
		    i == 0 ? strstr(line, "  notes") : strstr(line, "  [");
		if (i == 0)
			ASSERT(notes != NULL && strcmp(notes, "  notes") == 0);
		if (notes != NULL) {
			*notes = '\0';
			with_notes++;
		}
		size_t w = compliance_text_cols(line);
		if (i == 0)
			width = w;
		ASSERT_EQ(w, width);
		bytes_differ += strlen(line) != w;
		line = nl + 1;
	}
	ASSERT_EQ(with_notes, 1 + 4);
	ASSERT(bytes_differ > 0);
	/* A blank line, then the titles; control characters never reach
	 * the terminal. */
	ASSERT(*line == '\n');
	ASSERT(strchr(line, '\x1b') == NULL && strchr(line, '\t') == NULL);
	ASSERT(strstr(line, "a525876ff84d  Tabs?and?[31mescapes?[0m") != NULL);
	/* The count by status. */
	ASSERT(strstr(line, "10 obligations: 2 met, 3 missed, 1 pending, 1 "
			    "unverified, 1 disputed, 1 not_reported, 1 "
			    "superseded\n") != NULL);
	/* What issue 10's rules produce, said in words (specs/cli.md
	 * §11.3): the default, the correction, the shares, the cap, and
	 * when a pending row stops being pending. */
	ASSERT(strstr(line, "[1] 717336b9445b CN-SD 济南: no verified figure "
			    "when reporting closed (2018-06-29T23:59:59Z): "
			    "assessed at the default, 199 µg/m³\n") != NULL);
	ASSERT(strstr(line, "[3] c0ffee000000 CN-JS: a correction awaiting "
			    "verification: 30 µg/m³") != NULL);
	ASSERT(strstr(line, "[4] c0ffee000000 CN-SH: the payer is the payee "
			    "and never owes itself: owed in equal shares to "
			    "CN-JS, CN-ZJ\n") != NULL);
	ASSERT(strstr(line, "[5] c0ffee000000 CN-SH: capped at 10^12") != NULL);
	ASSERT(strstr(want, "≥ 1000000000000 CNY shared by 2  [4][5]") != NULL);
	ASSERT(strstr(want, "pending until 2027-03-31") != NULL);
	free(out);
	free(want);

	/* No rows at all. */
	json_t *empty = json_array();
	out = print_to(compliance_table_print, empty, &rc, &err);
	ASSERT_OK(rc);
	ASSERT(strstr(out, "(no obligations)") != NULL);
	free(out);
	json_decref(empty);
	json_decref(rows);
}

static void test_csv(void)
{
	json_t *rows = rows_load();
	struct acc_err err = {0};
	int rc;
	char *out = print_to(compliance_csv_print, rows, &rc, &err);
	ASSERT_OK(rc);
	struct csv_reader r;
	struct csv_record rec;
	csv_reader_init(&r, out, strlen(out));
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 1);
	/* The header, as documented. */
	char head[1024] = "";
	for (size_t i = 0; i < rec.n; i++) {
		strcat(head, i ? "," : "");
		strcat(head, rec.field[i]);
	}
	ASSERT_STR_EQ(head, COMPLIANCE_CSV_HEADER);
	size_t cols = rec.n, k = 0;
	while (csv_record_next(&r, &rec, &err) == 1) {
		ASSERT_EQ(rec.n, cols);
		/* Full ids; quantities as exact decimals; null empty. */
		ASSERT_EQ(rec.len[0], 64);
		if (k == 1) {
			ASSERT_STR_EQ(rec.field[14], "35.4");
			ASSERT_STR_EQ(rec.field[17], "true");
		}
		if (k == 3) {
			ASSERT_STR_EQ(rec.field[20], "missed");
			ASSERT_STR_EQ(rec.field[21], "84");
			ASSERT_STR_EQ(rec.field[22], "33600000");
			ASSERT_STR_EQ(rec.field[23], "CNY");
			ASSERT_STR_EQ(rec.field[24], "CN-HE");
			ASSERT_STR_EQ(rec.field[25], "CN-BJ");
		}
		if (k == 4) {
			ASSERT_STR_EQ(rec.field[11], "");
			ASSERT_STR_EQ(rec.field[14], "");
		}
		if (k == 6) {
			/* A scope with a comma comes back whole. */
			ASSERT_STR_EQ(rec.field[3],
				      "Binhai New Area, industrial "
				      "installations over 20 MW thermal "
				      "input");
			ASSERT_STR_EQ(rec.field[13], "1250.5");
			ASSERT_STR_EQ(rec.field[15], "NE");
		}
		k++;
	}
	ASSERT_EQ(k, json_array_size(rows));
	csv_reader_free(&r);
	free(out);
	json_decref(rows);
}

/* The columns of issue 10 at the end of the CSV, and party names from a
 * genesis, in the table and the CSV. */
static void test_issue10_columns(void)
{
	json_t *rows = rows_load();
	struct acc_err err = {0};
	struct genesis_party parties[2];
	struct genesis g;
	memset(&g, 0, sizeof g);
	memset(parties, 0, sizeof parties);
	strcpy(parties[0].id, "CN-SD");
	strcpy(parties[0].name, "Shandong");
	strcpy(parties[1].id, "CN-JS");
	strcpy(parties[1].name, "江苏 Jiangsu");
	g.parties = parties;
	g.party_count = 2;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT_OK(compliance_csv_write(f, rows, &g, &err));
	ASSERT_EQ(fclose(f), 0);
	struct csv_reader r;
	struct csv_record rec;
	csv_reader_init(&r, buf, strlen(buf));
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 1);
	ASSERT_EQ(rec.n, 36);
	ASSERT_STR_EQ(rec.field[26], "compensation_payees");
	size_t k = 0;
	while (csv_record_next(&r, &rec, &err) == 1) {
		if (k == 5) { /* Jinan: silent, assessed at the default */
			ASSERT_STR_EQ(rec.field[28], "2018-06-29T23:59:59Z");
			ASSERT_STR_EQ(rec.field[29], "199");
			ASSERT_STR_EQ(rec.field[30], "default");
			ASSERT_STR_EQ(rec.field[35], "Shandong");
		}
		if (k == 7) { /* Jiangsu: a correction awaits verification */
			ASSERT_STR_EQ(rec.field[27], "false");
			ASSERT_STR_EQ(rec.field[31],
				      "0000000000000000000000000000000000000"
				      "000000000000000000000000003");
			ASSERT_STR_EQ(rec.field[32], "30");
			ASSERT_STR_EQ(rec.field[33], "");
			ASSERT_STR_EQ(rec.field[34], "0");
			ASSERT_STR_EQ(rec.field[35], "江苏 Jiangsu");
		}
		if (k == 8) { /* the payee's own miss: shared and capped */
			ASSERT_STR_EQ(rec.field[25], "");
			ASSERT_STR_EQ(rec.field[26], "CN-JS;CN-ZJ");
			ASSERT_STR_EQ(rec.field[27], "true");
			ASSERT_STR_EQ(rec.field[35], "");
		}
		k++;
	}
	ASSERT_EQ(k, 10);
	csv_reader_free(&r);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ASSERT_OK(compliance_table_write(f, rows, &g, &err));
	ASSERT_EQ(fclose(f), 0);
	ASSERT(strstr(buf, "CN-JS (江苏 Jiangsu)") != NULL);
	ASSERT(strstr(buf, "CN-SD (Shandong)") != NULL);
	ASSERT(strstr(buf, "CN-SH  ") != NULL);
	free(buf);
	/* A correction that is not an object, payees that are not strings:
	 * refused like any other bad member. */
	json_t *row = json_array_get(rows, 7);
	json_object_set_new(row, "correction", json_string("x"));
	buf = NULL;
	f = open_memstream(&buf, &len);
	ASSERT_EQ(compliance_table_write(f, rows, NULL, &err), ACC_EDECODE);
	ASSERT_EQ(fclose(f), 0);
	ASSERT(strstr(err.msg, "\"correction\" is not an object") != NULL);
	ASSERT_EQ(len, 0);
	free(buf);
	json_object_set_new(row, "correction", json_null());
	row = json_array_get(rows, 8);
	json_array_append_new(
	    json_object_get(json_object_get(row, "compensation"), "payees"),
	    json_integer(3));
	buf = NULL;
	f = open_memstream(&buf, &len);
	ASSERT_EQ(compliance_csv_write(f, rows, NULL, &err), ACC_EDECODE);
	ASSERT_EQ(fclose(f), 0);
	ASSERT(strstr(err.msg, "\"payees\" holds a non-string") != NULL);
	free(buf);
	json_decref(rows);
}

static void test_json(void)
{
	json_t *rows = rows_load();
	struct acc_err err = {0};
	int rc;
	char *out = print_to(compliance_json_print, rows, &rc, &err);
	ASSERT_OK(rc);
	/* Indented, short quantities, and the same value. */
	ASSERT(strstr(out, "\n  {\n    \"agreement\"") != NULL);
	ASSERT(strstr(out, "\"reported\": 35.4,") != NULL);
	json_error_t je;
	json_t *back = json_loads(out, 0, &je);
	ASSERT(back != NULL);
	ASSERT(json_equal(back, rows));
	json_decref(back);
	free(out);
	json_decref(rows);
}

/* Each broken row is refused, naming the row and the field, and nothing
 * is printed. */
static void test_bad_rows(void)
{
	static const struct {
		const char *key;
		const char *json; /* NULL: remove the member */
		const char *says;
	} cases[] = {
	    {"status", NULL, "\"status\" is missing"},
	    {"party", "7", "\"party\" is not a string"},
	    {"reported", "\"58\"", "\"reported\" is not a quantity"},
	    {"target", "60.0001", "\"target\" is not a quantity"},
	    {"agreement", "\"not-hex\"", "\"agreement\" is not a hex id"},
	    {"attestations", "1.5", "\"attestations\" is not an integer"},
	    {"late", "\"yes\"", "\"late\" is not a boolean"},
	    {"compensation", "[]", "\"compensation\" is not an object"},
	    {"compensation", "{\"amount\":1}", "\"currency\" is missing"},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		json_t *rows = rows_load();
		json_t *row = json_array_get(rows, 2);
		if (cases[c].json == NULL) {
			ASSERT_EQ(json_object_del(row, cases[c].key), 0);
		} else {
			json_error_t je;
			json_t *v =
			    json_loads(cases[c].json, JSON_DECODE_ANY, &je);
			ASSERT(v != NULL);
			ASSERT_EQ(json_object_set_new(row, cases[c].key, v), 0);
		}
		int (*printers[2])(FILE *, const json_t *, struct acc_err *) = {
		    compliance_table_print, compliance_csv_print};
		for (int p = 0; p < 2; p++) {
			struct acc_err err = {0};
			int rc;
			char *out = print_to(printers[p], rows, &rc, &err);
			ASSERT_EQ(rc, ACC_EDECODE);
			ASSERT(strstr(err.msg, "row 2") != NULL);
			if (strstr(err.msg, cases[c].says) == NULL)
				FAIL_AT("case %zu: \"%s\" lacks \"%s\"", c,
					err.msg, cases[c].says);
			ASSERT_STR_EQ(out, "");
			free(out);
		}
		json_decref(rows);
	}
	/* Not an array, and a row that is not an object. */
	struct acc_err err = {0};
	int rc;
	json_t *obj = json_object();
	char *out = print_to(compliance_table_print, obj, &rc, &err);
	ASSERT_EQ(rc, ACC_EDECODE);
	free(out);
	json_t *arr = json_pack("[i]", 1);
	out = print_to(compliance_csv_print, arr, &rc, &err);
	ASSERT_EQ(rc, ACC_EDECODE);
	free(out);
	json_decref(obj);
	json_decref(arr);
}

static void test_filters(void)
{
	struct acc_err err = {0};
	ASSERT_OK(compliance_filter_check(NULL, NULL, &err));
	ASSERT_OK(compliance_filter_check("CN-HE", "3bf8ca", &err));
	ASSERT_OK(compliance_filter_check(
	    "a.b_c-1",
	    "3BF8CA6211A43976A4D7461F6A05350F9DF5DAF7F3552161F55EEB84A83EEC84",
	    &err));
	ASSERT_EQ(compliance_filter_check("", NULL, &err), ACC_EINVAL);
	ASSERT_EQ(compliance_filter_check("CN HE", NULL, &err), ACC_EINVAL);
	ASSERT_EQ(compliance_filter_check("CN-HE&x=1", NULL, &err), ACC_EINVAL);
	ASSERT_EQ(compliance_filter_check("012345678901234567890123456789012",
					  NULL, &err),
		  ACC_EINVAL);
	ASSERT_EQ(compliance_filter_check(NULL, "3bf8c", &err), ACC_EINVAL);
	ASSERT_EQ(compliance_filter_check(NULL, "3bf8cg", &err), ACC_EINVAL);
	ASSERT_EQ(
	    compliance_filter_check(
		NULL,
		"3bf8ca6211a43976a4d7461f6a05350f9df5daf7f3552161f55eeb84a8"
		"3eec840",
		&err),
	    ACC_EINVAL);
}

int main(void)
{
	RUN(test_text_cols);
	RUN(test_table);
	RUN(test_csv);
	RUN(test_json);
	RUN(test_bad_rows);
	RUN(test_issue10_columns);
	RUN(test_filters);
	return 0;
}
