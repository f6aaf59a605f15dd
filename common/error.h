/* error.h - the project's one table of error codes and their messages. */
#ifndef ACCORD_COMMON_ERROR_H
#define ACCORD_COMMON_ERROR_H

#include <stddef.h>

/*
 * Every fallible function returns 0 on success or one of these negative
 * codes. The second column is the message acc_strerror() gives. Detail
 * (which field, which offset, which block) goes into a struct acc_err the
 * caller passes in; the code alone says what class of failure it was.
 */
#define ACC_ERRORS(X)                                                        \
	X(ACC_ENOMEM, -1, "out of memory")                                   \
	X(ACC_EINVAL, -2, "invalid argument")                                \
	X(ACC_EDECODE, -3, "malformed encoding")                             \
	X(ACC_ETOOBIG, -4, "size bound exceeded")                            \
	X(ACC_EBADSIG, -5, "bad signature")                                  \
	X(ACC_EUNKNOWNKEY, -6, "key not in genesis")                         \
	X(ACC_EDUP, -7, "duplicate: already present")                        \
	X(ACC_ENOTFOUND, -8, "not found")                                    \
	X(ACC_EIO, -9, "input/output error")                                 \
	X(ACC_ESTORE, -10, "storage error")                                  \
	X(ACC_EKIND, -11, "unknown entry kind")                              \
	X(ACC_ERULE, -12, "rule violated")                                   \
	X(ACC_EPROOF, -13, "proof does not verify")                          \
	X(ACC_ECERT, -14, "certificate does not verify")                     \
	X(ACC_ECHAIN, -15, "chain does not link")                            \
	X(ACC_EJSON, -16, "malformed JSON")                                  \
	X(ACC_ETYPE, -17, "wrong JSON type")                                 \
	X(ACC_ERANGE, -18, "value out of range")                             \
	X(ACC_EFULL, -19, "capacity exhausted")                              \
	X(ACC_ESTATE, -20, "invalid state for this operation")               \
	X(ACC_ECONFIG, -21, "bad configuration")                             \
	X(ACC_ENET, -22, "network error")                                    \
	X(ACC_ETIMEOUT, -23, "timed out")                                    \
	X(ACC_ECRYPTO, -24, "cryptographic library failure")                 \
	X(ACC_EDOUBLESIGN, -25, "refused: would sign a conflicting message") \
	X(ACC_EMISMATCH, -26, "values disagree")

enum acc_error {
	ACC_OK = 0,
#define ACC_ERROR_ENUM(name, value, msg) name = value,
	ACC_ERRORS(ACC_ERROR_ENUM)
#undef ACC_ERROR_ENUM
};

/* Bytes in an error detail message, including its NUL. */
#define ACC_ERRMSG_BYTES_MAX 256

/* An error code with a human-readable detail, filled by the callee. */
struct acc_err {
	int code;
	char msg[ACC_ERRMSG_BYTES_MAX];
};

/* The static message for code; "unknown error" for codes not in the table.
 * The returned string is static and never freed. */
const char *acc_strerror(int code);

/* The symbolic name ("ACC_EDECODE") of code, or "ACC_UNKNOWN". Static. */
const char *acc_errname(int code);

/*
 * Record code and a printf-style detail in err (which may be NULL, in which
 * case only the code is returned). Returns code, so callers can write
 * `return acc_err_set(err, ACC_EDECODE, "kind %u", k);`.
 */
int acc_err_set(struct acc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put a printf-style prefix before err's detail ("genesis g.json: " +
 * "validators[2].key: bad hex"); the code is kept. NULL-safe. */
void acc_err_prefix(struct acc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset err to "no error". NULL-safe. */
void acc_err_clear(struct acc_err *err);

#endif
