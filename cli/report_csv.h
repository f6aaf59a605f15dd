/* report_csv.h - reports as CSV rows, the way governments keep them:
 * the documented header, every row checked and turned into a signed
 * report entry (accord import), and report entries written back as rows
 * (accord export) (specs/cli.md §11.2). */
#ifndef ACCORD_CLI_REPORT_CSV_H
#define ACCORD_CLI_REPORT_CSV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "common/keyfile.h"
#include "common/limits.h"
#include "ledger/entry.h"

/* The header `accord export --what reports --format csv` writes and
 * `accord import reports` reads (any column order; the last three columns
 * may be left out). */
#define REPORT_CSV_HEADER                                                 \
	"agreement,party,scope,pollutant,metric,period_start,period_end," \
	"value,unit,method,data_source,uncertainty,notation_key,attachments"

/* Bounds of one import: data rows, file bytes, one error message. */
#define REPORT_CSV_ROWS_MAX 100000u
#define REPORT_CSV_FILE_BYTES_MAX (64u * 1024u * 1024u)
#define REPORT_CSV_MSG_BYTES 512u

/* One good row: its line, the signed entry (decoded form, owned) and its
 * encoding (owned) and id. */
struct report_row {
	uint64_t line;
	struct entry e;
	uint8_t *bytes;
	size_t len;
	uint8_t id[HASH_BYTES];
};

/* One bad row (or a bad header, or a file-level problem: line 0). */
struct report_row_error {
	uint64_t line;
	char msg[REPORT_CSV_MSG_BYTES];
};

/* What report_csv_build made of a file. Zero it before use; release with
 * report_batch_free. */
struct report_batch {
	size_t rows; /* data rows read, good and bad */
	struct report_row *items;
	size_t len;
	struct report_row_error *bad; /* in line order */
	size_t bad_len;
};

/*
 * How the build asks the node about an agreement (GET
 * /v1/agreements/{id}): 0 with *view the node's agreement view (borrowed;
 * it must stay valid until report_csv_build returns), ACC_ENOTFOUND when
 * the node has no such agreement (a bad row), any other code to stop the
 * build (err says why).
 */
typedef int (*report_agreement_lookup_fn)(void *ctx,
					  const uint8_t id[HASH_BYTES],
					  const json_t **view,
					  struct acc_err *err);

/*
 * Read the CSV text[0..len) and check every row (specs/cli.md §11.2):
 * header, field count, types, quantities (fixed_milli_parse), times,
 * enumeration and unit names, the unit of the metric, the party of the
 * key, one row per obligation; then build the report entry with time
 * time_s, sign it with kf for chain_id and encode it (which checks every
 * bound). With lookup (may be NULL: no such check), each row is also
 * matched against the node's view of its agreement: it must exist, be
 * active, have an obligation for the row's party, scope, pollutant,
 * metric and period, and its reporting window (deadline + grace) must
 * still be open at time_s.
 *
 * Every bad row is recorded in b->bad with its line and what is wrong,
 * in line order. If any row is bad, or the file has no data row, b->items
 * is emptied (nothing is built) and ACC_EINVAL is returned. Other errors
 * (ACC_ENOMEM, or a lookup failure) stop the build; b is then emptied as
 * well. 0: every row built, b->items in file order.
 */
int report_csv_build(struct report_batch *b, const char *text, size_t len,
		     const struct keyfile *kf, const char *chain_id,
		     uint64_t time_s, report_agreement_lookup_fn lookup,
		     void *lookup_ctx, struct acc_err *err);

/*
 * The key of a row's party (accord import --keys DIR): 0 with *kf borrowed
 * until report_csv_build_signed returns; ACC_ENOTFOUND when the party has
 * no key (the row is bad; err says why); any other code stops the build.
 */
typedef int (*report_key_lookup_fn)(void *ctx, const char *party,
				    const struct keyfile **kf,
				    struct acc_err *err);

/* Who signs the rows: one key file (kf), or with key_for the key of each
 * row's party, which must be a party key with that party's id. */
struct report_signer {
	const struct keyfile *kf;
	report_key_lookup_fn key_for;
	void *key_ctx;
};

/* report_csv_build with the signer sg: each row signed by its party's key
 * when sg->key_for is set (rows of several parties in one file). */
int report_csv_build_signed(struct report_batch *b, const char *text,
			    size_t len, const struct report_signer *sg,
			    const char *chain_id, uint64_t time_s,
			    report_agreement_lookup_fn lookup, void *lookup_ctx,
			    struct acc_err *err);

void report_batch_free(struct report_batch *b);

/* Write REPORT_CSV_HEADER and CRLF. */
void report_csv_header_write(FILE *f);

/* Write report r as one row in the header's order, CRLF-terminated: the
 * row `accord import` reads back into the same report. */
void report_csv_row_write(FILE *f, const struct report *r);

#endif
