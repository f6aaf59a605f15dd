/* keyfile.c - Ed25519 key files as small JSON objects (specs/keyfile.md). */
#include "common/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hex.h"

static int copy_str(char *dst, size_t cap, const json_t *v, const char *name,
		    struct acc_err *err)
{
	if (!json_is_string(v))
		return acc_err_set(err, ACC_ETYPE, "key file: \"%s\" must be a string", name);
	const char *s = json_string_value(v);
	if (strlen(s) >= cap)
		return acc_err_set(err, ACC_ETOOBIG, "key file: \"%s\" too long", name);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int keyfile_load(struct keyfile *kf, const char *path, struct acc_err *err)
{
	memset(kf, 0, sizeof *kf);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "key file %s: %s", path, strerror(errno));
	char buf[KEYFILE_BYTES_MAX + 1];
	size_t n = fread(buf, 1, sizeof buf, f);
	(void)fclose(f);
	if (n > KEYFILE_BYTES_MAX)
		return acc_err_set(err, ACC_ETOOBIG, "key file %s: larger than %u bytes", path, KEYFILE_BYTES_MAX);
	json_error_t je;
	json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	memzero(buf, sizeof buf);
	if (j == NULL)
		return acc_err_set(err, ACC_EJSON, "key file %s: line %d: %s", path, je.line, je.text);
	int rc = ACC_EJSON;
	uint8_t seed[SEED_BYTES];
	const json_t *type = json_object_get(j, "type");
	if (!json_is_string(type) || strcmp(json_string_value(type), "ed25519") != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "key file %s: \"type\" must be \"ed25519\"", path);
		goto out;
	}
	const json_t *role = json_object_get(j, "role");
	const json_t *id = json_object_get(j, "id");
	if ((role != NULL && (rc = copy_str(kf->role, sizeof kf->role, role, "role", err)) != 0) ||
	    (id != NULL && (rc = copy_str(kf->id, sizeof kf->id, id, "id", err)) != 0))
		goto out;
	const json_t *sv = json_object_get(j, "seed");
	const json_t *pv = json_object_get(j, "public_key");
	uint8_t pk[PUBKEY_BYTES];
	if (!json_is_string(sv) || hex_decode(seed, sizeof seed, json_string_value(sv)) != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "key file %s: \"seed\" must be 64 hex digits", path);
		goto out;
	}
	if (!json_is_string(pv) || hex_decode(pk, sizeof pk, json_string_value(pv)) != 0) {
		rc = acc_err_set(err, ACC_EDECODE, "key file %s: \"public_key\" must be 64 hex digits", path);
		goto out;
	}
	rc = key_from_seed(&kf->key, seed);
	if (rc != 0) {
		(void)acc_err_set(err, rc, "key file %s: %s", path, acc_strerror(rc));
		goto out;
	}
	if (memcmp(pk, kf->key.pk, PUBKEY_BYTES) != 0) {
		key_free(&kf->key);
		rc = acc_err_set(err, ACC_EMISMATCH, "key file %s: public key does not match seed", path);
		goto out;
	}
	rc = 0;
out:
	memzero(seed, sizeof seed);
	json_decref(j);
	return rc;
}

int keyfile_save(const struct keyfile *kf, const char *path, int overwrite,
		 struct acc_err *err)
{
	char seedhex[2 * SEED_BYTES + 1];
	char pkhex[2 * PUBKEY_BYTES + 1];
	uint8_t seed[SEED_BYTES];
	key_seed(&kf->key, seed);
	hex_encode(seedhex, seed, sizeof seed);
	hex_encode(pkhex, kf->key.pk, sizeof kf->key.pk);
	memzero(seed, sizeof seed);

	char text[KEYFILE_BYTES_MAX];
	int n = snprintf(text, sizeof text,
			 "{\n  \"type\": \"ed25519\",\n  \"role\": \"%s\",\n  \"id\": \"%s\",\n"
			 "  \"public_key\": \"%s\",\n  \"seed\": \"%s\"\n}\n",
			 kf->role, kf->id, pkhex, seedhex);
	memzero(seedhex, sizeof seedhex);
	int rc = 0;
	if (n < 0 || (size_t)n >= sizeof text) {
		rc = acc_err_set(err, ACC_ETOOBIG, "key file %s: fields too long", path);
		goto out;
	}
	if (!overwrite && access(path, F_OK) == 0) {
		rc = acc_err_set(err, ACC_EDUP, "key file %s exists; refusing to overwrite", path);
		goto out;
	}
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		rc = acc_err_set(err, ACC_EINVAL, "key file path too long");
		goto out;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		rc = acc_err_set(err, ACC_EIO, "key file %s: %s", tmp, strerror(errno));
		goto out;
	}
	ssize_t w = write(fd, text, (size_t)n);
	if (w != n || fsync(fd) != 0) {
		rc = acc_err_set(err, ACC_EIO, "key file %s: write failed: %s", tmp, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		rc = acc_err_set(err, ACC_EIO, "key file %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
out:
	memzero(text, sizeof text);
	return rc;
}

void keyfile_free(struct keyfile *kf)
{
	key_free(&kf->key);
	memset(kf, 0, sizeof *kf);
}

int keyfile_check_private(const char *path, struct acc_err *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return acc_err_set(err, ACC_EIO, "key file %s: %s", path,
				   strerror(errno));
	if ((st.st_mode & 077) != 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "key file %s has mode %04o: group or others "
				   "may access the private key; run chmod 600 "
				   "%s",
				   path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}
