/* test_node_log.c - the node's log line formats (specs/node.md §2 "Logs")
 * and the config field that picks one (§1 log_format). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/config.h"
#include "node/log.h"
#include "tests/test.h"

/* Everything the body writes on stderr, as one string in buf. */
static void capture(char *buf, size_t cap, enum log_format format,
		    const char *msg)
{
	char path[] = "/tmp/test_node_log.XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	int saved = dup(STDERR_FILENO);
	ASSERT(saved >= 0);
	ASSERT(dup2(fd, STDERR_FILENO) >= 0);
	log_format_set(format);
	LOG_WARN("%s", msg);
	log_format_set(LOG_FORMAT_TEXT);
	ASSERT(dup2(saved, STDERR_FILENO) >= 0);
	(void)close(saved);
	memset(buf, 0, cap);
	ssize_t n = pread(fd, buf, cap - 1, 0);
	(void)close(fd);
	(void)unlink(path);
	ASSERT(n > 0);
}

static void test_log_formats(void)
{
	char buf[4096];
	capture(buf, sizeof buf, LOG_FORMAT_TEXT, "peer \"v1\" gone");
	ASSERT(strstr(buf, "Z WARN  peer \"v1\" gone\n") != NULL);
	capture(buf, sizeof buf, LOG_FORMAT_LOGFMT, "peer \"v1\" gone\\x");
	ASSERT(strncmp(buf, "ts=20", 5) == 0);
	ASSERT(strstr(buf, "Z level=warn msg=\"peer \\\"v1\\\" gone\\\\x\"\n") !=
	       NULL);
	capture(buf, sizeof buf, LOG_FORMAT_JSON, "a\tb \"c\"\nd");
	ASSERT(strncmp(buf, "{\"ts\":\"20", 9) == 0);
	/* The newline became a space; the tab is escaped for JSON. */
	ASSERT(strstr(buf, "\",\"level\":\"warn\",\"msg\":"
			   "\"a\\u0009b \\\"c\\\" d\"}\n") != NULL);
	/* A message longer than the buffer stays one closed JSON object. */
	char big[3000];
	memset(big, '"', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	capture(buf, sizeof buf, LOG_FORMAT_JSON, big);
	size_t n = strlen(buf);
	ASSERT(n > 2 && buf[n - 1] == '\n' && buf[n - 2] == '}');
	ASSERT(strchr(buf, '\n') == buf + n - 1);
}

static void test_log_format_config(void)
{
	enum log_format f;
	ASSERT_OK(log_format_parse("json", &f));
	ASSERT_EQ(f, LOG_FORMAT_JSON);
	ASSERT_OK(log_format_parse("logfmt", &f));
	ASSERT_EQ(f, LOG_FORMAT_LOGFMT);
	ASSERT_EQ(log_format_parse("JSON", &f), ACC_EINVAL);
	const char *base = "{\"genesis\":\"g\",\"key\":\"k\",\"data_dir\":\"d\","
			   "\"validator\":0,\"http_listen\":\"127.0.0.1:1\"";
	char j[512];
	struct node_config c;
	struct acc_err e = {0};
	(void)snprintf(j, sizeof j, "%s}", base);
	ASSERT_OK(config_parse(&c, j, strlen(j), NULL, &e));
	ASSERT_EQ(c.log_format, LOG_FORMAT_TEXT);
	(void)snprintf(j, sizeof j, "%s,\"log_format\":\"logfmt\"}", base);
	ASSERT_OK(config_parse(&c, j, strlen(j), NULL, &e));
	ASSERT_EQ(c.log_format, LOG_FORMAT_LOGFMT);
	(void)snprintf(j, sizeof j, "%s,\"log_format\":\"xml\"}", base);
	ASSERT_EQ(config_parse(&c, j, strlen(j), NULL, &e), ACC_ECONFIG);
	ASSERT(strstr(e.msg, "log_format") != NULL);
	(void)snprintf(j, sizeof j, "%s,\"log_format\":1}", base);
	ASSERT_EQ(config_parse(&c, j, strlen(j), NULL, &e), ACC_ETYPE);
}

int main(void)
{
	RUN(test_log_formats);
	RUN(test_log_format_config);
	return 0;
}
