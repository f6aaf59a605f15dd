/* cli.h - the accord commands (one cmd_*.c each) and the small helpers
 * they share (specs/cli.md). */
#ifndef ACCORD_CLI_CLI_H
#define ACCORD_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Exit statuses of every command (specs/cli.md §1). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1	 /* the operation failed or a check did not hold */
#define CLI_EXIT_USAGE 2 /* bad command line */

/* The node URL used when --node is not given. */
#define CLI_NODE_DEFAULT "http://127.0.0.1:8700"

/* Each command takes the words after its own name and returns the exit
 * status. */
int cmd_keygen(int argc, char **argv);
int cmd_devnet(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_compliance(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_genesis(int argc, char **argv);
int cmd_backup(int argc, char **argv);

/* Print "accord: CMD: message" on stderr and return CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read a whole file of at most max bytes into a malloc'ed, NUL-terminated
 * buffer (*out, owned by the caller). ACC_EIO, ACC_ETOOBIG, ACC_ENOMEM. */
int cli_file_read(const char *path, size_t max, char **out, size_t *len,
		  struct acc_err *err);

/* Run a subcommand: argv[0] names it in the table; "--help" or no word
 * prints the list. Returns the subcommand's exit status. */
struct cli_sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
int cli_sub_run(const char *cmd, const struct cli_sub *subs, size_t n, int argc,
		char **argv);

/* Make dir (mode 0755), or take it when it exists and is empty: saved
 * evidence and audits are never written over other files. ACC_EIO, or
 * ACC_EDUP "DIR is not empty: why". */
int cli_dir_make_empty(const char *dir, const char *why, struct acc_err *err);

/* Wall-clock milliseconds since the Unix epoch. */
uint64_t cli_now_ms(void);

#endif
