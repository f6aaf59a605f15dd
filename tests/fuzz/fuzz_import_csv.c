/* fuzz_import_csv.c - untrusted bytes as a CSV file of each kind accord
 * import reads (specs/cli.md §11.1, §11.2, §11.5, §11.6): reports,
 * attestations and an agreement's obligations. The reader and the three
 * builders must end without crashing; a file they accept must have built
 * one entry (or obligation) per row and nothing when a row is bad; every
 * report row written back (report_csv_row_write) must read back into the
 * same bytes; otherwise abort(). The fuzz build links only libaccord.a,
 * so the CLI modules are compiled in here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/csv.c"
#include "cli/report_csv.c"
#include "cli/csv_rows.c"
#include "cli/attestation_csv.c"
#include "cli/obligation_csv.c"

#include "common/crypto.h"

#define HASH0                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"

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

/* The same bytes as attestations (signed by the one key) and as an
 * agreement's obligations. */
static void other_kinds(const struct keyfile *kf, const char *text,
			size_t size)
{
	struct report_batch b;
	struct report_signer sg = {.kf = kf};
	int rc = attestation_csv_build(&b, text, size, &sg, "accord-test",
				       1796083200u, NULL);
	if (rc == 0 && (b.len == 0 || b.len != b.rows || b.bad_len != 0))
		abort();
	if (rc != 0 && b.len != 0)
		abort();
	for (size_t i = 0; rc == 0 && i < b.len; i++)
		if (b.items[i].e.kind != ENTRY_ATTESTATION)
			abort();
	report_batch_free(&b);
	json_error_t je;
	json_t *a = json_loads(
	    "{\"kind\":\"agreement\",\"title\":\"t\",\"parties\":"
	    "[\"CN-HE\"],\"obligations\":[],\"grace_days\":1,"
	    "\"verification\":{\"verifiers\":[\"V\"],"
	    "\"peer_parties_may_attest\":false,\"attestations_required\":1},"
	    "\"resolution_threshold\":1,\"amendment_threshold\":1,"
	    "\"challenge_days\":1,\"legal_text_hash\":\"" HASH0 "\","
	    "\"legal_text_uri\":\"u\"}",
	    0, &je);
	if (a == NULL)
		abort();
	rc = obligation_csv_fill(a, &b, text, size, NULL);
	size_t n = json_array_size(json_object_get(a, "obligations"));
	if (rc == 0 && (n == 0 || n != b.rows || b.bad_len != 0))
		abort();
	if (rc != 0 && n != 0)
		abort();
	report_batch_free(&b);
	json_decref(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct keyfile *kf = key_get();
	struct report_batch a, b;
	/* An exact-size copy, so any read past the end is caught. */
	char *text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	other_kinds(kf, text, size);
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
