/* error.c - messages for the error table in error.h. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *acc_strerror(int code)
{
	switch (code) {
	case ACC_OK:
		return "success";
#define ACC_ERROR_MSG(name, value, msg) \
	case name:                      \
		return msg;
		ACC_ERRORS(ACC_ERROR_MSG)
#undef ACC_ERROR_MSG
	}
	return "unknown error";
}

const char *acc_errname(int code)
{
	switch (code) {
	case ACC_OK:
		return "ACC_OK";
#define ACC_ERROR_NAME(name, value, msg) \
	case name:                       \
		return #name;
		ACC_ERRORS(ACC_ERROR_NAME)
#undef ACC_ERROR_NAME
	}
	return "ACC_UNKNOWN";
}

int acc_err_set(struct acc_err *err, int code, const char *fmt, ...)
{
	if (err == NULL)
		return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		(void)snprintf(err->msg, sizeof err->msg, "%s", acc_strerror(code));
	return code;
}

void acc_err_prefix(struct acc_err *err, const char *fmt, ...)
{
	char prefix[ACC_ERRMSG_BYTES_MAX];
	if (err == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Shift the old detail right and put the prefix before it; the
	 * message is cut at the end when the two do not fit. */
	size_t cap = sizeof err->msg - 1;
	size_t pl = (size_t)n < cap ? (size_t)n : cap;
	size_t ol = strlen(err->msg);
	if (ol > cap - pl)
		ol = cap - pl;
	memmove(err->msg + pl, err->msg, ol);
	memcpy(err->msg, prefix, pl);
	err->msg[pl + ol] = '\0';
}

void acc_err_clear(struct acc_err *err)
{
	if (err == NULL)
		return;
	err->code = ACC_OK;
	err->msg[0] = '\0';
}
