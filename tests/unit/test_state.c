/* test_state.c - the KVs of common/kv.h (in-memory, hashed and overlay,
 * checked against a plain reference model under random operations), the state
 * record codecs (round trips, every kind of bad byte) and the digest
 * vectors of specs/compliance.md §5. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "ledger/entry.h"
#include "ledger/fixed.h"
#include "common/kv.h"
#include "ledger/state.h"
#include "tests/test.h"

/* ---- a reference model: an unsorted array, searched linearly ---- */

#define REF_MAX 4096
#define KEY_LEN_MAX 6

struct ref {
	size_t n;
	struct {
		uint8_t k[KEY_LEN_MAX];
		size_t kl;
		uint8_t v[8];
		size_t vl;
	} e[REF_MAX];
};

static long ref_find(const struct ref *r, const uint8_t *k, size_t kl)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].kl == kl && memcmp(r->e[i].k, k, kl) == 0)
			return (long)i;
	return -1;
}

static void ref_put(struct ref *r, const uint8_t *k, size_t kl,
		    const uint8_t *v, size_t vl)
{
	long i = ref_find(r, k, kl);
	if (i < 0) {
		ASSERT(r->n < REF_MAX);
		i = (long)r->n++;
		memcpy(r->e[i].k, k, kl);
		r->e[i].kl = kl;
	}
	memcpy(r->e[i].v, v, vl);
	r->e[i].vl = vl;
}

static int ref_del(struct ref *r, const uint8_t *k, size_t kl)
{
	long i = ref_find(r, k, kl);
	if (i < 0)
		return ACC_ENOTFOUND;
	r->e[i] = r->e[--r->n];
	return 0;
}

static int bytes_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = n ? memcmp(a, b, n) : 0;
	return c ? c : al < bl ? -1 : al > bl ? 1 : 0;
}

/* The reference's pairs with prefix, sorted, as one text for comparing. */
static void ref_dump(const struct ref *r, const uint8_t *p, size_t pl,
		     size_t limit, char *out, size_t cap)
{
	size_t idx[REF_MAX], m = 0, len = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].kl >= pl &&
		    (pl == 0 || memcmp(r->e[i].k, p, pl) == 0))
			idx[m++] = i;
	for (size_t i = 1; i < m; i++)
		for (size_t j = i;
		     j > 0 &&
		     bytes_cmp(r->e[idx[j]].k, r->e[idx[j]].kl,
			       r->e[idx[j - 1]].k, r->e[idx[j - 1]].kl) < 0;
		     j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	out[0] = 0;
	for (size_t i = 0; i < m && i < limit; i++) {
		char kh[2 * KEY_LEN_MAX + 1], vh[17];
		hex_encode(kh, r->e[idx[i]].k, r->e[idx[i]].kl);
		hex_encode(vh, r->e[idx[i]].v, r->e[idx[i]].vl);
		len += (size_t)snprintf(out + len, cap - len, "%s=%s ", kh, vh);
		ASSERT(len < cap);
	}
}

struct dump {
	char *out;
	size_t cap, len, limit, count;
};

static int dump_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
		   size_t vl)
{
	struct dump *d = ctx;
	char kh[2 * KV_KEY_BYTES_MAX + 1], vh[2 * 64 + 1];
	ASSERT(kl <= KV_KEY_BYTES_MAX && vl <= 64);
	hex_encode(kh, k, kl);
	hex_encode(vh, v, vl);
	d->len += (size_t)snprintf(d->out + d->len, d->cap - d->len, "%s=%s ",
				   kh, vh);
	ASSERT(d->len < d->cap);
	return ++d->count == d->limit ? 1 : 0;
}

static void kv_dump(const struct kv *kv, const uint8_t *p, size_t pl,
		    size_t limit, char *out, size_t cap)
{
	struct dump d = {.out = out, .cap = cap, .limit = limit};
	out[0] = 0;
	ASSERT_OK(kv_iter(kv, p, pl, dump_cb, &d));
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Keys over a small alphabet so that prefixes and collisions abound. */
static size_t rnd_key(uint8_t *k)
{
	size_t kl = 1 + rnd(KEY_LEN_MAX);
	for (size_t i = 0; i < kl; i++)
		k[i] = (uint8_t)("ab\x00\xff"[rnd(4)]);
	return kl;
}

static void check_same(const struct kv *kv, const struct ref *r)
{
	static char a[1 << 17], b[1 << 17];
	uint8_t p[KEY_LEN_MAX];
	size_t pl = rnd(3) == 0 ? 0 : rnd_key(p) % 3;
	size_t limit = rnd(4) == 0 ? 1 + rnd(5) : (size_t)-1;
	kv_dump(kv, p, pl, limit, a, sizeof a);
	ref_dump(r, p, pl, limit, b, sizeof b);
	if (strcmp(a, b) != 0)
		FAIL_AT("iter differs:\n kv:  %s\n ref: %s", a, b);
}

static void random_ops(const struct kv *kv, struct ref *r, int ops)
{
	for (int i = 0; i < ops; i++) {
		uint8_t k[KEY_LEN_MAX], v[8];
		size_t kl = rnd_key(k), vl = rnd(9);
		for (size_t j = 0; j < vl; j++)
			v[j] = (uint8_t)rnd(256);
		const uint8_t *gv;
		size_t gl;
		switch (rnd(4)) {
		case 0:
		case 1:
			ASSERT_OK(kv_put(kv, k, kl, v, vl));
			ref_put(r, k, kl, v, vl);
			break;
		case 2:
			ASSERT_EQ(kv_del(kv, k, kl), ref_del(r, k, kl));
			break;
		default: {
			long x = ref_find(r, k, kl);
			int rc = kv_get(kv, k, kl, &gv, &gl);
			ASSERT_EQ(rc, x < 0 ? ACC_ENOTFOUND : 0);
			if (x >= 0) {
				ASSERT_EQ(gl, r->e[x].vl);
				ASSERT(gl == 0 ||
				       memcmp(gv, r->e[x].v, gl) == 0);
			}
		}
		}
		if (i % 50 == 0)
			check_same(kv, r);
	}
	check_same(kv, r);
}

static void test_kv_mem(void)
{
	struct kv kv;
	static struct ref r;
	const uint8_t *v;
	size_t vl;
	ASSERT_OK(kv_mem_open(&kv));
	/* Bounds. */
	uint8_t big[KV_KEY_BYTES_MAX + 1];
	memset(big, 'k', sizeof big);
	ASSERT_EQ(kv_put(&kv, big, 0, "v", 1), ACC_EINVAL);
	ASSERT_EQ(kv_put(&kv, big, sizeof big, "v", 1), ACC_EINVAL);
	ASSERT_OK(kv_put(&kv, big, KV_KEY_BYTES_MAX, "v", 1));
	ASSERT_EQ(kv_get(&kv, big, sizeof big, &v, &vl), ACC_EINVAL);
	ASSERT_OK(kv_del(&kv, big, KV_KEY_BYTES_MAX));
	/* A value may be replaced by a copy of itself. */
	ASSERT_OK(kv_put(&kv, "a", 1, "hello", 5));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_OK(kv_put(&kv, "a", 1, v, vl));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_EQ(vl, 5);
	ASSERT_MEM_EQ(v, "hello", 5);
	ASSERT_EQ(kv_del(&kv, "a", 1), 0);
	ASSERT_EQ(kv_del(&kv, "a", 1), ACC_ENOTFOUND);
	ASSERT_EQ(kv_mem_count(&kv), 0);

	memset(&r, 0, sizeof r);
	random_ops(&kv, &r, 6000);
	ASSERT_EQ(kv_mem_count(&kv), r.n);
	kv_mem_close(&kv);
	kv_mem_close(&kv); /* idempotent */
}

/* The hashed KV under the same bounds and the same random operations,
 * past several doublings of its buckets; its digest equals kv_mem's. */
static void test_kv_hash(void)
{
	struct kv kv, mem;
	static struct ref r;
	const uint8_t *v;
	size_t vl;
	ASSERT_OK(kv_hash_open(&kv));
	uint8_t big[KV_KEY_BYTES_MAX + 1];
	memset(big, 'k', sizeof big);
	ASSERT_EQ(kv_put(&kv, big, 0, "v", 1), ACC_EINVAL);
	ASSERT_EQ(kv_put(&kv, big, sizeof big, "v", 1), ACC_EINVAL);
	ASSERT_EQ(kv_put(&kv, "k", 1, "v", KV_VAL_BYTES_MAX + 1), ACC_EINVAL);
	ASSERT_OK(kv_put(&kv, big, KV_KEY_BYTES_MAX, "v", 1));
	ASSERT_EQ(kv_get(&kv, big, sizeof big, &v, &vl), ACC_EINVAL);
	ASSERT_EQ(kv_del(&kv, big, 0), ACC_EINVAL);
	ASSERT_OK(kv_del(&kv, big, KV_KEY_BYTES_MAX));
	/* A value may be replaced by a copy of itself, or of its tail
	 * (rewritten in place), and may grow. */
	ASSERT_OK(kv_put(&kv, "a", 1, "hello", 5));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_OK(kv_put(&kv, "a", 1, v, vl));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_EQ(vl, 5);
	ASSERT_MEM_EQ(v, "hello", 5);
	ASSERT_OK(kv_put(&kv, "a", 1, v + 2, 3));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_EQ(vl, 3);
	ASSERT_MEM_EQ(v, "llo", 3);
	ASSERT_OK(kv_put(&kv, "a", 1, "hello, world", 12));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_EQ(vl, 12);
	ASSERT_MEM_EQ(v, "hello, world", 12);
	ASSERT_OK(kv_put(&kv, "a", 1, "", 0));
	ASSERT_OK(kv_get(&kv, "a", 1, &v, &vl));
	ASSERT_EQ(vl, 0);
	ASSERT_EQ(kv_del(&kv, "a", 1), 0);
	ASSERT_EQ(kv_del(&kv, "a", 1), ACC_ENOTFOUND);
	ASSERT_EQ(kv_get(&kv, "a", 1, &v, &vl), ACC_ENOTFOUND);
	ASSERT_EQ(kv_hash_count(&kv), 0);

	memset(&r, 0, sizeof r);
	random_ops(&kv, &r, 6000);
	ASSERT_EQ(kv_hash_count(&kv), r.n);
	kv_hash_close(&kv);
	kv_hash_close(&kv); /* idempotent */

	/* Thousands of "c/" keys (4 doublings), some deleted: the digest
	 * (§5) is kv_mem's, and the same on a second table (another SipHash
	 * key, another bucket order). */
	uint8_t d1[HASH_BYTES], d2[HASH_BYTES], d3[HASH_BYTES];
	struct kv kv2;
	ASSERT_OK(crypto_lib_init());
	ASSERT_OK(kv_hash_open(&kv));
	ASSERT_OK(kv_hash_open(&kv2));
	ASSERT_OK(kv_mem_open(&mem));
	for (uint32_t i = 0; i < 20000; i++) {
		uint8_t k[12] = {'c', '/'}, val[4];
		size_t kl = 3 + rnd(9);
		for (size_t j = 2; j < kl; j++)
			k[j] = (uint8_t)("ab\x00\xff"[rnd(4)]);
		be32_put(val, i);
		ASSERT_OK(kv_put(&kv, k, kl, val, 1 + rnd(4)));
		ASSERT_OK(kv_get(&kv, k, kl, &v, &vl));
		ASSERT_OK(kv_put(&mem, k, kl, v, vl));
		ASSERT_OK(kv_put(&kv2, k, kl, v, vl));
		if (rnd(5) == 0) {
			k[kl - 1] ^= 1;
			int rc = kv_del(&kv, k, kl);
			ASSERT_EQ(kv_del(&mem, k, kl), rc);
			ASSERT_EQ(kv_del(&kv2, k, kl), rc);
		}
	}
	ASSERT(kv_hash_count(&kv) > 8 * 1024);
	ASSERT_EQ(kv_hash_count(&kv), kv_mem_count(&mem));
	ASSERT_OK(state_digest(&kv, d1));
	ASSERT_OK(state_digest(&mem, d2));
	ASSERT_OK(state_digest(&kv2, d3));
	ASSERT_MEM_EQ(d1, d2, HASH_BYTES);
	ASSERT_MEM_EQ(d1, d3, HASH_BYTES);
	kv_hash_close(&kv2);
	kv_hash_close(&kv);
	kv_mem_close(&mem);
}

static void test_kv_overlay(void)
{
	struct kv base, ov;
	static struct ref rb, ro;
	static char a[1 << 17], b[1 << 17];
	for (int round = 0; round < 20; round++) {
		ASSERT_OK(kv_mem_open(&base));
		memset(&rb, 0, sizeof rb);
		random_ops(&base, &rb, 300);
		ASSERT_OK(kv_overlay_open(&ov, &base));
		ro = rb;
		random_ops(&ov, &ro, 300);
		/* The base is untouched. */
		kv_dump(&base, NULL, 0, (size_t)-1, a, sizeof a);
		ref_dump(&rb, NULL, 0, (size_t)-1, b, sizeof b);
		ASSERT_STR_EQ(a, b);
		if (round % 2 == 0) {
			/* Reset shows the base again, and the overlay works
			 * on after it. */
			kv_overlay_reset(&ov);
			ASSERT_EQ(kv_overlay_count(&ov), 0);
			kv_dump(&ov, NULL, 0, (size_t)-1, a, sizeof a);
			ASSERT_STR_EQ(a, b);
			ro = rb;
			random_ops(&ov, &ro, 100);
		}
		/* Flush into the base: it becomes the merge. */
		ASSERT_OK(kv_overlay_flush(&ov, &base));
		ASSERT_EQ(kv_overlay_count(&ov), 0);
		kv_dump(&base, NULL, 0, (size_t)-1, a, sizeof a);
		ref_dump(&ro, NULL, 0, (size_t)-1, b, sizeof b);
		ASSERT_STR_EQ(a, b);
		kv_overlay_close(&ov);
		kv_mem_close(&base);
	}
	/* Deleting what only the overlay wrote, or what neither has. */
	ASSERT_OK(kv_mem_open(&base));
	ASSERT_OK(kv_put(&base, "b", 1, "1", 1));
	ASSERT_OK(kv_overlay_open(&ov, &base));
	ASSERT_EQ(kv_del(&ov, "a", 1), ACC_ENOTFOUND);
	ASSERT_OK(kv_put(&ov, "a", 1, "2", 1));
	ASSERT_OK(kv_del(&ov, "a", 1));
	ASSERT_EQ(kv_del(&ov, "a", 1), ACC_ENOTFOUND);
	ASSERT_OK(kv_del(&ov, "b", 1));
	const uint8_t *v;
	size_t vl;
	ASSERT_EQ(kv_get(&ov, "b", 1, &v, &vl), ACC_ENOTFOUND);
	ASSERT_OK(kv_get(&base, "b", 1, &v, &vl));
	ASSERT_OK(kv_put(&ov, "b", 1, "3", 1));
	ASSERT_OK(kv_get(&ov, "b", 1, &v, &vl));
	ASSERT_MEM_EQ(v, "3", 1);
	kv_overlay_close(&ov);
	kv_overlay_close(&ov);
	kv_mem_close(&base);
}

/* ---- record codecs ---- */

static void fill_hash(uint8_t *h, uint8_t b)
{
	memset(h, b, HASH_BYTES);
}

/* Every accepted prefix-free mutation re-encodes to itself; truncations
 * and extensions are refused. */
typedef int (*reader_fn)(const uint8_t *p, size_t n, uint8_t *out,
			 size_t *outlen);

#define READER(name, type, rd, wr)                                \
	static int name(const uint8_t *p, size_t n, uint8_t *out, \
			size_t *outlen)                           \
	{                                                         \
		type *rec = malloc(sizeof *rec);                  \
		struct wbuf w;                                    \
		ASSERT(rec != NULL);                              \
		int rc = rd(rec, p, n, NULL);                     \
		if (rc == 0) {                                    \
			wbuf_init(&w, KV_VAL_BYTES_MAX);          \
			wr(&w, rec);                              \
			ASSERT_OK(wbuf_error(&w));                \
			ASSERT(w.len <= 65536);                   \
			memcpy(out, w.data, w.len);               \
			*outlen = w.len;                          \
			wbuf_free(&w);                            \
		}                                                 \
		free(rec);                                        \
		return rc;                                        \
	}

READER(rd_agreement, struct state_agreement, state_agreement_read,
       state_agreement_write)
READER(rd_obligation, struct state_obligation, state_obligation_read,
       state_obligation_write)
READER(rd_report, struct state_report, state_report_read, state_report_write)
READER(rd_attestation, struct state_attestation, state_attestation_read,
       state_attestation_write)
READER(rd_challenge, struct state_challenge, state_challenge_read,
       state_challenge_write)
READER(rd_governance, struct state_governance, state_governance_read,
       state_governance_write)
READER(rd_evidence, struct state_evidence, state_evidence_read,
       state_evidence_write)

static void mutate_all(reader_fn rd, const uint8_t *good, size_t n)
{
	static uint8_t buf[70000], out[70000];
	size_t ol;
	ASSERT_OK(rd(good, n, out, &ol));
	ASSERT_EQ(ol, n);
	ASSERT_MEM_EQ(out, good, n);
	/* Every truncation fails. */
	for (size_t k = 0; k < n; k++)
		ASSERT_EQ(rd(good, k, out, &ol), ACC_EDECODE);
	/* A trailing byte fails. */
	memcpy(buf, good, n);
	buf[n] = 0;
	ASSERT_EQ(rd(buf, n + 1, out, &ol), ACC_EDECODE);
	/* Any byte changed: refused, or accepted and canonical. */
	for (size_t k = 0; k < n; k++)
		for (int x = 0; x < 4; x++) {
			static const uint8_t vals[4] = {0x00, 0x01, 0x02, 0xff};
			memcpy(buf, good, n);
			buf[k] = vals[x];
			int rc = rd(buf, n, out, &ol);
			if (rc == 0) {
				ASSERT_EQ(ol, n);
				ASSERT_MEM_EQ(out, buf, n);
			} else {
				ASSERT_EQ(rc, ACC_EDECODE);
			}
		}
}

/* state_agreement_terms_read accepts what state_agreement_read accepts,
 * with the same terms, and refuses the rest naming the same field. */
static void terms_same(const uint8_t *p, size_t n)
{
	struct state_agreement *a = malloc(sizeof *a);
	struct state_agreement_terms t;
	struct acc_err e1 = {0}, e2 = {0};
	ASSERT(a != NULL);
	int rc = state_agreement_read(a, p, n, &e1);
	ASSERT_EQ(state_agreement_terms_read(&t, p, n, &e2), rc);
	if (rc != 0) {
		ASSERT_STR_EQ(e1.msg, e2.msg);
	} else {
		ASSERT_EQ(t.index, a->index);
		ASSERT_EQ(t.proposed_at, a->proposed_at);
		ASSERT_EQ(t.party_count, a->party_count);
		ASSERT_EQ(t.verifier_count, a->verifier_count);
		ASSERT_EQ(t.peer_parties_may_attest,
			  a->peer_parties_may_attest);
		ASSERT_EQ(t.attestations_required, a->attestations_required);
		ASSERT_EQ(t.resolution_threshold, a->resolution_threshold);
		ASSERT_EQ(t.grace_days, a->grace_days);
		ASSERT_EQ(t.has_compensation, a->has_compensation);
		ASSERT_EQ(t.compensation_rate, a->compensation_rate);
		ASSERT_MEM_EQ(t.currency, a->currency, 4);
		ASSERT_STR_EQ(t.payee, a->payee);
		ASSERT_EQ(t.has_supersedes, a->has_supersedes);
		ASSERT_MEM_EQ(t.supersedes, a->supersedes, HASH_BYTES);
		ASSERT_EQ(t.obligation_count, a->obligation_count);
		ASSERT_EQ(t.active, a->active);
		ASSERT_EQ(t.active_since, a->active_since);
		ASSERT_EQ(t.superseded, a->superseded);
		ASSERT_EQ(t.superseded_at, a->superseded_at);
		ASSERT_MEM_EQ(t.superseded_by, a->superseded_by, HASH_BYTES);
	}
	free(a);
}

static void terms_mutate_all(const uint8_t *good, size_t n)
{
	static uint8_t buf[70000];
	static const uint8_t vals[4] = {0x00, 0x01, 0x02, 0xff};
	terms_same(good, n);
	for (size_t k = 0; k < n; k++)
		terms_same(good, k);
	for (size_t k = 0; k < n; k++)
		for (int x = 0; x < 4; x++) {
			memcpy(buf, good, n);
			buf[k] = vals[x];
			terms_same(buf, n);
		}
}

static size_t take(struct wbuf *w, uint8_t *out)
{
	ASSERT_OK(wbuf_error(w));
	size_t n = w->len;
	memcpy(out, w->data, n);
	wbuf_free(w);
	return n;
}

static void test_records(void)
{
	static uint8_t buf[70000];
	struct wbuf w;
	size_t n;
	struct acc_err err;

	struct state_agreement *a = calloc(1, sizeof *a);
	ASSERT(a != NULL);
	a->index = 7;
	a->proposed_at = 1388534400;
	strcpy(a->title, "Jing-Jin PM2.5 2017");
	strcpy(a->proposer, "CN-BJ");
	a->party_count = 2;
	strcpy(a->parties[0], "CN-BJ");
	strcpy(a->parties[1], "CN-TJ");
	a->endorsed[0] = true;
	a->verifier_count = 1;
	strcpy(a->verifiers[0], "CNEMC");
	a->attestations_required = 1;
	a->resolution_threshold = 2;
	a->amendment_threshold = 2;
	a->challenge_days = 30;
	a->grace_days = 90;
	a->has_compensation = true;
	a->compensation_rate = 500;
	memcpy(a->currency, "CNY", 4);
	strcpy(a->payee, "CN-BJ");
	a->has_supersedes = true;
	fill_hash(a->supersedes, 0xaa);
	a->obligation_count = 3;
	a->active = true;
	a->active_since = 1388620800;
	a->superseded = true;
	a->superseded_at = 1500000000;
	fill_hash(a->superseded_by, 0xbb);
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_agreement_write(&w, a);
	n = take(&w, buf);
	mutate_all(rd_agreement, buf, n);
	terms_mutate_all(buf, n);
	/* Named failures. */
	struct state_agreement *b = malloc(sizeof *b);
	ASSERT(b != NULL);
	buf[0] = STATE_TAG_REPORT;
	ASSERT_EQ(state_agreement_read(b, buf, n, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "tag") != NULL);
	buf[0] = STATE_TAG_AGREEMENT;
	a->currency[1] = 'n';
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_agreement_write(&w, a);
	n = take(&w, buf);
	ASSERT_EQ(state_agreement_read(b, buf, n, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "currency") != NULL);
	a->currency[1] = 'N';
	strcpy(a->parties[1], "CN TJ");
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_agreement_write(&w, a);
	n = take(&w, buf);
	ASSERT_EQ(state_agreement_read(b, buf, n, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "parties") != NULL);
	free(b);
	free(a);

	struct state_obligation o = {0};
	strcpy(o.party, "CN-TJ");
	strcpy(o.scope, "Binhai");
	o.pollutant = POLLUTANT_PM25;
	o.metric = METRIC_PERCENT_REDUCTION;
	o.has_baseline = true;
	o.baseline_year = 2013;
	o.baseline_value = 89500;
	o.target = -QTY_MILLI_MAX;
	o.period_start = 1483228800;
	o.period_end = 1514764800;
	o.deadline = TIME_MAX;
	o.frequency = FREQUENCY_ANNUAL;
	o.has_deciding = true;
	fill_hash(o.deciding, 0x01);
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_obligation_write(&w, &o);
	n = take(&w, buf);
	mutate_all(rd_obligation, buf, n);
	o.target = -QTY_MILLI_MAX - 1;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_obligation_write(&w, &o);
	n = take(&w, buf);
	struct state_obligation o2;
	ASSERT_EQ(state_obligation_read(&o2, buf, n, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "target") != NULL);
	o.target = 0;
	o.deadline = TIME_MAX + 1;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_obligation_write(&w, &o);
	n = take(&w, buf);
	ASSERT_EQ(state_obligation_read(&o2, buf, n, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "deadline") != NULL);

	struct state_report r = {0};
	fill_hash(r.agreement, 0x02);
	r.obligation = 2;
	strcpy(r.party, "CN-BJ");
	r.index = 99;
	r.block_time = 1520000000;
	r.late = true;
	strcpy(r.notation_key, "NE");
	r.counted = true;
	r.positive = 3;
	r.has_challenge = true;
	fill_hash(r.challenge, 0x03);
	r.challenge_expires = 1530000000;
	r.has_next = true;
	fill_hash(r.next, 0x04);
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_report_write(&w, &r);
	n = take(&w, buf);
	mutate_all(rd_report, buf, n);
	r.has_value = true;
	r.value = 63333;
	r.notation_key[0] = 0;
	r.has_prev = true;
	fill_hash(r.prev, 0x05);
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_report_write(&w, &r);
	n = take(&w, buf);
	mutate_all(rd_report, buf, n);

	struct state_attestation t = {0};
	fill_hash(t.report, 0x06);
	t.index = 5;
	t.block_time = 1520000001;
	t.role = STATE_ROLE_PARTY;
	strcpy(t.attester, "CN-TJ");
	t.opinion = OPINION_VERIFIED_WITH_COMMENTS;
	t.counted = true;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_attestation_write(&w, &t);
	n = take(&w, buf);
	mutate_all(rd_attestation, buf, n);

	struct state_challenge c = {0};
	fill_hash(c.target, 0x07);
	c.target_kind = ENTRY_ATTESTATION;
	fill_hash(c.report, 0x08);
	fill_hash(c.agreement, 0x09);
	c.index = 6;
	c.block_time = 1520000002;
	c.challenger_role = STATE_ROLE_PARTY;
	strcpy(c.challenger, "CN-HE");
	c.expires = 1522592002;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_challenge_write(&w, &c);
	n = take(&w, buf);
	mutate_all(rd_challenge, buf, n);
	c.outcome = OUTCOME_UPHELD;
	fill_hash(c.resolution, 0x0a);
	c.resolved_at = 1520000003;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_challenge_write(&w, &c);
	n = take(&w, buf);
	mutate_all(rd_challenge, buf, n);
	c.outcome = STATE_LAPSED;
	memset(c.resolution, 0, HASH_BYTES);
	c.resolved_at = 0;
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_challenge_write(&w, &c);
	n = take(&w, buf);
	mutate_all(rd_challenge, buf, n);

	struct state_governance gv = {
	    .index = 1, .block_time = 2, .action = GOV_SET_PARAM};
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_governance_write(&w, &gv);
	n = take(&w, buf);
	mutate_all(rd_governance, buf, n);

	struct state_evidence ev = {.index = 3, .block_time = 4};
	fill_hash(ev.id, 0x0b);
	wbuf_init(&w, KV_VAL_BYTES_MAX);
	state_evidence_write(&w, &ev);
	n = take(&w, buf);
	mutate_all(rd_evidence, buf, n);

	uint16_t u;
	uint8_t id[HASH_BYTES];
	ASSERT_OK(state_u16_read(&u, (const uint8_t *)"\x01\x02", 2, &err));
	ASSERT_EQ(u, 0x0102);
	ASSERT_EQ(state_u16_read(&u, buf, 3, &err), ACC_EDECODE);
	ASSERT_EQ(state_id_read(id, buf, 31, &err), ACC_EDECODE);
	ASSERT_OK(state_id_read(id, buf, 32, &err));
}

/* ---- keys and digest (§3.1, §5) ---- */

static void test_keys(void)
{
	uint8_t k[STATE_KEY_BYTES_MAX], id[HASH_BYTES];
	char hex[2 * STATE_KEY_BYTES_MAX + 1];
	memset(id, 0xab, HASH_BYTES);
	size_t n = state_key_match(k, id, "CN-BJ", "", POLLUTANT_PM25,
				   METRIC_ANNUAL_MEAN_CONCENTRATION, 1483228800,
				   1514764800);
	ASSERT_EQ(n, 4 + 32 + 6 + 1 + 2 + 16);
	hex_encode(hex, k + 36, n - 36);
	ASSERT_STR_EQ(hex,
		      "05434e2d424a0001010000000058684680000000005a497a00");
	char scope[NAME_BYTES_MAX + 2];
	memset(scope, 's', sizeof scope - 1);
	scope[NAME_BYTES_MAX + 1] = 0;
	ASSERT_EQ(state_key_match(k, id, "CN-BJ", scope, 1, 1, 0, 1), 0);
	scope[NAME_BYTES_MAX] = 0;
	ASSERT_EQ(state_key_match(k, id, "CN-BJ", scope, 1, 1, 0, 1),
		  4 + 32 + 6 + 1 + NAME_BYTES_MAX + 2 + 16);
	char party[PARTY_ID_BYTES_MAX + 1];
	memset(party, 'P', PARTY_ID_BYTES_MAX);
	party[PARTY_ID_BYTES_MAX] = 0;
	ASSERT_EQ(state_key_match(k, id, party, scope, 1, 1, 0, 1),
		  STATE_KEY_BYTES_MAX);
	ASSERT_EQ(state_key_obligation(k, id, 0x0102), 38);
	ASSERT_MEM_EQ(k, "c/o/", 4);
	ASSERT_EQ(k[36], 1);
	ASSERT_EQ(k[37], 2);
	ASSERT_EQ(state_key_attester(k, id, STATE_ROLE_VERIFIER, "CNEMC"),
		  4 + 32 + 1 + 1 + 5);
	ASSERT_EQ(state_key_evidence(k, id, 7, 1), 4 + 32 + 12);
	ASSERT_EQ(state_key_evidence_proposals(k, id, 7, 1), 4 + 32 + 12 + 1);
	ASSERT_EQ(k[48], 3); /* EVIDENCE_PROPOSALS_CODE */
}

static void test_digest(void)
{
	struct kv kv;
	uint8_t d[HASH_BYTES];
	char hex[65];
	ASSERT_OK(crypto_lib_init());
	ASSERT_OK(kv_mem_open(&kv));
	/* §5.1: the empty state is SHA-256 of nothing. */
	ASSERT_OK(state_digest(&kv, d));
	hex_encode(hex, d, HASH_BYTES);
	ASSERT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
			   "95991b7852b855");
	/* Keys outside "c/" do not count. */
	ASSERT_OK(kv_put(&kv, "b/x", 3, "1", 1));
	ASSERT_OK(kv_put(&kv, "d", 1, "1", 1));
	ASSERT_OK(kv_put(&kv, "c", 1, "1", 1));
	ASSERT_OK(state_digest(&kv, d));
	hex_encode(hex, d, HASH_BYTES);
	ASSERT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
			   "95991b7852b855");
	/* §5.2: {"c/a": "x", "c/b": ""}, inserted in either order. */
	ASSERT_OK(kv_put(&kv, "c/b", 3, "", 0));
	ASSERT_OK(kv_put(&kv, "c/a", 3, "x", 1));
	ASSERT_OK(state_digest(&kv, d));
	hex_encode(hex, d, HASH_BYTES);
	ASSERT_STR_EQ(
	    hex,
	    "dae6f866720d70cbaedf232a9c19c5926f53a7a16cd353b4510a9fa5f8635483");
	struct kv kv2;
	uint8_t d2[HASH_BYTES];
	ASSERT_OK(kv_mem_open(&kv2));
	ASSERT_OK(kv_put(&kv2, "c/a", 3, "x", 1));
	ASSERT_OK(kv_put(&kv2, "c/b", 3, "", 0));
	ASSERT_OK(state_digest(&kv2, d2));
	ASSERT_MEM_EQ(d, d2, HASH_BYTES);
	/* The same pairs put in many random orders give one digest. */
	for (int round = 0; round < 10; round++) {
		struct kv a, b;
		uint8_t da[HASH_BYTES], db[HASH_BYTES];
		uint8_t keys[64][4];
		ASSERT_OK(kv_mem_open(&a));
		ASSERT_OK(kv_mem_open(&b));
		for (int i = 0; i < 64; i++) {
			keys[i][0] = 'c';
			keys[i][1] = '/';
			keys[i][2] = (uint8_t)rnd(256);
			keys[i][3] = (uint8_t)i;
			ASSERT_OK(kv_put(&a, keys[i], 4, keys[i], 3));
		}
		for (int i = 63; i >= 0; i--) {
			int j = (int)rnd((uint32_t)i + 1);
			ASSERT_OK(kv_put(&b, keys[j], 4, keys[j], 3));
			memcpy(keys[j], keys[i], 4);
		}
		ASSERT_OK(state_digest(&a, da));
		ASSERT_OK(state_digest(&b, db));
		ASSERT_MEM_EQ(da, db, HASH_BYTES);
		kv_mem_close(&a);
		kv_mem_close(&b);
	}
	kv_mem_close(&kv2);
	kv_mem_close(&kv);
}

int main(void)
{
	RUN(test_kv_mem);
	RUN(test_kv_hash);
	RUN(test_kv_overlay);
	RUN(test_records);
	RUN(test_keys);
	RUN(test_digest);
	return 0;
}
