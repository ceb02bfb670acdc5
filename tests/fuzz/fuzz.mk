# libFuzzer targets: every tests/fuzz/fuzz-*.c becomes build-fuzz/fuzz-*, linked
# against the library sources compiled with clang, ASan and UBSan.
#
# From the top Makefile (at its end):   include tests/fuzz/fuzz.mk
# or on its own:                         make -f tests/fuzz/fuzz.mk fuzz-smoke
#
#   make fuzz-build                  build every target
#   make fuzz [FUZZ_SECONDS=900]     run each target that long (FUZZ_TARGETS=... to pick);
#                                    900 s passes 10 M runs on the cheap targets (dmar, vtd, cmdline)
#   make fuzz-smoke                  each target a few seconds (what `make check` runs)
# Runs, crashes and the grown corpora land in build-fuzz/ (see docs/fuzzing.md).

FUZZ_CC            ?= clang
FUZZ_BUILD         ?= build-fuzz
FUZZ_SECONDS       ?= 900
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TARGETS       ?=
# The same libraries as the top Makefile (its PKGS, read from it when on our own).
FUZZ_PKGS          := $(or $(PKGS),$(shell sed -n 's/^PKGS[[:space:]]*:=[[:space:]]*//p' Makefile))
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS        := -std=c11 -D_GNU_SOURCE -DIOH_VERSION='"fuzz"' -DIOH_FUZZ=1 -O1 -g \
                      -fno-omit-frame-pointer -Wall -Wextra -Wno-missing-field-initializers \
                      -Wno-unused-parameter -Iinclude -Isrc/lib -Isrc/model -Itests \
                      $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_LIBS          := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null) -lpthread -lm

FUZZ_LIB_SRC := $(sort $(wildcard src/lib/*.c src/model/*.c))
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS    := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
# fuzz-cli-*.c drive a subcommand as the binary runs it: they link the CLI too,
# its main() renamed so that libFuzzer's is the one.
FUZZ_CLI_SRC := $(sort $(wildcard src/cli/*.c))
FUZZ_CLI_OBJ := $(FUZZ_CLI_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
$(FUZZ_BUILD)/obj/src/cli/main.o: FUZZ_CFLAGS += -Dmain=ioh_cli_main

.PHONY: fuzz fuzz-build fuzz-smoke
fuzz-build: $(FUZZ_BINS)
# Keep the objects: they are only reached through the pattern rules.
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_CLI_OBJ)

# The library objects carry coverage; the fuzzer's main() comes at link time.
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) \
	    $(FUZZ_LIBS)

$(FUZZ_BUILD)/fuzz-cli-%: tests/fuzz/fuzz-cli-%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB_OBJ) \
                          $(FUZZ_CLI_OBJ)
	@mkdir -p $(@D)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/cli -Werror $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_CLI_OBJ) $(FUZZ_LIB_OBJ) $(FUZZ_LIBS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
