/* attestation_csv.h - attestations as CSV rows (accord import
 * attestations): the documented header, every row checked and turned into
 * a signed attestation entry (specs/cli.md §11.5). */
#ifndef ACCORD_CLI_ATTESTATION_CSV_H
#define ACCORD_CLI_ATTESTATION_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "cli/report_csv.h"

/* Any column order; reasons, comments and signer may be left out. */
#define ATTESTATION_CSV_HEADER "report,opinion,reasons,comments,signer"

/*
 * Read the CSV text[0..len) (specs/cli.md §11.5) and build one attestation
 * entry per row with time time_s, signed for chain_id by sg: its one key
 * (a row's signer, when given, must be that key's id), or with
 * sg->key_for the key of the row's signer (then every row names one).
 * The node decides who may attest (specs/compliance.md R19-R22); the
 * file is checked for what a file can get wrong: ids, opinions, a second
 * row for the same report and signer. Same results as report_csv_build:
 * ACC_EINVAL with every bad line in b->bad and nothing built, 0 with
 * b->items in file order, another error to stop.
 */
int attestation_csv_build(struct report_batch *b, const char *text,
			  size_t len, const struct report_signer *sg,
			  const char *chain_id, uint64_t time_s,
			  struct acc_err *err);

#endif
