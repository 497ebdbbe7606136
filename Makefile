# cachestorm — build, test, run, bench.  Plain make; pkg-config for every library.
#   make            build/cachestorm and build/libcachepolicy.a
#   make run        the default scenario into runs.db, its summary, its timeline
#   make test       Criterion suite (+ policy standalone build)
#   make bench      engine and world benchmarks (never part of make test)
#   make sanitize   ASan + UBSan build, then the tests
# `make run` and `make test` call scripts/deps.sh first: on a fresh Debian 12
# machine they install what is missing (as root) or print the command.

BUILD    ?= build
CC       ?= cc
PKGS     := gsl sqlite3 yaml-0.1
OPT      ?= -O2
WERROR   ?= -Werror
SAN      ?=
VERSION  := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_CFLAGS = $(shell pkg-config --cflags criterion 2>/dev/null)
CRIT_LIBS   = $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra $(WERROR) \
             $(OPT) -g $(SAN) -I. $(PKG_CFLAGS) \
             -DCS_BUILD_DIR='"$(BUILD)"' $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm

# One archive per layer (docs/ARCHITECTURE.md).  Linked top layer first, so a
# lower layer that calls into a higher one fails to link; tests/test_layers.c
# checks the include rules.
LAYERS     := cli report run models store config core
cli_DIRS    := sim/cli
report_DIRS := sim/report
run_DIRS    := sim/run
models_DIRS := models models/world
store_DIRS  := sim/store
config_DIRS := sim/config
core_DIRS   := sim/core
layer_src   = $(filter-out sim/cli/main.c,$(foreach d,$($(1)_DIRS),$(wildcard $(d)/*.c)))
LAYER_LIBS := $(foreach l,$(LAYERS),$(BUILD)/lib/libcs_$(l).a)

POLICY_SRC := $(wildcard policy/*.c)
CORE_SRC   := $(foreach l,$(LAYERS),$(call layer_src,$(l)))
ALL_HDR    := $(wildcard sim/*/*.h models/*.h models/*/*.h policy/*.h)
TEST_SRC   := $(wildcard tests/*.c)
BENCH_SRC  := $(wildcard bench/*.c)

POLICY_OBJ := $(POLICY_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

PREFIX  ?= /usr/local
DESTDIR ?=

.PHONY: FORCE all deps run docs pictures bench-full test test-only sanitize bench format lint install clean \
        fuzz fuzz-build fuzz-bins fuzz-smoke hostile
all: $(BUILD)/cachestorm $(BUILD)/libcachepolicy.a

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CRIT_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcachepolicy.a: $(POLICY_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The version is compiled into one object (runner_version()), rebuilt when
# `git describe` changes: an incremental build never mixes two versions.
VERSION_STAMP := $(BUILD)/version.txt
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@if [ "$$(cat $@ 2>/dev/null)" != "$(VERSION)" ]; then echo "$(VERSION)" > $@; fi
$(BUILD)/obj/sim/run/runner.o: $(VERSION_STAMP)
$(BUILD)/obj/sim/run/runner.o: ALL_CFLAGS += -DCS_VERSION='"$(VERSION)"'
FORCE:

define layer_rule
$(BUILD)/lib/libcs_$(1).a: $(patsubst %.c,$(BUILD)/obj/%.o,$(call layer_src,$(1)))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

$(BUILD)/cachestorm: $(BUILD)/obj/sim/cli/main.o $(LAYER_LIBS) $(BUILD)/libcachepolicy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests: $(TEST_OBJ) $(LAYER_LIBS) $(BUILD)/libcachepolicy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRIT_LIBS) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(LAYER_LIBS) $(BUILD)/libcachepolicy.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

run: deps all
	$(BUILD)/cachestorm run configs/default.yaml --db runs.db
	@if command -v gnuplot >/dev/null 2>&1; then \
	  $(BUILD)/cachestorm plot runs.db --kind timeline --out plots/out; \
	else echo "(gnuplot not installed: no timeline picture; apt-get install gnuplot-nox)"; fi

# The pictures the README and docs/stories show, redrawn from fresh runs:
# timelines of single scenarios, variant comparisons of the A/B stories.
PICTURE_CONFIGS := default hcl-breaker redis-restart backplane-storm-seed
pictures: all
	rm -f $(BUILD)/pictures*.db*
	@for c in $(PICTURE_CONFIGS); do \
	  $(BUILD)/cachestorm run configs/$$c.yaml --db $(BUILD)/pictures.db --quiet >/dev/null || exit $$?; \
	  $(BUILD)/cachestorm plot $(BUILD)/pictures.db $$c --kind timeline --out docs/img || exit $$?; \
	done
	$(BUILD)/cachestorm plot $(BUILD)/pictures.db hcl-breaker --kind nodes --out docs/img
	$(BUILD)/cachestorm sweep experiments/stampede.yaml --db $(BUILD)/pictures-stampede.db --quiet >/dev/null
	$(BUILD)/cachestorm plot $(BUILD)/pictures-stampede.db --kind compare --metric factory.calls \
	  --metric latency.mean_ms --out docs/img
	$(BUILD)/cachestorm sweep experiments/backplane-storm.yaml --db $(BUILD)/pictures-storm.db --quiet >/dev/null
	$(BUILD)/cachestorm plot $(BUILD)/pictures-storm.db --kind compare --metric latency.p50_ms \
	  --metric requests.error --metric pool.peak_workers --metric backplane.l2_reads --out docs/img
	$(BUILD)/cachestorm sweep experiments/regression.yaml --db $(BUILD)/pictures-regression.db -j 2 --quiet >/dev/null
	$(BUILD)/cachestorm plot $(BUILD)/pictures-regression.db --kind cdf --out docs/img

# The README's key reference, generated from the one table in sim/config/config_schema.c.
docs: all
	$(BUILD)/cachestorm validate --keys > docs/config-keys.md

# The test suite: Criterion (unit, policy tables, models, validation against
# theory, determinism, CLI) and the standalone policy build.
test: deps
	@$(MAKE) --no-print-directory test-only

# The seed stories and the validation experiment, judged by their own
# expect: rules (the same files users run), into a fresh database.
CHECK_FILES := $(wildcard experiments/*.yaml) configs/default.yaml

test-only: all $(BUILD)/tests
	$(MAKE) --no-print-directory -C policy BUILD=../$(BUILD)/policy-standalone SAN="$(SAN)" test
	rm -f $(BUILD)/check.db $(BUILD)/check.db-wal $(BUILD)/check.db-shm
	$(BUILD)/cachestorm check $(CHECK_FILES) --db $(BUILD)/check.db --quiet
	$(BUILD)/tests --jobs 2
	tests/readme_walkthrough.sh $(BUILD)
	tests/browser/run.sh $(BUILD)
	@# the hostile table runs under ulimit -v, which ASan's shadow memory cannot
	@if [ -z "$(SAN)" ]; then tests/hostile/run.sh $(BUILD)/cachestorm && \
	  tests/hostile/extremes.sh $(BUILD)/cachestorm && \
	  $(MAKE) --no-print-directory fuzz-smoke; fi

# The hostile-input table alone (issue 16): tests/hostile/cases.txt, then
# every numeric config key at the ends of its range (tests/hostile/extremes.sh).
hostile: all
	tests/hostile/run.sh $(BUILD)/cachestorm
	tests/hostile/extremes.sh $(BUILD)/cachestorm

# libFuzzer targets (clang) over the config and experiment loaders and the
# expectation parser, with ASan + UBSan, seeded from fuzz/corpus/.
#   make fuzz         build, then fuzz each target for FUZZ_TIME seconds
#   make fuzz-smoke   a fixed-seed run of FUZZ_SMOKE seconds per target (make test)
# New inputs go to build-fuzz/corpus/ (the committed corpus is only read);
# a crash leaves its input in build-fuzz/crash-*.  Built without -Werror (clang warns where gcc does not).
FUZZ_BUILD   := build-fuzz
FUZZ_TARGETS := config experiment expect
FUZZ_TIME    ?= 300
FUZZ_SMOKE   ?= 10
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS   := -rss_limit_mb=2048 -max_len=8192 -timeout=20
fuzz-build: deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT="-O1" WERROR= SAN="$(FUZZ_SAN)" fuzz-bins
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(LAYER_LIBS) $(BUILD)/libcachepolicy.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  $(FUZZ_BUILD)/fuzz/fuzz_$$t $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) \
	    -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t || exit 1; done
fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do rm -rf $(FUZZ_BUILD)/smoke/$$t; mkdir -p $(FUZZ_BUILD)/smoke/$$t; \
	  $(FUZZ_BUILD)/fuzz/fuzz_$$t $(FUZZ_FLAGS) -seed=1 -max_total_time=$(FUZZ_SMOKE) \
	    -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/smoke/$$t fuzz/corpus/$$t \
	    2>$(FUZZ_BUILD)/fuzz-$$t.log \
	    </dev/null >/dev/null; rc=$$?; \
	  tail -1 $(FUZZ_BUILD)/fuzz-$$t.log; \
	  if [ $$rc -ne 0 ]; then echo "fuzz_$$t failed (exit $$rc): see $(FUZZ_BUILD)/fuzz-$$t.log"; exit 1; fi; \
	done

# Under ASan the check step runs the regression suite (every seed story's
# scenario at small size, several seeds) and the default config, not every
# experiment: all of them take over 20 minutes sanitized on 2 cores.
SAN_CHECK_FILES := experiments/regression.yaml configs/default.yaml
sanitize: deps
	@LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) --no-print-directory BUILD=build-san OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  CHECK_FILES="$(SAN_CHECK_FILES)" test-only

# Engine figures, then the world on bench/standard.yaml shortened to 60
# simulated seconds (bench-full: the whole 10 minutes, 60 M requests).
bench: deps $(BENCH_BIN) $(BUILD)/cachestorm
	$(BUILD)/bench/engine_bench
	$(BUILD)/bench/world_bench bench/standard.yaml --set duration=60s --set faults[0].at=20s --set faults[0].for=20s

bench-full: deps $(BENCH_BIN)
	$(BUILD)/bench/world_bench bench/standard.yaml

format:
	clang-format -i $(POLICY_SRC) $(CORE_SRC) sim/cli/main.c $(TEST_SRC) $(BENCH_SRC) $(ALL_HDR)

lint:
	clang-tidy $(POLICY_SRC) $(CORE_SRC) sim/cli/main.c -- $(ALL_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --suppress=missingIncludeSystem -I. policy sim models

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/policy \
	  $(DESTDIR)$(PREFIX)/share/cachestorm/plots $(DESTDIR)$(PREFIX)/share/cachestorm/configs
	install -m 755 $(BUILD)/cachestorm $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libcachepolicy.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 policy/*.h $(DESTDIR)$(PREFIX)/include/policy/
	install -m 644 $(wildcard plots/*.gp) $(DESTDIR)$(PREFIX)/share/cachestorm/plots/
	install -m 644 configs/*.yaml $(DESTDIR)$(PREFIX)/share/cachestorm/configs/

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
