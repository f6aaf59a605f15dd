/* entry_json.c - the JSON form of entries, lossless both ways
 * (specs/encoding.md §6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/entry.h"
#include "ledger/entry_int.h"
#include "ledger/field.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

#define CK(x)                                                              \
	do {                                                               \
		int rc_ = (x);                                             \
		if (rc_ != 0)                                              \
			return rc_;                                        \
	} while (0)

/* ---- JSON -> entry ---- */

static const char *const agreement_keys[] = {
    "kind", "time", "signatures", "title", "parties", "obligations",
    "grace_days", "verification", "compensation", "resolution_threshold",
    "amendment_threshold", "challenge_days", "supersedes", "legal_text_hash",
    "legal_text_uri", NULL};
static const char *const obligation_keys[] = {
    "party", "scope", "pollutant", "metric", "baseline_year",
    "baseline_value", "target", "default_value", "period_start", "period_end",
    "deadline", "frequency", NULL};
static const char *const verification_keys[] = {
    "verifiers", "peer_parties_may_attest", "attestations_required", NULL};
static const char *const compensation_keys[] = {"rate", "currency", "payee",
						NULL};
static const char *const endorsement_keys[] = {"kind", "time", "signatures",
					       "agreement_id", NULL};
static const char *const report_keys[] = {
    "kind", "time", "signatures", "agreement_id", "party", "scope",
    "pollutant", "metric", "period_start", "period_end", "value",
    "notation_key", "unit", "method", "data_source", "uncertainty",
    "attachments", NULL};
static const char *const attestation_keys[] = {
    "kind", "time", "signatures", "report_id", "opinion", "reasons",
    "comments", NULL};
static const char *const challenge_keys[] = {"kind", "time", "signatures",
					     "target_id", "reason", NULL};
static const char *const resolution_keys[] = {
    "kind", "time", "signatures", "challenge_id", "outcome", "note", NULL};
/* §6: an evidence entry has "votes" or "proposals" (checked below). */
static const char *const evidence_keys[] = {
    "kind", "time", "signatures", "validator", "votes", "proposals", NULL};
static const char *const vote_keys[] = {"type", "height", "round",
					"block_hash", "sig", NULL};
static const char *const proposal_keys[] = {
    "height", "round", "valid_round", "block_hash", "sig", NULL};
static const char *const sig_keys[] = {"key", "sig", NULL};

/* Governance: the fields each action takes (§6.7), after the common
 * "kind", "time", "signatures", "action". */
static const char *const gov_keys[GOV_ACTION_MAX + 1][12] = {
    [GOV_ADD_PARTY] = {"kind", "time", "signatures", "action", "party",
		       "name", "keys", NULL},
    [GOV_REMOVE_PARTY] = {"kind", "time", "signatures", "action", "party",
			  NULL},
    [GOV_ADD_VALIDATOR] = {"kind", "time", "signatures", "action", "name",
			   "party", "key", "address", "http", "power"},
    [GOV_REMOVE_VALIDATOR] = {"kind", "time", "signatures", "action", "key",
			      NULL},
    [GOV_ADD_VERIFIER] = {"kind", "time", "signatures", "action", "verifier",
			  "name", "key", NULL},
    [GOV_REMOVE_VERIFIER] = {"kind", "time", "signatures", "action",
			     "verifier", NULL},
    [GOV_ROTATE_KEY] = {"kind", "time", "signatures", "action", "old_key",
			"new_key", NULL},
    [GOV_SET_PARAM] = {"kind", "time", "signatures", "action", "param",
		       "value", NULL},
};

static int vote_type_parse(const char *s)
{
	if (strcmp(s, "prevote") == 0)
		return 1;
	if (strcmp(s, "precommit") == 0)
		return 2;
	return -1;
}

static const char *vote_type_name(int t)
{
	return t == 1 ? "prevote" : t == 2 ? "precommit" : NULL;
}

/* An array of ids at obj.key into a heap array. */
static int id_list(const json_t *obj, const char *prefix, const char *key,
		   char ***out, size_t *n, struct acc_err *err)
{
	const json_t *arr;
	char p[FIELD_PATH_BYTES];
	CK(field_json_array(obj, prefix, key, LIST_ITEMS_MAX, &arr, err));
	size_t c = json_array_size(arr);
	if (c == 0)
		return 0;
	*out = calloc(c, sizeof **out);
	if (*out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "%s", key);
	for (size_t i = 0; i < c; i++) {
		json_t *v = json_array_get(arr, i);
		field_path_index(p, prefix, key, i);
		if (!json_is_string(v))
			return acc_err_set(err, ACC_ETYPE,
					   "%s: expected a string", p);
		if (strlen(json_string_value(v)) != json_string_length(v))
			return acc_err_set(err, ACC_EDECODE,
					   "%s: contains NUL", p);
		CK(field_str_check(json_string_value(v), PARTY_ID_BYTES_MAX,
				   FIELD_ID, p, err));
		(*out)[i] = field_strdup(json_string_value(v));
		if ((*out)[i] == NULL)
			return acc_err_set(err, ACC_ENOMEM, "%s", p);
		*n = i + 1;
	}
	return 0;
}

/* An array of hex hashes at obj.key into a heap array. */
static int hash_list(const json_t *obj, const char *prefix, const char *key,
		     size_t max, uint8_t (**out)[HASH_BYTES], size_t *n,
		     struct acc_err *err)
{
	const json_t *arr;
	char p[FIELD_PATH_BYTES];
	CK(field_json_array(obj, prefix, key, max, &arr, err));
	size_t c = json_array_size(arr);
	if (c == 0)
		return 0;
	*out = calloc(c, sizeof **out);
	if (*out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "%s", key);
	*n = c;
	for (size_t i = 0; i < c; i++) {
		json_t *v = json_array_get(arr, i);
		field_path_index(p, prefix, key, i);
		if (!json_is_string(v))
			return acc_err_set(err, ACC_ETYPE,
					   "%s: expected a hex string", p);
		if (json_string_length(v) != 2 * HASH_BYTES ||
		    hex_decode((*out)[i], HASH_BYTES, json_string_value(v)) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "%s: expected 64 hex digits", p);
	}
	return 0;
}

static int obligation_from_json(struct obligation *o, const json_t *j,
				const char *p, struct acc_err *err)
{
	bool by, bv;
	uint64_t u;
	CK(field_json_keys(j, obligation_keys, p, err));
	CK(field_json_str(j, p, "party", true, NULL, &o->party,
			  PARTY_ID_BYTES_MAX, FIELD_ID, err));
	CK(field_json_str(j, p, "scope", true, NULL, &o->scope, NAME_BYTES_MAX,
			  FIELD_TEXT, err));
	CK(field_json_enum(j, p, "pollutant", pollutant_parse, &o->pollutant,
			   err));
	CK(field_json_enum(j, p, "metric", metric_parse, &o->metric, err));
	CK(field_json_uint(j, p, "baseline_year", false, &by, 0, UINT16_MAX, &u,
			   err));
	o->baseline_year = (uint16_t)u;
	CK(field_json_milli(j, p, "baseline_value", false, &bv,
			    &o->baseline_value, err));
	if (by != bv)
		return acc_err_set(err, ACC_EJSON,
				   "%sbaseline_year and %sbaseline_value go "
				   "together",
				   p, p);
	o->has_baseline = by;
	CK(field_json_milli(j, p, "target", true, NULL, &o->target, err));
	CK(field_json_milli(j, p, "default_value", true, NULL,
			    &o->default_value, err));
	CK(field_json_time(j, p, "period_start", true, NULL, &o->period_start,
			   err));
	CK(field_json_time(j, p, "period_end", true, NULL, &o->period_end,
			   err));
	CK(field_json_time(j, p, "deadline", true, NULL, &o->deadline, err));
	return field_json_enum(j, p, "frequency", frequency_parse,
			       &o->frequency, err);
}

static int agreement_from_json(struct agreement *a, const json_t *j,
			       struct acc_err *err)
{
	const json_t *arr;
	json_t *v;
	uint64_t u;
	bool present;
	char p[FIELD_PATH_BYTES];

	CK(field_json_str(j, "", "title", true, NULL, &a->title,
			  NAME_BYTES_MAX, FIELD_NONEMPTY, err));
	CK(id_list(j, "", "parties", &a->parties, &a->party_count, err));
	CK(field_json_array(j, "", "obligations", OBLIGATIONS_MAX, &arr, err));
	size_t n = json_array_size(arr);
	if (n > 0) {
		a->obligations = calloc(n, sizeof *a->obligations);
		if (a->obligations == NULL)
			return acc_err_set(err, ACC_ENOMEM, "obligations");
		a->obligation_count = n;
		for (size_t i = 0; i < n; i++) {
			snprintf(p, sizeof p, "obligations[%zu].", i);
			CK(obligation_from_json(&a->obligations[i],
						json_array_get(arr, i), p,
						err));
		}
	}
	CK(field_json_uint(j, "", "grace_days", true, NULL, 0, UINT32_MAX, &u,
			   err));
	a->grace_days = (uint32_t)u;

	v = json_object_get(j, "verification");
	if (v == NULL)
		return acc_err_set(err, ACC_EJSON, "missing field verification");
	CK(field_json_keys(v, verification_keys, "verification.", err));
	CK(id_list(v, "verification.", "verifiers", &a->verifiers,
		   &a->verifier_count, err));
	CK(field_json_bool(v, "verification.", "peer_parties_may_attest",
			   &a->peer_parties_may_attest, err));
	CK(field_json_uint(v, "verification.", "attestations_required", true,
			   NULL, 0, UINT8_MAX, &u, err));
	a->attestations_required = (uint8_t)u;

	v = json_object_get(j, "compensation");
	if (v != NULL) {
		char *cur = NULL;
		a->has_compensation = true;
		CK(field_json_keys(v, compensation_keys, "compensation.", err));
		CK(field_json_milli(v, "compensation.", "rate", true, NULL,
				    &a->compensation_rate, err));
		CK(field_json_str(v, "compensation.", "currency", true, NULL,
				  &cur, 3, FIELD_NONEMPTY, err));
		snprintf(a->currency, sizeof a->currency, "%s", cur);
		free(cur);
		if (strlen(a->currency) != 3)
			return acc_err_set(
			    err, ACC_EDECODE,
			    "compensation.currency: expected 3 letters A-Z");
		/* Absent: the other parties share it (§5.1). */
		CK(field_json_str(v, "compensation.", "payee", false, NULL,
				  &a->payee, PARTY_ID_BYTES_MAX, FIELD_ID,
				  err));
	}
	CK(field_json_uint(j, "", "resolution_threshold", true, NULL, 0,
			   UINT8_MAX, &u, err));
	a->resolution_threshold = (uint8_t)u;
	CK(field_json_uint(j, "", "amendment_threshold", true, NULL, 0,
			   UINT8_MAX, &u, err));
	a->amendment_threshold = (uint8_t)u;
	CK(field_json_uint(j, "", "challenge_days", true, NULL, 0, UINT32_MAX,
			   &u, err));
	a->challenge_days = (uint32_t)u;
	CK(field_json_hex(j, "", "supersedes", false, &present, a->supersedes,
			  HASH_BYTES, err));
	a->has_supersedes = present;
	CK(field_json_hex(j, "", "legal_text_hash", true, NULL,
			  a->legal_text_hash, HASH_BYTES, err));
	return field_json_str(j, "", "legal_text_uri", true, NULL,
			      &a->legal_text_uri, URI_BYTES_MAX, FIELD_TEXT,
			      err);
}

static int report_from_json(struct report *r, const json_t *j,
			    struct acc_err *err)
{
	bool has_nk, present;
	CK(field_json_hex(j, "", "agreement_id", true, NULL, r->agreement_id,
			  HASH_BYTES, err));
	CK(field_json_str(j, "", "party", true, NULL, &r->party,
			  PARTY_ID_BYTES_MAX, FIELD_ID, err));
	CK(field_json_str(j, "", "scope", true, NULL, &r->scope, NAME_BYTES_MAX,
			  FIELD_TEXT, err));
	CK(field_json_enum(j, "", "pollutant", pollutant_parse, &r->pollutant,
			   err));
	CK(field_json_enum(j, "", "metric", metric_parse, &r->metric, err));
	CK(field_json_time(j, "", "period_start", true, NULL, &r->period_start,
			   err));
	CK(field_json_time(j, "", "period_end", true, NULL, &r->period_end,
			   err));
	CK(field_json_milli(j, "", "value", false, &r->has_value, &r->value,
			    err));
	CK(field_json_str(j, "", "notation_key", false, &has_nk,
			  &r->notation_key, NAME_BYTES_MAX, FIELD_NONEMPTY,
			  err));
	if (r->has_value == has_nk)
		return acc_err_set(err, ACC_EJSON,
				   "exactly one of value and notation_key");
	CK(field_json_enum(j, "", "unit", unit_parse, &r->unit, err));
	CK(field_json_str(j, "", "method", true, NULL, &r->method,
			  NAME_BYTES_MAX, FIELD_TEXT, err));
	CK(field_json_str(j, "", "data_source", true, NULL, &r->data_source,
			  URI_BYTES_MAX, FIELD_TEXT, err));
	CK(field_json_milli(j, "", "uncertainty", false, &present,
			    &r->uncertainty, err));
	r->has_uncertainty = present;
	return hash_list(j, "", "attachments", LIST_ITEMS_MAX, &r->attachments,
			 &r->attachment_count, err);
}

static int governance_from_json(struct governance *g, const json_t *j,
				struct acc_err *err)
{
	bool present;
	uint64_t u;
	switch (g->action) {
	case GOV_ADD_PARTY:
		CK(field_json_str(j, "", "party", true, NULL, &g->party,
				  PARTY_ID_BYTES_MAX, FIELD_ID, err));
		CK(field_json_str(j, "", "name", true, NULL, &g->name,
				  NAME_BYTES_MAX, FIELD_NONEMPTY, err));
		return hash_list(j, "", "keys", KEYS_PER_PARTY_MAX, &g->keys,
				 &g->key_count, err);
	case GOV_REMOVE_PARTY:
		return field_json_str(j, "", "party", true, NULL, &g->party,
				      PARTY_ID_BYTES_MAX, FIELD_ID, err);
	case GOV_ADD_VALIDATOR:
		CK(field_json_str(j, "", "name", true, NULL, &g->name,
				  NAME_BYTES_MAX, FIELD_NONEMPTY, err));
		CK(field_json_str(j, "", "party", true, NULL, &g->party,
				  PARTY_ID_BYTES_MAX, FIELD_ID, err));
		CK(field_json_hex(j, "", "key", true, NULL, g->key,
				  PUBKEY_BYTES, err));
		CK(field_json_str(j, "", "address", true, NULL, &g->address,
				  GENESIS_ADDRESS_BYTES_MAX, FIELD_NONEMPTY,
				  err));
		CK(field_json_str(j, "", "http", false, &present, &g->http,
				  GENESIS_ADDRESS_BYTES_MAX, FIELD_NONEMPTY,
				  err));
		CK(field_json_uint(j, "", "power", true, NULL, 0, INT64_MAX, &u,
				   err));
		g->power = u;
		return 0;
	case GOV_REMOVE_VALIDATOR:
		return field_json_hex(j, "", "key", true, NULL, g->key,
				      PUBKEY_BYTES, err);
	case GOV_ADD_VERIFIER:
		CK(field_json_str(j, "", "verifier", true, NULL, &g->verifier,
				  PARTY_ID_BYTES_MAX, FIELD_ID, err));
		CK(field_json_str(j, "", "name", true, NULL, &g->name,
				  NAME_BYTES_MAX, FIELD_NONEMPTY, err));
		return field_json_hex(j, "", "key", true, NULL, g->key,
				      PUBKEY_BYTES, err);
	case GOV_REMOVE_VERIFIER:
		return field_json_str(j, "", "verifier", true, NULL,
				      &g->verifier, PARTY_ID_BYTES_MAX,
				      FIELD_ID, err);
	case GOV_ROTATE_KEY:
		CK(field_json_hex(j, "", "old_key", true, NULL, g->key,
				  PUBKEY_BYTES, err));
		return field_json_hex(j, "", "new_key", true, NULL, g->new_key,
				      PUBKEY_BYTES, err);
	case GOV_SET_PARAM:
		CK(field_json_str(j, "", "param", true, NULL, &g->param,
				  NAME_BYTES_MAX, FIELD_ID, err));
		return field_json_int(j, "", "value", true, &g->value, err);
	default:
		return acc_err_set(err, ACC_EDECODE, "action: unknown");
	}
}

/* §6, the proposal form of evidence. */
static int evidence_proposals_from_json(struct evidence *ev, const json_t *j,
					struct acc_err *err)
{
	const json_t *arr;
	char p[FIELD_PATH_BYTES];
	uint64_t u;
	int64_t vr;
	ev->form = EVIDENCE_PROPOSALS;
	CK(field_json_array(j, "", "proposals", 2, &arr, err));
	if (json_array_size(arr) != 2)
		return acc_err_set(err, ACC_EDECODE,
				   "proposals: expected exactly 2 proposals");
	for (size_t i = 0; i < 2; i++) {
		const json_t *v = json_array_get(arr, i);
		struct evidence_proposal *pr = &ev->proposals[i];
		snprintf(p, sizeof p, "proposals[%zu].", i);
		CK(field_json_keys(v, proposal_keys, p, err));
		CK(field_json_uint(v, p, "height", true, NULL, 0, INT64_MAX,
				   &pr->height, err));
		CK(field_json_uint(v, p, "round", true, NULL, 0, UINT32_MAX, &u,
				   err));
		pr->round = (uint32_t)u;
		CK(field_json_int(v, p, "valid_round", true, &vr, err));
		if (vr < -1 || vr > INT32_MAX)
			return acc_err_set(err, ACC_ERANGE,
					   "%svalid_round: %lld, want -1 to "
					   "2147483647",
					   p, (long long)vr);
		pr->valid_round = (int32_t)vr;
		CK(field_json_hex(v, p, "block_hash", true, NULL, pr->block_hash,
				  HASH_BYTES, err));
		CK(field_json_hex(v, p, "sig", true, NULL, pr->sig, SIG_BYTES,
				  err));
	}
	return 0;
}

static int evidence_from_json(struct evidence *ev, const json_t *j,
			      struct acc_err *err)
{
	const json_t *arr;
	char p[FIELD_PATH_BYTES];
	uint64_t u;
	CK(field_json_hex(j, "", "validator", true, NULL, ev->validator,
			  PUBKEY_BYTES, err));
	bool has_votes = json_object_get(j, "votes") != NULL;
	bool has_proposals = json_object_get(j, "proposals") != NULL;
	if (has_votes && has_proposals)
		return acc_err_set(err, ACC_EJSON,
				   "evidence has both votes and proposals");
	if (has_proposals)
		return evidence_proposals_from_json(ev, j, err);
	ev->form = EVIDENCE_VOTES;
	CK(field_json_array(j, "", "votes", 2, &arr, err));
	if (json_array_size(arr) != 2)
		return acc_err_set(err, ACC_EDECODE,
				   "votes: expected exactly 2 votes");
	for (size_t i = 0; i < 2; i++) {
		const json_t *v = json_array_get(arr, i);
		struct evidence_vote *vt = &ev->votes[i];
		snprintf(p, sizeof p, "votes[%zu].", i);
		CK(field_json_keys(v, vote_keys, p, err));
		CK(field_json_enum(v, p, "type", vote_type_parse, &vt->type,
				   err));
		CK(field_json_uint(v, p, "height", true, NULL, 0, INT64_MAX,
				   &vt->height, err));
		CK(field_json_uint(v, p, "round", true, NULL, 0, UINT32_MAX, &u,
				   err));
		vt->round = (uint32_t)u;
		CK(field_json_hex(v, p, "block_hash", true, NULL, vt->block_hash,
				  HASH_BYTES, err));
		CK(field_json_hex(v, p, "sig", true, NULL, vt->sig, SIG_BYTES,
				  err));
	}
	return 0;
}

static int sigs_from_json(struct entry *e, const json_t *j,
			  struct acc_err *err)
{
	const json_t *arr = json_object_get(j, "signatures");
	char p[FIELD_PATH_BYTES];
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return acc_err_set(err, ACC_ETYPE, "signatures: expected an array");
	size_t n = json_array_size(arr);
	if (n == 0 || n > ENTRY_SIGS_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "signatures: %zu items, expected 1..%u "
				   "(leave it out when unsigned)",
				   n, ENTRY_SIGS_MAX);
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(arr, i);
		struct entry_sig sig;
		snprintf(p, sizeof p, "signatures[%zu].", i);
		CK(field_json_keys(s, sig_keys, p, err));
		CK(field_json_hex(s, p, "key", true, NULL, sig.key,
				  PUBKEY_BYTES, err));
		CK(field_json_hex(s, p, "sig", true, NULL, sig.sig, SIG_BYTES,
				  err));
		/* Insert in key order (the binary form's order, §4.2). */
		size_t k = e->sig_count;
		while (k > 0 &&
		       memcmp(e->sigs[k - 1].key, sig.key, PUBKEY_BYTES) > 0) {
			e->sigs[k] = e->sigs[k - 1];
			k--;
		}
		if (k > 0 &&
		    memcmp(e->sigs[k - 1].key, sig.key, PUBKEY_BYTES) == 0)
			return acc_err_set(err, ACC_EDECODE,
					   "signatures: key listed twice");
		e->sigs[k] = sig;
		e->sig_count++;
	}
	return 0;
}

static int from_json(struct entry *e, const json_t *j, struct acc_err *err)
{
	const char *const *keys = NULL;
	json_t *k;

	if (!json_is_object(j))
		return acc_err_set(err, ACC_ETYPE, "entry: expected an object");
	k = json_object_get(j, "kind");
	if (k == NULL)
		return acc_err_set(err, ACC_EJSON, "missing field kind");
	if (!json_is_string(k))
		return acc_err_set(err, ACC_ETYPE, "kind: expected a string");
	int kind = entry_kind_parse(json_string_value(k));
	if (kind < 0 || strlen(json_string_value(k)) != json_string_length(k))
		return acc_err_set(err, ACC_EKIND, "unknown entry kind \"%.40s\"",
				   json_string_value(k));
	e->version = ENTRY_VERSION;
	e->kind = (uint8_t)kind;
	switch (kind) {
	case ENTRY_AGREEMENT:
		keys = agreement_keys;
		break;
	case ENTRY_ENDORSEMENT:
		keys = endorsement_keys;
		break;
	case ENTRY_REPORT:
		keys = report_keys;
		break;
	case ENTRY_ATTESTATION:
		keys = attestation_keys;
		break;
	case ENTRY_CHALLENGE:
		keys = challenge_keys;
		break;
	case ENTRY_RESOLUTION:
		keys = resolution_keys;
		break;
	case ENTRY_GOVERNANCE:
		CK(field_json_enum(j, "", "action", gov_action_parse,
				   &e->governance.action, err));
		keys = gov_keys[e->governance.action];
		break;
	case ENTRY_EVIDENCE:
		keys = evidence_keys;
		break;
	default:
		break;
	}
	CK(field_json_keys(j, keys, "", err));
	CK(field_json_time(j, "", "time", true, NULL, &e->time, err));

	switch (kind) {
	case ENTRY_AGREEMENT:
		CK(agreement_from_json(&e->agreement, j, err));
		break;
	case ENTRY_ENDORSEMENT:
		CK(field_json_hex(j, "", "agreement_id", true, NULL,
				  e->endorsement.agreement_id, HASH_BYTES, err));
		break;
	case ENTRY_REPORT:
		CK(report_from_json(&e->report, j, err));
		break;
	case ENTRY_ATTESTATION:
		CK(field_json_hex(j, "", "report_id", true, NULL,
				  e->attestation.report_id, HASH_BYTES, err));
		CK(field_json_enum(j, "", "opinion", opinion_parse,
				   &e->attestation.opinion, err));
		CK(field_json_str(j, "", "reasons", true, NULL,
				  &e->attestation.reasons, TEXT_BYTES_MAX,
				  FIELD_TEXT, err));
		CK(field_json_str(j, "", "comments", true, NULL,
				  &e->attestation.comments, TEXT_BYTES_MAX,
				  FIELD_TEXT, err));
		break;
	case ENTRY_CHALLENGE:
		CK(field_json_hex(j, "", "target_id", true, NULL,
				  e->challenge.target_id, HASH_BYTES, err));
		CK(field_json_str(j, "", "reason", true, NULL,
				  &e->challenge.reason, TEXT_BYTES_MAX,
				  FIELD_TEXT, err));
		break;
	case ENTRY_RESOLUTION:
		CK(field_json_hex(j, "", "challenge_id", true, NULL,
				  e->resolution.challenge_id, HASH_BYTES, err));
		CK(field_json_enum(j, "", "outcome", outcome_parse,
				   &e->resolution.outcome, err));
		CK(field_json_str(j, "", "note", true, NULL, &e->resolution.note,
				  TEXT_BYTES_MAX, FIELD_TEXT, err));
		break;
	case ENTRY_GOVERNANCE:
		CK(governance_from_json(&e->governance, j, err));
		break;
	case ENTRY_EVIDENCE:
		CK(evidence_from_json(&e->evidence, j, err));
		break;
	default:
		break;
	}
	CK(sigs_from_json(e, j, err));
	return entry_validate(e, false, err);
}

int entry_from_json(struct entry *e, const json_t *j, struct acc_err *err)
{
	memset(e, 0, sizeof *e);
	int rc = from_json(e, j, err);
	if (rc != 0)
		entry_free(e);
	return rc;
}

int entry_from_json_text(struct entry *e, const char *text, size_t len,
			 struct acc_err *err)
{
	json_t *j;
	int rc;
	memset(e, 0, sizeof *e);
	if (len > HTTP_BODY_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "entry JSON of %zu bytes, over %u", len,
				   HTTP_BODY_BYTES_MAX);
	if ((rc = field_json_parse(&j, text, len, err)) != 0)
		return rc;
	rc = entry_from_json(e, j, err);
	json_decref(j);
	return rc;
}

/* ---- entry -> JSON ---- */

static json_t *str_array(char *const *v, size_t n)
{
	json_t *a = json_array();
	bool ok = a != NULL;
	for (size_t i = 0; ok && i < n; i++)
		field_append(a, json_string(v[i] ? v[i] : ""), &ok);
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *hash_array(const uint8_t (*v)[HASH_BYTES], size_t n)
{
	json_t *a = json_array();
	bool ok = a != NULL;
	for (size_t i = 0; ok && i < n; i++)
		field_append(a, field_hex_json(v[i], HASH_BYTES), &ok);
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *obligation_to_json(const struct obligation *o)
{
	json_t *j = json_object();
	bool ok = j != NULL;
	if (!ok)
		return NULL;
	field_set_str(j, "party", o->party, &ok);
	field_set_str(j, "scope", o->scope, &ok);
	field_set_str(j, "pollutant", pollutant_name(o->pollutant), &ok);
	field_set_str(j, "metric", metric_name(o->metric), &ok);
	if (o->has_baseline) {
		field_set_uint(j, "baseline_year", o->baseline_year, &ok);
		field_set_milli(j, "baseline_value", o->baseline_value, &ok);
	}
	field_set_milli(j, "target", o->target, &ok);
	field_set_milli(j, "default_value", o->default_value, &ok);
	field_set_time(j, "period_start", o->period_start, &ok);
	field_set_time(j, "period_end", o->period_end, &ok);
	field_set_time(j, "deadline", o->deadline, &ok);
	field_set_str(j, "frequency", frequency_name(o->frequency), &ok);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void agreement_to_json(json_t *j, const struct agreement *a, bool *ok)
{
	field_set_str(j, "title", a->title, ok);
	field_set(j, "parties", str_array(a->parties, a->party_count), ok);
	json_t *obs = json_array();
	if (obs == NULL) {
		*ok = false;
		return;
	}
	for (size_t i = 0; *ok && i < a->obligation_count; i++)
		field_append(obs, obligation_to_json(&a->obligations[i]), ok);
	field_set(j, "obligations", obs, ok);
	field_set_uint(j, "grace_days", a->grace_days, ok);
	json_t *ver = json_object();
	if (ver != NULL) {
		field_set(ver, "verifiers",
			  str_array(a->verifiers, a->verifier_count), ok);
		field_set(ver, "peer_parties_may_attest",
			  json_boolean(a->peer_parties_may_attest), ok);
		field_set_uint(ver, "attestations_required",
			       a->attestations_required, ok);
	}
	field_set(j, "verification", ver, ok);
	if (a->has_compensation) {
		json_t *c = json_object();
		if (c != NULL) {
			field_set_milli(c, "rate", a->compensation_rate, ok);
			field_set_str(c, "currency", a->currency, ok);
			if (a->payee != NULL && a->payee[0] != 0)
				field_set_str(c, "payee", a->payee, ok);
		}
		field_set(j, "compensation", c, ok);
	}
	field_set_uint(j, "resolution_threshold", a->resolution_threshold, ok);
	field_set_uint(j, "amendment_threshold", a->amendment_threshold, ok);
	field_set_uint(j, "challenge_days", a->challenge_days, ok);
	if (a->has_supersedes)
		field_set_hex(j, "supersedes", a->supersedes, HASH_BYTES, ok);
	field_set_hex(j, "legal_text_hash", a->legal_text_hash, HASH_BYTES, ok);
	field_set_str(j, "legal_text_uri", a->legal_text_uri, ok);
}

static void report_to_json(json_t *j, const struct report *r, bool *ok)
{
	field_set_hex(j, "agreement_id", r->agreement_id, HASH_BYTES, ok);
	field_set_str(j, "party", r->party, ok);
	field_set_str(j, "scope", r->scope, ok);
	field_set_str(j, "pollutant", pollutant_name(r->pollutant), ok);
	field_set_str(j, "metric", metric_name(r->metric), ok);
	field_set_time(j, "period_start", r->period_start, ok);
	field_set_time(j, "period_end", r->period_end, ok);
	if (r->has_value)
		field_set_milli(j, "value", r->value, ok);
	else
		field_set_str(j, "notation_key", r->notation_key, ok);
	field_set_str(j, "unit", unit_name(r->unit), ok);
	field_set_str(j, "method", r->method, ok);
	field_set_str(j, "data_source", r->data_source, ok);
	if (r->has_uncertainty)
		field_set_milli(j, "uncertainty", r->uncertainty, ok);
	field_set(j, "attachments",
		  hash_array((const uint8_t(*)[HASH_BYTES])r->attachments,
			     r->attachment_count),
		  ok);
}

static void governance_to_json(json_t *j, const struct governance *g,
			       bool *ok)
{
	field_set_str(j, "action", gov_action_name(g->action), ok);
	switch (g->action) {
	case GOV_ADD_PARTY:
		field_set_str(j, "party", g->party, ok);
		field_set_str(j, "name", g->name, ok);
		field_set(j, "keys",
			  hash_array((const uint8_t(*)[HASH_BYTES])g->keys,
				     g->key_count),
			  ok);
		break;
	case GOV_REMOVE_PARTY:
		field_set_str(j, "party", g->party, ok);
		break;
	case GOV_ADD_VALIDATOR:
		field_set_str(j, "name", g->name, ok);
		field_set_str(j, "party", g->party, ok);
		field_set_hex(j, "key", g->key, PUBKEY_BYTES, ok);
		field_set_str(j, "address", g->address, ok);
		if (g->http != NULL)
			field_set_str(j, "http", g->http, ok);
		field_set_uint(j, "power", g->power, ok);
		break;
	case GOV_REMOVE_VALIDATOR:
		field_set_hex(j, "key", g->key, PUBKEY_BYTES, ok);
		break;
	case GOV_ADD_VERIFIER:
		field_set_str(j, "verifier", g->verifier, ok);
		field_set_str(j, "name", g->name, ok);
		field_set_hex(j, "key", g->key, PUBKEY_BYTES, ok);
		break;
	case GOV_REMOVE_VERIFIER:
		field_set_str(j, "verifier", g->verifier, ok);
		break;
	case GOV_ROTATE_KEY:
		field_set_hex(j, "old_key", g->key, PUBKEY_BYTES, ok);
		field_set_hex(j, "new_key", g->new_key, PUBKEY_BYTES, ok);
		break;
	case GOV_SET_PARAM:
		field_set_str(j, "param", g->param, ok);
		field_set(j, "value", json_integer((json_int_t)g->value), ok);
		break;
	default:
		*ok = false;
		break;
	}
}

static void evidence_to_json(json_t *j, const struct evidence *ev, bool *ok)
{
	field_set_hex(j, "validator", ev->validator, PUBKEY_BYTES, ok);
	if (ev->form == EVIDENCE_PROPOSALS) {
		json_t *props = json_array();
		for (int i = 0; props != NULL && i < 2; i++) {
			const struct evidence_proposal *p = &ev->proposals[i];
			json_t *o = json_object();
			if (o != NULL) {
				field_set_uint(o, "height", p->height, ok);
				field_set_uint(o, "round", p->round, ok);
				field_set(o, "valid_round",
					  json_integer(p->valid_round), ok);
				field_set_hex(o, "block_hash", p->block_hash,
					      HASH_BYTES, ok);
				field_set_hex(o, "sig", p->sig, SIG_BYTES, ok);
			}
			field_append(props, o, ok);
		}
		field_set(j, "proposals", props, ok);
		return;
	}
	json_t *votes = json_array();
	for (int i = 0; votes != NULL && i < 2; i++) {
		const struct evidence_vote *v = &ev->votes[i];
		json_t *o = json_object();
		if (o != NULL) {
			field_set_str(o, "type", vote_type_name(v->type), ok);
			field_set_uint(o, "height", v->height, ok);
			field_set_uint(o, "round", v->round, ok);
			field_set_hex(o, "block_hash", v->block_hash,
				      HASH_BYTES, ok);
			field_set_hex(o, "sig", v->sig, SIG_BYTES, ok);
		}
		field_append(votes, o, ok);
	}
	field_set(j, "votes", votes, ok);
}

json_t *entry_to_json(const struct entry *e)
{
	struct acc_err err;
	bool ok = true;
	/* Only encodable entries have a JSON form: it must convert back. */
	if (entry_validate(e, false, &err) != 0)
		return NULL;
	json_t *j = json_object();
	if (j == NULL)
		return NULL;
	field_set_str(j, "kind", entry_kind_name(e->kind), &ok);
	field_set_time(j, "time", e->time, &ok);
	switch (e->kind) {
	case ENTRY_AGREEMENT:
		agreement_to_json(j, &e->agreement, &ok);
		break;
	case ENTRY_ENDORSEMENT:
		field_set_hex(j, "agreement_id", e->endorsement.agreement_id,
			      HASH_BYTES, &ok);
		break;
	case ENTRY_REPORT:
		report_to_json(j, &e->report, &ok);
		break;
	case ENTRY_ATTESTATION:
		field_set_hex(j, "report_id", e->attestation.report_id,
			      HASH_BYTES, &ok);
		field_set_str(j, "opinion", opinion_name(e->attestation.opinion),
			      &ok);
		field_set_str(j, "reasons", e->attestation.reasons, &ok);
		field_set_str(j, "comments", e->attestation.comments, &ok);
		break;
	case ENTRY_CHALLENGE:
		field_set_hex(j, "target_id", e->challenge.target_id, HASH_BYTES,
			      &ok);
		field_set_str(j, "reason", e->challenge.reason, &ok);
		break;
	case ENTRY_RESOLUTION:
		field_set_hex(j, "challenge_id", e->resolution.challenge_id,
			      HASH_BYTES, &ok);
		field_set_str(j, "outcome", outcome_name(e->resolution.outcome),
			      &ok);
		field_set_str(j, "note", e->resolution.note, &ok);
		break;
	case ENTRY_GOVERNANCE:
		governance_to_json(j, &e->governance, &ok);
		break;
	case ENTRY_EVIDENCE:
		evidence_to_json(j, &e->evidence, &ok);
		break;
	default:
		ok = false;
		break;
	}
	if (e->sig_count > 0) {
		json_t *sigs = json_array();
		for (size_t i = 0; sigs != NULL && i < e->sig_count; i++) {
			json_t *s = json_object();
			if (s != NULL) {
				field_set_hex(s, "key", e->sigs[i].key,
					      PUBKEY_BYTES, &ok);
				field_set_hex(s, "sig", e->sigs[i].sig,
					      SIG_BYTES, &ok);
			}
			field_append(sigs, s, &ok);
		}
		field_set(j, "signatures", sigs, &ok);
	}
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}
