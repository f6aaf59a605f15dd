/* kv_mem.c - the in-memory sorted KV and the overlay KV of common/kv.h
 * (specs/compliance.md §3). Both are one skip list; the overlay's nodes may
 * be tombstones that hide the base's keys. */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/kv.h"

/* 4^24 keys before the top level saturates: far beyond any state. */
#define LEVEL_MAX 24

struct node {
	uint8_t *key;
	size_t klen;
	uint8_t *val; /* NULL for a tombstone */
	size_t vlen;
	bool tomb;
	int level;	     /* 1..LEVEL_MAX */
	struct node *next[]; /* level of them */
};

struct mem {
	struct node *head; /* sentinel with LEVEL_MAX links, no key */
	int level;	   /* highest level in use, >= 1 */
	uint64_t rng;	   /* xorshift64 state: a fixed seed, see kv.h */
	size_t count;	   /* nodes, tombstones included */
	bool overlay;
	struct kv base; /* overlay only */
};

static const uint64_t RNG_SEED = 0x9e3779b97f4a7c15ULL;

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static bool has_prefix(const struct node *x, const uint8_t *p, size_t plen)
{
	return x->klen >= plen && (plen == 0 || memcmp(x->key, p, plen) == 0);
}

static int random_level(struct mem *m)
{
	uint64_t x = m->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m->rng = x;
	int level = 1;
	/* p = 1/4 per level. */
	while (level < LEVEL_MAX && (x & 3u) == 0) {
		level++;
		x >>= 2;
	}
	return level;
}

static struct node *node_alloc(int level)
{
	struct node *x =
	    calloc(1, sizeof *x + (size_t)level * sizeof(struct node *));
	if (x != NULL)
		x->level = level;
	return x;
}

static void node_free(struct node *x)
{
	free(x->key);
	free(x->val);
	free(x);
}

/* The first node >= key; update[i] gets the last node < key at level i. */
static struct node *find_ge(struct mem *m, const uint8_t *key, size_t klen,
			    struct node **update)
{
	struct node *x = m->head;
	for (int i = m->level - 1; i >= 0; i--) {
		while (x->next[i] != NULL &&
		       key_cmp(x->next[i]->key, x->next[i]->klen, key, klen) <
			   0)
			x = x->next[i];
		if (update != NULL)
			update[i] = x;
	}
	return x->next[0];
}

static struct node *find_eq(struct mem *m, const uint8_t *key, size_t klen)
{
	struct node *x = find_ge(m, key, klen, NULL);
	if (x != NULL && key_cmp(x->key, x->klen, key, klen) == 0)
		return x;
	return NULL;
}

static int check_key(size_t klen)
{
	return klen == 0 || klen > KV_KEY_BYTES_MAX ? ACC_EINVAL : 0;
}

/* Insert or replace key with a copy of val (tomb: a tombstone). */
static int mem_set(struct mem *m, const void *key, size_t klen, const void *val,
		   size_t vlen, bool tomb)
{
	struct node *update[LEVEL_MAX];
	uint8_t *v = NULL;

	if (check_key(klen) != 0 || vlen > KV_VAL_BYTES_MAX)
		return ACC_EINVAL;
	if (!tomb) {
		/* Copy before freeing the old value: val may point into it. */
		v = malloc(vlen ? vlen : 1);
		if (v == NULL)
			return ACC_ENOMEM;
		if (vlen)
			memcpy(v, val, vlen);
	}
	struct node *x = find_ge(m, key, klen, update);
	if (x != NULL && key_cmp(x->key, x->klen, key, klen) == 0) {
		free(x->val);
		x->val = v;
		x->vlen = tomb ? 0 : vlen;
		x->tomb = tomb;
		return 0;
	}
	int level = random_level(m);
	x = node_alloc(level);
	if (x == NULL || (x->key = malloc(klen)) == NULL) {
		free(x);
		free(v);
		return ACC_ENOMEM;
	}
	memcpy(x->key, key, klen);
	x->klen = klen;
	x->val = v;
	x->vlen = tomb ? 0 : vlen;
	x->tomb = tomb;
	if (level > m->level) {
		for (int i = m->level; i < level; i++)
			update[i] = m->head;
		m->level = level;
	}
	for (int i = 0; i < level; i++) {
		x->next[i] = update[i]->next[i];
		update[i]->next[i] = x;
	}
	m->count++;
	return 0;
}

static int mem_remove(struct mem *m, const void *key, size_t klen)
{
	struct node *update[LEVEL_MAX];
	if (check_key(klen) != 0)
		return ACC_EINVAL;
	struct node *x = find_ge(m, key, klen, update);
	if (x == NULL || key_cmp(x->key, x->klen, key, klen) != 0)
		return ACC_ENOTFOUND;
	for (int i = 0; i < x->level; i++)
		update[i]->next[i] = x->next[i];
	while (m->level > 1 && m->head->next[m->level - 1] == NULL)
		m->level--;
	node_free(x);
	m->count--;
	return 0;
}

static void mem_clear(struct mem *m)
{
	struct node *x = m->head->next[0];
	while (x != NULL) {
		struct node *n = x->next[0];
		node_free(x);
		x = n;
	}
	for (int i = 0; i < LEVEL_MAX; i++)
		m->head->next[i] = NULL;
	m->level = 1;
	m->count = 0;
	m->rng = RNG_SEED;
}

/* ---- the plain in-memory KV ---- */

static int mem_get(void *ctx, const void *key, size_t klen, const uint8_t **val,
		   size_t *vlen)
{
	struct mem *m = ctx;
	if (check_key(klen) != 0)
		return ACC_EINVAL;
	struct node *x = find_eq(m, key, klen);
	if (x == NULL || x->tomb)
		return ACC_ENOTFOUND;
	*val = x->val;
	*vlen = x->vlen;
	return 0;
}

static int mem_put(void *ctx, const void *key, size_t klen, const void *val,
		   size_t vlen)
{
	return mem_set(ctx, key, klen, val, vlen, false);
}

static int mem_del(void *ctx, const void *key, size_t klen)
{
	return mem_remove(ctx, key, klen);
}

static int mem_iter(void *ctx, const void *prefix, size_t plen,
		    int (*fn)(void *fnctx, const uint8_t *key, size_t klen,
			      const uint8_t *val, size_t vlen),
		    void *fnctx)
{
	struct mem *m = ctx;
	struct node *x = find_ge(m, prefix, plen, NULL);
	for (; x != NULL && has_prefix(x, prefix, plen); x = x->next[0]) {
		if (x->tomb)
			continue;
		int rc = fn(fnctx, x->key, x->klen, x->val, x->vlen);
		if (rc != 0)
			return rc > 0 ? 0 : rc;
	}
	return 0;
}

static const struct kv_ops mem_ops = {
    .get = mem_get,
    .put = mem_put,
    .del = mem_del,
    .iter = mem_iter,
};

static struct mem *mem_new(void)
{
	struct mem *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->head = node_alloc(LEVEL_MAX);
	if (m->head == NULL) {
		free(m);
		return NULL;
	}
	m->level = 1;
	m->rng = RNG_SEED;
	return m;
}

static void mem_destroy(struct mem *m)
{
	if (m == NULL)
		return;
	mem_clear(m);
	free(m->head);
	free(m);
}

int kv_mem_open(struct kv *kv)
{
	struct mem *m = mem_new();
	if (m == NULL)
		return ACC_ENOMEM;
	kv->ops = &mem_ops;
	kv->ctx = m;
	return 0;
}

void kv_mem_close(struct kv *kv)
{
	if (kv == NULL || kv->ctx == NULL)
		return;
	assert(kv->ops == &mem_ops);
	mem_destroy(kv->ctx);
	kv->ops = NULL;
	kv->ctx = NULL;
}

size_t kv_mem_count(const struct kv *kv)
{
	assert(kv->ops == &mem_ops);
	return ((const struct mem *)kv->ctx)->count;
}

/* ---- the overlay ---- */

static int ov_get(void *ctx, const void *key, size_t klen, const uint8_t **val,
		  size_t *vlen)
{
	struct mem *m = ctx;
	if (check_key(klen) != 0)
		return ACC_EINVAL;
	struct node *x = find_eq(m, key, klen);
	if (x != NULL) {
		if (x->tomb)
			return ACC_ENOTFOUND;
		*val = x->val;
		*vlen = x->vlen;
		return 0;
	}
	return kv_get(&m->base, key, klen, val, vlen);
}

static int ov_put(void *ctx, const void *key, size_t klen, const void *val,
		  size_t vlen)
{
	return mem_set(ctx, key, klen, val, vlen, false);
}

static int ov_del(void *ctx, const void *key, size_t klen)
{
	struct mem *m = ctx;
	const uint8_t *v;
	size_t vl;
	int rc = ov_get(m, key, klen, &v, &vl);
	if (rc != 0)
		return rc;
	return mem_set(m, key, klen, NULL, 0, true);
}

/* Merge of the base's keys (pushed by its iter) with the buffer's (pulled
 * from a cursor), buffer first on equal keys. */
struct merge {
	struct node *cur; /* next buffered node within the prefix, or NULL */
	const uint8_t *prefix;
	size_t plen;
	int (*fn)(void *fnctx, const uint8_t *key, size_t klen,
		  const uint8_t *val, size_t vlen);
	void *fnctx;
	bool stopped; /* fn returned 1 */
};

static void merge_advance(struct merge *g)
{
	g->cur = g->cur->next[0];
	if (g->cur != NULL && !has_prefix(g->cur, g->prefix, g->plen))
		g->cur = NULL;
}

static int merge_emit(struct merge *g, const uint8_t *key, size_t klen,
		      const uint8_t *val, size_t vlen)
{
	int rc = g->fn(g->fnctx, key, klen, val, vlen);
	if (rc > 0)
		g->stopped = true;
	return rc;
}

static int merge_cb(void *ctx, const uint8_t *key, size_t klen,
		    const uint8_t *val, size_t vlen)
{
	struct merge *g = ctx;
	int rc;
	while (g->cur != NULL &&
	       key_cmp(g->cur->key, g->cur->klen, key, klen) < 0) {
		struct node *x = g->cur;
		merge_advance(g);
		if (!x->tomb &&
		    (rc = merge_emit(g, x->key, x->klen, x->val, x->vlen)) != 0)
			return rc;
	}
	if (g->cur != NULL &&
	    key_cmp(g->cur->key, g->cur->klen, key, klen) == 0) {
		struct node *x = g->cur;
		merge_advance(g);
		if (x->tomb)
			return 0;
		return merge_emit(g, x->key, x->klen, x->val, x->vlen);
	}
	return merge_emit(g, key, klen, val, vlen);
}

static int ov_iter(void *ctx, const void *prefix, size_t plen,
		   int (*fn)(void *fnctx, const uint8_t *key, size_t klen,
			     const uint8_t *val, size_t vlen),
		   void *fnctx)
{
	struct mem *m = ctx;
	struct merge g = {
	    .prefix = prefix,
	    .plen = plen,
	    .fn = fn,
	    .fnctx = fnctx,
	};
	g.cur = find_ge(m, prefix, plen, NULL);
	if (g.cur != NULL && !has_prefix(g.cur, prefix, plen))
		g.cur = NULL;
	int rc = kv_iter(&m->base, prefix, plen, merge_cb, &g);
	if (rc != 0 || g.stopped)
		return rc;
	while (g.cur != NULL) {
		struct node *x = g.cur;
		merge_advance(&g);
		if (x->tomb)
			continue;
		rc = fn(fnctx, x->key, x->klen, x->val, x->vlen);
		if (rc != 0)
			return rc > 0 ? 0 : rc;
	}
	return 0;
}

static const struct kv_ops overlay_ops = {
    .get = ov_get,
    .put = ov_put,
    .del = ov_del,
    .iter = ov_iter,
};

int kv_overlay_open(struct kv *kv, const struct kv *base)
{
	struct mem *m = mem_new();
	if (m == NULL)
		return ACC_ENOMEM;
	m->overlay = true;
	m->base = *base;
	kv->ops = &overlay_ops;
	kv->ctx = m;
	return 0;
}

void kv_overlay_reset(struct kv *kv)
{
	assert(kv->ops == &overlay_ops);
	mem_clear(kv->ctx);
}

int kv_overlay_flush(struct kv *kv, const struct kv *dst)
{
	assert(kv->ops == &overlay_ops);
	struct mem *m = kv->ctx;
	for (struct node *x = m->head->next[0]; x != NULL; x = x->next[0]) {
		int rc;
		if (x->tomb) {
			rc = kv_del(dst, x->key, x->klen);
			if (rc == ACC_ENOTFOUND)
				rc = 0;
		} else {
			rc = kv_put(dst, x->key, x->klen, x->val, x->vlen);
		}
		if (rc != 0)
			return rc;
	}
	mem_clear(m);
	return 0;
}

size_t kv_overlay_count(const struct kv *kv)
{
	assert(kv->ops == &overlay_ops);
	return ((const struct mem *)kv->ctx)->count;
}

void kv_overlay_close(struct kv *kv)
{
	if (kv == NULL || kv->ctx == NULL)
		return;
	assert(kv->ops == &overlay_ops);
	mem_destroy(kv->ctx);
	kv->ops = NULL;
	kv->ctx = NULL;
}
