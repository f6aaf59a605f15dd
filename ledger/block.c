/* block.c - block headers, block hash and the block wire form
 * (specs/encoding.md §8). */
#include "ledger/block.h"

#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "ledger/cert.h"
#include "ledger/field.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

static const uint8_t zero_hash[HASH_BYTES];

static int check_header(const struct block_header *h, struct acc_err *err)
{
	size_t cl = strnlen(h->chain_id, CHAIN_ID_BYTES_MAX + 1);
	if (h->version != BLOCK_VERSION)
		return acc_err_set(err, ACC_EDECODE,
				   "block header: version %u", h->version);
	if (!genesis_chain_id_valid(h->chain_id, cl))
		return acc_err_set(err, ACC_EDECODE,
				   "block header: bad chain id");
	if (h->height == 0)
		return acc_err_set(err, ACC_EDECODE, "block header: height 0");
	if (h->proposer >= VALIDATORS_MAX)
		return acc_err_set(err, ACC_EDECODE,
				   "block header: proposer %u", h->proposer);
	if (h->entry_count > BLOCK_ENTRIES_MAX ||
	    h->entry_count > h->log_size)
		return acc_err_set(err, ACC_EDECODE,
				   "block header: entry count %u (log size "
				   "%llu, bound %u)",
				   h->entry_count,
				   (unsigned long long)h->log_size,
				   BLOCK_ENTRIES_MAX);
	if (h->height == 1 &&
	    memcmp(h->last_cert_hash, zero_hash, HASH_BYTES) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "block header: height 1 with a "
				   "last_cert_hash");
	if (h->height > 1 &&
	    memcmp(h->last_cert_hash, zero_hash, HASH_BYTES) == 0)
		return acc_err_set(err, ACC_EDECODE,
				   "block header: height %llu without a "
				   "last_cert_hash",
				   (unsigned long long)h->height);
	return 0;
}

int block_header_encode(const struct block_header *h,
			uint8_t out[BLOCK_HEADER_BYTES_MAX], size_t *len,
			struct acc_err *err)
{
	*len = 0;
	if (check_header(h, err) != 0) {
		if (err != NULL)
			err->code = ACC_EINVAL;
		return ACC_EINVAL;
	}
	size_t cl = strlen(h->chain_id);
	uint8_t *p = out;
	*p++ = h->version;
	be16_put(p, (uint16_t)cl);
	p += 2;
	memcpy(p, h->chain_id, cl);
	p += cl;
	be64_put(p, h->height);
	p += 8;
	be64_put(p, h->time_ms);
	p += 8;
	memcpy(p, h->prev_hash, HASH_BYTES);
	p += HASH_BYTES;
	be16_put(p, h->proposer);
	p += 2;
	memcpy(p, h->valset_hash, HASH_BYTES);
	p += HASH_BYTES;
	be32_put(p, h->entry_count);
	p += 4;
	be64_put(p, h->log_size);
	p += 8;
	memcpy(p, h->log_root, HASH_BYTES);
	p += HASH_BYTES;
	memcpy(p, h->last_cert_hash, HASH_BYTES);
	p += HASH_BYTES;
	*len = (size_t)(p - out);
	return 0;
}

int block_header_decode(struct block_header *h, const uint8_t *p, size_t len,
			struct acc_err *err)
{
	struct rbuf r;
	const uint8_t *cid;
	size_t cl;
	memset(h, 0, sizeof *h);
	rbuf_init(&r, p, len);
	(void)rbuf_u8(&r, &h->version);
	(void)rbuf_var16(&r, &cid, &cl, CHAIN_ID_BYTES_MAX);
	if (rbuf_error(&r) == 0)
		memcpy(h->chain_id, cid, cl);
	(void)rbuf_u64(&r, &h->height);
	(void)rbuf_u64(&r, &h->time_ms);
	(void)rbuf_bytes(&r, h->prev_hash, HASH_BYTES);
	(void)rbuf_u16(&r, &h->proposer);
	(void)rbuf_bytes(&r, h->valset_hash, HASH_BYTES);
	(void)rbuf_u32(&r, &h->entry_count);
	(void)rbuf_u64(&r, &h->log_size);
	(void)rbuf_bytes(&r, h->log_root, HASH_BYTES);
	(void)rbuf_bytes(&r, h->last_cert_hash, HASH_BYTES);
	int rc;
	if (rbuf_finish(&r) != 0)
		rc = acc_err_set(err, ACC_EDECODE,
				 "block header: %zu bytes, malformed length",
				 len);
	else if (strlen(h->chain_id) != cl)
		rc = acc_err_set(err, ACC_EDECODE,
				 "block header: NUL in chain id");
	else
		rc = check_header(h, err);
	if (rc != 0)
		memset(h, 0, sizeof *h);
	return rc;
}

void block_hash(const uint8_t *header_bytes, size_t len,
		uint8_t out[HASH_BYTES])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, BLOCK_HASH_CONTEXT, strlen(BLOCK_HASH_CONTEXT) + 1);
	sha256_update(&c, header_bytes, len);
	sha256_final(&c, out);
}

int block_header_hash(const struct block_header *h, uint8_t out[HASH_BYTES],
		      struct acc_err *err)
{
	uint8_t buf[BLOCK_HEADER_BYTES_MAX];
	size_t len;
	int rc = block_header_encode(h, buf, &len, err);
	if (rc != 0)
		return rc;
	block_hash(buf, len, out);
	return 0;
}

json_t *block_header_to_json(const struct block_header *h)
{
	bool ok = true;
	json_t *j = json_object();
	if (j == NULL)
		return NULL;
	field_set_uint(j, "version", h->version, &ok);
	field_set_str(j, "chain_id", h->chain_id, &ok);
	field_set_uint(j, "height", h->height, &ok);
	field_set_uint(j, "time_ms", h->time_ms, &ok);
	uint64_t secs = h->time_ms / 1000;
	field_set_time(j, "time", secs > TIME_MAX ? TIME_MAX : secs, &ok);
	field_set_hex(j, "prev_hash", h->prev_hash, HASH_BYTES, &ok);
	field_set_uint(j, "proposer", h->proposer, &ok);
	field_set_hex(j, "valset_hash", h->valset_hash, HASH_BYTES, &ok);
	field_set_uint(j, "entry_count", h->entry_count, &ok);
	field_set_uint(j, "log_size", h->log_size, &ok);
	field_set_hex(j, "log_root", h->log_root, HASH_BYTES, &ok);
	field_set_hex(j, "last_cert_hash", h->last_cert_hash, HASH_BYTES, &ok);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int block_encode(const struct block_header *h, const uint8_t *last_cert,
		 size_t last_cert_len, const struct bytes_view *entries,
		 size_t n, uint8_t **out, size_t *len, struct acc_err *err)
{
	uint8_t hb[BLOCK_HEADER_BYTES_MAX];
	size_t hl;
	struct wbuf w;
	int rc;
	*out = NULL;
	*len = 0;
	if ((rc = block_header_encode(h, hb, &hl, err)) != 0)
		return rc;
	if (n != h->entry_count)
		return acc_err_set(err, ACC_EINVAL,
				   "block: %zu entries, header says %u", n,
				   h->entry_count);
	if ((h->height == 1) != (last_cert_len == 0))
		return acc_err_set(err, ACC_EINVAL,
				   "block: a last certificate is carried "
				   "exactly when height > 1");
	for (size_t i = 0; i < n; i++)
		if (entries[i].len == 0 || entries[i].len > ENTRY_BYTES_MAX)
			return acc_err_set(err, ACC_EINVAL,
					   "block: entry %zu of %zu bytes", i,
					   entries[i].len);
	wbuf_init(&w, BLOCK_BYTES_MAX);
	wbuf_var16(&w, hb, hl);
	wbuf_var32(&w, last_cert, last_cert_len);
	for (size_t i = 0; i < n; i++)
		wbuf_var32(&w, entries[i].p, entries[i].len);
	if ((rc = wbuf_error(&w)) != 0) {
		wbuf_free(&w);
		return acc_err_set(err, rc, "block over %u bytes",
				   BLOCK_BYTES_MAX);
	}
	*out = wbuf_take(&w, len);
	return 0;
}

int block_decode(struct block *b, const uint8_t *p, size_t len,
		 struct acc_err *err)
{
	struct rbuf r;
	int rc;
	memset(b, 0, sizeof *b);
	if (len > BLOCK_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "block of %zu bytes", len);
	rbuf_init(&r, p, len);
	if (rbuf_var16(&r, &b->header_bytes.p, &b->header_bytes.len,
		       BLOCK_HEADER_BYTES_MAX) != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "block: header truncated");
		goto fail;
	}
	if ((rc = block_header_decode(&b->header, b->header_bytes.p,
				      b->header_bytes.len, err)) != 0)
		goto fail;
	if (rbuf_var32(&r, &b->last_cert.p, &b->last_cert.len,
		       CERT_BYTES_MAX) != 0) {
		rc = acc_err_set(err, ACC_EDECODE,
				 "block: last certificate truncated or too "
				 "long");
		goto fail;
	}
	if (b->header.height == 1) {
		if (b->last_cert.len != 0) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "block: height 1 carries a "
					 "certificate");
			goto fail;
		}
	} else {
		struct cert c;
		uint8_t h[HASH_BYTES];
		if ((rc = cert_decode(&c, b->last_cert.p, b->last_cert.len,
				      err)) != 0)
			goto fail;
		if (c.height != b->header.height - 1) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "block: last certificate is for "
					 "height %llu",
					 (unsigned long long)c.height);
			goto fail;
		}
		cert_hash(b->last_cert.p, b->last_cert.len, h);
		if (memcmp(h, b->header.last_cert_hash, HASH_BYTES) != 0) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "block: last certificate does not "
					 "match last_cert_hash");
			goto fail;
		}
	}
	b->entry_count = b->header.entry_count;
	if (b->entry_count > 0) {
		/* Each entry takes at least 4 + 1 bytes: refuse counts the
		 * input cannot hold before allocating. */
		if (b->entry_count > rbuf_left(&r) / 5) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "block: %zu entries cannot fit",
					 b->entry_count);
			goto fail;
		}
		b->entries = calloc(b->entry_count, sizeof *b->entries);
		if (b->entries == NULL) {
			rc = acc_err_set(err, ACC_ENOMEM, "block entries");
			goto fail;
		}
	}
	for (size_t i = 0; i < b->entry_count; i++) {
		if (rbuf_var32(&r, &b->entries[i].p, &b->entries[i].len,
			       ENTRY_BYTES_MAX) != 0 ||
		    b->entries[i].len == 0) {
			rc = acc_err_set(err, ACC_EDECODE,
					 "block: entry %zu truncated, empty or "
					 "over %u bytes",
					 i, ENTRY_BYTES_MAX);
			goto fail;
		}
	}
	if (rbuf_finish(&r) != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "block: %zu trailing bytes",
				 rbuf_left(&r));
		goto fail;
	}
	return 0;
fail:
	block_free(b);
	return rc;
}

void block_free(struct block *b)
{
	if (b == NULL)
		return;
	free(b->entries);
	memset(b, 0, sizeof *b);
}
