/* pool.c - a persistent thread pool for data-parallel loops. */
#include "cli/pool.h"

#include <string.h>
#include <unistd.h>

#include "common/error.h"

/* Indices are handed out in chunks so that the lock is taken once per
 * chunk, not per signature. */
#define POOL_CHUNK 4u

/* Take and run chunks of the current job until none is left. Called with
 * mu held; returns with mu held. */
static void drain(struct pool *p)
{
	while (p->next < p->n) {
		size_t lo = p->next;
		size_t hi = lo + POOL_CHUNK < p->n ? lo + POOL_CHUNK : p->n;
		p->next = hi;
		pool_fn fn = p->fn;
		void *user = p->user;
		pthread_mutex_unlock(&p->mu);
		for (size_t i = lo; i < hi; i++)
			fn(user, i);
		pthread_mutex_lock(&p->mu);
	}
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		p->busy++;
		drain(p);
		p->busy--;
		if (p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int pool_init(struct pool *p, size_t workers)
{
	memset(p, 0, sizeof *p);
	if (workers > POOL_THREADS_MAX)
		workers = POOL_THREADS_MAX;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return ACC_ENOMEM;
	if (pthread_cond_init(&p->work, NULL) != 0 ||
	    pthread_cond_init(&p->done, NULL) != 0)
		return ACC_ENOMEM;
	for (size_t i = 0; i < workers; i++) {
		if (pthread_create(&p->th[i], NULL, worker, p) != 0)
			break;
		p->threads++;
	}
	return 0;
}

void pool_run(struct pool *p, size_t n, pool_fn fn, void *user)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->user = user;
	p->n = n;
	p->next = 0;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	drain(p);
	/* Every index is handed out; wait for workers still running theirs. */
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	p->n = 0;
	pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->threads; i++)
		pthread_join(p->th[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
}

size_t pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	if ((unsigned long)n > POOL_THREADS_MAX)
		return POOL_THREADS_MAX;
	return (size_t)n;
}
