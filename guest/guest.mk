# guest/guest.mk: builds the bundled guests; included by the top Makefile, which provides
# CC, LD, B, KCFLAGS, KASFLAGS and builds $(B)/obj/lib/{fmt,string}.c.o.
#   make guests                      every $(B)/guests/NAME.elf (ELF64, what faultline loads)
#   make $(B)/guests/NAME.elf32      the same image as ELF32, for QEMU -kernel without faultline
#
# guest/ has three parts, like Jailhouse's inmates/lib, demos and tests:
#   guest/lib/     the runtime every guest links with (its API: guest/lib/rt.h and the other
#                  headers there; each says what it owns) and linker.ld, the image layout;
#   guest/demos/   the guests a user runs to see faultline work (demo is make run's default);
#   guest/tests/   the guests tests/*.sh boot and check.
# In demos/ and tests/ a guest NAME is either one file, NAME.c (its main), or a folder,
# NAME/, whose .c and .S files are all linked (one main among them; a guest too long for one
# file). Either way it links as the runtime, then the guest's objects in name order, then
# the hypervisor's freestanding lib/fmt.c and lib/string.c, compiled with the same flags.
# Every .c in demos/ and tests/ is a guest or part of one; names are unique across both,
# since every image lands in $(B)/guests/, where the tests and tools look for it.

OBJCOPY ?= objcopy

GUEST_DIRS := guest/demos guest/tests
GUEST_RT   := entry.S apentry.S isr.S rt.c trap.c smp.c sched.c swtch.S ve.c vetest.c \
	fail.c fixup.c user.c uart.c
GUEST_RTO  := $(patsubst %,$(B)/guest-obj/lib/%.o,$(GUEST_RT))
GUEST_LIBO := $(B)/obj/lib/fmt.c.o $(B)/obj/lib/string.c.o
GUEST_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	-T guest/lib/linker.ld

# The guests: each NAME.c and each folder NAME/ with a .c in it, and the sources of one.
GUEST_FILES   := $(wildcard $(addsuffix /*.c,$(GUEST_DIRS)))
GUEST_FOLDERS := $(sort $(patsubst %/,%,$(dir $(wildcard $(addsuffix /*/*.c,$(GUEST_DIRS))))))
GUESTS     := $(sort $(notdir $(basename $(GUEST_FILES)) $(GUEST_FOLDERS)))
guest_srcs = $(filter %/$(1).c,$(GUEST_FILES)) \
	$(sort $(wildcard $(addsuffix /$(1)/*.c,$(GUEST_DIRS)) $(addsuffix /$(1)/*.S,$(GUEST_DIRS))))
guest_objs = $(patsubst guest/%,$(B)/guest-obj/%.o,$(call guest_srcs,$(1)))
GUEST_ELFS := $(patsubst %,$(B)/guests/%.elf,$(GUESTS))

ifneq ($(words $(GUESTS)),$(words $(GUEST_FILES) $(GUEST_FOLDERS)))
$(error guest/guest.mk: two guests of one name in $(GUEST_DIRS))
endif

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

# A guest's own objects are prerequisites of its ELF alone, so they are added per guest.
$(foreach g,$(GUESTS),$(eval $(B)/guests/$(g).elf: $(call guest_objs,$(g))))

$(GUEST_ELFS): $(B)/guests/%.elf: $(GUEST_RTO) $(GUEST_LIBO) guest/lib/linker.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_RTO) $(call guest_objs,$*) $(GUEST_LIBO)

# QEMU's -kernel loads only 32-bit ELF multiboot images; the code is the same.
$(patsubst %,$(B)/guests/%.elf32,$(GUESTS)): $(B)/guests/%.elf32: $(B)/guests/%.elf
	$(OBJCOPY) -O elf32-i386 $< $@

-include $(wildcard $(B)/guest-obj/*/*.d $(B)/guest-obj/*/*/*.d)

.DEFAULT_GOAL := $(guest_saved_goal)
