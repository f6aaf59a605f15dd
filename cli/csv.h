/* csv.h - reading and writing CSV text as RFC 4180 defines it (quoted
 * fields, doubled quotes, CRLF), with the leniencies spreadsheets need
 * (specs/cli.md §11.1). */
#ifndef ACCORD_CLI_CSV_H
#define ACCORD_CLI_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/* Bounds: fields in one record, bytes of one field (after unquoting). */
#define CSV_FIELDS_MAX 64u
#define CSV_FIELD_BYTES_MAX (64u * 1024u)

/*
 * A reader over a buffer the caller owns and keeps unchanged while the
 * reader is used. Records come out one at a time; the fields of a record
 * live in the reader's scratch memory until the next csv_record_next or
 * csv_reader_free.
 */
struct csv_reader {
	const char *buf;
	size_t len;
	size_t pos;    /* next byte to read */
	uint64_t line; /* physical line of buf[pos], from 1 */
	char *scratch; /* the current record's fields, NUL-terminated */
	size_t scratch_cap;
	size_t off[CSV_FIELDS_MAX]; /* field i starts at scratch + off[i] */
	size_t flen[CSV_FIELDS_MAX];
};

/* One record: n fields, each a NUL-terminated string (field[i], with
 * len[i] bytes) borrowed from the reader; line is the physical line on
 * which the record starts. */
struct csv_record {
	size_t n;
	const char *field[CSV_FIELDS_MAX];
	size_t len[CSV_FIELDS_MAX];
	uint64_t line;
};

/* Start reading buf[0..len). A UTF-8 byte order mark at the start is
 * skipped. Never fails. */
void csv_reader_init(struct csv_reader *r, const char *buf, size_t len);
void csv_reader_free(struct csv_reader *r);

/*
 * The next record into rec. Returns 1 with a record, 0 at the end of the
 * input, or a negative error with err saying what is wrong and rec->line
 * the physical line where it is (for a quoted field never closed, the
 * line where it opened):
 *   ACC_EDECODE  a quote inside an unquoted field, anything but a
 *                separator or line end after a closing quote, a quoted
 *                field still open at the end of the input, a NUL byte, a
 *                CR not followed by LF outside quotes;
 *   ACC_ETOOBIG  more than CSV_FIELDS_MAX fields or a field over
 *                CSV_FIELD_BYTES_MAX bytes;
 *   ACC_ENOMEM.
 * After an error the reader has moved past the end of the line it failed
 * on, so the caller may go on reading the following records (an open
 * quote consumes the rest of the input). Records end at LF or CRLF; the
 * last one may lack its line end. Blank lines and lines of separators
 * only (every field empty and unquoted) are skipped.
 */
int csv_record_next(struct csv_reader *r, struct csv_record *rec,
		    struct acc_err *err);

/*
 * Formula injection (specs/cli.md §11.1). csv_cell_is_formula: 1 when a
 * spreadsheet would take the cell s as a formula: it starts with "=",
 * "+", "@", TAB or CR, or with "-" and is not a negative decimal number
 * ("-12", "-0.5"). csv_write_safe_set(1) makes every later
 * csv_field_write of such a cell write it quoted with an apostrophe in
 * front ("'=1+2"), which spreadsheets show as text. The setting is
 * process-wide (the CLI runs one command per process); the default, 0,
 * writes cells as they are, so that files round-trip.
 */
int csv_cell_is_formula(const char *s);
void csv_write_safe_set(int on);

/* Write s as one field: quoted (with doubled quotes) when it contains a
 * comma, a quote, CR or LF, or begins or ends with a space; else as is.
 * NULL writes an empty field. */
void csv_field_write(FILE *f, const char *s);
/* Write sep (",") before every field but the first of a record: callers
 * pass first = 1 for the first field. */
void csv_field_write_sep(FILE *f, const char *s, int first);
/* End a record with CRLF. */
void csv_record_end(FILE *f);

#endif
