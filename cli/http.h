/* http.h - the CLI's HTTP client over libcurl: one-shot requests on a
 * reusable easy handle (keep-alive), the node's JSON error body turned
 * into an acc_err, and a multi-interface driver that keeps C POSTs in
 * flight for the load generator (specs/cli.md §2). */
#ifndef ACCORD_CLI_HTTP_H
#define ACCORD_CLI_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Bound on a response body: a full block of BLOCK_BYTES_MAX in hex, with
 * room for its JSON. */
#define HTTP_RESP_BYTES_MAX (48u * 1024u * 1024u)
#define HTTP_URL_BYTES_MAX 2048u
/* Seconds one request may take (a ?wait=commit answers within 30 s). */
#define HTTP_TIMEOUT_S 60L

/* One easy handle, reused so that consecutive requests share a kept-alive
 * connection. Not thread-safe: one client per thread. */
struct http_client {
	void *curl; /* CURL *, owned */
};

/* A response. body is malloc'ed, NUL-terminated, owned by the caller
 * (http_resp_free). */
struct http_resp {
	long status;
	char *body;
	size_t len;
};

/* 0 or ACC_ENOMEM. */
int http_client_init(struct http_client *c, struct acc_err *err);
void http_client_free(struct http_client *c);
void http_resp_free(struct http_resp *r);

/*
 * One request. method "GET" or "POST"; accept and content_type may be
 * NULL; body/len only for POST. Returns 0 when any HTTP response arrived
 * (whatever its status: look at r->status), ACC_ENET when none did
 * (connection refused, timeout), ACC_ETOOBIG for a body over the bound.
 */
int http_request(struct http_client *c, const char *method, const char *url,
		 const char *accept, const char *content_type, const void *body,
		 size_t len, struct http_resp *r, struct acc_err *err);

/* Turn a non-2xx response into an error: the code named in the node's
 * {"error":{"code":…,"message":…}} body (ACC_ENET when the body is not
 * that), with "HTTP 404: message" in err. Returns the code (never 0). */
int http_resp_error(const struct http_resp *r, struct acc_err *err);

/* GET url and parse a 200 JSON answer into *out (caller json_decref's).
 * Any other status is an error as http_resp_error says. */
int http_get_json(struct http_client *c, const char *url, json_t **out,
		  struct acc_err *err);

/* Write base (without a trailing '/') followed by the formatted path into
 * out[HTTP_URL_BYTES_MAX]. ACC_ETOOBIG when it does not fit. */
int http_url(char out[HTTP_URL_BYTES_MAX], const char *base, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));

/* The acc error code whose name (acc_errname) is name, or 0. */
int http_errcode_from_name(const char *name);

/*
 * The load driver: POST bodies[0..n), body i to urls[i % urls_len] (one
 * URL, or several nodes in turn), with content_type, keeping at
 * most concurrency requests in flight on one curl multi handle (connections
 * kept alive and reused). done() is called once per request, in completion
 * order, with the request's index, its status (0 when no response came),
 * its body (valid during the call) and its latency in microseconds from
 * the moment it was handed to curl. bodies must outlive the call.
 */
struct http_load {
	const char *const *urls; /* borrowed; urls_len >= 1 */
	size_t urls_len;
	const char *content_type;
	size_t n;
	const uint8_t *const *bodies;
	const size_t *lens;
	size_t concurrency;
	void (*done)(void *user, size_t i, long status, const char *body,
		     size_t len, uint64_t latency_us);
	void *user;
};
int http_load_run(const struct http_load *l, struct acc_err *err);

/* Monotonic microseconds. */
uint64_t http_now_us(void);

#endif
