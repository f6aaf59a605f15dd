/* entry.h - the signed entries of the record: their decoded form, one
 * canonical binary encoding, lossless JSON, signing and stateless checks
 * (specs/encoding.md). */
#ifndef ACCORD_LEDGER_ENTRY_H
#define ACCORD_LEDGER_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

struct genesis;

/* The only body version this code writes or accepts (§4.1). */
#define ENTRY_VERSION 1u
/* Longest challenge window an agreement may state (§7.2), in days. */
#define CHALLENGE_DAYS_MAX 3650u
/* Signatures on one entry (§4.2). */
#define ENTRY_SIGS_MAX 16u
/* Context string of entry signatures (§4.3, common/crypto.h). */
#define ENTRY_CONTEXT "accord/entry/v1"
/* Bytes of one signature record: pubkey[32] ‖ signature[64]. */
#define ENTRY_SIG_RECORD_BYTES (PUBKEY_BYTES + SIG_BYTES)
/* Smallest possible signed entry: an endorsement with one signature. */
#define ENTRY_BYTES_MIN (1u + 1u + 8u + 32u + 1u + ENTRY_SIG_RECORD_BYTES)

/* Entry kinds: the u8 after the version (§4.1). */
enum entry_kind {
	ENTRY_AGREEMENT = 1,
	ENTRY_ENDORSEMENT = 2,
	ENTRY_REPORT = 3,
	ENTRY_ATTESTATION = 4,
	ENTRY_CHALLENGE = 5,
	ENTRY_RESOLUTION = 6,
	ENTRY_GOVERNANCE = 7,
	ENTRY_EVIDENCE = 8,
};
#define ENTRY_KIND_MAX 8

/* Enumerations of the record (§3). Code 0 is never valid. Each has a
 * JSON name given by the *_name / *_parse functions below. */
enum pollutant {
	POLLUTANT_PM25 = 1, /* "PM2.5" */
	POLLUTANT_PM10 = 2, /* "PM10" */
	POLLUTANT_SO2 = 3,  /* "SO2" */
	POLLUTANT_NO2 = 4,  /* "NO2" */
	POLLUTANT_O3 = 5,   /* "O3" */
	POLLUTANT_NOX = 6,  /* "NOx" */
	POLLUTANT_VOCS = 7, /* "VOCs" */
	POLLUTANT_CO2 = 8,  /* "CO2" */
	/* Greenhouse gases (§3.1): their emissions are counted in CO2e. */
	POLLUTANT_CO2E = 9,  /* "CO2e": a basket, already in CO2e */
	POLLUTANT_CH4 = 10,  /* "CH4" */
	POLLUTANT_N2O = 11,  /* "N2O" */
	POLLUTANT_HFCS = 12, /* "HFCs": a family, reported in CO2e */
	POLLUTANT_PFCS = 13, /* "PFCs": a family, reported in CO2e */
	POLLUTANT_SF6 = 14,  /* "SF6" */
};
#define POLLUTANT_MAX 14

enum metric {
	METRIC_ANNUAL_MEAN_CONCENTRATION = 1, /* unit µg/m³ */
	METRIC_TOTAL_EMISSIONS = 2,           /* unit t */
	METRIC_PERCENT_REDUCTION = 3,         /* unit % */
};
#define METRIC_MAX 3

enum unit {
	UNIT_UG_M3 = 1,   /* "µg/m³" ("ug/m3" accepted on input) */
	UNIT_T = 2,       /* "t" */
	UNIT_PERCENT = 3, /* "%" */
	UNIT_T_CO2E = 4,  /* "t CO2e" */
	UNIT_KT_CO2E = 5, /* "kt CO2e" = 1000 t CO2e */
	UNIT_MT_CO2E = 6, /* "Mt CO2e" = 1,000,000 t CO2e */
};
#define UNIT_MAX 6

enum frequency {
	FREQUENCY_ANNUAL = 1,
	FREQUENCY_QUARTERLY = 2,
	FREQUENCY_MONTHLY = 3,
};
#define FREQUENCY_MAX 3

enum opinion {
	OPINION_VERIFIED = 1,
	OPINION_VERIFIED_WITH_COMMENTS = 2,
	OPINION_NOT_VERIFIED = 3,
};
#define OPINION_MAX 3

enum outcome {
	OUTCOME_UPHELD = 1,
	OUTCOME_DISMISSED = 2,
};
#define OUTCOME_MAX 2

enum gov_action {
	GOV_ADD_PARTY = 1,
	GOV_REMOVE_PARTY = 2,
	GOV_ADD_VALIDATOR = 3,
	GOV_REMOVE_VALIDATOR = 4,
	GOV_ADD_VERIFIER = 5,
	GOV_REMOVE_VERIFIER = 6,
	GOV_ROTATE_KEY = 7,
	GOV_SET_PARAM = 8,
};
#define GOV_ACTION_MAX 8

/*
 * Strings below are NUL-terminated UTF-8 without NUL bytes, heap-owned by
 * the entry (entry_free releases them). A NULL string encodes as "".
 * Quantities are milli (fixed.h); times Unix seconds.
 */

/* One obligation of one party in an agreement (§5.1). */
struct obligation {
	char *party;        /* party id */
	char *scope;        /* "" = the whole party, else a named unit */
	uint8_t pollutant;  /* enum pollutant */
	uint8_t metric;     /* enum metric */
	bool has_baseline;  /* baseline_year and baseline_value present */
	uint16_t baseline_year;
	int64_t baseline_value; /* milli, in the metric's unit */
	int64_t target;         /* milli, in the metric's unit */
	/* milli: the value assessed when no verified figure exists once
	 * reporting closes; strictly worse than target (§5.1). */
	int64_t default_value;
	uint64_t period_start;
	uint64_t period_end;
	uint64_t deadline;
	uint8_t frequency; /* enum frequency */
};

struct agreement {
	char *title;
	size_t party_count;
	char **parties; /* party ids, party_count of them */
	size_t obligation_count;
	struct obligation *obligations;
	uint32_t grace_days;
	/* Verification rule. */
	size_t verifier_count;
	char **verifiers; /* verifier ids */
	bool peer_parties_may_attest;
	uint8_t attestations_required; /* >= 1 */
	/* Optional compensation rule. */
	bool has_compensation;
	int64_t compensation_rate; /* milli currency units per unit shortfall */
	char currency[4];          /* three uppercase ASCII letters and NUL */
	char *payee;               /* party id */
	uint8_t resolution_threshold; /* distinct listed parties to resolve */
	/* Parties of this agreement that must endorse a successor (§5.1). */
	uint8_t amendment_threshold;
	/* Challenge window, challenge expiry and reopened reporting, in days
	 * (1..CHALLENGE_DAYS_MAX). */
	uint32_t challenge_days;
	bool has_supersedes;
	uint8_t supersedes[HASH_BYTES]; /* agreement id */
	uint8_t legal_text_hash[HASH_BYTES];
	char *legal_text_uri;
};

struct endorsement {
	uint8_t agreement_id[HASH_BYTES];
};

struct report {
	uint8_t agreement_id[HASH_BYTES];
	char *party;
	char *scope;
	uint8_t pollutant; /* enum pollutant */
	uint8_t metric;    /* enum metric */
	uint64_t period_start;
	uint64_t period_end;
	bool has_value;     /* value present, else notation_key */
	int64_t value;      /* milli */
	char *notation_key; /* "NO", "NE", "C", ...; NULL when has_value */
	uint8_t unit;       /* enum unit */
	char *method;
	char *data_source; /* URI */
	bool has_uncertainty;
	int64_t uncertainty; /* milli percent */
	size_t attachment_count;
	uint8_t (*attachments)[HASH_BYTES];
};

struct attestation {
	uint8_t report_id[HASH_BYTES];
	uint8_t opinion; /* enum opinion */
	char *reasons;
	char *comments;
};

struct challenge {
	uint8_t target_id[HASH_BYTES]; /* a report or an attestation */
	char *reason;
};

struct resolution {
	uint8_t challenge_id[HASH_BYTES];
	uint8_t outcome; /* enum outcome */
	char *note;
};

/*
 * Governance (§5.7): which fields are meaningful depends on action; the
 * others are zero/NULL and are neither encoded nor shown in JSON.
 *   add_party:        party, name, keys
 *   remove_party:     party
 *   add_validator:    name, party, key, address, http (optional), power
 *   remove_validator: key
 *   add_verifier:     verifier, name, key
 *   remove_verifier:  verifier
 *   rotate_key:       key (old), new_key
 *   set_param:        param, value
 */
struct governance {
	uint8_t action; /* enum gov_action */
	char *party;
	char *verifier;
	char *name;
	size_t key_count;
	uint8_t (*keys)[PUBKEY_BYTES];
	uint8_t key[PUBKEY_BYTES];
	uint8_t new_key[PUBKEY_BYTES];
	char *address;
	char *http; /* NULL = absent */
	uint64_t power;
	char *param;
	int64_t value;
};

/* One signed consensus vote, as carried by evidence (common/vote.h). */
struct evidence_vote {
	uint8_t type; /* enum vote_type */
	uint64_t height;
	uint32_t round;
	uint8_t block_hash[HASH_BYTES];
	uint8_t sig[SIG_BYTES];
};

/* One signed consensus proposal, as carried by evidence (common/vote.h
 * proposal_sign). */
struct evidence_proposal {
	uint64_t height;
	uint32_t round;
	int32_t valid_round; /* -1 = none, else 0..2^31-1 */
	uint8_t block_hash[HASH_BYTES];
	uint8_t sig[SIG_BYTES];
};

/* What an evidence entry carries (§5.8). A zeroed struct is the vote
 * form, the only one before proposals were reported. */
enum evidence_form {
	EVIDENCE_VOTES = 0,     /* two votes of one type */
	EVIDENCE_PROPOSALS = 1, /* two proposals of one round */
};

/* The byte that follows the validator key in the proposal form (§5.8):
 * the consensus message type of a proposal, never a vote type (1, 2). */
#define EVIDENCE_PROPOSALS_CODE 3

struct evidence {
	uint8_t validator[PUBKEY_BYTES]; /* the equivocating validator */
	uint8_t form;                    /* enum evidence_form */
	union {
		struct evidence_vote votes[2]; /* block hashes ascending */
		/* ascending by their sign bytes (§5.8) */
		struct evidence_proposal proposals[2];
	};
};

struct entry_sig {
	uint8_t key[PUBKEY_BYTES];
	uint8_t sig[SIG_BYTES];
};

/*
 * A decoded entry. Zero it (or let a decoder fill it) before use; release
 * it with entry_free. Only the member of the union named by kind is used.
 */
struct entry {
	uint8_t version; /* ENTRY_VERSION */
	uint8_t kind;    /* enum entry_kind */
	uint64_t time;   /* the author's clock, Unix seconds */
	union {
		struct agreement agreement;
		struct endorsement endorsement;
		struct report report;
		struct attestation attestation;
		struct challenge challenge;
		struct resolution resolution;
		struct governance governance;
		struct evidence evidence;
	};
	size_t sig_count; /* 0 = unsigned (JSON form only) */
	struct entry_sig sigs[ENTRY_SIGS_MAX]; /* keys strictly ascending */
};

/*
 * Decode a full signed entry. On success e owns its heap parts; on error
 * e is left zeroed (nothing to free). The bytes are not retained. Errors:
 * ACC_ETOOBIG (over ENTRY_BYTES_MAX), ACC_EKIND (unknown kind),
 * ACC_EDECODE (anything else not canonical; err names the field).
 * Signatures are not verified here.
 */
int entry_decode(struct entry *e, const uint8_t *bytes, size_t len,
		 struct acc_err *err);

/*
 * Encode the full entry including its signatures into a new heap buffer
 * (*bytes, caller free()s). ACC_EINVAL when unsigned or a field breaks a
 * bound (err names it), ACC_ETOOBIG over ENTRY_BYTES_MAX.
 */
int entry_encode(const struct entry *e, uint8_t **bytes, size_t *len,
		 struct acc_err *err);

/* Encode only the body (what is signed). Same errors as entry_encode,
 * except that an unsigned entry is fine. */
int entry_body_encode(const struct entry *e, uint8_t **bytes, size_t *len,
		      struct acc_err *err);

/*
 * Fill e from the JSON form (§6). "signatures" is optional (unsigned
 * entry); given signatures are sorted by key. On error e is left zeroed.
 * ACC_EJSON (unknown or missing field, named), ACC_ETYPE (wrong type,
 * named), ACC_EKIND (unknown kind), ACC_ERANGE, ACC_EDECODE (bad hex,
 * bad time, bad UTF-8, bound exceeded).
 */
int entry_from_json(struct entry *e, const json_t *j, struct acc_err *err);

/* Parse len bytes of JSON text (duplicate keys refused) and call
 * entry_from_json. ACC_ETOOBIG over HTTP_BODY_BYTES_MAX. */
int entry_from_json_text(struct entry *e, const char *text, size_t len,
			 struct acc_err *err);

/*
 * The JSON form of e: a new reference, NULL only on allocation failure or
 * if e is not encodable. It never contains "id": callers that know the
 * signed bytes add it (entry_id). Dump with QTY_JSON_DUMP_FLAGS for tidy
 * quantities.
 */
json_t *entry_to_json(const struct entry *e);

/*
 * Sign e's body with k for chain_id and insert the signature in key
 * order; a signature by the same key is replaced. Single-signer kinds
 * (all but resolution and governance) refuse a second, different key
 * (ACC_EINVAL); more than ENTRY_SIGS_MAX is ACC_EFULL.
 */
int entry_sign(struct entry *e, const struct key *k, const char *chain_id,
	       struct acc_err *err);

/*
 * Decode the signed entry and verify every signature over its body for
 * chain_id. ACC_EBADSIG names the failing key; decode errors as
 * entry_decode.
 */
int entry_verify_sigs(const uint8_t *bytes, size_t len, const char *chain_id,
		      struct acc_err *err);

/* The entry id: RFC 9162 leaf hash SHA-256(0x00 ‖ bytes) of the signed
 * entry bytes (§4.4). */
void entry_id(uint8_t out[HASH_BYTES], const uint8_t *bytes, size_t len);

/*
 * Stateless admission check against genesis (§7): decode, bounds, every
 * signature, every signer known in genesis in a role allowed for the kind,
 * and the kind's internal consistency. Rules that need the log (agreement
 * exists, endorser listed, ...) are ledger/rules.c's. On success, when out
 * is not NULL, it receives the decoded entry (caller entry_free()s).
 * ACC_EBADSIG, ACC_EUNKNOWNKEY (no role), ACC_ERULE (wrong role or
 * inconsistent; err says which), and the decode errors.
 */
int entry_check(const uint8_t *bytes, size_t len, const struct genesis *g,
		struct entry *out, struct acc_err *err);

/* As entry_check for an entry already decoded from bytes (saves a
 * decode); bytes/len must be e's encoding. */
int entry_check_decoded(const struct entry *e, const uint8_t *bytes,
			size_t len, const struct genesis *g,
			struct acc_err *err);

/* Release e's heap parts and zero it. NULL-safe, idempotent. */
void entry_free(struct entry *e);

/* Deep copy src into dst (dst is overwritten, not freed first). */
int entry_copy(struct entry *dst, const struct entry *src);

/* True for kinds that accept several signatures (resolution, governance). */
bool entry_kind_multisig(int kind);

/* Names of the enumerations in the JSON form; NULL for an unknown code.
 * Static strings. */
const char *entry_kind_name(int kind);
const char *pollutant_name(int p);
const char *metric_name(int m);
const char *unit_name(int u);
const char *frequency_name(int f);
const char *opinion_name(int o);
const char *outcome_name(int o);
const char *gov_action_name(int a);

/* Codes of JSON names; -1 when unknown (exact, case-sensitive). */
int entry_kind_parse(const char *s);
int pollutant_parse(const char *s);
int metric_parse(const char *s);
int unit_parse(const char *s); /* also "ug/m3" */
int frequency_parse(const char *s);
int opinion_parse(const char *s);
int outcome_parse(const char *s);
int gov_action_parse(const char *s);

/* The unit a metric is measured in (enum unit). For total_emissions
 * this is t, the mass of the pollutant; a greenhouse gas's obligation is
 * in t CO2e (obligation_unit). */
int metric_unit(int metric);

/* Whether pollutant p is a greenhouse gas counted in CO2e (CO2e, CH4,
 * N2O, HFCs, PFCs, SF6; §3.1). CO2 itself is measured in t, which is
 * t CO2e. */
bool pollutant_is_ghg(int p);

/* The unit of an obligation's target and of the row that shows it
 * (§3.1): t CO2e for the total emissions of a greenhouse gas, else
 * metric_unit(metric). -1 for an unknown metric. */
int obligation_unit(int pollutant, int metric);

/*
 * Whether a report on (pollutant, metric) may state its value in unit u
 * (§3.1): the metric's unit; for total emissions of CO2, CH4, N2O and SF6
 * also t CO2e, kt CO2e and Mt CO2e; for CO2e, HFCs and PFCs only those
 * three (a basket or a family has no single mass).
 */
bool report_unit_valid(int pollutant, int metric, int u);

/*
 * The value v (milli, in unit u) of a report on pollutant p converted to
 * obligation_unit(p, metric) (§3.1): kt x 1000, Mt x 10^6, and the mass
 * of CH4, N2O or SF6 in t times its IPCC AR5 100-year GWP (28, 265,
 * 23,500). 0, or ACC_ERANGE when the result's magnitude passes
 * QTY_MILLI_MAX; ACC_EINVAL when report_unit_valid is false.
 */
int report_value_convert(int pollutant, int metric, int u, int64_t v,
			 int64_t *out);

#endif
