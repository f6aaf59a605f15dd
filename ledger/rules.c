/* rules.c - the rules of every entry kind against the derived state, and
 * the state changes of a valid entry (specs/compliance.md §2). Each kind
 * runs every check before its first write (§2.0). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/compliance.h"
#include "ledger/entry.h"
#include "ledger/entry_int.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"
#include "ledger/rules.h"
#include "ledger/state.h"

#define SECONDS_PER_DAY 86400ull

#define CK(x)                       \
	do {                        \
		int rc_ = (x);      \
		if (rc_ != 0)       \
			return rc_; \
	} while (0)

/* Entries built in code may leave a string NULL: it means "" (entry.h). */
static const char *S(const char *s)
{
	return s != NULL ? s : "";
}

/* Hex of an id for messages. */
struct hexid {
	char s[2 * HASH_BYTES + 1];
};

static struct hexid hx(const uint8_t id[HASH_BYTES])
{
	struct hexid h;
	hex_encode(h.s, id, HASH_BYTES);
	return h;
}

/* Index of party id among a's parties, or -1. */
static long party_index(const struct state_agreement *a, const char *id)
{
	for (size_t i = 0; i < a->party_count; i++)
		if (strcmp(a->parties[i], id) == 0)
			return (long)i;
	return -1;
}

static bool verifier_listed(const struct state_agreement *a, const char *id)
{
	for (size_t i = 0; i < a->verifier_count; i++)
		if (strcmp(a->verifiers[i], id) == 0)
			return true;
	return false;
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(S(v[i]), S(s)) == 0)
			return true;
	return false;
}

/* Copy a string known to fit (entry bounds) into a record's array. */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1; /* never for decoded entries: bounds match */
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

/* 0 if key is absent, ACC_EDUP if present (§2.0, R0). */
static int absent(const struct kv *kv, const char *prefix,
		  const uint8_t id[HASH_BYTES], const char *what,
		  struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	size_t kl = state_key_id(k, prefix, id);
	int rc = kv_get(kv, k, kl, &v, &vl);
	if (rc == ACC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return acc_err_set(err, rc, "reading derived state: %s",
				   acc_strerror(rc));
	return acc_err_set(err, ACC_EDUP, "R0: %s %s is already recorded", what,
			   hx(id).s);
}

static struct state_agreement *agreement_alloc(struct acc_err *err)
{
	struct state_agreement *a = malloc(sizeof *a);
	if (a == NULL)
		(void)acc_err_set(err, ACC_ENOMEM, "agreement record");
	return a;
}

/* The agreement `id` into a; ACC_ERULE naming rule when absent. */
static int agreement_need(const struct kv *kv, const uint8_t id[HASH_BYTES],
			  struct state_agreement *a, const char *rule,
			  struct acc_err *err)
{
	int rc = state_agreement_get(kv, id, a, err);
	if (rc == ACC_ENOTFOUND)
		return acc_err_set(err, ACC_ERULE, "%s: no agreement %s", rule,
				   hx(id).s);
	return rc;
}

/* ---- agreement (R1-R6, R34, R35) ---- */

/* R10 (b): how many distinct parties of s consented to a, the agreement
 * superseding it: those listed in a that endorsed it, and a's amenders. */
static unsigned amendment_consents(const struct state_agreement *a,
				   const struct state_agreement *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->party_count; i++) {
		long k = party_index(a, s->parties[i]);
		bool yes = k >= 0 && a->endorsed[k];
		for (size_t j = 0; !yes && j < a->amender_count; j++)
			yes = strcmp(a->amenders[j], s->parties[i]) == 0;
		n += yes;
	}
	return n;
}

/* R10 (a) and (b): a (superseding s, or s NULL) may become active. */
static bool activation_ready(const struct state_agreement *a,
			     const struct state_agreement *s)
{
	for (size_t k = 0; k < a->party_count; k++)
		if (!a->endorsed[k])
			return false;
	return s == NULL || amendment_consents(a, s) >= s->amendment_threshold;
}

/* R10's effect on the superseded agreement s (already loaded). */
static void supersede(struct state_agreement *s, const uint8_t by[HASH_BYTES],
		      uint64_t t)
{
	s->superseded = true;
	s->superseded_at = t;
	memcpy(s->superseded_by, by, HASH_BYTES);
}

static int agreement_write(struct kv *kv, const struct agreement *a,
			   const uint8_t id[HASH_BYTES], uint64_t index,
			   uint64_t t, const char *proposer,
			   struct state_agreement *rec,
			   struct state_agreement *old, struct acc_err *err)
{
	memset(rec, 0, sizeof *rec);
	rec->index = index;
	rec->proposed_at = t;
	copy_str(rec->title, sizeof rec->title, a->title);
	copy_str(rec->proposer, sizeof rec->proposer, proposer);
	rec->party_count = a->party_count;
	for (size_t i = 0; i < a->party_count; i++) {
		copy_str(rec->parties[i], STATE_ID_BYTES, a->parties[i]);
		/* R6: the proposer's signature is its endorsement. */
		rec->endorsed[i] = strcmp(a->parties[i], proposer) == 0;
	}
	rec->verifier_count = a->verifier_count;
	for (size_t i = 0; i < a->verifier_count; i++)
		copy_str(rec->verifiers[i], STATE_ID_BYTES, a->verifiers[i]);
	rec->peer_parties_may_attest = a->peer_parties_may_attest;
	rec->attestations_required = a->attestations_required;
	rec->resolution_threshold = a->resolution_threshold;
	rec->amendment_threshold = a->amendment_threshold;
	rec->challenge_days = a->challenge_days;
	rec->grace_days = a->grace_days;
	rec->has_compensation = a->has_compensation;
	if (a->has_compensation) {
		rec->compensation_rate = a->compensation_rate;
		memcpy(rec->currency, a->currency, 4);
		copy_str(rec->payee, sizeof rec->payee, a->payee);
	}
	rec->has_supersedes = a->has_supersedes;
	if (a->has_supersedes)
		memcpy(rec->supersedes, a->supersedes, HASH_BYTES);
	rec->obligation_count = (uint16_t)a->obligation_count;
	/* R6: active at once when R10's condition already holds (a one-party
	 * agreement whose proposer alone meets the amendment threshold of
	 * the agreement it supersedes, if any); it then ends that one at the
	 * same time. */
	if (activation_ready(rec, a->has_supersedes ? old : NULL)) {
		rec->active = true;
		rec->active_since = t;
		if (a->has_supersedes) {
			supersede(old, id, t);
			CK(state_agreement_put(kv, a->supersedes, old, err));
		}
	}
	CK(state_agreement_put(kv, id, rec, err));

	for (size_t i = 0; i < a->obligation_count; i++) {
		const struct obligation *o = &a->obligations[i];
		struct state_obligation so;
		uint8_t k[STATE_KEY_BYTES_MAX], v[2];
		memset(&so, 0, sizeof so);
		copy_str(so.party, sizeof so.party, o->party);
		copy_str(so.scope, sizeof so.scope, o->scope);
		so.pollutant = o->pollutant;
		so.metric = o->metric;
		so.has_baseline = o->has_baseline;
		if (o->has_baseline) {
			so.baseline_year = o->baseline_year;
			so.baseline_value = o->baseline_value;
		}
		so.target = o->target;
		so.default_value = o->default_value;
		so.period_start = o->period_start;
		so.period_end = o->period_end;
		so.deadline = o->deadline;
		so.frequency = o->frequency;
		CK(state_obligation_put(kv, id, (uint16_t)i, &so, err));
		size_t kl = state_key_match(k, id, S(o->party), S(o->scope),
					    o->pollutant, o->metric,
					    o->period_start, o->period_end);
		be16_put(v, (uint16_t)i);
		int rc = kv_put(kv, k, kl, v, 2);
		if (rc != 0)
			return acc_err_set(err, rc, "writing derived state: %s",
					   acc_strerror(rc));
	}
	return 0;
}

static int apply_agreement(struct kv *kv, const struct genesis *g,
			   const struct entry *e, const uint8_t id[HASH_BYTES],
			   uint64_t index, uint64_t t, struct acc_err *err)
{
	const struct agreement *a = &e->agreement;
	struct state_agreement *rec = NULL, *old = NULL;
	int rc;

	CK(absent(kv, STATE_KEY_AGREEMENT, id, "agreement", err));
	/* R1 */
	long p = genesis_party_by_key(g, e->sigs[0].key);
	if (p < 0)
		return acc_err_set(err, ACC_ERULE,
				   "R1: an agreement is signed by a party key");
	const char *proposer = g->parties[p].id;
	if (!strv_has(a->parties, a->party_count, proposer))
		return acc_err_set(err, ACC_ERULE,
				   "R1: proposer %s is not among the "
				   "agreement's parties",
				   proposer);
	if (a->party_count < 1 || a->party_count > LIST_ITEMS_MAX ||
	    a->verifier_count > LIST_ITEMS_MAX || a->obligation_count < 1 ||
	    a->obligation_count > OBLIGATIONS_MAX ||
	    a->attestations_required < 1 || a->resolution_threshold < 1 ||
	    a->resolution_threshold > a->party_count)
		return acc_err_set(err, ACC_ERULE,
				   "R1: agreement fails entry_check's "
				   "consistency rules");
	/* R2 */
	for (size_t i = 0; i < a->party_count; i++)
		if (genesis_party_by_id(g, a->parties[i]) < 0)
			return acc_err_set(err, ACC_ERULE,
					   "R2: party %s is not in genesis",
					   a->parties[i]);
	for (size_t i = 0; i < a->obligation_count; i++) {
		const struct obligation *o = &a->obligations[i];
		if (!strv_has(a->parties, a->party_count, o->party))
			return acc_err_set(err, ACC_ERULE,
					   "R2: obligations[%zu]: party %s is "
					   "not listed",
					   i, S(o->party));
		/* One match key per obligation (entry_check §7.2 too). */
		for (size_t k = 0; k < i; k++) {
			const struct obligation *q = &a->obligations[k];
			if (strcmp(S(q->party), S(o->party)) == 0 &&
			    strcmp(S(q->scope), S(o->scope)) == 0 &&
			    q->pollutant == o->pollutant &&
			    q->metric == o->metric &&
			    q->period_start == o->period_start &&
			    q->period_end == o->period_end)
				return acc_err_set(err, ACC_ERULE,
						   "R2: obligations[%zu] "
						   "repeats obligations[%zu]",
						   i, k);
		}
	}
	/* R3 */
	for (size_t i = 0; i < a->verifier_count; i++)
		if (genesis_verifier_by_id(g, a->verifiers[i]) < 0)
			return acc_err_set(err, ACC_ERULE,
					   "R3: verifier %s is not a genesis "
					   "verifier",
					   a->verifiers[i]);
	/* R4: a listed party, a genesis fund, or none (the others). */
	if (a->has_compensation && S(a->payee)[0] != 0 &&
	    !strv_has(a->parties, a->party_count, a->payee) &&
	    genesis_fund_by_id(g, a->payee) < 0)
		return acc_err_set(err, ACC_ERULE,
				   "R4: compensation payee %s is neither a "
				   "party nor a fund of genesis",
				   a->payee);
	/* R35 (also encoding §7.2): the reporter never attests its own. */
	size_t attesters = a->verifier_count +
			   (a->peer_parties_may_attest ? a->party_count - 1 : 0);
	if (a->attestations_required > attesters)
		return acc_err_set(err, ACC_ERULE,
				   "R35: attestations_required %u can never be "
				   "reached: %zu verifier(s), peer parties %s",
				   (unsigned)a->attestations_required,
				   a->verifier_count,
				   a->peer_parties_may_attest ? "may attest"
							      : "may not attest");
	if (a->amendment_threshold < 1 ||
	    a->amendment_threshold > a->party_count || a->challenge_days < 1)
		return acc_err_set(err, ACC_ERULE,
				   "R1: agreement fails entry_check's "
				   "consistency rules");
	/* R34: an obligation whose reporting window closed before this
	 * block is a historical record: accepted; its reports are late
	 * (R16) and its silence is assessed at the default (§6.4). */
	if ((rec = agreement_alloc(err)) == NULL)
		return ACC_ENOMEM;
	/* R5 */
	if (a->has_supersedes) {
		if ((old = agreement_alloc(err)) == NULL) {
			rc = ACC_ENOMEM;
			goto out;
		}
		rc = agreement_need(kv, a->supersedes, old, "R5", err);
		if (rc != 0)
			goto out;
		if (!old->active || old->superseded) {
			rc = acc_err_set(err, ACC_ERULE,
					 "R5: superseded agreement %s is %s",
					 hx(a->supersedes).s,
					 old->superseded ? "already superseded"
							 : "not active");
			goto out;
		}
		if (party_index(old, proposer) < 0) {
			rc = acc_err_set(err, ACC_ERULE,
					 "R5: proposer %s is not a party of "
					 "superseded agreement %s",
					 proposer, hx(a->supersedes).s);
			goto out;
		}
	}
	rc = agreement_write(kv, a, id, index, t, proposer, rec, old, err);
out:
	free(old);
	free(rec);
	return rc;
}

/* ---- endorsement (R7-R10) ---- */

static int apply_endorsement(struct kv *kv, const struct genesis *g,
			     const struct entry *e, uint64_t t,
			     struct acc_err *err)
{
	const uint8_t *aid = e->endorsement.agreement_id;
	struct state_agreement *a, *old = NULL;
	int rc;

	if ((a = agreement_alloc(err)) == NULL)
		return ACC_ENOMEM;
	/* R7 */
	if ((rc = agreement_need(kv, aid, a, "R7", err)) != 0)
		goto out;
	if (a->active) {
		rc = acc_err_set(err, ACC_ERULE,
				 "R7: agreement %s is already in force",
				 hx(aid).s);
		goto out;
	}
	if (a->has_supersedes) {
		if ((old = agreement_alloc(err)) == NULL) {
			rc = ACC_ENOMEM;
			goto out;
		}
		rc = agreement_need(kv, a->supersedes, old, "R10", err);
		if (rc != 0)
			goto out;
	}
	/* R8: a listed party, or a party of the superseded agreement
	 * consenting to the amendment. */
	long p = genesis_party_by_key(g, e->sigs[0].key);
	const char *pid = p < 0 ? "" : g->parties[p].id;
	long i = p < 0 ? -1 : party_index(a, pid);
	bool amender = i < 0 && old != NULL && p >= 0 &&
		       party_index(old, pid) >= 0;
	if (i < 0 && !amender) {
		rc = acc_err_set(err, ACC_ERULE,
				 "R8: signer is not a key of a party of "
				 "agreement %s%s",
				 hx(aid).s,
				 old != NULL ? " nor of the agreement it "
					       "supersedes"
					     : "");
		goto out;
	}
	/* R9 */
	bool already = i >= 0 ? a->endorsed[i] : false;
	for (size_t k = 0; amender && k < a->amender_count; k++)
		already = already || strcmp(a->amenders[k], pid) == 0;
	if (already) {
		rc = acc_err_set(err, ACC_ERULE,
				 "R9: agreement %s already endorsed by %s",
				 hx(aid).s, pid);
		goto out;
	}
	if (i >= 0) {
		a->endorsed[i] = true;
	} else {
		assert(a->amender_count < LIST_ITEMS_MAX);
		copy_str(a->amenders[a->amender_count++], STATE_ID_BYTES, pid);
	}
	/* R10 */
	if (activation_ready(a, old)) {
		a->active = true;
		a->active_since = t;
		if (old != NULL) {
			if (old->superseded) {
				rc = acc_err_set(
				    err, ACC_ERULE,
				    "R10: agreement %s this one supersedes "
				    "was already superseded by %s",
				    hx(a->supersedes).s,
				    hx(old->superseded_by).s);
				goto out;
			}
			supersede(old, aid, t);
			if ((rc = state_agreement_put(kv, a->supersedes, old,
						      err)) != 0)
				goto out;
		}
	}
	rc = state_agreement_put(kv, aid, a, err);
out:
	free(old);
	free(a);
	return rc;
}

/* ---- report (R11-R18) ---- */

/* "2017-01-01..2018-01-01" when both are at midnight, else full times. */
static void period_text(char *out, size_t cap, uint64_t start, uint64_t end)
{
	char a[TIME_TEXT_BYTES], b[TIME_TEXT_BYTES];
	fixed_time_format(a, start);
	fixed_time_format(b, end);
	if (start % SECONDS_PER_DAY == 0 && end % SECONDS_PER_DAY == 0)
		snprintf(out, cap, "%.10s..%.10s", a, b);
	else
		snprintf(out, cap, "%s..%s", a, b);
}

/* R13's message: what the report asked for, then the obligations the
 * agreement has for its party (as many as fit, then how many more). Runs
 * on the refusal path only: at most obligation_count gets. */
static int no_obligation(const struct kv *kv, const struct report *r,
			 const struct state_agreement_terms *a,
			 struct acc_err *err)
{
	char msg[ACC_ERRMSG_BYTES_MAX], per[2 * TIME_TEXT_BYTES + 4];
	size_t n, listed = 0, more = 0;
	struct state_obligation o;
	int rc;

	period_text(per, sizeof per, r->period_start, r->period_end);
	n = (size_t)snprintf(
	    msg, sizeof msg,
	    "R13: no obligation of agreement %.16s for %s/%s/%s/%s/%s; %s has:",
	    hx(r->agreement_id).s, S(r->party),
	    S(r->scope)[0] ? r->scope : "(whole party)",
	    pollutant_name(r->pollutant) ? pollutant_name(r->pollutant) : "?",
	    metric_name(r->metric) ? metric_name(r->metric) : "?", per,
	    S(r->party));
	/* A long scope can fill the message: then nothing is listed. */
	if (n >= sizeof msg - 1)
		return acc_err_set(err, ACC_ERULE, "%s", msg);
	for (uint16_t i = 0; i < a->obligation_count; i++) {
		if ((rc = state_obligation_get(kv, r->agreement_id, i, &o,
					       err)) != 0)
			return rc;
		if (strcmp(o.party, S(r->party)) != 0)
			continue;
		char item[STATE_NAME_BYTES + 96];
		period_text(per, sizeof per, o.period_start, o.period_end);
		int k = snprintf(item, sizeof item, "%s %s/%s/%s/%s",
				 listed ? "," : "",
				 o.scope[0] ? o.scope : "(whole party)",
				 pollutant_name(o.pollutant),
				 metric_name(o.metric), per);
		/* Keep room for " and 999 more". */
		if (more == 0 && k > 0 && (size_t)k < sizeof item &&
		    n + (size_t)k + 16 < sizeof msg) {
			memcpy(msg + n, item, (size_t)k + 1);
			n += (size_t)k;
			listed++;
		} else {
			more++;
		}
	}
	if (listed == 0 && more == 0)
		(void)snprintf(msg + n, sizeof msg - n, " none");
	else if (more > 0)
		(void)snprintf(msg + n, sizeof msg - n, " and %zu more", more);
	return acc_err_set(err, ACC_ERULE, "%s", msg);
}

/* The report rules read only the agreement's terms (not its 17 KiB of
 * lists): every report of a bench or a real log goes through here. */
static int report_check(const struct kv *kv, const struct genesis *g,
			const struct entry *e,
			struct state_agreement_terms *a, uint16_t *oi,
			struct state_obligation *o, int64_t *value,
			struct acc_err *err)
{
	const struct report *r = &e->report;
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl, kl;
	int rc;

	/* R11 */
	long p = genesis_party_by_key(g, e->sigs[0].key);
	if (p < 0 || strcmp(g->parties[p].id, S(r->party)) != 0)
		return acc_err_set(err, ACC_ERULE,
				   "R11: report about party %s signed by a "
				   "key of another party",
				   S(r->party));
	/* R12 */
	rc = state_agreement_terms_get(kv, r->agreement_id, a, err);
	if (rc == ACC_ENOTFOUND)
		return acc_err_set(err, ACC_ERULE, "R12: no agreement %s",
				   hx(r->agreement_id).s);
	if (rc != 0)
		return rc;
	if (!a->active)
		return acc_err_set(err, ACC_ERULE,
				   "R12: agreement %s is not active",
				   hx(r->agreement_id).s);
	/* R13 */
	kl = state_key_match(k, r->agreement_id, S(r->party), S(r->scope),
			     r->pollutant, r->metric, r->period_start,
			     r->period_end);
	rc = kl == 0 ? ACC_ENOTFOUND : kv_get(kv, k, kl, &v, &vl);
	if (rc == ACC_ENOTFOUND)
		return no_obligation(kv, r, a, err);
	if (rc != 0)
		return acc_err_set(err, rc, "reading derived state: %s",
				   acc_strerror(rc));
	CK(state_u16_read(oi, v, vl, err));
	CK(state_obligation_get(kv, r->agreement_id, *oi, o, err));
	/* R14 */
	if (a->superseded && o->deadline > a->superseded_at)
		return acc_err_set(err, ACC_ERULE,
				   "R14: the obligation was superseded by "
				   "agreement %s",
				   hx(a->superseded_by).s);
	/* R15 (encoding §3.1) */
	if (!report_unit_valid(o->pollutant, o->metric, r->unit) ||
	    (r->has_value && report_value_convert(o->pollutant, o->metric,
						  r->unit, r->value,
						  value) != 0))
		return acc_err_set(
		    err, ACC_EMISMATCH,
		    "R15: unit %s does not fit the obligation's %s %s (unit "
		    "%s)",
		    unit_name(r->unit) ? unit_name(r->unit) : "?",
		    pollutant_name(o->pollutant), metric_name(o->metric),
		    unit_name(obligation_unit(o->pollutant, o->metric)));
	/* R16: no window refuses a report; one after the deadline is
	 * recorded as late (apply_report). */
	/* R18 (also encoding §7.2); other amounts are capped, §6.3. */
	if (r->has_value && o->metric == METRIC_PERCENT_REDUCTION &&
	    r->value > 100000 /* 100 %, milli */)
		return acc_err_set(err, ACC_ERULE,
				   "R18: a reduction above 100 %% is not a "
				   "measurement");
	return 0;
}

static int apply_report(struct kv *kv, const struct genesis *g,
			const struct entry *e, const uint8_t id[HASH_BYTES],
			uint64_t index, uint64_t t, struct acc_err *err)
{
	const struct report *r = &e->report;
	struct state_agreement_terms a;
	struct state_obligation o;
	struct state_report rec, head;
	uint16_t oi = 0;

	CK(absent(kv, STATE_KEY_REPORT, id, "report", err));
	int64_t value = 0;
	CK(report_check(kv, g, e, &a, &oi, &o, &value, err));

	/* R17: the new report is the deciding one; the previous one stays
	 * linked behind it as the fallback. */
	memset(&rec, 0, sizeof rec);
	memcpy(rec.agreement, r->agreement_id, HASH_BYTES);
	rec.obligation = oi;
	copy_str(rec.party, sizeof rec.party, r->party);
	rec.index = index;
	rec.block_time = t;
	rec.late = t > o.deadline;
	rec.has_value = r->has_value;
	/* R15: in the obligation's unit (t CO2e for greenhouse gases). */
	if (r->has_value)
		rec.value = value;
	else
		copy_str(rec.notation_key, sizeof rec.notation_key,
			 r->notation_key);
	rec.counted = true;
	if (o.has_deciding) {
		CK(state_report_get(kv, o.deciding, &head, err));
		head.has_next = true;
		memcpy(head.next, id, HASH_BYTES);
		CK(state_report_put(kv, o.deciding, &head, err));
		rec.has_prev = true;
		memcpy(rec.prev, o.deciding, HASH_BYTES);
	}
	o.has_deciding = true;
	memcpy(o.deciding, id, HASH_BYTES);
	CK(state_obligation_put(kv, r->agreement_id, oi, &o, err));
	return state_report_put(kv, id, &rec, err);
}

/* ---- attestation (R19-R23) ---- */

static int apply_attestation(struct kv *kv, const struct genesis *g,
			     const struct entry *e,
			     const uint8_t id[HASH_BYTES], uint64_t index,
			     uint64_t t, struct acc_err *err)
{
	const uint8_t *rid = e->attestation.report_id;
	const uint8_t *signer = e->sigs[0].key;
	struct state_agreement *a;
	struct state_report r;
	struct state_attestation rec;
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl, kl;
	int rc;

	CK(absent(kv, STATE_KEY_ATTESTATION, id, "attestation", err));
	/* R19 */
	rc = state_report_get(kv, rid, &r, err);
	if (rc == ACC_ENOTFOUND)
		return acc_err_set(err, ACC_ERULE, "R19: no report %s",
				   hx(rid).s);
	if (rc != 0)
		return rc;
	if (!r.counted)
		return acc_err_set(err, ACC_ERULE,
				   "R19: report %s no longer counts (a "
				   "challenge against it was upheld)",
				   hx(rid).s);
	/* R20 */
	long p = genesis_party_by_key(g, signer);
	if (p >= 0 && strcmp(g->parties[p].id, r.party) == 0)
		return acc_err_set(err, ACC_ERULE,
				   "R20: the reporting party %s may not attest "
				   "its own report",
				   r.party);
	/* R21 */
	if ((a = agreement_alloc(err)) == NULL)
		return ACC_ENOMEM;
	if ((rc = agreement_need(kv, r.agreement, a, "R21", err)) != 0) {
		free(a);
		return rc;
	}
	memset(&rec, 0, sizeof rec);
	long vi = genesis_verifier_by_key(g, signer);
	if (vi >= 0 && verifier_listed(a, g->verifiers[vi].id)) {
		rec.role = STATE_ROLE_VERIFIER;
		copy_str(rec.attester, sizeof rec.attester,
			 g->verifiers[vi].id);
	} else if (a->peer_parties_may_attest && p >= 0 &&
		   party_index(a, g->parties[p].id) >= 0) {
		rec.role = STATE_ROLE_PARTY;
		copy_str(rec.attester, sizeof rec.attester, g->parties[p].id);
	}
	free(a);
	if (rec.role == 0)
		return acc_err_set(err, ACC_ERULE,
				   "R21: signer is not a verifier of agreement "
				   "%.16s%s",
				   hx(r.agreement).s,
				   " nor an allowed peer party");
	/* R22 */
	kl = state_key_attester(k, rid, rec.role, rec.attester);
	rc = kv_get(kv, k, kl, &v, &vl);
	if (rc == 0)
		return acc_err_set(err, ACC_ERULE,
				   "R22: %s already attested report %s",
				   rec.attester, hx(rid).s);
	if (rc != ACC_ENOTFOUND)
		return acc_err_set(err, rc, "reading derived state: %s",
				   acc_strerror(rc));

	/* R23 */
	memcpy(rec.report, rid, HASH_BYTES);
	rec.index = index;
	rec.block_time = t;
	rec.opinion = e->attestation.opinion;
	rec.counted = true;
	if ((rc = kv_put(kv, k, kl, id, HASH_BYTES)) != 0)
		return acc_err_set(err, rc, "writing derived state: %s",
				   acc_strerror(rc));
	CK(state_attestation_put(kv, id, &rec, err));
	if (rec.opinion == OPINION_VERIFIED ||
	    rec.opinion == OPINION_VERIFIED_WITH_COMMENTS) {
		r.positive++;
		CK(state_report_put(kv, rid, &r, err));
	}
	return 0;
}

/* ---- challenge (R24-R27, R33) ---- */

/* Whether key k (klen bytes) is present: 0 absent, 1 present, or the KV's
 * error. */
static int key_present(const struct kv *kv, const uint8_t *k, size_t klen,
		       struct acc_err *err)
{
	const uint8_t *v;
	size_t vl;
	int rc = kv_get(kv, k, klen, &v, &vl);
	if (rc == ACC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return acc_err_set(err, rc, "reading derived state: %s",
				   acc_strerror(rc));
	return 1;
}

/* R33's record: challenge cid by (role, who) on target is dismissed. */
static int dismissed_put(struct kv *kv, const struct state_challenge *c,
			 const uint8_t cid[HASH_BYTES], struct acc_err *err)
{
	uint8_t k[STATE_KEY_BYTES_MAX];
	size_t kl = state_key_dismissed(k, c->target, c->challenger_role,
					c->challenger);
	int rc = kv_put(kv, k, kl, cid, HASH_BYTES);
	if (rc != 0)
		return acc_err_set(err, rc, "writing derived state: %s",
				   acc_strerror(rc));
	return 0;
}

/* The challenger of a challenge or resolution signer's key: role and id,
 * when it is a listed party or a listed verifier of a (R25). */
static uint8_t challenger_of(const struct genesis *g,
			     const struct state_agreement *a,
			     const uint8_t key[PUBKEY_BYTES], const char **id)
{
	long p = genesis_party_by_key(g, key);
	if (p >= 0 && party_index(a, g->parties[p].id) >= 0) {
		*id = g->parties[p].id;
		return STATE_ROLE_PARTY;
	}
	long vi = genesis_verifier_by_key(g, key);
	if (vi >= 0 && verifier_listed(a, g->verifiers[vi].id)) {
		*id = g->verifiers[vi].id;
		return STATE_ROLE_VERIFIER;
	}
	return 0;
}

/* All of a challenge's checks (R24-R26, R33), before any write. On
 * success c is the new record and, when the report's previous challenge
 * lapsed (R26), *lapsed is set and old holds it. */
static int challenge_check(const struct kv *kv, const struct genesis *g,
			   const struct entry *e, uint64_t t,
			   struct state_report *r, struct state_attestation *at,
			   struct state_challenge *c, bool *lapsed,
			   struct state_challenge *old, struct acc_err *err)
{
	const uint8_t *tid = e->challenge.target_id;
	struct state_agreement *a = NULL;
	uint8_t k[STATE_KEY_BYTES_MAX];
	const char *who = NULL;
	bool is_report;
	int rc;

	*lapsed = false;
	memset(c, 0, sizeof *c);
	/* R24: the target. */
	rc = state_report_get(kv, tid, r, err);
	is_report = rc == 0;
	if (rc == ACC_ENOTFOUND) {
		rc = state_attestation_get(kv, tid, at, err);
		if (rc == ACC_ENOTFOUND)
			return acc_err_set(err, ACC_ERULE,
					   "R24: no report or attestation %s",
					   hx(tid).s);
		if (rc == 0)
			rc = state_report_get(kv, at->report, r, err);
	}
	if (rc != 0)
		return rc;
	if (is_report ? !r->counted : !at->counted)
		return acc_err_set(
		    err, ACC_ERULE, "R24: %s %s no longer counts",
		    is_report ? "report" : "attestation", hx(tid).s);
	if ((a = agreement_alloc(err)) == NULL)
		return ACC_ENOMEM;
	if ((rc = agreement_need(kv, r->agreement, a, "R24", err)) != 0)
		goto out;
	uint64_t span = (uint64_t)a->challenge_days * SECONDS_PER_DAY;
	uint64_t opened = is_report ? r->block_time : at->block_time;
	if (t > opened + span) {
		char w[TIME_TEXT_BYTES];
		fixed_time_format(w, opened + span <= TIME_MAX ? opened + span
							       : TIME_MAX);
		rc = acc_err_set(err, ACC_ERULE,
				 "R24: the challenge window of %s %.16s closed "
				 "at %s",
				 is_report ? "report" : "attestation",
				 hx(tid).s, w);
		goto out;
	}
	/* R25 */
	c->challenger_role = challenger_of(g, a, e->sigs[0].key, &who);
	if (c->challenger_role == 0) {
		rc = acc_err_set(err, ACC_ERULE,
				 "R25: only the parties and verifiers of "
				 "agreement %.16s may challenge",
				 hx(r->agreement).s);
		goto out;
	}
	if (c->challenger_role == STATE_ROLE_PARTY &&
	    strcmp(who, r->party) == 0) {
		rc = acc_err_set(err, ACC_ERULE,
				 "R25: %s may not challenge its own report or "
				 "its attestations (it files a correction)",
				 who);
		goto out;
	}
	copy_str(c->challenger, sizeof c->challenger, who);
	/* R26: one dispute at a time per report; a lapsed one is recorded. */
	if (r->has_challenge) {
		if (t <= r->challenge_expires) {
			char x[TIME_TEXT_BYTES];
			fixed_time_format(x, r->challenge_expires);
			rc = acc_err_set(err, ACC_ERULE,
					 "R26: report %.16s already has open "
					 "challenge %.16s, expiring at %s",
					 hx(is_report ? tid : at->report).s,
					 hx(r->challenge).s, x);
			goto out;
		}
		if ((rc = state_challenge_get(kv, r->challenge, old, err)) != 0)
			goto out;
		*lapsed = true;
	}
	/* R33: one decision per challenger and target. */
	size_t kl = state_key_dismissed(k, tid, c->challenger_role, who);
	rc = key_present(kv, k, kl, err);
	if (rc == 0 && *lapsed && memcmp(old->target, tid, HASH_BYTES) == 0 &&
	    old->challenger_role == c->challenger_role &&
	    strcmp(old->challenger, who) == 0)
		rc = 1;
	if (rc == 1) {
		rc = acc_err_set(err, ACC_ERULE,
				 "R33: %s's challenge against %.16s was already "
				 "dismissed or lapsed",
				 who, hx(tid).s);
		goto out;
	}
	if (rc != 0)
		goto out;
	memcpy(c->target, tid, HASH_BYTES);
	c->target_kind = is_report ? ENTRY_REPORT : ENTRY_ATTESTATION;
	memcpy(c->report, is_report ? tid : at->report, HASH_BYTES);
	memcpy(c->agreement, r->agreement, HASH_BYTES);
	c->expires = t + span <= TIME_MAX ? t + span : TIME_MAX;
out:
	free(a);
	return rc;
}

static int apply_challenge(struct kv *kv, const struct genesis *g,
			   const struct entry *e, const uint8_t id[HASH_BYTES],
			   uint64_t index, uint64_t t, struct acc_err *err)
{
	const uint8_t *tid = e->challenge.target_id;
	struct state_report r;
	struct state_attestation at, lat;
	struct state_challenge c, old;
	bool lapsed;

	CK(absent(kv, STATE_KEY_CHALLENGE, id, "challenge", err));
	CK(challenge_check(kv, g, e, t, &r, &at, &c, &lapsed, &old, err));

	/* R26: the lapsed challenge is recorded as such (§4.5), with R33's
	 * record for its challenger. */
	if (lapsed) {
		const uint8_t *oid = r.challenge;
		if (old.target_kind == ENTRY_ATTESTATION) {
			CK(state_attestation_get(kv, old.target, &lat, err));
			lat.has_challenge = false;
			memset(lat.challenge, 0, HASH_BYTES);
			CK(state_attestation_put(kv, old.target, &lat, err));
			if (c.target_kind == ENTRY_ATTESTATION &&
			    memcmp(old.target, tid, HASH_BYTES) == 0)
				at = lat;
		}
		old.outcome = STATE_LAPSED;
		CK(dismissed_put(kv, &old, oid, err));
		CK(state_challenge_put(kv, oid, &old, err));
	}
	/* R27 */
	c.index = index;
	c.block_time = t;
	r.has_challenge = true;
	memcpy(r.challenge, id, HASH_BYTES);
	r.challenge_expires = c.expires;
	if (c.target_kind == ENTRY_ATTESTATION) {
		at.has_challenge = true;
		memcpy(at.challenge, id, HASH_BYTES);
		CK(state_attestation_put(kv, tid, &at, err));
	}
	CK(state_report_put(kv, c.report, &r, err));
	return state_challenge_put(kv, id, &c, err);
}

/* ---- resolution (R28-R30) ---- */

/* R30: take report rid (already loaded as r) out of its obligation's
 * list of counted reports; the latest report falls back to r's prev. */
static int report_unlink(struct kv *kv, const uint8_t rid[HASH_BYTES],
			 struct state_report *r, struct acc_err *err)
{
	struct state_report n, p;
	if (r->has_next) {
		CK(state_report_get(kv, r->next, &n, err));
		n.has_prev = r->has_prev;
		memcpy(n.prev, r->prev, HASH_BYTES);
		CK(state_report_put(kv, r->next, &n, err));
	} else {
		struct state_obligation o;
		CK(state_obligation_get(kv, r->agreement, r->obligation, &o,
					err));
		if (!o.has_deciding || memcmp(o.deciding, rid, HASH_BYTES) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "derived state: report %s is last "
					   "but not deciding",
					   hx(rid).s);
		o.has_deciding = r->has_prev;
		memcpy(o.deciding, r->prev, HASH_BYTES);
		CK(state_obligation_put(kv, r->agreement, r->obligation, &o,
					err));
	}
	if (r->has_prev) {
		CK(state_report_get(kv, r->prev, &p, err));
		p.has_next = r->has_next;
		memcpy(p.next, r->next, HASH_BYTES);
		CK(state_report_put(kv, r->prev, &p, err));
	}
	r->counted = false;
	r->has_prev = r->has_next = false;
	memset(r->prev, 0, HASH_BYTES);
	memset(r->next, 0, HASH_BYTES);
	return 0;
}

/* Why party id may not count toward resolving c (R29), or NULL. */
static const char *ineligible(const char *id, const struct state_challenge *c,
			      const struct state_report *r,
			      const struct state_attestation *at)
{
	if (c->challenger_role == STATE_ROLE_PARTY &&
	    strcmp(c->challenger, id) == 0)
		return "the challenger";
	if (strcmp(r->party, id) == 0)
		return "the challenged party";
	if (at != NULL && at->role == STATE_ROLE_PARTY &&
	    strcmp(at->attester, id) == 0)
		return "the challenged attester";
	return NULL;
}

/* R29 for challenge cid (record c, its report r, its attestation at or
 * NULL). */
static int resolution_check(const struct kv *kv, const struct genesis *g,
			    const struct entry *e,
			    const uint8_t cid[HASH_BYTES],
			    const struct state_challenge *c,
			    const struct state_report *r,
			    const struct state_attestation *at,
			    struct acc_err *err)
{
	struct state_agreement *a;
	bool seen[LIST_ITEMS_MAX];
	unsigned count = 0, eligible = 0, need;
	char x[TIME_TEXT_BYTES];
	int rc;

	if ((a = agreement_alloc(err)) == NULL)
		return ACC_ENOMEM;
	if ((rc = agreement_need(kv, c->agreement, a, "R29", err)) != 0)
		goto out;
	for (size_t i = 0; i < a->party_count; i++)
		eligible += ineligible(a->parties[i], c, r, at) == NULL;
	if (eligible == 0) {
		fixed_time_format(x, c->expires);
		rc = acc_err_set(err, ACC_ERULE,
				 "R29: no party of agreement %.16s may resolve "
				 "challenge %.16s; it lapses at %s",
				 hx(c->agreement).s, hx(cid).s, x);
		goto out;
	}
	need = a->resolution_threshold < eligible ? a->resolution_threshold
						  : eligible;
	memset(seen, 0, sizeof seen);
	for (size_t s = 0; s < e->sig_count; s++) {
		long p = genesis_party_by_key(g, e->sigs[s].key);
		long i = p < 0 ? -1 : party_index(a, g->parties[p].id);
		if (i < 0) {
			rc = acc_err_set(err, ACC_ERULE,
					 "R29: signature %zu is not by a party "
					 "of agreement %s",
					 s, hx(c->agreement).s);
			goto out;
		}
		const char *why = ineligible(a->parties[i], c, r, at);
		if (why != NULL) {
			rc = acc_err_set(err, ACC_ERULE,
					 "R29: %s is %s and does not count "
					 "toward resolving challenge %.16s",
					 a->parties[i], why, hx(cid).s);
			goto out;
		}
		if (!seen[i]) {
			seen[i] = true;
			count++;
		}
	}
	if (count < need)
		rc = acc_err_set(err, ACC_ERULE,
				 "R29: resolution needs %u eligible parties "
				 "of agreement %.16s, has %u",
				 need, hx(c->agreement).s, count);
out:
	free(a);
	return rc;
}

/* R30: reporting for the obligation of report r reopens until
 * t + challenge_days. */
static int reporting_reopen(struct kv *kv, const struct state_report *r,
			    uint64_t t, struct acc_err *err)
{
	struct state_agreement_terms a;
	struct state_obligation o;
	CK(state_agreement_terms_get(kv, r->agreement, &a, err));
	CK(state_obligation_get(kv, r->agreement, r->obligation, &o, err));
	uint64_t until = t + (uint64_t)a.challenge_days * SECONDS_PER_DAY;
	if (until > TIME_MAX)
		until = TIME_MAX;
	if (!o.has_reopened || o.reopened < until) {
		o.has_reopened = true;
		o.reopened = until;
	}
	return state_obligation_put(kv, r->agreement, r->obligation, &o, err);
}

static int apply_resolution(struct kv *kv, const struct genesis *g,
			    const struct entry *e, const uint8_t id[HASH_BYTES],
			    uint64_t t, struct acc_err *err)
{
	const uint8_t *cid = e->resolution.challenge_id;
	bool upheld = e->resolution.outcome == OUTCOME_UPHELD;
	struct state_challenge c;
	struct state_report r;
	struct state_attestation at;
	bool on_report;
	int rc;

	/* R28 */
	rc = state_challenge_get(kv, cid, &c, err);
	if (rc == ACC_ENOTFOUND)
		return acc_err_set(err, ACC_ERULE, "R28: no challenge %s",
				   hx(cid).s);
	if (rc != 0)
		return rc;
	if (c.outcome != 0)
		return acc_err_set(err, ACC_ERULE,
				   "R28: challenge %s is already closed (%s)",
				   hx(cid).s,
				   c.outcome == STATE_LAPSED
				       ? "lapsed"
				       : outcome_name(c.outcome));
	if (t > c.expires) {
		char x[TIME_TEXT_BYTES];
		fixed_time_format(x, c.expires);
		return acc_err_set(err, ACC_ERULE,
				   "R28: challenge %s lapsed at %s (dismissed "
				   "by rule)",
				   hx(cid).s, x);
	}
	if (e->resolution.outcome != OUTCOME_UPHELD &&
	    e->resolution.outcome != OUTCOME_DISMISSED)
		return acc_err_set(err, ACC_ERULE, "R28: unknown outcome");
	on_report = c.target_kind == ENTRY_REPORT;
	CK(state_report_get(kv, c.report, &r, err));
	if (!on_report)
		CK(state_attestation_get(kv, c.target, &at, err));
	/* R29 */
	CK(resolution_check(kv, g, e, cid, &c, &r, on_report ? NULL : &at,
			    err));

	/* R30 */
	r.has_challenge = false;
	memset(r.challenge, 0, HASH_BYTES);
	r.challenge_expires = 0;
	if (on_report) {
		if (upheld)
			CK(report_unlink(kv, c.report, &r, err));
	} else {
		at.has_challenge = false;
		memset(at.challenge, 0, HASH_BYTES);
		if (upheld) {
			uint8_t k[STATE_KEY_BYTES_MAX];
			size_t kl = state_key_attester(k, c.report, at.role,
						       at.attester);
			at.counted = false;
			if (at.opinion != OPINION_NOT_VERIFIED &&
			    r.positive > 0)
				r.positive--;
			/* R22: the attester may attest this report again. */
			rc = kv_del(kv, k, kl);
			if (rc != 0 && rc != ACC_ENOTFOUND)
				return acc_err_set(err, rc,
						   "writing derived state: %s",
						   acc_strerror(rc));
		}
		CK(state_attestation_put(kv, c.target, &at, err));
	}
	CK(state_report_put(kv, c.report, &r, err));
	if (upheld)
		CK(reporting_reopen(kv, &r, t, err));
	else
		CK(dismissed_put(kv, &c, cid, err));
	c.outcome = e->resolution.outcome;
	memcpy(c.resolution, id, HASH_BYTES);
	c.resolved_at = t;
	return state_challenge_put(kv, cid, &c, err);
}

/* ---- governance (R31), evidence (R32) ---- */

static int apply_governance(struct kv *kv, const struct genesis *g,
			    const struct entry *e, const uint8_t id[HASH_BYTES],
			    uint64_t index, uint64_t t, struct acc_err *err)
{
	bool seen[PARTIES_MAX];
	unsigned count = 0;
	uint8_t k[STATE_KEY_BYTES_MAX];
	struct state_governance rec;
	struct wbuf w;
	int rc;

	CK(absent(kv, STATE_KEY_GOVERNANCE, id, "governance", err));
	memset(seen, 0, sizeof seen);
	for (size_t s = 0; s < e->sig_count; s++) {
		long p = genesis_party_by_key(g, e->sigs[s].key);
		if (p < 0)
			return acc_err_set(err, ACC_ERULE,
					   "R31: signature %zu is not by a "
					   "party key",
					   s);
		if (!seen[p]) {
			seen[p] = true;
			count++;
		}
	}
	if (count < g->governance_threshold)
		return acc_err_set(err, ACC_ERULE,
				   "R31: governance needs %u parties, has %u",
				   g->governance_threshold, count);
	rec.index = index;
	rec.block_time = t;
	rec.action = e->governance.action;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_governance_write(&w, &rec);
	rc = wbuf_error(&w);
	if (rc == 0)
		rc = kv_put(kv, k, state_key_id(k, STATE_KEY_GOVERNANCE, id),
			    w.data, w.len);
	wbuf_free(&w);
	if (rc != 0)
		return acc_err_set(err, rc, "writing derived state: %s",
				   acc_strerror(rc));
	return 0;
}

static int apply_evidence(struct kv *kv, const struct entry *e,
			  const uint8_t id[HASH_BYTES], uint64_t index,
			  uint64_t t, struct acc_err *err)
{
	const struct evidence *ev = &e->evidence;
	uint8_t k[STATE_KEY_BYTES_MAX];
	const uint8_t *v;
	size_t vl;
	struct state_evidence rec;
	struct wbuf w;
	/* R32: one evidence per (validator, height, round, form): a
	 * proposer may be reported once for its proposals and once for
	 * its votes of the same round. */
	bool props = ev->form == EVIDENCE_PROPOSALS;
	uint64_t height = props ? ev->proposals[0].height : ev->votes[0].height;
	uint32_t round = props ? ev->proposals[0].round : ev->votes[0].round;
	size_t kl =
	    props ? state_key_evidence_proposals(k, ev->validator, height, round)
		  : state_key_evidence(k, ev->validator, height, round);
	int rc = kv_get(kv, k, kl, &v, &vl);
	if (rc == 0)
		return acc_err_set(err, ACC_ERULE,
				   "R32: evidence of validator %.16s's %s at "
				   "height %llu round %u is already recorded",
				   hx(ev->validator).s,
				   props ? "proposals" : "votes",
				   (unsigned long long)height, (unsigned)round);
	if (rc != ACC_ENOTFOUND)
		return acc_err_set(err, rc, "reading derived state: %s",
				   acc_strerror(rc));
	memcpy(rec.id, id, HASH_BYTES);
	rec.index = index;
	rec.block_time = t;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_evidence_write(&w, &rec);
	rc = wbuf_error(&w);
	if (rc == 0)
		rc = kv_put(kv, k, kl, w.data, w.len);
	wbuf_free(&w);
	if (rc != 0)
		return acc_err_set(err, rc, "writing derived state: %s",
				   acc_strerror(rc));
	return 0;
}

int rules_apply(struct kv *kv, const struct genesis *g, const struct entry *e,
		const uint8_t id[HASH_BYTES], uint64_t index,
		uint64_t block_time_s, struct acc_err *err)
{
	if (e->sig_count < 1)
		return acc_err_set(err, ACC_EINVAL, "entry is not signed");
	/* The encoding-level bounds (ids, names, enums, UTF-8): what the
	 * state records store must decode again (§2.0). */
	CK(entry_validate(e, true, err));
	switch (e->kind) {
	case ENTRY_AGREEMENT:
		return apply_agreement(kv, g, e, id, index, block_time_s, err);
	case ENTRY_ENDORSEMENT:
		return apply_endorsement(kv, g, e, block_time_s, err);
	case ENTRY_REPORT:
		return apply_report(kv, g, e, id, index, block_time_s, err);
	case ENTRY_ATTESTATION:
		return apply_attestation(kv, g, e, id, index, block_time_s,
					 err);
	case ENTRY_CHALLENGE:
		return apply_challenge(kv, g, e, id, index, block_time_s, err);
	case ENTRY_RESOLUTION:
		return apply_resolution(kv, g, e, id, block_time_s, err);
	case ENTRY_GOVERNANCE:
		return apply_governance(kv, g, e, id, index, block_time_s, err);
	case ENTRY_EVIDENCE:
		return apply_evidence(kv, e, id, index, block_time_s, err);
	default:
		return acc_err_set(err, ACC_EKIND, "entry kind %u",
				   (unsigned)e->kind);
	}
}
