/* main.c - the simulator's command line: one seed, a batch of seeds, the
 * long campaign, and the unsafe-quorum canary (specs/consensus.md,
 * "Simulator"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/error.h"
#include "tests/sim/sim.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: sim --seed S [--validators N] [--byzantine F] [--heights H]\n"
		"           [--no-faults] [--real-crypto] [--unsafe-quorum] [--trace]\n"
		"       sim --seeds K [--first S] --validators N --byzantine F [--heights H] ...\n"
		"       sim --campaign [--scale PERCENT]\n"
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
	uint64_t runs, safety, liveness, heights, events, evidence;
	uint64_t first_bad; /* 0: none */
	char first_what[256];
};

static int batch_run(struct sim_opts o, uint64_t first, uint64_t count,
		     struct batch *b)
{
	double t0 = wall_s();
	memset(b, 0, sizeof *b);
	for (uint64_t s = first; s < first + count; s++) {
		struct sim_result r;
		o.seed = s;
		int rc = sim_run(&o, &r);
		if (rc != 0) {
			fprintf(stderr, "sim: seed %" PRIu64 ": %s\n", s,
				acc_strerror(rc));
			return rc;
		}
		b->runs++;
		b->safety += (uint64_t)r.safety;
		b->liveness += (uint64_t)r.liveness;
		b->heights += r.heights;
		b->events += r.events;
		b->evidence += r.evidence;
		if ((r.safety || r.liveness) && b->first_bad == 0) {
			b->first_bad = s;
			snprintf(b->first_what, sizeof b->first_what, "%s", r.what);
		}
	}
	double dt = wall_s() - t0;
	printf("n=%d f=%d heights=%d%s%s%s: seeds %" PRIu64 "..%" PRIu64
	       " runs=%" PRIu64 " safety_violations=%" PRIu64
	       " liveness_violations=%" PRIu64 " evidence=%" PRIu64
	       " heights=%" PRIu64 " events=%" PRIu64
	       " %.0f heights/s (%.1fs)",
	       o.n, o.f, o.heights, o.faults ? " faults" : " no-faults",
	       o.unsafe ? " UNSAFE-QUORUM" : "",
	       o.real_crypto ? " ed25519" : "", first, first + count - 1,
	       b->runs, b->safety, b->liveness, b->evidence, b->heights,
	       b->events, dt > 0 ? (double)b->heights / dt : 0.0, dt);
	if (b->first_bad != 0)
		printf(" first_failing_seed=%" PRIu64 " (%s) replay: sim --seed %" PRIu64
		       " --validators %d --byzantine %d --heights %d%s%s%s",
		       b->first_bad, b->first_what, b->first_bad, o.n, o.f,
		       o.heights, o.faults ? "" : " --no-faults",
		       o.unsafe ? " --unsafe-quorum" : "",
		       o.real_crypto ? " --real-crypto" : "");
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

	if (have_seed) {
		struct sim_result r;
		double t0 = wall_s();
		if (sim_run(&o, &r) != 0)
			return 1;
		double dt = wall_s() - t0;
		printf("seed %" PRIu64 " n=%d f=%d: heights=%" PRIu64
		       " events=%" PRIu64 " evidence=%" PRIu64
		       " sim_time=%" PRIu64 "ms trace=%016" PRIx64
		       " %.0f heights/s%s%s\n",
		       o.seed, o.n, o.f, r.heights, r.events, r.evidence,
		       r.sim_ms, r.trace_hash, dt > 0 ? (double)r.heights / dt : 0.0,
		       r.safety || r.liveness ? " VIOLATION: " : " ok",
		       r.safety || r.liveness ? r.what : "");
		bool bad = r.safety || r.liveness;
		return o.unsafe ? (r.safety ? 0 : 1) : (bad ? 1 : 0);
	}

	struct batch b;
	if (campaign) {
		/* The long campaign: every fault kind on. */
		static const int cfg[3][3] = {{4, 1, 10000}, {7, 2, 2000},
					      {13, 4, 2000}};
		uint64_t bad = 0;
		double t0 = wall_s();
		uint64_t heights = 0;
		for (int k = 0; k < 3; k++) {
			o.n = cfg[k][0];
			o.f = cfg[k][1];
			uint64_t count = (uint64_t)cfg[k][2] * scale / 100;
			if (count == 0)
				count = 1;
			if (batch_run(o, first, count, &b) != 0)
				return 1;
			bad += b.safety + b.liveness;
			heights += b.heights;
		}
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
	return b.safety + b.liveness == 0 ? 0 : 1;
}
