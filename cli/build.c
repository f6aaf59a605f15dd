/* build.c - entries built in code (specs/cli.md §9, §10). */
#include "cli/build.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/entry.h"
#include "ledger/genesis.h"

char *build_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
 * civil-from-days inverse of H. Hinnant's well-known algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

uint64_t build_time(int year, int mon, int day, int hour, int min, int sec)
{
	int64_t days = days_from_civil(year, mon, day);
	return (uint64_t)(days * 86400 + hour * 3600 + min * 60 + sec);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int devnet_keys_load(struct devnet_keys *k, const char *dir,
		     struct acc_err *err)
{
	char path[1200];
	memset(k, 0, sizeof *k);
	(void)snprintf(path, sizeof path, "%s/keys", dir);
	DIR *d = opendir(path);
	if (d == NULL)
		return acc_err_set(err, ACC_EIO,
				   "%s: cannot open the key directory", path);
	char *names[BUILD_KEYS_MAX];
	size_t n = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0)
			continue;
		if (n >= BUILD_KEYS_MAX) {
			rc = acc_err_set(err, ACC_ETOOBIG,
					 "%s: more than %u key files", path,
					 BUILD_KEYS_MAX);
			break;
		}
		names[n] = build_str(de->d_name);
		if (names[n] == NULL) {
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	(void)closedir(d);
	if (rc == 0 && n == 0)
		rc = acc_err_set(err, ACC_ENOTFOUND, "%s: no key files", path);
	if (rc == 0) {
		qsort(names, n, sizeof names[0], name_cmp);
		k->keys = calloc(n, sizeof *k->keys);
		if (k->keys == NULL)
			rc = acc_err_set(err, ACC_ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		(void)snprintf(path, sizeof path, "%s/keys/%s", dir, names[i]);
		rc = keyfile_load(&k->keys[i], path, err);
		if (rc == 0)
			k->len++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (rc != 0)
		devnet_keys_free(k);
	return rc;
}

const struct keyfile *devnet_keys_find(const struct devnet_keys *k,
				       const char *role, const char *id)
{
	for (size_t i = 0; i < k->len; i++)
		if (strcmp(k->keys[i].role, role) == 0 &&
		    strcmp(k->keys[i].id, id) == 0)
			return &k->keys[i];
	return NULL;
}

void devnet_keys_free(struct devnet_keys *k)
{
	for (size_t i = 0; i < k->len; i++)
		keyfile_free(&k->keys[i]);
	free(k->keys);
	memset(k, 0, sizeof *k);
}

int build_agreement_simple(struct entry *e, const char *title,
			   const char *const *parties, size_t n,
			   const struct genesis *g, int64_t target_milli,
			   uint64_t period_start, uint64_t period_end,
			   uint64_t deadline, struct acc_err *err)
{
	memset(e, 0, sizeof *e);
	e->version = ENTRY_VERSION;
	e->kind = ENTRY_AGREEMENT;
	struct agreement *a = &e->agreement;
	int oom = 0;
	a->title = build_str(title);
	a->parties = calloc(n, sizeof *a->parties);
	a->obligations = calloc(n, sizeof *a->obligations);
	a->verifiers = calloc(g->verifier_count ? g->verifier_count : 1,
			      sizeof *a->verifiers);
	oom |= a->title == NULL || a->parties == NULL ||
	       a->obligations == NULL || a->verifiers == NULL;
	for (size_t i = 0; !oom && i < n; i++) {
		a->parties[i] = build_str(parties[i]);
		a->party_count++;
		struct obligation *o = &a->obligations[i];
		o->party = build_str(parties[i]);
		o->scope = build_str("");
		a->obligation_count++;
		oom |= a->parties[i] == NULL || o->party == NULL ||
		       o->scope == NULL;
		o->pollutant = POLLUTANT_PM25;
		o->metric = METRIC_ANNUAL_MEAN_CONCENTRATION;
		o->target = target_milli;
		/* Silence is assessed at a third over the target
		 * (specs/compliance.md §6.4). */
		o->default_value = target_milli + target_milli / 3 + 1000;
		o->period_start = period_start;
		o->period_end = period_end;
		o->deadline = deadline;
		o->frequency = FREQUENCY_ANNUAL;
	}
	for (size_t i = 0; !oom && i < g->verifier_count; i++) {
		a->verifiers[i] = build_str(g->verifiers[i].id);
		a->verifier_count++;
		oom |= a->verifiers[i] == NULL;
	}
	a->peer_parties_may_attest = g->verifier_count == 0;
	a->attestations_required = 1;
	a->grace_days = g->params.grace_days_default;
	a->resolution_threshold = (uint8_t)(n / 2 + 1);
	a->amendment_threshold = (uint8_t)n;
	a->challenge_days = 30;
	sha256(a->legal_text_hash, title, strlen(title));
	a->legal_text_uri = build_str("urn:accord:bench");
	oom |= a->legal_text_uri == NULL;
	if (oom) {
		entry_free(e);
		return acc_err_set(err, ACC_ENOMEM,
				   "out of memory building an agreement");
	}
	return 0;
}

int build_year_of(uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL)
		return 1970;
	return tm.tm_year + 1900;
}

int build_report_bench(struct entry *e, const uint8_t agreement_id[HASH_BYTES],
		       const char *party, uint64_t nonce, uint64_t i,
		       uint64_t time_s, struct acc_err *err)
{
	char method[96];
	memset(e, 0, sizeof *e);
	e->version = ENTRY_VERSION;
	e->kind = ENTRY_REPORT;
	e->time = time_s;
	struct report *r = &e->report;
	memcpy(r->agreement_id, agreement_id, HASH_BYTES);
	(void)snprintf(method, sizeof method,
		       "accord bench load, run %llu, report %llu",
		       (unsigned long long)nonce, (unsigned long long)i);
	r->party = build_str(party);
	r->scope = build_str("");
	r->method = build_str(method);
	r->data_source = build_str("urn:accord:bench");
	r->pollutant = POLLUTANT_PM25;
	r->metric = METRIC_ANNUAL_MEAN_CONCENTRATION;
	r->unit = UNIT_UG_M3;
	/* The calendar year of time_s: the period the bench agreement's
	 * obligations cover (cli/cmd_bench.c). */
	int year = build_year_of(time_s);
	r->period_start = build_time(year, 1, 1, 0, 0, 0);
	r->period_end = build_time(year + 1, 1, 1, 0, 0, 0);
	r->has_value = true;
	r->value = 20000 + (int64_t)(i % 40000000u);
	if (r->party == NULL || r->scope == NULL || r->method == NULL ||
	    r->data_source == NULL) {
		entry_free(e);
		return acc_err_set(err, ACC_ENOMEM,
				   "out of memory building a report");
	}
	return 0;
}
