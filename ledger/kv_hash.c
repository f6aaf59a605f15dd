/* kv_hash.c - the hashed in-memory KV of common/kv.h (specs/compliance.md
 * §3): O(1) get/put/del for the auditor's replay, where every entry reads
 * and writes a few keys and the key order only matters once, at the end
 * (the digest and the compliance table). */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/kv.h"

/*
 * Separate chaining over a power-of-two bucket array, kept at one key per
 * bucket or fewer. The bucket comes from SipHash-2-4 (common/crypto.h
 * shorthash) under a key
 * drawn at open: the keys are derived from an untrusted log, which must
 * not be able to pile them into one chain.
 */
#define BUCKETS_MIN 1024u

struct hnode {
	struct hnode *next; /* in its bucket */
	uint64_t hash;
	uint8_t *val; /* own allocation of vcap >= vlen bytes (>= 1) */
	size_t vlen, vcap;
	size_t klen;
	uint8_t key[]; /* klen bytes */
};

struct htab {
	struct hnode **buckets;
	size_t mask; /* buckets - 1 */
	size_t count;
	uint8_t sip_key[SHORTHASH_KEY_BYTES];
};

static uint64_t key_hash(const struct htab *t, const void *key, size_t klen)
{
	return shorthash(key, klen, t->sip_key);
}

static int check_key(size_t klen)
{
	return klen == 0 || klen > KV_KEY_BYTES_MAX ? ACC_EINVAL : 0;
}

/* The link that points at key's node (or the NULL at its bucket's end). */
static struct hnode **find_link(struct htab *t, const void *key, size_t klen,
				uint64_t h)
{
	struct hnode **p = &t->buckets[h & t->mask];
	while (*p != NULL && !((*p)->hash == h && (*p)->klen == klen &&
			       memcmp((*p)->key, key, klen) == 0))
		p = &(*p)->next;
	return p;
}

/* Double the buckets; on no memory keep the old ones (only slower). */
static void grow(struct htab *t)
{
	size_t n = (t->mask + 1) * 2;
	struct hnode **b = calloc(n, sizeof *b);
	if (b == NULL)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		struct hnode *x = t->buckets[i];
		while (x != NULL) {
			struct hnode *next = x->next;
			struct hnode **slot = &b[x->hash & (n - 1)];
			x->next = *slot;
			*slot = x;
			x = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
}

static int hash_get(void *ctx, const void *key, size_t klen,
		    const uint8_t **val, size_t *vlen)
{
	struct htab *t = ctx;
	if (check_key(klen) != 0)
		return ACC_EINVAL;
	struct hnode *x = *find_link(t, key, klen, key_hash(t, key, klen));
	if (x == NULL)
		return ACC_ENOTFOUND;
	*val = x->val;
	*vlen = x->vlen;
	return 0;
}

static int hash_put(void *ctx, const void *key, size_t klen, const void *val,
		    size_t vlen)
{
	struct htab *t = ctx;
	if (check_key(klen) != 0 || vlen > KV_VAL_BYTES_MAX)
		return ACC_EINVAL;
	uint64_t h = key_hash(t, key, klen);
	struct hnode **p = find_link(t, key, klen, h);
	struct hnode *x = *p;
	if (x != NULL) {
		/* A replaced value of no more bytes is rewritten in place
		 * (memmove: val may point into it); a longer one gets a new
		 * buffer, copied before the old one is freed. */
		if (vlen > x->vcap) {
			uint8_t *v = malloc(vlen);
			if (v == NULL)
				return ACC_ENOMEM;
			memcpy(v, val, vlen);
			free(x->val);
			x->val = v;
			x->vcap = vlen;
		} else if (vlen > 0) {
			memmove(x->val, val, vlen);
		}
		x->vlen = vlen;
		return 0;
	}
	x = malloc(sizeof *x + klen);
	if (x == NULL)
		return ACC_ENOMEM;
	x->vcap = vlen ? vlen : 1;
	x->val = malloc(x->vcap);
	if (x->val == NULL) {
		free(x);
		return ACC_ENOMEM;
	}
	if (vlen > 0)
		memcpy(x->val, val, vlen);
	x->vlen = vlen;
	x->klen = klen;
	memcpy(x->key, key, klen);
	x->hash = h;
	x->next = NULL;
	*p = x;
	t->count++;
	if (t->count > t->mask + 1)
		grow(t);
	return 0;
}

static int hash_del(void *ctx, const void *key, size_t klen)
{
	struct htab *t = ctx;
	if (check_key(klen) != 0)
		return ACC_EINVAL;
	struct hnode **p = find_link(t, key, klen, key_hash(t, key, klen));
	struct hnode *x = *p;
	if (x == NULL)
		return ACC_ENOTFOUND;
	*p = x->next;
	free(x->val);
	free(x);
	t->count--;
	return 0;
}

/* A key to sort: its first 8 bytes as a big-endian number (zero padded)
 * decide most comparisons without touching the node. */
struct sortkey {
	uint64_t head;
	const struct hnode *x;
};

static uint64_t key_head(const uint8_t *k, size_t klen)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < klen ? k[i] : 0u);
	return v;
}

/* Bytewise, then shorter first (kv.h). */
static int sortkey_cmp(const void *pa, const void *pb)
{
	const struct sortkey *a = pa, *b = pb;
	if (a->head != b->head)
		return a->head < b->head ? -1 : 1;
	size_t n = a->x->klen < b->x->klen ? a->x->klen : b->x->klen;
	int c = memcmp(a->x->key, b->x->key, n);
	if (c != 0)
		return c;
	return a->x->klen < b->x->klen ? -1 : a->x->klen > b->x->klen ? 1 : 0;
}

/* The keys under the prefix, gathered and sorted: O(n log n) per call,
 * which the auditor pays once or twice at the end. */
static int hash_iter(void *ctx, const void *prefix, size_t plen,
		     int (*fn)(void *fnctx, const uint8_t *key, size_t klen,
			       const uint8_t *val, size_t vlen),
		     void *fnctx)
{
	struct htab *t = ctx;
	size_t n = 0;
	struct sortkey *v = malloc((t->count ? t->count : 1) * sizeof *v);
	if (v == NULL)
		return ACC_ENOMEM;
	for (size_t i = 0; i <= t->mask; i++)
		for (const struct hnode *x = t->buckets[i]; x != NULL;
		     x = x->next)
			if (x->klen >= plen &&
			    (plen == 0 || memcmp(x->key, prefix, plen) == 0)) {
				assert(n < t->count);
				v[n].head = key_head(x->key, x->klen);
				v[n].x = x;
				n++;
			}
	qsort(v, n, sizeof *v, sortkey_cmp);
	int rc = 0;
	/* fn may only get, so the gathered nodes stay put. */
	for (size_t i = 0; i < n; i++) {
		const struct hnode *x = v[i].x;
		rc = fn(fnctx, x->key, x->klen, x->val, x->vlen);
		if (rc != 0) {
			if (rc > 0)
				rc = 0;
			break;
		}
	}
	free(v);
	return rc;
}

static const struct kv_ops hash_ops = {
    .get = hash_get,
    .put = hash_put,
    .del = hash_del,
    .iter = hash_iter,
};

int kv_hash_open(struct kv *kv)
{
	if (crypto_lib_init() != 0)
		return ACC_ECRYPTO;
	struct htab *t = calloc(1, sizeof *t);
	if (t == NULL)
		return ACC_ENOMEM;
	t->buckets = calloc(BUCKETS_MIN, sizeof *t->buckets);
	if (t->buckets == NULL) {
		free(t);
		return ACC_ENOMEM;
	}
	t->mask = BUCKETS_MIN - 1;
	random_bytes(t->sip_key, sizeof t->sip_key);
	kv->ops = &hash_ops;
	kv->ctx = t;
	return 0;
}

void kv_hash_close(struct kv *kv)
{
	if (kv == NULL || kv->ctx == NULL)
		return;
	assert(kv->ops == &hash_ops);
	struct htab *t = kv->ctx;
	for (size_t i = 0; i <= t->mask; i++) {
		struct hnode *x = t->buckets[i];
		while (x != NULL) {
			struct hnode *next = x->next;
			free(x->val);
			free(x);
			x = next;
		}
	}
	free(t->buckets);
	memzero(t->sip_key, sizeof t->sip_key);
	free(t);
	kv->ops = NULL;
	kv->ctx = NULL;
}

size_t kv_hash_count(const struct kv *kv)
{
	assert(kv->ops == &hash_ops);
	return ((const struct htab *)kv->ctx)->count;
}
