/* fuzz_checkpoint.c - untrusted bytes into the signed-note parser, the
 * checkpoint text parser, the vkey parser and checkpoint_verify against a
 * fixed two-validator genesis (specs/checkpoint.md §2-§4, §7). Nothing may
 * crash; an accepted checkpoint text without extensions must format back
 * to the same bytes, and an accepted vkey to the same key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/hex.h"
#include "ledger/checkpoint.h"
#include "ledger/genesis.h"
#include "tests/unit/test_ledger_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct genesis G;
static struct note_vkey keys[3];
static struct note N;

static void init_once(void)
{
	static int done;
	if (done)
		return;
	if (crypto_lib_init() != 0)
		abort();
	fixture_genesis(&G);
	/* A plain signed-note key (alg 0x01) beside the cosigners. */
	struct key k;
	fixture_key(&k, SEED_BJ);
	if (note_vkey_make(&keys[0], "witness.example", NOTE_ALG_ED25519, k.pk,
			   NULL) != 0)
		abort();
	key_free(&k);
	for (size_t i = 0; i < 2; i++)
		if (note_vkey_make(&keys[1 + i], G.validators[i].name,
				   NOTE_ALG_COSIG_V1, G.validators[i].key,
				   NULL) != 0)
			abort();
	done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	const char *s = (const char *)data;
	size_t count;
	if (note_parse(&N, s, size, NULL) == 0) {
		if (N.text_len == 0 || N.text[N.text_len - 1] != '\n' ||
		    N.sig_count == 0 || N.sig_count > NOTE_SIGS_MAX)
			abort();
		(void)note_verify(&N, keys, 3, NULL, NULL, &count, NULL);
	}
	struct checkpoint c;
	if (checkpoint_text_parse(&c, s, size, NULL) == 0 && c.ext_lines == 0) {
		char t[CHECKPOINT_ORIGIN_BYTES_MAX + 80];
		size_t len;
		if (checkpoint_text_format(&c, t, sizeof t, &len, NULL) != 0 ||
		    len != size || memcmp(t, s, size) != 0)
			abort();
	}
	struct checkpoint_verdict v;
	if (checkpoint_verify(&G, s, size, &v, NULL) == 0 &&
	    3 * v.power <= 2 * v.total)
		abort();
	struct note_vkey k, k2;
	if (size < NOTE_VKEY_BYTES_MAX &&
	    note_vkey_parse(&k, s, size, NULL) == 0) {
		char f[NOTE_VKEY_BYTES_MAX];
		note_vkey_format(&k, f);
		if (note_vkey_parse(&k2, f, strlen(f), NULL) != 0 ||
		    memcmp(&k, &k2, sizeof k) != 0)
			abort();
	}
	return 0;
}
