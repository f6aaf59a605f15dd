/* client.h - the calls the CLI makes to a node's HTTP API
 * (specs/api.md), on top of cli/http.h: status, submit, raw entries,
 * blocks. */
#ifndef ACCORD_CLI_CLIENT_H
#define ACCORD_CLI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "cli/http.h"
#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"
#include "common/merkle.h"

struct entry;

/* The parts of GET /v1/status the CLI uses. */
struct node_status {
	char chain_id[CHAIN_ID_BYTES_MAX + 1];
	uint8_t genesis_hash[HASH_BYTES];
	uint64_t height;
	uint64_t log_size;
	uint8_t log_root[HASH_BYTES];
};
int client_status(struct http_client *c, const char *node,
		  struct node_status *st, struct acc_err *err);

/* Poll node's /v1/status every 50 ms until its height is at least h: in a
 * consortium, an entry committed on one node is on another only once that
 * one has the block too. 0, or ACC_ETIMEOUT after timeout_ms. */
int client_wait_height(struct http_client *c, const char *node, uint64_t h,
		       uint32_t timeout_ms, struct acc_err *err);

/* The answer to POST /v1/entries. */
struct post_result {
	long status; /* 201 or 202 */
	uint8_t id[HASH_BYTES];
	int committed; /* 201: index and height are set */
	uint64_t index;
	uint64_t height;
};

/* POST the signed entry bytes (application/octet-stream), with
 * ?wait=commit when wait is set. Any answer other than 201/202 is an error
 * (the node's code and message in err). */
int client_entry_post(struct http_client *c, const char *node,
		      const uint8_t *bytes, size_t len, int wait,
		      struct post_result *out, struct acc_err *err);

/* Sign e with k for chain_id, encode it, post it. The signed bytes go to
 * *bytes and *len when bytes is not NULL (caller free()s). */
int client_entry_sign_post(struct http_client *c, const char *node,
			   struct entry *e, const struct key *k,
			   const char *chain_id, int wait,
			   struct post_result *out, uint8_t **bytes,
			   size_t *len, struct acc_err *err);

/* GET /v1/entries/{ref} with Accept: application/octet-stream: the raw
 * signed bytes in r->body (caller http_resp_free's). */
int client_entry_raw(struct http_client *c, const char *node, const char *ref,
		     struct http_resp *r, struct acc_err *err);

/* Decode exactly 2n hex digits of a JSON string member into out. */
int client_json_hash(const void *obj, const char *key, uint8_t *out, size_t n,
		     struct acc_err *err);
/* A JSON integer member >= 0. */
int client_json_u64(const void *obj, const char *key, uint64_t *out,
		    struct acc_err *err);

/* The "proof" member of a proof answer: at most MERKLE_PROOF_HASHES_MAX
 * hashes of 64 hex digits into out (room for that many). ACC_EDECODE,
 * ACC_ETOOBIG. */
int client_json_proof(const void *obj, uint8_t (*out)[HASH_BYTES],
		      size_t *count, struct acc_err *err);

/* The answer to GET /v1/proofs/inclusion (specs/api.md), decoded but not
 * verified: the caller checks it is about what was asked and verifies. */
struct proof_inclusion_answer {
	uint64_t index, tree_size;
	uint8_t leaf_hash[HASH_BYTES], root[HASH_BYTES];
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][HASH_BYTES];
	size_t count;
};
int client_proof_inclusion_parse(const void *obj,
				 struct proof_inclusion_answer *a,
				 struct acc_err *err);

/* The answer to GET /v1/proofs/consistency, likewise. */
struct proof_consistency_answer {
	uint64_t old_size, new_size;
	uint8_t old_root[HASH_BYTES], new_root[HASH_BYTES];
	uint8_t proof[MERKLE_PROOF_HASHES_MAX][HASH_BYTES];
	size_t count;
};
int client_proof_consistency_parse(const void *obj,
				   struct proof_consistency_answer *a,
				   struct acc_err *err);

#endif
