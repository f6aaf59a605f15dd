/* rules.h - the rules that need the log: each entry checked against the
 * derived state and, if valid, recorded in it (specs/compliance.md §2). */
#ifndef ACCORD_LEDGER_RULES_H
#define ACCORD_LEDGER_RULES_H

#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/kv.h"

struct entry;
struct genesis;

/*
 * Check e (whose id is id, at log index `index`, in a block of time
 * block_time_s) against the state in kv and, if it satisfies every rule of
 * its kind (specs/compliance.md §2, R0-R32), record it in kv.
 *
 * Precondition: e passed entry_check against g (signatures verify, signer
 * roles, internal consistency); the cheap parts of that are checked again.
 * Call it for every entry of a block in log order: at admission on an
 * overlay with the node's current time, and again when the block applies.
 *
 * Only get, put and del are used, O(1) of each per entry whatever the
 * size of the state: never iter, so an adapter that cannot iterate (the
 * block's write transaction) is enough.
 *
 * All checks run before the first write, so on a rule error kv is
 * unchanged. A KV failure during the writes may leave some of them: the
 * caller discards the writes on any error (transaction abort, overlay
 * reset).
 *
 * Errors: ACC_ERULE (err names the rule: "R13: no obligation of ..."),
 * ACC_EMISMATCH (R15, units), ACC_EDUP (an entry with this id is already recorded),
 * ACC_EKIND, ACC_EINVAL (no signature), ACC_EDECODE (corrupt state),
 * ACC_ENOMEM and the KV's errors.
 */
int rules_apply(struct kv *kv, const struct genesis *g, const struct entry *e,
		const uint8_t id[HASH_BYTES], uint64_t index,
		uint64_t block_time_s, struct acc_err *err);

#endif
