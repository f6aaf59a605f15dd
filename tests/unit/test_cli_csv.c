/* test_cli_csv.c - the CSV reader and writer of cli/csv.c
 * (specs/cli.md §11.1): RFC 4180 quoting, CRLF, the leniencies, every
 * refusal with its line, and going on after an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.h"
#include "tests/test.h"

/* Read all of text; the records joined as "a|b|c\n" per record, errors
 * as "!L\n" (L = the line reported). */
static char *dump(const char *text, size_t len)
{
	static char out[8192];
	struct csv_reader r;
	struct csv_record rec;
	struct acc_err err = {0};
	size_t o = 0;
	out[0] = '\0';
	csv_reader_init(&r, text, len);
	for (int guard = 0; guard < 1000; guard++) {
		int rc = csv_record_next(&r, &rec, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			o +=
			    (size_t)snprintf(out + o, sizeof out - o, "!%llu\n",
					     (unsigned long long)rec.line);
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof out - o,
				      "%llu:", (unsigned long long)rec.line);
		for (size_t i = 0; i < rec.n; i++) {
			ASSERT_EQ(strlen(rec.field[i]), rec.len[i]);
			o += (size_t)snprintf(out + o, sizeof out - o, "%s%s",
					      i ? "|" : "", rec.field[i]);
		}
		o += (size_t)snprintf(out + o, sizeof out - o, "\n");
	}
	csv_reader_free(&r);
	return out;
}

#define DUMP(lit) dump(lit, sizeof(lit) - 1)

static void test_plain(void)
{
	ASSERT_STR_EQ(DUMP("a,b,c\n1,2,3\n"), "1:a|b|c\n2:1|2|3\n");
	/* No final line end. */
	ASSERT_STR_EQ(DUMP("a,b\n1,2"), "1:a|b\n2:1|2\n");
	/* CRLF, as RFC 4180 writes it. */
	ASSERT_STR_EQ(DUMP("a,b\r\n1,2\r\n"), "1:a|b\n2:1|2\n");
	/* Empty fields, a trailing comma is one more empty field. */
	ASSERT_STR_EQ(DUMP("a,,c,\n"), "1:a||c|\n");
	/* Spaces are data. */
	ASSERT_STR_EQ(DUMP(" a , b\n"), "1: a | b\n");
	/* Empty input, only a BOM, only blank lines. */
	ASSERT_STR_EQ(DUMP(""), "");
	ASSERT_STR_EQ(DUMP("\xEF\xBB\xBF"), "");
	ASSERT_STR_EQ(DUMP("\n\r\n\n"), "");
}

static void test_quoted(void)
{
	/* Separators, quotes and line ends inside quotes. */
	ASSERT_STR_EQ(DUMP("\"a,b\",\"say \"\"hi\"\"\"\n"),
		      "1:a,b|say \"hi\"\n");
	ASSERT_STR_EQ(DUMP("\"two\nlines\",x\ny,z\n"),
		      "1:two\nlines|x\n3:y|z\n");
	/* CRLF inside quotes is kept as it is. */
	ASSERT_STR_EQ(DUMP("\"a\r\nb\"\r\n"), "1:a\r\nb\n");
	/* An empty quoted field, and a record of one. */
	ASSERT_STR_EQ(DUMP("\"\",x\n\"\"\n"), "1:|x\n2:\n");
	/* A lone quote doubled is one quote. */
	ASSERT_STR_EQ(DUMP("\"\"\"\"\n"), "1:\"\n");
	/* UTF-8 passes through untouched. */
	ASSERT_STR_EQ(DUMP("µg/m³,\"石家庄\"\n"), "1:µg/m³|石家庄\n");
}

static void test_lenient(void)
{
	/* A byte order mark before the header is skipped. */
	ASSERT_STR_EQ(DUMP("\xEF\xBB\xBF"
			   "a,b\n1,2\n"),
		      "1:a|b\n2:1|2\n");
	/* Blank lines and lines of separators only are skipped, and the
	 * line numbers still count them. */
	ASSERT_STR_EQ(DUMP("a,b\n\n,,\n1,2\n"), "1:a|b\n4:1|2\n");
	/* A line of quoted empties is not blank. */
	ASSERT_STR_EQ(DUMP("\"\",\"\"\n"), "1:|\n");
}

static void test_bad(void)
{
	/* A quote inside an unquoted field: refused, the next line read. */
	ASSERT_STR_EQ(DUMP("a,b\"c\n1,2\n"), "!1\n2:1|2\n");
	/* Text after a closing quote. */
	ASSERT_STR_EQ(DUMP("\"a\"b,c\n1,2\n"), "!1\n2:1|2\n");
	ASSERT_STR_EQ(DUMP("x\n\"a\" ,c\n1,2\n"), "1:x\n!2\n3:1|2\n");
	/* A quoted field never closed: the line where it opened; nothing
	 * after it. */
	ASSERT_STR_EQ(DUMP("a,b\n1,\"open\n2,3\n"), "1:a|b\n!2\n");
	/* A bare CR. */
	ASSERT_STR_EQ(DUMP("a\rb\n1,2\n"), "!1\n2:1|2\n");
	/* NUL bytes, quoted or not. */
	ASSERT_STR_EQ(dump("a\0b\n1,2\n", 8), "!1\n2:1|2\n");
	ASSERT_STR_EQ(dump("\"a\0b\"\n1,2\n", 10), "!1\n2:1|2\n");
	/* Error lines inside a multi-line record name the line. */
	ASSERT_STR_EQ(DUMP("\"a\nb\"x\n1\n"), "!2\n3:1\n");
}

static void test_bounds(void)
{
	/* CSV_FIELDS_MAX fields are fine, one more is not. */
	char line[4 * CSV_FIELDS_MAX + 8];
	size_t o = 0;
	for (unsigned i = 0; i < CSV_FIELDS_MAX; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s%u",
				      i ? "," : "", i % 10);
	line[o++] = '\n';
	struct csv_reader r;
	struct csv_record rec;
	struct acc_err err = {0};
	csv_reader_init(&r, line, o);
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 1);
	ASSERT_EQ(rec.n, CSV_FIELDS_MAX);
	csv_reader_free(&r);
	line[o - 1] = ',';
	line[o++] = '9';
	line[o++] = '\n';
	csv_reader_init(&r, line, o);
	ASSERT_EQ(csv_record_next(&r, &rec, &err), ACC_ETOOBIG);
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 0);
	csv_reader_free(&r);

	/* A field of CSV_FIELD_BYTES_MAX bytes is fine, one more is not,
	 * quoted or not. */
	for (int quoted = 0; quoted < 2; quoted++)
		for (size_t extra = 0; extra < 2; extra++) {
			size_t n = CSV_FIELD_BYTES_MAX + extra;
			char *big = malloc(n + 8);
			ASSERT(big != NULL);
			size_t k = 0;
			if (quoted)
				big[k++] = '"';
			memset(big + k, 'x', n);
			k += n;
			if (quoted)
				big[k++] = '"';
			big[k++] = '\n';
			csv_reader_init(&r, big, k);
			int rc = csv_record_next(&r, &rec, &err);
			ASSERT_EQ(rc, extra ? ACC_ETOOBIG : 1);
			if (rc == 1)
				ASSERT_EQ(rec.len[0], n);
			csv_reader_free(&r);
			free(big);
		}
}

/* What csv_field_write writes reads back as the same field. */
static void test_write_round_trip(void)
{
	static const char *const fields[] = {
	    "plain", "",       "a,b",	"say \"hi\"", "two\nlines", "cr\r\nlf",
	    " lead", "trail ", "µg/m³", "\"",	      ",",
	};
	size_t n = sizeof fields / sizeof fields[0];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ASSERT(f != NULL);
	for (size_t i = 0; i < n; i++)
		csv_field_write_sep(f, fields[i], i == 0);
	csv_record_end(f);
	csv_field_write_sep(f, NULL, 1);
	csv_field_write_sep(f, "x", 0);
	csv_record_end(f);
	ASSERT_EQ(fclose(f), 0);
	/* Quoted only where needed. */
	ASSERT(strncmp(buf, "plain,,\"a,b\",\"say \"\"hi\"\"\",", 26) == 0);
	struct csv_reader r;
	struct csv_record rec;
	struct acc_err err = {0};
	csv_reader_init(&r, buf, len);
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 1);
	ASSERT_EQ(rec.n, n);
	for (size_t i = 0; i < n; i++)
		ASSERT_STR_EQ(rec.field[i], fields[i]);
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 1);
	ASSERT_EQ(rec.n, 2);
	ASSERT_STR_EQ(rec.field[0], "");
	ASSERT_EQ(csv_record_next(&r, &rec, &err), 0);
	csv_reader_free(&r);
	free(buf);
}

/* --csv-safe (specs/cli.md §11.1): formula cells are written as text,
 * negative numbers and everything else unchanged; off by default. */
static void test_write_safe(void)
{
	ASSERT_EQ(csv_cell_is_formula("=1+2"), 1);
	ASSERT_EQ(csv_cell_is_formula("+1"), 1);
	ASSERT_EQ(csv_cell_is_formula("@SUM(A1)"), 1);
	ASSERT_EQ(csv_cell_is_formula("-1+2"), 1);
	ASSERT_EQ(csv_cell_is_formula("-"), 1);
	ASSERT_EQ(csv_cell_is_formula("-1."), 1);
	ASSERT_EQ(csv_cell_is_formula("\t=x"), 1);
	ASSERT_EQ(csv_cell_is_formula("-12"), 0);
	ASSERT_EQ(csv_cell_is_formula("-0.5"), 0);
	ASSERT_EQ(csv_cell_is_formula("a=b"), 0);
	ASSERT_EQ(csv_cell_is_formula(""), 0);
	ASSERT_EQ(csv_cell_is_formula(NULL), 0);
	static const char *const cells[] = {"=HYPERLINK(\"x\")", "-12", "ok",
					    "@a", "-1+1"};
	for (int safe = 0; safe <= 1; safe++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		ASSERT(f != NULL);
		csv_write_safe_set(safe);
		for (size_t i = 0; i < 5; i++)
			csv_field_write_sep(f, cells[i], i == 0);
		csv_record_end(f);
		ASSERT_EQ(fclose(f), 0);
		if (safe)
			ASSERT_STR_EQ(buf, "\"'=HYPERLINK(\"\"x\"\")\",-12,ok,"
					   "\"'@a\",\"'-1+1\"\r\n");
		else
			ASSERT_STR_EQ(buf, "\"=HYPERLINK(\"\"x\"\")\",-12,ok,@a,"
					   "-1+1\r\n");
		free(buf);
	}
	csv_write_safe_set(0);
}

/* Any bytes at all: the reader ends, never reads past the buffer
 * (checked under ASan by make check) and reports lines within the
 * input. */
static void test_garbage(void)
{
	uint32_t x = 12345;
	for (int round = 0; round < 2000; round++) {
		char buf[64];
		size_t n = (size_t)(round % 64);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = "a,\"\r\n\0x"[(x >> 16) % 7];
		}
		/* An exact-size heap copy so ASan sees any overread. */
		char *p = malloc(n ? n : 1);
		ASSERT(p != NULL);
		memcpy(p, buf, n);
		struct csv_reader r;
		struct csv_record rec;
		struct acc_err err = {0};
		csv_reader_init(&r, p, n);
		int steps = 0, rc;
		while ((rc = csv_record_next(&r, &rec, &err)) != 0) {
			ASSERT(rc == 1 || rc == ACC_EDECODE);
			ASSERT(rec.line >= 1 && rec.line <= n + 1);
			ASSERT(++steps <= (int)n + 1);
		}
		csv_reader_free(&r);
		free(p);
	}
}

int main(void)
{
	RUN(test_plain);
	RUN(test_quoted);
	RUN(test_lenient);
	RUN(test_bad);
	RUN(test_bounds);
	RUN(test_write_round_trip);
	RUN(test_write_safe);
	RUN(test_garbage);
	return 0;
}
