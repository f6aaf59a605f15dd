# accord - build, test, check, fuzz, bench, demo.
#
#   make            build build/bin/accordd, build/bin/accord, the tests
#   make test       install missing packages, build, run every test
#   make check      the tests under AddressSanitizer and UBSan
#   make fuzz       build the libFuzzer targets (FUZZ_SECONDS=60 make fuzz-run)
#   make sim        a long consensus simulator campaign (SEED=s replays one)
#   make mutants    mutation testing of consensus/: a kill matrix (tests/mutants)
#   make bench      the benchmarks (ratios measured side by side)
#   make demo       a local devnet, the demo scenario, an audit
#   make deps       install the Debian packages accord needs
#   make install    binaries, systemd unit, sysusers file, docs
#                   (PREFIX=/usr/local, DESTDIR= for staging; specs/node.md §9)

CC ?= cc
BUILD ?= build
OPT ?= -O2 -g
WARN = -Wall -Wextra -Wpedantic -Wshadow
CFLAGS += -std=c11 $(OPT) $(WARN) -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)
LDLIBS = -llmdb -luv -ljansson -lmicrohttpd -lcurl -lsodium -lpthread -lm

LIB_SRC := $(wildcard common/*.c ledger/*.c storage/*.c consensus/*.c p2p/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
# node/main.c and cli/main.c hold main(); the rest of each is a library so
# that unit tests (tests/unit/test_node_*.c, test_cli_*.c) can link it.
NODE_SRC := $(wildcard node/*.c)
NODE_LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter-out node/main.c,$(NODE_SRC)))
CLI_SRC := $(wildcard cli/*.c)
CLI_LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter-out cli/main.c,$(CLI_SRC)))
APP_LIBS := $(BUILD)/libnode.a $(BUILD)/libcli.a
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SIM_SRC := $(wildcard tests/sim/*.c)
SIM_BIN := $(if $(SIM_SRC),$(BUILD)/bin/sim)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

BINS := $(if $(NODE_SRC),$(BUILD)/bin/accordd) $(if $(CLI_SRC),$(BUILD)/bin/accord)
# TEST ONLY: accordd whose validator also signs a conflicting prevote for
# every prevote it sends (node/driver.c, ACCORD_TEST_EQUIVOCATE), for the
# evidence test; never deployed.
TEST_NODE_BINS := $(if $(NODE_SRC),$(BUILD)/bin/accordd-equivocate)
# Test tools: the power-loss shim (tests/tools/powerloss.c), LD_PRELOADed
# by tests/integration/powerloss.sh and storage_full.sh.
TOOLS := $(BUILD)/tools/powerloss.so

.PHONY: install all test check fuzz fuzz-run sim bench demo deps deps-check clean format mutants

all: $(BUILD)/libaccord.a $(APP_LIBS) $(BINS) $(TEST_NODE_BINS) $(TEST_BIN) $(SIM_BIN) $(BENCH_BIN) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libaccord.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libnode.a: $(NODE_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libcli.a: $(CLI_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/accordd: $(BUILD)/node/main.o $(BUILD)/libnode.a $(BUILD)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test/driver_equivocate.o: node/driver.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DACCORD_TEST_EQUIVOCATE -MMD -MP -c $< -o $@

# The object above comes first, so the archive's driver.o is not linked.
$(BUILD)/bin/accordd-equivocate: $(BUILD)/node/main.o $(BUILD)/test/driver_equivocate.o $(BUILD)/libnode.a $(BUILD)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/accord: $(BUILD)/cli/main.o $(BUILD)/libcli.a $(BUILD)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(APP_LIBS) $(BUILD)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(APP_LIBS) $(BUILD)/libaccord.a $(LDLIBS)

# Plain flags: the shim is preloaded into sanitized binaries too.
$(BUILD)/tools/powerloss.so: tests/tools/powerloss.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g $(WARN) -fPIC -shared -o $@ $< -ldl -lpthread

$(BUILD)/bin/sim: $(SIM_SRC) $(wildcard tests/sim/*.h) $(BUILD)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SIM_SRC) $(BUILD)/libaccord.a $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libaccord.a $(LDLIBS)

deps-check:
	@scripts/deps.sh --check >/dev/null 2>&1 || scripts/deps.sh

deps:
	scripts/deps.sh

test: deps-check
	$(MAKE) all
	BUILD=$(BUILD) tests/run.sh

check: deps-check
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" all
	BUILD=build-asan ASAN_OPTIONS=detect_leaks=1 tests/run.sh

# Fuzz targets: each tests/fuzz/fuzz_X.c defines LLVMFuzzerTestOneInput.
FUZZ_BUILD = build-fuzz
fuzz: deps-check
	$(MAKE) CC=clang BUILD=$(FUZZ_BUILD) OPT="-O1 -g" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
		$(FUZZ_BUILD)/libaccord.a
	@mkdir -p $(FUZZ_BUILD)/fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		echo "clang $$f -> $(FUZZ_BUILD)/fuzz/$$n"; \
		clang -std=c11 -O1 -g -I. -D_DEFAULT_SOURCE -fsanitize=fuzzer,address,undefined \
			-o $(FUZZ_BUILD)/fuzz/$$n $$f $(FUZZ_BUILD)/libaccord.a $(LDLIBS) || exit 1; \
	done

FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		echo "== $$n for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=70000 \
			$(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n 2>&1 | tail -n 3 || exit 1; \
	done

SIM_ARGS ?= --campaign
sim: deps-check
	$(MAKE) $(BUILD)/bin/sim
	$(if $(SEED),$(BUILD)/bin/sim --seed $(SEED),$(BUILD)/bin/sim $(SIM_ARGS))

# Mutation testing (tests/mutants/): each mutant of consensus/ built in
# build-mut/<name>, the unit tests and a bounded campaign run against it;
# prints the kill matrix. MUTANTS="a b" runs only those.
mutants: deps-check
	$(MAKE) BUILD=build-mut/base build-mut/base/libaccord.a
	CC="$(CC)" CFLAGS="$(CFLAGS)" LDLIBS="$(LDLIBS)" MUT_BASE=build-mut/base \
		tests/mutants/run.pl

bench: deps-check
	$(MAKE) all
	BUILD=$(BUILD) tests/bench/run.sh

demo: deps-check
	$(MAKE) all
	BUILD=$(BUILD) scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(NODE_LIB_OBJ:.o=.d) $(CLI_LIB_OBJ:.o=.d) $(BUILD)/node/main.d $(BUILD)/cli/main.d $(BUILD)/test/driver_equivocate.d

# Installation (specs/node.md §9). DESTDIR stages the tree (packaging,
# tests/integration/ops.sh); the paths written into the unit are the
# final ones, without DESTDIR.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DOCDIR ?= $(PREFIX)/share/doc/accord
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/accord
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@DOCDIR@|$(DOCDIR)|g' dist/accordd.service.in \
		>$(DESTDIR)$(UNITDIR)/accordd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/accordd.service
	install -m 0644 dist/accord.sysusers $(DESTDIR)$(SYSUSERSDIR)/accord.conf
	install -m 0644 README.md specs/*.md $(DESTDIR)$(DOCDIR)/
