/* kv_store.c - common/kv.h over LMDB: the block's write transaction and
 * read snapshots (specs/compliance.md §3). */
#include "storage/kv_store.h"

#include "storage/store.h"

static int w_get(void *ctx, const void *key, size_t klen,
		 const uint8_t **val, size_t *vlen)
{
	return store_state_get_w(ctx, key, klen, val, vlen);
}

static int w_put(void *ctx, const void *key, size_t klen, const void *val,
		 size_t vlen)
{
	return store_state_put(ctx, key, klen, val, vlen);
}

static int w_del(void *ctx, const void *key, size_t klen)
{
	return store_state_del(ctx, key, klen);
}

static int w_iter(void *ctx, const void *prefix, size_t plen,
		  int (*fn)(void *, const uint8_t *, size_t, const uint8_t *,
			    size_t),
		  void *fnctx)
{
	(void)ctx;
	(void)prefix;
	(void)plen;
	(void)fn;
	(void)fnctx;
	return ACC_ESTATE;
}

static const struct kv_ops write_ops = {w_get, w_put, w_del, w_iter};

void store_kv_write(struct kv *kv, struct store_wtxn *w)
{
	kv->ops = &write_ops;
	kv->ctx = w;
}

static int r_get(void *ctx, const void *key, size_t klen,
		 const uint8_t **val, size_t *vlen)
{
	return store_state_get(ctx, key, klen, val, vlen);
}

static int r_put(void *ctx, const void *key, size_t klen, const void *val,
		 size_t vlen)
{
	(void)ctx;
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	return ACC_ESTATE;
}

static int r_del(void *ctx, const void *key, size_t klen)
{
	(void)ctx;
	(void)key;
	(void)klen;
	return ACC_ESTATE;
}

static int r_iter(void *ctx, const void *prefix, size_t plen,
		  int (*fn)(void *, const uint8_t *, size_t, const uint8_t *,
			    size_t),
		  void *fnctx)
{
	return store_state_iter(ctx, prefix, plen, fn, fnctx);
}

static const struct kv_ops read_ops = {r_get, r_put, r_del, r_iter};

void store_kv_read(struct kv *kv, struct store_rtxn *t)
{
	kv->ops = &read_ops;
	kv->ctx = t;
}
