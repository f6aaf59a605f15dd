/* util.c - helpers shared by the accord commands. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "accord: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

int cli_file_read(const char *path, size_t max, char **out, size_t *len,
		  struct acc_err *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return acc_err_set(err, ACC_EIO, "%s: %s", path,
				   strerror(errno));
	char *buf = malloc(max + 2);
	if (buf == NULL) {
		(void)fclose(f);
		return acc_err_set(err, ACC_ENOMEM, "out of memory reading %s",
				   path);
	}
	size_t n = fread(buf, 1, max + 1, f);
	int bad = ferror(f);
	(void)fclose(f);
	if (bad) {
		free(buf);
		return acc_err_set(err, ACC_EIO, "%s: read error", path);
	}
	if (n > max) {
		free(buf);
		return acc_err_set(err, ACC_ETOOBIG,
				   "%s: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int cli_sub_run(const char *cmd, const struct cli_sub *subs, size_t n, int argc,
		char **argv)
{
	if (argc >= 1) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(argv[0], subs[i].name) == 0)
				return subs[i].fn(argc - 1, argv + 1);
	}
	int help = argc >= 1 &&
		   (strcmp(argv[0], "--help") == 0 ||
		    strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0);
	FILE *f = help ? stdout : stderr;
	if (!help) {
		if (argc >= 1)
			fprintf(stderr,
				"accord: %s: unknown subcommand \"%.64s\"\n",
				cmd, argv[0]);
		else
			fprintf(stderr, "accord: %s: missing subcommand\n",
				cmd);
	}
	fprintf(f,
		"usage: accord %s SUBCOMMAND [OPTIONS]   (accord %s SUBCOMMAND "
		"--help)\n\n",
		cmd, cmd);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", subs[i].name, subs[i].summary);
	return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

uint64_t cli_now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int cli_dir_make_empty(const char *dir, const char *why, struct acc_err *err)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return acc_err_set(err, ACC_EIO, "%s: %s", dir,
				   strerror(errno));
	DIR *dh = opendir(dir);
	if (dh == NULL)
		return acc_err_set(err, ACC_EIO, "%s: %s", dir,
				   strerror(errno));
	struct dirent *de;
	int empty = 1;
	while ((de = readdir(dh)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	(void)closedir(dh);
	if (!empty)
		return acc_err_set(err, ACC_EDUP, "%s is not empty: %s", dir,
				   why);
	return 0;
}
