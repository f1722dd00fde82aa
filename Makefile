# exposure — `make run` starts the program, `make test` runs every test.
# Both first install any missing Debian packages (scripts/deps.sh), then build.

BUILD    := build
CC       := gcc
PKGS     := openblas sqlite3 libcjson
UI_PKGS  := ncursesw

# -march=native: the binary is built and run on the same machine by every target here.
# `make PORTABLE=1` builds for any x86-64 (e.g. to copy the binary elsewhere).
ifeq ($(PORTABLE),)
ARCH_FLAGS := -march=native
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
BASEFLAGS = -std=c11 $(WARN) -D_DEFAULT_SOURCE -g -MMD -MP -Icore -Iui -Iapp
# Full loop vectorization (GCC's -O2 default cost model is very cheap), no errno from math
# functions, and fused multiply-adds, so that kernels such as GELU and softmax vectorize.
OPTFLAGS := -O2 -fvect-cost-model=dynamic -fno-math-errno -ffp-contract=fast $(ARCH_FLAGS)
SANFLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

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
CORE_SRC := $(wildcard core/*.c) $(GEN_SRC)
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

.PHONY: all run test deps build-all unit asan-unit cli bench bench-compare clean help
.DEFAULT_GOAL := all

help:
	@echo "make run    install what is missing, build, start exposure"
	@echo "make test   install what is missing, build, run all tests (plain and ASan/UBSan)"
	@echo "make bench  training and decoding throughput (see docs/performance.md)"
	@echo "make bench-compare  the same against the PyTorch reference (bench/torch_ref.py)"

deps:
	@sh scripts/deps.sh

all: deps
	@$(MAKE) --no-print-directory $(BUILD)/exposure

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/exposure
	$(BUILD)/exposure $(ARGS)

# The sanitizer pass is part of `make test`: the unit suite is built and run a second time
# with AddressSanitizer and UndefinedBehaviorSanitizer. The command-line tests run last and
# drive the sanitized binary, so every subcommand is checked under the sanitizers too.
test: deps
	@$(MAKE) --no-print-directory build-all
	$(BUILD)/test-unit
	$(BUILD)/asan/test-unit
	EXPOSURE_BIN=$(BUILD)/asan/exposure $(BUILD)/test-cli

build-all: $(BUILD)/exposure $(BUILD)/test-unit $(BUILD)/asan/test-unit $(BUILD)/asan/exposure $(BUILD)/test-cli

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/exposure
	$(BUILD)/exposure bench

# Installs Debian's python3-torch when root and missing; without it the comparison is skipped.
bench-compare: deps
	@sh scripts/deps.sh python3-torch || echo "continuing without PyTorch"
	@$(MAKE) --no-print-directory $(BUILD)/exposure
	EXPOSURE_BIN=$(BUILD)/exposure /usr/bin/python3 bench/compare.py

$(BUILD)/exposure: $(APP_OBJ) $(UI_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(UI_LIBS) $(CORE_LIBS)

$(BUILD)/asan/exposure: $(ASAN_APP_OBJ) $(ASAN_UI_OBJ) $(ASAN_CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(UI_LIBS) $(CORE_LIBS)

$(BUILD)/test-unit: $(UNIT_OBJ) $(UI_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(TEST_LIBS) $(UI_LIBS) $(CORE_LIBS)

$(BUILD)/asan/test-unit: $(ASAN_UNIT_OBJ) $(ASAN_UI_OBJ) $(ASAN_CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(TEST_LIBS) $(UI_LIBS) $(CORE_LIBS)

# The command-line tests link the core to build their fixtures (a run database) through its API.
$(BUILD)/test-cli: $(CLI_OBJ) $(CORE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPTFLAGS) -o $@ $^ $(TEST_LIBS) $(CORE_LIBS)

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

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
