/* test_checkpoint.c - signed notes, checkpoints, cosignatures and the
 * tlog-policy export (specs/checkpoint.md, vectors in §10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/checkpoint.h"
#include "ledger/genesis.h"
#include "tests/test.h"
#include "tests/unit/test_ledger_fixture.h"

#define EXAMPLE_PATH SHARED_DATA "rfc6962/c2sp-signed-note-example.txt"

/* §10.2: the RFC 6962 root of the 8-leaf test tree. */
#define ROOT8_HEX \
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
#define TEXT8 "accord-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
#define LINE_NODE0                                                             \
	"\xe2\x80\x94 node0 "                                                  \
	"WV2NOgAAAABndIWAFSUe/p5Nxq2mnZDmgba7BvBXPo7ioppiQHNpFLD0hXejB8RmAzHj" \
	"XRIjDHEilCoD0V9TG+Mmr3bRXPrmqTU7Cw==\n"
#define LINE_NODE1                                                             \
	"\xe2\x80\x94 node1 "                                                  \
	"TcweuwAAAABndIWBn3TBEqdxtgQB0525FSjYBOlsjwkCyYtCz3PM1P+fjvWhi2nstBEo" \
	"GT4bu5eECyWSeriPZohhPFzpk0R1bIuLBA==\n"
#define NOTE8 TEXT8 "\n" LINE_NODE0 LINE_NODE1
#define TIME0 1735689600u /* 2025-01-01T00:00:00Z */

#define POLICY_FIXTURE                                                  \
	"# tlog-policy for the accord log \"accord-test\" "             \
	"(specs/checkpoint.md §8)\n"                                   \
	"# checkpoints are cosigned by the validators "                 \
	"(tlog-cosignature/v1); there is no log key\n"                  \
	"witness node0 "                                                \
	"node0+595d8d3a+BMqTrBcFGHBx1nuDx/8O/oEI6OxFMFdddyaHkzPb2r58\n" \
	"witness node1 "                                                \
	"node1+4dcc1ebb+BG56HN0psLeP0Tr0xVmP7/TvKpcWbjym8uT7/M2AUFvx\n" \
	"group validators 2 node0 node1\n"                              \
	"quorum validators\n"

static struct genesis G;

static void root8(uint8_t root[HASH_BYTES])
{
	ASSERT_OK(hex_decode(root, HASH_BYTES, ROOT8_HEX));
}

/* The C2SP example file: its vkey and its signed note (heap copies). */
static void example_load(char **vkey, char **note)
{
	FILE *f = fopen(EXAMPLE_PATH, "rb");
	if (f == NULL)
		FAIL_AT("cannot open %s", EXAMPLE_PATH);
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *v = strstr(buf, "vkey: ");
	char *s = strstr(buf, "signed note:\n");
	ASSERT(v != NULL && s != NULL);
	v += 6;
	*vkey = strndup(v, strcspn(v, "\n"));
	*note = strdup(s + strlen("signed note:\n"));
	ASSERT(*vkey != NULL && *note != NULL);
}

/* §3, §10.1: the signed-note example of C2SP verifies with its vkey, and
 * no longer when any byte of it changes. */
static void test_c2sp_example(void)
{
	char *vs, *ns;
	example_load(&vs, &ns);
	struct note_vkey k;
	struct acc_err err;
	ASSERT_OK(note_vkey_parse(&k, vs, strlen(vs), &err));
	ASSERT_STR_EQ(k.name, "example.com/foo");
	ASSERT_EQ(k.alg, NOTE_ALG_ED25519);
	char hex[9];
	hex_encode(hex, k.key_id, 4);
	ASSERT_STR_EQ(hex, "530d903a");
	char back[NOTE_VKEY_BYTES_MAX];
	note_vkey_format(&k, back);
	ASSERT_STR_EQ(back, vs);

	static struct note n;
	size_t count = 0;
	ASSERT_OK(note_parse(&n, ns, strlen(ns), &err));
	ASSERT_EQ(n.text_len, strlen("This is an example message.\n"));
	ASSERT(memcmp(n.text, "This is an example message.\n", n.text_len) ==
	       0);
	ASSERT_EQ(n.sig_count, 1);
	ASSERT_OK(note_verify(&n, &k, 1, NULL, NULL, &count, &err));
	ASSERT_EQ(count, 1);

	/* Every single-byte change of the note is refused: by the parser,
	 * or by the signature check. */
	size_t len = strlen(ns);
	for (size_t i = 0; i < len; i++) {
		char *m = strdup(ns);
		ASSERT(m != NULL);
		m[i] = (char)(m[i] ^ 0x01);
		int rc = note_parse(&n, m, len, NULL);
		if (rc == 0)
			rc = note_verify(&n, &k, 1, NULL, NULL, &count, NULL);
		if (rc == 0)
			FAIL_AT("byte %zu changed, still verifies", i);
		free(m);
	}
	/* The vkey with another key id, another key, an unknown algorithm. */
	char bad[NOTE_VKEY_BYTES_MAX];
	strcpy(bad, vs);
	bad[strlen("example.com/foo+")] = '6';
	ASSERT_EQ(note_vkey_parse(&k, bad, strlen(bad), NULL), ACC_EDECODE);
	strcpy(bad, vs);
	bad[strlen(bad) - 2] = 'l';
	ASSERT_EQ(note_vkey_parse(&k, bad, strlen(bad), NULL), ACC_EDECODE);
	strcpy(bad, vs);
	bad[strlen("example.com/foo+530d903a+")] = 'B'; /* alg 0x05 */
	ASSERT_EQ(note_vkey_parse(&k, bad, strlen(bad), NULL), ACC_EDECODE);
	ASSERT_EQ(note_vkey_parse(&k, "a+530d903a", 10, NULL), ACC_EDECODE);
	ASSERT_EQ(note_vkey_parse(&k, "no plus", 7, NULL), ACC_EDECODE);
	ASSERT_EQ(note_vkey_parse(&k, "+530d903a+AA==", 14, NULL), ACC_EDECODE);
	free(vs);
	free(ns);
}

/* §4: text round trip and the strict parser. */
static void test_text(void)
{
	struct checkpoint c = {.size = 8}, d;
	strcpy(c.origin, "accord-test");
	root8(c.root);
	char t[CHECKPOINT_TEXT_BYTES_MAX + 1];
	size_t len;
	ASSERT_OK(checkpoint_text_format(&c, t, sizeof t, &len, NULL));
	ASSERT_STR_EQ(t, TEXT8);
	ASSERT_OK(checkpoint_text_parse(&d, t, len, NULL));
	ASSERT_STR_EQ(d.origin, "accord-test");
	ASSERT_U64_EQ(d.size, 8);
	ASSERT_MEM_EQ(d.root, c.root, HASH_BYTES);
	ASSERT_EQ(d.ext_lines, 0);
	c.size = UINT64_MAX;
	ASSERT_OK(checkpoint_text_format(&c, t, sizeof t, &len, NULL));
	ASSERT_OK(checkpoint_text_parse(&d, t, len, NULL));
	ASSERT_U64_EQ(d.size, UINT64_MAX);

	static const char *bad[] = {
	    "accord-test\n8\n",
	    "accord-test\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "accord-test\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "accord-test\n18446744073709551616\n"
	    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    /* non-zero padding bits: not canonical base64 */
	    "accord-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n",
	    "accord-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQy\n",
	    "accord-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	    "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "accord-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (checkpoint_text_parse(&d, bad[i], strlen(bad[i]), NULL) ==
		    0)
			FAIL_AT("bad text %zu accepted", i);
	/* Bytes outside the base64 alphabet that libsodium decodes (found
	 * by the fuzzer). */
	static const char hi[] =
	    "acct\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw\xc8\xa6RgQig=\n";
	ASSERT_EQ(checkpoint_text_parse(&d, hi, strlen(hi), NULL), ACC_EDECODE);
	/* A NUL or a control character in the origin (found by the fuzzer). */
	static const char nul[] =
	    "acc\0rd\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
	ASSERT_EQ(checkpoint_text_parse(&d, nul, sizeof nul - 1, NULL),
		  ACC_EDECODE);
	static const char tab[] =
	    "a\tb\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
	ASSERT_EQ(checkpoint_text_parse(&d, tab, strlen(tab), NULL),
		  ACC_EDECODE);
	ASSERT_OK(
	    checkpoint_text_parse(&d, TEXT8 "ext\n", strlen(TEXT8) + 4, NULL));
	ASSERT_EQ(d.ext_lines, 1);
}

/* §6, §10.2: the exact note two fixed keys make. */
static void test_vector(void)
{
	struct key k0, k1;
	fixture_key(&k0, SEED_NODE0);
	fixture_key(&k1, SEED_NODE1);
	uint8_t root[HASH_BYTES];
	root8(root);
	char out[CHECKPOINT_NOTE1_BYTES_MAX + COSIG_LINE_BYTES_MAX];
	size_t len;
	struct acc_err err;
	ASSERT_OK(checkpoint_note_make(&G, 0, &k0, 8, root, TIME0, out,
				       CHECKPOINT_NOTE1_BYTES_MAX, &len, &err));
	ASSERT_STR_EQ(out, TEXT8 "\n" LINE_NODE0);
	ASSERT_EQ(len, strlen(out));
	ASSERT_OK(checkpoint_cosign(out, sizeof out, &len, out, strlen(TEXT8),
				    "node1", &k1, TIME0 + 1, &err));
	ASSERT_STR_EQ(out, NOTE8);

	struct checkpoint_verdict v;
	ASSERT_OK(checkpoint_verify(&G, NOTE8, strlen(NOTE8), &v, &err));
	ASSERT_EQ(v.signers, 2);
	ASSERT_U64_EQ(v.power, 2);
	ASSERT_U64_EQ(v.total, 2);
	ASSERT_U64_EQ(v.time_min, TIME0);
	ASSERT_U64_EQ(v.time_max, TIME0 + 1);
	ASSERT(v.signed_by[0] && v.signed_by[1]);
	ASSERT_U64_EQ(v.cp.size, 8);
	ASSERT_MEM_EQ(v.cp.root, root, HASH_BYTES);

	/* Signature lines in either order. */
	static const char swapped[] = TEXT8 "\n" LINE_NODE1 LINE_NODE0;
	ASSERT_OK(checkpoint_verify(&G, swapped, strlen(swapped), &v, NULL));

	/* The key must be the validator's; a bad index is refused. */
	ASSERT_EQ(checkpoint_note_make(&G, 0, &k1, 8, root, TIME0, out,
				       sizeof out, &len, NULL),
		  ACC_EINVAL);
	ASSERT_EQ(checkpoint_note_make(&G, 2, &k0, 8, root, TIME0, out,
				       sizeof out, &len, NULL),
		  ACC_EINVAL);
	ASSERT_EQ(checkpoint_note_make(&G, 0, &k0, 8, root, TIME0, out, 40,
				       &len, NULL),
		  ACC_ETOOBIG);
	key_free(&k0);
	key_free(&k1);
}

static int verify_rc(const char *note)
{
	struct checkpoint_verdict v;
	return checkpoint_verify(&G, note, strlen(note), &v, NULL);
}

/* §2, §7: each malformed or insufficient note is refused with its
 * reason. */
static void test_refused(void)
{
	/* Power: one of two validators is not more than 2/3. */
	ASSERT_EQ(verify_rc(TEXT8 "\n" LINE_NODE0), ACC_ECERT);
	/* Duplicate signer counted once. */
	ASSERT_EQ(verify_rc(TEXT8 "\n" LINE_NODE0 LINE_NODE0), ACC_ECERT);
	struct checkpoint_verdict v;
	static const char dup[] = TEXT8 "\n" LINE_NODE0 LINE_NODE0;
	(void)checkpoint_verify(&G, dup, strlen(dup), &v, NULL);
	ASSERT_EQ(v.signers, 1);
	/* Missing blank line. */
	ASSERT_EQ(verify_rc(TEXT8 LINE_NODE0 LINE_NODE1), ACC_EDECODE);
	/* No signature line at all. */
	ASSERT_EQ(verify_rc(TEXT8 "\n"), ACC_EDECODE);
	/* Last line without newline. */
	{
		char m[1024];
		strcpy(m, NOTE8);
		m[strlen(m) - 1] = '\0';
		ASSERT_EQ(verify_rc(m), ACC_EDECODE);
	}
	/* Bad base64 (a '!' in the signature). */
	{
		char m[1024];
		strcpy(m, NOTE8);
		char *p = strstr(m, "WV2N");
		p[5] = '!';
		ASSERT_EQ(verify_rc(m), ACC_EDECODE);
	}
	/* Wrong key id: node0's line under the name node1 matches no key;
	 * the note then has node1's own line only -> power 1 of 2. And
	 * with nothing else, no known key verifies. */
	ASSERT_EQ(verify_rc(TEXT8 "\n"
				  "\xe2\x80\x94 node1 "
				  "WV2NOgAAAABndIWAFSUe/p5Nxq2mnZDmgba7BvBXPo7"
				  "ioppiQHNpFLD0hXejB8RmAzHjXRIjDHEilCoD0V9TG+"
				  "Mmr3bRXPrmqTU7Cw==\n"),
		  ACC_EBADSIG);
	/* Truncated signature: the right key id, 8 bytes short. */
	ASSERT_EQ(verify_rc(TEXT8 "\n"
				  "\xe2\x80\x94 node0 "
				  "WV2NOgAAAABndIWAFSUe/p5Nxq2mnZDmgba7BvBXPo7"
				  "ioppiQHNpFLD0hXejB8RmAzHjXRIjDHEilCoD0V9TG+"
				  "Mm\n" LINE_NODE1),
		  ACC_EBADSIG);
	/* A known key whose signature fails spoils the note even when the
	 * rest would be enough (§2.3). */
	{
		char m[1024];
		strcpy(m, NOTE8);
		char *p = strstr(m, "Cw==");
		p[0] = 'D';
		ASSERT_EQ(verify_rc(m), ACC_EBADSIG);
	}
	/* The cosigned time is inside the signature: change it. */
	{
		char m[1024];
		strcpy(m, NOTE8);
		char *p = strstr(m, "WV2NOgAAAABndIWA");
		p[15] = 'B';
		ASSERT_EQ(verify_rc(m), ACC_EBADSIG);
	}
	/* Wrong origin: another chain's checkpoint. */
	ASSERT_EQ(verify_rc("other-chain\n8\n"
			    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
			    "\n" LINE_NODE0 LINE_NODE1),
		  ACC_EMISMATCH);
	/* A size or root the validators did not sign. */
	ASSERT_EQ(verify_rc("accord-test\n9\n"
			    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
			    "\n" LINE_NODE0 LINE_NODE1),
		  ACC_EBADSIG);
	/* Extension lines are not accord's. */
	ASSERT_EQ(verify_rc(TEXT8 "x\n\n" LINE_NODE0 LINE_NODE1), ACC_EDECODE);
	/* Not an em dash; an ASCII dash. */
	ASSERT_EQ(verify_rc(TEXT8 "\n- node0 AAAAAAA=\n"), ACC_EDECODE);
	/* Signature line without a signature, with an empty name, with a
	 * '+' in the name, too short a signature (under 5 bytes). */
	ASSERT_EQ(verify_rc(TEXT8 "\n\xe2\x80\x94 node0\n"), ACC_EDECODE);
	ASSERT_EQ(verify_rc(TEXT8 "\n\xe2\x80\x94  AAAAAAA=\n"), ACC_EDECODE);
	ASSERT_EQ(verify_rc(TEXT8 "\n\xe2\x80\x94 a+b AAAAAAA=\n"),
		  ACC_EDECODE);
	ASSERT_EQ(verify_rc(TEXT8 "\n\xe2\x80\x94 node0 AAAAAA==\n"),
		  ACC_EDECODE);
	/* Control character, bad UTF-8, overlong NUL. */
	ASSERT_EQ(verify_rc("accord-test\r\n8\n\n" LINE_NODE0), ACC_EDECODE);
	ASSERT_EQ(verify_rc("accord-test\xff\n8\n\n" LINE_NODE0), ACC_EDECODE);
	ASSERT_EQ(verify_rc("accord-test\xc0\x80\n8\n\n" LINE_NODE0),
		  ACC_EDECODE);
	/* Unknown keys are ignored: with both validators it still holds. */
	ASSERT_OK(verify_rc(
	    NOTE8 "\xe2\x80\x94 witness.example "
		  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
		  "Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkM=\n"));
	/* Size bounds: over 64 KiB, over NOTE_SIGS_MAX lines. */
	size_t big = NOTE_BYTES_MAX + 1;
	char *m = malloc(big + 1);
	ASSERT(m != NULL);
	memset(m, 'a', big);
	m[big] = '\0';
	ASSERT_EQ(verify_rc(m), ACC_ETOOBIG);
	size_t l = 0;
	l += (size_t)sprintf(m, "%s\n", TEXT8);
	for (size_t i = 0; i <= NOTE_SIGS_MAX; i++)
		l += (size_t)sprintf(m + l, "\xe2\x80\x94 x%zu AAAAAAA=\n", i);
	ASSERT(l < big);
	ASSERT_EQ(verify_rc(m), ACC_ETOOBIG);
	free(m);
}

/* §7: power, not the number of signers, decides. */
static void test_power(void)
{
	G.validators[0].power = 3;
	G.validators[1].power = 1;
	ASSERT_OK(verify_rc(TEXT8 "\n" LINE_NODE0)); /* 3 of 4 */
	ASSERT_EQ(verify_rc(TEXT8 "\n" LINE_NODE1), ACC_ECERT);
	G.validators[0].power = 2;
	G.validators[1].power = 1;
	ASSERT_EQ(verify_rc(TEXT8 "\n" LINE_NODE0),
		  ACC_ECERT); /* exactly 2/3 */
	G.validators[0].power = 1;
}

/* §8: the policy text and its k. */
static void test_policy(void)
{
	char *p;
	size_t len;
	int equal;
	ASSERT_OK(checkpoint_policy_format(&G, &p, &len, NULL));
	ASSERT_STR_EQ(p, POLICY_FIXTURE);
	ASSERT_EQ(len, strlen(POLICY_FIXTURE));
	free(p);
	/* The vkeys in it parse back to the validators' keys. */
	struct note_vkey k;
	const char *vk = "node1+4dcc1ebb+BG56HN0psLeP0Tr0xVmP7/TvKpcWbjym8uT7/"
			 "M2AUFvx";
	ASSERT_OK(note_vkey_parse(&k, vk, strlen(vk), NULL));
	ASSERT_EQ(k.alg, NOTE_ALG_COSIG_V1);
	ASSERT_MEM_EQ(k.pk, G.validators[1].key, PUBKEY_BYTES);

	/* k for n equal validators is the least k with 3k > 2n. */
	struct genesis_validator saved[2];
	memcpy(saved, G.validators, sizeof saved);
	struct genesis_validator *vals = calloc(VALIDATORS_MAX, sizeof *vals);
	ASSERT(vals != NULL);
	struct genesis_validator *orig = G.validators;
	size_t orig_n = G.validator_count;
	G.validators = vals;
	static const size_t ns[] = {1, 2, 3, 4, 5, 6, 7, 100, 128};
	static const size_t ks[] = {1, 2, 3, 3, 4, 5, 5, 67, 86};
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		G.validator_count = ns[i];
		for (size_t j = 0; j < ns[i]; j++)
			vals[j].power = 7;
		ASSERT_EQ(checkpoint_policy_quorum(&G, &equal), ks[i]);
		ASSERT_EQ(equal, 1);
	}
	/* Unequal: {1,1,1,5} needs all four; {3,3,3,1} any three. */
	static const uint64_t pa[] = {1, 5, 1, 1}, pb[] = {3, 1, 3, 3};
	G.validator_count = 4;
	for (size_t j = 0; j < 4; j++) {
		vals[j].power = pa[j];
		snprintf(vals[j].name, sizeof vals[j].name, "v%zu", j);
	}
	ASSERT_EQ(checkpoint_policy_quorum(&G, &equal), 4);
	ASSERT_EQ(equal, 0);
	for (size_t j = 0; j < 4; j++)
		vals[j].power = pb[j];
	ASSERT_EQ(checkpoint_policy_quorum(&G, &equal), 3);
	ASSERT_OK(checkpoint_policy_format(&G, &p, &len, NULL));
	ASSERT(strstr(p, "# validators have unequal power") != NULL);
	ASSERT(strstr(p, "\ngroup validators 3 v0 v1 v2 v3\n") != NULL);
	free(p);
	/* A name that is not a key name cannot be exported. */
	strcpy(vals[2].name, "v 2");
	ASSERT_EQ(checkpoint_policy_format(&G, &p, &len, NULL), ACC_ECONFIG);
	G.validators = orig;
	G.validator_count = orig_n;
	free(vals);
}

/* §3: key names. */
static void test_names(void)
{
	ASSERT(note_name_valid("node0", 5));
	ASSERT(note_name_valid("example.com/foo", 15));
	ASSERT(note_name_valid("\xe5\x8c\x97\xe4\xba\xac", 6)); /* 北京 */
	ASSERT(!note_name_valid("", 0));
	ASSERT(!note_name_valid("a+b", 3));
	ASSERT(!note_name_valid("a b", 3));
	ASSERT(!note_name_valid("a\tb", 3));
	ASSERT(!note_name_valid("a\xc2\xa0"
				"b",
				4)); /* U+00A0 */
	ASSERT(!note_name_valid("a\xe3\x80\x80"
				"b",
				5));		      /* U+3000 */
	ASSERT(!note_name_valid("a\xed\xa0\x80", 4)); /* surrogate */
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	fixture_genesis(&G);
	RUN(test_c2sp_example);
	RUN(test_text);
	RUN(test_vector);
	RUN(test_refused);
	RUN(test_power);
	RUN(test_policy);
	RUN(test_names);
	genesis_free(&G);
	return 0;
}
