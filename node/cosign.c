/* cosign.c - checkpoints cosigned by a quorum (specs/node.md §7.9). */
#include "node/cosign.h"

#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/genesis.h"
#include "node/log.h"
#include "node/node.h"

/* The em dash and space that open a signature line (checkpoint.md §2.2). */
#define SIG_PREFIX "\xe2\x80\x94 "

struct table {
	uint64_t height;
	uint8_t have[VALIDATORS_MAX];
	uint8_t raw[VALIDATORS_MAX][COSIG_BYTES];
};

struct cosign {
	struct node *n;
	struct table cur;  /* verified, for the head */
	struct table next; /* one height ahead, not yet verifiable */
	char text[CHECKPOINT_TEXT_BYTES_MAX + 1];
	size_t text_len;
	uint64_t time_s;
	size_t published; /* cosigners in the note last published */
};

int cosign_open(struct cosign **out, struct node *n)
{
	struct cosign *c = calloc(1, sizeof *c);
	if (c == NULL)
		return ACC_ENOMEM;
	c->n = n;
	*out = c;
	return 0;
}

void cosign_free(struct cosign *c)
{
	free(c);
}

/* "— <name> <base64(raw)>\n" into out (COSIG_LINE_BYTES_MAX + 1). */
static size_t line_format(char *out, const char *name,
			  const uint8_t raw[COSIG_BYTES])
{
	char b64[128];
	base64_encode(b64, sizeof b64, raw, COSIG_BYTES);
	int n = snprintf(out, COSIG_LINE_BYTES_MAX + 1, SIG_PREFIX "%s %s\n",
			 name, b64);
	return n > 0 && (size_t)n <= COSIG_LINE_BYTES_MAX ? (size_t)n : 0;
}

/* Whether raw is validator v's tlog-cosignature/v1 of the head's text at
 * the head block's time. */
static int verify_one(struct cosign *c, uint16_t v,
		      const uint8_t raw[COSIG_BYTES])
{
	const struct genesis *g = c->n->genesis;
	char note[CHECKPOINT_TEXT_BYTES_MAX + 2 + COSIG_LINE_BYTES_MAX + 1];
	struct note_vkey vk;
	struct acc_err err = {0};
	if (v >= g->validator_count)
		return ACC_EUNKNOWNKEY;
	size_t ll =
	    line_format(note + c->text_len + 1, g->validators[v].name, raw);
	if (ll == 0)
		return ACC_EINVAL;
	memcpy(note, c->text, c->text_len);
	note[c->text_len] = '\n';
	struct note *parsed = malloc(sizeof *parsed);
	if (parsed == NULL)
		return ACC_ENOMEM;
	uint8_t ok = 0;
	uint64_t ts = 0;
	size_t count = 0;
	int rc = note_parse(parsed, note, c->text_len + 1 + ll, &err);
	if (rc == 0)
		rc = note_vkey_make(&vk, g->validators[v].name,
				    NOTE_ALG_COSIG_V1, g->validators[v].key,
				    &err);
	if (rc == 0)
		rc = note_verify(parsed, &vk, 1, &ok, &ts, &count, &err);
	free(parsed);
	if (rc == 0 && (count != 1 || ts != c->time_s))
		rc = ACC_EBADSIG;
	return rc;
}

/* Publish the note when the cosigners hold more than 2/3 of the power
 * and it has more lines than the one out (specs/checkpoint.md §6). */
static void publish(struct cosign *c)
{
	const struct genesis *g = c->n->genesis;
	uint64_t power = 0;
	size_t signers = 0;
	for (size_t v = 0; v < g->validator_count; v++)
		if (c->cur.have[v]) {
			power += g->validators[v].power;
			signers++;
		}
	if (3u * power <= 2u * genesis_total_power(g) ||
	    signers <= c->published)
		return;
	size_t cap = c->text_len + 1 + signers * (COSIG_LINE_BYTES_MAX + 1) + 1;
	char *note = malloc(cap);
	if (note == NULL)
		return;
	memcpy(note, c->text, c->text_len);
	size_t len = c->text_len;
	note[len++] = '\n';
	for (size_t v = 0; v < g->validator_count; v++)
		if (c->cur.have[v])
			len += line_format(note + len, g->validators[v].name,
					   c->cur.raw[v]);
	note[len] = '\0';
	c->published = signers;
	pthread_mutex_lock(&c->n->mu);
	free(c->n->cp_note);
	c->n->cp_note = note;
	c->n->cp_note_len = len;
	c->n->cp_note_height = c->cur.height;
	pthread_mutex_unlock(&c->n->mu);
}

int cosign_head(struct cosign *c, const struct node_head *head, int self,
		uint8_t mine[COSIG_BYTES])
{
	const struct genesis *g = c->n->genesis;
	struct acc_err err = {0};
	struct checkpoint cp = {.size = head->log_size};
	memset(&c->cur, 0, sizeof c->cur);
	c->cur.height = head->height;
	c->published = 0;
	c->time_s = head->time_ms / 1000u;
	memcpy(cp.origin, g->chain_id, strlen(g->chain_id) + 1);
	memcpy(cp.root, head->log_root, HASH_BYTES);
	if (checkpoint_text_format(&cp, c->text, sizeof c->text, &c->text_len,
				   &err) != 0) {
		c->cur.height = 0;
		return 0;
	}
	int signed_here = 0;
	if (self >= 0 && (size_t)self < g->validator_count &&
	    note_name_valid(g->validators[self].name,
			    strlen(g->validators[self].name))) {
		char line[COSIG_LINE_BYTES_MAX + 1];
		size_t ll = 0;
		const char *name = g->validators[self].name;
		size_t nl = strlen(name);
		size_t got = 0;
		/* The line is "— name base64\n"; its base64 is the raw
		 * cosignature this node sends. */
		if (checkpoint_cosign(line, sizeof line, &ll, c->text,
				      c->text_len, name, &c->n->key.key,
				      c->time_s, &err) == 0 &&
		    ll > sizeof SIG_PREFIX - 1 + nl + 2) {
			line[ll - 1] = '\0';
			if (base64_decode(mine, COSIG_BYTES, &got,
					  line + sizeof SIG_PREFIX - 1 + nl +
					      1) == 0 &&
			    got == COSIG_BYTES) {
				c->cur.have[self] = 1;
				memcpy(c->cur.raw[self], mine, COSIG_BYTES);
				signed_here = 1;
			}
		}
	}
	if (c->next.height == head->height) {
		for (uint16_t v = 0; v < g->validator_count; v++)
			if (c->next.have[v] && !c->cur.have[v] &&
			    verify_one(c, v, c->next.raw[v]) == 0) {
				c->cur.have[v] = 1;
				memcpy(c->cur.raw[v], c->next.raw[v],
				       COSIG_BYTES);
			}
	}
	memset(&c->next, 0, sizeof c->next);
	publish(c);
	return signed_here;
}

int cosign_add(struct cosign *c, uint64_t height, uint16_t validator,
	       const uint8_t raw[COSIG_BYTES])
{
	const struct genesis *g = c->n->genesis;
	if (validator >= g->validator_count)
		return ACC_EUNKNOWNKEY;
	if (height == c->cur.height + 1) {
		if (c->next.height != height) {
			memset(&c->next, 0, sizeof c->next);
			c->next.height = height;
		}
		c->next.have[validator] = 1;
		memcpy(c->next.raw[validator], raw, COSIG_BYTES);
		return 0;
	}
	if (height != c->cur.height || c->cur.height == 0 ||
	    c->cur.have[validator])
		return 0;
	int rc = verify_one(c, validator, raw);
	if (rc != 0)
		return rc;
	c->cur.have[validator] = 1;
	memcpy(c->cur.raw[validator], raw, COSIG_BYTES);
	publish(c);
	return 0;
}
