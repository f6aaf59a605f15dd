/* build.h - building entries in code for the load generator and the demo:
 * heap strings owned by the entry, time stamps, the devnet's keys
 * (specs/cli.md §9, §10). */
#ifndef ACCORD_CLI_BUILD_H
#define ACCORD_CLI_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/keyfile.h"
#include "common/limits.h"

struct entry;
struct genesis;

/* A duplicate of s on the heap for an entry's string field (entry_free
 * releases it); NULL when out of memory. */
char *build_str(const char *s);

/* Unix seconds of a UTC date and time; the date must be valid. */
uint64_t build_time(int year, int mon, int day, int hour, int min, int sec);

/* The party and verifier key files of a devnet directory (DIR/keys/), and
 * its genesis. Keys are owned until devnet_keys_free. */
#define BUILD_KEYS_MAX (PARTIES_MAX + VERIFIERS_MAX)
struct devnet_keys {
	struct keyfile *keys;
	size_t len;
};

/* Load every key file (DIR/keys/NAME.key) in name order. ACC_EIO, ACC_ENOTFOUND
 * (none). */
int devnet_keys_load(struct devnet_keys *k, const char *dir,
		     struct acc_err *err);
/* The key with this role and id, or NULL. */
const struct keyfile *devnet_keys_find(const struct devnet_keys *k,
				       const char *role, const char *id);
void devnet_keys_free(struct devnet_keys *k);

/*
 * An agreement among parties[0..n) with one PM2.5 annual-mean obligation
 * per party (target_milli µg/m³ over [period_start, period_end], deadline),
 * attested by the genesis verifiers (one attestation needed), resolved by a
 * majority of parties. The entry is unsigned. Used by `bench load`.
 */
int build_agreement_simple(struct entry *e, const char *title,
			   const char *const *parties, size_t n,
			   const struct genesis *g, int64_t target_milli,
			   uint64_t period_start, uint64_t period_end,
			   uint64_t deadline, struct acc_err *err);

/*
 * Report number i of a bench run: party kf's 2017 PM2.5 annual mean
 * against agreement_id, value 20 + 0.001·i µg/m³, a method naming the run
 * nonce and i (so every report of every run is a distinct entry). The
 * entry is unsigned; time is time_s.
 */
/* The UTC calendar year of Unix time t. */
int build_year_of(uint64_t t);

int build_report_bench(struct entry *e, const uint8_t agreement_id[HASH_BYTES],
		       const char *party, uint64_t nonce, uint64_t i,
		       uint64_t time_s, struct acc_err *err);

#endif
