/* http.c - libmicrohttpd server: request bodies, routing, error replies,
 * and parking ?wait=commit requests (specs/api.md). */
#include "node/http.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/limits.h"
#include "ledger/fixed.h"
#include "node/admit.h"
#include "node/api.h"
#include "node/etag.h"
#include "node/log.h"
#include "node/node.h"

#define CT_JSON "application/json"
#define CT_OCTET "application/octet-stream"
#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"

/* Connections served at once; beyond this MHD refuses new ones. */
#define HTTP_CONNECTIONS_MAX 1024u
/* A connection must deliver a request's headers within this many seconds
 * of connecting or of its previous answer, however slowly it trickles. */
#define HTTP_HEADER_TIMEOUT_S 10u
/* A connection silent this long is closed (a stalled body; between
 * requests the header deadline comes first). */
#define HTTP_IDLE_TIMEOUT_S 60u
/* Retry-After on every 503 (specs/api.md "Errors"): the producer retries a
 * failed commit on this beat too. */
#define HTTP_RETRY_AFTER "1"
/* A body over the bound is read and dropped, up to this much more, so the
 * client can still be sent its 413 (the server can answer only before the
 * body or after all of it); past it the connection is cut. Dropping costs
 * no memory, and every connection is bounded by the per-address limit and
 * the idle timeout, so the bound is generous (specs/api.md). */
#define HTTP_BODY_DISCARD_MAX (64u * 1024u * 1024u)

const char *http_query_get(const struct http_query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->key[i], key) == 0)
			return q->val[i];
	return NULL;
}

void http_query_add(struct http_query *q, const char *key, const char *val)
{
	if (key == NULL)
		return;
	if (http_query_get(q, key) != NULL || q->n >= HTTP_QUERY_ARGS_MAX) {
		q->bad = 1;
		return;
	}
	q->key[q->n] = key;
	q->val[q->n] = val ? val : "";
	q->n++;
}

int http_parse_u64(const char *s, const char *name, uint64_t *out,
		   struct acc_err *err)
{
	size_t len = s ? strlen(s) : 0;
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return acc_err_set(err, ACC_EINVAL,
				   "%s: \"%.24s\" is not a decimal number",
				   name, s ? s : "");
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return acc_err_set(err, ACC_EINVAL,
					   "%s: \"%.24s\" is not a decimal "
					   "number", name, s);
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return acc_err_set(err, ACC_ERANGE,
					   "%s: %.24s is over 2^64-1", name, s);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

unsigned http_status_of(int rc)
{
	switch (rc) {
	case ACC_EJSON:
	case ACC_ETYPE:
	case ACC_EDECODE:
	case ACC_EKIND:
	case ACC_EBADSIG:
	case ACC_EUNKNOWNKEY:
	case ACC_EINVAL:
	case ACC_ERANGE:
		return 400;
	case ACC_ENOTFOUND:
		return 404;
	case ACC_EDUP:
		return 409;
	case ACC_ETOOBIG:
		return 413;
	case ACC_ERULE:
	case ACC_EMISMATCH:
		return 422;
	case ACC_EFULL:
	case ACC_ESTATE: /* shutting down (specs/api.md "Errors") */
		return 503;
	case ACC_ETIMEOUT:
		return 504;
	default:
		return 500;
	}
}

void http_reply_free(struct http_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static void reply_static_500(struct http_reply *r)
{
	static const char body[] =
	    "{\"error\":{\"code\":\"ACC_ENOMEM\",\"message\":\"out of memory\"}}";
	r->status = 500;
	r->content_type = CT_JSON;
	r->body = malloc(sizeof body);
	r->len = r->body ? sizeof body - 1 : 0;
	if (r->body)
		memcpy(r->body, body, sizeof body);
}

void http_reply_json(struct http_reply *r, unsigned status, json_t *obj)
{
	http_reply_free(r);
	char *s = obj ? json_dumps(obj, JSON_COMPACT | QTY_JSON_DUMP_FLAGS)
		      : NULL;
	json_decref(obj);
	if (s == NULL) {
		reply_static_500(r);
		return;
	}
	r->status = status;
	r->content_type = CT_JSON;
	r->body = s;
	r->len = strlen(s);
}

void http_reply_error(struct http_reply *r, int rc, const char *msg)
{
	if (msg == NULL || msg[0] == '\0')
		msg = acc_strerror(rc);
	json_t *o = json_pack("{s:{s:s,s:s%}}", "error", "code",
			      acc_errname(rc), "message", msg, strlen(msg));
	http_reply_json(r, http_status_of(rc), o);
}

static int is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

void http_reply_conditional(struct http_reply *r, const char *if_none_match)
{
	if (r->status != 200 || r->cache == HTTP_CACHE_NONE)
		return;
	http_etag_of(r->etag, r->body, r->len);
	if (if_none_match == NULL || !http_etag_listed(if_none_match, r->etag))
		return;
	http_reply_free(r);
	r->status = 304;
	r->content_type = NULL; /* no representation: RFC 9110 §15.4.5 */
}

static void reply_405(struct http_reply *out, const char *allow)
{
	http_reply_error(out, ACC_EINVAL, "method not allowed");
	out->status = 405;
	out->allow = allow;
}

/* specs/api.md "POST /v1/entries": a body in a media type other than the
 * two known ones is 415. Returns 1 and fills out if refused. */
static int media_refused(const char *content_type, struct http_reply *out)
{
	enum admit_form form;
	struct acc_err err = {0};
	if (admit_form_of(content_type, &form, &err) == 0)
		return 0;
	http_reply_error(out, ACC_EINVAL, err.msg);
	out->status = 415;
	return 1;
}

void http_route(struct node *n, const char *method, const char *url,
		const struct http_query *q, const char *accept,
		const char *content_type, const uint8_t *body, size_t len,
		struct http_reply *out)
{
	memset(out, 0, sizeof *out);
	if (q->bad) {
		http_reply_error(out, ACC_EINVAL,
				 "query: a repeated argument or too many");
		return;
	}
	if (strcmp(url, "/v1/entries") == 0) {
		out->route = METRICS_ROUTE_ENTRIES_POST;
		if (strcmp(method, "POST") != 0) {
			reply_405(out, "POST");
			return;
		}
		if (media_refused(content_type, out))
			return;
		api_entries_post(n, q, content_type, body, len, out);
		return;
	}
	static const struct {
		const char *prefix;
		int exact;
		void (*fn)(struct node *, const char *,
			   const struct http_query *, const char *,
			   struct http_reply *);
		enum metrics_route route;
	} gets[] = {
	    {"/v1/entries/", 0, api_entries_get, METRICS_ROUTE_ENTRY},
	    {"/v1/blocks/", 0, api_blocks_get, METRICS_ROUTE_BLOCK},
	    {"/v1/proofs/inclusion", 1, api_proof_inclusion,
	     METRICS_ROUTE_PROOF_INCLUSION},
	    {"/v1/proofs/consistency", 1, api_proof_consistency,
	     METRICS_ROUTE_PROOF_CONSISTENCY},
	    {"/v1/agreements", 1, api_agreements_list,
	     METRICS_ROUTE_AGREEMENTS},
	    {"/v1/agreements/", 0, api_agreement_get, METRICS_ROUTE_AGREEMENT},
	    {"/v1/compliance", 1, api_compliance, METRICS_ROUTE_COMPLIANCE},
	    {"/v1/status", 1, api_status, METRICS_ROUTE_STATUS},
	    {"/v1/checkpoint", 1, api_checkpoint, METRICS_ROUTE_CHECKPOINT},
	    {"/metrics", 1, api_metrics, METRICS_ROUTE_METRICS},
	    {"/healthz", 1, api_healthz, METRICS_ROUTE_HEALTHZ},
	    {"/readyz", 1, api_readyz, METRICS_ROUTE_READYZ},
	};
	for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++) {
		size_t pl = strlen(gets[i].prefix);
		if (gets[i].exact ? strcmp(url, gets[i].prefix) != 0
				  : (strncmp(url, gets[i].prefix, pl) != 0 ||
				     url[pl] == '\0' || strchr(url + pl, '/')))
			continue;
		/* CORS for reads (specs/api.md "CORS"): a preflight is
		 * answered for every read route, whatever it asks. */
		if (strcmp(method, "OPTIONS") == 0) {
			out->status = 204;
			out->preflight = 1;
			out->cors = 1;
			out->route = gets[i].route;
			return;
		}
		if (!is_get(method)) {
			reply_405(out, "GET, HEAD, OPTIONS");
			out->route = gets[i].route;
			return;
		}
		gets[i].fn(n, gets[i].exact ? "" : url + pl, q, accept, out);
		out->route = gets[i].route;
		out->cors = 1;
		out->vary_accept = gets[i].route == METRICS_ROUTE_ENTRY;
		return;
	}
	http_reply_error(out, ACC_ENOTFOUND, "no such path");
	out->cors = is_get(method);
}

/* ---- the server ---- */

/*
 * One TCP connection, from MHD's start notification to its close. fd is
 * this server's own dup(2) of the socket, so that the header sweeper can
 * shut the socket down without racing MHD's close(2) and a reuse of the
 * descriptor number. Guarded by the server's conns_mu.
 */
struct conn {
	struct conn *prev, *next;
	int fd;		      /* dup of the socket, -1 if none */
	int awaiting_headers; /* no complete request headers since since_ms */
	int cut;	      /* shut down by the sweeper */
	uint64_t since_ms;    /* monotonic */
};

struct http_server {
	struct MHD_Daemon *daemon;
	struct node *node;
	uint16_t port;
	atomic_int parked; /* suspended requests not yet answered */
	/* The header deadline (HTTP_HEADER_TIMEOUT_S). */
	pthread_mutex_t conns_mu;
	struct conn *conns;
	pthread_t sweeper;
	int sweeper_started;
	atomic_int stopping;
};

enum req_state {
	REQ_BODY = 0, /* reading the body */
	REQ_PARKED,   /* admitted, waiting for its block */
	REQ_ANSWERED,
};

/* One request's context (MHD's con_cls), freed at completion. */
struct request {
	int started;   /* access_cb has seen the headers */
	int bad_target; /* the request target has an encoded NUL */
	enum req_state state;
	int wait;      /* ?wait=commit */
	int too_big;   /* body over HTTP_BODY_BYTES_MAX */
	size_t dropped; /* bytes dropped past the bound */
	uint64_t t0_us; /* monotonic, when its headers were in */
	enum metrics_route route; /* for the latency histogram */
	uint8_t *body;
	size_t len;
	size_t cap;
	struct waiter waiter;
	struct MHD_Connection *conn;
	struct http_server *server;
};

/* ---- the header deadline ---- */

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* A request's headers are in: the deadline no longer applies to it. */
static void conn_headers_done(struct http_server *s, struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);
	if (k == NULL)
		return;
	pthread_mutex_lock(&s->conns_mu);
	k->awaiting_headers = 0;
	pthread_mutex_unlock(&s->conns_mu);
}

/* A request is finished: the next one's headers are due within the
 * deadline, counted from now. */
static void conn_headers_await(struct http_server *s, struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);
	if (k == NULL)
		return;
	pthread_mutex_lock(&s->conns_mu);
	k->awaiting_headers = 1;
	k->since_ms = node_now_ms();
	pthread_mutex_unlock(&s->conns_mu);
}

static void notify_connection_cb(void *cls, struct MHD_Connection *c,
				 void **socket_context,
				 enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *k = calloc(1, sizeof *k);
		if (k == NULL)
			return; /* untracked: only the idle timeout applies */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = ci != NULL ? fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0)
				   : -1;
		k->awaiting_headers = 1;
		k->since_ms = node_now_ms();
		pthread_mutex_lock(&s->conns_mu);
		k->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = k;
		s->conns = k;
		pthread_mutex_unlock(&s->conns_mu);
		*socket_context = k;
		return;
	}
	struct conn *k = *socket_context;
	if (k == NULL)
		return;
	pthread_mutex_lock(&s->conns_mu);
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		s->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&s->conns_mu);
	if (k->fd >= 0)
		(void)close(k->fd);
	free(k);
	*socket_context = NULL;
}

/* Shuts down connections that did not deliver their headers in time;
 * MHD then sees the end of the stream and closes them itself. */
static void *sweeper_main(void *arg)
{
	struct http_server *s = arg;
	while (!atomic_load(&s->stopping)) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		(void)nanosleep(&ts, NULL);
		uint64_t now = node_now_ms();
		unsigned cut = 0;
		pthread_mutex_lock(&s->conns_mu);
		for (struct conn *k = s->conns; k != NULL; k = k->next) {
			if (!k->awaiting_headers || k->cut || k->fd < 0 ||
			    now - k->since_ms < HTTP_HEADER_TIMEOUT_S * 1000u)
				continue;
			(void)shutdown(k->fd, SHUT_RDWR);
			k->cut = 1;
			cut++;
		}
		pthread_mutex_unlock(&s->conns_mu);
		if (cut > 0)
			LOG_RL(LOG_LEVEL_WARN, "http: closed %u connection(s) "
			       "that sent no complete request headers within "
			       "%u s", cut, HTTP_HEADER_TIMEOUT_S);
	}
	return NULL;
}

/* Called with the raw request target once the request line is in; what it
 * returns becomes the request's context. */
static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	struct request *req = calloc(1, sizeof *req);
	if (req == NULL)
		return NULL; /* access_cb allocates it, or gives up */
	for (const char *p = uri; p != NULL && (p = strchr(p, '%')) != NULL;
	     p++)
		if (p[1] == '0' && p[2] == '0') {
			req->bad_target = 1;
			break;
		}
	return req;
}

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	(void)kind;
	http_query_add(cls, key, value);
	return MHD_YES;
}

/* specs/api.md "Caching" and "CORS". */
static void add_cache_headers(struct MHD_Response *resp,
			      const struct http_reply *r)
{
	if (r->cors) {
		(void)MHD_add_response_header(
		    resp, "Access-Control-Allow-Origin", "*");
		(void)MHD_add_response_header(
		    resp, "Access-Control-Expose-Headers", "ETag, Retry-After");
	}
	if (r->preflight) {
		(void)MHD_add_response_header(
		    resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
		(void)MHD_add_response_header(
		    resp, "Access-Control-Allow-Headers",
		    "Accept, If-None-Match");
		(void)MHD_add_response_header(resp, "Access-Control-Max-Age",
					      "86400");
	}
	if (r->vary_accept)
		(void)MHD_add_response_header(resp, "Vary", "Accept");
	if (r->etag[0] == '\0')
		return;
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
	(void)MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    r->cache == HTTP_CACHE_IMMUTABLE
		? "public, max-age=31536000, immutable"
		: "no-cache");
}

static enum MHD_Result send_reply(struct http_server *s,
				  struct request *req, struct http_reply *r)
{
	struct MHD_Connection *conn = req->conn;
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		http_reply_free(r);
		return MHD_NO;
	}
	r->body = NULL; /* now the response's */
	if (r->content_type)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					      r->content_type);
	if (r->allow)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					      r->allow);
	if (r->status == 503)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					      HTTP_RETRY_AFTER);
	add_cache_headers(resp, r);
	enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	metrics_http_count(&s->node->metrics, r->status);
	metrics_http_observe(&s->node->metrics,
			     r->route != METRICS_ROUTE_OTHER ? r->route
							     : req->route,
			     metrics_now_us() - req->t0_us);
	return ret;
}

static enum MHD_Result send_error(struct http_server *s,
				  struct request *req, int rc,
				  const char *msg)
{
	struct http_reply r = {0};
	http_reply_error(&r, rc, msg);
	return send_reply(s, req, &r);
}

/* Runs on the loop thread under n->mu (node_waiter_resolve_locked). */
static void waiter_resume(struct waiter *w)
{
	struct request *req = w->ctx;
	MHD_resume_connection(req->conn);
}

static enum MHD_Result answer_waiter(struct http_server *s,
				     struct request *req)
{
	struct waiter *w = &req->waiter;
	if (req->state == REQ_PARKED)
		atomic_fetch_sub(&s->parked, 1);
	req->state = REQ_ANSWERED;
	if (w->rc != 0) {
		char msg[128];
		if (w->rc == ACC_ESTATE)
			snprintf(msg, sizeof msg, "node is shutting down");
		else if (w->rc == ACC_ETIMEOUT)
			snprintf(msg, sizeof msg,
				 "entry not committed within %u ms; it may "
				 "still commit", NODE_WAIT_MS);
		else
			snprintf(msg, sizeof msg, "%s", acc_strerror(w->rc));
		return send_error(s, req, w->rc,
				  w->msg[0] != '\0' ? w->msg : msg);
	}
	char idhex[2 * HASH_BYTES + 1];
	hex_encode(idhex, w->id, HASH_BYTES);
	json_t *o = json_pack("{s:s,s:s,s:I,s:I}", "id", idhex, "status",
			      "committed", "index", (json_int_t)w->index,
			      "height", (json_int_t)w->height);
	struct http_reply r = {0};
	http_reply_json(&r, 201, o);
	return send_reply(s, req, &r);
}

static enum MHD_Result post_entry(struct http_server *s, struct request *req,
				  struct MHD_Connection *conn,
				  const struct http_query *q)
{
	struct node *n = s->node;
	const char *ct =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	struct admit_result res;
	struct acc_err err = {0};
	struct waiter *w = &req->waiter;
	memset(w, 0, sizeof *w);
	w->resume = waiter_resume;
	w->ctx = req;
	int rc = node_admit(n, ct, req->body, req->len, w, &res, &err);
	if (rc != 0) {
		req->state = REQ_ANSWERED;
		atomic_fetch_add(&n->metrics.entries_rejected, 1);
		return send_error(s, req, rc, err.msg);
	}
	(void)q;
	/* Park until the loop resolves the waiter; it may already have. */
	pthread_mutex_lock(&n->mu);
	int done = w->done;
	if (!done) {
		atomic_fetch_add(&s->parked, 1);
		MHD_suspend_connection(conn);
		w->suspended = 1;
		req->state = REQ_PARKED;
	}
	pthread_mutex_unlock(&n->mu);
	if (done)
		return answer_waiter(s, req);
	return MHD_YES;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct request *req = *con_cls;
	(void)version;
	if (req == NULL || !req->started) {
		if (req == NULL) {
			req = calloc(1, sizeof *req);
			if (req == NULL)
				return MHD_NO;
			*con_cls = req;
		}
		req->started = 1;
		req->conn = conn;
		req->server = s;
		req->t0_us = metrics_now_us();
		conn_headers_done(s, conn);
		/* The server decodes %00 into the path, where it would end
		 * the string early: "/v1/entries/0%00abc" must not be
		 * "/v1/entries/0" (specs/api.md "Errors"). */
		if (req->bad_target) {
			req->state = REQ_ANSWERED;
			return send_error(s, req, ACC_EINVAL,
					  "request target has an encoded NUL "
					  "(%00)");
		}
		/* A declared body over the bound is refused before any of it
		 * is read. */
		const char *cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t clen;
		if (cl != NULL && http_parse_u64(cl, "Content-Length", &clen,
						 NULL) == 0 &&
		    clen > HTTP_BODY_BYTES_MAX) {
			req->state = REQ_ANSWERED;
			char msg[96];
			snprintf(msg, sizeof msg,
				 "request body of %llu bytes is over %u",
				 (unsigned long long)clen, HTTP_BODY_BYTES_MAX);
			return send_error(s, req, ACC_ETOOBIG, msg);
		}
		return MHD_YES;
	}
	if (req->state == REQ_PARKED) {
		/* Resumed: the waiter is resolved (node.h). */
		return answer_waiter(s, req);
	}
	if (req->state == REQ_ANSWERED) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		size_t chunk = *upload_data_size;
		*upload_data_size = 0;
		if (req->too_big || chunk > HTTP_BODY_BYTES_MAX - req->len) {
			/* Streamed past the bound (a chunked body): stop
			 * buffering; the 413 goes out once the body ends. */
			req->too_big = 1;
			free(req->body);
			req->body = NULL;
			req->dropped += chunk;
			if (req->dropped > HTTP_BODY_DISCARD_MAX)
				return MHD_NO;
			return MHD_YES;
		}
		if (req->len + chunk > req->cap) {
			size_t cap = req->cap ? req->cap : 4096;
			while (cap < req->len + chunk)
				cap *= 2;
			if (cap > HTTP_BODY_BYTES_MAX)
				cap = HTTP_BODY_BYTES_MAX;
			uint8_t *b = realloc(req->body, cap);
			if (b == NULL)
				return MHD_NO;
			req->body = b;
			req->cap = cap;
		}
		memcpy(req->body + req->len, upload_data, chunk);
		req->len += chunk;
		return MHD_YES;
	}
	/* The whole request is in. */
	if (req->too_big) {
		req->state = REQ_ANSWERED;
		char msg[96];
		snprintf(msg, sizeof msg, "request body is over %u bytes",
			 HTTP_BODY_BYTES_MAX);
		return send_error(s, req, ACC_ETOOBIG, msg);
	}
	struct http_query q = {0};
	(void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_cb,
					&q);
	const char *wait = http_query_get(&q, "wait");
	if (strcmp(url, "/v1/entries") == 0 && strcmp(method, "POST") == 0 &&
	    wait != NULL && !q.bad) {
		req->route = METRICS_ROUTE_ENTRIES_POST_WAIT;
		if (strcmp(wait, "commit") != 0) {
			req->state = REQ_ANSWERED;
			return send_error(s, req, ACC_EINVAL,
					  "wait: only \"commit\" is known");
		}
		struct http_reply r = {0};
		if (media_refused(MHD_lookup_connection_value(
				      conn, MHD_HEADER_KIND, "Content-Type"),
				  &r)) {
			req->state = REQ_ANSWERED;
			return send_reply(s, req, &r);
		}
		return post_entry(s, req, conn, &q);
	}
	struct http_reply r;
	http_route(s->node, method, url, &q,
		   MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept"),
		   MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					       "Content-Type"),
		   req->body, req->len, &r);
	http_reply_conditional(&r, MHD_lookup_connection_value(
				       conn, MHD_HEADER_KIND,
				       MHD_HTTP_HEADER_IF_NONE_MATCH));
	req->state = REQ_ANSWERED;
	return send_reply(s, req, &r);
}

static void completed_cb(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct request *req = *con_cls;
	(void)conn;
	(void)toe;
	conn_headers_await(s, conn);
	if (req == NULL)
		return;
	/* A request dropped before its answer must not stay linked. */
	node_waiter_drop(s->node, &req->waiter);
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	/* One line per abandoned connection would let any client fill the
	 * disk with the log (issue 11): repeats are counted instead. */
	LOG_RL(LOG_LEVEL_WARN, "http: %s", line);
}

/* Each connection holds two descriptors (MHD's and the sweeper's dup), so
 * the soft limit is raised as far as the hard limit allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rlim_t want = 4u * HTTP_CONNECTIONS_MAX + 256u;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

int http_server_start(struct http_server **out, struct node *n,
		      struct acc_err *err)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	const char *host = n->cfg.http.host;
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(n->cfg.http.port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(n->cfg.http.port);
		flags |= MHD_USE_IPv6;
	} else {
		return acc_err_set(err, ACC_ECONFIG,
				   "http_listen host \"%s\" is not an IP "
				   "address", n->cfg.http.host);
	}
	struct http_server *s = calloc(1, sizeof *s);
	if (s == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	s->node = n;
	raise_fd_limit();
	if (pthread_mutex_init(&s->conns_mu, NULL) != 0) {
		free(s);
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	/* Connections from one address at once (specs/api.md "Connections",
	 * the config's http_conns_per_addr): by default one client cannot
	 * take more than a sixteenth of the server. */
	unsigned per_addr = n->cfg.http_conns_per_addr != 0
				? (unsigned)n->cfg.http_conns_per_addr
				: CONFIG_HTTP_CONNS_PER_ADDR_DEFAULT;
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, access_cb, s, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log_cb, NULL, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)n->cfg.http_threads, MHD_OPTION_CONNECTION_LIMIT,
	    HTTP_CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    per_addr, MHD_OPTION_CONNECTION_TIMEOUT,
	    HTTP_IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_connection_cb, s,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, s,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
	if (s->daemon == NULL) {
		(void)pthread_mutex_destroy(&s->conns_mu);
		free(s);
		return acc_err_set(err, ACC_ENET,
				   "cannot serve HTTP on %s:%u (in use?)",
				   n->cfg.http.host, n->cfg.http.port);
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : n->cfg.http.port;
	if (pthread_create(&s->sweeper, NULL, sweeper_main, s) == 0)
		s->sweeper_started = 1;
	else
		LOG_WARN("http: no header deadline (cannot start its thread)");
	*out = s;
	return 0;
}

uint16_t http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	/* Parked requests were resolved and resumed by the caller; let the
	 * server's threads send their answers before the sockets close. */
	MHD_socket ls = MHD_quiesce_daemon(s->daemon);
	for (int i = 0; i < 200 && atomic_load(&s->parked) > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		(void)nanosleep(&ts, NULL);
	}
	atomic_store(&s->stopping, 1);
	if (s->sweeper_started)
		(void)pthread_join(s->sweeper, NULL);
	MHD_stop_daemon(s->daemon);
	if (ls != MHD_INVALID_SOCKET)
		(void)close(ls);
	(void)pthread_mutex_destroy(&s->conns_mu);
	free(s);
}
