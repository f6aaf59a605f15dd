/* fuzz_import_csv.c - untrusted bytes as a CSV file of reports
 * (specs/cli.md §11.1, §11.2): the reader and report_csv_build must end
 * without crashing; a file they accept must have built one signed entry
 * per row, and every row written back (report_csv_row_write) must read
 * back into the same bytes; otherwise abort(). The fuzz build links only
 * libaccord.a, so the two CLI modules are compiled in here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.c"
#include "cli/report_csv.c"

#include "common/crypto.h"

static const struct keyfile *key_get(void)
{
	static struct keyfile kf;
	static int ready;
	if (!ready) {
		uint8_t seed[SEED_BYTES];
		memset(seed, 7, sizeof seed);
		if (crypto_lib_init() != 0 || key_from_seed(&kf.key, seed) != 0)
			abort();
		strcpy(kf.role, "party");
		strcpy(kf.id, "CN-HE");
		ready = 1;
	}
	return &kf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct keyfile *kf = key_get();
	struct report_batch a, b;
	/* An exact-size copy, so any read past the end is caught. */
	char *text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	int rc = report_csv_build(&a, text, size, kf, "accord-test",
				  1796083200u, NULL, NULL, NULL);
	free(text);
	if (rc != 0) {
		if (a.len != 0)
			abort(); /* nothing is built when a row is bad */
		report_batch_free(&a);
		return 0;
	}
	if (a.len == 0 || a.len != a.rows || a.bad_len != 0)
		abort();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	report_csv_header_write(f);
	for (size_t i = 0; i < a.len; i++)
		report_csv_row_write(f, &a.items[i].e.report);
	if (fclose(f) != 0)
		abort();
	if (report_csv_build(&b, buf, len, kf, "accord-test", 1796083200u,
			     NULL, NULL, NULL) != 0 ||
	    b.len != a.len)
		abort();
	for (size_t i = 0; i < a.len; i++)
		if (a.items[i].len != b.items[i].len ||
		    memcmp(a.items[i].bytes, b.items[i].bytes, a.items[i].len) !=
			0)
			abort();
	free(buf);
	report_batch_free(&a);
	report_batch_free(&b);
	return 0;
}
