/* fuzz_state_record.c - untrusted bytes into the decoders of the derived
 * state's records (specs/compliance.md §4): whatever a decoder accepts
 * must re-encode to exactly the accepted bytes; otherwise abort(). Then
 * the input, read as up to three chunks (u16 length ‖ bytes each; the
 * whole input when it is not so framed), is stored as the agreement, the
 * obligation and the deciding report of one state, and compliance_eval
 * and the agreement views must refuse or read them without crashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "ledger/compliance.h"
#include "common/kv.h"
#include "ledger/state.h"

#define CHECK(type, rd, wr)                                           \
	do {                                                          \
		type *rec_ = malloc(sizeof *rec_);                    \
		struct wbuf w_;                                       \
		if (rec_ == NULL)                                     \
			abort();                                      \
		if (rd(rec_, data, size, NULL) == 0) {                \
			wbuf_init(&w_, KV_VAL_BYTES_MAX);             \
			wr(&w_, rec_);                                \
			if (wbuf_error(&w_) != 0 || w_.len != size || \
			    memcmp(w_.data, data, size) != 0)         \
				abort();                              \
			wbuf_free(&w_);                               \
		}                                                     \
		free(rec_);                                           \
	} while (0)

static int row_cb(void *ctx, const struct compliance_row *r)
{
	(void)ctx;
	json_t *j = compliance_row_to_json(r);
	if (j == NULL)
		abort();
	json_decref(j);
	return 0;
}

static void as_state(const uint8_t *data, size_t size)
{
	struct kv kv;
	uint8_t id[HASH_BYTES], k[STATE_KEY_BYTES_MAX];
	const uint8_t *chunk[3] = {data, data, data};
	size_t len[3] = {size, size, size}, off = 0;
	json_t *j = NULL;

	for (int i = 0; i < 3 && off + 2 <= size; i++) {
		size_t n = be16_get(data + off);
		if (n > size - off - 2)
			break;
		chunk[i] = data + off + 2;
		len[i] = n;
		off += 2 + n;
	}
	memset(id, 0x5a, HASH_BYTES);
	if (kv_mem_open(&kv) != 0)
		abort();
	/* The obligation names its deciding report by id: any 32 bytes of
	 * 0x5a at the right place reach the report record. */
	(void)kv_put(&kv, k, state_key_id(k, STATE_KEY_AGREEMENT, id), chunk[0],
		     len[0]);
	(void)kv_put(&kv, k, state_key_obligation(k, id, 0), chunk[1], len[1]);
	(void)kv_put(&kv, k, state_key_id(k, STATE_KEY_REPORT, id), chunk[2],
		     len[2]);
	(void)compliance_eval(&kv, 1500000000, NULL, NULL, row_cb, NULL, NULL);
	(void)compliance_eval(&kv, 1500000000, "CN-BJ", id, row_cb, NULL, NULL);
	if (agreement_list_json(&kv, &j, NULL) == 0)
		json_decref(j);
	if (agreement_view_json(&kv, id, &j, NULL) == 0)
		json_decref(j);
	kv_mem_close(&kv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t u;
	uint8_t id[HASH_BYTES];
	if (size > KV_VAL_BYTES_MAX)
		return 0;
	CHECK(struct state_agreement, state_agreement_read,
	      state_agreement_write);
	CHECK(struct state_obligation, state_obligation_read,
	      state_obligation_write);
	CHECK(struct state_report, state_report_read, state_report_write);
	CHECK(struct state_attestation, state_attestation_read,
	      state_attestation_write);
	CHECK(struct state_challenge, state_challenge_read,
	      state_challenge_write);
	CHECK(struct state_governance, state_governance_read,
	      state_governance_write);
	CHECK(struct state_evidence, state_evidence_read, state_evidence_write);
	(void)state_u16_read(&u, data, size, NULL);
	(void)state_id_read(id, data, size, NULL);
	as_state(data, size);
	return 0;
}
