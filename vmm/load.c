/* vmm/load.c: putting a guest kernel into its VM's RAM the way a multiboot v1 loader would
 * (Multiboot spec 3.1-3.3): the ELF's loadable segments at their physical addresses, the
 * rest of each segment zeroed, and a multiboot information structure (memory map of the
 * VM's RAM, command line, loader name) in the page at MBI_GPA. */
#include "vmm/vm.h"
#include "host/log.h"
#include "lib/elf.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MBI_GPA		0x9000ULL	/* one page below the EBDA area, never in a kernel image */
#define MBI_CMDLINE	0x100		/* offsets inside that page */
#define MBI_LOADER	0x300
#define MBI_MMAP	0x340
#define LOW_RAM_END	0x9F000ULL	/* as a PC: [0x9F000, 1 MiB) is reserved */

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

/* Checks that every segment lies in RAM and clear of the information page. */
static int check_fit(struct vm *vm, const struct elf_image *img, char *err, size_t len)
{
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct elf_seg *s = &img->segs[i];
		if (s->paddr + s->memsz > vm->mem) {
			fmt(err, len, "segment %u [0x%lx-0x%lx) does not fit in mem=%luM", i,
			    s->paddr, s->paddr + s->memsz, vm->mem >> 20);
			return -1;
		}
		if (s->paddr < MBI_GPA + PAGE_SIZE && s->paddr + s->memsz > MBI_GPA) {
			fmt(err, len, "segment %u [0x%lx-0x%lx) overlaps the multiboot information "
			    "page at 0x%llx", i, s->paddr, s->paddr + s->memsz, MBI_GPA);
			return -1;
		}
	}
	return 0;
}

static int build_mbi(struct vm *vm, char *err, size_t len)
{
	if (ram_load(vm, MBI_GPA, 0, 0, PAGE_SIZE, err, len))	/* a zeroed page */
		return -1;
	u8 *page = vm_gpa(vm, MBI_GPA, PAGE_SIZE);	/* not running yet: no lock needed */
	struct mb1_info *mbi = (struct mb1_info *)page;
	struct mb1_mmap *mm = (struct mb1_mmap *)(page + MBI_MMAP);
	const struct mb1_mmap map[] = {
		{ 20, 0, LOW_RAM_END, 1 },
		{ 20, LOW_RAM_END, 0x100000 - LOW_RAM_END, 2 },
		{ 20, 0x100000, vm->mem - 0x100000, 1 },
	};

	/* The command line a loader passes starts with the kernel's name: "NAME -- ARGS". */
	fmt((char *)page + MBI_CMDLINE, MBI_LOADER - MBI_CMDLINE, "%s -- %s", vm->name,
	    vm->cmdline);
	strlcpy((char *)page + MBI_LOADER, "faultline", MBI_MMAP - MBI_LOADER);
	memcpy(mm, map, sizeof(map));
	mbi->flags = (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9);
	mbi->mem_lower = LOW_RAM_END / 1024;
	mbi->mem_upper = (u32)((vm->mem - 0x100000) / 1024);
	mbi->cmdline = MBI_GPA + MBI_CMDLINE;
	mbi->boot_loader_name = MBI_GPA + MBI_LOADER;
	mbi->mmap_addr = MBI_GPA + MBI_MMAP;
	mbi->mmap_length = sizeof(map);
	return 0;
}

/* Loads the ELF at [img, img+size) into vm. Returns 0, or -1 with the reason in err. */
int vm_load(struct vm *vm, const void *img, u64 size, char *err, size_t len)
{
	struct elf_image e;

	if (elf_parse(img, size, &e, err, len))
		return -1;
	if (check_fit(vm, &e, err, len))
		return -1;
	for (unsigned i = 0; i < e.nsegs; i++) {
		const struct elf_seg *s = &e.segs[i];
		if (ram_load(vm, s->paddr, (const u8 *)img + s->offset, s->filesz, s->memsz, err,
			     len))
			return -1;
	}
	vm->entry = e.entry;
	if (build_mbi(vm, err, len))
		return -1;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->vcpus[i].regs.rbx = MBI_GPA;
	pr_info("vm %s: loaded %s kernel, %u segment(s) in [0x%llx-0x%llx), entry 0x%llx",
		vm->name, e.is64 ? "ELF64" : "ELF32", e.nsegs, (unsigned long long)e.lo,
		(unsigned long long)e.hi, (unsigned long long)e.entry);
	return 0;
}
