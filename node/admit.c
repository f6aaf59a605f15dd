/* admit.c - decoding and checking a submitted entry. */
#include "node/admit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"

/* Compare a media type (up to ';' or the end, surrounding blanks ignored)
 * with want, ignoring case as RFC 9110 §8.3.1 says. */
static int media_is(const char *ct, const char *want)
{
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strlen(want);
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int admit_form_of(const char *content_type, enum admit_form *out,
		  struct acc_err *err)
{
	if (content_type == NULL || media_is(content_type, "application/json")) {
		*out = ADMIT_JSON;
		return 0;
	}
	if (media_is(content_type, "application/octet-stream")) {
		*out = ADMIT_BINARY;
		return 0;
	}
	return acc_err_set(err, ACC_EINVAL,
			   "Content-Type \"%.64s\": want application/json or "
			   "application/octet-stream", content_type);
}

void admit_entry_free(struct admit_entry *e)
{
	entry_free(&e->entry);
	free(e->bytes);
	e->bytes = NULL;
	e->len = 0;
}

int admit_decode(const struct genesis *g, enum admit_form form,
		 const uint8_t *body, size_t len, struct admit_entry *out,
		 struct acc_err *err)
{
	struct entry e;
	int rc;
	memset(out, 0, sizeof *out);
	if (len == 0)
		return acc_err_set(err, form == ADMIT_BINARY ? ACC_EDECODE
							     : ACC_EJSON,
				   "empty body: want the signed entry");
	if (form == ADMIT_BINARY) {
		if (len > ENTRY_BYTES_MAX)
			return acc_err_set(err, ACC_ETOOBIG,
					   "entry of %zu bytes is over %u", len,
					   ENTRY_BYTES_MAX);
		/* The decoder accepts only the canonical encoding
		 * (specs/encoding.md: one byte string per value), so the
		 * submitted bytes are the stored bytes. */
		rc = entry_check(body, len, g, &out->entry, err);
		if (rc != 0)
			return rc;
		out->bytes = malloc(len);
		if (out->bytes == NULL) {
			admit_entry_free(out);
			return acc_err_set(err, ACC_ENOMEM, "out of memory");
		}
		memcpy(out->bytes, body, len);
		out->len = len;
		entry_id(out->id, out->bytes, out->len);
		return 0;
	}
	rc = entry_from_json_text(&e, (const char *)body, len, err);
	if (rc != 0)
		return rc;
	if (e.sig_count == 0) {
		rc = acc_err_set(err, ACC_EBADSIG,
				 "entry has no signatures: sign it first "
				 "(accord submit --key signs)");
		goto out;
	}
	/* The stored form is the canonical encoding of what was submitted. */
	rc = entry_encode(&e, &out->bytes, &out->len, err);
	if (rc != 0) {
		if (rc == ACC_EINVAL)
			rc = ACC_EDECODE;
		goto out;
	}
	rc = entry_check_decoded(&e, out->bytes, out->len, g, err);
	if (rc != 0) {
		admit_entry_free(out);
		goto out;
	}
	entry_id(out->id, out->bytes, out->len);
	out->entry = e; /* moved: out owns its parts now */
	return 0;
out:
	entry_free(&e);
	return rc;
}
