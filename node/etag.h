/* etag.h - entity tags of answers and the If-None-Match list
 * (specs/api.md "Caching"). Pure functions: no server, no node. */
#ifndef ACCORD_NODE_ETAG_H
#define ACCORD_NODE_ETAG_H

#include <stddef.h>

/* An ETag: '"', 32 hex digits, '"', NUL. */
#define HTTP_ETAG_BYTES 35

/* The strong tag of a body: the first 128 bits of its SHA-256, hex,
 * quoted. body may be NULL when len is 0. */
void http_etag_of(char out[HTTP_ETAG_BYTES], const void *body, size_t len);

/* Whether an If-None-Match value (untrusted: any bytes up to NUL) lists
 * etag, or is "*": a comma-separated list of entity tags compared weakly
 * (a W/ prefix is ignored, RFC 9110 §13.1.2); an unterminated tag
 * matches nothing. */
int http_etag_listed(const char *list, const char *etag);

#endif
