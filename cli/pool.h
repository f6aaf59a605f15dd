/* pool.h - a small persistent thread pool that runs one "for i in 0..n"
 * job at a time across all its threads and the caller's: used by audit and
 * bench to spread signature verification over the cores (specs/cli.md
 * §8). */
#ifndef ACCORD_CLI_POOL_H
#define ACCORD_CLI_POOL_H

#include <pthread.h>
#include <stddef.h>

#define POOL_THREADS_MAX 16u

/* fn(user, i) is called exactly once for each i in [0, n), from any
 * thread, in no particular order; it must be safe to call concurrently for
 * distinct i. */
typedef void (*pool_fn)(void *user, size_t i);

struct pool {
	pthread_t th[POOL_THREADS_MAX];
	size_t threads; /* workers besides the caller */
	pthread_mutex_t mu;
	pthread_cond_t work; /* a new job, or quit */
	pthread_cond_t done; /* the last worker left the job */
	unsigned long gen;   /* job generation, under mu */
	int quit;
	int running; /* a job was started and not yet waited for */
	pool_fn fn;
	void *user;
	size_t n;
	size_t next; /* next index to hand out, under mu */
	size_t busy; /* workers inside the current job, under mu */
};

/* Start workers threads (0 = everything runs in the caller). 0 or
 * ACC_ENOMEM. */
int pool_init(struct pool *p, size_t workers);
/* Run fn over [0, n) and return when every call has returned. */
void pool_run(struct pool *p, size_t n, pool_fn fn, void *user);
/*
 * The same in two halves, so that the caller can do other work while the
 * workers run the job: pool_start hands [0, n) to the workers and returns
 * at once; pool_wait lends the caller's thread to what is left of the job
 * and returns when every call has returned. user must stay valid until
 * then. Every pool_start is followed by one pool_wait before the next job
 * or pool_free. With no workers, all of the job runs in pool_wait.
 */
void pool_start(struct pool *p, size_t n, pool_fn fn, void *user);
void pool_wait(struct pool *p);
/* Join the workers (waiting for a job still running first). */
void pool_free(struct pool *p);

/* Online CPUs, at least 1, at most POOL_THREADS_MAX. */
size_t pool_cpus(void);

#endif
