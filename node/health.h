/* health.h - whether the node can still commit: the storage failure state
 * that block commits report and that status, /healthz, /metrics and
 * admission read (specs/node.md §8). */
#ifndef ACCORD_NODE_HEALTH_H
#define ACCORD_NODE_HEALTH_H

#include <pthread.h>
#include <stdint.h>

#include "common/error.h"
#include "node/config.h"

/*
 * Whoever commits blocks reports every attempt: node_health_commit_failed
 * after a commit that did not happen, node_health_commit_ok after one that
 * did (or after an attempt that had nothing to commit). The single-
 * validator producer does so today; the consensus driver does the same
 * around its own commits. Any thread; every field is guarded by mu.
 */
struct node_health {
	pthread_mutex_t mu;
	int failing;	    /* the last commit attempt failed */
	int rc;		    /* its acc error code */
	uint64_t since_ms;  /* wall clock of the first failure in this run */
	uint64_t failures;  /* attempts failed in a row */
	char cause[ACC_ERRMSG_BYTES_MAX]; /* what to tell the operator */
};

/* A copy of the state, taken under the lock. */
struct node_health_view {
	int failing;
	int rc;
	uint64_t since_ms;
	uint64_t failures;
	char cause[ACC_ERRMSG_BYTES_MAX];
};

/* 0, or ACC_ENOMEM if the mutex cannot be made. */
int node_health_init(struct node_health *h);
void node_health_destroy(struct node_health *h);

/*
 * A commit failed with rc and detail msg. cfg (may be NULL) says where the
 * store lives and its map size: when the data directory's file system has
 * less free space than a block needs, the cause says "no space left on
 * device" whatever error the write returned (a full disk often surfaces
 * as EIO from fsync); a full LMDB map (ACC_EFULL) names the config field
 * that sets it. Returns 1 when this is the first failure after a success
 * (the caller logs it at once; repeats go to the rate-limited log).
 */
int node_health_commit_failed(struct node_health *h, int rc, const char *msg,
			      const struct node_config *cfg, uint64_t now_ms);

/* A commit succeeded, or there was nothing to commit. Returns 1 when this
 * ends a failure (the caller logs the recovery). */
int node_health_commit_ok(struct node_health *h);

void node_health_get(struct node_health *h, struct node_health_view *out);

/* Whether the last attempt failed; msg (may be NULL, len bytes) gets the
 * cause. */
int node_health_failing(struct node_health *h, char *msg, size_t len);

/* The cause for a failed commit (see node_health_commit_failed), given
 * the free bytes of the data directory's file system. Pure; exposed for
 * the tests. cfg may be NULL. */
void node_health_cause(char *out, size_t len, int rc, const char *msg,
		       const struct node_config *cfg, uint64_t free_bytes);

#endif
