# Makefile: faultline's build, run and test entry points.
#   make          build/faultline.elf, build/faultline32.elf (for QEMU -kernel), build/faultline.iso
#   make run      boot the ISO on the best backend (BACKEND=auto|bochs|qemu-kvm|qemu-tcg)
#   make test     host unit tests, then the integration tests in Bochs and QEMU TCG
#   make test-linux  every Linux boot test (make test has the 1- and 2-vCPU ones)
#   make deps     install the Debian packages the above need (or print the apt-get line)
#   make unit     host unit tests only (the threaded ones also under TSan);  make clean
#   make fuzz     libFuzzer harnesses, 1,000,000 executions each (make test runs a smoke pass)

CC      := gcc
LD      := ld
OBJCOPY := objcopy
B       := build
BACKEND ?= auto

# The hypervisor and guests: freestanding, no SSE (no FPU state to save on exits), no red
# zone (interrupts push onto the stack below RSP), frame pointers kept for backtraces.
KCFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -I. -mno-red-zone -mgeneral-regs-only \
	-fno-pie -fno-pic -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-asynchronous-unwind-tables -mcmodel=small -MMD -MP -D__faultline_hv
KASFLAGS := -I. -MMD -MP
KLDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments -T linker.ld

# Host unit tests: the pure code in lib/ under AddressSanitizer and UBSan (and TSan below).
HOSTCFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Bottom to top (docs/architecture.md): lib, host + drivers, ept + dev, vmm, apf, monitor,
# boot (main ties them together).
HV_DIRS  := lib host drivers ept dev vmm vmm/debug apf monitor boot
HV_SRCS  := $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c $(d)/*.S))
HV_OBJS  := $(patsubst %,$(B)/obj/%.o,$(HV_SRCS))
# The pure code: everything in lib/ (but string.c: the host's libc has its own), the EPT
# tables, and the VMX decoders, control choice and guest-state checker.
LIB_HOST := $(filter-out lib/string.c,$(wildcard lib/*.c)) ept/ept.c vmm/decode.c \
	vmm/controls.c vmm/debug/vmcheck.c dev/uart.c dev/pic.c dev/pit.c dev/rtc.c dev/kbc.c dev/pcicfg.c dev/acpipm.c \
	dev/acpitab.c dev/fwcfg.c dev/lapic.c dev/ioapic.c apf/pv.c apf/backing.c
UNIT     := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))
# The unit tests that start threads, built a second time under ThreadSanitizer (no ASan:
# the two do not mix). A race TSan sees fails the test (tests/unit/check.h sets
# halt_on_error, exit status 66). UNIT_ALL is what make unit and make test run.
TSANCFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. \
	-fsanitize=thread -fno-omit-frame-pointer
UNIT_TSAN := $(patsubst tests/unit/%.c,$(B)/unit-tsan/%,$(shell grep -l pthread_create tests/unit/test_*.c))
UNIT_ALL  := $(UNIT) $(UNIT_TSAN)

.PHONY: all run test test-linux unit integration deps clean iso bench FORCE
all: $(B)/faultline.elf $(B)/faultline32.elf guests $(B)/faultline.iso $(B)/tools/mkimage $(B)/guests/bzstub.bzImage

include guest/guest.mk
include tests/fuzz/fuzz.mk

$(B)/obj/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(B)/obj/%.S.o: %.S Makefile
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c $< -o $@

# Two links: the first gives the addresses, tools/mksyms.sh turns them into the symbol
# table, the second embeds it. .ksyms is the last section, so nothing else moves; the
# comparison below proves it.
$(B)/ksyms0.S: tools/mksyms.sh
	@mkdir -p $(B)
	sh tools/mksyms.sh > $@
$(B)/faultline.pass1.elf: $(HV_OBJS) $(B)/obj/ksyms0.o linker.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(HV_OBJS) $(B)/obj/ksyms0.o
$(B)/ksyms.S: $(B)/faultline.pass1.elf tools/mksyms.sh
	sh tools/mksyms.sh $< > $@
$(B)/obj/ksyms%.o: $(B)/ksyms%.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@
$(B)/obj/ksyms.o: $(B)/ksyms.S
	$(CC) -c $< -o $@
$(B)/faultline.elf: $(HV_OBJS) $(B)/obj/ksyms.o $(B)/faultline.pass1.elf
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(HV_OBJS) $(B)/obj/ksyms.o
	@nm -n $(B)/faultline.pass1.elf | grep -v ' ksym_\| __image_end' > $(B)/syms1.txt
	@nm -n $@ | grep -v ' ksym_\| __image_end' > $(B)/syms2.txt
	@cmp -s $(B)/syms1.txt $(B)/syms2.txt || { echo "symbols moved between links"; exit 1; }

# QEMU's -kernel loads only 32-bit ELF multiboot images; the code is the same.
$(B)/faultline32.elf: $(B)/faultline.elf
	$(OBJCOPY) -O elf32-i386 $< $@

# The default boot (make run): the async-fault demo, 50 ms per page, two workers.
RUN_MODULES ?= $(B)/guests/demo.elf vm=demo mem=32M lazy=on backing.latency_us=50000
CMDLINE ?= workers=2
# The ISO holds CMDLINE and RUN_MODULES: rebuild it when they change.
$(B)/iso.args: FORCE
	@mkdir -p $(B)
	@echo '$(CMDLINE) | $(RUN_MODULES)' | cmp -s - $@ || echo '$(CMDLINE) | $(RUN_MODULES)' > $@
FORCE:
$(B)/faultline.iso: $(B)/faultline.elf $(GUEST_ELFS) tools/mkiso.sh $(B)/iso.args
	@echo "  ISO     $@"
	@sh tools/mkiso.sh $@ 2 "$(CMDLINE)" "$(RUN_MODULES)"

iso: $(B)/faultline.iso

# The lazy-restore image writer (tests/t_swap.sh), a host program: plain gcc and libc.
$(B)/tools/mkimage: tools/mkimage.c guest/tests/restore_image.h guest/tests/mix64.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -I. $< -o $@

# The smallest bzImage (tests/t_linux.sh): a setup header and 32-bit checks, flat binary.
$(B)/guests/bzstub.bzImage: tests/data/bzstub.S
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	@$(CC) -m32 -c $< -o $@.o && $(OBJCOPY) -O binary -j .text $@.o $@

run: deps all
	@CMDLINE="$(CMDLINE)" bash tools/run.sh $(BACKEND) $(B)/faultline.iso

deps:
	@sh tools/deps.sh

$(B)/unit/test_%: tests/unit/test_%.c $(LIB_HOST) $(wildcard lib/*.h vmm/*.h vmm/debug/*.h dev/*.h ept/*.h apf/*.h) tests/unit/check.h $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(CC) $(HOSTCFLAGS) $< $(LIB_HOST) -o $@

# Can gcc build and run a TSan program? $(B)/unit-tsan/toolchain says "ok", or why not in
# one line (printed here, and by tests/unit/run.sh, which counts those tests as skipped
# rather than passed or failed). Probed again on every make until it is ok, so installing
# libtsan needs no make clean.
$(B)/unit-tsan/toolchain: FORCE
	@mkdir -p $(dir $@)
	@if [ "$$(cat $@ 2>/dev/null)" = ok ] && [ $@ -nt Makefile ]; then exit 0; fi; \
	printf '#include <pthread.h>\nstatic int x;\nstatic void *f(void *a) { x++; return a; }\nint main(void) { pthread_t t; if (pthread_create(&t, 0, f, 0)) return 1; pthread_join(t, 0); return x != 1; }\n' \
		>$(B)/unit-tsan/toolchain.c; \
	if ! $(CC) $(TSANCFLAGS) $(B)/unit-tsan/toolchain.c -o $(B)/unit-tsan/toolchain.bin \
		>$(B)/unit-tsan/toolchain.log 2>&1; then \
		why="'$(CC) -fsanitize=thread' cannot link ($$(grep -m1 -i 'error\|cannot find\|not found' $(B)/unit-tsan/toolchain.log)): libtsan not installed? (Debian 12: apt-get install libtsan2)"; \
	elif ! $(B)/unit-tsan/toolchain.bin >$(B)/unit-tsan/toolchain.log 2>&1; then \
		why="a TSan program does not run here: $$(grep -m1 . $(B)/unit-tsan/toolchain.log)"; \
	else why=ok; fi; \
	echo "$$why" >$@; \
	[ "$$why" = ok ] || echo "unit-tsan: skipped: $$why"

$(B)/unit-tsan/test_%: tests/unit/test_%.c $(LIB_HOST) $(wildcard lib/*.h vmm/*.h vmm/debug/*.h dev/*.h ept/*.h apf/*.h) tests/unit/check.h $(wildcard tests/unit/*.h) | $(B)/unit-tsan/toolchain
	@if [ "$$(cat $(B)/unit-tsan/toolchain)" = ok ]; then \
		echo "  TSANCC  $@"; \
		$(CC) $(TSANCFLAGS) $< $(LIB_HOST) -o $@; \
	else rm -f $@; fi

unit: $(UNIT_ALL)
	@sh tests/unit/run.sh $(UNIT_ALL)

integration: all
	@sh tests/integration.sh

# The README's test command. Unit tests first: they are fast and say the most; then a short
# pass of every fuzz harness; then the emulators.
# The build runs on every core (make test's budget is the machine's 2 cores' time).
NPROC := $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@$(MAKE) --no-print-directory -j$(NPROC) $(UNIT_ALL) $(FUZZ_BINS)
	@sh tests/all.sh $(UNIT_ALL)

# Every Linux boot test (tests/t_linux.sh): make test runs the 1- and 2-vCPU boots; this adds
# lazy=on and two Linux VMs side by side (several minutes each in Bochs).
test-linux: deps all
	@LINUX_ALL=1 bash tests/integration.sh '^linux_'

# Figures, not a test: round-trip and fault costs in guest TSC ticks (tools/bench.sh).
bench: deps all
	@sh tools/bench.sh

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
