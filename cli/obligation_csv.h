/* obligation_csv.h - an agreement's obligations from a CSV table (accord
 * import obligations): a national registry's thousands of installations
 * are kept as a table, not typed as JSON (specs/cli.md §11.6). */
#ifndef ACCORD_CLI_OBLIGATION_CSV_H
#define ACCORD_CLI_OBLIGATION_CSV_H

#include <jansson.h>
#include <stddef.h>

#include "cli/report_csv.h"

/* Any column order; baseline_year and baseline_value may be left out
 * (both or neither in a row). */
#define OBLIGATION_CSV_HEADER                                              \
	"party,scope,pollutant,metric,period_start,period_end,deadline,"  \
	"target,default_value,frequency,baseline_year,baseline_value"

/*
 * Read the CSV text[0..len) and set the "obligations" of the agreement
 * entry JSON agreement (a template: every other field of the agreement,
 * any obligations it had replaced) to one obligation per row, in file
 * order. Each row is checked as the entry's JSON form checks an obligation
 * (specs/encoding.md §6: names, quantities, times, enumerations, bounds)
 * against the template; a row with problems becomes a bad line of b (its
 * line and every problem). Returns 0 with the template filled, ACC_EINVAL
 * with b->bad set (the template is left as it was, with no
 * obligations), or another error when the template itself is not an
 * agreement (err names the field) or memory runs out.
 */
int obligation_csv_fill(json_t *agreement, struct report_batch *b,
			const char *text, size_t len, struct acc_err *err);

#endif
