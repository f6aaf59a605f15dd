/* field.h - internal to ledger/: checked reading and writing of the
 * record's field types in binary (strings, hashes) and JSON (typed getters
 * that name the field on error). Not part of the public contract. */
#ifndef ACCORD_LEDGER_FIELD_H
#define ACCORD_LEDGER_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/codec.h"
#include "common/error.h"

/* Path of a field for error messages: "obligations[2].target". */
#define FIELD_PATH_BYTES 96u

/* String syntax classes (specs/encoding.md §2.3). */
enum field_str_class {
	FIELD_TEXT = 0,  /* any UTF-8 without NUL, may be empty */
	FIELD_NONEMPTY,  /* as TEXT, at least one byte */
	FIELD_ID,        /* party/verifier id syntax */
};

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points
 * above U+10FFFF) with no NUL byte. */
bool field_utf8_valid(const uint8_t *p, size_t n);

/* Check s against a bound and class; ACC_EDECODE naming path. NULL is "". */
int field_str_check(const char *s, size_t max, enum field_str_class cls,
		    const char *path, struct acc_err *err);

/* Read a var16 string, reject NUL and bad UTF-8 and lengths over max, and
 * duplicate it to the heap (*out, NUL-terminated). */
int field_str_read(struct rbuf *r, char **out, size_t max, const char *path,
		   struct acc_err *err);
/* Write s (NULL = "") as var16. */
void field_str_write(struct wbuf *w, const char *s);

/* Read a presence byte: 0 or 1, else ACC_EDECODE. */
int field_flag_read(struct rbuf *r, bool *v, const char *path,
		    struct acc_err *err);

/* Join prefix and name ("a." "b" -> "a.b"); with index ("obligations",
 * 2) -> "obligations[2]". */
void field_path(char out[FIELD_PATH_BYTES], const char *prefix,
		const char *name);
void field_path_index(char out[FIELD_PATH_BYTES], const char *prefix,
		      const char *name, size_t i);

/* ACC_ETYPE unless j is an object; ACC_EJSON naming the first key of obj
 * not in allowed (a NULL-terminated list). */
int field_json_keys(const json_t *obj, const char *const *allowed,
		    const char *prefix, struct acc_err *err);

/* Typed JSON getters. `required` false: *present tells whether the field
 * was there (present may be NULL when required). A missing required field
 * is ACC_EJSON, a wrong type ACC_ETYPE, a bad value ACC_EDECODE or
 * ACC_ERANGE; each names prefix+key. */
int field_json_str(const json_t *obj, const char *prefix, const char *key,
		   bool required, bool *present, char **out, size_t max,
		   enum field_str_class cls, struct acc_err *err);
int field_json_hex(const json_t *obj, const char *prefix, const char *key,
		   bool required, bool *present, uint8_t *out, size_t n,
		   struct acc_err *err);
int field_json_uint(const json_t *obj, const char *prefix, const char *key,
		    bool required, bool *present, uint64_t min, uint64_t max,
		    uint64_t *out, struct acc_err *err);
int field_json_int(const json_t *obj, const char *prefix, const char *key,
		   bool required, int64_t *out, struct acc_err *err);
int field_json_bool(const json_t *obj, const char *prefix, const char *key,
		    bool *out, struct acc_err *err);
int field_json_time(const json_t *obj, const char *prefix, const char *key,
		    bool required, bool *present, uint64_t *out,
		    struct acc_err *err);
int field_json_milli(const json_t *obj, const char *prefix, const char *key,
		     bool required, bool *present, int64_t *out,
		     struct acc_err *err);
/* An enum by name through parse (returns -1 for unknown). */
int field_json_enum(const json_t *obj, const char *prefix, const char *key,
		    int (*parse)(const char *), uint8_t *out,
		    struct acc_err *err);
/* The array at key (required): *arr borrowed, at most max items. */
int field_json_array(const json_t *obj, const char *prefix, const char *key,
		     size_t max, const json_t **arr, struct acc_err *err);

/* JSON builders that never leave a half-built object unnoticed: on any
 * allocation failure *ok becomes false (value is released). */
void field_set(json_t *obj, const char *key, json_t *value, bool *ok);
void field_set_str(json_t *obj, const char *key, const char *s, bool *ok);
void field_set_hex(json_t *obj, const char *key, const uint8_t *p, size_t n,
		   bool *ok);
void field_set_time(json_t *obj, const char *key, uint64_t t, bool *ok);
void field_set_milli(json_t *obj, const char *key, int64_t v, bool *ok);
void field_set_uint(json_t *obj, const char *key, uint64_t v, bool *ok);
void field_append(json_t *arr, json_t *value, bool *ok);
json_t *field_hex_json(const uint8_t *p, size_t n);

/* Duplicate s (NULL = "") to the heap; NULL on allocation failure. */
char *field_strdup(const char *s);

/* Parse JSON text with duplicate keys refused and return the value (new
 * reference) or ACC_EJSON with jansson's message and position. */
int field_json_parse(json_t **out, const char *text, size_t len,
		     struct acc_err *err);

#endif
