/* import_submit.h - the pipelined half of accord import: every entry of a
 * file posted with many requests in flight (bounded), then the node's
 * blocks followed until each one is committed, with progress on a terminal
 * (a bar) or as plain lines (specs/cli.md §11.5). */
#ifndef ACCORD_CLI_IMPORT_SUBMIT_H
#define ACCORD_CLI_IMPORT_SUBMIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "common/crypto.h"
#include "common/limits.h"

/* Requests in flight at most: below the node's 64 connections per
 * address (specs/api.md "Connections"), with room for the follower's
 * own connection and another client on the same host. */
#define IMPORT_CONCURRENCY_MAX 48u
#define IMPORT_CONCURRENCY_DEFAULT 32u
/* Bytes of the reason kept for a refused entry. */
#define IMPORT_WHY_BYTES 256u

/* Where an entry stands. */
enum import_state {
	IMPORT_TODO = 0,      /* not yet admitted (or to be posted again) */
	IMPORT_PENDING,       /* admitted (202), or pending from an earlier run */
	IMPORT_COMMITTED,     /* seen in a block during this run */
	IMPORT_ALREADY,	      /* committed before this run (409): done */
	IMPORT_REFUSED,	      /* the node refused it: why says so */
	IMPORT_NOT_COMMITTED, /* admitted, never seen in a block */
};

/* One entry of the file: the caller fills line, bytes, len and id (bytes
 * borrowed until import_submit_run returns); the run fills the rest. */
struct import_item {
	uint64_t line;
	const uint8_t *bytes;
	size_t len;
	uint8_t id[HASH_BYTES];
	enum import_state state;
	uint64_t index;	 /* COMMITTED, ALREADY */
	uint64_t height; /* COMMITTED */
	char why[IMPORT_WHY_BYTES];
};

struct import_run {
	const char *node;
	size_t concurrency; /* 1..IMPORT_CONCURRENCY_MAX */
	int wait;	    /* follow blocks until every entry is committed */
	/* Seconds without a new block, while entries are still pending,
	 * after which the wait gives up (those entries NOT_COMMITTED). */
	uint64_t stall_s;
	/* Progress goes here (NULL: none); bar: redraw one line with \r (a
	 * terminal), else a plain line at every tenth of the work. */
	FILE *progress;
	int bar;
};

/*
 * Post items[0..n) (POST /v1/entries, binary, concurrency in flight, no
 * wait), posting again those answered 503 or not at all (for up to
 * stall_s seconds without progress), then with r->wait follow the blocks
 * made since the start (GET /v1/blocks/H) until every admitted entry is
 * in one. Every item ends in a final state; a 409 "already committed" is
 * IMPORT_ALREADY (an import run again skips what it committed), "already
 * pending" is PENDING. Returns 0 when the run went through (look at the
 * states), ACC_ENET when the node could not be reached at all (err), or
 * ACC_ENOMEM.
 */
int import_submit_run(const struct import_run *r, struct import_item *items,
		      size_t n, struct acc_err *err);

/* Write the lines of the items in state s as ranges ("2-501, 503"), at
 * most max_ranges of them followed by ", …"; "none" when there are none. */
void import_lines_write(FILE *f, const struct import_item *items, size_t n,
			enum import_state s, size_t max_ranges);

#endif
