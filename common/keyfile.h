/* keyfile.h - reading and writing Ed25519 key files (specs/keyfile.md). */
#ifndef ACCORD_COMMON_KEYFILE_H
#define ACCORD_COMMON_KEYFILE_H

#include "common/crypto.h"
#include "common/error.h"

/* Bytes of the id and role strings, including the NUL. */
#define KEYFILE_ID_BYTES_MAX 64u
#define KEYFILE_ROLE_BYTES_MAX 16u
#define KEYFILE_BYTES_MAX 4096u

/*
 * A key file is a small JSON object, written with mode 0600:
 *   {"type":"ed25519","role":"party","id":"CN-BJ",
 *    "public_key":"<64 hex>","seed":"<64 hex>"}
 * role is "party", "verifier", "validator" or "" (a bare key); id names
 * the party, verifier or validator the key belongs to.
 */
struct keyfile {
	struct key key; /* owned; released by keyfile_free */
	char role[KEYFILE_ROLE_BYTES_MAX];
	char id[KEYFILE_ID_BYTES_MAX];
};

/* Load and check a key file: the public key must match the seed.
 * ACC_EIO if unreadable, ACC_EDECODE/ACC_EJSON if malformed. */
int keyfile_load(struct keyfile *kf, const char *path, struct acc_err *err);

/* Write kf to path with mode 0600, refusing to overwrite an existing file
 * unless overwrite is set. The file is written to a temporary name, synced
 * and renamed, so a crash never leaves half a key. */
int keyfile_save(const struct keyfile *kf, const char *path, int overwrite,
		 struct acc_err *err);

/* A key a daemon runs with must be private, as ssh requires
 * (specs/keyfile.md "Permissions"): 0, ACC_EIO if path cannot be
 * stat'ed, ACC_ECONFIG if group or others may read or write it (the
 * message gives the chmod that fixes it). */
int keyfile_check_private(const char *path, struct acc_err *err);

/* Wipe and free the key. Safe on a zeroed keyfile. */
void keyfile_free(struct keyfile *kf);

#endif
