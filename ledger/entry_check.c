/* entry_check.c - signing entries, verifying their signatures, and the
 * stateless admission check against genesis (specs/encoding.md §4.3, §7). */
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/hex.h"
#include "common/vote.h"
#include "ledger/entry.h"
#include "ledger/entry_int.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

#define CK(x)                                                              \
	do {                                                               \
		int rc_ = (x);                                             \
		if (rc_ != 0)                                              \
			return rc_;                                        \
	} while (0)

int entry_sign(struct entry *e, const struct key *k, const char *chain_id,
	       struct acc_err *err)
{
	uint8_t *body;
	size_t len;
	uint8_t sig[SIG_BYTES];
	int rc;

	if ((rc = entry_body_encode(e, &body, &len, err)) != 0)
		return rc;
	rc = ed25519_sign_ctx(sig, k, ENTRY_CONTEXT, chain_id, body, len);
	free(body);
	if (rc != 0)
		return acc_err_set(err, rc, "signing entry");

	size_t i = 0;
	while (i < e->sig_count &&
	       memcmp(e->sigs[i].key, k->pk, PUBKEY_BYTES) < 0)
		i++;
	if (i < e->sig_count &&
	    memcmp(e->sigs[i].key, k->pk, PUBKEY_BYTES) == 0) {
		memcpy(e->sigs[i].sig, sig, SIG_BYTES);
		return 0;
	}
	if (!entry_kind_multisig(e->kind) && e->sig_count > 0)
		return acc_err_set(err, ACC_EINVAL,
				   "%s takes exactly one signature",
				   entry_kind_name(e->kind));
	if (e->sig_count >= ENTRY_SIGS_MAX)
		return acc_err_set(err, ACC_EFULL, "already %u signatures",
				   ENTRY_SIGS_MAX);
	memmove(&e->sigs[i + 1], &e->sigs[i],
		(e->sig_count - i) * sizeof e->sigs[0]);
	memcpy(e->sigs[i].key, k->pk, PUBKEY_BYTES);
	memcpy(e->sigs[i].sig, sig, SIG_BYTES);
	e->sig_count++;
	return 0;
}

/* Verify the signatures of a decoded entry whose body is bytes[0..body). */
static int verify_sigs(const struct entry *e, const uint8_t *bytes,
		       size_t body_len, const char *chain_id,
		       struct acc_err *err)
{
	for (size_t i = 0; i < e->sig_count; i++) {
		int rc = ed25519_verify_ctx(e->sigs[i].sig, e->sigs[i].key,
					    ENTRY_CONTEXT, chain_id, bytes,
					    body_len);
		if (rc != 0) {
			char hex[2 * PUBKEY_BYTES + 1];
			hex_encode(hex, e->sigs[i].key, PUBKEY_BYTES);
			return acc_err_set(err, ACC_EBADSIG,
					   "signature %zu by key %s does not "
					   "verify",
					   i, hex);
		}
	}
	return 0;
}

int entry_verify_sigs(const uint8_t *bytes, size_t len, const char *chain_id,
		      struct acc_err *err)
{
	struct entry e;
	size_t body_len;
	int rc = entry_decode_body_len(&e, bytes, len, &body_len, err);
	if (rc != 0)
		return rc;
	rc = verify_sigs(&e, bytes, body_len, chain_id, err);
	entry_free(&e);
	return rc;
}

/* ---- §7 consistency rules of each kind ---- */

static int rule(struct acc_err *err, const char *fmt, const char *a)
{
	return acc_err_set(err, ACC_ERULE, fmt, a);
}

static bool in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/*
 * §2.7: a period boundary is at 00:00:00Z. An end one second before
 * midnight is the inclusive convention: the message gives the canonical
 * (half-open) end. field names the field ("obligations[0].period_end").
 */
static int check_period_time(uint64_t t, const char *field,
			     struct acc_err *err)
{
	char have[TIME_TEXT_BYTES], want[TIME_TEXT_BYTES];
	if (t % 86400u == 0)
		return 0;
	fixed_time_format(have, t);
	if (t % 86400u == 86399u && t < TIME_MAX) {
		fixed_time_format(want, t + 1);
		return acc_err_set(err, ACC_ERULE,
				   "%s %s: periods are half-open and end at "
				   "00:00:00Z; write %s",
				   field, have, want);
	}
	return acc_err_set(err, ACC_ERULE,
			   "%s %s: period boundaries are at 00:00:00Z", field,
			   have);
}

/* The value assessed for silence (compliance §6.4) is strictly worse than
 * the target, so that silence is always a miss. */
static bool default_worse(const struct obligation *o)
{
	return o->metric == METRIC_PERCENT_REDUCTION
		   ? o->default_value < o->target
		   : o->default_value > o->target;
}

static int check_obligation(const struct obligation *o, size_t i,
			    const struct agreement *a, struct acc_err *err)
{
	char f[48];
	if (!in_list(a->parties, a->party_count, o->party))
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: party %s is not among "
				   "the agreement's parties",
				   i, o->party);
	if (!(o->period_start < o->period_end && o->period_end <= o->deadline))
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: needs period_start < "
				   "period_end <= deadline",
				   i);
	snprintf(f, sizeof f, "obligations[%zu].period_start", i);
	CK(check_period_time(o->period_start, f, err));
	snprintf(f, sizeof f, "obligations[%zu].period_end", i);
	CK(check_period_time(o->period_end, f, err));
	if (o->metric == METRIC_PERCENT_REDUCTION && !o->has_baseline)
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: percent_reduction needs "
				   "baseline_year and baseline_value",
				   i);
	/* compliance §6.2: a reduction is a share of its baseline. */
	if (o->metric == METRIC_PERCENT_REDUCTION && o->baseline_value <= 0)
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: a reduction from a "
				   "baseline of 0 or less is meaningless "
				   "(baseline_value must be > 0)",
				   i);
	if (o->metric == METRIC_PERCENT_REDUCTION && o->target > 100000)
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: a reduction target "
				   "above 100 %% cannot be met",
				   i);
	if (o->metric != METRIC_PERCENT_REDUCTION && o->default_value < 0)
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: negative default_value",
				   i);
	if (!default_worse(o))
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: default_value must be "
				   "strictly %s than the target (silence is "
				   "assessed at it)",
				   i,
				   o->metric == METRIC_PERCENT_REDUCTION
				       ? "lower"
				       : "higher");
	if (o->metric != METRIC_PERCENT_REDUCTION && o->target < 0)
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: negative target", i);
	if (o->has_baseline && o->metric != METRIC_PERCENT_REDUCTION &&
	    o->baseline_value < 0)
		return acc_err_set(err, ACC_ERULE,
				   "obligations[%zu]: negative baseline_value",
				   i);
	for (size_t k = 0; k < i; k++) {
		const struct obligation *p = &a->obligations[k];
		if (strcmp(p->party, o->party) == 0 &&
		    strcmp(p->scope, o->scope) == 0 &&
		    p->pollutant == o->pollutant && p->metric == o->metric &&
		    p->period_start == o->period_start &&
		    p->period_end == o->period_end)
			return acc_err_set(err, ACC_ERULE,
					   "obligations[%zu] repeats "
					   "obligations[%zu] (same party, "
					   "scope, pollutant, metric, period)",
					   i, k);
	}
	return 0;
}

static int check_agreement(const struct agreement *a, const struct genesis *g,
			   struct acc_err *err)
{
	if (a->party_count == 0)
		return rule(err, "%sagreement lists no parties", "");
	for (size_t i = 0; i < a->party_count; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(a->parties[i], a->parties[k]) == 0)
				return rule(err, "party %s listed twice",
					    a->parties[i]);
	if (a->obligation_count == 0)
		return rule(err, "%sagreement has no obligations", "");
	for (size_t i = 0; i < a->obligation_count; i++)
		CK(check_obligation(&a->obligations[i], i, a, err));
	for (size_t i = 0; i < a->verifier_count; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(a->verifiers[i], a->verifiers[k]) == 0)
				return rule(err, "verifier %s listed twice",
					    a->verifiers[i]);
	if (a->attestations_required < 1)
		return rule(err, "%sverification.attestations_required must "
				 "be at least 1",
			    "");
	if (a->verifier_count == 0 && !a->peer_parties_may_attest)
		return rule(err, "%sverification: no verifiers and no peer "
				 "parties: nobody could attest",
			    "");
	/* compliance R35: the reporting party never attests its own report,
	 * so these are all the attesters a report can have. */
	size_t attesters = a->verifier_count +
			   (a->peer_parties_may_attest ? a->party_count - 1 : 0);
	if (a->attestations_required > attesters)
		return acc_err_set(err, ACC_ERULE,
				   "verification.attestations_required %u can "
				   "never be reached: %zu verifier(s), peer "
				   "parties %s",
				   (unsigned)a->attestations_required,
				   a->verifier_count,
				   a->peer_parties_may_attest
				       ? "may attest"
				       : "may not attest");
	if (a->amendment_threshold < 1 ||
	    a->amendment_threshold > a->party_count)
		return rule(err, "%samendment_threshold must be between 1 and "
				 "the number of parties",
			    "");
	if (a->challenge_days < 1 || a->challenge_days > CHALLENGE_DAYS_MAX)
		return acc_err_set(err, ACC_ERULE,
				   "challenge_days must be between 1 and %u",
				   CHALLENGE_DAYS_MAX);
	if (a->resolution_threshold < 1 ||
	    a->resolution_threshold > a->party_count)
		return rule(err, "%sresolution_threshold must be between 1 and "
				 "the number of parties",
			    "");
	if (a->has_compensation) {
		if (a->compensation_rate < 0)
			return rule(err, "%scompensation.rate is negative", "");
		/* §5.1: a listed party, a genesis fund, or nobody named
		 * (the other parties share it). */
		bool named = a->payee != NULL && a->payee[0] != 0;
		bool fund = named && genesis_fund_by_id(g, a->payee) >= 0;
		if (named && !fund &&
		    !in_list(a->parties, a->party_count, a->payee))
			return rule(err,
				    "compensation.payee %s is neither a party "
				    "nor a fund of genesis",
				    a->payee);
		/* compliance §6.3: a party never owes itself; only a fund
		 * can be paid by a one-party agreement. */
		if (!fund && a->party_count < 2)
			return rule(err,
				    "%scompensation needs at least two "
				    "parties, or a fund as payee: a party "
				    "never owes itself",
				    "");
	}
	return 0;
}

static int check_report(const struct report *r, struct acc_err *err)
{
	int64_t converted;
	if (!report_unit_valid(r->pollutant, r->metric, r->unit))
		return acc_err_set(err, ACC_ERULE,
				   "unit %s does not fit %s %s (expected %s)",
				   unit_name(r->unit),
				   pollutant_name(r->pollutant),
				   metric_name(r->metric),
				   unit_name(obligation_unit(r->pollutant,
							     r->metric)));
	/* §3.1: the value in the obligation's unit must be a quantity. */
	if (r->has_value && report_value_convert(r->pollutant, r->metric,
						 r->unit, r->value,
						 &converted) != 0)
		return acc_err_set(err, ACC_ERULE,
				   "value %s converted to %s is beyond 10^12: "
				   "not a measurement",
				   unit_name(r->unit),
				   unit_name(obligation_unit(r->pollutant,
							     r->metric)));
	if (r->period_start >= r->period_end)
		return rule(err, "%speriod_start must be before period_end",
			    "");
	CK(check_period_time(r->period_start, "period_start", err));
	CK(check_period_time(r->period_end, "period_end", err));
	if (r->has_value && r->value < 0 &&
	    r->metric != METRIC_PERCENT_REDUCTION)
		return rule(err, "%snegative value", "");
	if (r->has_value && r->value > 100000 &&
	    r->metric == METRIC_PERCENT_REDUCTION)
		return rule(err, "%sa reduction above 100 %% is not a "
				 "measurement",
			    "");
	if (r->has_uncertainty && r->uncertainty < 0)
		return rule(err, "%snegative uncertainty", "");
	return 0;
}

static int check_governance(const struct governance *g, struct acc_err *err)
{
	switch (g->action) {
	case GOV_ADD_PARTY:
		if (g->key_count == 0)
			return rule(err, "%sadd_party needs at least one key",
				    "");
		for (size_t i = 0; i < g->key_count; i++)
			for (size_t k = 0; k < i; k++)
				if (memcmp(g->keys[i], g->keys[k],
					   PUBKEY_BYTES) == 0)
					return rule(err, "%skey listed twice",
						    "");
		return 0;
	case GOV_ADD_VALIDATOR:
		if (g->power < 1 || g->power > GENESIS_POWER_MAX)
			return rule(err, "%spower must be between 1 and 2^40",
				    "");
		return 0;
	case GOV_ROTATE_KEY:
		if (memcmp(g->key, g->new_key, PUBKEY_BYTES) == 0)
			return rule(err, "%snew_key equals old_key", "");
		return 0;
	default:
		return 0;
	}
}

/* §7.2, evidence of two proposals: one proposer, one height and round,
 * two different sign bytes in ascending order, both signed. */
static int check_evidence_proposals(const struct evidence *ev,
				    const struct genesis *g,
				    struct acc_err *err)
{
	const struct evidence_proposal *a = &ev->proposals[0],
					*b = &ev->proposals[1];
	uint8_t pa[PROPOSAL_PAYLOAD_BYTES], pb[PROPOSAL_PAYLOAD_BYTES];
	if (a->height != b->height || a->round != b->round)
		return rule(err, "%sevidence proposals differ in height or "
				 "round",
			    "");
	if (a->height == 0 || a->round > 0x7fffffffu)
		return rule(err, "%sevidence proposal height or round out of "
				 "range",
			    "");
	for (int i = 0; i < 2; i++) {
		const struct evidence_proposal *p = &ev->proposals[i];
		/* specs/consensus.md: a valid round is -1 or an earlier
		 * round; no correct core signs another. */
		if (p->valid_round != -1 &&
		    (p->valid_round < 0 || (uint32_t)p->valid_round >= p->round))
			return acc_err_set(err, ACC_ERULE,
					   "evidence proposals[%d].valid_round "
					   "%ld is not -1 or below the round",
					   i, (long)p->valid_round);
	}
	/* Ascending sign bytes give one encoding per equivocation; equal
	 * ones are the same proposal, no equivocation. */
	proposal_payload(pa, a->height, a->round, a->valid_round,
			 a->block_hash);
	proposal_payload(pb, b->height, b->round, b->valid_round,
			 b->block_hash);
	if (memcmp(pa, pb, sizeof pa) >= 0)
		return rule(err, "%sevidence proposals must differ in block or "
				 "valid round, in ascending order of their "
				 "sign bytes",
			    "");
	if (genesis_validator_by_key(g, ev->validator) < 0)
		return acc_err_set(err, ACC_EUNKNOWNKEY,
				   "evidence names a validator not in genesis");
	for (int i = 0; i < 2; i++) {
		const struct evidence_proposal *p = &ev->proposals[i];
		if (proposal_verify(p->sig, ev->validator, g->chain_id,
				    p->height, p->round, p->valid_round,
				    p->block_hash) != 0)
			return acc_err_set(err, ACC_EBADSIG,
					   "evidence proposals[%d] signature "
					   "does not verify",
					   i);
	}
	return 0;
}

static int check_evidence(const struct evidence *ev, const struct genesis *g,
			  struct acc_err *err)
{
	if (ev->form == EVIDENCE_PROPOSALS)
		return check_evidence_proposals(ev, g, err);
	const struct evidence_vote *a = &ev->votes[0], *b = &ev->votes[1];
	if (a->type != b->type || a->height != b->height ||
	    a->round != b->round)
		return rule(err, "%sevidence votes differ in type, height or "
				 "round",
			    "");
	/* Ascending block hashes give one encoding per equivocation. */
	if (memcmp(a->block_hash, b->block_hash, HASH_BYTES) >= 0)
		return rule(err, "%sevidence votes must name different blocks, "
				 "in ascending block hash order",
			    "");
	if (a->height == 0 || a->round > 0x7fffffffu)
		return rule(err, "%sevidence vote height or round out of range",
			    "");
	if (genesis_validator_by_key(g, ev->validator) < 0)
		return acc_err_set(err, ACC_EUNKNOWNKEY,
				   "evidence names a validator not in genesis");
	for (int i = 0; i < 2; i++) {
		const struct evidence_vote *v = &ev->votes[i];
		if (vote_verify(v->sig, ev->validator, g->chain_id,
				(enum vote_type)v->type, v->height, v->round,
				v->block_hash) != 0)
			return acc_err_set(err, ACC_EBADSIG,
					   "evidence votes[%d] signature does "
					   "not verify",
					   i);
	}
	return 0;
}

/* Signer roles by kind (§7.1). */
static int check_signers(const struct entry *e, const struct genesis *g,
			 struct acc_err *err)
{
	long party_of[ENTRY_SIGS_MAX];
	/* entry_decode refuses an entry without signatures (§5), but an entry
	 * built in memory reaches here through entry_check_decoded, and the
	 * report rule below reads the first signer. */
	if (e->sig_count == 0 || e->sig_count > ENTRY_SIGS_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "signatures: %zu, want 1..%u",
				   (size_t)e->sig_count, ENTRY_SIGS_MAX);
	for (size_t i = 0; i < e->sig_count; i++) {
		const uint8_t *pk = e->sigs[i].key;
		long party = genesis_party_by_key(g, pk);
		long verifier = genesis_verifier_by_key(g, pk);
		long validator = genesis_validator_by_key(g, pk);
		bool ok;
		char hex[2 * PUBKEY_BYTES + 1];

		party_of[i] = party;
		hex_encode(hex, pk, PUBKEY_BYTES);
		if (party < 0 && verifier < 0 && validator < 0)
			return acc_err_set(err, ACC_EUNKNOWNKEY,
					   "signer %s is not in genesis", hex);
		switch (e->kind) {
		case ENTRY_ATTESTATION:
		case ENTRY_CHALLENGE:
			ok = party >= 0 || verifier >= 0;
			break;
		case ENTRY_EVIDENCE:
			ok = validator >= 0;
			break;
		default:
			ok = party >= 0;
			break;
		}
		if (!ok)
			return acc_err_set(
			    err, ACC_ERULE,
			    "signer %s may not sign a %s (needs a %s key)", hex,
			    entry_kind_name(e->kind),
			    e->kind == ENTRY_EVIDENCE ? "validator"
			    : e->kind == ENTRY_ATTESTATION ||
				    e->kind == ENTRY_CHALLENGE
				? "party or verifier"
				: "party");
		/* Several signatures count distinct parties: one party signing
		 * with two of its keys is refused. */
		for (size_t k = 0; party >= 0 && k < i; k++)
			if (party_of[k] == party &&
			    entry_kind_multisig(e->kind))
				return acc_err_set(
				    err, ACC_ERULE,
				    "party %s signed twice",
				    g->parties[party].id);
	}
	if (e->kind == ENTRY_REPORT &&
	    (party_of[0] < 0 ||
	     strcmp(g->parties[party_of[0]].id, e->report.party) != 0))
		return acc_err_set(err, ACC_ERULE,
				   "report about party %s signed by a key of "
				   "another party",
				   e->report.party);
	return 0;
}

static int check_kind(const struct entry *e, const struct genesis *g,
		      struct acc_err *err)
{
	switch (e->kind) {
	case ENTRY_AGREEMENT:
		return check_agreement(&e->agreement, g, err);
	case ENTRY_REPORT:
		return check_report(&e->report, err);
	case ENTRY_ATTESTATION:
		if (e->attestation.opinion == OPINION_NOT_VERIFIED &&
		    (e->attestation.reasons == NULL ||
		     e->attestation.reasons[0] == 0))
			return rule(err, "%snot_verified needs reasons", "");
		if (e->attestation.opinion == OPINION_VERIFIED_WITH_COMMENTS &&
		    (e->attestation.comments == NULL ||
		     e->attestation.comments[0] == 0))
			return rule(err, "%sverified_with_comments needs "
					 "comments",
				    "");
		return 0;
	case ENTRY_CHALLENGE:
		if (e->challenge.reason == NULL || e->challenge.reason[0] == 0)
			return rule(err, "%schallenge needs a reason", "");
		return 0;
	case ENTRY_GOVERNANCE:
		return check_governance(&e->governance, err);
	case ENTRY_EVIDENCE:
		return check_evidence(&e->evidence, g, err);
	default:
		return 0;
	}
}

static int check(const struct entry *e, const uint8_t *bytes, size_t body_len,
		 const struct genesis *g, struct acc_err *err)
{
	CK(verify_sigs(e, bytes, body_len, g->chain_id, err));
	CK(check_signers(e, g, err));
	return check_kind(e, g, err);
}

int entry_check(const uint8_t *bytes, size_t len, const struct genesis *g,
		struct entry *out, struct acc_err *err)
{
	struct entry e;
	size_t body_len;
	int rc = entry_decode_body_len(&e, bytes, len, &body_len, err);
	if (rc != 0)
		return rc;
	rc = check(&e, bytes, body_len, g, err);
	if (rc != 0 || out == NULL)
		entry_free(&e);
	else
		*out = e;
	return rc;
}

int entry_check_decoded(const struct entry *e, const uint8_t *bytes,
			size_t len, const struct genesis *g,
			struct acc_err *err)
{
	uint8_t *body;
	size_t body_len;
	int rc;
	/* The signed body is a prefix of the entry bytes. */
	if ((rc = entry_body_encode(e, &body, &body_len, err)) != 0)
		return rc;
	if (body_len > len || memcmp(body, bytes, body_len) != 0)
		rc = acc_err_set(err, ACC_EINVAL,
				 "bytes are not this entry's encoding");
	free(body);
	if (rc != 0)
		return rc;
	return check(e, bytes, body_len, g, err);
}
