/* sign_file.c - the signing record's own file (specs/storage.md §7): two
 * slots written in turn with pwrite + fdatasync, so that one record costs
 * one small write and one sync instead of an LMDB transaction (its pages,
 * fdatasync, then the O_DSYNC meta page). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/error.h"
#include "storage/store_int.h"

static const uint8_t slot_magic[4] = {'A', 'S', 'G', '1'};

/* specs/storage.md §7: magic ‖ seq u64 ‖ len u32 ‖ SHA-256 ‖ bytes; the
 * hash covers magic ‖ seq ‖ len ‖ bytes. */
static void slot_sum(uint8_t out[HASH_BYTES], const uint8_t *head,
		     const void *bytes, size_t len)
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, head, 16);
	if (len > 0)
		sha256_update(&c, bytes, len);
	sha256_final(&c, out);
}

int store_sign_slot_decode(const uint8_t *p, size_t n, uint64_t *seq,
			   const uint8_t **bytes, size_t *len)
{
	if (n < STORE_SIGN_SLOT_HEAD_BYTES ||
	    memcmp(p, slot_magic, sizeof slot_magic) != 0)
		return ACC_ENOTFOUND;
	uint64_t s = be64_get(p + 4);
	uint32_t l = be32_get(p + 12);
	if (s == 0 || l > STORE_SIGN_STATE_BYTES_MAX ||
	    (size_t)l > n - STORE_SIGN_SLOT_HEAD_BYTES)
		return ACC_EDECODE;
	uint8_t sum[HASH_BYTES];
	slot_sum(sum, p, p + STORE_SIGN_SLOT_HEAD_BYTES, l);
	if (memcmp(sum, p + 16, HASH_BYTES) != 0)
		return ACC_EDECODE;
	*seq = s;
	*bytes = p + STORE_SIGN_SLOT_HEAD_BYTES;
	*len = l;
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

/* The newest valid slot: *seq 0 when there is none. */
static int newest(struct store *s, uint8_t *buf, uint64_t *seq,
		  const uint8_t **bytes, size_t *len, struct acc_err *err)
{
	*seq = 0;
	for (int i = 0; i < 2; i++) {
		uint8_t *b = buf + (size_t)i * STORE_SIGN_SLOT_BYTES;
		ssize_t r = pread(s->sign_fd, b, STORE_SIGN_SLOT_BYTES,
				  (off_t)i * STORE_SIGN_SLOT_BYTES);
		if (r < 0)
			return acc_err_set(err, ACC_EIO, "%s: read: %s",
					   STORE_SIGN_FILE, strerror(errno));
		uint64_t q;
		const uint8_t *p;
		size_t l;
		/* A slot that does not decode was never acknowledged (its
		 * write was cut before the sync returned): the other one
		 * holds the record that was. */
		if (store_sign_slot_decode(b, (size_t)r, &q, &p, &l) == 0 &&
		    q > *seq) {
			*seq = q;
			*bytes = p;
			*len = l;
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
	rc = newest(s, s->sign_buf, &s->sign_seq, &p, &l, err);
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

int store_sign_file_put(struct store *s, const void *bytes, size_t len,
			struct acc_err *err)
{
	pthread_mutex_lock(&s->sign_mu);
	uint8_t *slot = s->sign_buf;
	uint64_t seq = s->sign_seq + 1u;
	memcpy(slot, slot_magic, sizeof slot_magic);
	be64_put(slot + 4, seq);
	be32_put(slot + 12, (uint32_t)len);
	slot_sum(slot + 16, slot, bytes, len);
	if (len > 0)
		memcpy(slot + STORE_SIGN_SLOT_HEAD_BYTES, bytes, len);
	size_t n = STORE_SIGN_SLOT_HEAD_BYTES + len;
	int rc = 0;
	/* The slot not holding the newest record: a cut write leaves that
	 * one whole. Synced always, even with opts.no_sync. */
	if (pwrite(s->sign_fd, slot, n,
		   (off_t)(seq & 1u) * STORE_SIGN_SLOT_BYTES) != (ssize_t)n)
		rc = acc_err_set(err, errno == ENOSPC ? ACC_EFULL : ACC_EIO,
				 "%s: write: %s", STORE_SIGN_FILE,
				 strerror(errno));
	else if (fdatasync(s->sign_fd) != 0)
		rc = acc_err_set(err, ACC_EIO, "%s: fdatasync: %s",
				 STORE_SIGN_FILE, strerror(errno));
	else
		s->sign_seq = seq;
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
	int rc = newest(s, slots, &seq, &p, &l, err);
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
