/* csv_rows.h - what the CSV importers (reports, attestations,
 * obligations) share: a row's problems joined into one message, fields
 * shown safely and trimmed, and the batch a file becomes (specs/cli.md
 * §11.2, §11.5). */
#ifndef ACCORD_CLI_CSV_ROWS_H
#define ACCORD_CLI_CSV_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/csv.h"
#include "cli/report_csv.h"

/* The problems of one row, joined with "; " (zero it per row). */
struct rowmsg {
	char buf[REPORT_CSV_MSG_BYTES];
	size_t len;
	int count;
};

/* Add one problem to m (cut at REPORT_CSV_MSG_BYTES). */
void csv_row_problem(struct rowmsg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A field's text for a message in out: at most 40 bytes, control bytes
 * shown as '?' (a hostile file cannot paint the terminal). Returns out. */
const char *csv_row_shown(char out[48], const char *s);

/* s without the spaces and tabs around it, copied into out[n] (n > 8); a
 * field too long is cut and ends in "...", which no check accepts. */
const char *csv_row_trimmed(char *out, size_t n, const char *s);

/* Append a bad line (msg copied) or a good row (moved into b) to b.
 * 0 or ACC_ENOMEM (the row is then still the caller's). */
int report_batch_bad_add(struct report_batch *b, uint64_t line,
			 const char *msg);
int report_batch_item_add(struct report_batch *b, struct report_row *row);
/* Free the good rows only (the bad ones stay). */
void report_batch_items_free(struct report_batch *b);


/*
 * A table's columns: names[0..count), the first required of them in every
 * file, the rest optional; any order in the file.
 */
struct csv_table {
	const char *const *names;
	size_t count;
	size_t required;
	const char *header; /* the documented header, for messages */
};

/* Where each column is in the file (-1: absent), and the field count. */
struct csv_cols {
	int at[CSV_FIELDS_MAX];
	size_t n;
};

/* A column's field in rec ("" when the column is absent). */
const char *csv_cols_get(const struct csv_cols *c, const struct csv_record *rec,
			 size_t col);

/*
 * Read text[0..len) as a table t: the header (every required column once,
 * optional ones at most once, nothing else), then each data row (at most
 * REPORT_CSV_ROWS_MAX) with as many fields as the header is handed to
 * row(ctx, cols, rec, msg), which records the row's problems in msg and
 * returns 0 or an error that stops the read (ACC_ENOMEM). A row with
 * problems, or one the CSV reader refuses, becomes a bad line of b; b->rows
 * counts the data rows. An empty file, or a header without rows, is a bad
 * line. Returns 0 or the error that stopped the read (err says why).
 */
typedef int (*csv_row_fn)(void *ctx, const struct csv_cols *cols,
			  const struct csv_record *rec, struct rowmsg *msg);
int csv_table_read(const struct csv_table *t, const char *text, size_t len,
		   csv_row_fn row, void *ctx, struct report_batch *b,
		   struct acc_err *err);

/* Sort b->bad by line. */
void report_batch_bad_sort(struct report_batch *b);

#endif
