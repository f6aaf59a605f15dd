/* compliance.h - the status of every obligation at a block time, its
 * shortfall and compensation, and the JSON views of compliance and
 * agreements (specs/compliance.md §6-§8). */
#ifndef ACCORD_LEDGER_COMPLIANCE_H
#define ACCORD_LEDGER_COMPLIANCE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/crypto.h"
#include "common/error.h"
#include "common/kv.h"
#include "ledger/state.h"

/* Statuses of one obligation (§6), with their JSON names. */
enum compliance_status {
	COMPLIANCE_PENDING = 1,	     /* "pending" */
	COMPLIANCE_MET = 2,	     /* "met" */
	COMPLIANCE_MISSED = 3,	     /* "missed" */
	COMPLIANCE_NOT_REPORTED = 4, /* "not_reported" */
	COMPLIANCE_UNVERIFIED = 5,   /* "unverified" */
	COMPLIANCE_DISPUTED = 6,     /* "disputed" */
	COMPLIANCE_SUPERSEDED = 7,   /* "superseded" */
};
#define COMPLIANCE_STATUS_MAX 7

/* Name of a status (static), NULL if unknown; and back (-1 if unknown). */
const char *compliance_status_name(int status);
int compliance_status_parse(const char *s);

/*
 * One row: one obligation of an active (or superseded) agreement at time t.
 * Every pointer is borrowed and valid only during the callback that
 * receives the row. Quantities are milli.
 */
struct compliance_row {
	uint8_t agreement[HASH_BYTES];
	const char *title;
	uint16_t obligation; /* index in the agreement */
	const char *party;
	const char *scope; /* "" = the whole party */
	uint8_t pollutant; /* enum pollutant */
	uint8_t metric;	   /* enum metric */
	uint64_t period_start;
	uint64_t period_end;
	uint64_t deadline;
	uint32_t grace_days;
	/* The close of reporting C = max(deadline + grace, reopened) (§6.1):
	 * a pending row becomes not_reported after it. */
	uint64_t closes;
	bool has_baseline;
	uint16_t baseline_year;
	int64_t baseline_value;
	int64_t target;
	int64_t default_value; /* assessed for silence (§6.4) */
	/* The standing report (§6.1) if any, else the latest report. */
	bool has_report;
	uint8_t report[HASH_BYTES];
	bool has_value;		  /* reported value present */
	int64_t reported;	  /* when has_value */
	const char *notation_key; /* when has_report && !has_value */
	bool late;
	uint64_t reported_at; /* the report's block time, when has_report */
	/* Whole days after the deadline, rounded up (§7); 0 when on time. */
	uint64_t days_late;
	uint32_t attestations; /* counted positive attestations */
	uint8_t attestations_required;
	int status; /* enum compliance_status */
	/* What the shortfall is computed on (§6.4, §7 "assessed"). */
	int assessed; /* enum compliance_assessed */
	/* Set whenever assessed is: met (0), missed and assessed at the
	 * default (> 0). */
	bool has_shortfall;
	int64_t shortfall;
	/* Set whenever assessed is, when the agreement has a compensation
	 * rule. */
	bool has_compensation;
	int64_t compensation; /* milli currency units */
	bool capped;	      /* shortfall or compensation capped (§6.3) */
	const char *currency;
	const char *payer; /* the obligation's party */
	/* The rule's payee (a party or a fund); NULL when it is the payer
	 * or the rule names none: then the amount is owed to
	 * payees[0..payee_count), the other parties, in equal shares
	 * (§6.3). */
	const char *payee;
	bool payee_fund; /* payee is a consortium fund of genesis */
	const char *const *payees;
	size_t payee_count;
	/* A correction awaiting verification (§6.1): the latest report, when
	 * newer than the standing one. */
	bool has_correction;
	uint8_t correction[HASH_BYTES];
	bool correction_has_value;
	int64_t correction_value;		/* when correction_has_value */
	const char *correction_notation_key; /* otherwise */
	uint32_t correction_attestations;
};

/* What a row's shortfall is computed on (§7 "assessed"). */
enum compliance_assessed {
	COMPLIANCE_ASSESSED_NONE = 0,	 /* null */
	COMPLIANCE_ASSESSED_REPORT = 1,	 /* "report": met or missed */
	COMPLIANCE_ASSESSED_DEFAULT = 2, /* "default": silence (§6.4) */
};

/*
 * Call fn for one row per obligation of every active or superseded
 * agreement (proposed ones have none) at block time t, in key order:
 * agreement id, then obligation index. party (NULL = all) keeps the rows
 * whose obligation party is party; agreement (NULL = all) keeps one
 * agreement's rows. fn returns 0 to go on, 1 to stop (then 0 is
 * returned), or a negative error that is returned.
 * Errors: ACC_ENOTFOUND (agreement given and unknown), ACC_EDECODE
 * (corrupt state, a report chain that does not end), ACC_ENOMEM, the
 * KV's errors, fn's errors. Amounts beyond QTY_MILLI_MAX are capped in
 * the row (capped), never an error (§6.3).
 */
int compliance_eval(const struct kv *kv, uint64_t t, const char *party,
		    const uint8_t *agreement,
		    int (*fn)(void *ctx, const struct compliance_row *r),
		    void *ctx, struct acc_err *err);

/*
 * Compensation of a shortfall at a rate (§6.3): shortfall * rate / 1000
 * in milli, truncated toward zero. ACC_ERANGE if the result's magnitude
 * passes QTY_MILLI_MAX.
 */
int compliance_compensation(int64_t shortfall_milli, int64_t rate_milli,
			    int64_t *out_milli);

/* The row's JSON object (§7); new reference, NULL on allocation failure.
 * Dump with QTY_JSON_DUMP_FLAGS. */
json_t *compliance_row_to_json(const struct compliance_row *r);

/*
 * The agreement view of GET /v1/agreements/{id} without the "agreement"
 * member (the node adds the entry's JSON): {"id", "title", "proposer",
 * "parties", "endorsed", "state", "active_since", "superseded_by",
 * "supersedes", "obligations"} (§8). *out is a new reference.
 * ACC_ENOTFOUND, ACC_EDECODE, ACC_ENOMEM, the KV's errors.
 */
int agreement_view_json(const struct kv *kv, const uint8_t id[HASH_BYTES],
			json_t **out, struct acc_err *err);

/* {"agreements": [view, ...]} of every agreement, in log order (§8). */
int agreement_list_json(const struct kv *kv, json_t **out, struct acc_err *err);

#endif
