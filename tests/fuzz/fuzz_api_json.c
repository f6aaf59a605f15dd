/* fuzz_api_json.c - the POST /v1/entries body admission path
 * (specs/api.md), JSON and binary, against an in-memory genesis. The
 * Makefile links fuzz targets with libaccord.a only, so the node's pure
 * admission code is compiled in here directly. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/crypto.h"
#include "ledger/genesis.h"
#include "node/admit.c"

/* tests/vectors/genesis.json, the genesis the entry vectors are signed
 * for, so that seeds made from those vectors pass every check. */
static const char genesis_json[] =
    "{\"chain_id\":\"accord-test\",\"genesis_time\":\"2025-01-01T00:00:0"
    "0Z\",\"parties\":[{\"id\":\"CN-BJ\",\"name\":\"Beijing\",\"keys\":[\"8a88e"
    "3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c\""
    "]},{\"id\":\"CN-TJ\",\"name\":\"Tianjin\",\"keys\":[\"ed4928c628d1c2c6e"
    "ae90338905995612959273a5c63f93636c14614ac8737d1\"]},{\"id\":\"CN"
    "-HE\",\"name\":\"Hebei\",\"keys\":[\"8a875fff1eb38451577acd5afee4054"
    "56568dd7c89e090863a0557bc7af49f17\"]}],\"validators\":[{\"name\":"
    "\"node0\",\"party\":\"CN-BJ\",\"key\":\"ca93ac1705187071d67b83c7ff0ef"
    "e8108e8ec4530575d7726879333dbdabe7c\",\"address\":\"127.0.0.1:97"
    "00\",\"http\":\"127.0.0.1:8700\",\"power\":1},{\"name\":\"node1\",\"part"
    "y\":\"CN-TJ\",\"key\":\"6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e"
    "3ca6f2e4fbfccd80505bf1\",\"address\":\"127.0.0.1:9701\",\"http\":\"1"
    "27.0.0.1:8701\",\"power\":1}],\"verifiers\":[{\"id\":\"CNEMC\",\"name\""
    ":\"China National Environmental Monitoring Centre\",\"key\":\"813"
    "9770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b39"
    "4\"}],\"params\":{\"block_interval_ms\":1000,\"block_entries_max\":"
    "4096,\"timeout_propose_ms\":3000,\"timeout_prevote_ms\":1000,\"ti"
    "meout_precommit_ms\":1000,\"timeout_delta_ms\":500,\"grace_days_"
    "default\":90},\"governance_threshold\":2}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct genesis gen;
	static const struct genesis *g;
	if (g == NULL) {
		struct acc_err err;
		if (crypto_lib_init() != 0)
			return 0;
		if (genesis_from_json_text(&gen, genesis_json,
					   sizeof genesis_json - 1, &err) != 0) {
			fprintf(stderr, "genesis: %s\n", err.msg);
			__builtin_trap();
		}
		g = &gen;
	}
	/* The first byte picks the form so one corpus covers both. */
	if (size == 0)
		return 0;
	enum admit_form form = (data[0] & 1) ? ADMIT_BINARY : ADMIT_JSON;
	struct admit_entry ae;
	struct acc_err err;
	if (admit_decode(g, form, data + 1, size - 1, &ae, &err) == 0) {
		if (ae.len == 0 || ae.len > ENTRY_BYTES_MAX)
			__builtin_trap();
		admit_entry_free(&ae);
	}
	return 0;
}
