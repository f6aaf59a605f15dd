/* cert.c - block certificates (specs/encoding.md §9, specs/consensus.md
 * "Certificate"): codec, building and verification. */
#include "ledger/cert.h"

#include <string.h>

#include "common/codec.h"
#include "common/vote.h"
#include "ledger/field.h"
#include "ledger/genesis.h"

static const uint8_t zero_hash[HASH_BYTES];

void cert_init(struct cert *c, uint64_t height, uint32_t round,
	       const uint8_t block_hash[HASH_BYTES])
{
	memset(c, 0, sizeof *c);
	c->height = height;
	c->round = round;
	memcpy(c->block_hash, block_hash, HASH_BYTES);
}

int cert_add_sig(struct cert *c, uint16_t validator,
		 const uint8_t sig[SIG_BYTES], struct acc_err *err)
{
	if (validator >= VALIDATORS_MAX)
		return acc_err_set(err, ACC_ERANGE, "validator index %u",
				   validator);
	size_t i = 0;
	while (i < c->count && c->sigs[i].validator < validator)
		i++;
	if (i < c->count && c->sigs[i].validator == validator)
		return acc_err_set(err, ACC_EDUP,
				   "validator %u already signed", validator);
	if (c->count >= VALIDATORS_MAX)
		return acc_err_set(err, ACC_EFULL, "certificate full");
	memmove(&c->sigs[i + 1], &c->sigs[i],
		(c->count - i) * sizeof c->sigs[0]);
	c->sigs[i].validator = validator;
	memcpy(c->sigs[i].sig, sig, SIG_BYTES);
	c->count++;
	return 0;
}

/* The layout rules shared by encoder and decoder. */
static int check_layout(const struct cert *c, struct acc_err *err)
{
	if (c->height == 0)
		return acc_err_set(err, ACC_EDECODE, "certificate: height 0");
	if (c->round > CERT_ROUND_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "certificate: round %u too large", c->round);
	if (memcmp(c->block_hash, zero_hash, HASH_BYTES) == 0)
		return acc_err_set(err, ACC_EDECODE,
				   "certificate: nil block hash");
	if (c->count == 0)
		return acc_err_set(err, ACC_EDECODE,
				   "certificate: no signatures");
	if (c->count > VALIDATORS_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "certificate: %u signatures, at most %u",
				   c->count, VALIDATORS_MAX);
	for (size_t i = 0; i < c->count; i++) {
		if (c->sigs[i].validator >= VALIDATORS_MAX)
			return acc_err_set(err, ACC_EDECODE,
					   "certificate: validator index %u",
					   c->sigs[i].validator);
		if (i > 0 && c->sigs[i - 1].validator >= c->sigs[i].validator)
			return acc_err_set(err, ACC_EDECODE,
					   "certificate: validator indices not "
					   "strictly ascending at %zu",
					   i);
	}
	return 0;
}

int cert_encode(const struct cert *c, uint8_t out[CERT_BYTES_MAX],
		size_t *len, struct acc_err *err)
{
	int rc = check_layout(c, err);
	*len = 0;
	if (rc != 0) {
		if (err != NULL)
			err->code = ACC_EINVAL;
		return ACC_EINVAL;
	}
	uint8_t *p = out;
	be64_put(p, c->height);
	be32_put(p + 8, c->round);
	memcpy(p + 12, c->block_hash, HASH_BYTES);
	be16_put(p + 44, c->count);
	p += CERT_FIXED_BYTES;
	for (size_t i = 0; i < c->count; i++) {
		be16_put(p, c->sigs[i].validator);
		memcpy(p + 2, c->sigs[i].sig, SIG_BYTES);
		p += CERT_SIG_BYTES;
	}
	*len = (size_t)(p - out);
	return 0;
}

int cert_decode(struct cert *c, const uint8_t *p, size_t len,
		struct acc_err *err)
{
	memset(c, 0, sizeof *c);
	if (len < CERT_FIXED_BYTES)
		return acc_err_set(err, ACC_EDECODE,
				   "certificate: %zu bytes, too short", len);
	c->height = be64_get(p);
	c->round = be32_get(p + 8);
	memcpy(c->block_hash, p + 12, HASH_BYTES);
	uint16_t count = be16_get(p + 44);
	if (count > VALIDATORS_MAX) {
		memset(c, 0, sizeof *c);
		return acc_err_set(err, ACC_ETOOBIG,
				   "certificate: %u signatures, at most %u",
				   count, VALIDATORS_MAX);
	}
	if (len != CERT_FIXED_BYTES + (size_t)count * CERT_SIG_BYTES) {
		memset(c, 0, sizeof *c);
		return acc_err_set(err, ACC_EDECODE,
				   "certificate: %zu bytes for %u signatures",
				   len, count);
	}
	c->count = count;
	const uint8_t *q = p + CERT_FIXED_BYTES;
	for (size_t i = 0; i < count; i++) {
		c->sigs[i].validator = be16_get(q);
		memcpy(c->sigs[i].sig, q + 2, SIG_BYTES);
		q += CERT_SIG_BYTES;
	}
	int rc = check_layout(c, err);
	if (rc != 0)
		memset(c, 0, sizeof *c);
	return rc;
}

void cert_hash(const uint8_t *cert_bytes, size_t len, uint8_t out[HASH_BYTES])
{
	sha256(out, cert_bytes, len);
}

int cert_verify_valset(const struct cert *c, const char *chain_id,
		       const struct genesis_validator *vals, size_t n,
		       uint64_t height, const uint8_t block_hash[HASH_BYTES],
		       struct acc_err *err)
{
	uint64_t total = 0, signed_power = 0;
	int rc;
	if ((rc = check_layout(c, err)) != 0)
		return rc == ACC_EDECODE ? acc_err_set(err, ACC_ECERT, "%s",
						       "malformed certificate")
					 : rc;
	if (c->height != height)
		return acc_err_set(err, ACC_ECERT,
				   "certificate is for height %llu, not %llu",
				   (unsigned long long)c->height,
				   (unsigned long long)height);
	if (memcmp(c->block_hash, block_hash, HASH_BYTES) != 0)
		return acc_err_set(err, ACC_ECERT,
				   "certificate at height %llu is for another "
				   "block",
				   (unsigned long long)height);
	for (size_t i = 0; i < n; i++)
		total += vals[i].power;
	for (size_t i = 0; i < c->count; i++) {
		uint16_t v = c->sigs[i].validator;
		if (v >= n)
			return acc_err_set(err, ACC_ECERT,
					   "certificate at height %llu: "
					   "validator %u does not exist",
					   (unsigned long long)height, v);
		if (vote_verify(c->sigs[i].sig, vals[v].key, chain_id,
				VOTE_PRECOMMIT, c->height, c->round,
				c->block_hash) != 0)
			return acc_err_set(err, ACC_EBADSIG,
					   "certificate at height %llu: "
					   "signature of validator %u (%s) does "
					   "not verify",
					   (unsigned long long)height, v,
					   vals[v].name);
		signed_power += vals[v].power;
	}
	/* Quorum: 3 × signed > 2 × total (specs/consensus.md "Model"). */
	if (!(3 * signed_power > 2 * total))
		return acc_err_set(err, ACC_ECERT,
				   "certificate at height %llu: power %llu of "
				   "%llu is not more than two thirds",
				   (unsigned long long)height,
				   (unsigned long long)signed_power,
				   (unsigned long long)total);
	return 0;
}

int cert_verify(const struct cert *c, const struct genesis *g,
		uint64_t height, const uint8_t block_hash[HASH_BYTES],
		struct acc_err *err)
{
	return cert_verify_valset(c, g->chain_id, g->validators,
				  g->validator_count, height, block_hash, err);
}

json_t *cert_to_json(const struct cert *c)
{
	bool ok = true;
	json_t *j = json_object();
	json_t *sigs = json_array();
	if (j == NULL || sigs == NULL) {
		json_decref(j);
		json_decref(sigs);
		return NULL;
	}
	field_set_uint(j, "height", c->height, &ok);
	field_set_uint(j, "round", c->round, &ok);
	field_set_hex(j, "block_hash", c->block_hash, HASH_BYTES, &ok);
	for (size_t i = 0; i < c->count && i < VALIDATORS_MAX; i++) {
		json_t *s = json_object();
		if (s != NULL) {
			field_set_uint(s, "validator", c->sigs[i].validator,
				       &ok);
			field_set_hex(s, "sig", c->sigs[i].sig, SIG_BYTES, &ok);
		}
		field_append(sigs, s, &ok);
	}
	field_set(j, "signatures", sigs, &ok);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}
