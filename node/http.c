/* http.c - libmicrohttpd server: request bodies, routing, error replies,
 * and parking ?wait=commit requests (specs/api.md). */
#include "node/http.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/limits.h"
#include "ledger/fixed.h"
#include "node/api.h"
#include "node/log.h"
#include "node/node.h"

#define CT_JSON "application/json"
#define CT_OCTET "application/octet-stream"
#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"

/* Connections served at once; beyond this MHD refuses new ones. */
#define HTTP_CONNECTIONS_MAX 1024u
/* Idle keep-alive connections are closed after this many seconds. */
#define HTTP_IDLE_TIMEOUT_S 60u
/* A body over the bound is read and dropped, up to this much more, so the
 * client can still be sent its 413; past it the connection is cut. */
#define HTTP_BODY_DISCARD_MAX (1024u * 1024u)

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

static void reply_405(struct http_reply *out, const char *allow)
{
	http_reply_error(out, ACC_EINVAL, "method not allowed");
	out->status = 405;
	out->allow = allow;
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
		if (strcmp(method, "POST") != 0) {
			reply_405(out, "POST");
			return;
		}
		api_entries_post(n, q, content_type, body, len, out);
		return;
	}
	static const struct {
		const char *prefix;
		int exact;
		void (*fn)(struct node *, const char *,
			   const struct http_query *, const char *,
			   struct http_reply *);
	} gets[] = {
	    {"/v1/entries/", 0, api_entries_get},
	    {"/v1/blocks/", 0, api_blocks_get},
	    {"/v1/proofs/inclusion", 1, api_proof_inclusion},
	    {"/v1/proofs/consistency", 1, api_proof_consistency},
	    {"/v1/agreements", 1, api_agreements_list},
	    {"/v1/agreements/", 0, api_agreement_get},
	    {"/v1/compliance", 1, api_compliance},
	    {"/v1/status", 1, api_status},
	    {"/v1/checkpoint", 1, api_checkpoint},
	    {"/metrics", 1, api_metrics},
	};
	for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++) {
		size_t pl = strlen(gets[i].prefix);
		if (gets[i].exact ? strcmp(url, gets[i].prefix) != 0
				  : (strncmp(url, gets[i].prefix, pl) != 0 ||
				     url[pl] == '\0' || strchr(url + pl, '/')))
			continue;
		if (!is_get(method)) {
			reply_405(out, "GET, HEAD");
			return;
		}
		gets[i].fn(n, gets[i].exact ? "" : url + pl, q, accept, out);
		return;
	}
	http_reply_error(out, ACC_ENOTFOUND, "no such path");
}

/* ---- the server ---- */

struct http_server {
	struct MHD_Daemon *daemon;
	struct node *node;
	uint16_t port;
	atomic_int parked; /* suspended requests not yet answered */
};

enum req_state {
	REQ_BODY = 0, /* reading the body */
	REQ_PARKED,   /* admitted, waiting for its block */
	REQ_ANSWERED,
};

/* One request's context (MHD's con_cls), freed at completion. */
struct request {
	enum req_state state;
	int wait;      /* ?wait=commit */
	int too_big;   /* body over HTTP_BODY_BYTES_MAX */
	size_t dropped; /* bytes dropped past the bound */
	uint8_t *body;
	size_t len;
	size_t cap;
	struct waiter waiter;
	struct MHD_Connection *conn;
	struct http_server *server;
};

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	(void)kind;
	http_query_add(cls, key, value);
	return MHD_YES;
}

static enum MHD_Result send_reply(struct http_server *s,
				  struct MHD_Connection *conn,
				  struct http_reply *r)
{
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
	/* A full mempool or waiter table, or a node shutting down: the
	 * client may try again shortly (specs/api.md "Errors"). */
	if (r->status == 503)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					      "1");
	enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	metrics_http_count(&s->node->metrics, r->status);
	return ret;
}

static enum MHD_Result send_error(struct http_server *s,
				  struct MHD_Connection *conn, int rc,
				  const char *msg)
{
	struct http_reply r = {0};
	http_reply_error(&r, rc, msg);
	return send_reply(s, conn, &r);
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
		return send_error(s, req->conn, w->rc,
				  w->msg[0] != '\0' ? w->msg : msg);
	}
	char idhex[2 * HASH_BYTES + 1];
	hex_encode(idhex, w->id, HASH_BYTES);
	json_t *o = json_pack("{s:s,s:s,s:I,s:I}", "id", idhex, "status",
			      "committed", "index", (json_int_t)w->index,
			      "height", (json_int_t)w->height);
	struct http_reply r = {0};
	http_reply_json(&r, 201, o);
	return send_reply(s, req->conn, &r);
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
		return send_error(s, conn, rc, err.msg);
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
	if (req == NULL) {
		req = calloc(1, sizeof *req);
		if (req == NULL)
			return MHD_NO;
		req->conn = conn;
		req->server = s;
		*con_cls = req;
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
			return send_error(s, conn, ACC_ETOOBIG, msg);
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
			/* Streamed past the bound: stop buffering. */
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
		return send_error(s, conn, ACC_ETOOBIG,
				  "request body is over the size bound");
	}
	struct http_query q = {0};
	(void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_cb,
					&q);
	const char *wait = http_query_get(&q, "wait");
	if (strcmp(url, "/v1/entries") == 0 && strcmp(method, "POST") == 0 &&
	    wait != NULL && !q.bad) {
		if (strcmp(wait, "commit") != 0) {
			req->state = REQ_ANSWERED;
			return send_error(s, conn, ACC_EINVAL,
					  "wait: only \"commit\" is known");
		}
		return post_entry(s, req, conn, &q);
	}
	struct http_reply r;
	http_route(s->node, method, url, &q,
		   MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept"),
		   MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					       "Content-Type"),
		   req->body, req->len, &r);
	req->state = REQ_ANSWERED;
	return send_reply(s, conn, &r);
}

static void completed_cb(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct request *req = *con_cls;
	(void)conn;
	(void)toe;
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
	LOG_WARN("http: %s", line);
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
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, access_cb, s, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log_cb, NULL, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)n->cfg.http_threads, MHD_OPTION_CONNECTION_LIMIT,
	    HTTP_CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
	    HTTP_IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
	if (s->daemon == NULL) {
		free(s);
		return acc_err_set(err, ACC_ENET,
				   "cannot serve HTTP on %s:%u (in use?)",
				   n->cfg.http.host, n->cfg.http.port);
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : n->cfg.http.port;
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
	MHD_stop_daemon(s->daemon);
	if (ls != MHD_INVALID_SOCKET)
		(void)close(ls);
	free(s);
}
