/* attestation_csv.c - attestations from CSV rows (specs/cli.md §11.5). */
#include "cli/attestation_csv.h"

#include <stdlib.h>
#include <string.h>

#include "cli/csv_rows.h"
#include "common/hex.h"

enum att_col { A_REPORT, A_OPINION, A_REASONS, A_COMMENTS, A_SIGNER, A_COUNT };

static const char *const att_col_names[A_COUNT] = {
    "report", "opinion", "reasons", "comments", "signer"};

static const struct csv_table att_table = {
    .names = att_col_names,
    .count = A_COUNT,
    .required = 2,
    .header = ATTESTATION_CSV_HEADER,
};

struct att_build {
	struct report_batch *b;
	const struct report_signer *sg;
	const char *chain_id;
	uint64_t time_s;
};

static char *att_dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* The key that signs the row, or NULL with the problem in msg. */
static const struct keyfile *att_row_key(const struct report_signer *sg,
				     const char *signer, struct rowmsg *msg,
				     int *rc)
{
	const struct keyfile *kf = NULL;
	struct acc_err kerr = {0};
	*rc = 0;
	if (sg->key_for == NULL) {
		if (*signer != '\0' && strcmp(signer, sg->kf->id) != 0) {
			csv_row_problem(msg,
					"signer %s: the key is %s's (give "
					"--keys DIR for rows of several "
					"signers)",
					signer, sg->kf->id);
			return NULL;
		}
		return sg->kf;
	}
	if (*signer == '\0') {
		csv_row_problem(msg, "no signer: with --keys every row names "
				     "the verifier or party that attests");
		return NULL;
	}
	int krc = sg->key_for(sg->key_ctx, signer, &kf, &kerr);
	/* No key, or too many signers: the row cannot be signed. */
	if (krc != 0) {
		csv_row_problem(msg, "%s", kerr.msg);
		return NULL;
	}
	if (strcmp(kf->id, signer) != 0) {
		csv_row_problem(msg, "signer %s: its key file is %s's", signer,
				kf->id);
		return NULL;
	}
	return kf;
}

static int att_row_build(void *ctx, const struct csv_cols *cols,
		     const struct csv_record *rec, struct rowmsg *msg)
{
	struct att_build *bd = ctx;
	struct report_row row;
	struct attestation *a = &row.e.attestation;
	char t[2 * HASH_BYTES + 8], word[64], signer[64], shownbuf[48];
	struct acc_err cerr = {0};
	int rc = 0;

	memset(&row, 0, sizeof row);
	row.line = rec->line;
	row.e.version = ENTRY_VERSION;
	row.e.kind = ENTRY_ATTESTATION;
	row.e.time = bd->time_s;
	const char *s = csv_row_trimmed(t, sizeof t,
					csv_cols_get(cols, rec, A_REPORT));
	if (strlen(s) != 2 * HASH_BYTES ||
	    hex_decode(a->report_id, HASH_BYTES, s) != 0)
		csv_row_problem(msg, "report \"%s\" is not a 64-hex-digit id",
				csv_row_shown(shownbuf, s));
	s = csv_row_trimmed(word, sizeof word,
			    csv_cols_get(cols, rec, A_OPINION));
	int op = opinion_parse(s);
	if (op < 0)
		csv_row_problem(msg,
				"opinion \"%s\" is not one of verified "
				"verified_with_comments not_verified",
				csv_row_shown(shownbuf, s));
	else
		a->opinion = (uint8_t)op;
	/* Reasons and comments are text: kept exactly. */
	a->reasons = att_dup_str(csv_cols_get(cols, rec, A_REASONS));
	a->comments = att_dup_str(csv_cols_get(cols, rec, A_COMMENTS));
	if (a->reasons == NULL || a->comments == NULL) {
		rc = ACC_ENOMEM;
		goto out;
	}
	s = csv_row_trimmed(signer, sizeof signer,
			    csv_cols_get(cols, rec, A_SIGNER));
	const struct keyfile *kf = NULL;
	if (msg->count == 0 &&
	    ((kf = att_row_key(bd->sg, s, msg, &rc)) == NULL || rc != 0))
		goto out;
	if (msg->count == 0 &&
	    entry_sign(&row.e, &kf->key, bd->chain_id, &cerr) != 0)
		csv_row_problem(msg, "%s", cerr.msg);
	if (msg->count == 0 &&
	    entry_encode(&row.e, &row.bytes, &row.len, &cerr) != 0)
		csv_row_problem(msg, "%s", cerr.msg);
	if (msg->count > 0)
		goto out;
	entry_id(row.id, row.bytes, row.len);
	if ((rc = report_batch_item_add(bd->b, &row)) == 0)
		return 0;
out:
	entry_free(&row.e);
	free(row.bytes);
	return rc;
}

/* R22: one attestation per attester per report; two rows of a file for
 * the same report by the same key would have the node refuse the second.
 * Compared by the report and the signing key (the first signature). */
struct att_keyed {
	uint8_t report[HASH_BYTES];
	uint8_t key[PUBKEY_BYTES];
	size_t item;
};

static int att_keyed_cmp(const void *x, const void *y)
{
	const struct att_keyed *a = x, *b = y;
	int c = memcmp(a->report, b->report, HASH_BYTES);
	if (c == 0)
		c = memcmp(a->key, b->key, sizeof a->key);
	if (c == 0)
		c = a->item < b->item ? -1 : a->item > b->item;
	return c;
}

static int att_duplicates_find(struct report_batch *b)
{
	if (b->len < 2)
		return 0;
	struct att_keyed *k = calloc(b->len, sizeof *k);
	if (k == NULL)
		return ACC_ENOMEM;
	for (size_t i = 0; i < b->len; i++) {
		memcpy(k[i].report, b->items[i].e.attestation.report_id,
		       HASH_BYTES);
		memcpy(k[i].key, b->items[i].e.sigs[0].key, sizeof k[i].key);
		k[i].item = i;
	}
	qsort(k, b->len, sizeof *k, att_keyed_cmp);
	int rc = 0;
	size_t first = 0;
	for (size_t i = 1; rc == 0 && i < b->len; i++) {
		if (memcmp(k[i].report, k[first].report, HASH_BYTES) != 0 ||
		    memcmp(k[i].key, k[first].key, sizeof k[i].key) != 0) {
			first = i;
			continue;
		}
		char m[REPORT_CSV_MSG_BYTES];
		(void)snprintf(m, sizeof m,
			       "same report and signer as line %llu (one "
			       "attestation per attester per report, R22)",
			       (unsigned long long)b->items[k[first].item].line);
		rc = report_batch_bad_add(b, b->items[k[i].item].line, m);
	}
	free(k);
	return rc;
}

int attestation_csv_build(struct report_batch *b, const char *text,
			  size_t len, const struct report_signer *sg,
			  const char *chain_id, uint64_t time_s,
			  struct acc_err *err)
{
	struct att_build bd = {
	    .b = b, .sg = sg, .chain_id = chain_id, .time_s = time_s};
	memset(b, 0, sizeof *b);
	int rc = csv_table_read(&att_table, text, len, att_row_build, &bd, b, err);
	if (rc == 0 && (rc = att_duplicates_find(b)) != 0)
		(void)acc_err_set(err, rc, "out of memory");
	if (rc != 0) {
		report_batch_free(b);
		return rc;
	}
	if (b->bad_len > 0) {
		report_batch_bad_sort(b);
		report_batch_items_free(b);
		return acc_err_set(err, ACC_EINVAL, "%zu of %zu rows are bad",
				   b->bad_len, b->rows);
	}
	return 0;
}
