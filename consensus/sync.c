/* sync.c - the catch-up and stop-voting decisions (specs/node.md §7.7). */
#include "consensus/sync.h"

#include <assert.h>

#include "common/limits.h"

uint64_t sync_height_of_a_third(const uint64_t *heights, const uint64_t *power,
				size_t n, uint64_t total_power, uint64_t head)
{
	uint64_t seen = 0, cut = UINT64_MAX;
	/* Heights from the highest down; each pass takes the next one and
	 * the power of the peers reporting it. At most n passes. */
	for (size_t pass = 0; pass < n; pass++) {
		uint64_t h = 0, p = 0;
		for (size_t i = 0; i < n; i++) {
			if (heights[i] >= cut)
				continue;
			if (heights[i] > h) {
				h = heights[i];
				p = 0;
			}
			if (heights[i] == h)
				p += power[i];
		}
		if (h <= head)
			return head;
		seen += p;
		if (3u * seen > total_power)
			return h;
		cut = h;
	}
	return head;
}

/* The height of a third over the validator peers with a status: trusted
 * or not (a distrusted peer may be slow, not lying; and a third of the
 * power holds a correct validator whatever the liars say). */
static uint64_t third_of(const struct sync_in *in)
{
	uint64_t heights[PEERS_MAX], power[PEERS_MAX];
	size_t k = 0;
	for (size_t i = 0; i < in->n_peers; i++) {
		const struct sync_peer *p = &in->peers[i];
		if (!p->status || p->power == 0)
			continue;
		heights[k] = p->height;
		power[k++] = p->power;
	}
	return sync_height_of_a_third(heights, power, k, in->total_power,
				      in->head);
}

void sync_decide(struct sync_state *st, const struct sync_in *in,
		 struct sync_out *out)
{
	const struct sync_config *cfg = in->cfg;
	uint64_t head = in->head;
	assert(in->batch >= 1 && in->total_power >= 1 &&
	       in->n_peers <= PEERS_MAX);
	out->core = SYNC_CORE_KEEP;
	out->timed_out = SIZE_MAX;
	out->ask = SIZE_MAX;
	out->count = 0;

	/* A request is done once the head reaches its last height, however
	 * it got there: consensus often decides those heights before the
	 * peer's blocks arrive, and the caller drops those late blocks. */
	if (st->req_active && head >= st->req_end)
		st->req_active = false;
	/* An unanswered request: that peer is not asked again now (the
	 * caller distrusts it), the best other one is. */
	if (st->req_active && in->now_ms - st->req_sent_ms >= cfg->timeout_ms) {
		out->timed_out = st->req_peer;
		st->req_active = false;
	}
	uint64_t best = head;
	size_t best_peer = SIZE_MAX;
	for (size_t i = 0; i < in->n_peers; i++) {
		const struct sync_peer *p = &in->peers[i];
		if (p->status && p->trusted && i != out->timed_out &&
		    p->height > best) {
			best = p->height;
			best_peer = i;
		}
	}
	out->best = best;

	/* A validator far behind stops voting until it has caught up, then
	 * starts again from its record. Behind is measured against what a
	 * third of the power reports. */
	bool has_core = in->votes && in->has_core;
	if (in->votes) {
		uint64_t third = third_of(in);
		out->third = third;
		if (!st->syncing && third > head + cfg->vote_gap) {
			st->syncing = true;
			out->core =
			    in->has_core ? SYNC_CORE_STOP : SYNC_CORE_KEEP;
			has_core = false;
		} else if (st->syncing && third <= head) {
			st->syncing = false;
			out->core = SYNC_CORE_START;
			has_core = true;
		} else if (!st->syncing && in->has_core &&
			   in->core_height <= head) {
			out->core = SYNC_CORE_RESTART;
		}
	} else {
		out->third = best;
		st->syncing = best > head + cfg->vote_gap;
	}

	if (best_peer == SIZE_MAX) {
		st->behind = false;
		return;
	}
	if (!st->behind) {
		st->behind = true;
		st->behind_since_ms = in->now_ms;
	}
	/* One height behind is normal for a moment: a voting validator may
	 * be about to decide it itself. */
	bool fetch = !in->votes || !has_core || best >= head + 2 ||
		     in->now_ms - st->behind_since_ms >= cfg->lag_ms;
	if (fetch && !st->req_active) {
		uint64_t count = best - head;
		out->ask = best_peer;
		out->count = count > in->batch ? in->batch : (uint32_t)count;
	}
}

void sync_request_sent(struct sync_state *st, size_t peer, uint64_t end,
		       uint64_t now_ms)
{
	st->req_active = true;
	st->req_peer = peer;
	st->req_end = end;
	st->req_sent_ms = now_ms;
}
