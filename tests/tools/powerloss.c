/* powerloss.c - an LD_PRELOAD shim that models a power cut for one file
 * (tests/integration/powerloss.sh, storage_full.sh; issue 11).
 *
 * It keeps the durable image of the file named by POWERLOSS_FILE: what a
 * disk would still hold after losing power. A write through a descriptor
 * opened with O_DSYNC or O_SYNC is durable when it returns; any other
 * write is durable only once fsync or fdatasync returns on that file
 * (fsync's contract, POSIX and Linux). Writes not yet durable are all lost
 * at the cut, the worst case a disk may choose (the idea of SQLite's
 * crash-test VFS).
 *
 *   POWERLOSS_FILE=path    the file to model (LMDB's data.mdb); without it
 *                          the shim changes nothing
 *   POWERLOSS_CUT=n        at the n-th write or sync of that file (1-based,
 *                          before it happens) the file is replaced by its
 *                          durable image and the process kills itself with
 *                          SIGKILL: the power cut
 *   POWERLOSS_ENOSPC=path  while a file exists at path, writes to the
 *                          modelled file fail with ENOSPC (a full disk that
 *                          frees up when path is removed)
 *
 * Writes through a shared writable mapping of the file cannot be seen by
 * an LD_PRELOAD shim, so such a mapping aborts the process with a message
 * (LMDB without MDB_WRITEMAP maps read only and writes with pwrite/writev,
 * which strace of accordd confirms).
 *
 * Test tool only: not linked into accord. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Ranges written since the last sync, to copy into the image at the next
 * one. Merged when adjacent; a bound keeps a pathological run finite. */
#define DIRTY_MAX 65536u

struct range {
	off_t off;
	size_t len;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const char *path;       /* NULL = shim inactive */
static const char *enospc_flag; /* NULL = never */
static unsigned long cut_at;   /* 0 = never */
static unsigned long events;
static int known;	       /* ino/dev below are the file's */
static dev_t file_dev;
static ino_t file_ino;
static uint8_t *img;
static size_t img_size, img_cap;
static struct range dirty[DIRTY_MAX];
static size_t ndirty;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

static void die(const char *msg)
{
	char line[512];
	int n = snprintf(line, sizeof line, "powerloss: %s\n", msg);
	if (n > 0)
		(void)!write(2, line, (size_t)n);
	abort();
}

static void img_reserve(size_t size)
{
	if (size <= img_cap)
		return;
	size_t cap = img_cap ? img_cap : 1u << 20;
	while (cap < size)
		cap *= 2;
	uint8_t *p = realloc(img, cap);
	if (p == NULL)
		die("out of memory for the durable image");
	memset(p + img_cap, 0, cap - img_cap);
	img = p;
	img_cap = cap;
}

static void img_put(off_t off, const void *buf, size_t len)
{
	img_reserve((size_t)off + len);
	memcpy(img + off, buf, len);
	if ((size_t)off + len > img_size)
		img_size = (size_t)off + len;
}

/* POSIX's way from dlsym's void * to a function pointer. */
#define SYM(fp, name)                                                      \
	do {                                                               \
		void *p_ = dlsym(RTLD_NEXT, (name));                       \
		memcpy(&(fp), &p_, sizeof(fp));                            \
	} while (0)

/* The real calls, looked up on first use: another library's constructor
 * may write before this one's has run. */
static void syms(void)
{
	if (real_mmap != NULL)
		return;
	SYM(real_write, "write");
	SYM(real_pwrite, "pwrite");
	SYM(real_pwrite64, "pwrite64");
	SYM(real_writev, "writev");
	SYM(real_pwritev, "pwritev");
	SYM(real_fsync, "fsync");
	SYM(real_fdatasync, "fdatasync");
	SYM(real_ftruncate, "ftruncate");
	SYM(real_mmap, "mmap");
}

__attribute__((constructor)) static void init(void)
{
	syms();
	path = getenv("POWERLOSS_FILE");
	enospc_flag = getenv("POWERLOSS_ENOSPC");
	const char *c = getenv("POWERLOSS_CUT");
	cut_at = c ? strtoul(c, NULL, 10) : 0;
	if (path == NULL || path[0] == '\0') {
		path = NULL;
		return;
	}
	/* What is on disk when the process starts is durable. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* created later: the durable image is empty */
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("cannot stat the file");
	img_reserve((size_t)st.st_size);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, img + got, (size_t)st.st_size - got,
				  (off_t)got);
		if (r <= 0)
			die("cannot read the file");
		got += (size_t)r;
	}
	img_size = got;
	(void)close(fd);
}

/* Whether fd is the modelled file. */
static int tracked(int fd)
{
	if (path == NULL)
		return 0;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!known) {
		struct stat ps;
		if (stat(path, &ps) != 0)
			return 0;
		file_dev = ps.st_dev;
		file_ino = ps.st_ino;
		known = 1;
	}
	return st.st_dev == file_dev && st.st_ino == file_ino;
}

/* The power cut: the file becomes its durable image, then the process
 * dies at once, as the machine would. Called with mu held. */
static void cut(void)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		size_t done = 0;
		while (done < img_size) {
			ssize_t w = real_pwrite(fd, img + done,
						img_size - done, (off_t)done);
			if (w <= 0)
				die("cannot restore the durable image");
			done += (size_t)w;
		}
		if (real_ftruncate(fd, (off_t)img_size) != 0)
			die("cannot truncate to the durable image");
		(void)close(fd);
	}
	char line[128];
	int n = snprintf(line, sizeof line,
			 "powerloss: power cut at event %lu (%zu durable "
			 "bytes)\n", events, img_size);
	if (n > 0)
		(void)!real_write(2, line, (size_t)n);
	(void)kill(getpid(), SIGKILL);
	for (;;)
		pause();
}

/* Count one event on the file; cut if it is the chosen one. mu held. */
static void event(void)
{
	events++;
	if (cut_at != 0 && events == cut_at)
		cut();
}

/* A full disk refuses the writes that need new blocks; LMDB's data pages
 * go through the plain descriptor, its meta pages (in place, in the
 * first two pages) through the O_DSYNC one, which is left alone so that
 * a write refused mid-commit never leaves LMDB with a half-written meta
 * page. */
static int full(int fd)
{
	if (enospc_flag == NULL)
		return 0;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_DSYNC) != 0)
		return 0;
	return access(enospc_flag, F_OK) == 0;
}

static void note_dirty(off_t off, size_t len)
{
	if (len == 0)
		return;
	if (ndirty > 0) {
		struct range *r = &dirty[ndirty - 1];
		if (r->off + (off_t)r->len == off) {
			r->len += len;
			return;
		}
	}
	if (ndirty == DIRTY_MAX)
		die("too many writes between syncs");
	dirty[ndirty].off = off;
	dirty[ndirty].len = len;
	ndirty++;
}

/* A write of len bytes at off just succeeded through fd. */
static void after_write(int fd, off_t off, const struct iovec *iov, int n,
			size_t len)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_DSYNC) != 0) {
		/* Durable now: into the image. */
		size_t left = len;
		for (int i = 0; i < n && left > 0; i++) {
			size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
			img_put(off, iov[i].iov_base, k);
			off += (off_t)k;
			left -= k;
		}
		return;
	}
	note_dirty(off, len);
}

/* fsync/fdatasync returned 0: every write so far is durable. */
static void synced(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("cannot stat at sync");
	int rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		die("cannot reopen at sync");
	for (size_t i = 0; i < ndirty; i++) {
		off_t off = dirty[i].off;
		size_t len = dirty[i].len;
		img_reserve((size_t)off + len);
		size_t got = 0;
		while (got < len) {
			ssize_t r = pread(rfd, img + off + got, len - got,
					  off + (off_t)got);
			if (r < 0)
				die("cannot read at sync");
			if (r == 0)
				break; /* truncated since: past the end */
			got += (size_t)r;
		}
	}
	(void)close(rfd);
	ndirty = 0;
	img_reserve((size_t)st.st_size);
	if ((size_t)st.st_size < img_size)
		memset(img + st.st_size, 0, img_size - (size_t)st.st_size);
	img_size = (size_t)st.st_size;
}

static ssize_t do_write(int fd, const struct iovec *iov, int n, off_t off,
			int positioned)
{
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (!tracked(fd)) {
		if (positioned)
			return real_pwritev(fd, iov, n, off);
		return real_writev(fd, iov, n);
	}
	pthread_mutex_lock(&mu);
	event();
	if (full(fd)) {
		pthread_mutex_unlock(&mu);
		errno = ENOSPC;
		return -1;
	}
	if (!positioned)
		off = lseek(fd, 0, SEEK_CUR);
	ssize_t w = positioned ? real_pwritev(fd, iov, n, off)
			       : real_writev(fd, iov, n);
	int e = errno;
	if (w > 0)
		after_write(fd, off, iov, n, (size_t)w);
	pthread_mutex_unlock(&mu);
	errno = e;
	return w;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	syms();
	if (path == NULL)
		return real_write(fd, buf, len);
	struct iovec v = {(void *)buf, len};
	return do_write(fd, &v, 1, 0, 0);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	syms();
	if (path == NULL)
		return real_pwrite(fd, buf, len, off);
	struct iovec v = {(void *)buf, len};
	return do_write(fd, &v, 1, off, 1);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	syms();
	if (path == NULL)
		return real_pwrite64(fd, buf, len, off);
	struct iovec v = {(void *)buf, len};
	return do_write(fd, &v, 1, off, 1);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	syms();
	if (path == NULL)
		return real_writev(fd, iov, n);
	return do_write(fd, iov, n, 0, 0);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	syms();
	if (path == NULL)
		return real_pwritev(fd, iov, n, off);
	return do_write(fd, iov, n, off, 1);
}

static int do_sync(int fd, int (*real)(int))
{
	syms();
	if (!tracked(fd))
		return real(fd);
	pthread_mutex_lock(&mu);
	event();
	int rc = real(fd);
	int e = errno;
	if (rc == 0)
		synced(fd);
	pthread_mutex_unlock(&mu);
	errno = e;
	return rc;
}

int fsync(int fd)
{
	syms();
	return do_sync(fd, real_fsync);
}

int fdatasync(int fd)
{
	syms();
	return do_sync(fd, real_fdatasync);
}

int ftruncate(int fd, off_t len)
{
	syms();
	if (!tracked(fd))
		return real_ftruncate(fd, len);
	/* The new size is durable at the next sync (synced() reads it). */
	pthread_mutex_lock(&mu);
	event();
	int rc = real_ftruncate(fd, len);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return rc;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	syms();
	if ((prot & PROT_WRITE) && (flags & MAP_SHARED) && fd >= 0 &&
	    tracked(fd))
		die("a shared writable mapping of the modelled file: writes "
		    "through it cannot be seen (MDB_WRITEMAP?)");
	return real_mmap(addr, len, prot, flags, fd, off);
}
