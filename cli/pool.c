/* pool.c - a persistent thread pool for data-parallel loops. */
#include "cli/pool.h"

#include <assert.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"

/* Indices are handed out in chunks so that the lock is taken once per
 * chunk, not per item; near the end of a job the chunks shrink to one
 * item so that no thread is left idle while another still has a full
 * chunk ahead of it (each item is a signature, tens of microseconds). */
#define POOL_CHUNK 4u

/* The next chunk [*lo, *hi), or 0 when none is left. Called with mu
 * held. */
static int take(struct pool *p, size_t *lo, size_t *hi)
{
	if (p->next >= p->n)
		return 0;
	size_t left = p->n - p->next;
	size_t chunk = left / (2 * (p->threads + 1));
	if (chunk > POOL_CHUNK)
		chunk = POOL_CHUNK;
	if (chunk == 0)
		chunk = 1;
	*lo = p->next;
	*hi = p->next + chunk;
	p->next = *hi;
	return 1;
}

/* Take and run chunks of the current job until none is left. Called with
 * mu held; returns with mu held. */
static void drain(struct pool *p)
{
	size_t lo, hi;
	while (take(p, &lo, &hi)) {
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
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return ACC_ENOMEM;
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
		return ACC_ENOMEM;
	}
	for (size_t i = 0; i < workers; i++) {
		if (pthread_create(&p->th[i], NULL, worker, p) != 0)
			break;
		p->threads++;
	}
	return 0;
}

void pool_start(struct pool *p, size_t n, pool_fn fn, void *user)
{
	pthread_mutex_lock(&p->mu);
	assert(!p->running);
	p->fn = fn;
	p->user = user;
	p->n = n;
	p->next = 0;
	p->running = 1;
	if (p->threads > 0 && n > 0) {
		p->gen++;
		pthread_cond_broadcast(&p->work);
	}
	pthread_mutex_unlock(&p->mu);
}

void pool_wait(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->running) {
		drain(p);
		/* Every index is handed out; wait for workers still running
		 * theirs. */
		while (p->busy > 0)
			pthread_cond_wait(&p->done, &p->mu);
		p->n = 0;
		p->next = 0;
		p->running = 0;
	}
	pthread_mutex_unlock(&p->mu);
}

void pool_run(struct pool *p, size_t n, pool_fn fn, void *user)
{
	pool_start(p, n, fn, user);
	pool_wait(p);
}

void pool_free(struct pool *p)
{
	pool_wait(p);
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
