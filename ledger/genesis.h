/* genesis.h - the consortium's genesis file: chain id, parties, validators,
 * verifiers, parameters; its canonical encoding and hash (specs/genesis.md). */
#ifndef ACCORD_LEDGER_GENESIS_H
#define ACCORD_LEDGER_GENESIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

/* Bounds of one genesis field (specs/genesis.md §2). */
#define GENESIS_ADDRESS_BYTES_MAX NAME_BYTES_MAX /* "host:port" */
#define GENESIS_POWER_MAX (1ULL << 40)
#define GENESIS_HASH_CONTEXT "accord/genesis/v1"
#define VALSET_HASH_CONTEXT "accord/valset/v1"

struct genesis_party {
	char id[PARTY_ID_BYTES_MAX + 1];
	char name[NAME_BYTES_MAX + 1];
	size_t key_count; /* 1..KEYS_PER_PARTY_MAX */
	uint8_t keys[KEYS_PER_PARTY_MAX][PUBKEY_BYTES];
};

struct genesis_validator {
	char name[NAME_BYTES_MAX + 1];
	char party[PARTY_ID_BYTES_MAX + 1]; /* a listed party's id */
	uint8_t key[PUBKEY_BYTES];          /* consensus key */
	char address[GENESIS_ADDRESS_BYTES_MAX + 1]; /* peer "host:port" */
	char http[GENESIS_ADDRESS_BYTES_MAX + 1];    /* "" = not published */
	uint64_t power; /* 1..GENESIS_POWER_MAX */
};

struct genesis_verifier {
	char id[PARTY_ID_BYTES_MAX + 1];
	char name[NAME_BYTES_MAX + 1];
	uint8_t key[PUBKEY_BYTES];
};

/* A consortium fund account: a payee of compensation that is not a
 * party (specs/genesis.md §2; compliance §6.3). It signs nothing. */
struct genesis_fund {
	char id[PARTY_ID_BYTES_MAX + 1];
	char name[NAME_BYTES_MAX + 1];
};
#define FUNDS_MAX 64u

/* Consensus and ledger parameters; every one has a default (§3). */
struct genesis_params {
	uint32_t block_interval_ms;
	uint32_t block_entries_max; /* <= BLOCK_ENTRIES_MAX */
	uint32_t timeout_propose_ms;
	uint32_t timeout_prevote_ms;
	uint32_t timeout_precommit_ms;
	uint32_t timeout_delta_ms; /* added per round */
	uint32_t grace_days_default;
};

/* A loaded genesis. Arrays are heap-owned; release with genesis_free. */
struct genesis {
	char chain_id[CHAIN_ID_BYTES_MAX + 1];
	uint64_t genesis_time; /* Unix seconds */
	size_t party_count;
	struct genesis_party *parties;
	size_t validator_count; /* >= 1; index = position (consensus order) */
	struct genesis_validator *validators;
	size_t verifier_count;
	struct genesis_verifier *verifiers;
	size_t fund_count; /* 0..FUNDS_MAX; optional (§2) */
	struct genesis_fund *funds;
	struct genesis_params params;
	uint32_t governance_threshold; /* distinct parties, 1..party_count */
	/* SHA-256("accord/genesis/v1" ‖ 0x00 ‖ canonical encoding), set by
	 * every constructor (§4). */
	uint8_t hash[HASH_BYTES];
};

/* Read and parse a genesis JSON file of at most GENESIS_BYTES_MAX bytes.
 * ACC_EIO (unreadable), ACC_ETOOBIG, then genesis_from_json's errors.
 * On error g is left zeroed. */
int genesis_load(struct genesis *g, const char *path, struct acc_err *err);

/* Parse len bytes of genesis JSON text (duplicate keys refused). */
int genesis_from_json_text(struct genesis *g, const char *text, size_t len,
			   struct acc_err *err);

/*
 * Fill g from JSON, check it (§2: unique ids, keys, names; validator
 * parties listed; at least one party and one validator; bounds) and
 * compute its hash. ACC_EJSON (unknown/missing field), ACC_ETYPE,
 * ACC_EDECODE (bad hex, time, string), ACC_ERANGE, ACC_ECONFIG (the
 * whole is inconsistent: duplicates, zero validators...). err names the
 * field ("validators[2].key").
 */
int genesis_from_json(struct genesis *g, const json_t *j, struct acc_err *err);

/* The JSON form with every parameter spelled out; new reference, NULL on
 * allocation failure. */
json_t *genesis_to_json(const struct genesis *g);

/* Write the JSON form (indented, trailing newline) to path via a
 * temporary file and rename. ACC_EIO. */
int genesis_save(const struct genesis *g, const char *path,
		 struct acc_err *err);

/* The canonical binary encoding (§4) into a new heap buffer (free()). */
int genesis_encode(const struct genesis *g, uint8_t **bytes, size_t *len,
		   struct acc_err *err);

/* Recompute g->hash from the other fields (after building g in code). */
int genesis_hash_update(struct genesis *g, struct acc_err *err);

/* Check an in-memory genesis as genesis_from_json does (for code that
 * builds one, such as devnet init); then genesis_hash_update. */
int genesis_validate(struct genesis *g, struct acc_err *err);

/* Release the arrays and zero g. NULL-safe, idempotent. */
void genesis_free(struct genesis *g);

/* Defaults of the parameters (§3). */
void genesis_params_default(struct genesis_params *p);

enum key_role {
	ROLE_NONE = 0,
	ROLE_PARTY = 1,
	ROLE_VERIFIER = 2,
	ROLE_VALIDATOR = 3,
};

/*
 * The first role of pk, in the order party, verifier, validator, and the
 * index in that role's array. 0, or ACC_EUNKNOWNKEY with *role ROLE_NONE.
 * A key may hold several roles: use the per-role lookups below.
 */
int genesis_key_role(const struct genesis *g, const uint8_t pk[PUBKEY_BYTES],
		     enum key_role *role, size_t *index);

/* Per-role lookups: the index, or -1 when absent. Linear scans; the
 * arrays are small and bounded. */
long genesis_party_by_key(const struct genesis *g,
			  const uint8_t pk[PUBKEY_BYTES]);
long genesis_verifier_by_key(const struct genesis *g,
			     const uint8_t pk[PUBKEY_BYTES]);
long genesis_validator_by_key(const struct genesis *g,
			      const uint8_t pk[PUBKEY_BYTES]);
long genesis_party_by_id(const struct genesis *g, const char *id);
long genesis_verifier_by_id(const struct genesis *g, const char *id);
long genesis_fund_by_id(const struct genesis *g, const char *id);

/* Sum of the validators' power (never overflows: bounded by §2). */
uint64_t genesis_total_power(const struct genesis *g);

/* SHA-256("accord/valset/v1" ‖ 0x00 ‖ u16 n ‖ n × (key[32] ‖ power u64)),
 * §5: the genesis validator set. */
void genesis_valset_hash(const struct genesis *g, uint8_t out[HASH_BYTES]);
/* The same over any validator array (for later validator set changes). */
void valset_hash(const struct genesis_validator *v, size_t n,
		 uint8_t out[HASH_BYTES]);

/* Syntax of ids (party and verifier): 1..PARTY_ID_BYTES_MAX bytes of
 * [A-Za-z0-9._-]. Of chain ids: 1..CHAIN_ID_BYTES_MAX of
 * [A-Za-z0-9._:/-]. */
bool genesis_id_valid(const char *s, size_t len);
bool genesis_chain_id_valid(const char *s, size_t len);

#endif
