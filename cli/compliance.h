/* compliance.h - the CLI's view of the compliance record: fetch
 * GET /v1/compliance and print its rows as an aligned table, CSV or JSON
 * (specs/cli.md §11.3). Also declares the commands of issue 4
 * (compliance, import, export; specs/cli.md §11). */
#ifndef ACCORD_CLI_COMPLIANCE_H
#define ACCORD_CLI_COMPLIANCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/http.h"
#include "common/error.h"

struct genesis;

/* The CSV header of compliance rows (specs/cli.md §11.3). */
#define COMPLIANCE_CSV_HEADER                                             \
	"agreement,title,party,scope,pollutant,metric,unit,period_start," \
	"period_end,deadline,grace_days,baseline_year,baseline_value,"    \
	"target,reported,notation_key,report,late,attestations,"          \
	"attestations_required,status,shortfall,compensation_amount,"     \
	"compensation_currency,compensation_payer,compensation_payee,"    \
	"compensation_payees,compensation_capped,reporting_closes,"       \
	"default_value,assessed,correction_report,correction_reported,"   \
	"correction_notation_key,correction_attestations,party_name"

/* Widest a table cell gets, in terminal columns; longer text is cut and
 * ends in "…". */
#define COMPLIANCE_CELL_COLS_MAX 32u

/*
 * Check the filters of a compliance query: party (NULL = all) a party id
 * (1-32 of A-Z a-z 0-9 . _ -), agreement (NULL = all) an agreement id of
 * 64 hex digits or a prefix of at least 6 (the table shows 12). ACC_EINVAL
 * naming the option.
 */
int compliance_filter_check(const char *party, const char *agreement,
			    struct acc_err *err);

/*
 * GET /v1/compliance with ?party=P and ?agreement=ID when given; an
 * agreement prefix shorter than an id is matched here, on the rows the
 * node answered (case-insensitive). *answer is the node's object
 * {"height","time","rows":[…]} with "rows" filtered (caller json_decref's).
 * ACC_EINVAL as compliance_filter_check; an answer without a "rows" array
 * is ACC_EDECODE; HTTP errors as http_get_json.
 */
int compliance_fetch(struct http_client *c, const char *node, const char *party,
		     const char *agreement, json_t **answer,
		     struct acc_err *err);

/*
 * Print rows (the "rows" array of the answer) as the aligned table of
 * specs/cli.md §11.3: a header line, one line per row, then the titles
 * of the agreements and a count by status. Widths are in terminal
 * columns (µg/m³ is 5 columns, a CJK character 2). Control characters in
 * the node's strings are shown as '?'. A row that lacks a field or has
 * one of the wrong type is ACC_EDECODE naming the row and the field, and
 * nothing is printed.
 */
int compliance_table_print(FILE *f, const json_t *rows, struct acc_err *err);

/* The same, with the display name genesis g gives each party next to its
 * id (g may be NULL: ids only). g is borrowed for the call. */
int compliance_table_write(FILE *f, const json_t *rows, const struct genesis *g,
			   struct acc_err *err);

/* Print rows as CSV: COMPLIANCE_CSV_HEADER, then one record per row
 * (quantities as exact decimals, null as an empty field). Errors as for
 * the table. */
int compliance_csv_print(FILE *f, const json_t *rows, struct acc_err *err);

/* The same, with the party_name column filled from g (may be NULL). */
int compliance_csv_write(FILE *f, const json_t *rows, const struct genesis *g,
			 struct acc_err *err);

/* Print j indented, quantities in their short form, and a newline. */
int compliance_json_print(FILE *f, const json_t *j, struct acc_err *err);

/* Terminal columns of UTF-8 text s: combining marks 0, East Asian wide
 * and fullwidth characters 2, everything else 1 (a byte that is not
 * valid UTF-8 counts 1). */
size_t compliance_text_cols(const char *s);

/* The commands (specs/cli.md §11), declared here rather than in
 * cli/cli.h. */

#endif
