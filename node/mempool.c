/* mempool.c - FIFO list plus chained hash table keyed by entry id. */
#include "node/mempool.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/error.h"

int mempool_init(struct mempool *mp, size_t count_max, size_t bytes_max)
{
	assert(count_max >= 1 && bytes_max >= 1);
	memset(mp, 0, sizeof *mp);
	/* Load factor at most 1/2 when full keeps chains short. */
	size_t n = 16;
	while (n < 2 * count_max)
		n *= 2;
	mp->buckets = calloc(n, sizeof *mp->buckets);
	if (mp->buckets == NULL)
		return ACC_ENOMEM;
	mp->nbuckets = n;
	mp->count_max = count_max;
	mp->bytes_max = bytes_max;
	mp->seq_next = 1;
	return 0;
}

void mempool_free(struct mempool *mp)
{
	struct mempool_item *it = mp->head;
	while (it != NULL) {
		struct mempool_item *next = it->next;
		free(it);
		it = next;
	}
	free(mp->buckets);
	memset(mp, 0, sizeof *mp);
}

/* Ids are SHA-256 outputs, so their first bytes are already uniform. */
static size_t bucket_of(const struct mempool *mp, const uint8_t id[HASH_BYTES])
{
	return (size_t)be64_get(id) & (mp->nbuckets - 1);
}

struct mempool_item *mempool_find(const struct mempool *mp,
				  const uint8_t id[HASH_BYTES])
{
	struct mempool_item *it = mp->buckets[bucket_of(mp, id)];
	for (; it != NULL; it = it->hnext)
		if (memcmp(it->id, id, HASH_BYTES) == 0)
			return it;
	return NULL;
}

int mempool_add(struct mempool *mp, const uint8_t id[HASH_BYTES],
		const uint8_t *bytes, size_t len, struct mempool_item **out)
{
	if (mempool_find(mp, id) != NULL)
		return ACC_EDUP;
	if (mp->count >= mp->count_max || len > mp->bytes_max - mp->bytes)
		return ACC_EFULL;
	struct mempool_item *it = malloc(sizeof *it + len);
	if (it == NULL)
		return ACC_ENOMEM;
	memset(it, 0, sizeof *it);
	memcpy(it->id, id, HASH_BYTES);
	memcpy(it->bytes, bytes, len);
	it->len = len;
	it->seq = mp->seq_next++;
	size_t b = bucket_of(mp, id);
	it->hnext = mp->buckets[b];
	mp->buckets[b] = it;
	it->prev = mp->tail;
	if (mp->tail != NULL)
		mp->tail->next = it;
	else
		mp->head = it;
	mp->tail = it;
	mp->count++;
	mp->bytes += len;
	if (out != NULL)
		*out = it;
	return 0;
}

void mempool_remove(struct mempool *mp, struct mempool_item *item)
{
	struct mempool_item **pp = &mp->buckets[bucket_of(mp, item->id)];
	while (*pp != item) {
		assert(*pp != NULL); /* item must be in this mempool */
		pp = &(*pp)->hnext;
	}
	*pp = item->hnext;
	if (item->prev != NULL)
		item->prev->next = item->next;
	else
		mp->head = item->next;
	if (item->next != NULL)
		item->next->prev = item->prev;
	else
		mp->tail = item->prev;
	assert(mp->count > 0 && mp->bytes >= item->len);
	mp->count--;
	mp->bytes -= item->len;
	free(item);
}
