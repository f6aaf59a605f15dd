/* codec.h - bounded big-endian writer and reader for canonical encodings. */
#ifndef ACCORD_COMMON_CODEC_H
#define ACCORD_COMMON_CODEC_H

#include <stddef.h>
#include <stdint.h>

/*
 * The writer grows a heap buffer up to a fixed bound. A write that would
 * pass the bound, or a failed allocation, sets the sticky error and every
 * later write is a no-op; check wbuf_error() once at the end.
 *
 * Integers are big-endian. Variable-length byte strings ("var16"/"var32")
 * carry a u16/u32 length prefix; specs/encoding.md §2 names them.
 */
struct wbuf {
	uint8_t *data; /* owned; free with wbuf_free() or take with wbuf_take() */
	size_t len;
	size_t cap;
	size_t max; /* bound on len */
	int err;    /* 0, ACC_ENOMEM or ACC_ETOOBIG */
};

void wbuf_init(struct wbuf *w, size_t max);
void wbuf_free(struct wbuf *w);
/* Hand the buffer to the caller (free() it); w is reset to empty. */
uint8_t *wbuf_take(struct wbuf *w, size_t *len);
int wbuf_error(const struct wbuf *w);
void wbuf_reset(struct wbuf *w); /* len = 0, error cleared, memory kept */

void wbuf_u8(struct wbuf *w, uint8_t v);
void wbuf_u16(struct wbuf *w, uint16_t v);
void wbuf_u32(struct wbuf *w, uint32_t v);
void wbuf_u64(struct wbuf *w, uint64_t v);
void wbuf_i64(struct wbuf *w, int64_t v); /* two's complement, big-endian */
void wbuf_bytes(struct wbuf *w, const void *p, size_t n);
/* u16 length then bytes; n > UINT16_MAX sets ACC_ETOOBIG. */
void wbuf_var16(struct wbuf *w, const void *p, size_t n);
/* u32 length then bytes. */
void wbuf_var32(struct wbuf *w, const void *p, size_t n);

/*
 * The reader never reads past its end. Each getter returns 0 or
 * ACC_EDECODE; once failed, the reader stays failed (sticky), so a decoder
 * may read a run of fields and check rbuf_error() once.
 */
struct rbuf {
	const uint8_t *p; /* borrowed; must outlive the reader */
	size_t len;
	size_t off;
	int err;
};

void rbuf_init(struct rbuf *r, const void *p, size_t len);
int rbuf_error(const struct rbuf *r);
size_t rbuf_left(const struct rbuf *r);
/* ACC_EDECODE unless every byte was consumed and no read failed. */
int rbuf_finish(const struct rbuf *r);

int rbuf_u8(struct rbuf *r, uint8_t *v);
int rbuf_u16(struct rbuf *r, uint16_t *v);
int rbuf_u32(struct rbuf *r, uint32_t *v);
int rbuf_u64(struct rbuf *r, uint64_t *v);
int rbuf_i64(struct rbuf *r, int64_t *v);
int rbuf_bytes(struct rbuf *r, void *out, size_t n);
/* Borrow n bytes in place: *out points into the reader's buffer. */
int rbuf_view(struct rbuf *r, const uint8_t **out, size_t n);
/* Borrow a u16/u32-length-prefixed string; fails if longer than max. */
int rbuf_var16(struct rbuf *r, const uint8_t **out, size_t *n, size_t max);
int rbuf_var32(struct rbuf *r, const uint8_t **out, size_t *n, size_t max);

/* Plain big-endian helpers for fixed layouts (keys, headers). */
void be16_put(uint8_t *p, uint16_t v);
void be32_put(uint8_t *p, uint32_t v);
void be64_put(uint8_t *p, uint64_t v);
uint16_t be16_get(const uint8_t *p);
uint32_t be32_get(const uint8_t *p);
uint64_t be64_get(const uint8_t *p);

#endif
