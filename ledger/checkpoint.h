/* checkpoint.h - the log's checkpoints in the C2SP formats: signed notes,
 * verifier keys, tlog-checkpoint text, tlog-cosignature/v1 cosignatures by
 * the validators, their verification against genesis and the tlog-policy
 * export (specs/checkpoint.md). */
#ifndef ACCORD_LEDGER_CHECKPOINT_H
#define ACCORD_LEDGER_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/limits.h"

struct genesis;

/* Bounds (specs/checkpoint.md §2). */
#define NOTE_BYTES_MAX (64u * 1024u) /* a whole signed note */
#define NOTE_SIGS_MAX 256u	     /* signature lines in one note */
#define NOTE_NAME_BYTES_MAX 256u     /* a key name */
#define NOTE_SIG_B64_BYTES_MAX 4096u /* base64 of one signature line */
#define NOTE_KEY_ID_BYTES 4u
#define NOTE_VKEY_BYTES_MAX (NOTE_NAME_BYTES_MAX + 64u)

/* Signature algorithms of a verifier key (§3). */
#define NOTE_ALG_ED25519 0x01u	/* signed-note Ed25519 over the text */
#define NOTE_ALG_COSIG_V1 0x04u /* tlog-cosignature/v1 (Ed25519) */

/* key id ‖ u64 timestamp ‖ signature (§5.2). */
#define COSIG_BYTES (NOTE_KEY_ID_BYTES + 8u + SIG_BYTES)

#define CHECKPOINT_ORIGIN_BYTES_MAX 255u
#define CHECKPOINT_EXT_LINES_MAX 16u
/* origin, size, root, and a newline after each (§4). */
#define CHECKPOINT_TEXT_BYTES_MAX (CHAIN_ID_BYTES_MAX + 20u + 44u + 3u)
/* "— " ‖ name ‖ " " ‖ base64 of COSIG_BYTES ‖ "\n" (§5.2). */
#define COSIG_LINE_BYTES_MAX (4u + NOTE_NAME_BYTES_MAX + 1u + 104u + 1u)
/* A note with one cosignature, and its NUL (§6). */
#define CHECKPOINT_NOTE1_BYTES_MAX \
	(CHECKPOINT_TEXT_BYTES_MAX + 1u + COSIG_LINE_BYTES_MAX + 1u)

/* A verifier key: name, key id, algorithm and Ed25519 public key. Plain
 * value. */
struct note_vkey {
	char name[NOTE_NAME_BYTES_MAX + 1];
	uint8_t key_id[NOTE_KEY_ID_BYTES];
	uint8_t alg; /* NOTE_ALG_ED25519 or NOTE_ALG_COSIG_V1 */
	uint8_t pk[PUBKEY_BYTES];
};

/* One signature line of a parsed note. name and b64 borrow the note's
 * bytes and are valid as long as they are. */
struct note_sig {
	const char *name;
	size_t name_len;
	uint8_t key_id[NOTE_KEY_ID_BYTES];
	const char *b64; /* base64 of key id ‖ signature bytes */
	size_t b64_len;
	size_t sig_len; /* decoded bytes after the key id, >= 1 */
};

/* A parsed signed note (§2). text borrows the input: valid as long as it
 * is. Plain value of about 14 KiB; nothing to free. */
struct note {
	const char *text; /* ends with '\n' */
	size_t text_len;
	size_t sig_count;
	struct note_sig sigs[NOTE_SIGS_MAX];
};

/* The checkpoint body (§4). */
struct checkpoint {
	char origin[CHECKPOINT_ORIGIN_BYTES_MAX + 1];
	uint64_t size;
	uint8_t root[HASH_BYTES];
	size_t ext_lines; /* extension lines after the root (accord: 0) */
};

/* The outcome of checkpoint_verify: which validators cosigned. */
struct checkpoint_verdict {
	struct checkpoint cp;
	size_t signers; /* distinct validators whose cosig verified */
	uint64_t power; /* their power */
	uint64_t total; /* the genesis total power */
	uint64_t time_min, time_max;	   /* their cosignature timestamps */
	uint8_t signed_by[VALIDATORS_MAX]; /* 1 at each signer's index */
};

/* Key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ alg ‖ pk) (§3). */
void note_key_id(uint8_t id[NOTE_KEY_ID_BYTES], const char *name, uint8_t alg,
		 const uint8_t pk[PUBKEY_BYTES]);

/* Whether s[0..len) is a key name: non-empty, at most NOTE_NAME_BYTES_MAX
 * bytes of UTF-8 with no '+', no control character and no Unicode space
 * (§3). */
int note_name_valid(const char *s, size_t len);

/* Fill k from a name, algorithm and public key; ACC_EINVAL if name is not
 * a key name or alg unknown. */
int note_vkey_make(struct note_vkey *k, const char *name, uint8_t alg,
		   const uint8_t pk[PUBKEY_BYTES], struct acc_err *err);

/* Parse "<name>+<key id, 8 hex>+<base64(alg ‖ pk)>" (§3) of len bytes.
 * ACC_EDECODE for any malformed part, an algorithm other than 0x01/0x04,
 * or a key id that is not the one the name and key give. */
int note_vkey_parse(struct note_vkey *k, const char *s, size_t len,
		    struct acc_err *err);

/* Write the vkey string and a NUL into out (NOTE_VKEY_BYTES_MAX). */
void note_vkey_format(const struct note_vkey *k, char out[NOTE_VKEY_BYTES_MAX]);

/*
 * Split len bytes into text and signature lines (§2) without checking
 * any signature. ACC_ETOOBIG (over NOTE_BYTES_MAX, more than
 * NOTE_SIGS_MAX lines), ACC_EDECODE (bad UTF-8, a control character, no
 * blank line, no signature line, a line without the em dash, a bad key
 * name, bad base64, under 5 signature bytes).
 */
int note_parse(struct note *n, const char *msg, size_t len,
	       struct acc_err *err);

/*
 * Check n's signatures with keys[0..nkeys) (§2.3): a line whose name and
 * key id match no key is ignored; a line that matches a key must verify
 * (else ACC_EBADSIG naming the key); a key counts once however many lines
 * it has. verified (nkeys flags) and timestamps (nkeys; cosignatures
 * only) may be NULL. *count gets the number of distinct keys that
 * verified; none is ACC_EBADSIG. ACC_ENOMEM.
 */
int note_verify(const struct note *n, const struct note_vkey *keys,
		size_t nkeys, uint8_t *verified, uint64_t *timestamps,
		size_t *count, struct acc_err *err);

/* Write the checkpoint text "<origin>\n<size>\n<base64 root>\n" (§4) and a
 * NUL into out; *len gets the bytes before the NUL. ACC_EINVAL if origin
 * is empty or holds a newline, ACC_ETOOBIG if out_max is too small. */
int checkpoint_text_format(const struct checkpoint *c, char *out,
			   size_t out_max, size_t *len, struct acc_err *err);

/* Parse checkpoint text (§4): origin, canonical decimal size, canonical
 * base64 of 32 bytes, then up to CHECKPOINT_EXT_LINES_MAX non-empty
 * extension lines. ACC_EDECODE / ACC_ETOOBIG. */
int checkpoint_text_parse(struct checkpoint *c, const char *text, size_t len,
			  struct acc_err *err);

/*
 * Append one cosignature line (§5) for text by the key named name:
 * "— <name> <base64(key id ‖ u64be time_s ‖ sig)>\n", the signature over
 * "cosignature/v1\ntime <time_s>\n" ‖ text. Writes at out + *len and a
 * NUL, advancing *len. ACC_EINVAL (bad name), ACC_ETOOBIG (out_max),
 * ACC_ENOMEM.
 */
int checkpoint_cosign(char *out, size_t out_max, size_t *len, const char *text,
		      size_t text_len, const char *name, const struct key *k,
		      uint64_t time_s, struct acc_err *err);

/*
 * The checkpoint note a validator serves (§6): chain id as origin, size
 * and root, cosigned by validator index `validator` of g with key k at
 * time_s. out holds out_max bytes (CHECKPOINT_NOTE1_BYTES_MAX is always
 * enough); *len excludes the NUL. ACC_EINVAL (index, key not the
 * validator's), ACC_ECONFIG (the validator's name is not a key name),
 * ACC_ETOOBIG (out_max).
 */
int checkpoint_note_make(const struct genesis *g, size_t validator,
			 const struct key *k, uint64_t size,
			 const uint8_t root[HASH_BYTES], uint64_t time_s,
			 char *out, size_t out_max, size_t *len,
			 struct acc_err *err);

/*
 * Verify a checkpoint note against genesis (§7): parse, the text is a
 * checkpoint without extension lines whose origin is the chain id
 * (ACC_EMISMATCH), the validators' cosignatures (ACC_EBADSIG as in
 * note_verify), and 3 × cosigned power > 2 × total (ACC_ECERT). v is
 * filled as far as verification got.
 */
int checkpoint_verify(const struct genesis *g, const char *note, size_t len,
		      struct checkpoint_verdict *v, struct acc_err *err);

/*
 * The smallest k such that any k validators hold more than two thirds of
 * the power (§8); *equal gets 1 when all validators have equal power.
 */
size_t checkpoint_policy_quorum(const struct genesis *g, int *equal);

/* The tlog-policy text (§8) into a new heap buffer (*out, free()),
 * NUL-terminated. ACC_ENOMEM, ACC_ECONFIG (a name is not a key name). */
int checkpoint_policy_format(const struct genesis *g, char **out, size_t *len,
			     struct acc_err *err);

#endif
