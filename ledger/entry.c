/* entry.c - the canonical binary encoding and the JSON form of entries
 * (specs/encoding.md §4-§6). Checks against genesis live in
 * entry_check.c. */
#include "ledger/entry.h"
#include "ledger/entry_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/hex.h"
#include "common/merkle.h"
#include "ledger/field.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

/* ---- names of the enumerations (§3) ---- */

static const char *const kind_names[] = {
    NULL,          "agreement",  "endorsement", "report",   "attestation",
    "challenge",   "resolution", "governance",  "evidence",
};
static const char *const pollutant_names[] = {
    NULL, "PM2.5", "PM10", "SO2", "NO2",  "O3",   "NOx", "VOCs",
    "CO2", "CO2e",  "CH4",  "N2O", "HFCs", "PFCs", "SF6",
};
static const char *const metric_names[] = {
    NULL,
    "annual_mean_concentration",
    "total_emissions",
    "percent_reduction",
};
static const char *const unit_names[] = {
    NULL, "\xc2\xb5g/m\xc2\xb3", "t", "%", "t CO2e", "kt CO2e", "Mt CO2e"};
static const char *const frequency_names[] = {NULL, "annual", "quarterly",
					      "monthly"};
static const char *const opinion_names[] = {
    NULL, "verified", "verified_with_comments", "not_verified"};
static const char *const outcome_names[] = {NULL, "upheld", "dismissed"};
static const char *const gov_action_names[] = {
    NULL,           "add_party",       "remove_party",
    "add_validator", "remove_validator", "add_verifier",
    "remove_verifier", "rotate_key",   "set_param",
};

#define NAME_OF(table, v)                                                   \
	((v) > 0 && (size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] \
								     : NULL)

static int parse_in(const char *const *table, size_t n, const char *s)
{
	if (s == NULL)
		return -1;
	for (size_t i = 1; i < n; i++)
		if (strcmp(table[i], s) == 0)
			return (int)i;
	return -1;
}
#define PARSE_IN(table, s) parse_in(table, sizeof(table) / sizeof(table[0]), s)

const char *entry_kind_name(int k) { return NAME_OF(kind_names, k); }
const char *pollutant_name(int p) { return NAME_OF(pollutant_names, p); }
const char *metric_name(int m) { return NAME_OF(metric_names, m); }
const char *unit_name(int u) { return NAME_OF(unit_names, u); }
const char *frequency_name(int f) { return NAME_OF(frequency_names, f); }
const char *opinion_name(int o) { return NAME_OF(opinion_names, o); }
const char *outcome_name(int o) { return NAME_OF(outcome_names, o); }
const char *gov_action_name(int a) { return NAME_OF(gov_action_names, a); }

int entry_kind_parse(const char *s) { return PARSE_IN(kind_names, s); }
int pollutant_parse(const char *s) { return PARSE_IN(pollutant_names, s); }
int metric_parse(const char *s) { return PARSE_IN(metric_names, s); }
int frequency_parse(const char *s) { return PARSE_IN(frequency_names, s); }
int opinion_parse(const char *s) { return PARSE_IN(opinion_names, s); }
int outcome_parse(const char *s) { return PARSE_IN(outcome_names, s); }
int gov_action_parse(const char *s) { return PARSE_IN(gov_action_names, s); }

int unit_parse(const char *s)
{
	if (s != NULL && strcmp(s, "ug/m3") == 0)
		return UNIT_UG_M3;
	return PARSE_IN(unit_names, s);
}

int metric_unit(int metric)
{
	switch (metric) {
	case METRIC_ANNUAL_MEAN_CONCENTRATION:
		return UNIT_UG_M3;
	case METRIC_TOTAL_EMISSIONS:
		return UNIT_T;
	case METRIC_PERCENT_REDUCTION:
		return UNIT_PERCENT;
	default:
		return -1;
	}
}

bool pollutant_is_ghg(int p)
{
	return p >= POLLUTANT_CO2E && p <= POLLUTANT_SF6;
}

int obligation_unit(int pollutant, int metric)
{
	if (metric == METRIC_TOTAL_EMISSIONS && pollutant_is_ghg(pollutant))
		return UNIT_T_CO2E;
	return metric_unit(metric);
}

/* §3.1: IPCC Fifth Assessment Report (AR5, 2014), WG I, table 8.7,
 * 100-year global warming potentials without climate-carbon feedbacks;
 * 0 for a basket or family that has no single GWP. */
static int64_t gwp100_ar5(int p)
{
	switch (p) {
	case POLLUTANT_CO2:
		return 1;
	case POLLUTANT_CH4:
		return 28;
	case POLLUTANT_N2O:
		return 265;
	case POLLUTANT_SF6:
		return 23500;
	default:
		return 0;
	}
}

static bool unit_is_co2e(int u)
{
	return u == UNIT_T_CO2E || u == UNIT_KT_CO2E || u == UNIT_MT_CO2E;
}

bool report_unit_valid(int pollutant, int metric, int u)
{
	if (metric == METRIC_TOTAL_EMISSIONS && unit_is_co2e(u))
		return pollutant == POLLUTANT_CO2 || pollutant_is_ghg(pollutant);
	if (u != metric_unit(metric))
		return false;
	/* A mass in t: of one gas; a basket or a family has none. */
	return metric != METRIC_TOTAL_EMISSIONS ||
	       (pollutant != POLLUTANT_CO2E && pollutant != POLLUTANT_HFCS &&
		pollutant != POLLUTANT_PFCS);
}

int report_value_convert(int pollutant, int metric, int u, int64_t v,
			 int64_t *out)
{
	int64_t f = 1;
	if (!report_unit_valid(pollutant, metric, u))
		return ACC_EINVAL;
	if (u == UNIT_KT_CO2E)
		f = 1000;
	else if (u == UNIT_MT_CO2E)
		f = 1000000;
	else if (u == UNIT_T && pollutant_is_ghg(pollutant))
		f = gwp100_ar5(pollutant);
	/* |v| <= QTY_MILLI_MAX (10^15) and f <= 10^6: no overflow. */
	if (v > QTY_MILLI_MAX / f || v < -(QTY_MILLI_MAX / f))
		return ACC_ERANGE;
	*out = v * f;
	return 0;
}

bool entry_kind_multisig(int kind)
{
	return kind == ENTRY_RESOLUTION || kind == ENTRY_GOVERNANCE;
}

/* ---- freeing ---- */

static void free_strs(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	switch (e->kind) {
	case ENTRY_AGREEMENT: {
		struct agreement *a = &e->agreement;
		free(a->title);
		free_strs(a->parties, a->party_count);
		if (a->obligations != NULL) {
			for (size_t i = 0; i < a->obligation_count; i++) {
				free(a->obligations[i].party);
				free(a->obligations[i].scope);
			}
			free(a->obligations);
		}
		free_strs(a->verifiers, a->verifier_count);
		free(a->payee);
		free(a->legal_text_uri);
		break;
	}
	case ENTRY_REPORT: {
		struct report *r = &e->report;
		free(r->party);
		free(r->scope);
		free(r->notation_key);
		free(r->method);
		free(r->data_source);
		free(r->attachments);
		break;
	}
	case ENTRY_ATTESTATION:
		free(e->attestation.reasons);
		free(e->attestation.comments);
		break;
	case ENTRY_CHALLENGE:
		free(e->challenge.reason);
		break;
	case ENTRY_RESOLUTION:
		free(e->resolution.note);
		break;
	case ENTRY_GOVERNANCE: {
		struct governance *g = &e->governance;
		free(g->party);
		free(g->verifier);
		free(g->name);
		free(g->keys);
		free(g->address);
		free(g->http);
		free(g->param);
		break;
	}
	default:
		break;
	}
	memset(e, 0, sizeof *e);
}

/* ---- validation shared by encoder and decoder (§5) ----
 *
 * The decoder reads the layout and then runs the same checks the encoder
 * runs before writing, so that exactly the values the encoder accepts
 * decode, and each decodes from exactly one byte string. */

static int check_enum(unsigned v, unsigned max, const char *path,
		      struct acc_err *err)
{
	if (v < 1 || v > max)
		return acc_err_set(err, ACC_EDECODE, "%s: unknown code %u",
				   path, v);
	return 0;
}

static int check_time(uint64_t t, const char *path, struct acc_err *err)
{
	if (t > TIME_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: time after 9999-12-31T23:59:59Z", path);
	return 0;
}

static int check_milli(int64_t v, const char *path, struct acc_err *err)
{
	if (v > QTY_MILLI_MAX || v < -QTY_MILLI_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: quantity beyond 10^12", path);
	return 0;
}

static int check_u63(uint64_t v, const char *path, struct acc_err *err)
{
	if (v > (uint64_t)INT64_MAX)
		return acc_err_set(err, ACC_EDECODE, "%s: above 2^63-1", path);
	return 0;
}

static int check_count(size_t n, size_t max, const char *path,
		       struct acc_err *err)
{
	if (n > max)
		return acc_err_set(err, ACC_EDECODE, "%s: more than %zu items",
				   path, max);
	return 0;
}

static int check_currency(const char c[4], struct acc_err *err)
{
	for (int i = 0; i < 3; i++)
		if (c[i] < 'A' || c[i] > 'Z')
			return acc_err_set(
			    err, ACC_EDECODE,
			    "compensation.currency: expected 3 letters A-Z");
	if (c[3] != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "compensation.currency: expected 3 letters");
	return 0;
}

#define CK(x)                                                              \
	do {                                                               \
		int rc_ = (x);                                             \
		if (rc_ != 0)                                              \
			return rc_;                                        \
	} while (0)

static int validate_obligation(const struct obligation *o, size_t i,
			       struct acc_err *err)
{
	char f[FIELD_PATH_BYTES];
#define PF(name) (snprintf(f, sizeof f, "obligations[%zu].%s", i, name), f)
	CK(field_str_check(o->party, PARTY_ID_BYTES_MAX, FIELD_ID, PF("party"),
			   err));
	CK(field_str_check(o->scope, NAME_BYTES_MAX, FIELD_TEXT, PF("scope"),
			   err));
	CK(check_enum(o->pollutant, POLLUTANT_MAX, PF("pollutant"), err));
	CK(check_enum(o->metric, METRIC_MAX, PF("metric"), err));
	if (o->has_baseline)
		CK(check_milli(o->baseline_value, PF("baseline_value"), err));
	CK(check_milli(o->target, PF("target"), err));
	CK(check_milli(o->default_value, PF("default_value"), err));
	CK(check_time(o->period_start, PF("period_start"), err));
	CK(check_time(o->period_end, PF("period_end"), err));
	CK(check_time(o->deadline, PF("deadline"), err));
	CK(check_enum(o->frequency, FREQUENCY_MAX, PF("frequency"), err));
#undef PF
	return 0;
}

static int validate_id_list(char *const *v, size_t n, size_t max,
			    const char *name, struct acc_err *err)
{
	char p[FIELD_PATH_BYTES];
	CK(check_count(n, max, name, err));
	for (size_t i = 0; i < n; i++) {
		field_path_index(p, "", name, i);
		CK(field_str_check(v[i], PARTY_ID_BYTES_MAX, FIELD_ID, p, err));
	}
	return 0;
}

static int validate_agreement(const struct agreement *a, struct acc_err *err)
{
	CK(field_str_check(a->title, NAME_BYTES_MAX, FIELD_NONEMPTY, "title",
			   err));
	CK(validate_id_list(a->parties, a->party_count, LIST_ITEMS_MAX,
			    "parties", err));
	CK(check_count(a->obligation_count, OBLIGATIONS_MAX, "obligations",
		       err));
	for (size_t i = 0; i < a->obligation_count; i++)
		CK(validate_obligation(&a->obligations[i], i, err));
	CK(validate_id_list(a->verifiers, a->verifier_count, LIST_ITEMS_MAX,
			    "verification.verifiers", err));
	if (a->has_compensation) {
		CK(check_milli(a->compensation_rate, "compensation.rate", err));
		CK(check_currency(a->currency, err));
		/* "" (or NULL): the other parties share it (§5.1). */
		if (a->payee != NULL && a->payee[0] != 0)
			CK(field_str_check(a->payee, PARTY_ID_BYTES_MAX,
					   FIELD_ID, "compensation.payee",
					   err));
	}
	CK(field_str_check(a->legal_text_uri, URI_BYTES_MAX, FIELD_TEXT,
			   "legal_text_uri", err));
	return 0;
}

static int validate_report(const struct report *r, struct acc_err *err)
{
	CK(field_str_check(r->party, PARTY_ID_BYTES_MAX, FIELD_ID, "party",
			   err));
	CK(field_str_check(r->scope, NAME_BYTES_MAX, FIELD_TEXT, "scope", err));
	CK(check_enum(r->pollutant, POLLUTANT_MAX, "pollutant", err));
	CK(check_enum(r->metric, METRIC_MAX, "metric", err));
	CK(check_time(r->period_start, "period_start", err));
	CK(check_time(r->period_end, "period_end", err));
	if (r->has_value) {
		CK(check_milli(r->value, "value", err));
		if (r->notation_key != NULL)
			return acc_err_set(err, ACC_EDECODE,
					   "value and notation_key both set");
	} else {
		CK(field_str_check(r->notation_key, NAME_BYTES_MAX,
				   FIELD_NONEMPTY, "notation_key", err));
	}
	CK(check_enum(r->unit, UNIT_MAX, "unit", err));
	CK(field_str_check(r->method, NAME_BYTES_MAX, FIELD_TEXT, "method",
			   err));
	CK(field_str_check(r->data_source, URI_BYTES_MAX, FIELD_TEXT,
			   "data_source", err));
	if (r->has_uncertainty)
		CK(check_milli(r->uncertainty, "uncertainty", err));
	CK(check_count(r->attachment_count, LIST_ITEMS_MAX, "attachments",
		       err));
	return 0;
}

static int validate_governance(const struct governance *g,
			       struct acc_err *err)
{
	CK(check_enum(g->action, GOV_ACTION_MAX, "action", err));
	switch (g->action) {
	case GOV_ADD_PARTY:
		CK(field_str_check(g->party, PARTY_ID_BYTES_MAX, FIELD_ID,
				   "party", err));
		CK(field_str_check(g->name, NAME_BYTES_MAX, FIELD_NONEMPTY,
				   "name", err));
		CK(check_count(g->key_count, KEYS_PER_PARTY_MAX, "keys", err));
		break;
	case GOV_REMOVE_PARTY:
		CK(field_str_check(g->party, PARTY_ID_BYTES_MAX, FIELD_ID,
				   "party", err));
		break;
	case GOV_ADD_VALIDATOR:
		CK(field_str_check(g->name, NAME_BYTES_MAX, FIELD_NONEMPTY,
				   "name", err));
		CK(field_str_check(g->party, PARTY_ID_BYTES_MAX, FIELD_ID,
				   "party", err));
		CK(field_str_check(g->address, GENESIS_ADDRESS_BYTES_MAX,
				   FIELD_NONEMPTY, "address", err));
		if (g->http != NULL)
			CK(field_str_check(g->http, GENESIS_ADDRESS_BYTES_MAX,
					   FIELD_NONEMPTY, "http", err));
		CK(check_u63(g->power, "power", err));
		break;
	case GOV_REMOVE_VALIDATOR:
	case GOV_ROTATE_KEY:
		break;
	case GOV_ADD_VERIFIER:
		CK(field_str_check(g->verifier, PARTY_ID_BYTES_MAX, FIELD_ID,
				   "verifier", err));
		CK(field_str_check(g->name, NAME_BYTES_MAX, FIELD_NONEMPTY,
				   "name", err));
		break;
	case GOV_REMOVE_VERIFIER:
		CK(field_str_check(g->verifier, PARTY_ID_BYTES_MAX, FIELD_ID,
				   "verifier", err));
		break;
	case GOV_SET_PARAM:
		CK(field_str_check(g->param, NAME_BYTES_MAX, FIELD_ID, "param",
				   err));
		break;
	default:
		break;
	}
	return 0;
}

static int validate_evidence(const struct evidence *ev, struct acc_err *err)
{
	if (ev->form == EVIDENCE_PROPOSALS) {
		for (int i = 0; i < 2; i++) {
			char p[FIELD_PATH_BYTES];
			field_path_index(p, "", "proposals", (size_t)i);
			CK(check_u63(ev->proposals[i].height, p, err));
			if (ev->proposals[i].valid_round < -1)
				return acc_err_set(
				    err, ACC_EDECODE,
				    "%s.valid_round: %ld (want -1 or more)", p,
				    (long)ev->proposals[i].valid_round);
		}
		return 0;
	}
	if (ev->form != EVIDENCE_VOTES)
		return acc_err_set(err, ACC_EDECODE, "evidence form %u unknown",
				   ev->form);
	for (int i = 0; i < 2; i++) {
		char p[FIELD_PATH_BYTES];
		field_path_index(p, "", "votes", (size_t)i);
		if (ev->votes[i].type != 1 && ev->votes[i].type != 2)
			return acc_err_set(err, ACC_EDECODE,
					   "%s.type: unknown code %u", p,
					   ev->votes[i].type);
		CK(check_u63(ev->votes[i].height, p, err));
	}
	return 0;
}

/* Signatures: at most ENTRY_SIGS_MAX, keys strictly ascending; for the
 * full form at least one, and exactly one for single-signer kinds. */
static int validate_sigs(const struct entry *e, bool full,
			 struct acc_err *err)
{
	if (e->sig_count > ENTRY_SIGS_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "signatures: more than %u", ENTRY_SIGS_MAX);
	if (full && e->sig_count == 0)
		return acc_err_set(err, ACC_EDECODE, "signatures: none");
	if (!entry_kind_multisig(e->kind) && e->sig_count > 1)
		return acc_err_set(err, ACC_EDECODE,
				   "signatures: %s takes exactly one",
				   entry_kind_name(e->kind));
	for (size_t i = 1; i < e->sig_count; i++)
		if (memcmp(e->sigs[i - 1].key, e->sigs[i].key, PUBKEY_BYTES) >=
		    0)
			return acc_err_set(
			    err, ACC_EDECODE,
			    "signatures: keys not strictly ascending at %zu", i);
	return 0;
}

static int validate_body(const struct entry *e, struct acc_err *err)
{
	if (e->version != ENTRY_VERSION)
		return acc_err_set(err, ACC_EDECODE, "version %u (expected %u)",
				   e->version, ENTRY_VERSION);
	if (e->kind < 1 || e->kind > ENTRY_KIND_MAX)
		return acc_err_set(err, ACC_EKIND, "unknown entry kind %u",
				   e->kind);
	CK(check_time(e->time, "time", err));
	switch (e->kind) {
	case ENTRY_AGREEMENT:
		return validate_agreement(&e->agreement, err);
	case ENTRY_REPORT:
		return validate_report(&e->report, err);
	case ENTRY_ATTESTATION:
		CK(check_enum(e->attestation.opinion, OPINION_MAX, "opinion",
			      err));
		CK(field_str_check(e->attestation.reasons, TEXT_BYTES_MAX,
				   FIELD_TEXT, "reasons", err));
		return field_str_check(e->attestation.comments, TEXT_BYTES_MAX,
				       FIELD_TEXT, "comments", err);
	case ENTRY_CHALLENGE:
		return field_str_check(e->challenge.reason, TEXT_BYTES_MAX,
				       FIELD_TEXT, "reason", err);
	case ENTRY_RESOLUTION:
		CK(check_enum(e->resolution.outcome, OUTCOME_MAX, "outcome",
			      err));
		return field_str_check(e->resolution.note, TEXT_BYTES_MAX,
				       FIELD_TEXT, "note", err);
	case ENTRY_GOVERNANCE:
		return validate_governance(&e->governance, err);
	case ENTRY_EVIDENCE:
		return validate_evidence(&e->evidence, err);
	default:
		return 0;
	}
}

int entry_validate(const struct entry *e, bool full, struct acc_err *err)
{
	CK(validate_body(e, err));
	return validate_sigs(e, full, err);
}

/* ---- binary writer (§5) ---- */

static void write_obligation(struct wbuf *w, const struct obligation *o)
{
	field_str_write(w, o->party);
	field_str_write(w, o->scope);
	wbuf_u8(w, o->pollutant);
	wbuf_u8(w, o->metric);
	wbuf_u8(w, o->has_baseline ? 1 : 0);
	if (o->has_baseline) {
		wbuf_u16(w, o->baseline_year);
		wbuf_i64(w, o->baseline_value);
	}
	wbuf_i64(w, o->target);
	wbuf_i64(w, o->default_value);
	wbuf_u64(w, o->period_start);
	wbuf_u64(w, o->period_end);
	wbuf_u64(w, o->deadline);
	wbuf_u8(w, o->frequency);
}

static void write_strs(struct wbuf *w, char *const *v, size_t n)
{
	wbuf_u16(w, (uint16_t)n);
	for (size_t i = 0; i < n; i++)
		field_str_write(w, v[i]);
}

static void write_body(struct wbuf *w, const struct entry *e)
{
	wbuf_u8(w, e->version);
	wbuf_u8(w, e->kind);
	wbuf_u64(w, e->time);
	switch (e->kind) {
	case ENTRY_AGREEMENT: {
		const struct agreement *a = &e->agreement;
		field_str_write(w, a->title);
		write_strs(w, a->parties, a->party_count);
		wbuf_u16(w, (uint16_t)a->obligation_count);
		for (size_t i = 0; i < a->obligation_count; i++)
			write_obligation(w, &a->obligations[i]);
		wbuf_u32(w, a->grace_days);
		write_strs(w, a->verifiers, a->verifier_count);
		wbuf_u8(w, a->peer_parties_may_attest ? 1 : 0);
		wbuf_u8(w, a->attestations_required);
		wbuf_u8(w, a->has_compensation ? 1 : 0);
		if (a->has_compensation) {
			wbuf_i64(w, a->compensation_rate);
			wbuf_bytes(w, a->currency, 3);
			field_str_write(w, a->payee);
		}
		wbuf_u8(w, a->resolution_threshold);
		wbuf_u8(w, a->amendment_threshold);
		wbuf_u32(w, a->challenge_days);
		wbuf_u8(w, a->has_supersedes ? 1 : 0);
		if (a->has_supersedes)
			wbuf_bytes(w, a->supersedes, HASH_BYTES);
		wbuf_bytes(w, a->legal_text_hash, HASH_BYTES);
		field_str_write(w, a->legal_text_uri);
		break;
	}
	case ENTRY_ENDORSEMENT:
		wbuf_bytes(w, e->endorsement.agreement_id, HASH_BYTES);
		break;
	case ENTRY_REPORT: {
		const struct report *r = &e->report;
		wbuf_bytes(w, r->agreement_id, HASH_BYTES);
		field_str_write(w, r->party);
		field_str_write(w, r->scope);
		wbuf_u8(w, r->pollutant);
		wbuf_u8(w, r->metric);
		wbuf_u64(w, r->period_start);
		wbuf_u64(w, r->period_end);
		wbuf_u8(w, r->has_value ? 1 : 0);
		if (r->has_value)
			wbuf_i64(w, r->value);
		else
			field_str_write(w, r->notation_key);
		wbuf_u8(w, r->unit);
		field_str_write(w, r->method);
		field_str_write(w, r->data_source);
		wbuf_u8(w, r->has_uncertainty ? 1 : 0);
		if (r->has_uncertainty)
			wbuf_i64(w, r->uncertainty);
		wbuf_u16(w, (uint16_t)r->attachment_count);
		for (size_t i = 0; i < r->attachment_count; i++)
			wbuf_bytes(w, r->attachments[i], HASH_BYTES);
		break;
	}
	case ENTRY_ATTESTATION:
		wbuf_bytes(w, e->attestation.report_id, HASH_BYTES);
		wbuf_u8(w, e->attestation.opinion);
		field_str_write(w, e->attestation.reasons);
		field_str_write(w, e->attestation.comments);
		break;
	case ENTRY_CHALLENGE:
		wbuf_bytes(w, e->challenge.target_id, HASH_BYTES);
		field_str_write(w, e->challenge.reason);
		break;
	case ENTRY_RESOLUTION:
		wbuf_bytes(w, e->resolution.challenge_id, HASH_BYTES);
		wbuf_u8(w, e->resolution.outcome);
		field_str_write(w, e->resolution.note);
		break;
	case ENTRY_GOVERNANCE: {
		const struct governance *g = &e->governance;
		wbuf_u8(w, g->action);
		switch (g->action) {
		case GOV_ADD_PARTY:
			field_str_write(w, g->party);
			field_str_write(w, g->name);
			wbuf_u16(w, (uint16_t)g->key_count);
			for (size_t i = 0; i < g->key_count; i++)
				wbuf_bytes(w, g->keys[i], PUBKEY_BYTES);
			break;
		case GOV_REMOVE_PARTY:
			field_str_write(w, g->party);
			break;
		case GOV_ADD_VALIDATOR:
			field_str_write(w, g->name);
			field_str_write(w, g->party);
			wbuf_bytes(w, g->key, PUBKEY_BYTES);
			field_str_write(w, g->address);
			wbuf_u8(w, g->http != NULL ? 1 : 0);
			if (g->http != NULL)
				field_str_write(w, g->http);
			wbuf_u64(w, g->power);
			break;
		case GOV_REMOVE_VALIDATOR:
			wbuf_bytes(w, g->key, PUBKEY_BYTES);
			break;
		case GOV_ADD_VERIFIER:
			field_str_write(w, g->verifier);
			field_str_write(w, g->name);
			wbuf_bytes(w, g->key, PUBKEY_BYTES);
			break;
		case GOV_REMOVE_VERIFIER:
			field_str_write(w, g->verifier);
			break;
		case GOV_ROTATE_KEY:
			wbuf_bytes(w, g->key, PUBKEY_BYTES);
			wbuf_bytes(w, g->new_key, PUBKEY_BYTES);
			break;
		case GOV_SET_PARAM:
			field_str_write(w, g->param);
			wbuf_i64(w, g->value);
			break;
		default:
			break;
		}
		break;
	}
	case ENTRY_EVIDENCE: {
		const struct evidence *ev = &e->evidence;
		wbuf_bytes(w, ev->validator, PUBKEY_BYTES);
		if (ev->form == EVIDENCE_PROPOSALS) {
			/* §5.8: one form byte, where the vote form has its
			 * first vote's type (1 or 2). */
			wbuf_u8(w, EVIDENCE_PROPOSALS_CODE);
			for (int i = 0; i < 2; i++) {
				const struct evidence_proposal *p =
				    &ev->proposals[i];
				wbuf_u64(w, p->height);
				wbuf_u32(w, p->round);
				wbuf_u32(w, (uint32_t)p->valid_round);
				wbuf_bytes(w, p->block_hash, HASH_BYTES);
				wbuf_bytes(w, p->sig, SIG_BYTES);
			}
			break;
		}
		for (int i = 0; i < 2; i++) {
			wbuf_u8(w, ev->votes[i].type);
			wbuf_u64(w, ev->votes[i].height);
			wbuf_u32(w, ev->votes[i].round);
			wbuf_bytes(w, ev->votes[i].block_hash, HASH_BYTES);
			wbuf_bytes(w, ev->votes[i].sig, SIG_BYTES);
		}
		break;
	}
	default:
		break;
	}
}

static int encode(const struct entry *e, bool full, uint8_t **bytes,
		  size_t *len, struct acc_err *err)
{
	struct wbuf w;
	int rc;
	*bytes = NULL;
	*len = 0;
	if ((rc = validate_body(e, err)) != 0 ||
	    (rc = validate_sigs(e, full, err)) != 0) {
		/* The detail is already in err; an encoder's caller gave us
		 * the value, so the class is "invalid argument". */
		if (rc == ACC_EKIND || rc == ACC_ENOMEM)
			return rc;
		if (err != NULL)
			err->code = ACC_EINVAL;
		return ACC_EINVAL;
	}
	wbuf_init(&w, ENTRY_BYTES_MAX);
	write_body(&w, e);
	if (full) {
		wbuf_u8(&w, (uint8_t)e->sig_count);
		for (size_t i = 0; i < e->sig_count; i++) {
			wbuf_bytes(&w, e->sigs[i].key, PUBKEY_BYTES);
			wbuf_bytes(&w, e->sigs[i].sig, SIG_BYTES);
		}
	}
	if ((rc = wbuf_error(&w)) != 0) {
		wbuf_free(&w);
		if (rc == ACC_ETOOBIG)
			return acc_err_set(err, rc, "entry over %u bytes",
					   ENTRY_BYTES_MAX);
		return acc_err_set(err, rc, "encoding entry");
	}
	*bytes = wbuf_take(&w, len);
	return 0;
}

int entry_encode(const struct entry *e, uint8_t **bytes, size_t *len,
		 struct acc_err *err)
{
	return encode(e, true, bytes, len, err);
}

int entry_body_encode(const struct entry *e, uint8_t **bytes, size_t *len,
		      struct acc_err *err)
{
	return encode(e, false, bytes, len, err);
}

/* ---- binary reader (§5) ---- */

#define RD(call, what)                                                     \
	do {                                                               \
		if ((call) != 0)                                           \
			return acc_err_set(err, ACC_EDECODE,               \
					   "%s: truncated", what);         \
	} while (0)

static int read_count(struct rbuf *r, size_t *n, size_t max, const char *path,
		      struct acc_err *err)
{
	uint16_t c;
	RD(rbuf_u16(r, &c), path);
	if (c > max)
		return acc_err_set(err, ACC_EDECODE, "%s: %u items, at most %zu",
				   path, c, max);
	*n = c;
	return 0;
}

static int read_strs(struct rbuf *r, char ***out, size_t *n, size_t max_items,
		     size_t max_bytes, const char *name, struct acc_err *err)
{
	char p[FIELD_PATH_BYTES];
	size_t c;
	CK(read_count(r, &c, max_items, name, err));
	if (c == 0)
		return 0;
	*out = calloc(c, sizeof **out);
	if (*out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "%s", name);
	for (size_t i = 0; i < c; i++) {
		field_path_index(p, "", name, i);
		CK(field_str_read(r, &(*out)[i], max_bytes, p, err));
		*n = i + 1;
	}
	return 0;
}

static int read_hash(struct rbuf *r, uint8_t *out, size_t n, const char *path,
		     struct acc_err *err)
{
	RD(rbuf_bytes(r, out, n), path);
	return 0;
}

static int read_obligation(struct rbuf *r, struct obligation *o, size_t i,
			   struct acc_err *err)
{
	char p[FIELD_PATH_BYTES];
	field_path_index(p, "", "obligations", i);
	CK(field_str_read(r, &o->party, PARTY_ID_BYTES_MAX, p, err));
	CK(field_str_read(r, &o->scope, NAME_BYTES_MAX, p, err));
	RD(rbuf_u8(r, &o->pollutant), p);
	RD(rbuf_u8(r, &o->metric), p);
	CK(field_flag_read(r, &o->has_baseline, p, err));
	if (o->has_baseline) {
		RD(rbuf_u16(r, &o->baseline_year), p);
		RD(rbuf_i64(r, &o->baseline_value), p);
	}
	RD(rbuf_i64(r, &o->target), p);
	RD(rbuf_i64(r, &o->default_value), p);
	RD(rbuf_u64(r, &o->period_start), p);
	RD(rbuf_u64(r, &o->period_end), p);
	RD(rbuf_u64(r, &o->deadline), p);
	RD(rbuf_u8(r, &o->frequency), p);
	return 0;
}

static int read_agreement(struct rbuf *r, struct agreement *a,
			  struct acc_err *err)
{
	size_t n;
	CK(field_str_read(r, &a->title, NAME_BYTES_MAX, "title", err));
	CK(read_strs(r, &a->parties, &a->party_count, LIST_ITEMS_MAX,
		     PARTY_ID_BYTES_MAX, "parties", err));
	CK(read_count(r, &n, OBLIGATIONS_MAX, "obligations", err));
	if (n > 0) {
		a->obligations = calloc(n, sizeof *a->obligations);
		if (a->obligations == NULL)
			return acc_err_set(err, ACC_ENOMEM, "obligations");
		for (size_t i = 0; i < n; i++) {
			a->obligation_count = i + 1;
			CK(read_obligation(r, &a->obligations[i], i, err));
		}
	}
	RD(rbuf_u32(r, &a->grace_days), "grace_days");
	CK(read_strs(r, &a->verifiers, &a->verifier_count, LIST_ITEMS_MAX,
		     PARTY_ID_BYTES_MAX, "verification.verifiers", err));
	CK(field_flag_read(r, &a->peer_parties_may_attest,
			   "verification.peer_parties_may_attest", err));
	RD(rbuf_u8(r, &a->attestations_required),
	   "verification.attestations_required");
	CK(field_flag_read(r, &a->has_compensation, "compensation", err));
	if (a->has_compensation) {
		RD(rbuf_i64(r, &a->compensation_rate), "compensation.rate");
		RD(rbuf_bytes(r, a->currency, 3), "compensation.currency");
		a->currency[3] = 0;
		CK(field_str_read(r, &a->payee, PARTY_ID_BYTES_MAX,
				  "compensation.payee", err));
	}
	RD(rbuf_u8(r, &a->resolution_threshold), "resolution_threshold");
	RD(rbuf_u8(r, &a->amendment_threshold), "amendment_threshold");
	RD(rbuf_u32(r, &a->challenge_days), "challenge_days");
	CK(field_flag_read(r, &a->has_supersedes, "supersedes", err));
	if (a->has_supersedes)
		CK(read_hash(r, a->supersedes, HASH_BYTES, "supersedes", err));
	CK(read_hash(r, a->legal_text_hash, HASH_BYTES, "legal_text_hash",
		     err));
	CK(field_str_read(r, &a->legal_text_uri, URI_BYTES_MAX,
			  "legal_text_uri", err));
	return 0;
}

static int read_report(struct rbuf *r, struct report *rp, struct acc_err *err)
{
	size_t n;
	CK(read_hash(r, rp->agreement_id, HASH_BYTES, "agreement_id", err));
	CK(field_str_read(r, &rp->party, PARTY_ID_BYTES_MAX, "party", err));
	CK(field_str_read(r, &rp->scope, NAME_BYTES_MAX, "scope", err));
	RD(rbuf_u8(r, &rp->pollutant), "pollutant");
	RD(rbuf_u8(r, &rp->metric), "metric");
	RD(rbuf_u64(r, &rp->period_start), "period_start");
	RD(rbuf_u64(r, &rp->period_end), "period_end");
	CK(field_flag_read(r, &rp->has_value, "value", err));
	if (rp->has_value)
		RD(rbuf_i64(r, &rp->value), "value");
	else
		CK(field_str_read(r, &rp->notation_key, NAME_BYTES_MAX,
				  "notation_key", err));
	RD(rbuf_u8(r, &rp->unit), "unit");
	CK(field_str_read(r, &rp->method, NAME_BYTES_MAX, "method", err));
	CK(field_str_read(r, &rp->data_source, URI_BYTES_MAX, "data_source",
			  err));
	CK(field_flag_read(r, &rp->has_uncertainty, "uncertainty", err));
	if (rp->has_uncertainty)
		RD(rbuf_i64(r, &rp->uncertainty), "uncertainty");
	CK(read_count(r, &n, LIST_ITEMS_MAX, "attachments", err));
	if (n > 0) {
		rp->attachments = calloc(n, sizeof *rp->attachments);
		if (rp->attachments == NULL)
			return acc_err_set(err, ACC_ENOMEM, "attachments");
		rp->attachment_count = n;
		for (size_t i = 0; i < n; i++)
			CK(read_hash(r, rp->attachments[i], HASH_BYTES,
				     "attachments", err));
	}
	return 0;
}

/* §5.8, the proposal form: the form byte, then two proposals. */
static int read_evidence_proposals(struct rbuf *r, struct evidence *ev,
				   struct acc_err *err)
{
	uint8_t code;
	RD(rbuf_u8(r, &code), "form");
	assert(code == EVIDENCE_PROPOSALS_CODE);
	ev->form = EVIDENCE_PROPOSALS;
	for (int i = 0; i < 2; i++) {
		struct evidence_proposal *p = &ev->proposals[i];
		uint32_t vr;
		RD(rbuf_u64(r, &p->height), "proposals");
		RD(rbuf_u32(r, &p->round), "proposals");
		RD(rbuf_u32(r, &vr), "proposals");
		/* -1 is 0xffffffff; other values above 2^31-1 have no
		 * int32 meaning and are refused (one encoding). */
		if (vr != 0xffffffffu && vr > 0x7fffffffu)
			return acc_err_set(err, ACC_EDECODE,
					   "proposals[%d].valid_round: %lu out "
					   "of range",
					   i, (unsigned long)vr);
		p->valid_round = vr == 0xffffffffu ? -1 : (int32_t)vr;
		RD(rbuf_bytes(r, p->block_hash, HASH_BYTES), "proposals");
		RD(rbuf_bytes(r, p->sig, SIG_BYTES), "proposals");
	}
	return 0;
}

static int read_governance(struct rbuf *r, struct governance *g,
			   struct acc_err *err)
{
	RD(rbuf_u8(r, &g->action), "action");
	switch (g->action) {
	case GOV_ADD_PARTY: {
		size_t n;
		CK(field_str_read(r, &g->party, PARTY_ID_BYTES_MAX, "party",
				  err));
		CK(field_str_read(r, &g->name, NAME_BYTES_MAX, "name", err));
		CK(read_count(r, &n, KEYS_PER_PARTY_MAX, "keys", err));
		if (n > 0) {
			g->keys = calloc(n, sizeof *g->keys);
			if (g->keys == NULL)
				return acc_err_set(err, ACC_ENOMEM, "keys");
			g->key_count = n;
			for (size_t i = 0; i < n; i++)
				CK(read_hash(r, g->keys[i], PUBKEY_BYTES,
					     "keys", err));
		}
		return 0;
	}
	case GOV_REMOVE_PARTY:
		return field_str_read(r, &g->party, PARTY_ID_BYTES_MAX, "party",
				      err);
	case GOV_ADD_VALIDATOR: {
		bool has_http;
		CK(field_str_read(r, &g->name, NAME_BYTES_MAX, "name", err));
		CK(field_str_read(r, &g->party, PARTY_ID_BYTES_MAX, "party",
				  err));
		CK(read_hash(r, g->key, PUBKEY_BYTES, "key", err));
		CK(field_str_read(r, &g->address, GENESIS_ADDRESS_BYTES_MAX,
				  "address", err));
		CK(field_flag_read(r, &has_http, "http", err));
		if (has_http)
			CK(field_str_read(r, &g->http,
					  GENESIS_ADDRESS_BYTES_MAX, "http",
					  err));
		RD(rbuf_u64(r, &g->power), "power");
		return 0;
	}
	case GOV_REMOVE_VALIDATOR:
		return read_hash(r, g->key, PUBKEY_BYTES, "key", err);
	case GOV_ADD_VERIFIER:
		CK(field_str_read(r, &g->verifier, PARTY_ID_BYTES_MAX,
				  "verifier", err));
		CK(field_str_read(r, &g->name, NAME_BYTES_MAX, "name", err));
		return read_hash(r, g->key, PUBKEY_BYTES, "key", err);
	case GOV_REMOVE_VERIFIER:
		return field_str_read(r, &g->verifier, PARTY_ID_BYTES_MAX,
				      "verifier", err);
	case GOV_ROTATE_KEY:
		CK(read_hash(r, g->key, PUBKEY_BYTES, "old_key", err));
		return read_hash(r, g->new_key, PUBKEY_BYTES, "new_key", err);
	case GOV_SET_PARAM:
		CK(field_str_read(r, &g->param, NAME_BYTES_MAX, "param", err));
		RD(rbuf_i64(r, &g->value), "value");
		return 0;
	default:
		return acc_err_set(err, ACC_EDECODE, "action: unknown code %u",
				   g->action);
	}
}

static int read_body(struct rbuf *r, struct entry *e, struct acc_err *err)
{
	RD(rbuf_u8(r, &e->version), "version");
	if (e->version != ENTRY_VERSION)
		return acc_err_set(err, ACC_EDECODE, "version %u (expected %u)",
				   e->version, ENTRY_VERSION);
	uint8_t kind;
	RD(rbuf_u8(r, &kind), "kind");
	if (kind < 1 || kind > ENTRY_KIND_MAX)
		return acc_err_set(err, ACC_EKIND, "unknown entry kind %u",
				   kind);
	/* The kind is set only now, so entry_free knows which member of the
	 * union to release if a later field fails. */
	e->kind = kind;
	RD(rbuf_u64(r, &e->time), "time");
	switch (e->kind) {
	case ENTRY_AGREEMENT:
		return read_agreement(r, &e->agreement, err);
	case ENTRY_ENDORSEMENT:
		return read_hash(r, e->endorsement.agreement_id, HASH_BYTES,
				 "agreement_id", err);
	case ENTRY_REPORT:
		return read_report(r, &e->report, err);
	case ENTRY_ATTESTATION:
		CK(read_hash(r, e->attestation.report_id, HASH_BYTES,
			     "report_id", err));
		RD(rbuf_u8(r, &e->attestation.opinion), "opinion");
		CK(field_str_read(r, &e->attestation.reasons, TEXT_BYTES_MAX,
				  "reasons", err));
		return field_str_read(r, &e->attestation.comments,
				      TEXT_BYTES_MAX, "comments", err);
	case ENTRY_CHALLENGE:
		CK(read_hash(r, e->challenge.target_id, HASH_BYTES, "target_id",
			     err));
		return field_str_read(r, &e->challenge.reason, TEXT_BYTES_MAX,
				      "reason", err);
	case ENTRY_RESOLUTION:
		CK(read_hash(r, e->resolution.challenge_id, HASH_BYTES,
			     "challenge_id", err));
		RD(rbuf_u8(r, &e->resolution.outcome), "outcome");
		return field_str_read(r, &e->resolution.note, TEXT_BYTES_MAX,
				      "note", err);
	case ENTRY_GOVERNANCE:
		return read_governance(r, &e->governance, err);
	case ENTRY_EVIDENCE: {
		struct evidence *ev = &e->evidence;
		CK(read_hash(r, ev->validator, PUBKEY_BYTES, "validator", err));
		/* §5.8: the next byte is the first vote's type (1, 2) in the
		 * vote form, EVIDENCE_PROPOSALS_CODE in the proposal form. */
		if (r->off < r->len && r->p[r->off] == EVIDENCE_PROPOSALS_CODE)
			return read_evidence_proposals(r, ev, err);
		for (int i = 0; i < 2; i++) {
			struct evidence_vote *v = &ev->votes[i];
			RD(rbuf_u8(r, &v->type), "votes");
			RD(rbuf_u64(r, &v->height), "votes");
			RD(rbuf_u32(r, &v->round), "votes");
			RD(rbuf_bytes(r, v->block_hash, HASH_BYTES), "votes");
			RD(rbuf_bytes(r, v->sig, SIG_BYTES), "votes");
		}
		return 0;
	}
	default:
		return 0;
	}
}

int entry_decode_body_len(struct entry *e, const uint8_t *bytes, size_t len,
			  size_t *body_len, struct acc_err *err)
{
	struct rbuf r;
	int rc;
	uint8_t count;

	memset(e, 0, sizeof *e);
	if (len > ENTRY_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "entry of %zu bytes, over %u",
				   len, ENTRY_BYTES_MAX);
	rbuf_init(&r, bytes, len);
	if ((rc = read_body(&r, e, err)) != 0)
		goto fail;
	*body_len = r.off;
	if (rbuf_u8(&r, &count) != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "signatures: truncated");
		goto fail;
	}
	if (count == 0 || count > ENTRY_SIGS_MAX) {
		rc = acc_err_set(err, ACC_EDECODE,
				 "signatures: count %u not in 1..%u", count,
				 ENTRY_SIGS_MAX);
		goto fail;
	}
	for (size_t i = 0; i < count; i++) {
		if (rbuf_bytes(&r, e->sigs[i].key, PUBKEY_BYTES) != 0 ||
		    rbuf_bytes(&r, e->sigs[i].sig, SIG_BYTES) != 0) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "signatures: truncated");
			goto fail;
		}
	}
	e->sig_count = count;
	if (rbuf_finish(&r) != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "%zu trailing bytes",
				 rbuf_left(&r));
		goto fail;
	}
	if ((rc = validate_body(e, err)) != 0 ||
	    (rc = validate_sigs(e, true, err)) != 0)
		goto fail;
	return 0;
fail:
	entry_free(e);
	return rc;
}

int entry_decode(struct entry *e, const uint8_t *bytes, size_t len,
		 struct acc_err *err)
{
	size_t body_len;
	return entry_decode_body_len(e, bytes, len, &body_len, err);
}

void entry_id(uint8_t out[HASH_BYTES], const uint8_t *bytes, size_t len)
{
	/* RFC 9162 §2.1.1: a leaf hash is SHA-256(0x00 ‖ leaf). */
	merkle_leaf_hash(out, bytes, len);
}

/* ---- copying ---- */

int entry_copy(struct entry *dst, const struct entry *src)
{
	uint8_t *b;
	size_t n;
	struct acc_err err;
	struct entry tmp;
	int rc;
	/* The codec is the deep copy: body then signatures. */
	memset(dst, 0, sizeof *dst);
	if ((rc = entry_body_encode(src, &b, &n, &err)) != 0)
		return rc;
	struct rbuf r;
	memset(&tmp, 0, sizeof tmp);
	rbuf_init(&r, b, n);
	rc = read_body(&r, &tmp, &err);
	free(b);
	if (rc != 0) {
		entry_free(&tmp);
		return rc;
	}
	tmp.sig_count = src->sig_count;
	memcpy(tmp.sigs, src->sigs, sizeof tmp.sigs);
	*dst = tmp;
	return 0;
}
