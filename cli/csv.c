/* csv.c - RFC 4180 CSV reader and writer (specs/cli.md §11.1). */
#include "cli/csv.h"

#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *buf, size_t len)
{
	memset(r, 0, sizeof *r);
	r->buf = buf;
	r->len = len;
	r->line = 1;
	/* Spreadsheets write "CSV UTF-8" with a byte order mark. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void csv_reader_free(struct csv_reader *r)
{
	free(r->scratch);
	r->scratch = NULL;
	r->scratch_cap = 0;
}

/* Append one byte to the scratch record, growing it (bounded by the
 * per-field and per-record limits checked by the caller). */
static int scratch_put(struct csv_reader *r, size_t *used, char c)
{
	if (*used == r->scratch_cap) {
		size_t cap = r->scratch_cap ? 2 * r->scratch_cap : 256;
		char *p = realloc(r->scratch, cap);
		if (p == NULL)
			return ACC_ENOMEM;
		r->scratch = p;
		r->scratch_cap = cap;
	}
	r->scratch[(*used)++] = c;
	return 0;
}

/* After an error: move past the end of the current physical line. */
static void skip_line(struct csv_reader *r)
{
	while (r->pos < r->len && r->buf[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len) {
		r->pos++;
		r->line++;
	}
}

static int fail(struct csv_reader *r, struct csv_record *rec, uint64_t line,
		int skip, struct acc_err *err, int code, const char *what)
{
	rec->line = line;
	rec->n = 0;
	if (skip)
		skip_line(r);
	return acc_err_set(err, code, "%s", what);
}

/* Read one quoted field; r->pos is just past the opening quote. */
static int read_quoted(struct csv_reader *r, struct csv_record *rec,
		       size_t *used, size_t start, struct acc_err *err)
{
	uint64_t open_line = r->line;
	for (;;) {
		if (r->pos >= r->len)
			return fail(r, rec, open_line, 0, err, ACC_EDECODE,
				    "quoted field not closed before the end "
				    "of the file");
		char c = r->buf[r->pos];
		if (c == '"') {
			if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '"') {
				r->pos += 2;
			} else {
				r->pos++;
				return 0;
			}
		} else if (c == '\0') {
			return fail(r, rec, r->line, 1, err, ACC_EDECODE,
				    "NUL byte");
		} else {
			r->pos++;
			if (c == '\n')
				r->line++;
		}
		if (*used - start >= CSV_FIELD_BYTES_MAX)
			return fail(r, rec, r->line, 1, err, ACC_ETOOBIG,
				    "field longer than 65536 bytes");
		if (scratch_put(r, used, c) != 0)
			return fail(r, rec, r->line, 1, err, ACC_ENOMEM,
				    "out of memory");
	}
}

/* Read one unquoted field up to a separator, a line end or the end. */
static int read_plain(struct csv_reader *r, struct csv_record *rec,
		      size_t *used, size_t start, struct acc_err *err)
{
	while (r->pos < r->len) {
		char c = r->buf[r->pos];
		if (c == ',' || c == '\n')
			return 0;
		if (c == '\r') {
			if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n')
				return 0;
			return fail(r, rec, r->line, 1, err, ACC_EDECODE,
				    "carriage return not followed by a line "
				    "feed");
		}
		if (c == '"')
			return fail(r, rec, r->line, 1, err, ACC_EDECODE,
				    "quote inside an unquoted field (quote "
				    "the whole field and double the quote)");
		if (c == '\0')
			return fail(r, rec, r->line, 1, err, ACC_EDECODE,
				    "NUL byte");
		if (*used - start >= CSV_FIELD_BYTES_MAX)
			return fail(r, rec, r->line, 1, err, ACC_ETOOBIG,
				    "field longer than 65536 bytes");
		if (scratch_put(r, used, c) != 0)
			return fail(r, rec, r->line, 1, err, ACC_ENOMEM,
				    "out of memory");
		r->pos++;
	}
	return 0;
}

/* One record, blank or not: 1, or an error. */
static int read_record(struct csv_reader *r, struct csv_record *rec, int *blank,
		       struct acc_err *err)
{
	size_t used = 0, n = 0;
	int rc;
	*blank = 1;
	rec->line = r->line;
	for (;;) {
		if (n == CSV_FIELDS_MAX)
			return fail(r, rec, r->line, 1, err, ACC_ETOOBIG,
				    "more than 64 fields");
		size_t start = used;
		if (r->pos < r->len && r->buf[r->pos] == '"') {
			r->pos++;
			*blank = 0;
			rc = read_quoted(r, rec, &used, start, err);
			if (rc == 0 && r->pos < r->len &&
			    r->buf[r->pos] != ',' && r->buf[r->pos] != '\n' &&
			    !(r->buf[r->pos] == '\r' && r->pos + 1 < r->len &&
			      r->buf[r->pos + 1] == '\n'))
				rc = fail(r, rec, r->line, 1, err, ACC_EDECODE,
					  "text after the closing quote of a "
					  "field");
		} else {
			rc = read_plain(r, rec, &used, start, err);
		}
		if (rc != 0)
			return rc;
		if (used > start)
			*blank = 0;
		if (scratch_put(r, &used, '\0') != 0)
			return fail(r, rec, r->line, 1, err, ACC_ENOMEM,
				    "out of memory");
		r->off[n] = start;
		r->flen[n] = used - start - 1;
		n++;
		if (r->pos >= r->len)
			break;
		char c = r->buf[r->pos];
		if (c == ',') {
			r->pos++;
			continue;
		}
		r->pos += c == '\r' ? 2 : 1;
		r->line++;
		break;
	}
	/* Pointers are taken only now: the scratch may have moved. */
	rec->n = n;
	for (size_t i = 0; i < n; i++) {
		rec->field[i] = r->scratch + r->off[i];
		rec->len[i] = r->flen[i];
	}
	return 1;
}

int csv_record_next(struct csv_reader *r, struct csv_record *rec,
		    struct acc_err *err)
{
	/* Each pass consumes at least one byte, so the loop is bounded by
	 * the input length. */
	while (r->pos < r->len) {
		int blank;
		int rc = read_record(r, rec, &blank, err);
		if (rc != 1)
			return rc;
		if (!blank)
			return 1;
	}
	rec->n = 0;
	rec->line = r->line;
	return 0;
}

/* Process-wide: the CLI runs one command per process (csv.h). */
static int csv_safe;

void csv_write_safe_set(int on)
{
	csv_safe = on != 0;
}

/* "-12" or "-0.5": a negative number, which a spreadsheet reads as a
 * number, not a formula, so it is left alone (specs/cli.md §11.1). */
static int negative_number(const char *s, size_t n)
{
	size_t i = 1, digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (digits == 0)
		return 0;
	if (i < n && s[i] == '.') {
		size_t frac = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			frac++;
		if (frac == 0)
			return 0;
	}
	return i == n;
}

int csv_cell_is_formula(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	switch (s[0]) {
	case '=':
	case '+':
	case '@':
	case '\t':
	case '\r':
		return 1;
	case '-':
		return !negative_number(s, strlen(s));
	default:
		return 0;
	}
}

void csv_field_write(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	size_t n = strlen(s);
	/* OWASP "CSV Injection": a leading apostrophe makes the cell text,
	 * and the quotes keep it one cell (specs/cli.md §11.1). */
	int neutralise = csv_safe && csv_cell_is_formula(s);
	int quote = neutralise || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
	for (size_t i = 0; !quote && i < n; i++)
		quote =
		    s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (neutralise)
		fputc('\'', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

void csv_field_write_sep(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	csv_field_write(f, s);
}

void csv_record_end(FILE *f)
{
	fputs("\r\n", f);
}
