/* cmd_devnet.c - accord devnet init|start|stop: a local network of accordd
 * processes (specs/cli.md §4). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/devnet.h"
#include "cli/http.h"

/* How long `start` waits for every node's /v1/status, and `stop` for a
 * node to exit after SIGTERM before it sends SIGKILL. */
#define DEVNET_START_WAIT_MS 30000u
#define DEVNET_STOP_WAIT_MS 10000u

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000u),
			      (long)(ms % 1000u) * 1000000L};
	(void)nanosleep(&ts, NULL);
}

static int cmd_init(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"dir", "DIR", "directory to create (must not exist or be empty)",
	     NULL},
	    {"nodes", "N", "number of validators (default 1)", NULL},
	    {"followers", "M",
	     "number of followers, node<N>..node<N+M-1> (default 0)", NULL},
	    {"http-port", "P",
	     "node i serves HTTP on P+i (default 8700); p2p on P+100+i", NULL},
	    {"parties", "ID,…", "party ids (default CN-BJ,CN-TJ,CN-HE,CN-SD)",
	     NULL},
	    {"verifiers", "ID,…", "verifier ids (default CNEMC)", NULL},
	};
	struct arg_spec s = {
	    .cmd = "devnet init",
	    .usage = "--dir DIR [--nodes N] [--followers M] [--http-port P] "
		     "[--parties ID,…] [--verifiers ID,…]",
	    .about =
		"Write a genesis (chain id \"accord-devnet\"), a key file per "
		"party and\n"
		"verifier in DIR/keys/, and per node DIR/node<i>/config.json,\n"
		"validator.key (follower.key for a follower) and data/. "
		"Validator i\n"
		"belongs to party i mod #parties. Validators list each other "
		"as peers\n"
		"and the followers' keys; followers list every validator.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	struct acc_err err = {0};
	struct devnet_params p = {
	    .dir = args_get(&s, "dir"),
	    .nodes = 1,
	    .http_port = DEVNET_HTTP_PORT_DEFAULT,
	    .parties = args_get(&s, "parties"),
	    .verifiers = args_get(&s, "verifiers"),
	};
	if (p.dir == NULL) {
		fprintf(stderr, "accord: devnet init: --dir DIR is required\n");
		return CLI_EXIT_USAGE;
	}
	uint64_t v;
	if (args_get(&s, "nodes") != NULL) {
		if (args_u64(args_get(&s, "nodes"), "--nodes", &v, &err) != 0 ||
		    v < 1 || v > DEVNET_NODES_MAX) {
			fprintf(stderr,
				"accord: devnet init: --nodes must be 1..%u\n",
				DEVNET_NODES_MAX);
			return CLI_EXIT_USAGE;
		}
		p.nodes = (uint32_t)v;
	}
	if (args_get(&s, "followers") != NULL) {
		if (args_u64(args_get(&s, "followers"), "--followers", &v,
			     &err) != 0 ||
		    v > DEVNET_NODES_MAX - p.nodes) {
			fprintf(stderr,
				"accord: devnet init: --followers must be "
				"0..%u (nodes + followers <= %u)\n",
				DEVNET_NODES_MAX - p.nodes, DEVNET_NODES_MAX);
			return CLI_EXIT_USAGE;
		}
		p.followers = (uint32_t)v;
	}
	if (args_get(&s, "http-port") != NULL) {
		if (args_u64(args_get(&s, "http-port"), "--http-port", &v,
			     &err) != 0 ||
		    v < 1 ||
		    v + DEVNET_P2P_OFFSET + p.nodes + p.followers > 65535) {
			fprintf(stderr,
				"accord: devnet init: --http-port must leave "
				"room for "
				"P+%u+N+M below 65536\n",
				DEVNET_P2P_OFFSET);
			return CLI_EXIT_USAGE;
		}
		p.http_port = (uint32_t)v;
	}
	if (devnet_init(&p, &err) != 0)
		return cli_fail("devnet init", "%s", err.msg);
	uint32_t total = p.nodes + p.followers;
	printf("devnet in %s: %u validator(s)", p.dir, p.nodes);
	if (p.followers > 0)
		printf(" and %u follower(s)", p.followers);
	printf(", HTTP on 127.0.0.1:%u..%u, p2p on 127.0.0.1:%u..%u, chain "
	       "%s\n",
	       p.http_port, p.http_port + total - 1,
	       p.http_port + DEVNET_P2P_OFFSET,
	       p.http_port + DEVNET_P2P_OFFSET + total - 1, DEVNET_CHAIN_ID);
	return CLI_EXIT_OK;
}

/* The accordd next to this accord binary. */
static int accordd_path(char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0)
		return ACC_EIO;
	self[len] = '\0';
	char *slash = strrchr(self, '/');
	if (slash == NULL)
		return ACC_EIO;
	*slash = '\0';
	int w = snprintf(out, n, "%s/accordd", self);
	if (w < 0 || (size_t)w >= n)
		return ACC_ETOOBIG;
	return access(out, X_OK) == 0 ? 0 : ACC_ENOTFOUND;
}

static int node_path(char *out, size_t n, const char *dir, uint32_t i,
		     const char *file)
{
	int w = snprintf(out, n, "%s/node%u/%s", dir, i, file);
	return (w < 0 || (size_t)w >= n) ? ACC_ETOOBIG : 0;
}

/* The pid in DIR/node<i>/accordd.pid, or 0. */
static pid_t pid_read(const char *dir, uint32_t i)
{
	char path[DEVNET_PATH_BYTES_MAX];
	if (node_path(path, sizeof path, dir, i, "accordd.pid") != 0)
		return 0;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1 || pid > INT_MAX)
		pid = 0;
	(void)fclose(f);
	return (pid_t)pid;
}

/* Whether argument `which` of pid's command line has basename "accordd". */
static int cmdline_arg_is_accordd(pid_t pid, int which)
{
	char path[64], buf[4096];
	(void)snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	const char *arg = buf;
	for (int k = 0; k < which; k++) {
		size_t l = strlen(arg);
		if ((size_t)(arg - buf) + l + 1 >= n)
			return 0;
		arg += l + 1;
	}
	const char *base = strrchr(arg, '/');
	return strcmp(base ? base + 1 : arg, "accordd") == 0;
}

/* Whether pid is a live (not zombie) accordd process: a recycled pid that
 * now belongs to something else must never be signalled. The executable
 * is accordd (argument 0), or an interpreter running a script of that name
 * (argument 1, as a test's stand-in node is). */
static int pid_is_accordd(pid_t pid)
{
	char path[64], buf[512];
	(void)snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S …": S is the state; Z and X are dead. */
	const char *close = strrchr(buf, ')');
	if (close == NULL || close[1] != ' ' || close[2] == 'Z' ||
	    close[2] == 'X')
		return 0;
	return cmdline_arg_is_accordd(pid, 0) || cmdline_arg_is_accordd(pid, 1);
}

static void pid_remove(const char *dir, uint32_t i)
{
	char path[DEVNET_PATH_BYTES_MAX];
	if (node_path(path, sizeof path, dir, i, "accordd.pid") == 0)
		(void)unlink(path);
}

/* Reap pid if it is our child; harmless otherwise. */
static void reap(pid_t pid)
{
	int st;
	(void)waitpid(pid, &st, WNOHANG);
}

/* SIGTERM, wait up to DEVNET_STOP_WAIT_MS, then SIGKILL. 1 if it had to be
 * killed. */
static int pid_stop(pid_t pid)
{
	if (kill(pid, SIGTERM) != 0)
		return 0;
	for (unsigned t = 0; t < DEVNET_STOP_WAIT_MS; t += 50) {
		reap(pid);
		if (!pid_is_accordd(pid))
			return 0;
		sleep_ms(50);
	}
	(void)kill(pid, SIGKILL);
	for (unsigned t = 0; t < 2000; t += 50) {
		reap(pid);
		if (!pid_is_accordd(pid))
			break;
		sleep_ms(50);
	}
	return 1;
}

static pid_t node_spawn(const char *accordd, const char *dir, uint32_t i,
			struct acc_err *err)
{
	char config[DEVNET_PATH_BYTES_MAX], logp[DEVNET_PATH_BYTES_MAX];
	if (node_path(config, sizeof config, dir, i, "config.json") != 0 ||
	    node_path(logp, sizeof logp, dir, i, "accordd.log") != 0)
		return acc_err_set(err, ACC_ETOOBIG, "path too long"), -1;
	int logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		return acc_err_set(err, ACC_EIO, "%s: %s", logp,
				   strerror(errno)),
		       -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		(void)close(logfd);
		return acc_err_set(err, ACC_EIO, "fork: %s", strerror(errno)),
		       -1;
	}
	if (pid == 0) {
		/* A session of its own: a detached node must not get the
		 * terminal's Ctrl-C; the foreground `start` forwards it. */
		(void)setsid();
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			(void)dup2(nul, 0);
		(void)dup2(logfd, 1);
		(void)dup2(logfd, 2);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execl(accordd, "accordd", "--config", config, (char *)NULL);
		fprintf(stderr, "accord devnet: exec %s: %s\n", accordd,
			strerror(errno));
		_exit(127);
	}
	(void)close(logfd);
	char pidp[DEVNET_PATH_BYTES_MAX];
	if (node_path(pidp, sizeof pidp, dir, i, "accordd.pid") == 0) {
		FILE *f = fopen(pidp, "w");
		if (f != NULL) {
			fprintf(f, "%ld\n", (long)pid);
			(void)fclose(f);
		}
	}
	return pid;
}

/* Print the last lines of node i's log to stderr, to say why it died. */
static void log_tail(const char *dir, uint32_t i)
{
	char path[DEVNET_PATH_BYTES_MAX];
	if (node_path(path, sizeof path, dir, i, "accordd.log") != 0)
		return;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	char buf[2048];
	(void)fseek(f, 0, SEEK_END);
	long end = ftell(f);
	(void)fseek(f,
		    end > (long)sizeof buf - 1 ? end - (long)sizeof buf + 1 : 0,
		    SEEK_SET);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	fprintf(stderr, "--- last lines of %s ---\n%s", path, buf);
}

static int node_wait_ready(const char *url, pid_t pid, int *exited)
{
	struct http_client c;
	struct acc_err err = {0};
	char st[HTTP_URL_BYTES_MAX];
	*exited = 0;
	if (http_url(st, url, "/v1/status") != 0 ||
	    http_client_init(&c, &err) != 0)
		return ACC_EINVAL;
	int rc = ACC_ETIMEOUT;
	for (unsigned t = 0; t < DEVNET_START_WAIT_MS; t += 100) {
		struct http_resp r;
		if (http_request(&c, "GET", st, NULL, NULL, NULL, 0, &r,
				 &err) == 0) {
			long status = r.status;
			http_resp_free(&r);
			if (status == 200) {
				rc = 0;
				break;
			}
		}
		int wst;
		if (waitpid(pid, &wst, WNOHANG) == pid) {
			*exited = 1;
			rc = ACC_ESTATE;
			break;
		}
		sleep_ms(100);
	}
	http_client_free(&c);
	return rc;
}

/* Stop nodes first..last-1. */
static int stop_all(const char *dir, uint32_t first, uint32_t last, int quiet)
{
	int any = 0;
	for (uint32_t i = first; i < last; i++) {
		pid_t pid = pid_read(dir, i);
		if (pid == 0)
			continue;
		if (pid_is_accordd(pid)) {
			int killed = pid_stop(pid);
			any = 1;
			if (!quiet)
				printf(
				    "node%u: pid %ld %s\n", i, (long)pid,
				    killed
					? "killed (did not stop after SIGTERM)"
					: "stopped");
		}
		pid_remove(dir, i);
	}
	if (!any && !quiet)
		printf("no node of %s was running\n", dir);
	return 0;
}

/* The nodes a command acts on: every node of dir, or only --node I.
 * CLI_EXIT_OK, or an exit code after printing why. */
static int node_range(const char *cmd, const char *dir, const char *only,
		      uint32_t *first, uint32_t *last)
{
	uint32_t n = devnet_nodes_count(dir);
	if (n == 0)
		return cli_fail(cmd,
				"%s has no node0/ (run `accord devnet init "
				"--dir %s` first)",
				dir, dir);
	*first = 0;
	*last = n;
	if (only != NULL) {
		uint64_t v;
		struct acc_err err = {0};
		if (args_u64(only, "--node", &v, &err) != 0 || v >= n) {
			fprintf(stderr,
				"accord: %s: --node must be 0..%u (the "
				"node<i> of %s)\n",
				cmd, n - 1, dir);
			return CLI_EXIT_USAGE;
		}
		*first = (uint32_t)v;
		*last = (uint32_t)v + 1;
	}
	return CLI_EXIT_OK;
}

static int cmd_start(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"dir", "DIR", "the devnet directory made by `accord devnet init`",
	     NULL},
	    {"detach", NULL,
	     "return once every node answers; leave them running", NULL},
	    {"accordd", "PATH",
	     "the node binary (default: accordd next to accord)", NULL},
	    {"node", "I", "only node<I> (say, to restart one node)", NULL},
	};
	struct arg_spec s = {
	    .cmd = "devnet start",
	    .usage = "--dir DIR [--detach] [--accordd PATH] [--node I]",
	    .about = "Start accordd for each DIR/node<i> (pid in accordd.pid, "
		     "output in\n"
		     "accordd.log) and wait until each answers GET /v1/status. "
		     "Without\n"
		     "--detach it stays in the foreground and stops the nodes "
		     "on Ctrl-C.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *dir = args_get(&s, "dir");
	if (dir == NULL) {
		fprintf(stderr,
			"accord: devnet start: --dir DIR is required\n");
		return CLI_EXIT_USAGE;
	}
	char accordd[PATH_MAX];
	if (args_get(&s, "accordd") != NULL)
		(void)snprintf(accordd, sizeof accordd, "%s",
			       args_get(&s, "accordd"));
	else if (accordd_path(accordd, sizeof accordd) != 0)
		return cli_fail("devnet start",
				"accordd not found next to the accord binary "
				"(build it, or pass --accordd PATH)");
	uint32_t first, last;
	int rr = node_range("devnet start", dir, args_get(&s, "node"), &first,
			    &last);
	if (rr != CLI_EXIT_OK)
		return rr;
	for (uint32_t i = first; i < last; i++) {
		pid_t old = pid_read(dir, i);
		if (old != 0 && pid_is_accordd(old))
			return cli_fail("devnet start",
					"node%u is already running (pid %ld); "
					"`accord devnet stop --dir %s` first",
					i, (long)old, dir);
	}
	/* Signals first, so a Ctrl-C during start-up still stops what was
	 * started. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	pid_t pids[DEVNET_NODES_MAX];
	char urls[DEVNET_NODES_MAX][128];
	struct acc_err err = {0};
	uint32_t started = first;
	int rc = CLI_EXIT_OK;
	for (uint32_t i = first; i < last && i < DEVNET_NODES_MAX; i++) {
		if (devnet_node_url(dir, i, urls[i], sizeof urls[i], &err) !=
		    0) {
			rc = cli_fail("devnet start", "node%u: %s", i, err.msg);
			goto fail;
		}
		pids[i] = node_spawn(accordd, dir, i, &err);
		if (pids[i] < 0) {
			rc = cli_fail("devnet start", "node%u: %s", i, err.msg);
			goto fail;
		}
		started = i + 1;
	}
	for (uint32_t i = first; i < started; i++) {
		int exited = 0;
		int w = node_wait_ready(urls[i], pids[i], &exited);
		if (stop_signal) {
			rc = CLI_EXIT_FAIL;
			goto fail;
		}
		if (w != 0) {
			log_tail(dir, i);
			rc = cli_fail(
			    "devnet start", "node%u (%s) %s", i, urls[i],
			    exited
				? "exited during start-up (see its log above)"
				: "did not answer /v1/status within 30 s");
			goto fail;
		}
		printf("node%u: pid %ld, %s\n", i, (long)pids[i], urls[i]);
	}
	fflush(stdout);
	if (args_get(&s, "detach"))
		return CLI_EXIT_OK;
	printf("devnet running; Ctrl-C stops it\n");
	fflush(stdout);
	while (!stop_signal) {
		for (uint32_t i = first; i < started; i++) {
			int wst;
			if (pids[i] > 0 &&
			    waitpid(pids[i], &wst, WNOHANG) == pids[i]) {
				fprintf(stderr,
					"accord: devnet start: node%u exited "
					"(%s %d)\n",
					i, WIFEXITED(wst) ? "status" : "signal",
					WIFEXITED(wst) ? WEXITSTATUS(wst)
						       : WTERMSIG(wst));
				pids[i] = -1;
				pid_remove(dir, i);
				rc = CLI_EXIT_FAIL;
			}
		}
		if (rc != CLI_EXIT_OK)
			break;
		sleep_ms(200);
	}
fail:
	(void)stop_all(dir, first, started, 0);
	return rc;
}

static int cmd_stop(int argc, char **argv)
{
	struct arg_opt opts[] = {
	    {"dir", "DIR", "the devnet directory", NULL},
	    {"node", "I", "only node<I>", NULL},
	};
	struct arg_spec s = {
	    .cmd = "devnet stop",
	    .usage = "--dir DIR [--node I]",
	    .about = "Stop every node of DIR: SIGTERM, wait up to 10 s, then "
		     "SIGKILL.\n"
		     "Only processes whose pid file names a running accordd "
		     "are signalled.",
	    .opts = opts,
	    .opts_len = sizeof opts / sizeof opts[0],
	};
	int ex = args_run(&s, argc, argv);
	if (ex >= 0)
		return ex;
	const char *dir = args_get(&s, "dir");
	if (dir == NULL) {
		fprintf(stderr, "accord: devnet stop: --dir DIR is required\n");
		return CLI_EXIT_USAGE;
	}
	uint32_t first, last;
	int rr = node_range("devnet stop", dir, args_get(&s, "node"), &first,
			    &last);
	if (rr != CLI_EXIT_OK)
		return rr;
	(void)stop_all(dir, first, last, 0);
	return CLI_EXIT_OK;
}

int cmd_devnet(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"init", cmd_init, "write genesis, keys and node configs"},
	    {"start", cmd_start, "start the nodes (foreground, or --detach)"},
	    {"stop", cmd_stop, "stop the nodes"},
	};
	return cli_sub_run("devnet", subs, sizeof subs / sizeof subs[0], argc,
			   argv);
}
