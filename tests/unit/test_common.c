/* test_common.c - error table, codec bounds, hex/base64, crypto, votes. */
#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/hex.h"
#include "common/keyfile.h"

#include <sys/stat.h>
#include <unistd.h>
#include "common/vote.h"
#include "tests/test.h"

static void test_error_table(void)
{
	ASSERT_STR_EQ(acc_strerror(ACC_EBADSIG), "bad signature");
	ASSERT_STR_EQ(acc_errname(ACC_EDECODE), "ACC_EDECODE");
	ASSERT_STR_EQ(acc_strerror(-9999), "unknown error");
	struct acc_err e;
	ASSERT_EQ(acc_err_set(&e, ACC_ERULE, "field %s", "x"), ACC_ERULE);
	ASSERT_STR_EQ(e.msg, "field x");
	ASSERT_EQ(acc_err_set(NULL, ACC_EIO, "ignored"), ACC_EIO);
}

static void test_codec_roundtrip(void)
{
	struct wbuf w;
	wbuf_init(&w, 64);
	wbuf_u8(&w, 0xab);
	wbuf_u16(&w, 0x1234);
	wbuf_u32(&w, 0xdeadbeef);
	wbuf_u64(&w, 0x0102030405060708ull);
	wbuf_i64(&w, -2);
	wbuf_var16(&w, "hi", 2);
	ASSERT_OK(wbuf_error(&w));
	ASSERT_EQ(w.len, 1 + 2 + 4 + 8 + 8 + 2 + 2);
	ASSERT_EQ(w.data[1], 0x12);
	struct rbuf r;
	rbuf_init(&r, w.data, w.len);
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;
	int64_t e;
	const uint8_t *s;
	size_t n;
	ASSERT_OK(rbuf_u8(&r, &a));
	ASSERT_OK(rbuf_u16(&r, &b));
	ASSERT_OK(rbuf_u32(&r, &c));
	ASSERT_OK(rbuf_u64(&r, &d));
	ASSERT_OK(rbuf_i64(&r, &e));
	ASSERT_OK(rbuf_var16(&r, &s, &n, 10));
	ASSERT_OK(rbuf_finish(&r));
	ASSERT_EQ(a, 0xab);
	ASSERT_EQ(b, 0x1234);
	ASSERT_U64_EQ(c, 0xdeadbeef);
	ASSERT_U64_EQ(d, 0x0102030405060708ull);
	ASSERT_EQ(e, -2);
	ASSERT_EQ(n, 2);
	ASSERT_MEM_EQ(s, "hi", 2);
	wbuf_free(&w);
}

static void test_codec_bounds(void)
{
	struct wbuf w;
	wbuf_init(&w, 3);
	wbuf_u16(&w, 1);
	ASSERT_OK(wbuf_error(&w));
	wbuf_u16(&w, 2); /* would make 4 > 3 */
	ASSERT_EQ(wbuf_error(&w), ACC_ETOOBIG);
	wbuf_u8(&w, 3); /* sticky: ignored */
	ASSERT_EQ(w.len, 2);
	wbuf_free(&w);

	/* A reader never reads past its end, and a length prefix over the
	 * field's bound fails even when the bytes are there. */
	const uint8_t buf[] = {0x00, 0x05, 'a', 'b'};
	struct rbuf r;
	const uint8_t *s;
	size_t n;
	rbuf_init(&r, buf, sizeof buf);
	ASSERT_EQ(rbuf_var16(&r, &s, &n, 100), ACC_EDECODE);
	uint8_t x;
	ASSERT_EQ(rbuf_u8(&r, &x), ACC_EDECODE); /* sticky */
	rbuf_init(&r, buf, sizeof buf);
	ASSERT_EQ(rbuf_var16(&r, &s, &n, 4), ACC_EDECODE);
	rbuf_init(&r, buf, sizeof buf);
	ASSERT_OK(rbuf_u8(&r, &x));
	ASSERT_EQ(rbuf_finish(&r), ACC_EDECODE); /* trailing bytes */
}

static void test_hex_base64(void)
{
	uint8_t in[3] = {0x00, 0xab, 0xff};
	char h[7];
	hex_encode(h, in, 3);
	ASSERT_STR_EQ(h, "00abff");
	uint8_t out[3];
	ASSERT_OK(hex_decode(out, 3, "00ABff"));
	ASSERT_MEM_EQ(out, in, 3);
	ASSERT_EQ(hex_decode(out, 3, "00abf"), ACC_EDECODE);
	ASSERT_EQ(hex_decode(out, 3, "00abffee"), ACC_EDECODE);
	ASSERT_EQ(hex_decode(out, 3, "00abfg"), ACC_EDECODE);
	char b[16];
	base64_encode(b, sizeof b, in, 3);
	ASSERT_STR_EQ(b, "AKv/");
	size_t n;
	ASSERT_OK(base64_decode(out, sizeof out, &n, "AKv/"));
	ASSERT_EQ(n, 3);
	ASSERT_EQ(base64_decode(out, sizeof out, &n, "AK*/"), ACC_EDECODE);
	/* Bytes outside ASCII (found by fuzzing the checkpoint parser). */
	ASSERT_EQ(base64_decode(out, sizeof out, &n, "AK\xc8\xa6v/"),
		  ACC_EDECODE);
	ASSERT_EQ(base64_decode(out, sizeof out, &n, "AKv\x80"), ACC_EDECODE);
	ASSERT_EQ(base64_decode(out, 2, &n, "AKv/"), ACC_EDECODE);
}

static void test_sha256_vector(void)
{
	/* FIPS 180-2 "abc". */
	uint8_t d[HASH_BYTES];
	char h[65];
	sha256(d, "abc", 3);
	hex_encode(h, d, sizeof d);
	ASSERT_STR_EQ(h, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, "a", 1);
	sha256_update(&c, "bc", 2);
	uint8_t d2[HASH_BYTES];
	sha256_final(&c, d2);
	ASSERT_MEM_EQ(d, d2, HASH_BYTES);
}

static void test_ed25519_rfc8032(void)
{
	/* RFC 8032 §7.1 TEST 1: empty message. */
	uint8_t seed[SEED_BYTES];
	ASSERT_OK(hex_decode(seed, sizeof seed,
			     "9d61b19deffd5a60ba844af492ec2cc4"
			     "4449c5697b326919703bac031cae7f60"));
	struct key k;
	ASSERT_OK(key_from_seed(&k, seed));
	char h[129];
	hex_encode(h, k.pk, PUBKEY_BYTES);
	ASSERT_STR_EQ(h, "d75a980182b10ab7d54bfed3c964073a"
			 "0ee172f3daa62325af021a68f707511a");
	uint8_t sig[SIG_BYTES];
	ed25519_sign(sig, &k, "", 0);
	hex_encode(h, sig, SIG_BYTES);
	ASSERT_STR_EQ(h, "e5564300c360ac729086e2cc806e828a"
			 "84877f1eb8e5d974d873e06522490155"
			 "5fb8821590a33bacc61e39701cf9b46b"
			 "d25bf5f0595bbe24655141438e7a100b");
	ASSERT_OK(ed25519_verify(sig, k.pk, "", 0));
	sig[0] ^= 1;
	ASSERT_EQ(ed25519_verify(sig, k.pk, "", 0), ACC_EBADSIG);
	key_free(&k);
	key_free(&k); /* idempotent */
}

static void test_domain_separation(void)
{
	struct key k;
	ASSERT_OK(key_new(&k));
	uint8_t sig[SIG_BYTES];
	ASSERT_OK(ed25519_sign_ctx(sig, &k, "accord/entry/v1", "chain-a",
				   "xyz", 3));
	ASSERT_OK(ed25519_verify_ctx(sig, k.pk, "accord/entry/v1", "chain-a",
				     "xyz", 3));
	/* Another chain, another context, another payload: all refused. */
	ASSERT_EQ(ed25519_verify_ctx(sig, k.pk, "accord/entry/v1", "chain-b",
				     "xyz", 3),
		  ACC_EBADSIG);
	ASSERT_EQ(ed25519_verify_ctx(sig, k.pk, "accord/vote/v1", "chain-a",
				     "xyz", 3),
		  ACC_EBADSIG);
	ASSERT_EQ(ed25519_verify_ctx(sig, k.pk, "accord/entry/v1", "chain-a",
				     "xyZ", 3),
		  ACC_EBADSIG);
	/* A vote for one height does not verify for another. */
	uint8_t bh[HASH_BYTES] = {1};
	ASSERT_OK(vote_sign(sig, &k, "c", VOTE_PRECOMMIT, 7, 0, bh));
	ASSERT_OK(vote_verify(sig, k.pk, "c", VOTE_PRECOMMIT, 7, 0, bh));
	ASSERT_EQ(vote_verify(sig, k.pk, "c", VOTE_PRECOMMIT, 8, 0, bh),
		  ACC_EBADSIG);
	ASSERT_EQ(vote_verify(sig, k.pk, "c", VOTE_PREVOTE, 7, 0, bh),
		  ACC_EBADSIG);
	ASSERT_EQ(vote_verify(sig, k.pk, "c", VOTE_PRECOMMIT, 7, 0, NULL),
		  ACC_EBADSIG);
	key_free(&k);
}

static void test_keyfile(void)
{
	char dir[] = "/tmp/accord-keyfile-XXXXXX";
	ASSERT(mkdtemp(dir) != NULL);
	char path[256], bad[256];
	snprintf(path, sizeof path, "%s/k.json", dir);
	snprintf(bad, sizeof bad, "%s/bad.json", dir);
	uint8_t seed[SEED_BYTES];
	ASSERT_OK(hex_decode(seed, sizeof seed,
			     "9d61b19deffd5a60ba844af492ec2cc4"
			     "4449c5697b326919703bac031cae7f60"));
	struct keyfile kf;
	memset(&kf, 0, sizeof kf);
	ASSERT_OK(key_from_seed(&kf.key, seed));
	strcpy(kf.role, "party");
	strcpy(kf.id, "CN-BJ");
	ASSERT_OK(keyfile_save(&kf, path, 0, NULL));
	struct stat st;
	ASSERT_OK(stat(path, &st));
	ASSERT_EQ(st.st_mode & 0777, 0600);
	struct acc_err e;
	ASSERT_EQ(keyfile_save(&kf, path, 0, &e), ACC_EDUP);
	struct keyfile back;
	ASSERT_OK(keyfile_load(&back, path, &e));
	ASSERT_STR_EQ(back.id, "CN-BJ");
	ASSERT_STR_EQ(back.role, "party");
	ASSERT_MEM_EQ(back.key.pk, kf.key.pk, PUBKEY_BYTES);
	keyfile_free(&back);
	keyfile_free(&kf);

	/* A public key that does not belong to the seed is refused. */
	FILE *f = fopen(bad, "w");
	ASSERT(f != NULL);
	fprintf(f, "{\"type\":\"ed25519\",\"seed\":\"%064d\",\"public_key\":\"%064d\"}", 0, 0);
	fclose(f);
	ASSERT_EQ(keyfile_load(&back, bad, &e), ACC_EMISMATCH);
	f = fopen(bad, "w");
	fprintf(f, "{\"type\":\"ed25519\",\"seed\":\"zz\"}");
	fclose(f);
	ASSERT_EQ(keyfile_load(&back, bad, &e), ACC_EDECODE);
	f = fopen(bad, "w");
	fprintf(f, "{not json");
	fclose(f);
	ASSERT_EQ(keyfile_load(&back, bad, &e), ACC_EJSON);
	ASSERT_EQ(keyfile_load(&back, "/nonexistent/k", &e), ACC_EIO);
	unlink(path);
	unlink(bad);
	rmdir(dir);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	RUN(test_error_table);
	RUN(test_codec_roundtrip);
	RUN(test_codec_bounds);
	RUN(test_hex_base64);
	RUN(test_sha256_vector);
	RUN(test_ed25519_rfc8032);
	RUN(test_domain_separation);
	RUN(test_keyfile);
	return 0;
}
