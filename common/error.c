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

void acc_err_clear(struct acc_err *err)
{
	if (err == NULL)
		return;
	err->code = ACC_OK;
	err->msg[0] = '\0';
}
