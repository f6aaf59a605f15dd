/* genesis.c - the genesis file: JSON form, checks, canonical encoding and
 * hash, lookups (specs/genesis.md). */
#include "ledger/genesis.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/hex.h"
#include "ledger/checkpoint.h"
#include "ledger/field.h"
#include "ledger/fixed.h"

#define CK(x)                                                              \
	do {                                                               \
		int rc_ = (x);                                             \
		if (rc_ != 0)                                              \
			return rc_;                                        \
	} while (0)

#define GENESIS_VERSION 1u
#define MS_MAX 600000u /* ten minutes: the bound of every _ms parameter */
#define GRACE_DAYS_MAX 3650u

static bool id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool genesis_id_valid(const char *s, size_t len)
{
	if (s == NULL || len < 1 || len > PARTY_ID_BYTES_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!id_char(s[i]))
			return false;
	return true;
}

bool genesis_chain_id_valid(const char *s, size_t len)
{
	if (s == NULL || len < 1 || len > CHAIN_ID_BYTES_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!id_char(s[i]) && s[i] != ':' && s[i] != '/')
			return false;
	return true;
}

void genesis_params_default(struct genesis_params *p)
{
	p->block_interval_ms = 1000;
	p->block_entries_max = BLOCK_ENTRIES_MAX;
	p->timeout_propose_ms = 3000;
	p->timeout_prevote_ms = 1000;
	p->timeout_precommit_ms = 1000;
	p->timeout_delta_ms = 500;
	p->grace_days_default = 90;
}

void genesis_free(struct genesis *g)
{
	if (g == NULL)
		return;
	free(g->parties);
	free(g->validators);
	free(g->verifiers);
	free(g->funds);
	memset(g, 0, sizeof *g);
}

/* ---- lookups ---- */

long genesis_party_by_key(const struct genesis *g,
			  const uint8_t pk[PUBKEY_BYTES])
{
	for (size_t i = 0; i < g->party_count; i++)
		for (size_t k = 0; k < g->parties[i].key_count; k++)
			if (memcmp(g->parties[i].keys[k], pk, PUBKEY_BYTES) == 0)
				return (long)i;
	return -1;
}

long genesis_verifier_by_key(const struct genesis *g,
			     const uint8_t pk[PUBKEY_BYTES])
{
	for (size_t i = 0; i < g->verifier_count; i++)
		if (memcmp(g->verifiers[i].key, pk, PUBKEY_BYTES) == 0)
			return (long)i;
	return -1;
}

long genesis_validator_by_key(const struct genesis *g,
			      const uint8_t pk[PUBKEY_BYTES])
{
	for (size_t i = 0; i < g->validator_count; i++)
		if (memcmp(g->validators[i].key, pk, PUBKEY_BYTES) == 0)
			return (long)i;
	return -1;
}

long genesis_party_by_id(const struct genesis *g, const char *id)
{
	for (size_t i = 0; i < g->party_count; i++)
		if (strcmp(g->parties[i].id, id) == 0)
			return (long)i;
	return -1;
}

long genesis_verifier_by_id(const struct genesis *g, const char *id)
{
	for (size_t i = 0; i < g->verifier_count; i++)
		if (strcmp(g->verifiers[i].id, id) == 0)
			return (long)i;
	return -1;
}

long genesis_fund_by_id(const struct genesis *g, const char *id)
{
	for (size_t i = 0; i < g->fund_count; i++)
		if (strcmp(g->funds[i].id, id) == 0)
			return (long)i;
	return -1;
}

int genesis_key_role(const struct genesis *g, const uint8_t pk[PUBKEY_BYTES],
		     enum key_role *role, size_t *index)
{
	long i;
	if ((i = genesis_party_by_key(g, pk)) >= 0)
		*role = ROLE_PARTY;
	else if ((i = genesis_verifier_by_key(g, pk)) >= 0)
		*role = ROLE_VERIFIER;
	else if ((i = genesis_validator_by_key(g, pk)) >= 0)
		*role = ROLE_VALIDATOR;
	else {
		*role = ROLE_NONE;
		*index = 0;
		return ACC_EUNKNOWNKEY;
	}
	*index = (size_t)i;
	return 0;
}

uint64_t genesis_total_power(const struct genesis *g)
{
	uint64_t total = 0;
	for (size_t i = 0; i < g->validator_count; i++)
		total += g->validators[i].power;
	return total;
}

void valset_hash(const struct genesis_validator *v, size_t n,
		 uint8_t out[HASH_BYTES])
{
	struct sha256_ctx c;
	uint8_t b[8];
	sha256_init(&c);
	sha256_update(&c, VALSET_HASH_CONTEXT, strlen(VALSET_HASH_CONTEXT) + 1);
	be16_put(b, (uint16_t)n);
	sha256_update(&c, b, 2);
	for (size_t i = 0; i < n; i++) {
		sha256_update(&c, v[i].key, PUBKEY_BYTES);
		be64_put(b, v[i].power);
		sha256_update(&c, b, 8);
	}
	sha256_final(&c, out);
}

void genesis_valset_hash(const struct genesis *g, uint8_t out[HASH_BYTES])
{
	valset_hash(g->validators, g->validator_count, out);
}

/* ---- checks (§2) ---- */

static int check_name(const char *s, size_t max, const char *path,
		      struct acc_err *err)
{
	return field_str_check(s, max, FIELD_NONEMPTY, path, err);
}

int genesis_validate(struct genesis *g, struct acc_err *err)
{
	char p[FIELD_PATH_BYTES];
	if (!genesis_chain_id_valid(g->chain_id, strlen(g->chain_id)))
		return acc_err_set(err, ACC_EDECODE,
				   "chain_id: 1-%u of A-Z a-z 0-9 . _ - : /",
				   CHAIN_ID_BYTES_MAX);
	if (g->genesis_time > TIME_MAX)
		return acc_err_set(err, ACC_EDECODE, "genesis_time: too late");
	if (g->party_count == 0 || g->party_count > PARTIES_MAX)
		return acc_err_set(err, ACC_ECONFIG,
				   "parties: %zu, expected 1..%u",
				   g->party_count, PARTIES_MAX);
	if (g->validator_count == 0 || g->validator_count > VALIDATORS_MAX)
		return acc_err_set(err, ACC_ECONFIG,
				   "validators: %zu, expected 1..%u",
				   g->validator_count, VALIDATORS_MAX);
	if (g->verifier_count > VERIFIERS_MAX)
		return acc_err_set(err, ACC_ECONFIG,
				   "verifiers: %zu, at most %u",
				   g->verifier_count, VERIFIERS_MAX);
	for (size_t i = 0; i < g->party_count; i++) {
		const struct genesis_party *pt = &g->parties[i];
		field_path_index(p, "", "parties", i);
		if (!genesis_id_valid(pt->id, strlen(pt->id)))
			return acc_err_set(err, ACC_EDECODE, "%s.id: not an id",
					   p);
		CK(check_name(pt->name, NAME_BYTES_MAX, p, err));
		if (pt->key_count < 1 || pt->key_count > KEYS_PER_PARTY_MAX)
			return acc_err_set(err, ACC_ECONFIG,
					   "%s.keys: %zu, expected 1..%u", p,
					   pt->key_count, KEYS_PER_PARTY_MAX);
		for (size_t k = 0; k < i; k++)
			if (strcmp(g->parties[k].id, pt->id) == 0)
				return acc_err_set(err, ACC_ECONFIG,
						   "%s: duplicate party id %s",
						   p, pt->id);
		for (size_t k = 0; k < pt->key_count; k++) {
			long o = genesis_party_by_key(g, pt->keys[k]);
			/* The first holder of the key must be this party at
			 * this position: otherwise it is listed twice. */
			bool dup = o != (long)i;
			for (size_t m = 0; !dup && m < k; m++)
				dup = memcmp(pt->keys[m], pt->keys[k],
					     PUBKEY_BYTES) == 0;
			if (dup)
				return acc_err_set(err, ACC_ECONFIG,
						   "%s.keys[%zu]: key listed "
						   "twice",
						   p, k);
		}
	}
	for (size_t i = 0; i < g->verifier_count; i++) {
		const struct genesis_verifier *v = &g->verifiers[i];
		field_path_index(p, "", "verifiers", i);
		if (!genesis_id_valid(v->id, strlen(v->id)))
			return acc_err_set(err, ACC_EDECODE, "%s.id: not an id",
					   p);
		CK(check_name(v->name, NAME_BYTES_MAX, p, err));
		if (genesis_verifier_by_id(g, v->id) != (long)i ||
		    genesis_party_by_id(g, v->id) >= 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "%s: duplicate id %s", p, v->id);
		if (genesis_verifier_by_key(g, v->key) != (long)i)
			return acc_err_set(err, ACC_ECONFIG,
					   "%s.key: key listed twice", p);
	}
	if (g->fund_count > FUNDS_MAX)
		return acc_err_set(err, ACC_ECONFIG, "funds: %zu, at most %u",
				   g->fund_count, FUNDS_MAX);
	for (size_t i = 0; i < g->fund_count; i++) {
		const struct genesis_fund *f = &g->funds[i];
		field_path_index(p, "", "funds", i);
		if (!genesis_id_valid(f->id, strlen(f->id)))
			return acc_err_set(err, ACC_EDECODE, "%s.id: not an id",
					   p);
		CK(check_name(f->name, NAME_BYTES_MAX, p, err));
		if (genesis_fund_by_id(g, f->id) != (long)i ||
		    genesis_party_by_id(g, f->id) >= 0 ||
		    genesis_verifier_by_id(g, f->id) >= 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "%s: duplicate id %s", p, f->id);
	}
	uint64_t total = 0;
	for (size_t i = 0; i < g->validator_count; i++) {
		const struct genesis_validator *v = &g->validators[i];
		field_path_index(p, "", "validators", i);
		CK(check_name(v->name, NAME_BYTES_MAX, p, err));
		/* The name is the validator's key name in checkpoint
		 * cosignatures (specs/checkpoint.md §3). */
		if (!note_name_valid(v->name, strlen(v->name)))
			return acc_err_set(err, ACC_ECONFIG,
					   "%s.name: \"%s\" has a space, '+' or "
					   "control character (it names the "
					   "validator's checkpoint key)",
					   p, v->name);
		CK(check_name(v->address, GENESIS_ADDRESS_BYTES_MAX, p, err));
		CK(field_str_check(v->http, GENESIS_ADDRESS_BYTES_MAX,
				   FIELD_TEXT, p, err));
		if (genesis_party_by_id(g, v->party) < 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "%s.party: %s is not a listed party",
					   p, v->party);
		if (genesis_validator_by_key(g, v->key) != (long)i)
			return acc_err_set(err, ACC_ECONFIG,
					   "%s.key: key listed twice", p);
		for (size_t k = 0; k < i; k++)
			if (strcmp(g->validators[k].name, v->name) == 0)
				return acc_err_set(err, ACC_ECONFIG,
						   "%s: duplicate name %s", p,
						   v->name);
		if (v->power < 1 || v->power > GENESIS_POWER_MAX)
			return acc_err_set(err, ACC_ERANGE,
					   "%s.power: expected 1..2^40", p);
		total += v->power;
	}
	(void)total; /* at most 128 * 2^40: no overflow, even times 3 */
	const struct genesis_params *pa = &g->params;
	if (pa->block_interval_ms > MS_MAX || pa->timeout_propose_ms < 1 ||
	    pa->timeout_propose_ms > MS_MAX || pa->timeout_prevote_ms < 1 ||
	    pa->timeout_prevote_ms > MS_MAX || pa->timeout_precommit_ms < 1 ||
	    pa->timeout_precommit_ms > MS_MAX || pa->timeout_delta_ms > MS_MAX)
		return acc_err_set(err, ACC_ERANGE,
				   "params: a _ms parameter is out of range");
	if (pa->block_entries_max < 1 ||
	    pa->block_entries_max > BLOCK_ENTRIES_MAX)
		return acc_err_set(err, ACC_ERANGE,
				   "params.block_entries_max: expected 1..%u",
				   BLOCK_ENTRIES_MAX);
	if (pa->grace_days_default > GRACE_DAYS_MAX)
		return acc_err_set(err, ACC_ERANGE,
				   "params.grace_days_default: at most %u",
				   GRACE_DAYS_MAX);
	if (g->governance_threshold < 1 ||
	    g->governance_threshold > g->party_count)
		return acc_err_set(err, ACC_ECONFIG,
				   "governance_threshold: %u, expected 1..%zu",
				   g->governance_threshold, g->party_count);
	return genesis_hash_update(g, err);
}

/* ---- canonical encoding and hash (§4) ---- */

int genesis_encode(const struct genesis *g, uint8_t **bytes, size_t *len,
		   struct acc_err *err)
{
	struct wbuf w;
	wbuf_init(&w, GENESIS_BYTES_MAX);
	wbuf_u8(&w, GENESIS_VERSION);
	field_str_write(&w, g->chain_id);
	wbuf_u64(&w, g->genesis_time);
	wbuf_u16(&w, (uint16_t)g->party_count);
	for (size_t i = 0; i < g->party_count; i++) {
		const struct genesis_party *p = &g->parties[i];
		field_str_write(&w, p->id);
		field_str_write(&w, p->name);
		wbuf_u16(&w, (uint16_t)p->key_count);
		for (size_t k = 0; k < p->key_count; k++)
			wbuf_bytes(&w, p->keys[k], PUBKEY_BYTES);
	}
	wbuf_u16(&w, (uint16_t)g->validator_count);
	for (size_t i = 0; i < g->validator_count; i++) {
		const struct genesis_validator *v = &g->validators[i];
		field_str_write(&w, v->name);
		field_str_write(&w, v->party);
		wbuf_bytes(&w, v->key, PUBKEY_BYTES);
		field_str_write(&w, v->address);
		field_str_write(&w, v->http);
		wbuf_u64(&w, v->power);
	}
	wbuf_u16(&w, (uint16_t)g->verifier_count);
	for (size_t i = 0; i < g->verifier_count; i++) {
		const struct genesis_verifier *v = &g->verifiers[i];
		field_str_write(&w, v->id);
		field_str_write(&w, v->name);
		wbuf_bytes(&w, v->key, PUBKEY_BYTES);
	}
	const struct genesis_params *pa = &g->params;
	wbuf_u32(&w, pa->block_interval_ms);
	wbuf_u32(&w, pa->block_entries_max);
	wbuf_u32(&w, pa->timeout_propose_ms);
	wbuf_u32(&w, pa->timeout_prevote_ms);
	wbuf_u32(&w, pa->timeout_precommit_ms);
	wbuf_u32(&w, pa->timeout_delta_ms);
	wbuf_u32(&w, pa->grace_days_default);
	wbuf_u32(&w, g->governance_threshold);
	/* §4: funds are appended only when there are some, so that a
	 * genesis without funds keeps the encoding (and hash) it had. */
	if (g->fund_count > 0) {
		wbuf_u16(&w, (uint16_t)g->fund_count);
		for (size_t i = 0; i < g->fund_count; i++) {
			field_str_write(&w, g->funds[i].id);
			field_str_write(&w, g->funds[i].name);
		}
	}
	int rc = wbuf_error(&w);
	if (rc != 0) {
		wbuf_free(&w);
		return acc_err_set(err, rc, "encoding genesis");
	}
	*bytes = wbuf_take(&w, len);
	return 0;
}

int genesis_hash_update(struct genesis *g, struct acc_err *err)
{
	uint8_t *b;
	size_t n;
	struct sha256_ctx c;
	CK(genesis_encode(g, &b, &n, err));
	sha256_init(&c);
	sha256_update(&c, GENESIS_HASH_CONTEXT,
		      strlen(GENESIS_HASH_CONTEXT) + 1);
	sha256_update(&c, b, n);
	sha256_final(&c, g->hash);
	free(b);
	return 0;
}

/* ---- JSON (§2) ---- */

static const char *const top_keys[] = {
    "chain_id",   "genesis_time", "parties",
    "validators", "verifiers",    "funds",
    "params",     "governance_threshold", NULL};
static const char *const party_keys[] = {"id", "name", "keys", NULL};
static const char *const validator_keys[] = {"name",    "party", "key",
					     "address", "http",  "power",
					     NULL};
static const char *const verifier_keys[] = {"id", "name", "key", NULL};
static const char *const fund_keys[] = {"id", "name", NULL};
static const char *const param_keys[] = {
    "block_interval_ms",  "block_entries_max",    "timeout_propose_ms",
    "timeout_prevote_ms", "timeout_precommit_ms", "timeout_delta_ms",
    "grace_days_default", NULL};

/* Copy a checked JSON string into a fixed buffer of max+1 bytes. */
static int str_into(const json_t *obj, const char *prefix, const char *key,
		    bool required, char *out, size_t max,
		    enum field_str_class cls, struct acc_err *err)
{
	char *s;
	bool present;
	CK(field_json_str(obj, prefix, key, required, &present, &s, max, cls,
			  err));
	if (present) {
		snprintf(out, max + 1, "%s", s);
		free(s);
	}
	return 0;
}

static int params_from_json(struct genesis_params *pa, const json_t *j,
			    struct acc_err *err)
{
	uint32_t *fields[] = {
	    &pa->block_interval_ms,  &pa->block_entries_max,
	    &pa->timeout_propose_ms, &pa->timeout_prevote_ms,
	    &pa->timeout_precommit_ms, &pa->timeout_delta_ms,
	    &pa->grace_days_default,
	};
	genesis_params_default(pa);
	if (j == NULL)
		return 0;
	CK(field_json_keys(j, param_keys, "params.", err));
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		bool present;
		uint64_t u;
		CK(field_json_uint(j, "params.", param_keys[i], false, &present,
				   0, UINT32_MAX, &u, err));
		if (present)
			*fields[i] = (uint32_t)u;
	}
	return 0;
}

static int from_json(struct genesis *g, const json_t *j, struct acc_err *err)
{
	const json_t *arr;
	char p[FIELD_PATH_BYTES];
	uint64_t u;
	bool present;
	size_t n;

	CK(field_json_keys(j, top_keys, "", err));
	CK(str_into(j, "", "chain_id", true, g->chain_id, CHAIN_ID_BYTES_MAX,
		    FIELD_NONEMPTY, err));
	CK(field_json_time(j, "", "genesis_time", true, NULL, &g->genesis_time,
			   err));

	CK(field_json_array(j, "", "parties", PARTIES_MAX, &arr, err));
	n = json_array_size(arr);
	g->parties = calloc(n ? n : 1, sizeof *g->parties);
	if (g->parties == NULL)
		return acc_err_set(err, ACC_ENOMEM, "parties");
	g->party_count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		struct genesis_party *pt = &g->parties[i];
		const json_t *keys;
		snprintf(p, sizeof p, "parties[%zu].", i);
		CK(field_json_keys(o, party_keys, p, err));
		CK(str_into(o, p, "id", true, pt->id, PARTY_ID_BYTES_MAX,
			    FIELD_ID, err));
		CK(str_into(o, p, "name", true, pt->name, NAME_BYTES_MAX,
			    FIELD_NONEMPTY, err));
		CK(field_json_array(o, p, "keys", KEYS_PER_PARTY_MAX, &keys,
				    err));
		pt->key_count = json_array_size(keys);
		for (size_t k = 0; k < pt->key_count; k++) {
			json_t *kv = json_array_get(keys, k);
			if (!json_is_string(kv))
				return acc_err_set(err, ACC_ETYPE,
						   "%skeys[%zu]: expected a "
						   "hex string",
						   p, k);
			if (json_string_length(kv) != 2 * PUBKEY_BYTES ||
			    hex_decode(pt->keys[k], PUBKEY_BYTES,
				       json_string_value(kv)) != 0)
				return acc_err_set(err, ACC_EDECODE,
						   "%skeys[%zu]: expected 64 "
						   "hex digits",
						   p, k);
		}
	}

	CK(field_json_array(j, "", "validators", VALIDATORS_MAX, &arr, err));
	n = json_array_size(arr);
	g->validators = calloc(n ? n : 1, sizeof *g->validators);
	if (g->validators == NULL)
		return acc_err_set(err, ACC_ENOMEM, "validators");
	g->validator_count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		struct genesis_validator *v = &g->validators[i];
		snprintf(p, sizeof p, "validators[%zu].", i);
		CK(field_json_keys(o, validator_keys, p, err));
		CK(str_into(o, p, "name", true, v->name, NAME_BYTES_MAX,
			    FIELD_NONEMPTY, err));
		CK(str_into(o, p, "party", true, v->party, PARTY_ID_BYTES_MAX,
			    FIELD_ID, err));
		CK(field_json_hex(o, p, "key", true, NULL, v->key, PUBKEY_BYTES,
				  err));
		CK(str_into(o, p, "address", true, v->address,
			    GENESIS_ADDRESS_BYTES_MAX, FIELD_NONEMPTY, err));
		CK(str_into(o, p, "http", false, v->http,
			    GENESIS_ADDRESS_BYTES_MAX, FIELD_NONEMPTY, err));
		CK(field_json_uint(o, p, "power", false, &present, 1,
				   GENESIS_POWER_MAX, &u, err));
		v->power = present ? u : 1;
	}

	if (json_object_get(j, "verifiers") != NULL) {
		CK(field_json_array(j, "", "verifiers", VERIFIERS_MAX, &arr,
				    err));
		n = json_array_size(arr);
	} else {
		arr = NULL;
		n = 0;
	}
	g->verifiers = calloc(n ? n : 1, sizeof *g->verifiers);
	if (g->verifiers == NULL)
		return acc_err_set(err, ACC_ENOMEM, "verifiers");
	g->verifier_count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		struct genesis_verifier *v = &g->verifiers[i];
		snprintf(p, sizeof p, "verifiers[%zu].", i);
		CK(field_json_keys(o, verifier_keys, p, err));
		CK(str_into(o, p, "id", true, v->id, PARTY_ID_BYTES_MAX,
			    FIELD_ID, err));
		CK(str_into(o, p, "name", true, v->name, NAME_BYTES_MAX,
			    FIELD_NONEMPTY, err));
		CK(field_json_hex(o, p, "key", true, NULL, v->key, PUBKEY_BYTES,
				  err));
	}

	if (json_object_get(j, "funds") != NULL) {
		CK(field_json_array(j, "", "funds", FUNDS_MAX, &arr, err));
		n = json_array_size(arr);
	} else {
		arr = NULL;
		n = 0;
	}
	g->funds = calloc(n ? n : 1, sizeof *g->funds);
	if (g->funds == NULL)
		return acc_err_set(err, ACC_ENOMEM, "funds");
	g->fund_count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		struct genesis_fund *f = &g->funds[i];
		snprintf(p, sizeof p, "funds[%zu].", i);
		CK(field_json_keys(o, fund_keys, p, err));
		CK(str_into(o, p, "id", true, f->id, PARTY_ID_BYTES_MAX,
			    FIELD_ID, err));
		CK(str_into(o, p, "name", true, f->name, NAME_BYTES_MAX,
			    FIELD_NONEMPTY, err));
	}

	CK(params_from_json(&g->params, json_object_get(j, "params"), err));
	CK(field_json_uint(j, "", "governance_threshold", false, &present, 1,
			   PARTIES_MAX, &u, err));
	/* Default: more than two thirds of the parties. */
	g->governance_threshold =
	    present ? (uint32_t)u : (uint32_t)(2 * g->party_count / 3 + 1);
	return genesis_validate(g, err);
}

int genesis_from_json(struct genesis *g, const json_t *j, struct acc_err *err)
{
	memset(g, 0, sizeof *g);
	int rc = from_json(g, j, err);
	if (rc != 0)
		genesis_free(g);
	return rc;
}

int genesis_from_json_text(struct genesis *g, const char *text, size_t len,
			   struct acc_err *err)
{
	json_t *j;
	int rc;
	memset(g, 0, sizeof *g);
	if (len > GENESIS_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "genesis over %u bytes",
				   GENESIS_BYTES_MAX);
	CK(field_json_parse(&j, text, len, err));
	rc = genesis_from_json(g, j, err);
	json_decref(j);
	return rc;
}

int genesis_load(struct genesis *g, const char *path, struct acc_err *err)
{
	memset(g, 0, sizeof *g);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "%s: %s", path,
				   strerror(errno));
	char *buf = malloc(GENESIS_BYTES_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return acc_err_set(err, ACC_ENOMEM, "reading %s", path);
	}
	size_t n = fread(buf, 1, GENESIS_BYTES_MAX + 1, f);
	int read_err = ferror(f);
	fclose(f);
	int rc;
	if (read_err)
		rc = acc_err_set(err, ACC_EIO, "%s: read error", path);
	else if (n > GENESIS_BYTES_MAX)
		rc = acc_err_set(err, ACC_ETOOBIG, "%s: over %u bytes", path,
				 GENESIS_BYTES_MAX);
	else
		rc = genesis_from_json_text(g, buf, n, err);
	free(buf);
	return rc;
}

static json_t *key_json(const uint8_t *k)
{
	return field_hex_json(k, PUBKEY_BYTES);
}

json_t *genesis_to_json(const struct genesis *g)
{
	bool ok = true;
	json_t *j = json_object();
	json_t *parties = json_array();
	json_t *vals = json_array();
	json_t *vers = json_array();
	json_t *params = json_object();
	if (j == NULL || parties == NULL || vals == NULL || vers == NULL ||
	    params == NULL) {
		json_decref(j);
		json_decref(parties);
		json_decref(vals);
		json_decref(vers);
		json_decref(params);
		return NULL;
	}
	field_set_str(j, "chain_id", g->chain_id, &ok);
	field_set_time(j, "genesis_time", g->genesis_time, &ok);
	for (size_t i = 0; i < g->party_count; i++) {
		const struct genesis_party *p = &g->parties[i];
		json_t *o = json_object();
		json_t *keys = json_array();
		if (o != NULL && keys != NULL) {
			field_set_str(o, "id", p->id, &ok);
			field_set_str(o, "name", p->name, &ok);
			for (size_t k = 0; k < p->key_count; k++)
				field_append(keys, key_json(p->keys[k]), &ok);
		}
		if (o != NULL)
			field_set(o, "keys", keys, &ok);
		else
			json_decref(keys);
		field_append(parties, o, &ok);
	}
	field_set(j, "parties", parties, &ok);
	for (size_t i = 0; i < g->validator_count; i++) {
		const struct genesis_validator *v = &g->validators[i];
		json_t *o = json_object();
		if (o != NULL) {
			field_set_str(o, "name", v->name, &ok);
			field_set_str(o, "party", v->party, &ok);
			field_set(o, "key", key_json(v->key), &ok);
			field_set_str(o, "address", v->address, &ok);
			if (v->http[0] != 0)
				field_set_str(o, "http", v->http, &ok);
			field_set_uint(o, "power", v->power, &ok);
		}
		field_append(vals, o, &ok);
	}
	field_set(j, "validators", vals, &ok);
	for (size_t i = 0; i < g->verifier_count; i++) {
		const struct genesis_verifier *v = &g->verifiers[i];
		json_t *o = json_object();
		if (o != NULL) {
			field_set_str(o, "id", v->id, &ok);
			field_set_str(o, "name", v->name, &ok);
			field_set(o, "key", key_json(v->key), &ok);
		}
		field_append(vers, o, &ok);
	}
	field_set(j, "verifiers", vers, &ok);
	/* Optional (§2): written only when there are funds. */
	if (g->fund_count > 0) {
		json_t *funds = json_array();
		if (funds == NULL)
			ok = false;
		for (size_t i = 0; funds != NULL && i < g->fund_count; i++) {
			json_t *o = json_object();
			if (o != NULL) {
				field_set_str(o, "id", g->funds[i].id, &ok);
				field_set_str(o, "name", g->funds[i].name,
					      &ok);
			}
			field_append(funds, o, &ok);
		}
		field_set(j, "funds", funds, &ok);
	}
	const struct genesis_params *pa = &g->params;
	field_set_uint(params, "block_interval_ms", pa->block_interval_ms, &ok);
	field_set_uint(params, "block_entries_max", pa->block_entries_max, &ok);
	field_set_uint(params, "timeout_propose_ms", pa->timeout_propose_ms,
		       &ok);
	field_set_uint(params, "timeout_prevote_ms", pa->timeout_prevote_ms,
		       &ok);
	field_set_uint(params, "timeout_precommit_ms",
		       pa->timeout_precommit_ms, &ok);
	field_set_uint(params, "timeout_delta_ms", pa->timeout_delta_ms, &ok);
	field_set_uint(params, "grace_days_default", pa->grace_days_default,
		       &ok);
	field_set(j, "params", params, &ok);
	field_set_uint(j, "governance_threshold", g->governance_threshold, &ok);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int genesis_save(const struct genesis *g, const char *path,
		 struct acc_err *err)
{
	char tmp[4096];
	json_t *j = genesis_to_json(g);
	if (j == NULL)
		return acc_err_set(err, ACC_ENOMEM, "genesis JSON");
	char *text = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	if (text == NULL)
		return acc_err_set(err, ACC_ENOMEM, "genesis JSON");
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		free(text);
		return acc_err_set(err, ACC_EINVAL, "path too long");
	}
	FILE *f = fopen(tmp, "wb");
	int rc = 0;
	if (f == NULL) {
		rc = acc_err_set(err, ACC_EIO, "%s: %s", tmp, strerror(errno));
		free(text);
		return rc;
	}
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		rc = acc_err_set(err, ACC_EIO, "%s: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = acc_err_set(err, ACC_EIO, "%s: %s", tmp, strerror(errno));
	free(text);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = acc_err_set(err, ACC_EIO, "%s: %s", path, strerror(errno));
	if (rc != 0)
		(void)unlink(tmp);
	return rc;
}
