/* main.c - the simulator's command line: one seed, a batch of seeds, the
 * long campaign, and the unsafe-quorum canary (specs/consensus.md,
 * "Simulator"). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/error.h"
#include "tests/sim/sim.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: sim --seed S [--validators N] [--byzantine F] [--heights H]\n"
		"           [--attack any|mix|lock|forge] [--random-power]\n"
		"           [--no-faults] [--real-crypto] [--unsafe-quorum]\n"
		"           [--no-rule-checks] [--byz-withhold] [--trace]\n"
		"       sim --seeds K [--first S] [--stop] --validators N --byzantine F ...\n"
		"       sim --campaign [--scale PERCENT]\n"
		"--stop ends a batch at its first violation.\n"
		"Exit status: 0 if no violation (with --unsafe-quorum: 0 if one was found).\n");
}

/* Wall-clock time is read only here, to report speed; it never enters a
 * run. */
static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct batch {
	uint64_t runs, safety, liveness, rule, heights, events, evidence;
	uint64_t fetched, stops; /* catch-up: blocks fetched, votes stopped */
	uint64_t first_bad; /* 0: none */
	const char *first_class;
	int first_attack;
	char first_what[256];
};

static const char *const attack_names[] = {"any", "mix", "lock", "forge"};
static bool stop_first;

/* If a core (or the simulator) dies on a signal, say which seed did it,
 * in the form a batch reports a violation, before dying: a crash is a
 * finding with a replayable seed, not a lost batch. */
static char crash_line[512];
static size_t crash_len;

static void crash_handler(int sig)
{
	ssize_t n = write(STDOUT_FILENO, crash_line, crash_len);
	(void)n;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void crash_prepare(const struct sim_opts *o)
{
	int n = snprintf(crash_line, sizeof crash_line,
			 "\nn=%d f=%d: seed %" PRIu64
			 " died: first_failing_seed=%" PRIu64
			 " class=crash (the process died on a signal in this run)"
			 " replay: sim --seed %" PRIu64
			 " --validators %d --byzantine %d --heights %d --attack %s%s%s%s%s\n",
			 o->n, o->f, o->seed, o->seed, o->seed, o->n, o->f, o->heights,
			 attack_names[o->attack], o->random_power ? " --random-power" : "",
			 o->faults ? "" : " --no-faults",
			 o->unsafe ? " --unsafe-quorum" : "",
			 o->real_crypto ? " --real-crypto" : "");
	crash_len = n < 0 ? 0
		    : (size_t)n < sizeof crash_line ? (size_t)n
						    : sizeof crash_line - 1;
}

static int batch_run(struct sim_opts o, uint64_t first, uint64_t count,
		     struct batch *b)
{
	double t0 = wall_s();
	memset(b, 0, sizeof *b);
	for (uint64_t s = first; s < first + count; s++) {
		struct sim_result r;
		o.seed = s;
		crash_prepare(&o);
		int rc = sim_run(&o, &r);
		if (rc != 0) {
			fprintf(stderr, "sim: seed %" PRIu64 ": %s\n", s,
				acc_strerror(rc));
			return rc;
		}
		b->runs++;
		b->safety += (uint64_t)r.safety;
		b->liveness += (uint64_t)r.liveness;
		b->rule += (uint64_t)r.rule;
		b->heights += r.heights;
		b->events += r.events;
		b->evidence += r.evidence;
		b->fetched += r.fetched;
		b->stops += r.stops;
		if ((r.safety || r.liveness || r.rule) && b->first_bad == 0) {
			b->first_bad = s;
			b->first_class = r.safety ? "safety" : r.rule ? "rule" : "liveness";
			b->first_attack = r.attack;
			snprintf(b->first_what, sizeof b->first_what, "%s", r.what);
			if (stop_first)
				break;
		}
	}
	double dt = wall_s() - t0;
	printf("n=%d f=%d heights=%d attack=%s%s%s%s%s: seeds %" PRIu64 "..%" PRIu64
	       " runs=%" PRIu64 " safety_violations=%" PRIu64
	       " liveness_violations=%" PRIu64 " rule_violations=%" PRIu64
	       " evidence=%" PRIu64 " fetched=%" PRIu64 " stops=%" PRIu64
	       " heights=%" PRIu64 " events=%" PRIu64
	       " %.0f heights/s (%.1fs)",
	       o.n, o.f, o.heights, attack_names[o.attack],
	       o.random_power ? " random-power" : "",
	       o.faults ? " faults" : " no-faults",
	       o.unsafe ? " UNSAFE-QUORUM" : "",
	       o.real_crypto ? " ed25519" : "", first, first + count - 1,
	       b->runs, b->safety, b->liveness, b->rule, b->evidence,
	       b->fetched, b->stops, b->heights,
	       b->events, dt > 0 ? (double)b->heights / dt : 0.0, dt);
	if (b->first_bad != 0)
		printf(" first_failing_seed=%" PRIu64 " class=%s (%s, attack %s)"
		       " replay: sim --seed %" PRIu64
		       " --validators %d --byzantine %d --heights %d --attack %s%s%s%s%s%s%s",
		       b->first_bad, b->first_class, b->first_what,
		       attack_names[b->first_attack], b->first_bad, o.n, o.f,
		       o.heights, attack_names[o.attack],
		       o.random_power ? " --random-power" : "",
		       o.faults ? "" : " --no-faults",
		       o.unsafe ? " --unsafe-quorum" : "",
		       o.real_crypto ? " --real-crypto" : "",
		       o.rule_checks ? "" : " --no-rule-checks",
		       o.byz_withhold ? " --byz-withhold" : "");
	printf("\n");
	fflush(stdout);
	return 0;
}

static uint64_t arg_u64(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "sim: not a number: %s\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

int main(int argc, char **argv)
{
	struct sim_opts o = {0};
	uint64_t seeds = 0, first = 1, scale = 100;
	bool have_seed = false, campaign = false;
	o.n = 4;
	o.f = 1;
	o.heights = 6;
	o.faults = true;
	o.rule_checks = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (strcmp(a, "--seed") == 0 && v) {
			o.seed = arg_u64(v);
			have_seed = true;
		} else if (strcmp(a, "--seeds") == 0 && v) {
			seeds = arg_u64(v);
		} else if (strcmp(a, "--first") == 0 && v) {
			first = arg_u64(v);
		} else if (strcmp(a, "--validators") == 0 && v) {
			o.n = (int)arg_u64(v);
		} else if (strcmp(a, "--byzantine") == 0 && v) {
			o.f = (int)arg_u64(v);
		} else if (strcmp(a, "--heights") == 0 && v) {
			o.heights = (int)arg_u64(v);
		} else if (strcmp(a, "--scale") == 0 && v) {
			scale = arg_u64(v);
		} else if (strcmp(a, "--attack") == 0 && v) {
			o.attack = -1;
			for (int k = 0; k < SIM_ATTACK_COUNT; k++)
				if (strcmp(v, attack_names[k]) == 0)
					o.attack = k;
			if (o.attack < 0) {
				usage();
				return 2;
			}
		} else {
			takes = false;
			if (strcmp(a, "--campaign") == 0)
				campaign = true;
			else if (strcmp(a, "--unsafe-quorum") == 0)
				o.unsafe = true;
			else if (strcmp(a, "--real-crypto") == 0)
				o.real_crypto = true;
			else if (strcmp(a, "--no-faults") == 0)
				o.faults = false;
			else if (strcmp(a, "--random-power") == 0)
				o.random_power = true;
			else if (strcmp(a, "--no-rule-checks") == 0)
				o.rule_checks = false;
			else if (strcmp(a, "--byz-withhold") == 0)
				o.byz_withhold = true;
			else if (strcmp(a, "--stop") == 0)
				stop_first = true;
			else if (strcmp(a, "--trace") == 0)
				o.trace = true;
			else {
				usage();
				return 2;
			}
		}
		if (takes)
			i++;
	}
	if (o.n < 1 || o.n > SIM_NODES_MAX || o.f < 0 || o.f >= o.n ||
	    o.heights < 1) {
		fprintf(stderr, "sim: need 1 <= validators <= %d, 0 <= byzantine < validators\n",
			SIM_NODES_MAX);
		return 2;
	}
	if (crypto_lib_init() != 0)
		return 1;
	signal(SIGABRT, crash_handler);
	signal(SIGSEGV, crash_handler);
	signal(SIGFPE, crash_handler);
	signal(SIGBUS, crash_handler);
	/* The rule checks verify every delivered signature again: too slow
	 * with Ed25519. */
	if (o.real_crypto)
		o.rule_checks = false;

	if (have_seed) {
		struct sim_result r;
		double t0 = wall_s();
		crash_prepare(&o);
		if (sim_run(&o, &r) != 0)
			return 1;
		double dt = wall_s() - t0;
		printf("seed %" PRIu64 " n=%d f=%d: heights=%" PRIu64
		       " events=%" PRIu64 " evidence=%" PRIu64
		       " fetched=%" PRIu64 " stops=%" PRIu64
		       " sim_time=%" PRIu64 "ms trace=%016" PRIx64
		       " %.0f heights/s%s%s\n",
		       o.seed, o.n, o.f, r.heights, r.events, r.evidence,
		       r.fetched, r.stops,
		       r.sim_ms, r.trace_hash, dt > 0 ? (double)r.heights / dt : 0.0,
		       r.safety || r.liveness || r.rule ? " VIOLATION: " : " ok",
		       r.safety || r.liveness || r.rule ? r.what : "");
		bool bad = r.safety || r.liveness || r.rule;
		return o.unsafe ? (r.safety ? 0 : 1) : (bad ? 1 : 0);
	}

	struct batch b;
	if (campaign) {
		/* The long campaign: every fault kind on. */
		/* n, f, seeds, unequal power: n = 3f+1 and otherwise. */
		static const int cfg[5][4] = {{4, 1, 10000, 0}, {7, 2, 2000, 0},
					      {13, 4, 2000, 0}, {5, 1, 2000, 1},
					      {10, 3, 1000, 1}};
		uint64_t bad = 0;
		double t0 = wall_s();
		uint64_t heights = 0;
		for (int k = 0; k < 5; k++) {
			o.n = cfg[k][0];
			o.f = cfg[k][1];
			o.random_power = cfg[k][3] != 0;
			uint64_t count = (uint64_t)cfg[k][2] * scale / 100;
			if (count == 0)
				count = 1;
			if (batch_run(o, first, count, &b) != 0)
				return 1;
			bad += b.safety + b.liveness + b.rule;
			heights += b.heights;
		}
		/* Byzantine validators that never serve a block: only the
		 * votes the correct ones relay can end a round (the stall
		 * of specs/consensus.md "Relaying votes"). */
		o.n = 4;
		o.f = 1;
		o.random_power = false;
		o.attack = SIM_ATTACK_MIX;
		o.byz_withhold = true;
		uint64_t count = 3000ull * scale / 100;
		if (batch_run(o, first, count ? count : 1, &b) != 0)
			return 1;
		bad += b.safety + b.liveness + b.rule;
		heights += b.heights;
		double dt = wall_s() - t0;
		printf("campaign: %s, %" PRIu64 " heights in %.1fs (%.0f heights/s)\n",
		       bad == 0 ? "clean" : "VIOLATIONS", heights, dt,
		       dt > 0 ? (double)heights / dt : 0.0);
		return bad == 0 ? 0 : 1;
	}
	if (seeds == 0) {
		usage();
		return 2;
	}
	if (batch_run(o, first, seeds, &b) != 0)
		return 1;
	if (o.unsafe) {
		/* The canary must find a safety violation. */
		printf("canary: %s\n", b.safety > 0
					 ? "safety violation found, checkers can fail"
					 : "NO violation found: checkers are blind");
		return b.safety > 0 ? 0 : 1;
	}
	return b.safety + b.liveness + b.rule == 0 ? 0 : 1;
}
