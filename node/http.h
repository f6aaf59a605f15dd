/* http.h - the HTTP server (libmicrohttpd), request routing and the JSON
 * replies shared by the API handlers (specs/api.md). */
#ifndef ACCORD_NODE_HTTP_H
#define ACCORD_NODE_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "node/etag.h"
#include "node/metrics.h"

struct node;

/* How a 200 answer may be cached (specs/api.md "Caching"). */
enum http_cache {
	HTTP_CACHE_NONE = 0,   /* no ETag, no Cache-Control */
	HTTP_CACHE_REVALIDATE, /* ETag; Cache-Control: no-cache */
	HTTP_CACHE_IMMUTABLE,  /* ETag; Cache-Control: ..., immutable */
};

/* One answer. body is malloc'ed and owned by the reply until it is handed
 * to the server (or freed with http_reply_free). */
struct http_reply {
	unsigned status;
	const char *content_type; /* static string */
	const char *allow;        /* static; set on 405 */
	char *body;
	size_t len;
	enum http_cache cache;    /* set by the handler on success */
	enum metrics_route route; /* set by http_route */
	int cors;                 /* Access-Control-Allow-Origin: * */
	int preflight;            /* a CORS preflight's 204 */
	int vary_accept;          /* Vary: Accept (content negotiation) */
	char etag[HTTP_ETAG_BYTES]; /* set by http_reply_conditional */
};

#define HTTP_QUERY_ARGS_MAX 16u

/* The query string's arguments, borrowed from the server for the length of
 * one request. A key given twice, or more than HTTP_QUERY_ARGS_MAX
 * arguments, makes the whole query invalid (bad = 1). */
struct http_query {
	size_t n;
	const char *key[HTTP_QUERY_ARGS_MAX];
	const char *val[HTTP_QUERY_ARGS_MAX]; /* "" for a bare "?key" */
	int bad;
};

/* The value of key, or NULL. */
const char *http_query_get(const struct http_query *q, const char *key);
/* Add one argument; sets q->bad on a duplicate key or overflow. */
void http_query_add(struct http_query *q, const char *key, const char *val);

/* Parse a decimal u64: digits only, no sign, no leading zeros except "0",
 * at most 20 digits. ACC_EINVAL (not a number) or ACC_ERANGE (too big);
 * err names the argument. */
int http_parse_u64(const char *s, const char *name, uint64_t *out,
		   struct acc_err *err);

/* The HTTP status for an acc error code (specs/api.md "Errors"). */
unsigned http_status_of(int rc);

/* Fill r with {"error":{"code":…,"message":…}} and the status of rc.
 * msg NULL or "" uses acc_strerror(rc). */
void http_reply_error(struct http_reply *r, int rc, const char *msg);

/* Fill r with the compact JSON of obj (taking the reference) and status.
 * Falls back to a 500 error reply when out of memory. */
void http_reply_json(struct http_reply *r, unsigned status, json_t *obj);

void http_reply_free(struct http_reply *r);

/*
 * Route one complete request that does not wait (everything except POST
 * /v1/entries?wait=commit, which the server handles itself). method and
 * url come from the server; accept and content_type may be NULL. Always
 * fills out.
 */
void http_route(struct node *n, const char *method, const char *url,
		const struct http_query *q, const char *accept,
		const char *content_type, const uint8_t *body, size_t len,
		struct http_reply *out);

/*
 * specs/api.md "Caching": for a 200 reply with cache set, fill r->etag
 * from the body (a strong validator: the first 128 bits of its SHA-256,
 * hex, quoted); if if_none_match (the header, or NULL) lists it, or is
 * "*", the reply becomes a 304 without a body. Anything else is left as
 * it is.
 */
void http_reply_conditional(struct http_reply *r, const char *if_none_match);

/* The server. Start binds the config's http_listen (port 0 = any free
 * port) and serves from its own threads until stop. */
struct http_server;
int http_server_start(struct http_server **out, struct node *n,
		      struct acc_err *err);
/* The port actually bound. */
uint16_t http_server_port(const struct http_server *s);
/* Stop serving and free. Waiters must have been resolved first
 * (node_waiters_fail_all). NULL-safe. */
void http_server_stop(struct http_server *s);

#endif
