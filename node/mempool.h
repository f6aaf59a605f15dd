/* mempool.h - admitted entries waiting for a block: arrival order, dedup by
 * entry id, bounded in count and bytes (specs/node.md §4). */
#ifndef ACCORD_NODE_MEMPOOL_H
#define ACCORD_NODE_MEMPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"

/*
 * The mempool does no locking: the node guards it with its mutex
 * (node.h). Items are owned by the mempool; a pointer to an item stays
 * valid until mempool_remove() of that item or mempool_free().
 */
struct mempool_item {
	struct mempool_item *next; /* arrival order, toward newer */
	struct mempool_item *prev;
	struct mempool_item *hnext; /* hash chain */
	uint64_t seq;               /* arrival number, from 1 */
	void *user;                 /* owner's data (a commit waiter) */
	int from_peer; /* came by gossip: never gossiped on (specs/node.md §7.5) */
	uint8_t id[HASH_BYTES];
	size_t len;
	uint8_t bytes[]; /* the signed entry bytes */
};

struct mempool {
	struct mempool_item *head; /* oldest */
	struct mempool_item *tail; /* newest */
	struct mempool_item **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t bytes; /* sum of item->len */
	size_t count_max;
	size_t bytes_max;
	uint64_t seq_next;
};

/* 0 or ACC_ENOMEM. count_max >= 1, bytes_max >= 1. */
int mempool_init(struct mempool *mp, size_t count_max, size_t bytes_max);
/* Free every item and the table. */
void mempool_free(struct mempool *mp);

/* The item with this id, or NULL. */
struct mempool_item *mempool_find(const struct mempool *mp,
				  const uint8_t id[HASH_BYTES]);

/*
 * Copy len bytes in as the newest item. ACC_EDUP if the id is present,
 * ACC_EFULL if the count or byte bound would be passed, ACC_ENOMEM. On
 * success *out (if not NULL) is the new item.
 */
int mempool_add(struct mempool *mp, const uint8_t id[HASH_BYTES],
		const uint8_t *bytes, size_t len, struct mempool_item **out);

/* Unlink and free item (which must be in mp). */
void mempool_remove(struct mempool *mp, struct mempool_item *item);

#endif
