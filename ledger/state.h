/* state.h - the derived state of the record: its keys, the binary records
 * stored under them, their digest, and replay of entries into a KV
 * (specs/compliance.md §3-§5). */
#ifndef ACCORD_LEDGER_STATE_H
#define ACCORD_LEDGER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"
#include "common/kv.h"

struct genesis;

/* Every derived-state key starts with this (the state space is shared). */
#define STATE_PREFIX "c/"
#define STATE_PREFIX_BYTES 2u

/* Key prefixes (§3.1). Each is 4 bytes: "c/" ‖ letter ‖ "/". */
#define STATE_KEY_AGREEMENT "c/a/"   /* ‖ agreement id */
#define STATE_KEY_OBLIGATION "c/o/"  /* ‖ agreement id ‖ u16 index */
#define STATE_KEY_MATCH "c/m/"	     /* ‖ agreement id ‖ match fields */
#define STATE_KEY_REPORT "c/r/"	     /* ‖ report id */
#define STATE_KEY_ATTESTATION "c/t/" /* ‖ attestation id */
#define STATE_KEY_ATTESTER "c/x/"    /* ‖ report id ‖ role ‖ attester */
#define STATE_KEY_CHALLENGE "c/c/"   /* ‖ challenge id */
#define STATE_KEY_DISMISSED "c/d/"   /* ‖ target ‖ role ‖ challenger */
#define STATE_KEY_GOVERNANCE "c/g/"  /* ‖ governance id */
#define STATE_KEY_EVIDENCE "c/e/"    /* ‖ validator ‖ height ‖ round [‖ 3] */
#define STATE_KEY_PREFIX_BYTES 4u

/* Longest key: the match key (§3.1), 4 + 32 + 1+32 + 1+128 + 1+1+8+8. */
#define STATE_KEY_BYTES_MAX 216u
/* A NUL-terminated id (party, verifier). */
#define STATE_ID_BYTES (PARTY_ID_BYTES_MAX + 1u)
/* A NUL-terminated name (title, scope, notation key). */
#define STATE_NAME_BYTES (NAME_BYTES_MAX + 1u)

/* Record tags: the first byte of every value (§4). */
enum state_tag {
	STATE_TAG_AGREEMENT = 1,
	STATE_TAG_OBLIGATION = 2,
	STATE_TAG_REPORT = 3,
	STATE_TAG_ATTESTATION = 4,
	STATE_TAG_CHALLENGE = 5,
	STATE_TAG_GOVERNANCE = 6,
	STATE_TAG_EVIDENCE = 7,
};

/* Who an attestation counts for (§4.4). */
enum state_role {
	STATE_ROLE_VERIFIER = 1,
	STATE_ROLE_PARTY = 2,
};

/*
 * Decoded records. They own everything (fixed arrays, no heap pointers),
 * so they stay valid after the KV value they came from is gone. Fields
 * behind a has_/flag are zero when the flag is false.
 */

/* §4.1: an agreement and where it stands. About 17 KiB: allocate it. */
struct state_agreement {
	uint64_t index;	      /* log index of the agreement entry */
	uint64_t proposed_at; /* block time */
	char title[STATE_NAME_BYTES];
	char proposer[STATE_ID_BYTES];
	size_t party_count; /* 1..LIST_ITEMS_MAX */
	char parties[LIST_ITEMS_MAX][STATE_ID_BYTES];
	bool endorsed[LIST_ITEMS_MAX]; /* parallel to parties */
	size_t verifier_count;	       /* 0..LIST_ITEMS_MAX */
	char verifiers[LIST_ITEMS_MAX][STATE_ID_BYTES];
	bool peer_parties_may_attest;
	uint8_t attestations_required;
	uint8_t resolution_threshold;
	uint8_t amendment_threshold;
	uint32_t challenge_days;
	uint32_t grace_days;
	bool has_compensation;
	int64_t compensation_rate; /* milli */
	char currency[4];
	char payee[STATE_ID_BYTES];
	bool has_supersedes;
	uint8_t supersedes[HASH_BYTES];
	/* Parties of the superseded agreement, not listed here, that
	 * endorsed this one (R8, R10). */
	size_t amender_count; /* 0..LIST_ITEMS_MAX */
	char amenders[LIST_ITEMS_MAX][STATE_ID_BYTES];
	uint16_t obligation_count; /* 1..OBLIGATIONS_MAX */
	bool active;
	uint64_t active_since;
	bool superseded;
	uint64_t superseded_at;
	uint8_t superseded_by[HASH_BYTES];
};

/* §4.1 without the title, the proposer and the lists: what the report
 * rules read of an agreement, a few hundred bytes instead of 17 KiB. */
struct state_agreement_terms {
	uint64_t index;
	uint64_t proposed_at;
	size_t party_count;
	size_t verifier_count;
	bool peer_parties_may_attest;
	uint8_t attestations_required;
	uint8_t resolution_threshold;
	uint8_t amendment_threshold;
	uint32_t challenge_days;
	uint32_t grace_days;
	bool has_compensation;
	int64_t compensation_rate; /* milli */
	char currency[4];
	char payee[STATE_ID_BYTES];
	bool has_supersedes;
	uint8_t supersedes[HASH_BYTES];
	size_t amender_count;
	uint16_t obligation_count;
	bool active;
	uint64_t active_since;
	bool superseded;
	uint64_t superseded_at;
	uint8_t superseded_by[HASH_BYTES];
};

/* §4.2: one obligation and its latest counted report (R17). */
struct state_obligation {
	char party[STATE_ID_BYTES];
	char scope[STATE_NAME_BYTES];
	uint8_t pollutant;
	uint8_t metric;
	bool has_baseline;
	uint16_t baseline_year;
	int64_t baseline_value;
	int64_t target;
	int64_t default_value; /* assessed for silence (compliance §6.4) */
	uint64_t period_start;
	uint64_t period_end;
	uint64_t deadline;
	uint8_t frequency;
	bool has_deciding;
	uint8_t deciding[HASH_BYTES]; /* the latest counted report (R17) */
	bool has_reopened;
	uint64_t reopened; /* reporting reopened until (R30) */
};

/* §4.3: one report; prev/next link the obligation's counted reports in log
 * order (the latest report has no next). */
struct state_report {
	uint8_t agreement[HASH_BYTES];
	uint16_t obligation;
	char party[STATE_ID_BYTES];
	uint64_t index;
	uint64_t block_time;
	bool late;
	bool has_value;
	int64_t value;			     /* milli, when has_value */
	char notation_key[STATE_NAME_BYTES]; /* when !has_value */
	bool counted;			     /* false once upheld against */
	uint32_t positive; /* counted verified/verified_with_comments */
	/* The one open challenge on this report or one of its attestations
	 * (R26), and when it lapses. */
	bool has_challenge;
	uint8_t challenge[HASH_BYTES];
	uint64_t challenge_expires;
	bool has_prev;
	uint8_t prev[HASH_BYTES];
	bool has_next;
	uint8_t next[HASH_BYTES];
};

/* §4.4 */
struct state_attestation {
	uint8_t report[HASH_BYTES];
	uint64_t index;
	uint64_t block_time;
	uint8_t role; /* enum state_role */
	char attester[STATE_ID_BYTES];
	uint8_t opinion; /* enum opinion */
	bool counted;	 /* false once upheld against */
	bool has_challenge;
	uint8_t challenge[HASH_BYTES];
};

/* §4.5 */
struct state_challenge {
	uint8_t target[HASH_BYTES];
	uint8_t target_kind;	    /* ENTRY_REPORT or ENTRY_ATTESTATION */
	uint8_t report[HASH_BYTES]; /* the target, or the attested report */
	uint8_t agreement[HASH_BYTES];
	uint64_t index;
	uint64_t block_time;
	uint8_t challenger_role; /* enum state_role */
	char challenger[STATE_ID_BYTES];
	uint64_t expires; /* lapses after this time (compliance §2.5) */
	uint8_t outcome;  /* 0 = open, enum outcome, or STATE_LAPSED */
	uint8_t resolution[HASH_BYTES]; /* when upheld or dismissed */
	uint64_t resolved_at;		/* when upheld or dismissed */
};

/* Challenge outcome recorded when an open challenge lapsed (§4.5). */
#define STATE_LAPSED 3u

/* §4.6 */
struct state_governance {
	uint64_t index;
	uint64_t block_time;
	uint8_t action; /* enum gov_action */
};

/* §4.7 */
struct state_evidence {
	uint8_t id[HASH_BYTES]; /* the evidence entry */
	uint64_t index;
	uint64_t block_time;
};

/*
 * Keys (§3.1). Each writes the key into out and returns its length;
 * out holds STATE_KEY_BYTES_MAX bytes. state_key_match returns 0 when a
 * string is over its bound (party > 32 or scope > 128 bytes).
 */
size_t state_key_id(uint8_t *out, const char prefix[STATE_KEY_PREFIX_BYTES],
		    const uint8_t id[HASH_BYTES]);
size_t state_key_obligation(uint8_t *out, const uint8_t agreement[HASH_BYTES],
			    uint16_t index);
size_t state_key_match(uint8_t *out, const uint8_t agreement[HASH_BYTES],
		       const char *party, const char *scope, uint8_t pollutant,
		       uint8_t metric, uint64_t period_start,
		       uint64_t period_end);
size_t state_key_attester(uint8_t *out, const uint8_t report[HASH_BYTES],
			  uint8_t role, const char *attester);
/* R33: the challenger's dismissed challenge on target. */
size_t state_key_dismissed(uint8_t *out, const uint8_t target[HASH_BYTES],
			   uint8_t role, const char *challenger);
/* R32: vote evidence (48 bytes); proposal evidence adds the proposal
 * form byte (EVIDENCE_PROPOSALS_CODE, 49 bytes). */
size_t state_key_evidence(uint8_t *out, const uint8_t validator[PUBKEY_BYTES],
			  uint64_t height, uint32_t round);
size_t state_key_evidence_proposals(uint8_t *out,
				    const uint8_t validator[PUBKEY_BYTES],
				    uint64_t height, uint32_t round);

/*
 * Record encodings (§4). _write appends the record to w (check
 * wbuf_error); _read decodes exactly n bytes: 0 or ACC_EDECODE naming the
 * field, never reading outside p. For every accepted p,
 * write(read(p)) == p.
 */
void state_agreement_write(struct wbuf *w, const struct state_agreement *a);
int state_agreement_read(struct state_agreement *a, const uint8_t *p, size_t n,
			 struct acc_err *err);
/* The same checks and errors as state_agreement_read (the strings it
 * skips are checked too), keeping only the terms. */
int state_agreement_terms_read(struct state_agreement_terms *t,
			       const uint8_t *p, size_t n, struct acc_err *err);
void state_obligation_write(struct wbuf *w, const struct state_obligation *o);
int state_obligation_read(struct state_obligation *o, const uint8_t *p,
			  size_t n, struct acc_err *err);
void state_report_write(struct wbuf *w, const struct state_report *r);
int state_report_read(struct state_report *r, const uint8_t *p, size_t n,
		      struct acc_err *err);
void state_attestation_write(struct wbuf *w, const struct state_attestation *t);
int state_attestation_read(struct state_attestation *t, const uint8_t *p,
			   size_t n, struct acc_err *err);
void state_challenge_write(struct wbuf *w, const struct state_challenge *c);
int state_challenge_read(struct state_challenge *c, const uint8_t *p, size_t n,
			 struct acc_err *err);
void state_governance_write(struct wbuf *w, const struct state_governance *g);
int state_governance_read(struct state_governance *g, const uint8_t *p,
			  size_t n, struct acc_err *err);
void state_evidence_write(struct wbuf *w, const struct state_evidence *e);
int state_evidence_read(struct state_evidence *e, const uint8_t *p, size_t n,
			struct acc_err *err);
/* The match index value (§3.1): u16 obligation index. */
int state_u16_read(uint16_t *v, const uint8_t *p, size_t n,
		   struct acc_err *err);
/* The attester index value (§3.1): the attestation id. */
int state_id_read(uint8_t id[HASH_BYTES], const uint8_t *p, size_t n,
		  struct acc_err *err);

/*
 * Typed get/put of the records above under their keys. get: 0,
 * ACC_ENOTFOUND (err untouched), ACC_EDECODE (corrupt state) or the KV's
 * error. put: 0, ACC_ENOMEM or the KV's error.
 */
int state_agreement_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
			struct state_agreement *a, struct acc_err *err);
int state_agreement_terms_get(const struct kv *kv,
			      const uint8_t id[HASH_BYTES],
			      struct state_agreement_terms *t,
			      struct acc_err *err);
int state_agreement_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
			const struct state_agreement *a, struct acc_err *err);
int state_obligation_get(const struct kv *kv,
			 const uint8_t agreement[HASH_BYTES], uint16_t index,
			 struct state_obligation *o, struct acc_err *err);
int state_obligation_put(const struct kv *kv,
			 const uint8_t agreement[HASH_BYTES], uint16_t index,
			 const struct state_obligation *o, struct acc_err *err);
int state_report_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
		     struct state_report *r, struct acc_err *err);
int state_report_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
		     const struct state_report *r, struct acc_err *err);
int state_attestation_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
			  struct state_attestation *t, struct acc_err *err);
int state_attestation_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
			  const struct state_attestation *t,
			  struct acc_err *err);
int state_challenge_get(const struct kv *kv, const uint8_t id[HASH_BYTES],
			struct state_challenge *c, struct acc_err *err);
int state_challenge_put(const struct kv *kv, const uint8_t id[HASH_BYTES],
			const struct state_challenge *c, struct acc_err *err);

/*
 * SHA-256 over every "c/" pair in key order, each as
 * u32 klen ‖ key ‖ u32 vlen ‖ value (§5). 0 or the KV's iter error. The
 * empty state's digest is SHA-256 of nothing.
 */
int state_digest(const struct kv *kv, uint8_t out[HASH_BYTES]);

/*
 * Replay one signed entry into kv: entry_decode, entry_id, rules_apply at
 * log index `index` and block time block_time_s. Signatures are NOT
 * verified here (the auditor checks them separately, entry_check). On a
 * rule error the writes already made are NOT undone: rules_apply makes
 * none before its checks pass, but a KV failure half way may leave some.
 * Errors: entry_decode's and rules_apply's.
 */
int state_replay_entry(struct kv *kv, const struct genesis *g,
		       const uint8_t *bytes, size_t len, uint64_t index,
		       uint64_t block_time_s, struct acc_err *err);

#endif
