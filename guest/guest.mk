# guest/guest.mk: builds the bundled test guests; included by the top Makefile, which
# provides CC, LD, B, KCFLAGS, KASFLAGS and builds $(B)/obj/lib/{fmt,string}.c.o.
#   make guests                      every $(B)/guests/NAME.elf (ELF64, what faultline loads)
#   make $(B)/guests/NAME.elf32      the same image as ELF32, for QEMU -kernel without faultline
# Each guest is guest/NAME.c (its main) + the runtime (guest/entry.S, isr.S, rt.c, trap.c;
# smp.c, apentry.S: per-vCPU state and application vCPUs; sched.c, swtch.S: tasks; ve.c:
# the #VE and completion handlers, docs/pv-protocol.md; vetest.c: their test helpers;
# fail.c, fixup.c: the FAIL path and the exception table; user.c: ring-3 tasks; uart.c:
# COM1 input and the 8259 pair) +
# the hypervisor's freestanding lib/fmt.c and lib/string.c, compiled with the same flags.
# A guest too long for one file adds guest/PART.c for each PART in GUEST_PARTS_NAME, linked
# last (a part is no guest of its own).

OBJCOPY ?= objcopy

GUESTS     := hello memtest escape triple cpuid hypercall \
	ve_basic ve_park ve_suspend ve_nested ve_unregistered ve_badcalls bench devices \
	apf_many apf_overlap apf_dedupe apf_flood apf_smp demo big \
	fail_user fail_fixup fail_panic fail_suspend fail_flaky fail_ignore fail_unregistered \
	spin echo hostile storm apf_hog tpr deliver
GUEST_PARTS_hostile := hostile_calls hostile_scribble
GUEST_PARTS_storm := storm_touch
GUEST_RT   := entry.S apentry.S isr.S rt.c trap.c smp.c sched.c swtch.S ve.c vetest.c \
	fail.c fixup.c user.c uart.c
GUEST_RTO  := $(patsubst %,$(B)/guest-obj/%.o,$(GUEST_RT))
GUEST_LIBO := $(B)/obj/lib/fmt.c.o $(B)/obj/lib/string.c.o
GUEST_ELFS := $(patsubst %,$(B)/guests/%.elf,$(GUESTS))
GUEST_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	-T guest/linker.ld

# Rules in an included file must not become the default goal of the includer.
guest_saved_goal := $(.DEFAULT_GOAL)

.PHONY: guests
guests: $(GUEST_ELFS)

$(B)/guest-obj/%.c.o: guest/%.c guest/guest.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(B)/guest-obj/%.S.o: guest/%.S guest/guest.mk
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -c $< -o $@

$(GUEST_ELFS): $(B)/guests/%.elf: $(B)/guest-obj/%.c.o $(GUEST_RTO) $(GUEST_LIBO) guest/linker.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_RTO) $< $(GUEST_LIBO) $(call guest_parts,$*)

# A guest's parts: prerequisites of its ELF only, linked after everything else (above).
guest_parts = $(patsubst %,$(B)/guest-obj/%.c.o,$(GUEST_PARTS_$(1)))
$(foreach g,$(GUESTS),$(if $(GUEST_PARTS_$(g)),\
	$(eval $(B)/guests/$(g).elf: $(call guest_parts,$(g)))))

# QEMU's -kernel loads only 32-bit ELF multiboot images; the code is the same.
$(patsubst %,$(B)/guests/%.elf32,$(GUESTS)): $(B)/guests/%.elf32: $(B)/guests/%.elf
	$(OBJCOPY) -O elf32-i386 $< $@

-include $(wildcard $(B)/guest-obj/*.d)

.DEFAULT_GOAL := $(guest_saved_goal)
