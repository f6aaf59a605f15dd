/* test_cli_devnet.c - `accord devnet init` files (specs/cli.md §4): the
 * genesis loads back with the right parties, verifiers and validators,
 * every key file loads and matches genesis, configs point at them, and
 * bad parameters are refused without writing anything. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/build.h"
#include "cli/devnet.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "ledger/entry.h"
#include "ledger/genesis.h"
#include "node/config.h"
#include "tests/test.h"

static char tmp[256];

static void rm_rf(const char *dir)
{
	char cmd[512];
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0);
}

static void test_devnet_defaults(void)
{
	char dir[300], path[400];
	(void)snprintf(dir, sizeof dir, "%s/net", tmp);
	struct devnet_params p = {.dir = dir, .nodes = 1, .http_port = 21000};
	struct acc_err err = {0};
	ASSERT_OK(devnet_init(&p, &err));
	struct genesis g;
	(void)snprintf(path, sizeof path, "%s/genesis.json", dir);
	ASSERT_OK(genesis_load(&g, path, &err));
	ASSERT_STR_EQ(g.chain_id, "accord-devnet");
	ASSERT_EQ(g.party_count, 4);
	ASSERT_STR_EQ(g.parties[0].id, "CN-BJ");
	ASSERT_STR_EQ(g.parties[0].name, "Beijing");
	ASSERT_STR_EQ(g.parties[3].id, "CN-SD");
	ASSERT_STR_EQ(g.parties[3].name, "Shandong");
	ASSERT_EQ(g.verifier_count, 1);
	ASSERT_STR_EQ(g.verifiers[0].id, "CNEMC");
	ASSERT_STR_EQ(g.verifiers[0].name,
		      "China National Environmental Monitoring Centre");
	ASSERT_EQ(g.validator_count, 1);
	ASSERT_STR_EQ(g.validators[0].party, "CN-BJ");
	ASSERT_STR_EQ(g.validators[0].address, "127.0.0.1:21100");
	ASSERT_EQ(g.governance_threshold, 3);
	/* Every key file is the key genesis names, with mode 0600. */
	struct devnet_keys keys;
	ASSERT_OK(devnet_keys_load(&keys, dir, &err));
	ASSERT_EQ(keys.len, 5);
	for (size_t i = 0; i < g.party_count; i++) {
		const struct keyfile *kf =
		    devnet_keys_find(&keys, "party", g.parties[i].id);
		ASSERT(kf != NULL);
		ASSERT_EQ(genesis_party_by_key(&g, kf->key.pk), (long)i);
	}
	const struct keyfile *vf = devnet_keys_find(&keys, "verifier", "CNEMC");
	ASSERT(vf != NULL);
	ASSERT_EQ(genesis_verifier_by_key(&g, vf->key.pk), 0);
	devnet_keys_free(&keys);
	struct keyfile vk;
	(void)snprintf(path, sizeof path, "%s/node0/validator.key", dir);
	ASSERT_OK(keyfile_load(&vk, path, &err));
	ASSERT_EQ(genesis_validator_by_key(&g, vk.key.pk), 0);
	ASSERT_STR_EQ(vk.role, "validator");
	keyfile_free(&vk);
	struct stat st;
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	/* The config (specs/api.md "Node config"). */
	(void)snprintf(path, sizeof path, "%s/node0/config.json", dir);
	json_error_t je;
	json_t *c = json_load_file(path, 0, &je);
	ASSERT(c != NULL);
	ASSERT_STR_EQ(json_string_value(json_object_get(c, "genesis")),
		      "../genesis.json");
	ASSERT_STR_EQ(json_string_value(json_object_get(c, "key")),
		      "validator.key");
	ASSERT_STR_EQ(json_string_value(json_object_get(c, "data_dir")),
		      "data");
	ASSERT_STR_EQ(json_string_value(json_object_get(c, "http_listen")),
		      "127.0.0.1:21000");
	ASSERT_STR_EQ(json_string_value(json_object_get(c, "p2p_listen")),
		      "127.0.0.1:21100");
	ASSERT_EQ(json_integer_value(json_object_get(c, "validator")), 0);
	/* One validator: no peers, and no field a node without the network
	 * would refuse. */
	ASSERT_EQ(json_array_size(json_object_get(c, "peers")), 0);
	ASSERT(json_object_get(c, "followers") == NULL);
	ASSERT(json_object_get(c, "role") == NULL);
	json_decref(c);
	struct node_config nc;
	ASSERT_OK(config_load(&nc, path, &err));
	ASSERT_EQ(nc.role, NODE_ROLE_VALIDATOR);
	ASSERT_EQ(nc.peer_count, 0);
	ASSERT_EQ(nc.follower_count, 0);
	ASSERT_EQ(devnet_nodes_count(dir), 1);
	char url[128];
	ASSERT_OK(devnet_node_url(dir, 0, url, sizeof url, &err));
	ASSERT_STR_EQ(url, "http://127.0.0.1:21000");
	/* A second init over it is refused. */
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "not empty") != NULL);
	genesis_free(&g);
	rm_rf(dir);
}

static void test_devnet_custom(void)
{
	char dir[300], path[400];
	(void)snprintf(dir, sizeof dir, "%s/net4", tmp);
	struct devnet_params p = {.dir = dir,
				  .nodes = 4,
				  .http_port = 22000,
				  .parties = "CN-BJ,CN-TJ,CN-HE",
				  .verifiers = "CNEMC,AUD-1"};
	struct acc_err err = {0};
	ASSERT_OK(devnet_init(&p, &err));
	struct genesis g;
	(void)snprintf(path, sizeof path, "%s/genesis.json", dir);
	ASSERT_OK(genesis_load(&g, path, &err));
	ASSERT_EQ(g.party_count, 3);
	ASSERT_EQ(g.verifier_count, 2);
	ASSERT_STR_EQ(g.verifiers[1].id, "AUD-1");
	ASSERT_EQ(g.validator_count, 4);
	/* Validators belong to the parties in turn. */
	ASSERT_STR_EQ(g.validators[0].party, "CN-BJ");
	ASSERT_STR_EQ(g.validators[1].party, "CN-TJ");
	ASSERT_STR_EQ(g.validators[2].party, "CN-HE");
	ASSERT_STR_EQ(g.validators[3].party, "CN-BJ");
	ASSERT_STR_EQ(g.validators[3].http, "127.0.0.1:22003");
	ASSERT_EQ(devnet_nodes_count(dir), 4);
	char url[128];
	ASSERT_OK(devnet_node_url(dir, 3, url, sizeof url, &err));
	ASSERT_STR_EQ(url, "http://127.0.0.1:22003");
	genesis_free(&g);
	rm_rf(dir);
}


static json_t *config_json_load(const char *dir, uint32_t i)
{
	char path[400];
	(void)snprintf(path, sizeof path, "%s/node%u/config.json", dir, i);
	json_error_t je;
	json_t *c = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (c == NULL)
		FAIL_AT("%s: %s", path, je.text);
	return c;
}

static void hex_of(char out[2 * PUBKEY_BYTES + 1], const uint8_t *pk)
{
	hex_encode(out, pk, PUBKEY_BYTES);
}

/* NETCONFIG layout: 4 validators and 2 followers. Validators list every
 * other validator (key and p2p address) and every follower's key;
 * followers list every validator and have a key of role "follower" that
 * genesis does not know. */
static void test_devnet_consortium(void)
{
	char dir[300], path[400], hex[2 * PUBKEY_BYTES + 1];
	(void)snprintf(dir, sizeof dir, "%s/cons", tmp);
	struct devnet_params p = {
	    .dir = dir, .nodes = 4, .followers = 2, .http_port = 19000};
	struct acc_err err = {0};
	ASSERT_OK(devnet_init(&p, &err));
	struct genesis g;
	(void)snprintf(path, sizeof path, "%s/genesis.json", dir);
	ASSERT_OK(genesis_load(&g, path, &err));
	ASSERT_EQ(g.validator_count, 4);
	ASSERT_EQ(devnet_nodes_count(dir), 6);
	uint8_t fpk[2][PUBKEY_BYTES];
	for (uint32_t f = 0; f < 2; f++) {
		struct keyfile kf;
		(void)snprintf(path, sizeof path, "%s/node%u/follower.key",
			       dir, 4 + f);
		ASSERT_OK(keyfile_load(&kf, path, &err));
		ASSERT_STR_EQ(kf.role, "follower");
		ASSERT_STR_EQ(kf.id, f == 0 ? "node4" : "node5");
		ASSERT_EQ(genesis_validator_by_key(&g, kf.key.pk), -1);
		memcpy(fpk[f], kf.key.pk, PUBKEY_BYTES);
		keyfile_free(&kf);
		struct stat st;
		ASSERT_EQ(stat(path, &st), 0);
		ASSERT_EQ(st.st_mode & 0777, 0600);
		(void)snprintf(path, sizeof path, "%s/node%u/validator.key",
			       dir, 4 + f);
		ASSERT(stat(path, &st) != 0);
		(void)snprintf(path, sizeof path, "%s/node%u/data", dir, 4 + f);
		ASSERT_EQ(stat(path, &st), 0);
		ASSERT(S_ISDIR(st.st_mode));
	}
	ASSERT(memcmp(fpk[0], fpk[1], PUBKEY_BYTES) != 0);
	for (uint32_t i = 0; i < 4; i++) {
		json_t *c = config_json_load(dir, i);
		ASSERT_EQ(json_integer_value(json_object_get(c, "validator")),
			  i);
		ASSERT_STR_EQ(json_string_value(json_object_get(c, "key")),
			      "validator.key");
		(void)snprintf(path, sizeof path, "127.0.0.1:%u", 19100 + i);
		ASSERT_STR_EQ(
		    json_string_value(json_object_get(c, "p2p_listen")), path);
		json_t *peers = json_object_get(c, "peers");
		ASSERT_EQ(json_array_size(peers), 3);
		size_t k = 0;
		for (uint32_t v = 0; v < 4; v++) {
			if (v == i)
				continue;
			json_t *peer = json_array_get(peers, k++);
			ASSERT_EQ(json_object_size(peer), 2);
			hex_of(hex, g.validators[v].key);
			ASSERT_STR_EQ(
			    json_string_value(json_object_get(peer, "key")),
			    hex);
			(void)snprintf(path, sizeof path, "127.0.0.1:%u",
				       19100 + v);
			ASSERT_STR_EQ(
			    json_string_value(json_object_get(peer, "addr")),
			    path);
			/* The address genesis publishes is the same. */
			ASSERT_STR_EQ(g.validators[v].address, path);
		}
		json_t *fl = json_object_get(c, "followers");
		ASSERT_EQ(json_array_size(fl), 2);
		for (uint32_t f = 0; f < 2; f++) {
			hex_of(hex, fpk[f]);
			ASSERT_STR_EQ(json_string_value(json_array_get(fl, f)),
				      hex);
		}
		ASSERT(json_object_get(c, "role") == NULL);
		json_decref(c);
	}
	for (uint32_t i = 4; i < 6; i++) {
		json_t *c = config_json_load(dir, i);
		ASSERT_STR_EQ(json_string_value(json_object_get(c, "role")),
			      "follower");
		ASSERT_STR_EQ(json_string_value(json_object_get(c, "key")),
			      "follower.key");
		ASSERT(json_object_get(c, "validator") == NULL);
		ASSERT(json_object_get(c, "followers") == NULL);
		(void)snprintf(path, sizeof path, "127.0.0.1:%u", 19000 + i);
		ASSERT_STR_EQ(
		    json_string_value(json_object_get(c, "http_listen")), path);
		(void)snprintf(path, sizeof path, "127.0.0.1:%u", 19100 + i);
		ASSERT_STR_EQ(
		    json_string_value(json_object_get(c, "p2p_listen")), path);
		json_t *peers = json_object_get(c, "peers");
		ASSERT_EQ(json_array_size(peers), 4);
		for (uint32_t v = 0; v < 4; v++) {
			json_t *peer = json_array_get(peers, v);
			hex_of(hex, g.validators[v].key);
			ASSERT_STR_EQ(
			    json_string_value(json_object_get(peer, "key")),
			    hex);
			ASSERT_STR_EQ(
			    json_string_value(json_object_get(peer, "addr")),
			    g.validators[v].address);
		}
		json_decref(c);
		char url[128];
		ASSERT_OK(devnet_node_url(dir, i, url, sizeof url, &err));
		(void)snprintf(path, sizeof path, "http://127.0.0.1:%u",
			       19000 + i);
		ASSERT_STR_EQ(url, path);
	}
	/* The node reads every one of these configs as NETCONFIG means
	 * them (node/config.c, specs/node.md §1). */
	for (uint32_t i = 0; i < 6; i++) {
		struct node_config nc;
		(void)snprintf(path, sizeof path, "%s/node%u/config.json", dir,
			       i);
		if (config_load(&nc, path, &err) != 0)
			FAIL_AT("node%u: %s", i, err.msg);
		ASSERT_EQ(nc.role,
			  i < 4 ? NODE_ROLE_VALIDATOR : NODE_ROLE_FOLLOWER);
		ASSERT_EQ(nc.peer_count, i < 4 ? 3 : 4);
		ASSERT_EQ(nc.follower_count, i < 4 ? 2 : 0);
		ASSERT(nc.has_p2p);
		ASSERT_EQ(nc.p2p.port, 19100 + i);
		ASSERT_EQ(nc.http.port, 19000 + i);
		if (i < 4)
			ASSERT_EQ(nc.validator, i);
		for (size_t k = 0; k < nc.peer_count; k++) {
			uint32_t v = (uint32_t)k + (i < 4 && k >= i ? 1 : 0);
			ASSERT(memcmp(nc.peers[k].key, g.validators[v].key,
				      PUBKEY_BYTES) == 0);
			ASSERT_EQ(nc.peers[k].addr.port, 19100 + v);
		}
		for (size_t f = 0; f < nc.follower_count; f++)
			ASSERT(memcmp(nc.followers[f], fpk[f], PUBKEY_BYTES) ==
			       0);
	}
	genesis_free(&g);
	rm_rf(dir);
}

static void test_devnet_refusals(void)
{
	char dir[300];
	(void)snprintf(dir, sizeof dir, "%s/bad", tmp);
	struct acc_err err = {0};
	struct devnet_params p = {.dir = dir,
				  .nodes = 1,
				  .http_port = 21000,
				  .parties = "CN-BJ,CN-BJ"};
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "twice") != NULL);
	p.parties = "CN BJ";
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	p.parties = "CN-BJ,,CN-TJ";
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	p.parties = "CN-BJ";
	p.verifiers = "CN-BJ";
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "both") != NULL);
	p.verifiers = NULL;
	p.nodes = 0;
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	p.nodes = 1;
	p.http_port = 65500;
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	/* Followers count against the node and port limits too. */
	p.http_port = 21000;
	p.nodes = 60;
	p.followers = 5;
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "followers") != NULL);
	p.nodes = 1;
	p.followers = 2;
	p.http_port = 65535 - 102;
	ASSERT_EQ(devnet_init(&p, &err), ACC_EINVAL);
	ASSERT(strstr(err.msg, "no room") != NULL);
	/* Nothing was written by any refusal. */
	struct stat st;
	ASSERT(stat(dir, &st) != 0);
}

/* The load generator's entries (specs/cli.md §9) pass the node's
 * stateless admission check, and reports are distinct per index. */
static void test_bench_entries_check(void)
{
	char dir[300], path[400];
	(void)snprintf(dir, sizeof dir, "%s/bench", tmp);
	struct devnet_params p = {.dir = dir, .nodes = 1, .http_port = 21000};
	struct acc_err err = {0};
	ASSERT_OK(devnet_init(&p, &err));
	struct genesis gg;
	(void)snprintf(path, sizeof path, "%s/genesis.json", dir);
	ASSERT_OK(genesis_load(&gg, path, &err));
	struct devnet_keys keys;
	ASSERT_OK(devnet_keys_load(&keys, dir, &err));
	const char *parties[] = {"CN-BJ", "CN-TJ", "CN-HE", "CN-SD"};
	struct entry e;
	uint8_t *b = NULL;
	size_t n = 0;
	ASSERT_OK(build_agreement_simple(
	    &e, "t", parties, 4, &gg, 35000, build_time(2017, 1, 1, 0, 0, 0),
	    build_time(2018, 1, 1, 0, 0, 0),
	    build_time(2018, 3, 31, 23, 59, 59), &err));
	e.time = build_time(2025, 1, 1, 0, 0, 0);
	ASSERT_OK(entry_sign(&e,
			     &devnet_keys_find(&keys, "party", "CN-BJ")->key,
			     gg.chain_id, &err));
	ASSERT_OK(entry_encode(&e, &b, &n, &err));
	if (entry_check(b, n, &gg, NULL, &err) != 0)
		FAIL_AT("agreement: %s", err.msg);
	uint8_t aid[HASH_BYTES], id0[HASH_BYTES], id1[HASH_BYTES];
	entry_id(aid, b, n);
	free(b);
	entry_free(&e);
	for (uint64_t i = 0; i < 2; i++) {
		const char *party = parties[i % 4];
		ASSERT_OK(build_report_bench(&e, aid, party, 7, i,
					     build_time(2025, 1, 1, 0, 0, 0),
					     &err));
		ASSERT_OK(entry_sign(
		    &e, &devnet_keys_find(&keys, "party", party)->key,
		    gg.chain_id, &err));
		ASSERT_OK(entry_encode(&e, &b, &n, &err));
		if (entry_check(b, n, &gg, NULL, &err) != 0)
			FAIL_AT("report: %s", err.msg);
		entry_id(i == 0 ? id0 : id1, b, n);
		free(b);
		entry_free(&e);
	}
	ASSERT(memcmp(id0, id1, HASH_BYTES) != 0);
	/* A report signed by another party's key is refused. */
	ASSERT_OK(build_report_bench(&e, aid, "CN-TJ", 7, 5, 1, &err));
	ASSERT_OK(entry_sign(&e,
			     &devnet_keys_find(&keys, "party", "CN-BJ")->key,
			     gg.chain_id, &err));
	ASSERT_OK(entry_encode(&e, &b, &n, &err));
	ASSERT_EQ(entry_check(b, n, &gg, NULL, &err), ACC_ERULE);
	free(b);
	entry_free(&e);
	devnet_keys_free(&keys);
	genesis_free(&gg);
	rm_rf(dir);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	(void)snprintf(tmp, sizeof tmp, "/tmp/test_cli_devnet.XXXXXX");
	ASSERT(mkdtemp(tmp) != NULL);
	RUN(test_devnet_defaults);
	RUN(test_devnet_custom);
	RUN(test_devnet_consortium);
	RUN(test_devnet_refusals);
	RUN(test_bench_entries_check);
	rm_rf(tmp);
	return 0;
}
