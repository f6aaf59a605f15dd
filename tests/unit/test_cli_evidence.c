/* test_cli_evidence.c - inclusion evidence checked with no node
 * (cli/evidence.c, specs/cli.md §7.1): evidence made the way `accord proof
 * inclusion --save` keeps it passes; one flipped bit anywhere in any of
 * its four files fails; a proof against another size, another genesis, an
 * extra or foreign signature line, and a non-canonical proof.json fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/build.h"
#include "cli/devnet.h"
#include "cli/evidence.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "common/merkle.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_cli_audit_fixture.h"

#define LEAVES 7u
#define INDEX 5u

static struct genesis g;
static uint8_t leaves[LEAVES][HASH_BYTES];
static uint8_t *entry;
static size_t entry_len;
static char note[CHECKPOINT_NOTE1_BYTES_MAX];
static size_t note_len;
static char *proof_text;
static size_t proof_len;
static char ghash[2 * HASH_BYTES + 2];

/* The subtree [index << level, (index + 1) << level) of the leaves. */
static int node_fn(void *ctx, unsigned level, uint64_t index,
		   uint8_t out[MERKLE_HASH_BYTES])
{
	(void)ctx;
	uint64_t n = (uint64_t)1 << level;
	return merkle_root_compute(
	    out, (const uint8_t(*)[MERKLE_HASH_BYTES])leaves[index * n], n);
}

static struct incl_evidence ev_make(void)
{
	struct incl_evidence ev = {
	    .note = note,
	    .note_len = note_len,
	    .proof = proof_text,
	    .proof_len = proof_len,
	    .entry = entry,
	    .entry_len = entry_len,
	    .genesis_hash = ghash,
	    .genesis_hash_len = 2 * HASH_BYTES + 1,
	};
	return ev;
}

static int check(const struct incl_evidence *ev, struct acc_err *err)
{
	struct evidence_verdict v;
	memset(err, 0, sizeof *err);
	return evidence_check(&g, ev, &v, err);
}

/* Evidence for leaf INDEX of a log of LEAVES entries: reports by the first
 * party, the INDEX-th encoded in full; cosigned by validator 0. */
static void evidence_build(const char *net)
{
	struct acc_err err = {0};
	struct devnet_keys keys;
	struct keyfile vk;
	char path[400];
	ASSERT_OK(devnet_keys_load(&keys, net, &err));
	const struct keyfile *pk =
	    devnet_keys_find(&keys, "party", g.parties[0].id);
	ASSERT(pk != NULL);
	for (size_t i = 0; i < LEAVES; i++) {
		struct entry e;
		uint8_t *b;
		size_t n;
		report_make(&e, pk, i);
		ASSERT_OK(entry_sign(&e, &pk->key, g.chain_id, &err));
		ASSERT_OK(entry_encode(&e, &b, &n, &err));
		merkle_leaf_hash(leaves[i], b, n);
		if (i == INDEX) {
			entry = b;
			entry_len = n;
		} else {
			free(b);
		}
		entry_free(&e);
	}
	uint8_t root[HASH_BYTES];
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][MERKLE_HASH_BYTES];
	size_t count = 0;
	ASSERT_OK(merkle_root_compute(
	    root, (const uint8_t(*)[MERKLE_HASH_BYTES])leaves, LEAVES));
	ASSERT_OK(merkle_inclusion_prove(INDEX, LEAVES, node_fn, NULL, proof,
					 &count));
	ASSERT_OK(
	    evidence_proof_format(INDEX, LEAVES, leaves[INDEX], root,
				  (const uint8_t(*)[MERKLE_HASH_BYTES])proof,
				  count, &proof_text, &proof_len));
	(void)snprintf(path, sizeof path, "%s/node0/validator.key", net);
	ASSERT_OK(keyfile_load(&vk, path, &err));
	ASSERT_OK(checkpoint_note_make(&g, 0, &vk.key, LEAVES, root,
				       1796083200u, note, sizeof note,
				       &note_len, &err));
	hex_encode(ghash, g.hash, HASH_BYTES);
	ghash[2 * HASH_BYTES] = '\n';
	keyfile_free(&vk);
	devnet_keys_free(&keys);
}

static void test_good(void)
{
	struct incl_evidence ev = ev_make();
	struct evidence_verdict v;
	struct acc_err err = {0};
	ASSERT_OK(evidence_check(&g, &ev, &v, &err));
	ASSERT_EQ(v.index, INDEX);
	ASSERT_EQ(v.cp.cp.size, LEAVES);
	ASSERT_EQ(v.cp.signers, 1);
	ASSERT_EQ(v.kind, ENTRY_REPORT);
	ASSERT_MEM_EQ(v.leaf, leaves[INDEX], HASH_BYTES);
	/* The canonical proof.json, byte for byte. */
	ASSERT(strncmp(proof_text,
		       "{\"index\":5,\"tree_size\":7,\"leaf_hash\":\"",
		       38) == 0);
	ASSERT_EQ(proof_text[proof_len - 1], '\n');
}

/* Flip one bit of every byte of each file in turn: every one fails. */
static void test_every_byte(void)
{
	struct acc_err err;
	char *files[4] = {note, proof_text, (char *)entry, ghash};
	size_t lens[4] = {note_len, proof_len, entry_len, 2 * HASH_BYTES + 1};
	const char *names[4] = {"note", "proof", "entry", "genesis hash"};
	for (size_t k = 0; k < 4; k++) {
		size_t passed = 0;
		for (size_t i = 0; i < lens[k]; i++) {
			files[k][i] ^= 0x01;
			struct incl_evidence ev = ev_make();
			if (check(&ev, &err) == 0) {
				fprintf(stderr, "%s byte %zu passes\n",
					names[k], i);
				passed++;
			}
			files[k][i] ^= 0x01;
		}
		ASSERT_EQ(passed, 0);
	}
	struct incl_evidence ev = ev_make();
	ASSERT_OK(check(&ev, &err));
	/* Cut short or grown by one byte. */
	ev.entry_len--;
	ASSERT_EQ(check(&ev, &err), ACC_EMISMATCH);
	ev = ev_make();
	ev.proof_len--;
	ASSERT(check(&ev, &err) != 0);
	ev = ev_make();
	ev.genesis_hash_len--;
	ASSERT_EQ(check(&ev, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "genesis.hash") != NULL);
}

static void test_refusals(void)
{
	struct acc_err err;
	struct incl_evidence ev = ev_make();
	/* Another consortium's genesis hash. */
	char other[2 * HASH_BYTES + 2];
	memcpy(other, ghash, sizeof other);
	other[0] = other[0] == '0' ? '1' : '0';
	ev.genesis_hash = other;
	ASSERT_EQ(check(&ev, &err), ACC_EMISMATCH);
	ASSERT(strstr(err.msg, "the genesis file's hash is") != NULL);
	/* A proof.json with spaces: the same proof, not canonical. */
	ev = ev_make();
	char *spaced = malloc(proof_len + 2);
	ASSERT(spaced != NULL);
	spaced[0] = ' ';
	memcpy(spaced + 1, proof_text, proof_len);
	ev.proof = spaced;
	ev.proof_len = proof_len + 1;
	ASSERT_EQ(check(&ev, &err), ACC_EDECODE);
	ASSERT(strstr(err.msg, "canonical") != NULL);
	free(spaced);
	/* An extra signature line by a key genesis does not know: ignored by
	 * checkpoint_verify, refused here. */
	char more[CHECKPOINT_NOTE1_BYTES_MAX + COSIG_LINE_BYTES_MAX];
	size_t ml = note_len;
	memcpy(more, note, note_len);
	more[ml] = '\0';
	struct key stranger;
	uint8_t seed[SEED_BYTES];
	memset(seed, 0x42, sizeof seed);
	ASSERT_OK(key_from_seed(&stranger, seed));
	const char *text_end = strstr(note, "\n\n");
	ASSERT(text_end != NULL);
	ASSERT_OK(checkpoint_cosign(more, sizeof more, &ml, note,
				    (size_t)(text_end - note) + 1, "stranger",
				    &stranger, 1796083200u, &err));
	key_free(&stranger);
	ev = ev_make();
	ev.note = more;
	ev.note_len = ml;
	ASSERT_EQ(check(&ev, &err), ACC_EBADSIG);
	ASSERT(strstr(err.msg, "2 signature lines, 1 of them") != NULL);
	/* Evidence of another entry: its bytes do not hash to the leaf. */
	ev = ev_make();
	ev.entry_len = 3;
	ASSERT_EQ(check(&ev, &err), ACC_EMISMATCH);
	ASSERT(strstr(err.msg, "entry.bin") != NULL);
	/* Random bytes in every file never crash. */
	uint8_t junk[512];
	for (int round = 0; round < 200; round++) {
		random_bytes(junk, sizeof junk);
		ev = ev_make();
		ev.note = (const char *)junk;
		ev.note_len = (size_t)(round * 2 + 1);
		ASSERT(check(&ev, &err) != 0);
		ev = ev_make();
		ev.proof = (const char *)junk;
		ev.proof_len = (size_t)(round * 2 + 1);
		ASSERT(check(&ev, &err) != 0);
	}
}

int main(void)
{
	char tmp[] = "/tmp/test_cli_evidence.XXXXXX", net[300], gpath[400];
	struct acc_err err = {0};
	ASSERT_OK(crypto_lib_init());
	(void)agreement_make; /* the fixture's; these reports need none */
	ASSERT(mkdtemp(tmp) != NULL);
	(void)snprintf(net, sizeof net, "%s/net", tmp);
	struct devnet_params p = {.dir = net, .nodes = 1, .http_port = 21000};
	ASSERT_OK(devnet_init(&p, &err));
	(void)snprintf(gpath, sizeof gpath, "%s/genesis.json", net);
	ASSERT_OK(genesis_load(&g, gpath, &err));
	evidence_build(net);
	RUN(test_good);
	RUN(test_every_byte);
	RUN(test_refusals);
	free(entry);
	free(proof_text);
	genesis_free(&g);
	char cmd[400];
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ASSERT_EQ(system(cmd), 0);
	return 0;
}
