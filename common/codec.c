/* codec.c - bounded big-endian writer and reader (specs/encoding.md §2). */
#include "common/codec.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void be32_put(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint16_t be16_get(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t be32_get(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void wbuf_init(struct wbuf *w, size_t max)
{
	memset(w, 0, sizeof *w);
	w->max = max;
}

void wbuf_free(struct wbuf *w)
{
	free(w->data);
	memset(w, 0, sizeof *w);
}

uint8_t *wbuf_take(struct wbuf *w, size_t *len)
{
	uint8_t *p = w->data;
	*len = w->len;
	size_t max = w->max;
	memset(w, 0, sizeof *w);
	w->max = max;
	return p;
}

int wbuf_error(const struct wbuf *w)
{
	return w->err;
}

void wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->err = 0;
}

/* Make room for n more bytes; on failure set the sticky error. */
static int reserve(struct wbuf *w, size_t n)
{
	if (w->err != 0)
		return -1;
	if (n > w->max || w->len > w->max - n) {
		w->err = ACC_ETOOBIG;
		return -1;
	}
	if (w->len + n <= w->cap)
		return 0;
	size_t cap = w->cap ? w->cap : 256;
	while (cap < w->len + n)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > w->max)
		cap = w->max;
	uint8_t *p = realloc(w->data, cap);
	if (p == NULL) {
		w->err = ACC_ENOMEM;
		return -1;
	}
	w->data = p;
	w->cap = cap;
	return 0;
}

void wbuf_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (n == 0 || reserve(w, n) != 0)
		return;
	memcpy(w->data + w->len, p, n);
	w->len += n;
}

void wbuf_u8(struct wbuf *w, uint8_t v)
{
	wbuf_bytes(w, &v, 1);
}

void wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2];
	be16_put(b, v);
	wbuf_bytes(w, b, sizeof b);
}

void wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];
	be32_put(b, v);
	wbuf_bytes(w, b, sizeof b);
}

void wbuf_u64(struct wbuf *w, uint64_t v)
{
	uint8_t b[8];
	be64_put(b, v);
	wbuf_bytes(w, b, sizeof b);
}

void wbuf_i64(struct wbuf *w, int64_t v)
{
	wbuf_u64(w, (uint64_t)v);
}

void wbuf_var16(struct wbuf *w, const void *p, size_t n)
{
	if (n > UINT16_MAX) {
		if (w->err == 0)
			w->err = ACC_ETOOBIG;
		return;
	}
	wbuf_u16(w, (uint16_t)n);
	wbuf_bytes(w, p, n);
}

void wbuf_var32(struct wbuf *w, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		if (w->err == 0)
			w->err = ACC_ETOOBIG;
		return;
	}
	wbuf_u32(w, (uint32_t)n);
	wbuf_bytes(w, p, n);
}

void rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

int rbuf_error(const struct rbuf *r)
{
	return r->err;
}

size_t rbuf_left(const struct rbuf *r)
{
	return r->len - r->off;
}

int rbuf_finish(const struct rbuf *r)
{
	if (r->err != 0 || r->off != r->len)
		return ACC_EDECODE;
	return 0;
}

int rbuf_view(struct rbuf *r, const uint8_t **out, size_t n)
{
	if (r->err != 0 || n > r->len - r->off) {
		r->err = ACC_EDECODE;
		*out = NULL;
		return ACC_EDECODE;
	}
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int rbuf_bytes(struct rbuf *r, void *out, size_t n)
{
	const uint8_t *p;
	int rc = rbuf_view(r, &p, n);
	if (rc != 0) {
		memset(out, 0, n);
		return rc;
	}
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int rbuf_u8(struct rbuf *r, uint8_t *v)
{
	return rbuf_bytes(r, v, 1);
}

int rbuf_u16(struct rbuf *r, uint16_t *v)
{
	uint8_t b[2];
	int rc = rbuf_bytes(r, b, sizeof b);
	*v = be16_get(b);
	return rc;
}

int rbuf_u32(struct rbuf *r, uint32_t *v)
{
	uint8_t b[4];
	int rc = rbuf_bytes(r, b, sizeof b);
	*v = be32_get(b);
	return rc;
}

int rbuf_u64(struct rbuf *r, uint64_t *v)
{
	uint8_t b[8];
	int rc = rbuf_bytes(r, b, sizeof b);
	*v = be64_get(b);
	return rc;
}

int rbuf_i64(struct rbuf *r, int64_t *v)
{
	uint64_t u;
	int rc = rbuf_u64(r, &u);
	*v = (int64_t)u;
	return rc;
}

int rbuf_var16(struct rbuf *r, const uint8_t **out, size_t *n, size_t max)
{
	uint16_t len;
	*n = 0;
	*out = NULL;
	if (rbuf_u16(r, &len) != 0)
		return ACC_EDECODE;
	if (len > max) {
		r->err = ACC_EDECODE;
		return ACC_EDECODE;
	}
	*n = len;
	return rbuf_view(r, out, len);
}

int rbuf_var32(struct rbuf *r, const uint8_t **out, size_t *n, size_t max)
{
	uint32_t len;
	*n = 0;
	*out = NULL;
	if (rbuf_u32(r, &len) != 0)
		return ACC_EDECODE;
	if (len > max) {
		r->err = ACC_EDECODE;
		return ACC_EDECODE;
	}
	*n = len;
	return rbuf_view(r, out, len);
}
