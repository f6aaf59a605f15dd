/* field.c - checked field reading and writing shared by entry, genesis,
 * block and cert codecs (specs/encoding.md §2). */
#include "ledger/field.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/fixed.h"
#include "ledger/genesis.h"

bool field_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp;
		uint32_t min;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1fu;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0fu;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07u;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			uint8_t cc = p[i + k];
			if ((cc & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (cc & 0x3fu);
		}
		/* RFC 3629 §3: no overlong forms, no UTF-16 surrogates, nothing
		 * above U+10FFFF. */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += len;
	}
	return true;
}

int field_str_check(const char *s, size_t max, enum field_str_class cls,
		    const char *path, struct acc_err *err)
{
	if (s == NULL)
		s = "";
	size_t n = strnlen(s, max + 1);
	if (n > max)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: longer than %zu bytes", path, max);
	if (cls == FIELD_ID) {
		if (!genesis_id_valid(s, n))
			return acc_err_set(
			    err, ACC_EDECODE,
			    "%s: not an id (1-%u of A-Z a-z 0-9 . _ -)", path,
			    PARTY_ID_BYTES_MAX);
		return 0;
	}
	if (cls == FIELD_NONEMPTY && n == 0)
		return acc_err_set(err, ACC_EDECODE, "%s: empty", path);
	if (!field_utf8_valid((const uint8_t *)s, n))
		return acc_err_set(err, ACC_EDECODE, "%s: invalid UTF-8", path);
	return 0;
}

int field_str_read(struct rbuf *r, char **out, size_t max, const char *path,
		   struct acc_err *err)
{
	const uint8_t *p;
	size_t n;
	*out = NULL;
	if (rbuf_var16(r, &p, &n, UINT16_MAX) != 0)
		return acc_err_set(err, ACC_EDECODE, "%s: truncated", path);
	if (n > max)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: longer than %zu bytes", path, max);
	if (!field_utf8_valid(p, n))
		return acc_err_set(err, ACC_EDECODE,
				   "%s: invalid UTF-8 or NUL byte", path);
	char *s = malloc(n + 1);
	if (s == NULL)
		return acc_err_set(err, ACC_ENOMEM, "%s", path);
	if (n > 0)
		memcpy(s, p, n);
	s[n] = 0;
	*out = s;
	return 0;
}

void field_str_write(struct wbuf *w, const char *s)
{
	if (s == NULL)
		s = "";
	wbuf_var16(w, s, strlen(s));
}

int field_flag_read(struct rbuf *r, bool *v, const char *path,
		    struct acc_err *err)
{
	uint8_t b;
	*v = false;
	if (rbuf_u8(r, &b) != 0)
		return acc_err_set(err, ACC_EDECODE, "%s: truncated", path);
	if (b > 1)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: flag byte %u is not 0 or 1", path, b);
	*v = b == 1;
	return 0;
}

void field_path(char out[FIELD_PATH_BYTES], const char *prefix,
		const char *name)
{
	snprintf(out, FIELD_PATH_BYTES, "%s%s", prefix ? prefix : "", name);
}

void field_path_index(char out[FIELD_PATH_BYTES], const char *prefix,
		      const char *name, size_t i)
{
	snprintf(out, FIELD_PATH_BYTES, "%s%s[%zu]", prefix ? prefix : "", name,
		 i);
}

int field_json_keys(const json_t *obj, const char *const *allowed,
		    const char *prefix, struct acc_err *err)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj))
		return acc_err_set(err, ACC_ETYPE, "%s: expected an object",
				   prefix && *prefix ? prefix : "entry");
	json_object_foreach((json_t *)obj, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL; i++) {
			if (strcmp(key, allowed[i]) == 0) {
				ok = true;
				break;
			}
		}
		if (!ok)
			return acc_err_set(err, ACC_EJSON, "unknown field %s%s",
					   prefix ? prefix : "", key);
	}
	return 0;
}

/* Look key up: 0 with *v (NULL when absent and optional). */
static int get(const json_t *obj, const char *prefix, const char *key,
	       bool required, bool *present, json_t **v, struct acc_err *err)
{
	*v = json_object_get(obj, key);
	if (present != NULL)
		*present = *v != NULL;
	if (*v == NULL && required)
		return acc_err_set(err, ACC_EJSON, "missing field %s%s",
				   prefix ? prefix : "", key);
	return 0;
}

int field_json_str(const json_t *obj, const char *prefix, const char *key,
		   bool required, bool *present, char **out, size_t max,
		   enum field_str_class cls, struct acc_err *err)
{
	json_t *v;
	char path[FIELD_PATH_BYTES];
	int rc = get(obj, prefix, key, required, present, &v, err);
	*out = NULL;
	if (rc != 0 || v == NULL)
		return rc;
	field_path(path, prefix, key);
	if (!json_is_string(v))
		return acc_err_set(err, ACC_ETYPE, "%s: expected a string",
				   path);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	/* jansson allows \u0000 inside strings; the record does not. */
	if (strlen(s) != n)
		return acc_err_set(err, ACC_EDECODE, "%s: contains NUL", path);
	if ((rc = field_str_check(s, max, cls, path, err)) != 0)
		return rc;
	*out = field_strdup(s);
	if (*out == NULL)
		return acc_err_set(err, ACC_ENOMEM, "%s", path);
	return 0;
}

int field_json_hex(const json_t *obj, const char *prefix, const char *key,
		   bool required, bool *present, uint8_t *out, size_t n,
		   struct acc_err *err)
{
	json_t *v;
	char path[FIELD_PATH_BYTES];
	int rc = get(obj, prefix, key, required, present, &v, err);
	memset(out, 0, n);
	if (rc != 0 || v == NULL)
		return rc;
	field_path(path, prefix, key);
	if (!json_is_string(v))
		return acc_err_set(err, ACC_ETYPE, "%s: expected a hex string",
				   path);
	if (json_string_length(v) != 2 * n ||
	    hex_decode(out, n, json_string_value(v)) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: expected %zu hex digits", path, 2 * n);
	return 0;
}

int field_json_uint(const json_t *obj, const char *prefix, const char *key,
		    bool required, bool *present, uint64_t min, uint64_t max,
		    uint64_t *out, struct acc_err *err)
{
	json_t *v;
	char path[FIELD_PATH_BYTES];
	int rc = get(obj, prefix, key, required, present, &v, err);
	*out = 0;
	if (rc != 0 || v == NULL)
		return rc;
	field_path(path, prefix, key);
	if (!json_is_integer(v))
		return acc_err_set(err, ACC_ETYPE, "%s: expected an integer",
				   path);
	json_int_t n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return acc_err_set(err, ACC_ERANGE,
				   "%s: %lld outside %llu..%llu", path,
				   (long long)n, (unsigned long long)min,
				   (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

int field_json_int(const json_t *obj, const char *prefix, const char *key,
		   bool required, int64_t *out, struct acc_err *err)
{
	json_t *v;
	char path[FIELD_PATH_BYTES];
	int rc = get(obj, prefix, key, required, NULL, &v, err);
	*out = 0;
	if (rc != 0 || v == NULL)
		return rc;
	field_path(path, prefix, key);
	if (!json_is_integer(v))
		return acc_err_set(err, ACC_ETYPE, "%s: expected an integer",
				   path);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int field_json_bool(const json_t *obj, const char *prefix, const char *key,
		    bool *out, struct acc_err *err)
{
	json_t *v;
	int rc = get(obj, prefix, key, true, NULL, &v, err);
	*out = false;
	if (rc != 0)
		return rc;
	if (!json_is_boolean(v))
		return acc_err_set(err, ACC_ETYPE, "%s%s: expected true or false",
				   prefix ? prefix : "", key);
	*out = json_is_true(v);
	return 0;
}

int field_json_time(const json_t *obj, const char *prefix, const char *key,
		    bool required, bool *present, uint64_t *out,
		    struct acc_err *err)
{
	json_t *v;
	char path[FIELD_PATH_BYTES];
	int rc = get(obj, prefix, key, required, present, &v, err);
	*out = 0;
	if (rc != 0 || v == NULL)
		return rc;
	field_path(path, prefix, key);
	if (!json_is_string(v))
		return acc_err_set(err, ACC_ETYPE,
				   "%s: expected an RFC 3339 time string", path);
	struct acc_err e2;
	if (json_string_length(v) != 20 ||
	    fixed_time_parse(out, json_string_value(v), &e2) != 0)
		return acc_err_set(err, ACC_EDECODE,
				   "%s: expected a time like "
				   "2017-12-31T23:59:59Z",
				   path);
	return 0;
}

int field_json_milli(const json_t *obj, const char *prefix, const char *key,
		     bool required, bool *present, int64_t *out,
		     struct acc_err *err)
{
	json_t *v;
	char path[FIELD_PATH_BYTES];
	int rc = get(obj, prefix, key, required, present, &v, err);
	*out = 0;
	if (rc != 0 || v == NULL)
		return rc;
	field_path(path, prefix, key);
	return fixed_milli_from_json(out, v, path, err);
}

int field_json_enum(const json_t *obj, const char *prefix, const char *key,
		    int (*parse)(const char *), uint8_t *out,
		    struct acc_err *err)
{
	json_t *v;
	int rc = get(obj, prefix, key, true, NULL, &v, err);
	*out = 0;
	if (rc != 0)
		return rc;
	if (!json_is_string(v))
		return acc_err_set(err, ACC_ETYPE, "%s%s: expected a string",
				   prefix ? prefix : "", key);
	int c = parse(json_string_value(v));
	if (c <= 0 || strlen(json_string_value(v)) != json_string_length(v))
		return acc_err_set(err, ACC_EDECODE, "%s%s: unknown value \"%.40s\"",
				   prefix ? prefix : "", key,
				   json_string_value(v));
	*out = (uint8_t)c;
	return 0;
}

int field_json_array(const json_t *obj, const char *prefix, const char *key,
		     size_t max, const json_t **arr, struct acc_err *err)
{
	json_t *v;
	int rc = get(obj, prefix, key, true, NULL, &v, err);
	*arr = NULL;
	if (rc != 0)
		return rc;
	if (!json_is_array(v))
		return acc_err_set(err, ACC_ETYPE, "%s%s: expected an array",
				   prefix ? prefix : "", key);
	if (json_array_size(v) > max)
		return acc_err_set(err, ACC_EDECODE,
				   "%s%s: more than %zu items",
				   prefix ? prefix : "", key, max);
	*arr = v;
	return 0;
}

void field_set(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (value == NULL) {
		*ok = false;
		return;
	}
	if (json_object_set_new(obj, key, value) != 0)
		*ok = false;
}

void field_set_str(json_t *obj, const char *key, const char *s, bool *ok)
{
	field_set(obj, key, json_string(s ? s : ""), ok);
}

json_t *field_hex_json(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	if (n > 64)
		return NULL;
	hex_encode(buf, p, n);
	return json_string(buf);
}

void field_set_hex(json_t *obj, const char *key, const uint8_t *p, size_t n,
		   bool *ok)
{
	field_set(obj, key, field_hex_json(p, n), ok);
}

void field_set_time(json_t *obj, const char *key, uint64_t t, bool *ok)
{
	char buf[TIME_TEXT_BYTES];
	fixed_time_format(buf, t);
	field_set(obj, key, json_string(buf), ok);
}

void field_set_milli(json_t *obj, const char *key, int64_t v, bool *ok)
{
	field_set(obj, key, fixed_milli_to_json(v), ok);
}

void field_set_uint(json_t *obj, const char *key, uint64_t v, bool *ok)
{
	field_set(obj, key, json_integer((json_int_t)v), ok);
}

void field_append(json_t *arr, json_t *value, bool *ok)
{
	if (value == NULL) {
		*ok = false;
		return;
	}
	if (json_array_append_new(arr, value) != 0)
		*ok = false;
}

char *field_strdup(const char *s)
{
	if (s == NULL)
		s = "";
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

int field_json_parse(json_t **out, const char *text, size_t len,
		     struct acc_err *err)
{
	json_error_t je;
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (*out == NULL)
		return acc_err_set(err, ACC_EJSON, "line %d column %d: %s",
				   je.line, je.column, je.text);
	return 0;
}
