/* test_sync.c - the catch-up and stop-voting decisions of specs/node.md
 * §7.7 (consensus/sync.c), case by case. */
#include "consensus/sync.h"

#include "tests/test.h"

static const struct sync_config CFG = {
    .lag_ms = SYNC_LAG_MS,
    .timeout_ms = SYNC_TIMEOUT_MS,
    .vote_gap = SYNC_VOTE_GAP,
};

/* A voting validator at head with a running core at head + 1. */
static struct sync_in in_make(const struct sync_peer *peers, size_t n,
			      uint64_t total, uint64_t head, uint64_t now)
{
	struct sync_in in = {
	    .cfg = &CFG,
	    .head = head,
	    .votes = true,
	    .has_core = true,
	    .core_height = head + 1,
	    .peers = peers,
	    .n_peers = n,
	    .total_power = total,
	    .now_ms = now,
	    .batch = 16,
	};
	return in;
}

static struct sync_peer peer(uint64_t height, uint64_t power)
{
	struct sync_peer p = {
	    .height = height, .power = power, .status = true, .trusted = true};
	return p;
}

static void test_third(void)
{
	/* 4 equal validators, 3 peers: more than a third of 4 needs 2. */
	const uint64_t p1[3] = {1, 1, 1};
	const uint64_t liar[3] = {1000000, 10, 10};
	ASSERT_U64_EQ(sync_height_of_a_third(liar, p1, 3, 4, 10), 10);
	const uint64_t ahead[3] = {1000000, 20, 10};
	ASSERT_U64_EQ(sync_height_of_a_third(ahead, p1, 3, 4, 10), 20);
	const uint64_t all[3] = {30, 25, 40};
	ASSERT_U64_EQ(sync_height_of_a_third(all, p1, 3, 4, 10), 30);
	const uint64_t same[3] = {15, 15, 3};
	ASSERT_U64_EQ(sync_height_of_a_third(same, p1, 3, 4, 10), 15);
	const uint64_t behind[3] = {5, 9, 10};
	ASSERT_U64_EQ(sync_height_of_a_third(behind, p1, 3, 4, 10), 10);
	/* Unequal power: one peer with more than a third suffices... */
	const uint64_t big[3] = {5, 1, 1};
	const uint64_t one[3] = {50, 12, 11};
	ASSERT_U64_EQ(sync_height_of_a_third(one, big, 3, 8, 10), 50);
	/* ...exactly a third does not (3 of 9), a third plus one does. */
	const uint64_t third[3] = {3, 1, 1};
	ASSERT_U64_EQ(sync_height_of_a_third(one, third, 3, 9, 10), 12);
	const uint64_t more[3] = {4, 1, 1};
	ASSERT_U64_EQ(sync_height_of_a_third(one, more, 3, 9, 10), 50);
	/* Exactly a third with equal power: 1 of 3 is not enough. */
	const uint64_t two[2] = {90, 10};
	ASSERT_U64_EQ(sync_height_of_a_third(two, p1, 2, 3, 10), 10);
	/* No peers. */
	ASSERT_U64_EQ(sync_height_of_a_third(NULL, NULL, 0, 4, 7), 7);
}

/* One lying validator (or a lying follower) cannot stop a validator from
 * voting; a third of the power far ahead does. */
static void test_stop_voting(void)
{
	struct sync_peer ps[3] = {peer(1000, 1), peer(10, 1), peer(10, 1)};
	struct sync_state st = {0};
	struct sync_out out;
	struct sync_in in = in_make(ps, 3, 4, 10, 100);
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP);
	ASSERT(!st.syncing);
	ASSERT_U64_EQ(out.third, 10);
	/* The liar is still the best peer to fetch from (2+ ahead: now). */
	ASSERT_EQ(out.ask, 0);
	ASSERT_EQ(out.count, 16);

	/* A follower (power 0) far ahead weighs nothing. */
	struct sync_peer fol[2] = {peer(1000, 0), peer(10, 1)};
	st = (struct sync_state){0};
	in = in_make(fol, 2, 3, 10, 100);
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP);
	ASSERT_U64_EQ(out.third, 10);

	/* Two of four at head + 3: stop (more than the gap of 2)... */
	ps[1].height = 13;
	ps[0].height = 13;
	st = (struct sync_state){0};
	in = in_make(ps, 3, 4, 10, 100);
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_STOP);
	ASSERT(st.syncing);
	ASSERT_U64_EQ(out.third, 13);
	ASSERT_EQ(out.count, 3);
	/* ...but head + 2 is within the gap. */
	ps[0].height = ps[1].height = 12;
	st = (struct sync_state){0};
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP);
	ASSERT(!st.syncing);

	/* Stopped without a core (already dropped): nothing to free. */
	ps[0].height = ps[1].height = 20;
	st = (struct sync_state){0};
	in.has_core = false;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP);
	ASSERT(st.syncing);
}

/* While stopped, nothing changes until head reaches the height of a third;
 * then the core starts from the record. */
static void test_resume(void)
{
	struct sync_peer ps[3] = {peer(20, 1), peer(20, 1), peer(5, 1)};
	struct sync_state st = {.syncing = true};
	struct sync_out out;
	struct sync_in in = in_make(ps, 3, 4, 18, 100);
	in.has_core = false;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP); /* 2 behind: still stopped */
	ASSERT(st.syncing);
	ASSERT_EQ(out.ask, 0); /* no core: fetch at once */
	ASSERT_EQ(out.count, 2);
	in.head = 20;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_START);
	ASSERT(!st.syncing);
	ASSERT_EQ(out.ask, SIZE_MAX);
	/* Peers that went down no longer count: the third is head. */
	ps[0].status = ps[1].status = false;
	st = (struct sync_state){.syncing = true};
	in.head = 3;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_START);
	ASSERT_U64_EQ(out.third, 3);
	ASSERT_EQ(out.ask, 2); /* the one up, at 5 */
}

/* A core whose height was committed by catch-up starts again. */
static void test_restart(void)
{
	struct sync_peer ps[1] = {peer(11, 1)};
	struct sync_state st = {0};
	struct sync_out out;
	struct sync_in in = in_make(ps, 1, 2, 11, 100);
	in.core_height = 11;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_RESTART);
	in.core_height = 12;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP);
	/* Not for a follower. */
	in.votes = false;
	in.core_height = 5;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.core, SYNC_CORE_KEEP);
}

/* One behind: wait lag_ms (the validator may decide it itself); a
 * follower, or 2 behind, fetches at once. */
static void test_lag(void)
{
	struct sync_peer ps[2] = {peer(11, 1), peer(10, 1)};
	struct sync_state st = {0};
	struct sync_out out;
	struct sync_in in = in_make(ps, 2, 3, 10, 1000);
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, SIZE_MAX);
	ASSERT(st.behind);
	in.now_ms = 1000 + SYNC_LAG_MS - 1;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, SIZE_MAX);
	in.now_ms = 1000 + SYNC_LAG_MS;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, 0);
	ASSERT_EQ(out.count, 1);
	/* Caught up: the lag starts again next time. */
	ps[0].height = 10;
	sync_decide(&st, &in, &out);
	ASSERT(!st.behind);
	ps[0].height = 11;
	in.now_ms += 10;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, SIZE_MAX);
	/* A follower fetches at once and is "syncing" past the gap. */
	st = (struct sync_state){0};
	in.votes = false;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, 0);
	ASSERT(!st.syncing);
	ps[0].height = 13;
	sync_decide(&st, &in, &out);
	ASSERT(st.syncing);
	ASSERT_U64_EQ(out.best, 13);
}

/* Distrusted peers are neither asked nor the best; a request out is not
 * doubled; one unanswered for timeout_ms is reported and another peer
 * asked at once; the batch bounds the count. */
static void test_requests(void)
{
	struct sync_peer ps[3] = {peer(100, 1), peer(50, 1), peer(10, 1)};
	struct sync_state st = {0};
	struct sync_out out;
	ps[0].trusted = false;
	struct sync_in in = in_make(ps, 3, 4, 10, 1000);
	in.batch = 4;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, 1);
	ASSERT_EQ(out.count, 4);
	ASSERT_U64_EQ(out.best, 50);
	/* The distrusted peer still counts in the third (with peer 1). */
	ASSERT_U64_EQ(out.third, 50);
	ASSERT_EQ(out.core, SYNC_CORE_STOP);
	sync_request_sent(&st, out.ask, 14, 1000);
	in.now_ms = 1000 + SYNC_TIMEOUT_MS - 1;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, SIZE_MAX);
	ASSERT_EQ(out.timed_out, SIZE_MAX);
	ASSERT(st.req_active);
	in.now_ms = 1000 + SYNC_TIMEOUT_MS;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.timed_out, 1);
	ASSERT(!st.req_active);
	/* Not the peer that just failed: none other is ahead and trusted. */
	ASSERT_EQ(out.ask, SIZE_MAX);
	ps[0].trusted = true;
	in.now_ms += 1;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.timed_out, SIZE_MAX);
	ASSERT_EQ(out.ask, 0);
	/* All peers down: nothing to ask, not behind. */
	for (int i = 0; i < 3; i++)
		ps[i].status = false;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, SIZE_MAX);
	ASSERT(!st.behind);
	ASSERT_U64_EQ(out.best, 10);
}

/* A request is done once the head reaches its last height, even when
 * consensus got there before the peer's blocks did: the next fetch goes
 * out at once, not after timeout_ms (the stall make bench showed). */
static void test_request_done_by_head(void)
{
	struct sync_peer ps[3] = {peer(12, 1), peer(12, 1), peer(12, 1)};
	struct sync_state st = {0};
	struct sync_out out;
	struct sync_in in = in_make(ps, 3, 4, 10, 1000);
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.ask, 0);
	ASSERT_EQ(out.count, 2);
	sync_request_sent(&st, out.ask, 12, 1000);
	/* Not there yet: the request stands. */
	in.head = 11;
	in.core_height = 12;
	in.now_ms = 1100;
	sync_decide(&st, &in, &out);
	ASSERT(st.req_active);
	ASSERT_EQ(out.ask, SIZE_MAX);
	/* Consensus decided 11 and 12 itself; the peers are at 15 now. */
	for (int i = 0; i < 3; i++)
		ps[i].height = 15;
	in.head = 12;
	in.core_height = 13;
	in.now_ms = 1200;
	sync_decide(&st, &in, &out);
	ASSERT_EQ(out.timed_out, SIZE_MAX);
	ASSERT_EQ(out.ask, 0);
	ASSERT_EQ(out.count, 3);
}

int main(void)
{
	RUN(test_third);
	RUN(test_stop_voting);
	RUN(test_resume);
	RUN(test_restart);
	RUN(test_lag);
	RUN(test_requests);
	RUN(test_request_done_by_head);
	return 0;
}
