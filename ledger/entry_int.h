/* entry_int.h - internal to ledger/: pieces of the entry codec shared by
 * entry.c, entry_json.c and entry_check.c. */
#ifndef ACCORD_LEDGER_ENTRY_INT_H
#define ACCORD_LEDGER_ENTRY_INT_H

#include "ledger/entry.h"

/* The encoding-level checks of §5 (bounds, enums, UTF-8, id syntax,
 * signature order); full also requires 1 signature (exactly 1 for
 * single-signer kinds). ACC_EDECODE / ACC_EKIND naming the field. */
int entry_validate(const struct entry *e, bool full, struct acc_err *err);

/* entry_decode that also reports where the body ends. */
int entry_decode_body_len(struct entry *e, const uint8_t *bytes, size_t len,
			  size_t *body_len, struct acc_err *err);

#endif
