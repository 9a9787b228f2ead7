# tests/fuzz/fuzz.mk: coverage-guided fuzzing of the parsers and state machines that take
# guest or boot input (libFuzzer, from clang). Included by the top Makefile, which provides
# B and LIB_HOST (the pure sources, lib/string.c excluded: the host's libc has its own).
#   make fuzz         each harness for FUZZ_RUNS (default 1,000,000) executions
#   make fuzz-smoke   each for FUZZ_SMOKE_RUNS (20,000) executions or FUZZ_SMOKE_TIME (10) s
# Both print a table (harness, executions, crashes, seconds) and end with
# "fuzz: N passed, N failed"; any crash fails. tests/fuzz/run.sh has the details (where the
# corpora, crashing inputs and logs go). A harness is tests/fuzz/fuzz_NAME.c; its committed
# seeds are tests/fuzz/corpus/NAME/ (written by tests/fuzz/mkseeds.py).
# Needs clang and its sanitizer/libFuzzer runtime (Debian 12: clang libclang-rt-14-dev).
# Include it after LIB_HOST is set: the rules below expand it when they are read.

ifeq ($(strip $(LIB_HOST)),)
$(error tests/fuzz/fuzz.mk: include it after LIB_HOST is defined)
endif

fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_CC     ?= clang
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS   := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_OBJS   := $(patsubst %.c,$(B)/fuzz/obj/%.o,$(LIB_HOST))

# First, one line that says so when the compiler cannot build a libFuzzer binary at all
# (no clang, or no sanitizer runtime), then the count line, rather than a wall of errors.
$(B)/fuzz/toolchain.ok: tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return !d && n; }' \
		>$(B)/fuzz/toolchain.c
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(B)/fuzz/toolchain.c -o $(B)/fuzz/toolchain \
		>$(B)/fuzz/toolchain.log 2>&1 && touch $@ || { \
		echo "fuzz: '$(FUZZ_CC)' cannot build a libFuzzer harness:" \
			"$$(grep -m1 -i 'error\|not found' $(B)/fuzz/toolchain.log)" \
			"(Debian 12: apt-get install clang libclang-rt-14-dev)"; \
		echo "fuzz: 0 passed, $(words $(FUZZ_BINS)) failed"; exit 1; }

# The pure sources once, instrumented the same way (coverage feedback reaches into them).
$(B)/fuzz/obj/%.o: %.c tests/fuzz/fuzz.mk | $(B)/fuzz/toolchain.ok
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) tests/fuzz/fuzz.mk | $(B)/fuzz/toolchain.ok
	@mkdir -p $(dir $@) $(B)/fuzz/obj/tests/fuzz
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $(B)/fuzz/obj/tests/fuzz/$(notdir $@).d \
		-MT $@ $< $(FUZZ_OBJS) -o $@

# Kept: a pattern rule's objects would otherwise be removed as intermediates.
.SECONDARY: $(FUZZ_OBJS)

.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_BINS)
	@B=$(B) sh tests/fuzz/run.sh full $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	@B=$(B) sh tests/fuzz/run.sh smoke $(FUZZ_BINS)

-include $(shell find $(B)/fuzz/obj -name '*.d' 2>/dev/null)

.DEFAULT_GOAL := $(fuzz_saved_goal)
