/* admit.h - a submitted body (entry JSON or raw signed bytes) turned into a
 * checked, canonical signed entry and its id (specs/api.md "POST
 * /v1/entries"). Pure: no store, no mempool, no locks; the fuzz target
 * drives it directly. */
#ifndef ACCORD_NODE_ADMIT_H
#define ACCORD_NODE_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "ledger/entry.h"

struct genesis;

enum admit_form {
	ADMIT_JSON = 1,
	ADMIT_BINARY = 2,
};

/* The form a Content-Type names: NULL or application/json (any case, any
 * parameters) is JSON, application/octet-stream is binary; anything else
 * ACC_EINVAL. */
int admit_form_of(const char *content_type, enum admit_form *out,
		  struct acc_err *err);

struct admit_entry {
	uint8_t *bytes; /* the canonical signed encoding; malloc'ed, owned */
	size_t len;
	uint8_t id[HASH_BYTES]; /* RFC 9162 leaf hash of bytes */
	struct entry entry;     /* bytes decoded; owned (the rules need it) */
};

/*
 * Decode body in the given form, check the entry against genesis (kind,
 * fields, size, signatures, keys in genesis) and fill out. On error out
 * holds nothing. ACC_EJSON, ACC_ETYPE, ACC_EDECODE, ACC_EKIND, ACC_ETOOBIG,
 * ACC_EBADSIG, ACC_EUNKNOWNKEY, ACC_ERULE, ACC_ENOMEM.
 */
int admit_decode(const struct genesis *g, enum admit_form form,
		 const uint8_t *body, size_t len, struct admit_entry *out,
		 struct acc_err *err);

void admit_entry_free(struct admit_entry *e);

#endif
