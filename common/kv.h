/* kv.h - the derived state's key/value interface: an abstract sorted KV
 * (specs/compliance.md §3). Implementations: the in-memory KV and the
 * overlay (ledger/kv_mem.c), the hashed in-memory KV (ledger/kv_hash.c),
 * and LMDB transactions (storage/kv_store.c). */
#ifndef ACCORD_COMMON_KV_H
#define ACCORD_COMMON_KV_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Keys are 1..KV_KEY_BYTES_MAX bytes (LMDB's bound, storage/store.h). */
#define KV_KEY_BYTES_MAX 511u
/* Values are at most this many bytes (the state's records are far smaller). */
#define KV_VAL_BYTES_MAX (1024u * 1024u)

/*
 * One implementation of the KV. Every operation returns 0 or a negative
 * ACC_E code; keys and values are byte strings compared bytewise (memcmp,
 * then shorter first).
 *
 * get:  *val borrowed; valid until the next put/del on the same KV (or the
 *       end of the transaction an adapter runs in). ACC_ENOTFOUND.
 * put:  copies key and value; replaces an existing value.
 * del:  0, or ACC_ENOTFOUND when the key is absent.
 * iter: fn(fnctx, key, klen, val, vlen) for every key starting with
 *       prefix (plen 0 = every key), in key byte order; key and val are
 *       borrowed for the call. fn returns 0 to go on, 1 to stop early
 *       (iter then returns 0) or a negative error that iter returns. fn
 *       may call get on the same KV but never put or del.
 */
struct kv_ops {
	int (*get)(void *ctx, const void *key, size_t klen, const uint8_t **val,
		   size_t *vlen);
	int (*put)(void *ctx, const void *key, size_t klen, const void *val,
		   size_t vlen);
	int (*del)(void *ctx, const void *key, size_t klen);
	int (*iter)(void *ctx, const void *prefix, size_t plen,
		    int (*fn)(void *fnctx, const uint8_t *key, size_t klen,
			      const uint8_t *val, size_t vlen),
		    void *fnctx);
};

/* A KV handle: the ops and their context. Plain value; copy freely. */
struct kv {
	const struct kv_ops *ops;
	void *ctx;
};

static inline int kv_get(const struct kv *kv, const void *key, size_t klen,
			 const uint8_t **val, size_t *vlen)
{
	return kv->ops->get(kv->ctx, key, klen, val, vlen);
}

static inline int kv_put(const struct kv *kv, const void *key, size_t klen,
			 const void *val, size_t vlen)
{
	return kv->ops->put(kv->ctx, key, klen, val, vlen);
}

static inline int kv_del(const struct kv *kv, const void *key, size_t klen)
{
	return kv->ops->del(kv->ctx, key, klen);
}

static inline int kv_iter(const struct kv *kv, const void *prefix, size_t plen,
			  int (*fn)(void *fnctx, const uint8_t *key,
				    size_t klen, const uint8_t *val,
				    size_t vlen),
			  void *fnctx)
{
	return kv->ops->iter(kv->ctx, prefix, plen, fn, fnctx);
}

/*
 * In-memory sorted KV (a skip list with a fixed-seed level generator, so
 * that its shape, and its speed, are the same on every run): O(log n)
 * get/put/del. For tests, the auditor and replay.
 * kv_mem_open fills kv (0 or ACC_ENOMEM); kv_mem_close frees everything
 * and zeroes kv (NULL-safe, idempotent). put refuses empty or oversize
 * keys and oversize values with ACC_EINVAL.
 */
int kv_mem_open(struct kv *kv);
void kv_mem_close(struct kv *kv);
/* Number of keys held. */
size_t kv_mem_count(const struct kv *kv);

/*
 * Hashed in-memory KV: O(1) get/put/del (a hash table keyed with SipHash
 * under a random key drawn at open, so that keys crafted by a log cannot
 * collide on purpose); iter gathers the keys under the prefix and sorts
 * them, O(n log n) per call. For the auditor's replay, which iterates only
 * at the end. Same contract and errors as kv_mem; kv_hash_open also
 * returns ACC_ECRYPTO when libsodium cannot start.
 */
int kv_hash_open(struct kv *kv);
void kv_hash_close(struct kv *kv);
/* Number of keys held. */
size_t kv_hash_count(const struct kv *kv);

/*
 * Overlay KV: writes (and deletions) are buffered in memory over base,
 * which is only read. get and iter see the merge (buffered writes win,
 * buffered deletions hide base keys). base must outlive the overlay and
 * must not change while writes are buffered. For the producer's dry run
 * and admission checks.
 */
int kv_overlay_open(struct kv *kv, const struct kv *base);
/* Drop every buffered write; the overlay shows base again. */
void kv_overlay_reset(struct kv *kv);
/* Write the buffered puts and deletions into dst in key order (dst is
 * usually base's writable twin), then reset. Deleting a key dst lacks is
 * not an error. The first error of dst is returned; the overlay is then
 * left as it was. */
int kv_overlay_flush(struct kv *kv, const struct kv *dst);
/* Number of buffered writes and deletions. */
size_t kv_overlay_count(const struct kv *kv);
/* Free the buffer and zero kv (NULL-safe, idempotent). */
void kv_overlay_close(struct kv *kv);

#endif
