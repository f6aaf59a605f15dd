/* health.c - the storage failure state (specs/node.md §8). */
#include "node/health.h"

#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "common/limits.h"

/* Below this much free space a commit cannot be expected to succeed: a
 * full block and its index and tree pages, twice for LMDB's copy-on-write
 * pages. */
#define HEALTH_FREE_BYTES_MIN (4ull * BLOCK_BYTES_MAX)

int node_health_init(struct node_health *h)
{
	memset(h, 0, sizeof *h);
	if (pthread_mutex_init(&h->mu, NULL) != 0)
		return ACC_ENOMEM;
	return 0;
}

void node_health_destroy(struct node_health *h)
{
	(void)pthread_mutex_destroy(&h->mu);
}

void node_health_cause(char *out, size_t len, int rc, const char *msg,
		       const struct node_config *cfg, uint64_t free_bytes)
{
	if (cfg != NULL && free_bytes < HEALTH_FREE_BYTES_MIN)
		(void)snprintf(out, len,
			       "no space left on device (%llu bytes free in "
			       "%.200s): %s",
			       (unsigned long long)free_bytes, cfg->data_dir,
			       msg);
	else if (cfg != NULL && rc == ACC_EFULL)
		(void)snprintf(out, len,
			       "%s: the LMDB map of %llu bytes is full; raise "
			       "\"lmdb_map_bytes\" in the config and restart",
			       msg, (unsigned long long)cfg->lmdb_map_bytes);
	else
		(void)snprintf(out, len, "%s", msg);
}

int node_health_commit_failed(struct node_health *h, int rc, const char *msg,
			      const struct node_config *cfg, uint64_t now_ms)
{
	uint64_t free_bytes = UINT64_MAX;
	struct statvfs vfs;
	if (cfg != NULL && statvfs(cfg->data_dir, &vfs) == 0)
		free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
	char cause[ACC_ERRMSG_BYTES_MAX];
	node_health_cause(cause, sizeof cause, rc,
			  msg != NULL && msg[0] != '\0' ? msg : acc_strerror(rc),
			  cfg, free_bytes);
	pthread_mutex_lock(&h->mu);
	int first = !h->failing;
	if (first)
		h->since_ms = now_ms;
	h->failing = 1;
	h->rc = rc;
	h->failures++;
	memcpy(h->cause, cause, sizeof h->cause);
	pthread_mutex_unlock(&h->mu);
	return first;
}

int node_health_commit_ok(struct node_health *h)
{
	pthread_mutex_lock(&h->mu);
	int was = h->failing;
	h->failing = 0;
	h->rc = 0;
	h->failures = 0;
	h->since_ms = 0;
	h->cause[0] = '\0';
	pthread_mutex_unlock(&h->mu);
	return was;
}

void node_health_get(struct node_health *h, struct node_health_view *out)
{
	pthread_mutex_lock(&h->mu);
	out->failing = h->failing;
	out->rc = h->rc;
	out->since_ms = h->since_ms;
	out->failures = h->failures;
	memcpy(out->cause, h->cause, sizeof out->cause);
	pthread_mutex_unlock(&h->mu);
}

int node_health_failing(struct node_health *h, char *msg, size_t len)
{
	pthread_mutex_lock(&h->mu);
	int f = h->failing;
	if (f && msg != NULL && len > 0)
		(void)snprintf(msg, len, "%s", h->cause);
	pthread_mutex_unlock(&h->mu);
	return f;
}
