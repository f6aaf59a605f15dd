/* csv_rows.c - reading a CSV table row by row for the importers
 * (specs/cli.md §11.5). */
#include "cli/csv_rows.h"

#include <stdlib.h>
#include <string.h>

const char *csv_cols_get(const struct csv_cols *c, const struct csv_record *rec,
			 size_t col)
{
	return c->at[col] < 0 ? "" : rec->field[c->at[col]];
}

/* specs/cli.md §11.5: every required column once, optional ones at most
 * once, nothing else. */
static int table_header_read(const struct csv_table *t, struct csv_cols *c,
		       const struct csv_record *rec, struct rowmsg *msg)
{
	for (size_t k = 0; k < t->count; k++)
		c->at[k] = -1;
	c->n = rec->n;
	for (size_t i = 0; i < rec->n; i++) {
		char buf[48];
		size_t k = 0;
		while (k < t->count && strcmp(rec->field[i], t->names[k]) != 0)
			k++;
		if (k == t->count)
			csv_row_problem(msg, "unknown column \"%s\"",
					csv_row_shown(buf, rec->field[i]));
		else if (c->at[k] >= 0)
			csv_row_problem(msg, "column %s given twice",
					t->names[k]);
		else
			c->at[k] = (int)i;
	}
	for (size_t k = 0; k < t->required; k++)
		if (c->at[k] < 0)
			csv_row_problem(msg, "missing column %s", t->names[k]);
	if (msg->count > 0)
		csv_row_problem(msg, "the header is %s", t->header);
	return msg->count == 0;
}

int csv_table_read(const struct csv_table *t, const char *text, size_t len,
		   csv_row_fn row, void *ctx, struct report_batch *b,
		   struct acc_err *err)
{
	struct csv_reader rd;
	struct csv_record rec;
	struct csv_cols cols;
	struct acc_err cerr = {0};
	int rc = 0, have_header = 0;
	uint64_t last_line = 1;
	csv_reader_init(&rd, text, len);
	for (;;) {
		struct rowmsg msg = {0};
		int got = csv_record_next(&rd, &rec, &cerr);
		if (got == 0)
			break;
		if (got == ACC_ENOMEM) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			goto out;
		}
		last_line = rec.line;
		if (got < 0) {
			if ((rc = report_batch_bad_add(b, rec.line, cerr.msg)) !=
			    0)
				goto out;
			if (!have_header)
				break;
			b->rows++;
			continue;
		}
		if (!have_header) {
			have_header = 1;
			if (!table_header_read(t, &cols, &rec, &msg)) {
				rc = report_batch_bad_add(b, rec.line, msg.buf);
				break;
			}
			continue;
		}
		if (++b->rows > REPORT_CSV_ROWS_MAX) {
			rc = acc_err_set(err, ACC_ETOOBIG,
					 "more than %u rows in one file",
					 REPORT_CSV_ROWS_MAX);
			goto out;
		}
		if (rec.n != cols.n)
			csv_row_problem(&msg, "%zu fields, the header has %zu",
					rec.n, cols.n);
		else if ((rc = row(ctx, &cols, &rec, &msg)) != 0) {
			(void)acc_err_set(err, rc, "line %llu: %s",
					  (unsigned long long)rec.line,
					  acc_strerror(rc));
			goto out;
		}
		if (msg.count > 0 &&
		    (rc = report_batch_bad_add(b, rec.line, msg.buf)) != 0)
			goto out;
	}
	if (rc == 0 && have_header && b->bad_len == 0 && b->rows == 0)
		rc = report_batch_bad_add(b, last_line,
					  "no data rows after the header");
	if (rc == 0 && !have_header && b->bad_len == 0)
		rc = report_batch_bad_add(b, 1, "empty file: no header");
	if (rc == ACC_ENOMEM)
		(void)acc_err_set(err, rc, "out of memory");
out:
	csv_reader_free(&rd);
	return rc;
}

static int bad_line_cmp(const void *a, const void *b)
{
	const struct report_row_error *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

void report_batch_bad_sort(struct report_batch *b)
{
	if (b->bad_len > 1)
		qsort(b->bad, b->bad_len, sizeof *b->bad, bad_line_cmp);
}
