/* log.h - one line per event on stderr: UTC timestamp, level, message. */
#ifndef ACCORD_NODE_LOG_H
#define ACCORD_NODE_LOG_H

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_WARN = 2,
	LOG_LEVEL_ERROR = 3,
};

/* How each line is written (specs/node.md §2 "Logs"). */
enum log_format {
	LOG_FORMAT_TEXT = 0,   /* 2025-01-31T12:00:00.123Z INFO  message */
	LOG_FORMAT_LOGFMT = 1, /* ts=... level=info msg="message" */
	LOG_FORMAT_JSON = 2,   /* {"ts":"...","level":"info","msg":"..."} */
};

/* Parse "text", "logfmt" or "json"; 0 or ACC_EINVAL. */
int log_format_parse(const char *s, enum log_format *out);
/* Not synchronised: call before threads. */
void log_format_set(enum log_format format);

/* Parse "debug", "info", "warn" or "error"; 0 or ACC_EINVAL. */
int log_level_parse(const char *s, enum log_level *out);

/* Lines below level are dropped. Not synchronised: call before threads. */
void log_level_set(enum log_level level);

/* Write one line. Safe from any thread: the line is formatted first and
 * written with a single write(2), so lines never interleave. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A rate-limited log call site: at most one line per LOG_LIMIT_INTERVAL_MS;
 * the lines dropped in between are counted, and the next line written
 * ends with "(N more like this)". Any thread (the state is atomic).
 */
#define LOG_LIMIT_INTERVAL_MS 10000u
struct log_limit {
	_Atomic unsigned long long next_ms; /* monotonic; 0 = never written */
	_Atomic unsigned long long dropped;
};

/* Write the line if the site's interval has passed at now_ms (monotonic),
 * else count it. Returns 1 if written. */
int log_limited(struct log_limit *rl, unsigned long long now_ms,
		enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Monotonic milliseconds, the clock of log_limited. */
unsigned long long log_now_ms(void);

/* One limit per call site. */
#define LOG_RL(level, ...)                                                 \
	do {                                                               \
		static struct log_limit log_rl_;                           \
		(void)log_limited(&log_rl_, log_now_ms(), (level),         \
				  __VA_ARGS__);                            \
	} while (0)

#define LOG_DEBUG(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_ERROR(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
