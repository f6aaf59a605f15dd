/* fuzz_consensus_msg.c - untrusted bytes into the consensus wire and
 * signing-state decoders: they must return an error or a message that
 * re-encodes to the same bytes, and never crash. A decoded message is
 * then fed to a core, which must refuse or absorb it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "consensus/cons.h"
#include "consensus/msg.h"

static int fake_sign(void *ctx, uint8_t sig[SIG_BYTES], const char *context,
		     const uint8_t *payload, size_t n)
{
	(void)ctx;
	(void)context;
	memset(sig, 0, SIG_BYTES);
	memcpy(sig, payload, n < SIG_BYTES ? n : SIG_BYTES);
	return 0;
}

/* Accept everything: the point is to reach the core's state machine
 * with arbitrary decoded content. */
static int fake_verify(void *ctx, uint16_t validator,
		       const uint8_t sig[SIG_BYTES], const char *context,
		       const uint8_t *payload, size_t n)
{
	(void)ctx;
	(void)validator;
	(void)sig;
	(void)context;
	(void)payload;
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cons_cert cert;
	static struct cons_signstate st;
	static struct cons *core;
	struct cons_msg m;
	uint8_t type;
	struct wbuf w;
	const struct cons_action *acts;
	size_t n_acts;

	if (core == NULL) {
		static const struct cons_crypto crypto = {fake_sign, fake_verify,
							  NULL};
		struct cons_config cfg = {0};
		cfg.chain_id = "fuzz";
		cfg.n = 4;
		cfg.self = 0;
		cfg.crypto = &crypto;
		cfg.propose_ms = cfg.prevote_ms = cfg.precommit_ms = 10;
		cfg.timeout_max_ms = 100;
		if (cons_init(&core, &cfg, 1, NULL) != 0)
			abort();
		struct cons_event ev = {0};
		ev.kind = CONS_EV_START;
		(void)cons_step(core, &ev, &acts, &n_acts);
	}

	if (cons_wire_decode(data, size, &type, &m, &cert) == 0) {
		wbuf_init(&w, CONS_WIRE_BYTES_MAX);
		if (type == CONS_MSG_COMMIT)
			cons_commit_encode(&cert, &w);
		else
			cons_msg_encode(&m, &w);
		/* One canonical encoding per value. */
		if (wbuf_error(&w) != 0 || w.len != size ||
		    memcmp(w.data, data, size) != 0)
			abort();
		wbuf_free(&w);
		struct cons_event ev = {0};
		if (type == CONS_MSG_COMMIT) {
			ev.kind = CONS_EV_COMMIT;
			ev.cert = &cert;
			ev.valid = true;
		} else {
			ev.kind = type == CONS_MSG_PROPOSAL ? CONS_EV_PROPOSAL
							    : CONS_EV_VOTE;
			ev.msg = m;
			ev.valid = (size & 1) != 0;
		}
		(void)cons_step(core, &ev, &acts, &n_acts);
	}

	if (cons_signstate_decode(data, size, &st) == 0) {
		wbuf_init(&w, CONS_SIGNSTATE_BYTES_MAX);
		cons_signstate_encode(&st, &w);
		if (wbuf_error(&w) != 0 || w.len != size ||
		    memcmp(w.data, data, size) != 0)
			abort();
		wbuf_free(&w);
	}
	return 0;
}
