/* sim.h - the deterministic consensus simulator: n cores over a seeded
 * fake network, clock and disk, with Byzantine validators and checkers. */
#ifndef ACCORD_TESTS_SIM_H
#define ACCORD_TESTS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_NODES_MAX 32

struct sim_opts {
	uint64_t seed;
	int n;            /* validators, 1..SIM_NODES_MAX */
	int f;            /* Byzantine validators among them */
	int heights;      /* heights every correct node must reach */
	bool faults;      /* loss, delay, duplication, partitions, crashes */
	bool unsafe;      /* canary: simple-majority quorum */
	bool real_crypto; /* Ed25519 instead of the keyed-hash stand-in */
	bool trace;       /* print every event and action to stdout */
	/* Adversary (specs/consensus.md, "Simulator"): SIM_ATTACK_ANY picks
	 * one per seed. */
	int attack;
	bool random_power; /* unequal voting power (Byzantine < 1/3) */
	bool rule_checks;  /* the rule checkers (timers, polka, votes) */
	bool byz_withhold; /* Byzantine validators never answer a block
			      request (catch-up, specs/node.md §7.7) */
};

enum sim_attack {
	SIM_ATTACK_ANY = 0, /* one of the below, chosen by the seed */
	SIM_ATTACK_MIX,     /* each liar equivocates (split-brain), votes
			       at random or stays silent */
	SIM_ATTACK_LOCK,    /* the coalition: lock-breaker with re-proposals */
	SIM_ATTACK_FORGE,   /* forged certificates, bad signatures, proposals
			       out of turn, future rounds and heights */
	SIM_ATTACK_COUNT,
};

struct sim_result {
	int safety;   /* safety violations found (0 or 1: a run stops) */
	int liveness; /* liveness violations found (0 or 1) */
	int rule;     /* rule-check violations found (0 or 1: a run stops) */
	int attack;   /* the attack the run used (enum sim_attack) */
	char what[256];
	uint64_t trace_hash; /* FNV-1a over the whole run: replay check */
	uint64_t heights;    /* heights decided in the run */
	uint64_t events;
	uint64_t evidence;   /* evidence actions seen (all against Byzantine) */
	uint64_t sim_ms;     /* simulated time at the end */
	uint64_t fetched;    /* blocks applied by catch-up */
	uint64_t stops;      /* times a validator stopped voting (§7.7) */
};

/* Run one seed; 0, or an acc error if the simulator itself failed. */
int sim_run(const struct sim_opts *o, struct sim_result *res);

#endif
