/* test_cli_audit.c - `accord audit --data` on a chain built in this
 * process the way a node commits it (specs/cli.md §8): a good chain
 * passes; one flipped byte of an entry, a header or a certificate in a
 * copy of data.mdb fails, naming what. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "common/hex.h"
#include "cli/build.h"
#include "cli/devnet.h"
#include "common/crypto.h"
#include "common/keyfile.h"
#include "common/merkle.h"
#include "common/vote.h"
#include "ledger/block.h"
#include "ledger/cert.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "ledger/state.h"
#include "storage/kv_store.h"
#include "storage/store.h"
#include "tests/test.h"
#include "tests/unit/test_cli_audit_fixture.h"

#define BLOCKS 6
#define PER_BLOCK 5

static char tmp[256], net[300], data[300];
static struct genesis g;
/* Bytes of one entry, one header and one certificate to tamper with. */
static uint8_t entry_bytes[ENTRY_BYTES_MAX];
static size_t entry_len;
static uint8_t header_bytes[BLOCK_HEADER_BYTES_MAX];
static size_t header_len;
static uint8_t cert_bytes[CERT_BYTES_MAX];
static size_t cert_len;

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];
	(void)snprintf(cmd, sizeof cmd, fmt, a, b);
	ASSERT_EQ(system(cmd), 0);
}

/* The derived state a node writes with each block: the block's entries
 * through the rules, at its time (specs/node.md §3). */
struct apply_ctx {
	uint8_t **bytes;
	size_t *lens;
	uint64_t first_index, time_s;
};

/* A chain with a refused entry: chain_build puts a report about an
 * unknown agreement at block REFUSE_H entry 1, which this node's rules
 * let through (a faulty or malicious node). */
#define REFUSE_H 3
static int build_refused;

static int apply_rules(void *ctx, struct store_wtxn *w, struct acc_err *err)
{
	struct apply_ctx *a = ctx;
	struct kv kv;
	store_kv_write(&kv, w);
	for (size_t i = 0; i < PER_BLOCK; i++) {
		int rc = state_replay_entry(&kv, &g, a->bytes[i], a->lens[i],
					    a->first_index + i, a->time_s, err);
		if (rc == ACC_ERULE && build_refused)
			continue;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Commit BLOCKS blocks of PER_BLOCK reports as the single validator. */
static void chain_build(const char *dir)
{
	struct acc_err err = {0};
	struct devnet_keys keys;
	struct keyfile vk;
	char path[400];
	ASSERT_OK(devnet_keys_load(&keys, net, &err));
	(void)snprintf(path, sizeof path, "%s/node0/validator.key", net);
	ASSERT_OK(keyfile_load(&vk, path, &err));
	struct store *s;
	struct store_opts so = {.map_bytes = (size_t)64 << 20, .no_sync = 1};
	ASSERT_OK(store_open(&s, dir, &so, &err));
	ASSERT_OK(store_meta_put(s, "genesis", g.hash, HASH_BYTES, &err));
	struct merkle_frontier fr;
	merkle_frontier_init(&fr);
	uint8_t prev_hash[HASH_BYTES], prev_cert[CERT_BYTES_MAX];
	size_t prev_cert_len = 0;
	memcpy(prev_hash, g.hash, HASH_BYTES);
	for (uint64_t h = 1; h <= BLOCKS; h++) {
		uint8_t *bytes[PER_BLOCK];
		size_t lens[PER_BLOCK];
		struct store_entry_in in[PER_BLOCK];
		for (size_t i = 0; i < PER_BLOCK; i++) {
			const struct keyfile *kf =
			    devnet_keys_find(&keys, "party", g.parties[0].id);
			ASSERT(kf != NULL);
			struct entry e;
			if (h == 1 && i == 0)
				agreement_make(&e, &g);
			else
				report_make(&e, kf, h * 100 + i);
			if (build_refused && h == REFUSE_H && i == 1)
				memset(e.report.agreement_id, 0x5a, HASH_BYTES);
			ASSERT_OK(entry_sign(&e, &kf->key, g.chain_id, &err));
			ASSERT_OK(entry_encode(&e, &bytes[i], &lens[i], &err));
			entry_free(&e);
			memset(&in[i], 0, sizeof in[i]);
			in[i].bytes = bytes[i];
			in[i].len = lens[i];
			entry_id(in[i].id, bytes[i], lens[i]);
			if (h == 1 && i == 0)
				memcpy(agreement_id, in[i].id, HASH_BYTES);
			in[i].party = kf->id;
			ASSERT_OK(
			    merkle_frontier_append(&fr, in[i].id, NULL, NULL));
		}
		struct block_header hd;
		memset(&hd, 0, sizeof hd);
		hd.version = BLOCK_VERSION;
		(void)snprintf(hd.chain_id, sizeof hd.chain_id, "%s",
			       g.chain_id);
		hd.height = h;
		hd.time_ms = 1700000000000ull + h * 1000;
		memcpy(hd.prev_hash, prev_hash, HASH_BYTES);
		genesis_valset_hash(&g, hd.valset_hash);
		hd.entry_count = PER_BLOCK;
		hd.log_size = fr.size;
		merkle_frontier_root(&fr, hd.log_root);
		if (h > 1)
			cert_hash(prev_cert, prev_cert_len, hd.last_cert_hash);
		uint8_t hb[BLOCK_HEADER_BYTES_MAX], hash[HASH_BYTES],
		    sig[SIG_BYTES];
		size_t hlen;
		ASSERT_OK(block_header_encode(&hd, hb, &hlen, &err));
		block_hash(hb, hlen, hash);
		struct cert c;
		cert_init(&c, h, 0, hash);
		ASSERT_OK(vote_sign(sig, &vk.key, g.chain_id, VOTE_PRECOMMIT, h,
				    0, hash));
		ASSERT_OK(cert_add_sig(&c, 0, sig, &err));
		uint8_t cb[CERT_BYTES_MAX];
		size_t clen;
		ASSERT_OK(cert_encode(&c, cb, &clen, &err));
		struct apply_ctx actx = {bytes, lens, fr.size - PER_BLOCK,
					 hd.time_ms / 1000u};
		struct store_block_in b = {
		    .height = h,
		    .header = hb,
		    .header_len = hlen,
		    .cert = cb,
		    .cert_len = clen,
		    .last_cert = h > 1 ? prev_cert : NULL,
		    .last_cert_len = h > 1 ? prev_cert_len : 0,
		    .entries = in,
		    .entry_count = PER_BLOCK,
		    .log_size = fr.size,
		    .apply = apply_rules,
		    .apply_ctx = &actx,
		};
		memcpy(b.hash, hash, HASH_BYTES);
		memcpy(b.log_root, hd.log_root, HASH_BYTES);
		ASSERT_OK(store_block_commit(s, &b, &err));
		/* Targets in the middle of the chain. */
		if (h == 3 && !build_refused) {
			memcpy(entry_bytes, bytes[2], lens[2]);
			entry_len = lens[2];
			memcpy(header_bytes, hb, hlen);
			header_len = hlen;
		}
		if (h == BLOCKS && !build_refused) {
			/* The head's certificate is kept only once: as the
			 * certificate of the last block. */
			memcpy(cert_bytes, cb, clen);
			cert_len = clen;
		}
		memcpy(prev_hash, hash, HASH_BYTES);
		memcpy(prev_cert, cb, clen);
		prev_cert_len = clen;
		for (size_t i = 0; i < PER_BLOCK; i++)
			free(bytes[i]);
	}
	store_close(s);
	keyfile_free(&vk);
	devnet_keys_free(&keys);
}

/* Audit dir; return the failure count and the report text in out. */
static size_t audit_dir(const char *dir, char *out, size_t cap)
{
	struct audit_source src;
	struct acc_err err = {0};
	ASSERT_OK(audit_source_data(&src, dir, &err));
	FILE *f = fmemopen(out, cap, "w");
	ASSERT(f != NULL);
	struct audit_opts o = {.g = &g, .threads = 2, .out = f};
	struct audit_result res;
	int rc = audit_run(&o, &src, &res, &err);
	(void)fclose(f);
	src.close(src.ctx);
	if (rc != 0)
		return res.failures ? res.failures : 1;
	if (res.failures == 0) {
		ASSERT_EQ(res.blocks, BLOCKS);
		ASSERT_EQ(res.entries, BLOCKS * PER_BLOCK);
		ASSERT_EQ(res.entry_sigs, BLOCKS * PER_BLOCK);
		ASSERT_EQ(res.log_size, BLOCKS * PER_BLOCK);
	}
	return res.failures;
}

/* Copy the data dir and flip the byte at offset `at` of needle in the
 * copy's data.mdb. */
static void copy_flip(const char *copy, const uint8_t *needle, size_t n,
		      size_t at)
{
	char cmd[1024], path[400];
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", copy,
		       data, copy);
	ASSERT_EQ(system(cmd), 0);
	(void)snprintf(path, sizeof path, "%s/data.mdb", copy);
	FILE *f = fopen(path, "r+b");
	ASSERT(f != NULL);
	ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	ASSERT(size > 0);
	uint8_t *buf = malloc((size_t)size);
	ASSERT(buf != NULL);
	rewind(f);
	ASSERT_EQ(fread(buf, 1, (size_t)size, f), (size_t)size);
	/* LMDB copies pages on write, so stale copies of the bytes may sit
	 * in free pages: flip the byte in every occurrence, the live one
	 * among them. */
	size_t hits = 0;
	for (long i = 0; i + (long)n <= size; i++)
		if (memcmp(buf + i, needle, n) == 0) {
			uint8_t b = buf[i + (long)at] ^ 0x01;
			ASSERT_EQ(fseek(f, i + (long)at, SEEK_SET), 0);
			ASSERT_EQ(fwrite(&b, 1, 1, f), 1);
			hits++;
		}
	ASSERT(hits > 0);
	ASSERT_EQ(fclose(f), 0);
	free(buf);
}

static void test_audit_good(void)
{
	char out[8192] = "";
	ASSERT_EQ(audit_dir(data, out, sizeof out), 0);
	ASSERT_STR_EQ(out, "");
}

static void test_audit_tampered_entry(void)
{
	char copy[400], out[8192] = "";
	(void)snprintf(copy, sizeof copy, "%s/copy-entry", tmp);
	/* A byte inside the report's value field region (the body). */
	copy_flip(copy, entry_bytes, entry_len, entry_len / 2);
	ASSERT(audit_dir(copy, out, sizeof out) > 0);
	fprintf(stderr, "%s", out);
	ASSERT(strstr(out, "block 3 entry 2") != NULL);
}

static void test_audit_tampered_header(void)
{
	char copy[400], out[8192] = "";
	(void)snprintf(copy, sizeof copy, "%s/copy-header", tmp);
	/* The time field: the header still decodes but no longer matches its
	 * certificate, and block 4 no longer links to it. */
	copy_flip(copy, header_bytes, header_len,
		  header_len - 32 - 32 - 8 - 4 - 32 - 2 - 32 - 1);
	ASSERT(audit_dir(copy, out, sizeof out) > 0);
	fprintf(stderr, "%s", out);
	ASSERT(strstr(out, "block 3: header") != NULL);
}

static void test_audit_tampered_cert(void)
{
	char copy[400], out[8192] = "";
	(void)snprintf(copy, sizeof copy, "%s/copy-cert", tmp);
	/* The last byte: inside the signature. */
	copy_flip(copy, cert_bytes, cert_len, cert_len - 1);
	ASSERT(audit_dir(copy, out, sizeof out) > 0);
	fprintf(stderr, "%s", out);
	ASSERT(strstr(out, "certificate") != NULL);
}

/* A committed entry the rules refuse is named with its block, entry and
 * log index; the replay stops there (the decoded entries it no longer
 * takes are freed), nothing is compared, and the audit fails. */
static void test_audit_rules_refuse(void)
{
	char dir[400], out[8192] = "";
	(void)snprintf(dir, sizeof dir, "%s/refused", tmp);
	build_refused = 1;
	chain_build(dir);
	build_refused = 0;
	ASSERT_EQ(audit_dir(dir, out, sizeof out), 1);
	fprintf(stderr, "%s", out);
	char want[200];
	(void)snprintf(want, sizeof want,
		       "block %d entry 1 (log index %d): the rules refuse it: "
		       "R12: no agreement 5a5a",
		       REFUSE_H, (REFUSE_H - 1) * PER_BLOCK + 1);
	ASSERT(strstr(out, want) != NULL);
	ASSERT(strstr(out, "compliance not recomputed past it") != NULL);
}

/* Audit src (taken over) and return the failures; the rows when asked. */
static size_t audit_src(struct audit_source *src, char *out, size_t cap,
			json_t **rows, uint8_t digest[HASH_BYTES])
{
	struct acc_err err = {0};
	FILE *f = fmemopen(out, cap, "w");
	ASSERT(f != NULL);
	struct audit_opts o = {
	    .g = &g, .threads = 2, .out = f, .keep_rows = rows != NULL};
	struct audit_result res;
	int rc = audit_run(&o, src, &res, &err);
	(void)fclose(f);
	src->close(src->ctx);
	if (rows != NULL)
		*rows = res.rows;
	if (digest != NULL)
		memcpy(digest, res.state_digest, HASH_BYTES);
	if (rc != 0)
		return res.failures ? res.failures : 1;
	return res.failures;
}

/* Replace the first occurrence of `from` in file path by `to` (same
 * length). */
static void file_patch(const char *path, const char *from, const char *to)
{
	char *buf = NULL;
	size_t len = 0;
	struct acc_err err = {0};
	ASSERT_OK(cli_file_read(path, 64u << 20, &buf, &len, &err));
	char *p = strstr(buf, from);
	ASSERT(p != NULL);
	memcpy(p, to, strlen(to));
	FILE *f = fopen(path, "wb");
	ASSERT(f != NULL);
	ASSERT_EQ(fwrite(buf, 1, len, f), len);
	ASSERT_EQ(fclose(f), 0);
	free(buf);
}

/* --save then --from (specs/cli.md §8.1): what an audit saved audits again
 * with no source but the directory, to the same table and digest; the
 * directory must be new or empty; a changed entry or a missing block in
 * it fails the audit. */
static void test_audit_save_and_from(void)
{
	char saved[400], copy[400], path[500], out[8192] = "";
	struct audit_source inner, src;
	struct acc_err err = {0};
	json_t *rows1 = NULL, *rows2 = NULL;
	uint8_t d1[HASH_BYTES], d2[HASH_BYTES];
	(void)snprintf(saved, sizeof saved, "%s/saved", tmp);
	ASSERT_OK(audit_source_data(&inner, data, &err));
	ASSERT_OK(audit_source_save(&src, &inner, saved, &err));
	ASSERT_EQ(audit_src(&src, out, sizeof out, &rows1, d1), 0);
	ASSERT(json_array_size(rows1) == 1);
	ASSERT_STR_EQ(json_string_value(
			  json_object_get(json_array_get(rows1, 0), "status")),
		      "pending");
	/* Offline. */
	ASSERT_OK(audit_source_saved(&src, saved, &err));
	ASSERT_EQ(audit_src(&src, out, sizeof out, &rows2, d2), 0);
	ASSERT_STR_EQ(out, "");
	ASSERT(json_equal(rows1, rows2));
	ASSERT_MEM_EQ(d1, d2, HASH_BYTES);
	json_decref(rows1);
	json_decref(rows2);
	/* Never into a directory that holds something. */
	ASSERT_OK(audit_source_data(&inner, data, &err));
	ASSERT_EQ(audit_source_save(&src, &inner, saved, &err), ACC_EDUP);
	inner.close(inner.ctx);
	/* A changed byte of an entry of block 3. */
	(void)snprintf(copy, sizeof copy, "%s/saved-flip", tmp);
	sh("rm -rf '%1$s' && cp -r '%2$s' '%1$s'", copy, saved);
	char hex[2 * ENTRY_BYTES_MAX + 1];
	hex_encode(hex, entry_bytes, entry_len);
	/* The end of its signature: no other entry has it. */
	char from[17], to[17];
	memcpy(from, hex + 2 * entry_len - 16, 16);
	from[16] = '\0';
	memcpy(to, from, sizeof to);
	to[0] = to[0] == '0' ? '1' : '0';
	(void)snprintf(path, sizeof path, "%s/blocks/3.json", copy);
	file_patch(path, from, to);
	ASSERT_OK(audit_source_saved(&src, copy, &err));
	ASSERT(audit_src(&src, out, sizeof out, NULL, NULL) > 0);
	fprintf(stderr, "%s", out);
	ASSERT(strstr(out, "block 3 entry 2") != NULL);
	/* A block missing: the audit stops there, naming the file. */
	sh("rm -rf '%1$s' && cp -r '%2$s' '%1$s'", copy, saved);
	(void)snprintf(path, sizeof path, "%s/blocks/4.json", copy);
	ASSERT_EQ(unlink(path), 0);
	ASSERT_OK(audit_source_saved(&src, copy, &err));
	ASSERT(audit_src(&src, out, sizeof out, NULL, NULL) > 0);
	ASSERT(strstr(out, "blocks/4.json") != NULL);
	/* Not a saved directory at all. */
	ASSERT_OK(audit_source_saved(&src, data, &err));
	ASSERT(audit_src(&src, out, sizeof out, NULL, NULL) > 0);
	ASSERT(strstr(out, "saved.json") != NULL);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	(void)snprintf(tmp, sizeof tmp, "/tmp/test_cli_audit.XXXXXX");
	ASSERT(mkdtemp(tmp) != NULL);
	(void)snprintf(net, sizeof net, "%s/net", tmp);
	(void)snprintf(data, sizeof data, "%s/data", tmp);
	struct devnet_params p = {.dir = net, .nodes = 1, .http_port = 21000};
	struct acc_err err = {0};
	ASSERT_OK(devnet_init(&p, &err));
	char gpath[400];
	(void)snprintf(gpath, sizeof gpath, "%s/genesis.json", net);
	ASSERT_OK(genesis_load(&g, gpath, &err));
	chain_build(data);
	RUN(test_audit_good);
	RUN(test_audit_tampered_entry);
	RUN(test_audit_tampered_header);
	RUN(test_audit_tampered_cert);
	RUN(test_audit_save_and_from);
	RUN(test_audit_rules_refuse);
	genesis_free(&g);
	sh("rm -rf '%s'%s", tmp, "");
	return 0;
}
