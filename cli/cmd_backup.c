/* cmd_backup.c - accord backup: a hot copy of a node's data directory
 * that `accord audit --data` accepts (specs/cli.md §15, specs/storage.md
 * §7). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "storage/store.h"

/* The destination: created (mode 0700) when missing; an existing one must
 * be a directory, and LMDB refuses it if it already holds a data.mdb. */
static int dest_prepare(const char *dest, struct acc_err *err)
{
	if (mkdir(dest, 0700) == 0 || errno == EEXIST)
		return 0;
	return acc_err_set(err, ACC_EIO, "mkdir %s: %s", dest,
			   strerror(errno));
}

/* Open the copy as an auditor would and read the head it holds. */
static int copy_head(const char *dest, struct store_head *h,
		     struct acc_err *err)
{
	struct store *s;
	int rc = store_open_readonly(&s, dest, err);
	if (rc != 0)
		return rc;
	struct store_rtxn *t;
	if ((rc = store_read_begin(s, &t, err)) == 0) {
		rc = store_head_get(t, h);
		if (rc != 0)
			rc = acc_err_set(err, rc, "the copy's head: %s",
					 acc_strerror(rc));
		store_read_end(t);
	}
	store_close(s);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"data", "DIR", "the node's data directory (data_dir)", NULL},
	    {"out", "DIR",
	     "where the copy goes (created; must hold no data.mdb)", NULL},
	};
	struct arg_spec s = {
	    .cmd = "backup",
	    .usage = "--data DIR --out DIR [--format table|json]",
	    .about = "Copy a data directory, also while its node runs "
		     "(LMDB's compacting copy from one\n"
		     "read transaction: the state after one whole block). "
		     "`accord audit --data OUT`\nverifies the copy.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	    .formats = ARGS_FORMAT_TABLE | ARGS_FORMAT_JSON,
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *data = args_get(&s, "data"), *dest = args_get(&s, "out");
	if (data == NULL || dest == NULL) {
		fprintf(stderr, "accord: backup: --data and --out are "
				"required\nusage: accord backup %s\n",
			s.usage);
		return CLI_EXIT_USAGE;
	}
	struct acc_err err = {0};
	struct store_head h;
	if (dest_prepare(dest, &err) != 0 ||
	    store_backup(data, dest, &err) != 0 ||
	    copy_head(dest, &h, &err) != 0)
		return cli_fail("backup", "%s", err.msg);
	if (s.format == ARGS_FORMAT_JSON) {
		json_t *j = json_pack("{s:s,s:I,s:I}", "out", dest, "height",
				      (json_int_t)h.height, "log_size",
				      (json_int_t)h.log_size);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (text == NULL)
			return cli_fail("backup", "out of memory");
		printf("%s\n", text);
		free(text);
	} else
		printf("backup of %s at height %llu (%llu entries) in %s\n",
		       data, (unsigned long long)h.height,
		       (unsigned long long)h.log_size, dest);
	return CLI_EXIT_OK;
}
