/* log.c - timestamped log lines on stderr: text, logfmt or JSON
 * (specs/node.md §2 "Logs"). */
#include "node/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *const level_words[] = {"debug", "info", "warn", "error"};

/* The index of s in names[0..n), or -1. */
static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int log_level_parse(const char *s, enum log_level *out)
{
	int i = name_index(level_words, 4, s);
	if (i < 0)
		return ACC_EINVAL;
	*out = (enum log_level)i;
	return 0;
}

void log_level_set(enum log_level level)
{
	log_threshold = level;
}

static enum log_format log_style = LOG_FORMAT_TEXT;

int log_format_parse(const char *s, enum log_format *out)
{
	static const char *const names[] = {"text", "logfmt", "json"};
	int i = name_index(names, 3, s);
	if (i < 0)
		return ACC_EINVAL;
	*out = (enum log_format)i;
	return 0;
}

void log_format_set(enum log_format format)
{
	log_style = format;
}

/* Append msg to line[*n..cap) as a quoted string: JSON escapes (", \,
 * control bytes as \u00XX) for json, the same quotes and backslashes for
 * logfmt (specs/node.md §2 "Logs"). Truncates, never overflows. */
static void quoted_put(char *line, size_t *n, size_t cap, const char *msg)
{
	size_t k = *n;
	if (k + 1 < cap)
		line[k++] = '"';
	for (const char *p = msg; *p != '\0' && k + 8 < cap; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			line[k++] = '\\';
			line[k++] = (char)c;
		} else if (c < 0x20) {
			k += (size_t)snprintf(line + k, cap - k, "\\u%04x", c);
		} else {
			line[k++] = (char)c;
		}
	}
	if (k + 1 < cap)
		line[k++] = '"';
	*n = k;
}

static void log_vmsg(enum log_level level, const char *suffix,
		     const char *fmt, va_list ap)
{
	char msg[1024], ts[40], line[2200];
	int k = vsnprintf(msg, sizeof msg, fmt, ap);
	size_t m = k < 0 ? 0 : (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1;
	msg[m] = '\0';
	if (suffix != NULL)
		(void)snprintf(msg + m, sizeof msg - m, "%s", suffix);
	/* Newlines inside a message would split one event over lines. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	struct timespec tv;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &tv);
	(void)gmtime_r(&tv.tv_sec, &tm);
	size_t t = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(ts + t, sizeof ts - t, ".%03ldZ",
		       tv.tv_nsec / 1000000L);
	size_t n = 0, cap = sizeof line - 1; /* room for the newline */
	switch (log_style) {
	case LOG_FORMAT_LOGFMT:
		n = (size_t)snprintf(line, cap, "ts=%s level=%s msg=", ts,
				     level_words[level]);
		quoted_put(line, &n, cap, msg);
		break;
	case LOG_FORMAT_JSON:
		n = (size_t)snprintf(line, cap,
				     "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":",
				     ts, level_words[level]);
		quoted_put(line, &n, cap, msg);
		if (n + 1 < cap)
			line[n++] = '}';
		break;
	default:
		k = snprintf(line, cap, "%s %-5s %s", ts, level_names[level],
			     msg);
		n = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
		break;
	}
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < log_threshold)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}

unsigned long long log_now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000u +
	       (unsigned long long)ts.tv_nsec / 1000000u;
}

int log_limited(struct log_limit *rl, unsigned long long now_ms,
		enum log_level level, const char *fmt, ...)
{
	if (level < log_threshold)
		return 0;
	unsigned long long next = atomic_load(&rl->next_ms);
	/* One thread wins the slot of this interval; the others count. */
	if ((next != 0 && now_ms < next) ||
	    !atomic_compare_exchange_strong(&rl->next_ms, &next,
					    now_ms + LOG_LIMIT_INTERVAL_MS)) {
		atomic_fetch_add(&rl->dropped, 1);
		return 0;
	}
	unsigned long long dropped = atomic_exchange(&rl->dropped, 0);
	char suffix[64];
	if (dropped > 0)
		(void)snprintf(suffix, sizeof suffix, " (%llu more like this)",
			       dropped);
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, dropped > 0 ? suffix : NULL, fmt, ap);
	va_end(ap);
	return 1;
}
