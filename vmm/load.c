/* vmm/load.c: putting a guest kernel into its VM's RAM (see vmm/load.h). A bzImage goes to
 * vmm/linux.c; anything else must be a multiboot v1 ELF and is loaded here the way a
 * multiboot loader would (Multiboot spec 3.1-3.3): the ELF's loadable segments at their
 * physical addresses, the rest of each segment zeroed, and a multiboot information
 * structure (memory map of the VM's RAM, command line, loader name) in a page the image
 * does not use. */
#include "vmm/load.h"
#include "vmm/vm.h"
#include "host/log.h"
#include "lib/bzimage.h"
#include "lib/elf.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MBI_CMDLINE	0x100		/* offsets inside the information page */
#define MBI_LOADER	0x300
#define MBI_MMAP	0x340

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb1_mmap {
	u32 size;
	u64 base, len;
	u32 type;
} __attribute__((packed));

/* Checks that every segment lies in RAM. */
static int check_fit(struct vm *vm, const struct elf_image *img, char *err, size_t len)
{
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct elf_seg *s = &img->segs[i];
		if (s->paddr + s->memsz > vm->mem) {
			fmt(err, len, "segment %u [0x%lx-0x%lx) does not fit in mem=%luM", i,
			    s->paddr, s->paddr + s->memsz, vm->mem >> 20);
			return -1;
		}
	}
	return 0;
}

/* The information page goes where no segment is. */
static u64 place_mbi(struct vm *vm, const struct elf_image *e, char *err, size_t len)
{
	struct span busy[ELF_MAX_SEGS] = { 0 };
	u64 gpa;

	for (unsigned i = 0; i < e->nsegs; i++)
		busy[i] = (struct span){ e->segs[i].paddr, e->segs[i].paddr + e->segs[i].memsz };
	gpa = loadmap_place(vm->mem, busy, e->nsegs, 1);
	if (!gpa)
		fmt(err, len, "no free page for the multiboot information: the image covers "
		    "[0x1000, 0x9F000) and RAM after it (mem=%luM)", vm->mem >> 20);
	return gpa;
}

static int build_mbi(struct vm *vm, u64 at, char *err, size_t len)
{
	if (ram_load(vm, at, 0, 0, PAGE_SIZE, err, len))	/* a zeroed page */
		return -1;
	u8 *page = vm_gpa(vm, at, PAGE_SIZE);	/* not running yet: no lock needed */
	struct mb1_info *mbi = (struct mb1_info *)page;
	struct mb1_mmap *mm = (struct mb1_mmap *)(page + MBI_MMAP);
	struct memrange map[LOADMAP_N];

	loadmap_e820(vm->mem, map);
	for (unsigned i = 0; i < LOADMAP_N; i++)
		mm[i] = (struct mb1_mmap){ 20, map[i].base, map[i].len, map[i].type };
	/* The command line a loader passes starts with the kernel's name: "NAME -- ARGS". */
	fmt((char *)page + MBI_CMDLINE, MBI_LOADER - MBI_CMDLINE, "%s -- %s", vm->name,
	    vm->cmdline);
	strlcpy((char *)page + MBI_LOADER, "faultline", MBI_MMAP - MBI_LOADER);
	mbi->flags = (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9);
	mbi->mem_lower = LOW_RAM_END / 1024;
	mbi->mem_upper = (u32)((vm->mem - 0x100000) / 1024);
	mbi->cmdline = (u32)at + MBI_CMDLINE;
	mbi->boot_loader_name = (u32)at + MBI_LOADER;
	mbi->mmap_addr = (u32)at + MBI_MMAP;
	mbi->mmap_length = LOADMAP_N * sizeof(*mm);
	return 0;
}

static int multiboot_load(struct vm *vm, const void *img, u64 size, char *err, size_t len)
{
	struct elf_image e;
	u64 mbi;

	if (elf_parse(img, size, &e, err, len) || check_fit(vm, &e, err, len))
		return -1;
	if (!(mbi = place_mbi(vm, &e, err, len)))
		return -1;
	for (unsigned i = 0; i < e.nsegs; i++) {
		const struct elf_seg *s = &e.segs[i];
		if (ram_load(vm, s->paddr, (const u8 *)img + s->offset, s->filesz, s->memsz, err,
			     len))
			return -1;
	}
	vm->entry = e.entry;
	if (build_mbi(vm, mbi, err, len))
		return -1;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->vcpus[i].regs.rbx = mbi;
	pr_info("vm %s: loaded %s kernel, %u segment(s) in [0x%llx-0x%llx), entry 0x%llx, "
		"multiboot information at 0x%llx", vm->name, e.is64 ? "ELF64" : "ELF32", e.nsegs,
		(unsigned long long)e.lo, (unsigned long long)e.hi, (unsigned long long)e.entry,
		(unsigned long long)mbi);
	return 0;
}

int vm_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len, char *err,
	    size_t len)
{
	if (!(size >= 4 && !memcmp(img, "\x7f" "ELF", 4)) && bzimage_is(img, size))
		return linux_load(vm, img, size, rd, rd_len, err, len);
	if (rd) {
		fmt(err, len, "initrd= is for a Linux bzImage, and this kernel is not one");
		return -1;
	}
	/* Refused rather than ignored: a multiboot kernel always starts in 32-bit protected
	 * mode (Multiboot spec 3.2), and a key that would silently do nothing hides a mistake
	 * (a bzImage given as the wrong module, a misspelt line). */
	if (vm->entry_want != BZ_ENTRY_AUTO) {
		fmt(err, len, "entry=%s is for a Linux bzImage, and this kernel is not one (a "
		    "multiboot kernel starts in 32-bit mode)", bzimage_entry_names[vm->entry_want]);
		return -1;
	}
	return multiboot_load(vm, img, size, err, len);
}
