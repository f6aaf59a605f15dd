/* http.c - libcurl easy and multi requests for the CLI (specs/cli.md §2). */
#include "cli/http.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Growable response buffer, bounded by HTTP_RESP_BYTES_MAX. */
struct rbody {
	char *p;
	size_t len, cap;
	int over;
};

static size_t write_cb(char *data, size_t size, size_t nmemb, void *user)
{
	struct rbody *b = user;
	size_t n = size * nmemb;
	if (b->len + n > HTTP_RESP_BYTES_MAX) {
		b->over = 1;
		return 0; /* makes curl fail the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (q == NULL)
			return 0;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

uint64_t http_now_us(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int http_client_init(struct http_client *c, struct acc_err *err)
{
	/* curl_global_init is done once in main(); calling it here again is
	 * harmless (it is reference counted) and keeps tests self-contained. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return acc_err_set(err, ACC_ENET,
				   "libcurl failed to initialise");
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		curl_global_cleanup();
		return acc_err_set(err, ACC_ENOMEM, "libcurl: no easy handle");
	}
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (c->curl != NULL) {
		curl_easy_cleanup(c->curl);
		c->curl = NULL;
		curl_global_cleanup();
	}
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* Headers for one request; NULL on allocation failure. An empty "Expect:"
 * stops libcurl from waiting for "100 Continue" before larger bodies. */
static struct curl_slist *headers_make(const char *accept,
				       const char *content_type)
{
	char line[256];
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	if (h != NULL && accept != NULL) {
		(void)snprintf(line, sizeof line, "Accept: %s", accept);
		struct curl_slist *t = curl_slist_append(h, line);
		if (t == NULL)
			goto fail;
		h = t;
	}
	if (h != NULL && content_type != NULL) {
		(void)snprintf(line, sizeof line, "Content-Type: %s",
			       content_type);
		struct curl_slist *t = curl_slist_append(h, line);
		if (t == NULL)
			goto fail;
		h = t;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

int http_request(struct http_client *c, const char *method, const char *url,
		 const char *accept, const char *content_type, const void *body,
		 size_t len, struct http_resp *r, struct acc_err *err)
{
	CURL *e = c->curl;
	struct rbody b = {0};
	char errbuf[CURL_ERROR_SIZE] = "";
	memset(r, 0, sizeof *r);
	struct curl_slist *h = headers_make(accept, content_type);
	if (h == NULL)
		return acc_err_set(err, ACC_ENOMEM,
				   "out of memory building request");
	curl_easy_reset(e);
	(void)curl_easy_setopt(e, CURLOPT_URL, url);
	(void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	(void)curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	(void)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	(void)curl_easy_setopt(e, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	if (strcmp(method, "POST") == 0) {
		(void)curl_easy_setopt(e, CURLOPT_POST, 1L);
		(void)curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		(void)curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)len);
	}
	CURLcode cc = curl_easy_perform(e);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		free(b.p);
		if (b.over)
			return acc_err_set(err, ACC_ETOOBIG,
					   "%s: response over %u bytes", url,
					   HTTP_RESP_BYTES_MAX);
		return acc_err_set(err, ACC_ENET, "%s: %s", url,
				   errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	if (b.p == NULL) {
		b.p = calloc(1, 1);
		if (b.p == NULL)
			return acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	r->body = b.p;
	r->len = b.len;
	return 0;
}

int http_errcode_from_name(const char *name)
{
	/* The table is dense from -1 downwards; 64 is far past its end. */
	for (int code = -1; code > -64; code--)
		if (strcmp(acc_errname(code), name) == 0)
			return code;
	return 0;
}

int http_resp_error(const struct http_resp *r, struct acc_err *err)
{
	json_error_t je;
	json_t *j = r->body ? json_loadb(r->body, r->len, 0, &je) : NULL;
	const char *code_s = NULL, *msg = NULL;
	if (j != NULL) {
		json_t *e = json_object_get(j, "error");
		code_s = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
	}
	int code = code_s ? http_errcode_from_name(code_s) : 0;
	if (code == 0)
		code = ACC_ENET;
	int rc;
	if (msg != NULL)
		rc = acc_err_set(err, code, "HTTP %ld: %s", r->status, msg);
	else
		rc = acc_err_set(err, code, "HTTP %ld: %.120s", r->status,
				 r->body ? r->body : "");
	json_decref(j);
	return rc;
}

int http_get_json(struct http_client *c, const char *url, json_t **out,
		  struct acc_err *err)
{
	struct http_resp r;
	*out = NULL;
	int rc = http_request(c, "GET", url, "application/json", NULL, NULL, 0,
			      &r, err);
	if (rc != 0)
		return rc;
	if (r.status != 200) {
		rc = http_resp_error(&r, err);
		http_resp_free(&r);
		return rc;
	}
	json_error_t je;
	*out = json_loadb(r.body, r.len, 0, &je);
	http_resp_free(&r);
	if (*out == NULL)
		return acc_err_set(err, ACC_EJSON, "%s: answer is not JSON: %s",
				   url, je.text);
	return 0;
}

int http_url(char out[HTTP_URL_BYTES_MAX], const char *base, const char *fmt,
	     ...)
{
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if (bl >= HTTP_URL_BYTES_MAX)
		return ACC_ETOOBIG;
	memcpy(out, base, bl);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + bl, HTTP_URL_BYTES_MAX - bl, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= HTTP_URL_BYTES_MAX - bl)
		return ACC_ETOOBIG;
	return 0;
}

/* One in-flight slot of the load driver. */
struct slot {
	CURL *easy;
	struct rbody b;
	size_t i;
	uint64_t start_us;
};

static int slot_start(CURLM *m, struct slot *s, const struct http_load *l,
		      struct curl_slist *h, size_t i)
{
	s->i = i;
	s->b.len = 0;
	s->b.over = 0;
	if (s->b.p != NULL)
		s->b.p[0] = '\0';
	(void)curl_easy_setopt(s->easy, CURLOPT_URL,
			       l->urls[i % l->urls_len]);
	(void)curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, write_cb);
	(void)curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->b);
	(void)curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
	(void)curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(s->easy, CURLOPT_TCP_NODELAY, 1L);
	(void)curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	(void)curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, l->bodies[i]);
	(void)curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			       (curl_off_t)l->lens[i]);
	(void)curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	s->start_us = http_now_us();
	return curl_multi_add_handle(m, s->easy) == CURLM_OK ? 0 : ACC_ENET;
}

int http_load_run(const struct http_load *l, struct acc_err *err)
{
	int rc = 0;
	size_t conc = l->concurrency ? l->concurrency : 1;
	if (l->urls == NULL || l->urls_len == 0)
		return acc_err_set(err, ACC_EINVAL, "no URL to load");
	if (conc > l->n)
		conc = l->n ? l->n : 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return acc_err_set(err, ACC_ENET,
				   "libcurl failed to initialise");
	CURLM *m = curl_multi_init();
	struct slot *slots = calloc(conc, sizeof *slots);
	char ct[160];
	(void)snprintf(ct, sizeof ct, "Content-Type: %s", l->content_type);
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	struct curl_slist *h2 = h ? curl_slist_append(h, ct) : NULL;
	if (m == NULL || slots == NULL || h2 == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM,
				 "out of memory setting up %zu connections",
				 conc);
		goto out;
	}
	h = h2;
	/* One connection per slot, kept alive across its requests. */
	(void)curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)conc);
	/* Requests go to the URLs in turn, so each host needs about
	 * conc / urls_len connections; more would only pile up idle ones
	 * on one host (a node limits the connections of one address,
	 * specs/api.md). A request beyond the cap waits in curl for a
	 * connection to its host, and that wait counts in its latency. */
	(void)curl_multi_setopt(
	    m, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)((conc + l->urls_len - 1) / l->urls_len));
	size_t next = 0, active = 0, finished = 0;
	for (size_t s = 0; s < conc; s++) {
		slots[s].easy = curl_easy_init();
		if (slots[s].easy == NULL) {
			rc = acc_err_set(err, ACC_ENOMEM,
					 "libcurl: no easy handle");
			goto out;
		}
		if (next < l->n) {
			if (slot_start(m, &slots[s], l, h, next) != 0) {
				rc =
				    acc_err_set(err, ACC_ENET,
						"curl_multi_add_handle failed");
				goto out;
			}
			next++;
			active++;
		}
	}
	while (finished < l->n) {
		int running = 0;
		CURLMcode mc = curl_multi_perform(m, &running);
		if (mc != CURLM_OK) {
			rc =
			    acc_err_set(err, ACC_ENET, "curl_multi_perform: %s",
					curl_multi_strerror(mc));
			goto out;
		}
		int left = 0;
		CURLMsg *msg;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;
			(void)curl_easy_getinfo(msg->easy_handle,
						CURLINFO_PRIVATE, (char **)&s);
			long status = 0;
			if (msg->data.result == CURLE_OK)
				(void)curl_easy_getinfo(
				    s->easy, CURLINFO_RESPONSE_CODE, &status);
			uint64_t lat = http_now_us() - s->start_us;
			(void)curl_multi_remove_handle(m, s->easy);
			active--;
			finished++;
			l->done(l->user, s->i, status, s->b.p ? s->b.p : "",
				s->b.len, lat);
			if (next < l->n) {
				if (slot_start(m, s, l, h, next) != 0) {
					rc = acc_err_set(
					    err, ACC_ENET,
					    "curl_multi_add_handle failed");
					goto out;
				}
				next++;
				active++;
			}
		}
		if (finished >= l->n)
			break;
		mc = curl_multi_poll(m, NULL, 0, 100, NULL);
		if (mc != CURLM_OK) {
			rc = acc_err_set(err, ACC_ENET, "curl_multi_poll: %s",
					 curl_multi_strerror(mc));
			goto out;
		}
	}
	(void)active;
out:
	if (slots != NULL) {
		for (size_t s = 0; s < conc; s++) {
			if (slots[s].easy != NULL) {
				if (m != NULL)
					(void)curl_multi_remove_handle(
					    m, slots[s].easy);
				curl_easy_cleanup(slots[s].easy);
			}
			free(slots[s].b.p);
		}
		free(slots);
	}
	curl_slist_free_all(h);
	if (m != NULL)
		(void)curl_multi_cleanup(m);
	curl_global_cleanup();
	return rc;
}
