/* test_node_driver.c - the consensus driver's pure parts and its block
 * path in process (specs/node.md §7, specs/wire.md §6): node messages
 * (vectors and refusals), proposer-based time, and two validators of a
 * two-validator genesis: one proposes a block, the other judges it
 * (node_block_check) and both commit it with a certificate of both
 * (node_block_commit_decided); bad blocks are judged invalid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/codec.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "common/vote.h"
#include "consensus/msg.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "node/cosign.h"
#include "node/driver.h"
#include "node/evidence.h"
#include "node/netmsg.h"
#include "node/node.h"
#include "node/producer.h"
#include "node/propose.h"
#include "storage/store.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

/* ---- node messages (specs/wire.md §6.1) ---- */

static void expect_hex(struct wbuf *w, const char *want)
{
	char got[512];
	ASSERT_OK(wbuf_error(w));
	ASSERT(w->len * 2 < sizeof got);
	hex_encode(got, w->data, w->len);
	ASSERT_STR_EQ(got, want);
}

static void test_netmsg_vectors(void)
{
	struct wbuf w;
	struct netmsg m;
	wbuf_init(&w, MSG_BYTES_MAX);
	struct netmsg_status st = {.height = 7, .log_size = 12, .flags = 1};
	memset(st.hash, 0xaa, HASH_BYTES);
	memset(st.log_root, 0xbb, HASH_BYTES);
	netmsg_status_encode(&w, &st);
	expect_hex(
	    &w,
	    "040000000000000007"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "000000000000000c"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "01");
	ASSERT_EQ(w.len, NETMSG_STATUS_BYTES);
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.type, NETMSG_STATUS);
	ASSERT_EQ(m.status.height, 7);
	ASSERT_EQ(m.status.log_size, 12);
	ASSERT_EQ(m.status.flags, 1);
	ASSERT_MEM_EQ(m.status.hash, st.hash, HASH_BYTES);
	/* Unknown flags, a short status, a long one. */
	w.data[w.len - 1] = 0x04;
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);
	w.data[w.len - 1] = 0x01;
	ASSERT_EQ(netmsg_decode(w.data, w.len - 1, &m), ACC_EDECODE);
	wbuf_u8(&w, 0);
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);

	wbuf_reset(&w);
	netmsg_blocks_get_encode(&w, 5, 16);
	expect_hex(&w, "0500000000000000050010");
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.height, 5);
	ASSERT_EQ(m.count, 16);
	w.data[w.len - 1] = 17; /* over NETMSG_BLOCKS_GET_MAX */
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);
	w.data[w.len - 1] = 0;
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);

	wbuf_reset(&w);
	static const uint8_t blk[] = {1, 2, 3, 4, 5, 6}, cert[] = {0xc1, 0xc2};
	netmsg_block_encode(&w, 3, blk, sizeof blk, cert, sizeof cert);
	expect_hex(&w, "060000000000000003000000060102030405060000000"
		       "2c1c2");
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.type, NETMSG_BLOCK);
	ASSERT_EQ(m.height, 3);
	ASSERT_EQ(m.len, 6);
	ASSERT_EQ(m.cert_len, 2);
	ASSERT_EQ(m.cert_bytes[1], 0xc2);
	ASSERT_EQ(netmsg_decode(w.data, w.len - 1, &m), ACC_EDECODE);
	wbuf_reset(&w);
	netmsg_block_encode(&w, 3, blk, sizeof blk, cert, 0); /* no cert */
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);

	wbuf_reset(&w);
	static const uint8_t ent[] = {0x0a, 0x0b};
	netmsg_entry_encode(&w, ent, sizeof ent);
	expect_hex(&w, "030a0b");
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.len, 2);
	ASSERT_EQ(netmsg_decode(w.data, 1, &m), ACC_EDECODE);

	wbuf_reset(&w);
	uint8_t cs[COSIG_BYTES];
	for (size_t i = 0; i < COSIG_BYTES; i++)
		cs[i] = (uint8_t)i;
	netmsg_cosig_encode(&w, 9, 2, cs);
	ASSERT_EQ(w.len, NETMSG_COSIG_BYTES);
	expect_hex(
	    &w,
	    "0700000000000000090002"
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	    "404142434445464748494a4b");
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.validator, 2);
	ASSERT_MEM_EQ(m.cosig, cs, COSIG_BYTES);
	ASSERT_EQ(netmsg_decode(w.data, w.len - 1, &m), ACC_EDECODE);
	w.data[9] = 0xff; /* validator 0xff02: over VALIDATORS_MAX */
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);
	wbuf_free(&w);

	/* An oversized entry, an empty message, an unknown type. */
	uint8_t *big = calloc(1, ENTRY_BYTES_MAX + 2);
	ASSERT(big != NULL);
	big[0] = NETMSG_ENTRY;
	ASSERT_EQ(netmsg_decode(big, ENTRY_BYTES_MAX + 2, &m), ACC_ETOOBIG);
	ASSERT_OK(netmsg_decode(big, ENTRY_BYTES_MAX + 1, &m));
	free(big);
	ASSERT_EQ(netmsg_decode((const uint8_t *)"", 0, &m), ACC_EDECODE);
	static const uint8_t unknown[] = {9, 0, 0};
	ASSERT_EQ(netmsg_decode(unknown, sizeof unknown, &m), ACC_EDECODE);
}

static void test_netmsg_consensus(void)
{
	struct wbuf w;
	struct netmsg m;
	struct key k;
	fixture_key(&k, SEED_NODE1);
	struct cons_msg v = {.type = CONS_MSG_PREVOTE,
			     .validator = 1,
			     .height = 4,
			     .round = 2,
			     .valid_round = -1};
	memset(v.hash, 0x33, HASH_BYTES);
	ASSERT_OK(
	    vote_sign(v.sig, &k, TEST_CHAIN_ID, VOTE_PREVOTE, 4, 2, v.hash));
	wbuf_init(&w, MSG_BYTES_MAX);
	netmsg_consensus_encode(&w, &v);
	ASSERT_EQ(w.len, 1 + CONS_VOTE_WIRE_BYTES);
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.type, NETMSG_CONSENSUS);
	ASSERT_EQ(m.cons_type, CONS_MSG_PREVOTE);
	ASSERT_EQ(m.msg.round, 2);
	ASSERT_MEM_EQ(m.msg.sig, v.sig, SIG_BYTES);
	ASSERT_EQ(netmsg_decode(w.data, w.len - 1, &m), ACC_EDECODE);

	/* A proposal travels with its block (type 2), never in type 1. */
	struct cons_msg p = {.type = CONS_MSG_PROPOSAL,
			     .validator = 1,
			     .height = 4,
			     .round = 1,
			     .valid_round = -1};
	memset(p.hash, 0x44, HASH_BYTES);
	wbuf_reset(&w);
	netmsg_consensus_encode(&w, &p);
	ASSERT_EQ(netmsg_decode(w.data, w.len, &m), ACC_EDECODE);
	static const uint8_t blk[] = {0, 1, 9, 0, 0, 0, 0};
	wbuf_reset(&w);
	netmsg_proposal_encode(&w, &p, blk, sizeof blk);
	ASSERT_OK(netmsg_decode(w.data, w.len, &m));
	ASSERT_EQ(m.type, NETMSG_PROPOSAL);
	ASSERT_EQ(m.msg.round, 1);
	ASSERT_EQ(m.len, sizeof blk);
	ASSERT_EQ(m.bytes[2], 9);
	/* No block (sent before on the link) is fine; a block too short,
	 * a valid round not below the round are not. */
	ASSERT_OK(netmsg_decode(w.data, 1 + CONS_PROPOSAL_WIRE_BYTES, &m));
	ASSERT_EQ(m.len, 0);
	ASSERT_EQ(netmsg_decode(w.data, 1 + CONS_PROPOSAL_WIRE_BYTES + 5, &m),
		  ACC_EDECODE);
	p.valid_round = 1;
	wbuf_reset(&w);
	netmsg_proposal_encode(&w, &p, blk, sizeof blk);
	ASSERT(netmsg_decode(w.data, w.len, &m) != 0);
	wbuf_free(&w);
	key_free(&k);
}

/* ---- proposer-based time (specs/consensus.md "Block time") ---- */

static void test_timely(void)
{
	uint64_t now = 1700000000000ull;
	uint64_t lo = DRIVER_PRECISION_MS + DRIVER_MSGDELAY_MS;
	ASSERT(driver_time_timely(now, now, 0));
	ASSERT(driver_time_timely(now + DRIVER_PRECISION_MS, now, 0));
	ASSERT(!driver_time_timely(now + DRIVER_PRECISION_MS + 1, now, 0));
	ASSERT(driver_time_timely(now - lo, now, 0));
	ASSERT(!driver_time_timely(now - lo - 1, now, 0));
	/* The delay bound grows by a tenth per round... */
	ASSERT(driver_time_timely(now - lo - DRIVER_MSGDELAY_MS / 10u, now, 1));
	ASSERT(!driver_time_timely(now - lo - DRIVER_MSGDELAY_MS / 10u - 1, now,
				   1));
	/* ...but never lets an hour's skew through, however late the
	 * round, nor anything in the future beyond the precision. */
	ASSERT(!driver_time_timely(now - 3600000u, now, 5));
	ASSERT(!driver_time_timely(now + 3600000u, now, 1000000));
	ASSERT(!driver_time_timely(now + DRIVER_PRECISION_MS + 1, now, 90));
	/* Near the epoch the window does not wrap. */
	ASSERT(driver_time_timely(0, 100, 0));
}

/* ---- two validators, one block ---- */

static char dir[] = "/tmp/accord-test-driver-XXXXXX";
static char genesis_path[300];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ASSERT(f != NULL);
	ASSERT(fputs(text, f) >= 0);
	ASSERT(fclose(f) == 0);
}

static void open_validator(struct node *n, unsigned v, uint8_t seed)
{
	struct node_config cfg;
	struct acc_err err = {0};
	char key_path[320];
	snprintf(key_path, sizeof key_path, "%s/v%u.key", dir, v);
	struct keyfile kf = {0};
	fixture_key(&kf.key, seed);
	strcpy(kf.role, "validator");
	ASSERT_OK(keyfile_save(&kf, key_path, 1, &err));
	keyfile_free(&kf);
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.genesis_path, sizeof cfg.genesis_path, "%s", genesis_path);
	snprintf(cfg.key_path, sizeof cfg.key_path, "%s", key_path);
	snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s/data%u", dir, v);
	cfg.validator = v;
	cfg.http_threads = 1;
	/* Neither holds more than 2/3: without p2p the node refuses. */
	ASSERT_EQ(node_open(n, &cfg, &err), ACC_ECONFIG);
	ASSERT(strstr(err.msg, "p2p_listen") != NULL);
	cfg.has_p2p = 1;
	if (node_open(n, &cfg, &err) != 0)
		FAIL_AT("node_open: %s", err.msg);
	ASSERT(!node_solo(n));
	ASSERT(driver_wanted(n));
}

/* A signed agreement of CN-BJ with its own title. */
static void make_entry(const char *title, uint8_t **bytes, size_t *len)
{
	json_error_t je;
	json_t *v = json_load_file("tests/vectors/entries.json", 0, &je);
	ASSERT(v != NULL);
	json_t *ej = json_deep_copy(json_object_get(
	    json_array_get(json_object_get(v, "vectors"), 0), "json"));
	json_decref(v);
	json_object_del(ej, "signatures");
	json_object_set_new(ej, "title", json_string(title));
	/* A historical record: its 2017 window reaches past today
	 * (specs/compliance.md R34). */
	json_object_set_new(ej, "grace_days", json_integer(7305));
	struct entry e;
	struct acc_err err;
	struct key k;
	ASSERT_OK(entry_from_json(&e, ej, &err));
	json_decref(ej);
	fixture_key(&k, SEED_BJ);
	ASSERT_OK(entry_sign(&e, &k, TEST_CHAIN_ID, &err));
	key_free(&k);
	ASSERT_OK(entry_encode(&e, bytes, len, &err));
	entry_free(&e);
}

/* The certificate of both validators for (height, hash), round 0. */
static void cert_both(uint64_t height, const uint8_t hash[HASH_BYTES],
		      uint8_t out[CERT_BYTES_MAX], size_t *len)
{
	struct cert c;
	struct acc_err err;
	cert_init(&c, height, 0, hash);
	for (uint16_t v = 0; v < 2; v++) {
		struct key k;
		uint8_t sig[SIG_BYTES];
		fixture_key(&k, v == 0 ? SEED_NODE0 : SEED_NODE1);
		ASSERT_OK(vote_sign(sig, &k, TEST_CHAIN_ID, VOTE_PRECOMMIT,
				    height, 0, hash));
		ASSERT_OK(cert_add_sig(&c, v, sig, &err));
		key_free(&k);
	}
	ASSERT_OK(cert_encode(&c, out, len, &err));
}

/* A block after n's head with the given entries and time (what a faulty
 * proposer could build); its log root is right unless the entries make
 * storage refuse them. */
static void forged(struct node *n, const struct bytes_view *ev, size_t count,
		   uint64_t time_ms, uint8_t **blk, size_t *blen)
{
	struct acc_err err;
	struct block_header h;
	memset(&h, 0, sizeof h);
	h.version = BLOCK_VERSION;
	strcpy(h.chain_id, TEST_CHAIN_ID);
	h.height = n->head.height + 1;
	h.time_ms = time_ms;
	memcpy(h.prev_hash, n->head.height ? n->head.hash : n->genesis->hash,
	       HASH_BYTES);
	genesis_valset_hash(n->genesis, h.valset_hash);
	h.entry_count = (uint32_t)count;
	uint8_t leaves[4][HASH_BYTES];
	ASSERT(count <= 4);
	for (size_t i = 0; i < count; i++)
		entry_id(leaves[i], ev[i].p, ev[i].len);
	ASSERT_OK(store_log_root_after(n->store, (const uint8_t(*)[32])leaves,
				       (uint32_t)count, h.log_root,
				       &h.log_size));
	struct store_rtxn *t;
	const uint8_t *lc = NULL;
	size_t lcl = 0;
	ASSERT_OK(store_read_begin(n->store, &t, &err));
	if (n->head.height > 0) {
		ASSERT_OK(store_block_get(t, n->head.height, NULL, NULL, &lc,
					  &lcl, NULL, NULL));
		cert_hash(lc, lcl, h.last_cert_hash);
	}
	ASSERT_OK(block_encode(&h, lc, lcl, ev, count, blk, blen, &err));
	store_read_end(t);
}

static void expect_invalid(struct node *n, const uint8_t *blk, size_t len,
			   int code, const char *part)
{
	struct acc_err err = {0};
	uint64_t t;
	int rc = node_block_check(n, blk, len, NULL, &t, &err);
	if (rc != code)
		FAIL_AT("want %s, got %s (%s)", acc_errname(code),
			acc_errname(rc), err.msg);
	if (part != NULL && strstr(err.msg, part) == NULL)
		FAIL_AT("\"%s\" not in \"%s\"", part, err.msg);
}

/* A prevote of validator 1 for a block full of byte x. */
static void vote_of_node1(struct cons_msg *m, uint8_t x, uint8_t type)
{
	struct key k;
	memset(m, 0, sizeof *m);
	m->type = type;
	m->validator = 1;
	m->height = 9;
	m->round = 2;
	m->valid_round = -1;
	memset(m->hash, x, HASH_BYTES);
	fixture_key(&k, SEED_NODE1);
	ASSERT_OK(vote_sign(m->sig, &k, TEST_CHAIN_ID, type, m->height,
			    m->round, m->hash));
	key_free(&k);
}

/* §7.8: an equivocation becomes an evidence entry every node accepts
 * once; a forged vote does not. */
static void evidence_check(struct node *a, struct node *b)
{
	struct acc_err err = {0};
	struct admit_result res;
	struct cons_msg v1, v2, v3, p1;
	uint8_t *ev, *ev2, *blk, hash[HASH_BYTES], cert[CERT_BYTES_MAX];
	size_t evl, ev2l, blen, count, clen;
	uint64_t tm;
	vote_of_node1(&v1, 0x22, CONS_MSG_PREVOTE);
	vote_of_node1(&v2, 0x11, CONS_MSG_PREVOTE);
	vote_of_node1(&p1, 0x33, CONS_MSG_PRECOMMIT);
	/* Not a pair: two types, or two validators. */
	ASSERT_EQ(driver_evidence_entry(a, &v1, &p1, &ev, &evl, &err),
		  ACC_EINVAL);
	v3 = v2;
	v3.validator = 0;
	ASSERT_EQ(driver_evidence_entry(a, &v1, &v3, &ev, &evl, &err),
		  ACC_EINVAL);
	ASSERT_OK(driver_evidence_entry(a, &v1, &v2, &ev, &evl, &err));
	struct entry e;
	ASSERT_OK(entry_decode(&e, ev, evl, &err));
	ASSERT_EQ(e.kind, ENTRY_EVIDENCE);
	ASSERT_EQ(e.evidence.votes[0].block_hash[0], 0x11); /* ascending */
	ASSERT_MEM_EQ(e.sigs[0].key, a->key.key.pk, PUBKEY_BYTES);
	entry_free(&e);
	ASSERT_OK(node_admit(a, "application/octet-stream", ev, evl, NULL, &res,
			     &err));
	ASSERT_OK(node_block_propose(a, a->head.time_ms + 1, &blk, &blen, hash,
				     &count, &err));
	ASSERT_EQ(count, 1);
	ASSERT_OK(node_block_check(b, blk, blen, hash, &tm, &err));
	cert_both(a->head.height + 1, hash, cert, &clen);
	ASSERT_OK(node_block_commit_decided(a, blk, blen, cert, clen, &err));
	ASSERT_OK(node_block_commit_decided(b, blk, blen, cert, clen, &err));
	free(blk);
	/* The same offence reported by the other validator: refused (R32,
	 * one evidence per validator, height and round). */
	ASSERT_OK(driver_evidence_entry(b, &v2, &v1, &ev2, &ev2l, &err));
	ASSERT(node_admit(b, "application/octet-stream", ev2, ev2l, NULL, &res,
			  &err) != 0);
	free(ev2);
	/* A forged vote: the entry does not verify. */
	vote_of_node1(&v3, 0x44, CONS_MSG_PREVOTE);
	v3.round = 3;
	vote_of_node1(&v2, 0x55, CONS_MSG_PREVOTE);
	v2.round = 3;
	v2.sig[0] ^= 1;
	ASSERT_OK(driver_evidence_entry(a, &v3, &v2, &ev2, &ev2l, &err));
	ASSERT_EQ(node_admit(a, "application/octet-stream", ev2, ev2l, NULL,
			     &res, &err),
		  ACC_EBADSIG);
	free(ev2);
	free(ev);
}

/* A proposal of validator 1 (height 9, round 2) for a block full of
 * byte x, signed the consensus core's way. */
static void proposal_of_node1(struct cons_msg *m, uint8_t x, int32_t vr)
{
	struct key k;
	memset(m, 0, sizeof *m);
	m->type = CONS_MSG_PROPOSAL;
	m->validator = 1;
	m->height = 9;
	m->round = 2;
	m->valid_round = vr;
	memset(m->hash, x, HASH_BYTES);
	fixture_key(&k, SEED_NODE1);
	ASSERT_OK(proposal_sign(m->sig, &k, TEST_CHAIN_ID, m->height, m->round,
				vr, m->hash));
	/* common/vote.h signs what consensus/msg.c verifies. */
	ASSERT_OK(cons_msg_verify(m, TEST_CHAIN_ID, k.pk));
	key_free(&k);
}

/* §7.8: two conflicting proposals become an evidence entry (encoding
 * §5.8 proposal form) every node accepts once; a forged one does not;
 * the test-only twin of a block is a valid block of another hash. */
static void proposal_evidence_check(struct node *a, struct node *b)
{
	struct acc_err err = {0};
	struct admit_result res;
	struct cons_msg p1, p2, p3, v1;
	uint8_t *ev, *ev2, *blk, hash[HASH_BYTES], cert[CERT_BYTES_MAX];
	size_t evl, ev2l, blen, count, clen;
	uint64_t tm;
	proposal_of_node1(&p1, 0x22, -1);
	proposal_of_node1(&p2, 0x11, -1);
	vote_of_node1(&v1, 0x11, CONS_MSG_PREVOTE);
	/* Not a pair: a vote, two proposers, two rounds, one proposal. */
	ASSERT_EQ(evidence_proposals_entry(a, &p1, &v1, &ev, &evl, &err),
		  ACC_EINVAL);
	p3 = p2;
	p3.validator = 0;
	ASSERT_EQ(evidence_proposals_entry(a, &p1, &p3, &ev, &evl, &err),
		  ACC_EINVAL);
	p3 = p2;
	p3.round = 3;
	ASSERT_EQ(evidence_proposals_entry(a, &p1, &p3, &ev, &evl, &err),
		  ACC_EINVAL);
	ASSERT_EQ(evidence_proposals_entry(a, &p1, &p1, &ev, &evl, &err),
		  ACC_EINVAL);
	ASSERT_OK(evidence_proposals_entry(a, &p1, &p2, &ev, &evl, &err));
	struct entry e;
	ASSERT_OK(entry_decode(&e, ev, evl, &err));
	ASSERT_EQ(e.kind, ENTRY_EVIDENCE);
	ASSERT_EQ(e.evidence.form, EVIDENCE_PROPOSALS);
	ASSERT_EQ(e.evidence.proposals[0].block_hash[0], 0x11); /* ascending */
	ASSERT_EQ(e.evidence.proposals[1].block_hash[0], 0x22);
	ASSERT_MEM_EQ(e.sigs[0].key, a->key.key.pk, PUBKEY_BYTES);
	entry_free(&e);
	ASSERT_OK(node_admit(a, "application/octet-stream", ev, evl, NULL, &res,
			     &err));
	ASSERT_OK(node_block_propose(a, a->head.time_ms + 1, &blk, &blen, hash,
				     &count, &err));
	ASSERT_EQ(count, 1);
	ASSERT_OK(node_block_check(b, blk, blen, hash, &tm, &err));

	/* The equivocating build's twin: same entries, time + 1 ms,
	 * another hash, a proposal that verifies, a block b accepts. */
	{
		struct cons_msg mine, twin;
		struct block_header h1, h2;
		uint8_t *tw;
		size_t tl;
		uint64_t ttm;
		memset(&mine, 0, sizeof mine);
		mine.type = CONS_MSG_PROPOSAL;
		mine.validator = (uint16_t)a->cfg.validator;
		mine.height = a->head.height + 1;
		mine.valid_round = -1;
		memcpy(mine.hash, hash, HASH_BYTES);
		ASSERT_OK(evidence_twin_proposal(&mine, blk, blen, &a->key.key,
						 TEST_CHAIN_ID, &twin, &tw, &tl,
						 &err));
		ASSERT(memcmp(twin.hash, hash, HASH_BYTES) != 0);
		ASSERT_OK(cons_msg_verify(&twin, TEST_CHAIN_ID, a->key.key.pk));
		ASSERT_OK(block_header_decode(&h1, blk + 2, be16_get(blk), &err));
		ASSERT_OK(block_header_decode(&h2, tw + 2, be16_get(tw), &err));
		ASSERT_EQ(h2.time_ms, h1.time_ms + 1);
		ASSERT_EQ(tl, blen);
		ASSERT_MEM_EQ(tw + 2 + be16_get(tw), blk + 2 + be16_get(blk),
			      blen - 2 - be16_get(blk));
		ASSERT_OK(node_block_check(b, tw, tl, twin.hash, &ttm, &err));
		free(tw);
		/* No header: refused, not read past. */
		ASSERT_EQ(evidence_twin_proposal(&mine, blk, 1, &a->key.key,
						 TEST_CHAIN_ID, &twin, &tw, &tl,
						 &err),
			  ACC_EDECODE);
		ASSERT(tw == NULL);
	}

	cert_both(a->head.height + 1, hash, cert, &clen);
	ASSERT_OK(node_block_commit_decided(a, blk, blen, cert, clen, &err));
	ASSERT_OK(node_block_commit_decided(b, blk, blen, cert, clen, &err));
	free(blk);
	/* The same offence reported by the other validator: refused (R32,
	 * one proposal evidence per validator, height and round). */
	ASSERT_OK(evidence_proposals_entry(b, &p2, &p1, &ev2, &ev2l, &err));
	ASSERT_EQ(node_admit(b, "application/octet-stream", ev2, ev2l, NULL,
			     &res, &err),
		  ACC_ERULE);
	ASSERT(strstr(err.msg, "R32") != NULL);
	free(ev2);
	/* A forged proposal: the entry does not verify. */
	proposal_of_node1(&p3, 0x44, -1);
	p3.round = 3;
	proposal_of_node1(&p2, 0x55, -1);
	p2.round = 3;
	p2.sig[0] ^= 1;
	ASSERT_OK(evidence_proposals_entry(a, &p3, &p2, &ev2, &ev2l, &err));
	ASSERT_EQ(node_admit(a, "application/octet-stream", ev2, ev2l, NULL,
			     &res, &err),
		  ACC_EBADSIG);
	free(ev2);
	free(ev);
}

/* §7.9: two validators' cosignatures make a note that verifies against
 * genesis (2 of 2); one alone is not published; a bad one is refused. */
static void cosign_check(struct node *a, struct node *b)
{
	struct cosign *ca, *cb;
	uint8_t ma[COSIG_BYTES], mb[COSIG_BYTES], bad[COSIG_BYTES];
	struct checkpoint_verdict v;
	struct acc_err err = {0};
	ASSERT_OK(cosign_open(&ca, a));
	ASSERT_OK(cosign_open(&cb, b));
	/* b's cosignature arrives at a before a has the height: held. */
	struct node_head h = a->head;
	ASSERT_EQ(cosign_head(cb, &h, 1, mb), 1);
	h.height--;
	ASSERT_EQ(cosign_head(ca, &h, -1, ma), 0); /* a follower signs not */
	ASSERT_OK(cosign_add(ca, a->head.height, 1, mb));
	ASSERT(a->cp_note == NULL);
	ASSERT_EQ(cosign_head(ca, &a->head, 0, ma), 1);
	ASSERT(a->cp_note != NULL); /* node0 + the held node1: 2 of 2 */
	ASSERT_OK(checkpoint_verify(a->genesis, a->cp_note, a->cp_note_len, &v,
				    &err));
	ASSERT_EQ(v.signers, 2);
	ASSERT_U64_EQ(v.cp.size, a->head.log_size);
	/* b alone (1 of 2) publishes nothing; a's good one completes it,
	 * a flipped one is refused. */
	ASSERT(b->cp_note == NULL);
	memcpy(bad, ma, COSIG_BYTES);
	bad[COSIG_BYTES - 1] ^= 1;
	ASSERT_EQ(cosign_add(cb, b->head.height, 0, bad), ACC_EBADSIG);
	ASSERT(b->cp_note == NULL);
	ASSERT_OK(cosign_add(cb, b->head.height, 0, ma));
	ASSERT(b->cp_note != NULL);
	ASSERT_EQ(b->cp_note_len, a->cp_note_len);
	ASSERT_MEM_EQ(b->cp_note, a->cp_note, a->cp_note_len);
	cosign_free(ca);
	cosign_free(cb);
}

static void test_two_validators(void)
{
	struct acc_err err = {0};
	struct node a, b;
	ASSERT(mkdtemp(dir) != NULL);
	snprintf(genesis_path, sizeof genesis_path, "%s/genesis.json", dir);
	char *gt = fixture_genesis_text();
	write_file(genesis_path, gt);
	free(gt);
	open_validator(&a, 0, SEED_NODE0);
	open_validator(&b, 1, SEED_NODE1);

	/* Height 1: an empty block, as an idle proposer makes. */
	uint8_t *blk, hash[HASH_BYTES], cert[CERT_BYTES_MAX];
	size_t blen, count, clen;
	uint64_t t0 = driver_clock_ms(&a), tm;
	ASSERT_OK(node_block_propose(&a, t0, &blk, &blen, hash, &count, &err));
	ASSERT_EQ(count, 0);
	ASSERT_OK(node_block_check(&b, blk, blen, hash, &tm, &err));
	ASSERT_U64_EQ(tm, t0);
	/* Not the block the proposal names. */
	uint8_t other[HASH_BYTES];
	memset(other, 7, HASH_BYTES);
	ASSERT_EQ(node_block_check(&b, blk, blen, other, &tm, &err),
		  ACC_EMISMATCH);
	cert_both(1, hash, cert, &clen);
	ASSERT_OK(node_block_commit_decided(&a, blk, blen, cert, clen, &err));
	ASSERT_OK(node_block_commit_decided(&b, blk, blen, cert, clen, &err));
	free(blk);
	ASSERT_EQ(a.head.height, 1);
	ASSERT_MEM_EQ(a.head.hash, b.head.hash, HASH_BYTES);

	/* Height 2: two entries, one already in b's mempool (its signature
	 * is not checked again), one not. */
	uint8_t *e1, *e2;
	size_t l1, l2;
	struct admit_result res;
	make_entry("driver test one", &e1, &l1);
	make_entry("driver test two", &e2, &l2);
	ASSERT_OK(node_admit(&a, "application/octet-stream", e1, l1, NULL, &res,
			     &err));
	ASSERT_OK(node_admit(&a, "application/octet-stream", e2, l2, NULL, &res,
			     &err));
	ASSERT_OK(node_admit_peer(&b, e1, l1, &err));
	ASSERT_EQ(b.mempool.count, 1);
	ASSERT(b.mempool.head->from_peer);
	/* Block time strictly increases: a block at the head's time is
	 * invalid. */
	struct bytes_view ev[2] = {{e1, l1}, {e2, l2}};
	forged(&a, ev, 2, a.head.time_ms, &blk, &blen);
	expect_invalid(&b, blk, blen, ACC_ECHAIN, "not after");
	free(blk);
	/* One entry twice. */
	struct bytes_view twice[2] = {{e1, l1}, {e1, l1}};
	forged(&a, twice, 2, a.head.time_ms + 1, &blk, &blen);
	expect_invalid(&b, blk, blen, ACC_EDUP, "twice");
	free(blk);
	/* A bad signature, on the entry b has not admitted. */
	uint8_t *bad = malloc(l2);
	memcpy(bad, e2, l2);
	bad[l2 - 1] ^= 1;
	struct bytes_view evb[2] = {{e1, l1}, {bad, l2}};
	forged(&a, evb, 2, a.head.time_ms + 1, &blk, &blen);
	expect_invalid(&b, blk, blen, ACC_EBADSIG, "entry 1");
	free(blk);
	free(bad);

	ASSERT_OK(node_block_propose(&a, a.head.time_ms + 1, &blk, &blen, hash,
				     &count, &err));
	ASSERT_EQ(count, 2);
	ASSERT_OK(node_block_check(&b, blk, blen, hash, &tm, &err));
	cert_both(2, hash, cert, &clen);
	ASSERT_OK(node_block_commit_decided(&b, blk, blen, cert, clen, &err));
	ASSERT_OK(node_block_commit_decided(&a, blk, blen, cert, clen, &err));
	free(blk);
	ASSERT_EQ(a.mempool.count, 0);
	ASSERT_EQ(b.mempool.count, 0);
	ASSERT_EQ(b.head.log_size, 2);
	ASSERT_MEM_EQ(a.head.log_root, b.head.log_root, HASH_BYTES);

	/* Height 3: an entry already in the log. */
	forged(&a, ev, 1, a.head.time_ms + 1, &blk, &blen);
	expect_invalid(&b, blk, blen, ACC_EDUP, "already committed");
	free(blk);
	/* A block that skips a height does not follow. Block 3 is built by
	 * its round-0 proposer, validator 1 (specs/chain.md check 11), and
	 * only a commits it. */
	ASSERT_OK(node_block_propose(&b, a.head.time_ms + 1, &blk, &blen, hash,
				     &count, &err));
	cert_both(3, hash, cert, &clen);
	ASSERT_OK(node_block_commit_decided(&a, blk, blen, cert, clen, &err));
	uint8_t *blk4;
	size_t blen4;
	ASSERT_OK(node_block_propose(&a, a.head.time_ms + 1, &blk4, &blen4,
				     hash, &count, &err));
	expect_invalid(&b, blk4, blen4, ACC_ECHAIN, "out of sequence");
	/* b catches up block 3 as a follower would, then 4 is valid. */
	ASSERT_OK(node_block_apply(&b, blk, blen, cert, clen, &err));
	ASSERT_OK(node_block_check(&b, blk4, blen4, hash, &tm, &err));
	free(blk);
	free(blk4);
	free(e1);
	free(e2);
	evidence_check(&a, &b);
	proposal_evidence_check(&a, &b);
	cosign_check(&a, &b);
	node_close(&a);
	node_close(&b);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ASSERT(system(cmd) == 0);
}

int main(void)
{
	ASSERT(crypto_lib_init() == 0);
	RUN(test_netmsg_vectors);
	RUN(test_netmsg_consensus);
	RUN(test_timely);
	RUN(test_two_validators);
	return 0;
}
