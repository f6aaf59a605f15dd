/* checkpoint.c - C2SP signed notes, tlog-checkpoint text,
 * tlog-cosignature/v1 and tlog-policy for accord's log
 * (specs/checkpoint.md). Every input is untrusted: each loop is bounded by
 * the note's length and the limits of checkpoint.h. */
#include "ledger/checkpoint.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/decimal.h"
#include "common/hex.h"
#include "ledger/genesis.h"

/* "— ": U+2014 EM DASH and a space (§2.2). */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4u
#define COSIG_PREFIX "cosignature/v1\ntime "

/* ---- UTF-8 (§2.1) ---- */

/* Decode one UTF-8 sequence at s[0..len): the code point, or -1 for an
 * overlong form, a surrogate, a value over U+10FFFF or a truncated or
 * stray byte. *n gets the sequence length. */
static long utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	unsigned char c = s[0];
	long cp;
	size_t need;
	if (c < 0x80) {
		*n = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
	} else {
		return -1;
	}
	if (len < need + 1)
		return -1;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*n = need + 1;
	return cp;
}

/* Unicode White_Space, as Go's unicode.IsSpace, which C2SP key names
 * exclude. */
static int is_space(long cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
	       cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	       cp == 0x3000;
}

int note_name_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	if (len == 0 || len > NOTE_NAME_BYTES_MAX)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n;
		long cp = utf8_next(p + i, len - i, &n);
		if (cp < 0x20 || cp == '+' || is_space(cp))
			return 0;
		i += n;
	}
	return 1;
}

static int b64_line(const char *s, size_t len, uint8_t *out, size_t out_max,
		    size_t *n);

/* ---- keys (§3) ---- */

void note_key_id(uint8_t id[NOTE_KEY_ID_BYTES], const char *name, uint8_t alg,
		 const uint8_t pk[PUBKEY_BYTES])
{
	struct sha256_ctx c;
	uint8_t h[HASH_BYTES], sep[2] = {0x0a, alg};
	sha256_init(&c);
	sha256_update(&c, name, strlen(name));
	sha256_update(&c, sep, sizeof sep);
	sha256_update(&c, pk, PUBKEY_BYTES);
	sha256_final(&c, h);
	memcpy(id, h, NOTE_KEY_ID_BYTES);
}

int note_vkey_make(struct note_vkey *k, const char *name, uint8_t alg,
		   const uint8_t pk[PUBKEY_BYTES], struct acc_err *err)
{
	size_t nl = strlen(name);
	memset(k, 0, sizeof *k);
	if (!note_name_valid(name, nl))
		return acc_err_set(err, ACC_EINVAL,
				   "\"%.64s\" is not a key name", name);
	if (alg != NOTE_ALG_ED25519 && alg != NOTE_ALG_COSIG_V1)
		return acc_err_set(err, ACC_EINVAL, "algorithm 0x%02x", alg);
	memcpy(k->name, name, nl);
	k->alg = alg;
	memcpy(k->pk, pk, PUBKEY_BYTES);
	note_key_id(k->key_id, name, alg, pk);
	return 0;
}

int note_vkey_parse(struct note_vkey *k, const char *s, size_t len,
		    struct acc_err *err)
{
	memset(k, 0, sizeof *k);
	const char *p1 = memchr(s, '+', len);
	if (p1 == NULL)
		return acc_err_set(err, ACC_EDECODE, "vkey: no '+'");
	size_t nl = (size_t)(p1 - s);
	if (!note_name_valid(s, nl))
		return acc_err_set(err, ACC_EDECODE, "vkey: bad key name");
	const char *rest = p1 + 1;
	size_t rl = len - nl - 1;
	if (rl < 9 || rest[8] != '+')
		return acc_err_set(err, ACC_EDECODE,
				   "vkey: key id is not 8 hex digits");
	char hex[9];
	uint8_t id[NOTE_KEY_ID_BYTES], raw[1 + PUBKEY_BYTES + 1];
	memcpy(hex, rest, 8);
	hex[8] = '\0';
	if (hex_decode(id, NOTE_KEY_ID_BYTES, hex) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "vkey: key id is not 8 hex digits");
	size_t bl = rl - 9;
	if (bl == 0 || bl > 48)
		return acc_err_set(err, ACC_EDECODE, "vkey: bad key length");
	size_t n;
	if (b64_line(rest + 9, bl, raw, sizeof raw, &n) != 0)
		return acc_err_set(err, ACC_EDECODE, "vkey: bad base64");
	if (n != 1 + PUBKEY_BYTES)
		return acc_err_set(err, ACC_EDECODE,
				   "vkey: %zu key bytes, want 33", n);
	if (raw[0] != NOTE_ALG_ED25519 && raw[0] != NOTE_ALG_COSIG_V1)
		return acc_err_set(err, ACC_EDECODE,
				   "vkey: unknown algorithm 0x%02x", raw[0]);
	memcpy(k->name, s, nl);
	k->alg = raw[0];
	memcpy(k->pk, raw + 1, PUBKEY_BYTES);
	note_key_id(k->key_id, k->name, k->alg, k->pk);
	if (memcmp(k->key_id, id, NOTE_KEY_ID_BYTES) != 0) {
		memset(k, 0, sizeof *k);
		return acc_err_set(err, ACC_EDECODE,
				   "vkey: key id %s is not the key's", hex);
	}
	return 0;
}

void note_vkey_format(const struct note_vkey *k, char out[NOTE_VKEY_BYTES_MAX])
{
	uint8_t raw[1 + PUBKEY_BYTES];
	char hex[9], b64[48];
	raw[0] = k->alg;
	memcpy(raw + 1, k->pk, PUBKEY_BYTES);
	hex_encode(hex, k->key_id, NOTE_KEY_ID_BYTES);
	base64_encode(b64, sizeof b64, raw, sizeof raw);
	(void)snprintf(out, NOTE_VKEY_BYTES_MAX, "%s+%s+%s", k->name, hex, b64);
}

/* ---- signed notes (§2) ---- */

/* Decode a line's base64 (not NUL-terminated) into out[out_max]. */
static int b64_line(const char *s, size_t len, uint8_t *out, size_t out_max,
		    size_t *n)
{
	char buf[NOTE_SIG_B64_BYTES_MAX + 1];
	if (len == 0 || len > NOTE_SIG_B64_BYTES_MAX)
		return ACC_EDECODE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return base64_decode(out, out_max, n, buf);
}

/* §2.1: UTF-8, no control character but newline. */
static int text_check(const char *s, size_t len, const char *what,
		      struct acc_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t k;
		long cp = utf8_next(p + i, len - i, &k);
		if (cp < 0)
			return acc_err_set(err, ACC_EDECODE,
					   "%s: bad UTF-8 at byte %zu", what,
					   i);
		if (cp < 0x20 && cp != '\n')
			return acc_err_set(err, ACC_EDECODE,
					   "%s: control character at byte %zu",
					   what, i);
		i += k;
	}
	return 0;
}

int note_parse(struct note *n, const char *msg, size_t len, struct acc_err *err)
{
	const unsigned char *p = (const unsigned char *)msg;
	n->text = NULL;
	n->text_len = 0;
	n->sig_count = 0;
	if (len > NOTE_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "note: %zu bytes, over %u",
				   len, NOTE_BYTES_MAX);
	int rc = text_check(msg, len, "note", err);
	if (rc != 0)
		return rc;
	/* §2.2: the text ends at the last blank line. */
	size_t split = len;
	for (size_t i = len; i >= 2; i--)
		if (p[i - 1] == '\n' && p[i - 2] == '\n') {
			split = i - 2;
			break;
		}
	if (split == len)
		return acc_err_set(err, ACC_EDECODE,
				   "note: no blank line before the signatures");
	n->text = msg;
	n->text_len = split + 1;
	size_t i = split + 2;
	if (i == len || p[len - 1] != '\n')
		return acc_err_set(err, ACC_EDECODE,
				   "note: no signature line, or the last "
				   "does not end in a newline");
	while (i < len) {
		const char *line = msg + i;
		const char *nl = memchr(line, '\n', len - i);
		assert(nl != NULL); /* the note ends with '\n' */
		size_t ll = (size_t)(nl - line);
		i += ll + 1;
		if (n->sig_count == NOTE_SIGS_MAX)
			return acc_err_set(err, ACC_ETOOBIG,
					   "note: over %u signature lines",
					   NOTE_SIGS_MAX);
		size_t idx = n->sig_count;
		if (ll < SIG_PREFIX_LEN ||
		    memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "note: signature line %zu does not "
					   "start with \"— \"",
					   idx + 1);
		line += SIG_PREFIX_LEN;
		ll -= SIG_PREFIX_LEN;
		const char *sp = memchr(line, ' ', ll);
		if (sp == NULL)
			return acc_err_set(err, ACC_EDECODE,
					   "note: signature line %zu has no "
					   "signature",
					   idx + 1);
		struct note_sig *s = &n->sigs[idx];
		s->name = line;
		s->name_len = (size_t)(sp - line);
		s->b64 = sp + 1;
		s->b64_len = ll - s->name_len - 1;
		if (!note_name_valid(s->name, s->name_len))
			return acc_err_set(err, ACC_EDECODE,
					   "note: signature line %zu: bad key "
					   "name",
					   idx + 1);
		uint8_t raw[NOTE_SIG_B64_BYTES_MAX / 4 * 3];
		size_t rn;
		if (b64_line(s->b64, s->b64_len, raw, sizeof raw, &rn) != 0)
			return acc_err_set(err, ACC_EDECODE,
					   "note: signature line %zu: bad "
					   "base64",
					   idx + 1);
		if (rn < NOTE_KEY_ID_BYTES + 1)
			return acc_err_set(err, ACC_EDECODE,
					   "note: signature line %zu: %zu "
					   "bytes, too short",
					   idx + 1, rn);
		memcpy(s->key_id, raw, NOTE_KEY_ID_BYTES);
		s->sig_len = rn - NOTE_KEY_ID_BYTES;
		n->sig_count++;
	}
	return 0;
}

/* The cosignature/v1 message: "cosignature/v1\ntime <ts>\n" ‖ text (§5.1)
 * in a new heap buffer. */
static uint8_t *cosig_message(const char *text, size_t text_len,
			      uint64_t time_s, size_t *len)
{
	char head[64];
	int hl =
	    snprintf(head, sizeof head, COSIG_PREFIX "%" PRIu64 "\n", time_s);
	assert(hl > 0 && (size_t)hl < sizeof head);
	uint8_t *m = malloc((size_t)hl + text_len);
	if (m == NULL)
		return NULL;
	memcpy(m, head, (size_t)hl);
	memcpy(m + hl, text, text_len);
	*len = (size_t)hl + text_len;
	return m;
}

/* Verify one line s against key k (name and key id already match). */
static int sig_check(const struct note *n, const struct note_sig *s,
		     const struct note_vkey *k, uint64_t *time_s,
		     struct acc_err *err)
{
	uint8_t raw[COSIG_BYTES];
	size_t rn;
	size_t want = k->alg == NOTE_ALG_ED25519 ? NOTE_KEY_ID_BYTES + SIG_BYTES
						 : COSIG_BYTES;
	if (s->sig_len + NOTE_KEY_ID_BYTES != want ||
	    b64_line(s->b64, s->b64_len, raw, sizeof raw, &rn) != 0 ||
	    rn != want)
		return acc_err_set(err, ACC_EBADSIG,
				   "note: signature by %s has %zu bytes, "
				   "want %zu",
				   k->name, s->sig_len + NOTE_KEY_ID_BYTES,
				   want);
	if (k->alg == NOTE_ALG_ED25519) {
		/* §2.3: plain signed-note Ed25519 signs the text itself. */
		if (ed25519_verify(raw + NOTE_KEY_ID_BYTES, k->pk, n->text,
				   n->text_len) != 0)
			return acc_err_set(err, ACC_EBADSIG,
					   "note: signature by %s does not "
					   "verify",
					   k->name);
		return 0;
	}
	uint64_t ts = be64_get(raw + NOTE_KEY_ID_BYTES);
	size_t ml;
	uint8_t *m = cosig_message(n->text, n->text_len, ts, &ml);
	if (m == NULL)
		return acc_err_set(err, ACC_ENOMEM, "cosignature message");
	int rc = ed25519_verify(raw + NOTE_KEY_ID_BYTES + 8, k->pk, m, ml);
	free(m);
	if (rc != 0)
		return acc_err_set(err, ACC_EBADSIG,
				   "note: cosignature by %s (time %" PRIu64
				   ") does not verify",
				   k->name, ts);
	*time_s = ts;
	return 0;
}

int note_verify(const struct note *n, const struct note_vkey *keys,
		size_t nkeys, uint8_t *verified, uint64_t *timestamps,
		size_t *count, struct acc_err *err)
{
	uint8_t *seen = calloc(nkeys ? nkeys : 1, 1);
	if (seen == NULL)
		return acc_err_set(err, ACC_ENOMEM, "note_verify");
	size_t good = 0;
	int rc = 0;
	for (size_t i = 0; i < n->sig_count && rc == 0; i++) {
		const struct note_sig *s = &n->sigs[i];
		for (size_t j = 0; j < nkeys; j++) {
			const struct note_vkey *k = &keys[j];
			if (strlen(k->name) != s->name_len ||
			    memcmp(k->name, s->name, s->name_len) != 0 ||
			    memcmp(k->key_id, s->key_id, NOTE_KEY_ID_BYTES) !=
				0)
				continue;
			/* §2.3: a key counts once; later lines are skipped. */
			if (seen[j])
				break;
			uint64_t ts = 0;
			rc = sig_check(n, s, k, &ts, err);
			if (rc != 0)
				break;
			seen[j] = 1;
			good++;
			if (timestamps != NULL)
				timestamps[j] = ts;
			break;
		}
	}
	if (rc == 0 && good == 0)
		rc = acc_err_set(err, ACC_EBADSIG,
				 "note: no known key signed it");
	if (rc == 0 && verified != NULL)
		memcpy(verified, seen, nkeys);
	free(seen);
	if (count != NULL)
		*count = rc == 0 ? good : 0;
	return rc;
}

/* ---- checkpoint text (§4) ---- */

int checkpoint_text_format(const struct checkpoint *c, char *out,
			   size_t out_max, size_t *len, struct acc_err *err)
{
	size_t ol = strlen(c->origin);
	if (ol == 0 || memchr(c->origin, '\n', ol) != NULL)
		return acc_err_set(err, ACC_EINVAL, "checkpoint: bad origin");
	char b64[48];
	base64_encode(b64, sizeof b64, c->root, HASH_BYTES);
	int n = snprintf(out, out_max, "%s\n%" PRIu64 "\n%s\n", c->origin,
			 c->size, b64);
	if (n < 0 || (size_t)n >= out_max)
		return acc_err_set(err, ACC_ETOOBIG,
				   "checkpoint: text does not fit");
	*len = (size_t)n;
	return 0;
}

int checkpoint_text_parse(struct checkpoint *c, const char *text, size_t len,
			  struct acc_err *err)
{
	memset(c, 0, sizeof *c);
	if (len > NOTE_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "checkpoint: too long");
	if (len == 0 || text[len - 1] != '\n')
		return acc_err_set(err, ACC_EDECODE,
				   "checkpoint: text does not end in a "
				   "newline");
	int rc = text_check(text, len, "checkpoint", err);
	if (rc != 0)
		return rc;
	size_t line = 0;
	for (size_t i = 0; i < len; line++) {
		const char *s = text + i;
		const char *nl = memchr(s, '\n', len - i);
		assert(nl != NULL);
		size_t sl = (size_t)(nl - s);
		i += sl + 1;
		if (sl == 0)
			return acc_err_set(err, ACC_EDECODE,
					   "checkpoint: line %zu is empty",
					   line + 1);
		if (line == 0) {
			if (sl > CHECKPOINT_ORIGIN_BYTES_MAX)
				return acc_err_set(err, ACC_ETOOBIG,
						   "checkpoint: origin over "
						   "%u bytes",
						   CHECKPOINT_ORIGIN_BYTES_MAX);
			memcpy(c->origin, s, sl);
			c->origin[sl] = '\0';
		} else if (line == 1) {
			if (dec_u64_parse(s, sl, DEC_CANONICAL, &c->size) != 0)
				return acc_err_set(err, ACC_EDECODE,
						   "checkpoint: size is not a "
						   "canonical decimal");
		} else if (line == 2) {
			uint8_t root[HASH_BYTES + 1];
			size_t rn;
			if (sl != 44 ||
			    b64_line(s, sl, root, sizeof root, &rn) != 0 ||
			    rn != HASH_BYTES)
				return acc_err_set(err, ACC_EDECODE,
						   "checkpoint: root is not "
						   "base64 of 32 bytes");
			memcpy(c->root, root, HASH_BYTES);
		} else if (++c->ext_lines > CHECKPOINT_EXT_LINES_MAX) {
			return acc_err_set(err, ACC_ETOOBIG,
					   "checkpoint: over %u extension "
					   "lines",
					   CHECKPOINT_EXT_LINES_MAX);
		}
	}
	if (line < 3)
		return acc_err_set(err, ACC_EDECODE,
				   "checkpoint: %zu lines, want origin, size "
				   "and root",
				   line);
	return 0;
}

/* ---- cosigning (§5, §6) ---- */

int checkpoint_cosign(char *out, size_t out_max, size_t *len, const char *text,
		      size_t text_len, const char *name, const struct key *k,
		      uint64_t time_s, struct acc_err *err)
{
	struct note_vkey vk;
	int rc = note_vkey_make(&vk, name, NOTE_ALG_COSIG_V1, k->pk, err);
	if (rc != 0)
		return rc;
	size_t ml;
	uint8_t *m = cosig_message(text, text_len, time_s, &ml);
	if (m == NULL)
		return acc_err_set(err, ACC_ENOMEM, "cosignature message");
	uint8_t raw[COSIG_BYTES];
	memcpy(raw, vk.key_id, NOTE_KEY_ID_BYTES);
	be64_put(raw + NOTE_KEY_ID_BYTES, time_s);
	ed25519_sign(raw + NOTE_KEY_ID_BYTES + 8, k, m, ml);
	free(m);
	char b64[128];
	base64_encode(b64, sizeof b64, raw, sizeof raw);
	int n = snprintf(out + *len, out_max - *len, "%s%s %s\n", sig_prefix,
			 name, b64);
	if (n < 0 || (size_t)n >= out_max - *len)
		return acc_err_set(err, ACC_ETOOBIG,
				   "cosignature line does not fit");
	*len += (size_t)n;
	return 0;
}

int checkpoint_note_make(const struct genesis *g, size_t validator,
			 const struct key *k, uint64_t size,
			 const uint8_t root[HASH_BYTES], uint64_t time_s,
			 char *out, size_t out_max, size_t *len,
			 struct acc_err *err)
{
	if (validator >= g->validator_count)
		return acc_err_set(err, ACC_EINVAL, "validator %zu", validator);
	const struct genesis_validator *v = &g->validators[validator];
	if (memcmp(v->key, k->pk, PUBKEY_BYTES) != 0)
		return acc_err_set(err, ACC_EINVAL,
				   "the key is not validator %s's", v->name);
	if (!note_name_valid(v->name, strlen(v->name)))
		return acc_err_set(err, ACC_ECONFIG,
				   "validator name \"%.64s\" is not a "
				   "signed-note key name (§3)",
				   v->name);
	struct checkpoint c = {.size = size};
	memcpy(c.origin, g->chain_id, strlen(g->chain_id) + 1);
	memcpy(c.root, root, HASH_BYTES);
	size_t tl;
	int rc = checkpoint_text_format(&c, out, out_max, &tl, err);
	if (rc != 0)
		return rc;
	if (tl + 2 > out_max)
		return acc_err_set(err, ACC_ETOOBIG, "note does not fit");
	size_t n = tl;
	out[n++] = '\n'; /* §2.2: the blank line */
	out[n] = '\0';
	rc = checkpoint_cosign(out, out_max, &n, out, tl, v->name, k, time_s,
			       err);
	if (rc != 0)
		return rc;
	*len = n;
	return 0;
}

/* ---- verification against genesis (§7) ---- */

int checkpoint_verify(const struct genesis *g, const char *note, size_t len,
		      struct checkpoint_verdict *v, struct acc_err *err)
{
	memset(v, 0, sizeof *v);
	v->total = genesis_total_power(g);
	struct note *n = malloc(sizeof *n);
	struct note_vkey *keys = calloc(g->validator_count, sizeof *keys);
	uint64_t ts[VALIDATORS_MAX] = {0};
	int rc = 0;
	if (n == NULL || keys == NULL) {
		rc = acc_err_set(err, ACC_ENOMEM, "checkpoint_verify");
		goto out;
	}
	rc = note_parse(n, note, len, err);
	if (rc == 0)
		rc = checkpoint_text_parse(&v->cp, n->text, n->text_len, err);
	if (rc != 0)
		goto out;
	if (v->cp.ext_lines != 0) {
		rc = acc_err_set(err, ACC_EDECODE,
				 "checkpoint: accord checkpoints have no "
				 "extension lines");
		goto out;
	}
	if (strcmp(v->cp.origin, g->chain_id) != 0) {
		rc = acc_err_set(err, ACC_EMISMATCH,
				 "checkpoint origin \"%.64s\" is not the chain "
				 "id \"%s\"",
				 v->cp.origin, g->chain_id);
		goto out;
	}
	/* A validator whose name is not a key name cannot cosign: its key
	 * stays zeroed (an empty name matches no line). */
	for (size_t i = 0; i < g->validator_count; i++)
		(void)note_vkey_make(&keys[i], g->validators[i].name,
				     NOTE_ALG_COSIG_V1, g->validators[i].key,
				     NULL);
	rc = note_verify(n, keys, g->validator_count, v->signed_by, ts,
			 &v->signers, err);
	if (rc == ACC_EBADSIG && v->signers == 0) {
		/* The origin matched, so the note names this chain id, yet
		 * no validator of this genesis cosigned it: say both. The
		 * reason is copied out first: err may be NULL, and its own
		 * message cannot be the source of its new one. */
		char why[ACC_ERRMSG_BYTES_MAX];
		(void)snprintf(why, sizeof why, "%s",
			       err != NULL ? err->msg : "no valid cosignature");
		rc = acc_err_set(err, ACC_EBADSIG,
				 "checkpoint of \"%.64s\" cosigned by none of "
				 "the %zu validators of this genesis: a "
				 "checkpoint of another consortium that uses "
				 "the same chain id? (%s)",
				 v->cp.origin, g->validator_count, why);
	}
	if (rc != 0)
		goto out;
	v->time_min = UINT64_MAX;
	for (size_t i = 0; i < g->validator_count; i++) {
		if (!v->signed_by[i])
			continue;
		v->power += g->validators[i].power;
		if (ts[i] < v->time_min)
			v->time_min = ts[i];
		if (ts[i] > v->time_max)
			v->time_max = ts[i];
	}
	/* §7: the rule of certificates (ledger/cert.h cert_verify). */
	if (3 * v->power <= 2 * v->total)
		rc =
		    acc_err_set(err, ACC_ECERT,
				"cosigned by %zu validator(s) of power %" PRIu64
				" of %" PRIu64 ": not more than two thirds",
				v->signers, v->power, v->total);
out:
	free(keys);
	free(n);
	return rc;
}

/* ---- tlog-policy (§8) ---- */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

size_t checkpoint_policy_quorum(const struct genesis *g, int *equal)
{
	uint64_t pw[VALIDATORS_MAX];
	size_t n = g->validator_count;
	assert(n >= 1 && n <= VALIDATORS_MAX);
	uint64_t total = 0;
	*equal = 1;
	for (size_t i = 0; i < n; i++) {
		pw[i] = g->validators[i].power;
		total += pw[i];
		if (pw[i] != pw[0])
			*equal = 0;
	}
	/* The weakest k validators are the k of least power: when they hold
	 * more than two thirds, every k do. */
	qsort(pw, n, sizeof pw[0], u64_cmp);
	uint64_t sum = 0;
	for (size_t k = 1; k <= n; k++) {
		sum += pw[k - 1];
		if (3 * sum > 2 * total)
			return k;
	}
	return n; /* unreachable: all n hold everything */
}

int checkpoint_policy_format(const struct genesis *g, char **out, size_t *len,
			     struct acc_err *err)
{
	size_t n = g->validator_count;
	size_t cap = 1024 + n * (2 * NOTE_VKEY_BYTES_MAX + 16);
	char *b = malloc(cap);
	if (b == NULL)
		return acc_err_set(err, ACC_ENOMEM, "policy");
	int equal;
	size_t k = checkpoint_policy_quorum(g, &equal);
	size_t l = 0;
#define EMIT(...)                                                   \
	do {                                                        \
		l += (size_t)snprintf(b + l, cap - l, __VA_ARGS__); \
		assert(l < cap);                                    \
	} while (0)
	EMIT("# tlog-policy for the accord log \"%s\" (specs/checkpoint.md "
	     "§8)\n",
	     g->chain_id);
	EMIT("# checkpoints are cosigned by the validators "
	     "(tlog-cosignature/v1); there is no log key\n");
	if (!equal)
		EMIT("# validators have unequal power: a k-of-n group cannot "
		     "weigh them; k = %zu is the smallest count such that any "
		     "%zu validators hold more than 2/3 of the power\n",
		     k, k);
	for (size_t i = 0; i < n; i++) {
		struct note_vkey vk;
		char vs[NOTE_VKEY_BYTES_MAX];
		int rc = note_vkey_make(&vk, g->validators[i].name,
					NOTE_ALG_COSIG_V1, g->validators[i].key,
					err);
		if (rc != 0) {
			free(b);
			return acc_err_set(err, ACC_ECONFIG,
					   "validator \"%.64s\": not a key "
					   "name",
					   g->validators[i].name);
		}
		note_vkey_format(&vk, vs);
		EMIT("witness %s %s\n", vk.name, vs);
	}
	EMIT("group validators %zu", k);
	for (size_t i = 0; i < n; i++)
		EMIT(" %s", g->validators[i].name);
	EMIT("\nquorum validators\n");
#undef EMIT
	*out = b;
	*len = l;
	return 0;
}
