/* api.h - the HTTP API handlers (specs/api.md). Each fills one reply from
 * the node; none of them blocks on the loop. Reads use their own LMDB read
 * transaction, so any HTTP thread may call them at once. */
#ifndef ACCORD_NODE_API_H
#define ACCORD_NODE_API_H

#include <stddef.h>
#include <stdint.h>

#include "node/http.h"

struct node;

/* POST /v1/entries without ?wait=commit: 202 or an error. */
void api_entries_post(struct node *n, const struct http_query *q,
		      const char *content_type, const uint8_t *body,
		      size_t len, struct http_reply *out);

/* GET handlers. arg is the path after the route's prefix ("" for exact
 * routes), accept the Accept header or NULL. */
void api_entries_get(struct node *n, const char *arg,
		     const struct http_query *q, const char *accept,
		     struct http_reply *out);
void api_blocks_get(struct node *n, const char *arg,
		    const struct http_query *q, const char *accept,
		    struct http_reply *out);
void api_proof_inclusion(struct node *n, const char *arg,
			 const struct http_query *q, const char *accept,
			 struct http_reply *out);
void api_proof_consistency(struct node *n, const char *arg,
			   const struct http_query *q, const char *accept,
			   struct http_reply *out);
/* The domain views (node/api_views.c). */
void api_agreements_list(struct node *n, const char *arg,
			 const struct http_query *q, const char *accept,
			 struct http_reply *out);
void api_agreement_get(struct node *n, const char *arg,
		       const struct http_query *q, const char *accept,
		       struct http_reply *out);
void api_compliance(struct node *n, const char *arg,
		    const struct http_query *q, const char *accept,
		    struct http_reply *out);
void api_status(struct node *n, const char *arg, const struct http_query *q,
		const char *accept, struct http_reply *out);
/* GET /v1/checkpoint (node/api_checkpoint.c, specs/checkpoint.md §6). */
void api_checkpoint(struct node *n, const char *arg,
		    const struct http_query *q, const char *accept,
		    struct http_reply *out);
void api_metrics(struct node *n, const char *arg, const struct http_query *q,
		 const char *accept, struct http_reply *out);
/* GET /healthz: 200 while blocks commit, 503 with the storage failure's
 * cause while they do not (specs/api.md, specs/node.md §7). */
void api_healthz(struct node *n, const char *arg, const struct http_query *q,
		 const char *accept, struct http_reply *out);
/* GET /readyz: 200 while the node can serve its role (synced; for a
 * validator also storage committing and a commit quorum connected), else
 * 503 with the reasons (specs/api.md). */
void api_readyz(struct node *n, const char *arg, const struct http_query *q,
		const char *accept, struct http_reply *out);

#endif
