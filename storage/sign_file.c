/* sign_file.c - the signing record's own file (specs/storage.md §7): two
 * slots written in turn with pwrite + fdatasync, so that one record costs
 * one small write and one sync instead of an LMDB transaction (its pages,
 * fdatasync, then the O_DSYNC meta page). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "storage/store_int.h"

static const uint8_t slot_magic[4] = {'A', 'S', 'G', '1'};
static const uint8_t slot_magic2[4] = {'A', 'S', 'G', '2'};
/* §7.1: a block in an area: height u64 ‖ hash[32] ‖ len u32 ‖ bytes. */
#define AREA_BLOCK_HEAD 44u

/* §7.1: slot k's block area, after both slots. */
static off_t area_offset(unsigned k)
{
	return (off_t)2 * STORE_SIGN_SLOT_BYTES +
	       (off_t)k * STORE_SIGN_AREA_BYTES;
}

/* A slot's sum (specs/storage.md §7, §7.1): SHA-256 over the pre bytes
 * of its head before the sum (16 for ASG1: magic ‖ seq ‖ len; 20 for
 * ASG2, with the area's length), its record, and its block area. */
static void slot_sum(uint8_t out[HASH_BYTES], const uint8_t *head, size_t pre,
		     const void *rec, size_t len, const uint8_t *area,
		     size_t area_len)
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, head, pre);
	if (len > 0)
		sha256_update(&c, rec, len);
	if (area_len > 0)
		sha256_update(&c, area, area_len);
	sha256_final(&c, out);
}

int store_sign_slot_parse(const uint8_t *p, size_t n,
			  struct store_sign_slot *out)
{
	if (n < STORE_SIGN_SLOT_HEAD_BYTES)
		return ACC_ENOTFOUND;
	int v2 = memcmp(p, slot_magic2, sizeof slot_magic2) == 0;
	if (!v2 && memcmp(p, slot_magic, sizeof slot_magic) != 0)
		return ACC_ENOTFOUND;
	size_t head = v2 ? STORE_SIGN_SLOT2_HEAD_BYTES
			 : STORE_SIGN_SLOT_HEAD_BYTES;
	if (n < head)
		return ACC_EDECODE;
	uint64_t seq = be64_get(p + 4);
	uint32_t len = be32_get(p + 12);
	uint32_t area = v2 ? be32_get(p + 16) : 0;
	if (seq == 0 || len > STORE_SIGN_STATE_BYTES_MAX ||
	    (size_t)len > n - head || area > STORE_SIGN_AREA_BYTES)
		return ACC_EDECODE;
	out->version = v2 ? 2 : 1;
	out->seq = seq;
	out->rec = p + head;
	out->len = len;
	out->area_len = area;
	return 0;
}

int store_sign_slot_verify(const uint8_t *p, const struct store_sign_slot *sl,
			   const uint8_t *area)
{
	size_t pre = sl->version == 2 ? 20u : 16u;
	uint8_t sum[HASH_BYTES];
	slot_sum(sum, p, pre, sl->rec, sl->len, area, sl->area_len);
	return memcmp(sum, p + pre, HASH_BYTES) == 0 ? 0 : ACC_EDECODE;
}

int store_sign_slot_decode(const uint8_t *p, size_t n, uint64_t *seq,
			   const uint8_t **bytes, size_t *len)
{
	struct store_sign_slot sl;
	int rc = store_sign_slot_parse(p, n, &sl);
	if (rc != 0)
		return rc;
	if (sl.area_len > 0 || store_sign_slot_verify(p, &sl, NULL) != 0)
		return ACC_EDECODE;
	*seq = sl.seq;
	*bytes = sl.rec;
	*len = sl.len;
	return 0;
}

int store_sign_area_next(const uint8_t *area, size_t n, size_t *off,
			 struct store_sign_block *out)
{
	if (*off == n)
		return ACC_ENOTFOUND;
	if (*off > n || n - *off < AREA_BLOCK_HEAD)
		return ACC_EDECODE;
	const uint8_t *p = area + *off;
	uint32_t len = be32_get(p + 40);
	if (len == 0 || (size_t)len > n - *off - AREA_BLOCK_HEAD)
		return ACC_EDECODE;
	out->height = be64_get(p);
	memcpy(out->hash, p + 8, 32);
	out->bytes = p + AREA_BLOCK_HEAD;
	out->len = len;
	*off += AREA_BLOCK_HEAD + len;
	return 0;
}

static int path_of(char *out, size_t cap, const char *dir, struct acc_err *err)
{
	int w = snprintf(out, cap, "%s/%s", dir, STORE_SIGN_FILE);
	if (w < 0 || (size_t)w >= cap)
		return acc_err_set(err, ACC_EINVAL,
				   "data directory path too "
				   "long");
	return 0;
}

/* A new file: both slots zeroed, written and synced, and its directory
 * entry synced, so that later writes change no metadata (fdatasync then
 * flushes the slot alone). */
static int file_create(int fd, const char *dir, const char *path,
		       struct acc_err *err)
{
	static const uint8_t zero[STORE_SIGN_SLOT_BYTES];
	for (int i = 0; i < 2; i++)
		if (pwrite(fd, zero, sizeof zero,
			   (off_t)i * STORE_SIGN_SLOT_BYTES) !=
		    (ssize_t)sizeof zero)
			return acc_err_set(err, ACC_EIO, "%s: write: %s", path,
					   strerror(errno));
	if (fsync(fd) != 0)
		return acc_err_set(err, ACC_EIO, "%s: fsync: %s", path,
				   strerror(errno));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return acc_err_set(err, ACC_EIO, "%s: %s", dir,
				   strerror(errno));
	int rc = fsync(dfd);
	(void)close(dfd);
	if (rc != 0)
		return acc_err_set(err, ACC_EIO, "%s: fsync: %s", dir,
				   strerror(errno));
	return 0;
}

/* Slot k's area of n bytes, read into a new buffer (*out, owned by the
 * caller); ACC_EDECODE when the file ends before it (a cut write). */
static int area_read(struct store *s, unsigned k, size_t n, uint8_t **out,
		     struct acc_err *err)
{
	*out = NULL;
	if (n == 0)
		return 0;
	uint8_t *a = malloc(n);
	if (a == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(s->sign_fd, a + got, n - got,
				  area_offset(k) + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(a);
			return acc_err_set(err, ACC_EIO, "%s: read: %s",
					   STORE_SIGN_FILE, strerror(errno));
		}
		if (r == 0) {
			free(a);
			return ACC_EDECODE;
		}
		got += (size_t)r;
	}
	*out = a;
	return 0;
}

/* The newest valid slot: *seq 0 when there is none. With area non-NULL,
 * *area receives that slot's verified block area (owned by the caller;
 * NULL when it has none) and *area_len its length. */
static int newest(struct store *s, uint8_t *buf, uint64_t *seq,
		  const uint8_t **bytes, size_t *len, uint8_t **area,
		  size_t *area_len, struct acc_err *err)
{
	*seq = 0;
	if (area != NULL) {
		*area = NULL;
		*area_len = 0;
	}
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *b = buf + (size_t)i * STORE_SIGN_SLOT_BYTES;
		ssize_t r = pread(s->sign_fd, b, STORE_SIGN_SLOT_BYTES,
				  (off_t)i * STORE_SIGN_SLOT_BYTES);
		if (r < 0)
			return acc_err_set(err, ACC_EIO, "%s: read: %s",
					   STORE_SIGN_FILE, strerror(errno));
		/* A slot that does not decode, or whose block area does not
		 * match it, was never acknowledged (its write was cut before
		 * the sync returned): the other one holds the record that
		 * was. */
		struct store_sign_slot sl;
		if (store_sign_slot_parse(b, (size_t)r, &sl) != 0 ||
		    sl.seq <= *seq)
			continue;
		uint8_t *a = NULL;
		int rc = area_read(s, i, sl.area_len, &a, err);
		if (rc == ACC_EDECODE)
			continue;
		if (rc != 0)
			return rc;
		if (store_sign_slot_verify(b, &sl, a) != 0) {
			free(a);
			continue;
		}
		*seq = sl.seq;
		*bytes = sl.rec;
		*len = sl.len;
		if (area != NULL) {
			free(*area);
			*area = a;
			*area_len = sl.area_len;
		} else {
			free(a);
		}
	}
	return 0;
}

int store_sign_file_open(struct store *s, const char *dir, int readonly,
			 struct acc_err *err)
{
	char path[4200];
	int rc = path_of(path, sizeof path, dir, err);
	if (rc != 0)
		return rc;
	s->sign_fd = -1;
	s->sign_seq = 0;
	if (readonly) {
		s->sign_fd = open(path, O_RDONLY | O_CLOEXEC);
		return 0; /* absent: the record, if any, is in LMDB */
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return acc_err_set(err, ACC_EIO, "%s: %s", path,
				   strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = acc_err_set(err, ACC_EIO, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return rc;
	}
	if (st.st_size == 0 && (rc = file_create(fd, dir, path, err)) != 0) {
		(void)close(fd);
		return rc;
	}
	s->sign_fd = fd;
	const uint8_t *p;
	size_t l;
	rc = newest(s, s->sign_buf, &s->sign_seq, &p, &l, NULL, NULL, err);
	if (rc != 0) {
		(void)close(fd);
		s->sign_fd = -1;
	}
	return rc;
}

void store_sign_file_close(struct store *s)
{
	if (s->sign_fd >= 0)
		(void)close(s->sign_fd);
	s->sign_fd = -1;
}

/* Record seq's slot (slot_len bytes) and its block area (area_len bytes,
 * none for ASG1) into slot seq mod 2, the one not holding the newest
 * record, so that a cut write leaves that one whole; then one fdatasync,
 * always (even with opts.no_sync). Under sign_mu. */
static int slot_write(struct store *s, uint64_t seq, const uint8_t *slot,
		      size_t slot_len, const uint8_t *area, size_t area_len,
		      struct acc_err *err)
{
	unsigned k = (unsigned)(seq & 1u);
	if ((area_len > 0 && pwrite(s->sign_fd, area, area_len,
				    area_offset(k)) != (ssize_t)area_len) ||
	    pwrite(s->sign_fd, slot, slot_len,
		   (off_t)k * STORE_SIGN_SLOT_BYTES) != (ssize_t)slot_len)
		return acc_err_set(err, errno == ENOSPC ? ACC_EFULL : ACC_EIO,
				   "%s: write: %s", STORE_SIGN_FILE,
				   strerror(errno));
	if (fdatasync(s->sign_fd) != 0)
		return acc_err_set(err, ACC_EIO, "%s: fdatasync: %s",
				   STORE_SIGN_FILE, strerror(errno));
	s->sign_seq = seq;
	return 0;
}

int store_sign_file_put(struct store *s, const void *bytes, size_t len,
			struct acc_err *err)
{
	pthread_mutex_lock(&s->sign_mu);
	uint8_t *slot = s->sign_buf;
	uint64_t seq = s->sign_seq + 1u;
	memcpy(slot, slot_magic, sizeof slot_magic);
	be64_put(slot + 4, seq);
	be32_put(slot + 12, (uint32_t)len);
	slot_sum(slot + 16, slot, 16, bytes, len, NULL, 0);
	if (len > 0)
		memcpy(slot + STORE_SIGN_SLOT_HEAD_BYTES, bytes, len);
	size_t n = STORE_SIGN_SLOT_HEAD_BYTES + len;
	int rc = slot_write(s, seq, slot, n, NULL, 0, err);
	pthread_mutex_unlock(&s->sign_mu);
	return rc;
}

int store_sign_file_get(struct store *s, void *buf, size_t cap, size_t *len,
			struct acc_err *err)
{
	if (s->sign_fd < 0)
		return ACC_ENOTFOUND;
	pthread_mutex_lock(&s->sign_mu);
	uint8_t *slots = s->sign_buf;
	uint64_t seq;
	const uint8_t *p = NULL;
	size_t l = 0;
	int rc = newest(s, slots, &seq, &p, &l, NULL, NULL, err);
	if (rc == 0 && seq == 0)
		rc = ACC_ENOTFOUND;
	if (rc == 0) {
		*len = l;
		if (l > cap)
			rc = acc_err_set(err, ACC_ETOOBIG,
					 "sign state: %zu bytes > %zu", l, cap);
		else if (l > 0)
			memcpy(buf, p, l);
	}
	pthread_mutex_unlock(&s->sign_mu);
	return rc;
}

int store_sign_state_put_blocks(struct store *s, const void *rec, size_t len,
				const struct store_sign_block *blocks, size_t n,
				struct acc_err *err)
{
	if (n == 0)
		return store_sign_state_put(s, rec, len, err);
	if (len > STORE_SIGN_STATE_BYTES_MAX || n > STORE_SIGN_BLOCKS_MAX)
		return acc_err_set(err, ACC_ETOOBIG,
				   "sign state: %zu bytes, %zu blocks", len, n);
	if (s->readonly || s->sign_fd < 0)
		return acc_err_set(err, ACC_ESTATE, "store is read only");
	size_t area_len = 0;
	for (size_t i = 0; i < n; i++) {
		if (blocks[i].len == 0 || blocks[i].bytes == NULL ||
		    blocks[i].len > STORE_SIGN_AREA_BYTES)
			return acc_err_set(err, ACC_EINVAL,
					   "sign state: block %zu is empty "
					   "or too big",
					   i);
		area_len += AREA_BLOCK_HEAD + blocks[i].len;
	}
	if (area_len > STORE_SIGN_AREA_BYTES)
		return acc_err_set(err, ACC_ETOOBIG,
				   "sign state: blocks of %zu bytes", area_len);
	uint8_t *area = malloc(area_len);
	if (area == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		be64_put(area + off, blocks[i].height);
		memcpy(area + off + 8, blocks[i].hash, 32);
		be32_put(area + off + 40, (uint32_t)blocks[i].len);
		memcpy(area + off + AREA_BLOCK_HEAD, blocks[i].bytes,
		       blocks[i].len);
		off += AREA_BLOCK_HEAD + blocks[i].len;
	}
	pthread_mutex_lock(&s->sign_mu);
	uint8_t *slot = s->sign_buf;
	uint64_t seq = s->sign_seq + 1u;
	memcpy(slot, slot_magic2, sizeof slot_magic2);
	be64_put(slot + 4, seq);
	be32_put(slot + 12, (uint32_t)len);
	be32_put(slot + 16, (uint32_t)area_len);
	if (len > 0)
		memcpy(slot + STORE_SIGN_SLOT2_HEAD_BYTES, rec, len);
	slot_sum(slot + 20, slot, 20, rec, len, area, area_len);
	int rc = slot_write(s, seq, slot, STORE_SIGN_SLOT2_HEAD_BYTES + len,
			    area, area_len, err);
	pthread_mutex_unlock(&s->sign_mu);
	free(area);
	return rc;
}

int store_sign_blocks_list(struct store *s,
			   void (*fn)(void *ctx,
				      const struct store_sign_block *b),
			   void *ctx, struct acc_err *err)
{
	if (s->sign_fd < 0)
		return 0;
	pthread_mutex_lock(&s->sign_mu);
	uint64_t seq;
	const uint8_t *p = NULL;
	size_t l = 0, area_len = 0;
	uint8_t *area = NULL;
	int rc = newest(s, s->sign_buf, &seq, &p, &l, &area, &area_len, err);
	pthread_mutex_unlock(&s->sign_mu);
	if (rc != 0)
		return rc;
	size_t off = 0;
	struct store_sign_block b;
	while ((rc = store_sign_area_next(area, area_len, &off, &b)) == 0)
		fn(ctx, &b);
	free(area);
	if (rc == ACC_ENOTFOUND)
		return 0;
	return acc_err_set(err, rc, "%s: the blocks of the newest record "
				    "are framed wrongly",
			   STORE_SIGN_FILE);
}
