/* log.c - timestamped log lines on stderr. */
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

int log_level_parse(const char *s, enum log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return ACC_EINVAL;
}

void log_level_set(enum log_level level)
{
	log_threshold = level;
}

static void log_vmsg(enum log_level level, const char *suffix,
		     const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	int k = snprintf(line + n, sizeof line - n, ".%03ldZ %-5s ",
			 ts.tv_nsec / 1000000L, level_names[level]);
	if (k > 0)
		n += (size_t)k;
	k = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (k > 0)
		n += (size_t)k < sizeof line - n - 1 ? (size_t)k
						     : sizeof line - n - 2;
	if (suffix != NULL && n < sizeof line - 2) {
		k = snprintf(line + n, sizeof line - n - 1, "%s", suffix);
		if (k > 0)
			n += (size_t)k < sizeof line - n - 1
				 ? (size_t)k
				 : sizeof line - n - 2;
	}
	/* Newlines inside a message would split one event over lines. */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
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
