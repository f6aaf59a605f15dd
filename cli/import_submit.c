/* import_submit.c - posting a file's entries pipelined and waiting for all
 * of them (specs/cli.md §11.5). */
#include "cli/import_submit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/client.h"
#include "cli/http.h"
#include "common/hex.h"

/* Progress of one run, drawn as it changes. */
struct progress {
	const struct import_run *r;
	size_t n;
	size_t answered;  /* items in a state other than TODO */
	size_t committed; /* COMMITTED or ALREADY */
	size_t refused;
	uint64_t drawn_us; /* when the bar was last drawn */
	size_t tenth;	   /* plain lines: the last tenth reported */
};

static void progress_draw(struct progress *p, int last)
{
	const struct import_run *r = p->r;
	if (r->progress == NULL || p->n == 0)
		return;
	if (r->bar) {
		uint64_t now = http_now_us();
		if (!last && now - p->drawn_us < 100000u)
			return;
		p->drawn_us = now;
		/* 30 cells: '#' committed, '+' admitted, '.' still to go. */
		char cells[31];
		size_t c = p->committed * 30 / p->n, a = p->answered * 30 / p->n;
		for (size_t i = 0; i < 30; i++)
			cells[i] = i < c ? '#' : i < a ? '+' : '.';
		cells[30] = '\0';
		fprintf(r->progress,
			"\rimport [%s] %zu/%zu submitted, %zu committed", cells,
			p->answered, p->n, p->committed);
		if (p->refused)
			fprintf(r->progress, ", %zu refused", p->refused);
		if (last)
			fputc('\n', r->progress);
		(void)fflush(r->progress);
		return;
	}
	/* Plain lines: one at each tenth of submissions and of commits (the
	 * two halves of the run), and one at the end. */
	size_t done = p->answered + p->committed;
	size_t tenth = done * 10 / (2 * p->n);
	if (!last && tenth <= p->tenth)
		return;
	p->tenth = tenth;
	fprintf(r->progress, "import: %zu/%zu submitted, %zu committed",
		p->answered, p->n, p->committed);
	if (p->refused)
		fprintf(r->progress, ", %zu refused", p->refused);
	fputc('\n', r->progress);
	(void)fflush(r->progress);
}

/* One round of posting: the items still TODO. */
struct round {
	struct import_item *items;
	size_t *map; /* request k is item map[k] */
	struct progress *p;
	size_t retry; /* answered 503, or not at all: posted again */
};

/* "… already committed at index I" (node/api_entries.c): I. */
static int index_in(const char *msg, uint64_t *index)
{
	const char *at = strstr(msg, "at index ");
	if (at == NULL)
		return 0;
	char *end;
	unsigned long long v = strtoull(at + 9, &end, 10);
	if (end == at + 9)
		return 0;
	*index = v;
	return 1;
}

static void round_done(void *user, size_t k, long status, const char *body,
		       size_t len, uint64_t latency_us)
{
	struct round *rd = user;
	struct import_item *it = &rd->items[rd->map[k]];
	struct acc_err e = {0};
	(void)latency_us;
	if (status == 202 || status == 201) {
		it->state = IMPORT_PENDING;
		rd->p->answered++;
		progress_draw(rd->p, 0);
		return;
	}
	if (status == 0) {
		(void)snprintf(it->why, sizeof it->why, "no answer from the node");
		rd->retry++;
		return;
	}
	struct http_resp resp = {.status = status, .body = (char *)body,
				 .len = len};
	int code = http_resp_error(&resp, &e);
	(void)snprintf(it->why, sizeof it->why, "%s", e.msg);
	/* specs/api.md: 503 is the mempool or the node's state, with
	 * Retry-After: posted again. */
	if (status == 503 || status == 504) {
		rd->retry++;
		return;
	}
	rd->p->answered++;
	if (code == ACC_EDUP && strstr(e.msg, "already committed") != NULL) {
		it->state = IMPORT_ALREADY;
		(void)index_in(e.msg, &it->index);
		rd->p->committed++;
	} else if (code == ACC_EDUP && strstr(e.msg, "already pending")) {
		it->state = IMPORT_PENDING;
	} else {
		it->state = IMPORT_REFUSED;
		rd->p->refused++;
	}
	progress_draw(rd->p, 0);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000u,
			      .tv_nsec = (long)(ms % 1000u) * 1000000L};
	(void)nanosleep(&ts, NULL);
}

/* Post every TODO item, again and again while the node answers 503 or
 * not at all, until none is left or stall_s pass without one admitted. */
static int submit_all(const struct import_run *r, struct import_item *items,
		      size_t n, struct progress *p, struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	const uint8_t **bodies = calloc(n ? n : 1, sizeof *bodies);
	size_t *lens = calloc(n ? n : 1, sizeof *lens);
	size_t *map = calloc(n ? n : 1, sizeof *map);
	int rc = 0;
	if (bodies == NULL || lens == NULL || map == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
		goto out;
	}
	if (http_url(url, r->node, "/v1/entries") != 0) {
		rc = acc_err_set(err, ACC_EINVAL, "node URL too long");
		goto out;
	}
	uint64_t progress_us = http_now_us();
	for (;;) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].state == IMPORT_TODO) {
				bodies[k] = items[i].bytes;
				lens[k] = items[i].len;
				map[k++] = i;
			}
		if (k == 0)
			break;
		if (http_now_us() - progress_us > r->stall_s * 1000000u) {
			/* Left as TODO: the caller reports them with the
			 * node's last answer. */
			break;
		}
		struct round rd = {.items = items, .map = map, .p = p};
		size_t before = p->answered;
		const char *const urls[1] = {url};
		struct http_load l = {
		    .urls = urls,
		    .urls_len = 1,
		    .content_type = "application/octet-stream",
		    .n = k,
		    .bodies = bodies,
		    .lens = lens,
		    .concurrency = r->concurrency,
		    .done = round_done,
		    .user = &rd,
		};
		if ((rc = http_load_run(&l, err)) != 0)
			goto out;
		if (p->answered > before)
			progress_us = http_now_us();
		if (rd.retry > 0)
			sleep_ms(1000); /* the node's Retry-After: 1 */
	}
out:
	free(bodies);
	free(lens);
	free(map);
	return rc;
}

/* Items by id, to find a block's entries among them. */
struct by_id {
	uint8_t id[HASH_BYTES];
	size_t item;
};

static int by_id_cmp(const void *a, const void *b)
{
	return memcmp(((const struct by_id *)a)->id,
		      ((const struct by_id *)b)->id, HASH_BYTES);
}

/* Mark the items of block h committed; *pending counts down. */
static int block_take(struct http_client *c, const char *node, uint64_t h,
		      struct import_item *items, const struct by_id *ix,
		      size_t n, size_t *pending, struct progress *p,
		      struct acc_err *err)
{
	char url[HTTP_URL_BYTES_MAX];
	json_t *b = NULL;
	uint64_t first = 0;
	if (http_url(url, node, "/v1/blocks/%llu", (unsigned long long)h) != 0)
		return acc_err_set(err, ACC_EINVAL, "node URL too long");
	int rc = http_get_json(c, url, &b, err);
	if (rc != 0)
		return rc;
	if ((rc = client_json_u64(b, "first_index", &first, err)) != 0)
		goto out;
	const json_t *ids = json_object_get(b, "entry_ids");
	for (size_t k = 0; k < json_array_size(ids); k++) {
		const char *hex = json_string_value(json_array_get(ids, k));
		struct by_id key;
		if (hex == NULL || strlen(hex) != 2 * HASH_BYTES ||
		    hex_decode(key.id, HASH_BYTES, hex) != 0)
			continue;
		const struct by_id *f =
		    bsearch(&key, ix, n, sizeof *ix, by_id_cmp);
		if (f == NULL || items[f->item].state != IMPORT_PENDING)
			continue;
		items[f->item].state = IMPORT_COMMITTED;
		items[f->item].index = first + k;
		items[f->item].height = h;
		p->committed++;
		(*pending)--;
	}
	progress_draw(p, 0);
out:
	json_decref(b);
	return rc;
}

/* Follow the blocks after h0 until no item is PENDING, or stall_s pass
 * without a new block. */
static int wait_all(const struct import_run *r, struct http_client *c,
		    uint64_t h0, struct import_item *items, size_t n,
		    struct progress *p, struct acc_err *err)
{
	size_t pending = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		pending += items[i].state == IMPORT_PENDING;
	if (pending == 0)
		return 0;
	struct by_id *ix = calloc(n, sizeof *ix);
	if (ix == NULL)
		return acc_err_set(err, ACC_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		memcpy(ix[i].id, items[i].id, HASH_BYTES);
		ix[i].item = i;
	}
	qsort(ix, n, sizeof *ix, by_id_cmp);
	uint64_t next = h0 + 1, seen_us = http_now_us();
	while (pending > 0) {
		struct node_status st;
		if ((rc = client_status(c, r->node, &st, err)) != 0)
			goto out;
		if (st.height < next) {
			if (http_now_us() - seen_us > r->stall_s * 1000000u)
				break;
			sleep_ms(50);
			continue;
		}
		for (; next <= st.height && pending > 0; next++)
			if ((rc = block_take(c, r->node, next, items, ix, n,
					     &pending, p, err)) != 0)
				goto out;
		seen_us = http_now_us();
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].state == IMPORT_PENDING) {
			items[i].state = IMPORT_NOT_COMMITTED;
			(void)snprintf(items[i].why, sizeof items[i].why,
				       "admitted, but in no block after %llu s "
				       "without a new one",
				       (unsigned long long)r->stall_s);
		}
out:
	free(ix);
	return rc;
}

int import_submit_run(const struct import_run *r, struct import_item *items,
		      size_t n, struct acc_err *err)
{
	struct http_client c = {0};
	struct node_status st;
	struct progress p = {.r = r, .n = n};
	int rc;
	if ((rc = http_client_init(&c, err)) != 0)
		return rc;
	/* The head before the first post: every entry of this run commits
	 * in a block after it. */
	if ((rc = client_status(&c, r->node, &st, err)) != 0)
		goto out;
	if ((rc = submit_all(r, items, n, &p, err)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (items[i].state == IMPORT_TODO)
			items[i].state = IMPORT_NOT_COMMITTED; /* why: set */
	if (r->wait && (rc = wait_all(r, &c, st.height, items, n, &p, err)) != 0)
		goto out;
	progress_draw(&p, 1);
out:
	http_client_free(&c);
	return rc;
}

void import_lines_write(FILE *f, const struct import_item *items, size_t n,
			enum import_state s, size_t max_ranges)
{
	size_t ranges = 0;
	for (size_t i = 0; i < n;) {
		if (items[i].state != s) {
			i++;
			continue;
		}
		/* A range: consecutive items in this state whose lines follow
		 * one another. */
		size_t j = i;
		while (j + 1 < n && items[j + 1].state == s &&
		       items[j + 1].line == items[j].line + 1)
			j++;
		if (ranges == max_ranges) {
			fputs(", …", f);
			return;
		}
		if (ranges++ > 0)
			fputs(", ", f);
		if (j == i)
			fprintf(f, "%llu", (unsigned long long)items[i].line);
		else
			fprintf(f, "%llu-%llu", (unsigned long long)items[i].line,
				(unsigned long long)items[j].line);
		i = j + 1;
	}
	if (ranges == 0)
		fputs("none", f);
}
