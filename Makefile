# exposure — `make run` starts the program, `make test` runs every test.
# Both first install any missing Debian packages (scripts/deps.sh), then build.

BUILD    := build
CC       := gcc
PKGS     := openblas sqlite3 libcjson libpcre2-8
UI_PKGS  := ncursesw

# -march=native: the binary is built and run on the same machine by every target here.
# `make PORTABLE=1` builds for any x86-64 (e.g. to copy the binary elsewhere).
ifeq ($(PORTABLE),)
ARCH_FLAGS := -march=native
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
BASEFLAGS = -std=c11 $(WARN) -D_DEFAULT_SOURCE -g -MMD -MP $(INCLUDES)
# Full loop vectorization (GCC's -O2 default cost model is very cheap), no errno from math
# functions, and fused multiply-adds, so that kernels such as GELU and softmax vectorize.
OPTFLAGS := -O2 -fvect-cost-model=dynamic -fno-math-errno -ffp-contract=fast $(ARCH_FLAGS)
SANFLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

# The layers (docs/architecture.md): a source file is compiled with the include paths of its own
# directory and of the layers below it only, so that including a header of a layer above (nn
# including the store, core including ui, ui including app) does not compile. Within a layer,
# files include each other's headers; across layers, only the layer's public header (nn.h,
# data.h, store.h, train.h, util.h, ui.h), which scripts/check_includes.sh checks.
INC_util  := -iquote core/util
INC_nn    := -iquote core/nn $(INC_util)
INC_data  := -iquote core/data $(INC_nn)
INC_store := -iquote core/store $(INC_nn)
INC_train := -iquote core/train -iquote core/data -iquote core/store $(INC_nn)
INC_ui    := -iquote ui $(INC_train)
INC_app   := -iquote app -iquote ui $(INC_train)
INC_tests := -iquote app $(INC_ui)
INC_bench := $(INC_data)
# core/nn/model.c -> nn, ui/shell.c -> ui, tests/unit/test_store.c -> tests; the generated
# default config (under $(BUILD)) includes nothing.
layer_of  = $(firstword $(subst /, ,$(patsubst core/%,%,$(1))))
INCLUDES  = $(INC_$(call layer_of,$<))

# MPI (docs/distributed.md): with MPI=1, build/exposure (and the test binaries that link the
# plain core) can train on several processes under mpirun. By default MPI is on when mpicc is
# on PATH; `make MPI=0` turns it off, and the program is then the same as without MPI
# installed. Only core/nn/dist.c sees the MPI headers. The sanitized, valgrind and fuzzing
# builds never use MPI. Switching rebuilds dist.o and relinks (the stamp file below).
ifeq ($(origin MPI),undefined)
MPI := $(if $(shell command -v mpicc 2>/dev/null),1,0)
else ifeq ($(MPI),1)
# Asked for by name: scripts/deps.sh installs Open MPI when it is missing.
DEPS_FLAGS := --mpi
endif
MPI_CFLAGS = $(eval MPI_CFLAGS := $(shell mpicc --showme:compile))$(MPI_CFLAGS)
MPI_LIBS   = $(eval MPI_LIBS := $(shell mpicc --showme:link))$(MPI_LIBS)
ifeq ($(MPI),1)
DIST_FLAGS = -DEXPOSURE_MPI $(MPI_CFLAGS)
LINK_MPI   = $(MPI_LIBS)
endif
MPI_STAMP := $(BUILD)/gen/mpi-$(MPI)

# `make V=1` shows every command; by default each compile prints one short line.
ifeq ($(V),)
Q = @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

# pkg-config is asked once, on first use, and only after scripts/deps.sh has made sure it exists.
pkgcflags = $(shell pkg-config --cflags $(1))
pkglibs   = $(shell pkg-config --libs $(1))
CORE_CFLAGS = $(eval CORE_CFLAGS := $(call pkgcflags,$(PKGS)))$(CORE_CFLAGS)
CORE_LIBS   = $(eval CORE_LIBS := $(call pkglibs,$(PKGS)) -lpthread -lm)$(CORE_LIBS)
UI_CFLAGS   = $(eval UI_CFLAGS := $(call pkgcflags,$(UI_PKGS)))$(UI_CFLAGS)
UI_LIBS     = $(eval UI_LIBS := $(call pkglibs,$(UI_PKGS)))$(UI_LIBS)
TEST_CFLAGS = $(eval TEST_CFLAGS := $(call pkgcflags,criterion))$(TEST_CFLAGS)
TEST_LIBS   = $(eval TEST_LIBS := $(call pkglibs,criterion))$(TEST_LIBS)

# The default config is compiled in from its JSON file, so the program needs no files to start.
GEN_SRC  := $(BUILD)/gen/default_config.c
CORE_SRC := $(wildcard core/*/*.c) $(GEN_SRC)
UI_SRC   := $(wildcard ui/*.c)
APP_SRC  := $(wildcard app/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
CLI_SRC  := $(wildcard tests/cli/*.c)

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))

CORE_OBJ      := $(call obj,$(BUILD),$(CORE_SRC))
UI_OBJ        := $(call obj,$(BUILD),$(UI_SRC))
APP_OBJ       := $(call obj,$(BUILD),$(APP_SRC))
UNIT_OBJ      := $(call obj,$(BUILD),$(UNIT_SRC))
CLI_OBJ       := $(call obj,$(BUILD),$(CLI_SRC))
ASAN_CORE_OBJ := $(call obj,$(BUILD)/asan,$(CORE_SRC))
ASAN_UI_OBJ   := $(call obj,$(BUILD)/asan,$(UI_SRC))
ASAN_APP_OBJ  := $(call obj,$(BUILD)/asan,$(APP_SRC))
ASAN_UNIT_OBJ := $(call obj,$(BUILD)/asan,$(UNIT_SRC))

# Sanitizer runtime settings for every sanitized binary the tests start.
export ASAN_OPTIONS  := detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

.PHONY: all run test deps build-all unit asan-unit cli bench bench-compare bench-tokenizer \
        clean help fuzz fuzz-smoke fuzz-build fuzz-seeds fuzz-bins valgrind format tsan
.DEFAULT_GOAL := all

help:
	@echo "make run    install what is missing, build, start exposure"
	@echo "make test   install what is missing, build, run all tests (plain and ASan/UBSan,"
	@echo "            a short fuzzing run of every harness, a run under valgrind)"
	@echo "make bench  training and decoding throughput (see docs/performance.md)"
	@echo "make bench-compare  the same against the PyTorch reference (bench/torch_ref.py)"
	@echo "make bench-tokenizer  BPE tokenizer speed and sequence lengths (docs/tokenizers.md)"
	@echo "make fuzz   fuzz every harness for FUZZ_SECONDS (default 600) each (docs/reliability.md)"
	@echo "make valgrind  train, eval and list runs under valgrind's memcheck"
	@echo "make tsan   the thread pool's stress test and the trainer's control API under"
	@echo "            ThreadSanitizer"
	@echo "make format rewrite every C file as .clang-format asks (make test checks it)"
	@echo "make MPI=1  build with MPI, to train on several processes (docs/distributed.md);"
	@echo "            on by default when mpicc is installed (sh scripts/deps.sh --mpi), MPI=0 off"

deps:
	@sh scripts/deps.sh $(DEPS_FLAGS)

format: deps
	@sh scripts/check_format.sh --fix

all: deps
	@$(MAKE) --no-print-directory $(BUILD)/exposure

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/exposure
	$(BUILD)/exposure $(ARGS)

# `make test`: first the formatting and layering checks (scripts/check_format.sh and
# check_includes.sh), which fail before anything is built, then a short fuzzing run of
# every harness, a train/eval/runs pass under valgrind and the ThreadSanitizer tests, then the
# Criterion suites, so that the output ends with their synthesis lines: the unit suite, the same
# suite built with AddressSanitizer and UndefinedBehaviorSanitizer, and the command-line tests,
# which drive the sanitized binary, so that every subcommand is checked under the sanitizers too.
test: deps
	@sh scripts/check_format.sh
	@sh scripts/check_includes.sh
	@$(MAKE) --no-print-directory build-all
	@$(MAKE) --no-print-directory fuzz-smoke valgrind tsan
	$(BUILD)/test-unit
	$(BUILD)/asan/test-unit
	EXPOSURE_BIN=$(BUILD)/asan/exposure EXPOSURE_PLAIN_BIN=$(BUILD)/exposure \
	  EXPOSURE_MPI=$(MPI) $(BUILD)/test-cli

build-all: $(BUILD)/exposure $(BUILD)/test-unit $(BUILD)/asan/test-unit $(BUILD)/asan/exposure $(BUILD)/test-cli

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/exposure
	$(BUILD)/exposure bench

# Installs Debian's python3-torch when root and missing; without it the comparison is skipped.
bench-compare: deps
	@sh scripts/deps.sh python3-torch || echo "continuing without PyTorch"
	@$(MAKE) --no-print-directory $(BUILD)/exposure
	EXPOSURE_BIN=$(BUILD)/exposure /usr/bin/python3 bench/compare.py

# GPT-2's load time and encoding speed on GSM8K (read from GSM8K_DIR), and how much shorter
# vocabularies learned on each dataset make its sequences (bench/bpe_bench.c).
GSM8K_DIR ?= ../shared/data/gsm8k
bench-tokenizer: deps
	@$(MAKE) --no-print-directory $(BUILD)/bpe-bench
	$(BUILD)/bpe-bench $(GSM8K_DIR)

$(BUILD)/bpe-bench: $(BUILD)/obj/bench/bpe_bench.o $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(CORE_LIBS) $(LINK_MPI)

$(BUILD)/exposure: $(APP_OBJ) $(UI_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(UI_LIBS) $(CORE_LIBS) $(LINK_MPI)

$(BUILD)/asan/exposure: $(ASAN_APP_OBJ) $(ASAN_UI_OBJ) $(ASAN_CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(UI_LIBS) $(CORE_LIBS)

$(BUILD)/test-unit: $(UNIT_OBJ) $(UI_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(TEST_LIBS) $(UI_LIBS) $(CORE_LIBS) $(LINK_MPI)

$(BUILD)/asan/test-unit: $(ASAN_UNIT_OBJ) $(ASAN_UI_OBJ) $(ASAN_CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(TEST_LIBS) $(UI_LIBS) $(CORE_LIBS)

# The command-line tests link the core to build their fixtures (a run database) through its API.
$(BUILD)/test-cli: $(CLI_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(TEST_LIBS) $(CORE_LIBS) $(LINK_MPI)

# Only dist.c is compiled differently with MPI; the stamp records which way it was built.
$(BUILD)/obj/core/nn/dist.o: EXTRA = $(DIST_FLAGS)
$(BUILD)/obj/core/nn/dist.o: $(MPI_STAMP)
$(MPI_STAMP):
	@mkdir -p $(@D)
	@rm -f $(BUILD)/gen/mpi-*
	@touch $@

$(BUILD)/obj/ui/%.o $(BUILD)/obj/app/%.o: EXTRA = $(UI_CFLAGS)
$(BUILD)/obj/tests/%.o: EXTRA = $(TEST_CFLAGS) $(UI_CFLAGS)
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(BASEFLAGS) $(OPTFLAGS) $(CORE_CFLAGS) $(EXTRA) -c -o $@ $<

$(BUILD)/asan/obj/ui/%.o $(BUILD)/asan/obj/app/%.o: EXTRA = $(UI_CFLAGS)
$(BUILD)/asan/obj/tests/%.o: EXTRA = $(TEST_CFLAGS) $(UI_CFLAGS)
$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-SAN,$<)
	$(Q)$(CC) $(BASEFLAGS) $(SANFLAGS) $(CORE_CFLAGS) $(EXTRA) -c -o $@ $<

$(GEN_SRC): assets/configs/default.json
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q){ echo '/* Generated by the Makefile from $<. */'; \
	  echo 'extern const char exposure_default_config_json[];'; \
	  echo 'const char exposure_default_config_json[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; } > $@

# ---- valgrind (docs/reliability.md) ----------------------------------------------------------
# A short train, eval (with the run as its own oracle) and `runs list` of the plain binary (no
# sanitizers) under memcheck: any memory error or definite leak fails the target. Built
# without -march=native, since valgrind cannot decode AVX-512; OpenBLAS runs one thread with
# its AVX2 kernels for the same reason.
# No suppressions are needed: memcheck reports nothing in OpenBLAS, SQLite or libc here.
VALGRIND_OBJ := $(call obj,$(BUILD)/valgrind,$(APP_SRC) $(UI_SRC) $(CORE_SRC))
VALGRIND_RUN := OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell valgrind --tool=memcheck \
                --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --quiet \
                $(BUILD)/valgrind/exposure
VALGRIND_DB  := $(BUILD)/valgrind/runs/exposure.db
VALGRIND_TINY := --set model.layers=1 --set model.dim=16 --set model.heads=2 --set train.batch=2 \
                 --set train.steps=3 --set train.warmup=0 --set train.eval_samples=2 \
                 --set decode.max_new_tokens=8 --set train.threads=1 --set method.name=rac \
                 --set method.schedule.kind=constant --set method.selfgen.source=free_run \
                 --set method.selfgen.refresh=batch

valgrind: deps
	@$(MAKE) --no-print-directory $(BUILD)/valgrind/exposure
	@rm -rf $(BUILD)/valgrind/runs
	$(VALGRIND_RUN) train --db $(VALGRIND_DB) --quiet $(VALGRIND_TINY)
	$(VALGRIND_RUN) eval --run 1 --db $(VALGRIND_DB) --split test --limit 2 --oracle 1 --jsonl >/dev/null
	$(VALGRIND_RUN) runs list --db $(VALGRIND_DB) >/dev/null

$(BUILD)/valgrind/exposure: $(VALGRIND_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) -O2 -o $@ $^ $(UI_LIBS) $(CORE_LIBS)

$(BUILD)/valgrind/obj/ui/%.o $(BUILD)/valgrind/obj/app/%.o: EXTRA = $(UI_CFLAGS)
$(BUILD)/valgrind/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-VG,$<)
	$(Q)$(CC) $(BASEFLAGS) -O2 $(CORE_CFLAGS) $(EXTRA) -c -o $@ $<

# ---- ThreadSanitizer (docs/reliability.md) -----------------------------------------------------
# The thread pool's stress test and the trainer's control API (tests/unit/test_pool.c and
# test_trainer_control.c, also part of the unit suite) built with -fsanitize=thread against a
# core built the same way, in their own directory. Any report fails the target. OpenBLAS is
# not instrumented and keeps to one thread (the model sets it so; OPENBLAS_NUM_THREADS=1 keeps
# its own start-up from making more); no suppressions are needed.
# Criterion's runner cannot start under ThreadSanitizer, so these files are compiled against
# tests/tsan/criterion/criterion.h (the part of Criterion they use) and run by
# tests/tsan/runner.c.
TSANFLAGS    := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
TSAN_TESTS   := tests/unit/test_pool.c tests/unit/test_trainer_control.c tests/tsan/runner.c
TSAN_OBJ     := $(call obj,$(BUILD)/tsan,$(TSAN_TESTS) $(CORE_SRC))
TSAN_RUN     := OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1

tsan: deps
	@$(MAKE) --no-print-directory $(BUILD)/tsan/test-tsan
	$(TSAN_RUN) $(BUILD)/tsan/test-tsan

$(BUILD)/tsan/test-tsan: $(TSAN_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(TSANFLAGS) -o $@ $^ $(CORE_LIBS)

$(BUILD)/tsan/obj/tests/%.o: EXTRA = -Itests/tsan
$(BUILD)/tsan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-TSAN,$<)
	$(Q)$(CC) $(BASEFLAGS) $(TSANFLAGS) $(CORE_CFLAGS) $(EXTRA) -c -o $@ $<

# ---- fuzzing (docs/reliability.md) ------------------------------------------------------------
# libFuzzer harnesses in tests/fuzz/, built with clang against the core sources under ASan and
# UBSan. Each run starts from the seeds in tests/fuzz/corpus/<harness>/ and keeps what it finds
# in $(BUILD)/fuzz/corpus/<harness>/; a crash leaves its input in $(BUILD)/fuzz/crashes/ and
# fails the target. `make fuzz` runs each harness FUZZ_SECONDS; `make test` runs fuzz-smoke.
FUZZ_CC        := clang
FUZZ_HARNESSES := dataset config checkpoint safetensors bpe
FUZZ_SECONDS   ?= 600
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_CFLAGS    := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                  -fno-omit-frame-pointer
FUZZ_LDFLAGS   := -fsanitize=fuzzer,address,undefined
FUZZ_CORE_OBJ  := $(call obj,$(BUILD)/fuzz,$(CORE_SRC))
FUZZ_BINS      := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_HARNESSES))
# Kept between builds (make would delete them as intermediates of the pattern rules).
.SECONDARY: $(FUZZ_CORE_OBJ) $(patsubst %,$(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o,$(FUZZ_HARNESSES))
# Inputs up to these sizes: a checkpoint of the tiny seed run is about 40 KB, a GPT-2 seed of
# the safetensors harness about 5 KB.
FUZZ_MAX_LEN_dataset    := 8192
FUZZ_MAX_LEN_config     := 4096
FUZZ_MAX_LEN_checkpoint := 65536
FUZZ_MAX_LEN_safetensors := 65536
FUZZ_MAX_LEN_bpe        := 8192

fuzz-build: deps
	@$(MAKE) --no-print-directory fuzz-bins

fuzz-bins: $(FUZZ_BINS)
	@:

# One harness $(1) for $(2) seconds; prints libFuzzer's summary (executions, coverage).
define fuzz_one
	@mkdir -p $(BUILD)/fuzz/corpus/$(1) $(BUILD)/fuzz/crashes
	@echo "fuzz $(1): $(2) s"
	@$(BUILD)/fuzz/fuzz_$(1) -max_total_time=$(2) -max_len=$(FUZZ_MAX_LEN_$(1)) -timeout=10 \
	  -print_final_stats=1 -dict=tests/fuzz/$(1).dict -artifact_prefix=$(BUILD)/fuzz/crashes/$(1)- \
	  $(BUILD)/fuzz/corpus/$(1) tests/fuzz/corpus/$(1) > $(BUILD)/fuzz/$(1).log 2>&1 \
	  || { tail -60 $(BUILD)/fuzz/$(1).log; exit 1; }
	@grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec)' \
	  $(BUILD)/fuzz/$(1).log | sed 's/^/  /'

endef

fuzz: fuzz-build
	$(foreach h,$(FUZZ_HARNESSES),$(call fuzz_one,$(h),$(FUZZ_SECONDS)))

fuzz-smoke: fuzz-build
	$(foreach h,$(FUZZ_HARNESSES),$(call fuzz_one,$(h),$(FUZZ_SMOKE_SECONDS)))

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(CORE_LIBS)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-FUZZ,$<)
	$(Q)$(FUZZ_CC) $(BASEFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) $(CORE_CFLAGS) -c -o $@ $<

# Rewrites the checkpoint harness's seeds from a tiny training run (tests/fuzz/make_seeds.c).
fuzz-seeds: deps
	@$(MAKE) --no-print-directory $(BUILD)/fuzz/make-seeds
	$(BUILD)/fuzz/make-seeds tests/fuzz/corpus/checkpoint

$(BUILD)/fuzz/make-seeds: tests/fuzz/make_seeds.c $(CORE_OBJ)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(BASEFLAGS) -Itests/fuzz $(OPTFLAGS) $(CORE_CFLAGS) -o $@ $^ $(CORE_LIBS) $(LINK_MPI)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
