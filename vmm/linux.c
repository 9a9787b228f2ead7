/* vmm/linux.c: booting a Linux bzImage through the boot protocol (Linux
 * Documentation/arch/x86/boot.rst): the protected-mode kernel at its load address, a
 * zeroed boot_params ("zero page") holding a copy of the image's setup header, an E820 map
 * of the VM's RAM, the command line and the initrd, and vCPU 0 at one of the kernel's two
 * entries with RSI = boot_params:
 * - "64-bit Boot Protocol" (the default when the kernel has it, XLF_KERNEL_64; entry=64):
 *   at load address + 0x200, in 64-bit mode with paging on identity page tables that map
 *   all of RAM, a GDT with __BOOT_CS (0x10) and __BOOT_DS (0x18), interrupts off; these
 *   pages are built here (lib/boot64.c) and the registers set by linux_vcpu_start64;
 * - "32-bit Boot Protocol" (a kernel without it, or entry=32): at the load address, in the
 *   flat 32-bit protected mode with paging and interrupts off that the VM starts in anyway
 *   (vmm/vmcs.c, the multiboot state).
 *
 * Placement (every address is checked against mem= before anything is written):
 * - the kernel at pref_address when it is relocatable and its running region fits there,
 *   else at code32_start (1 MiB for every bzImage we know);
 * - its running region [bzimage_run_start, + init_size) is where it decompresses: nothing
 *   of ours may be there;
 * - the initrd page-aligned at the top of RAM, below initrd_addr_max, above that region;
 * - boot_params and the command line in two free pages, and for the 64-bit entry the
 *   GDT's page and the page tables right after them, in one run of free pages
 *   (lib/loadmap.c: below 0x9F000 in practice, at 0x9000). The kernel reads boot_params
 *   and the command line before it sets up its own memory; it leaves our GDT and tables
 *   behind as soon as it loads its own (the first thing its 64-bit entry does), so the
 *   E820 map still says usable RAM there, as firmware's own boot tables are. */
#include "vmm/firmware.h"
#include "vmm/load.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/log.h"
#include "lib/boot64.h"
#include "lib/bzimage.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define X(v) ((unsigned long long)(v))

/* boot_params offsets (boot.rst "The zero page"; arch/x86/include/uapi/asm/bootparam.h). */
#define BP_ACPI_RSDP_ADDR	0x070	/* 64-bit: where the RSDP is, so no scan is needed */
#define BP_E820_ENTRIES		0x1E8
#define BP_TYPE_OF_LOADER	0x210
#define BP_CODE32_START		0x214
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21C
#define BP_CMD_LINE_PTR		0x228
#define BP_E820_TABLE		0x2D0	/* 20-byte entries: base, length, type */
#define LOADER_UNDEFINED	0xFF	/* type_of_loader: a loader with no assigned ID */

/* The loader's run of pages from boot_params on: boot_params, the command line, then for
 * the 64-bit entry the GDT and the page tables (lib/boot64.c's order: PML4 first). */
#define PG_BP		0
#define PG_CMDLINE	1
#define PG_GDT		2
#define PG_TABLES	3

/* The zero page being built, and any other page of ours: vm_create_all makes one VM at a
 * time on cpu0. */
static u8 bp[PAGE_SIZE];
static u64 page[512];

struct plan {
	struct bzimage bz;
	int bits;		/* the entry: 64 or 32 (bzimage_entry) */
	u64 load, run, end;	/* loaded at load; needs [run, end) while it decompresses */
	u64 rd, bp;		/* the initrd's and boot_params' addresses */
	u64 npages;		/* our pages from bp on (PG_*) */
};

static void put32(u64 off, u32 v)
{
	memcpy(bp + off, &v, 4);
}

static void put64(u64 off, u64 v)
{
	memcpy(bp + off, &v, 8);
}

/* [lo, lo + n) inside RAM, without overflow (pref_address is a hostile u64). */
static bool fits(u64 lo, u64 n, u64 mem)
{
	return lo <= mem && n <= mem - lo;
}

/* Where the kernel goes and the region it needs from there. */
static int place_kernel(struct vm *vm, struct plan *p, char *err, size_t len)
{
	const struct bzimage *bz = &p->bz;
	u64 pref = bz->pref_address;

	p->load = bz->code32_start;
	if (bz->relocatable && pref >= 0x100000 && fits(pref, bz->init_size, vm->mem))
		p->load = pref;
	p->run = bzimage_run_start(bz, p->load);
	if (!fits(p->load, bz->kernel_len, vm->mem) || !fits(p->run, bz->init_size, vm->mem)) {
		fmt(err, len, "the kernel needs 0x%llx bytes (init_size) from 0x%llx, loaded at "
		    "0x%llx, but mem=%lluM", X(bz->init_size), X(p->run), X(p->load),
		    X(vm->mem >> 20));
		return -1;
	}
	p->end = MAX(p->load + bz->kernel_len, p->run + bz->init_size);
	return 0;
}

/* The initrd: at the top of what the kernel may reach, above its running region. */
static int place_initrd(struct vm *vm, struct plan *p, u64 rd_len, char *err, size_t len)
{
	u64 top = MIN(vm->mem, (u64)p->bz.initrd_addr_max + 1);

	if (!rd_len)
		return 0;
	p->rd = rd_len <= top ? ALIGN_DOWN(top - rd_len, PAGE_SIZE) : 0;
	if (p->rd < p->end) {
		fmt(err, len, "initrd of %llu bytes does not fit: %llu bytes are free between the "
		    "kernel's end 0x%llx and 0x%llx (mem=%lluM, initrd_addr_max 0x%x)", X(rd_len),
		    X(top > p->end ? top - p->end : 0), X(p->end), X(top), X(vm->mem >> 20),
		    p->bz.initrd_addr_max);
		return -1;
	}
	return 0;
}

/* The zero page: the image's setup header at 0x1F1 (boot.rst: from 0x1F1 to 0x202 + the
 * byte at 0x201), then what a loader must fill in. */
static void build_bp(struct vm *vm, const struct plan *p, const u8 *img, u64 rd_len)
{
	struct memrange map[LOADMAP_N];

	memset(bp, 0, sizeof(bp));
	memcpy(bp + BZ_HDR_START, img + BZ_HDR_START, p->bz.hdr_end - BZ_HDR_START);
	bp[BP_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put32(BP_CODE32_START, (u32)p->load);
	put32(BP_CMD_LINE_PTR, (u32)(p->bp + PAGE_SIZE));
	put32(BP_RAMDISK_IMAGE, (u32)p->rd);
	put32(BP_RAMDISK_SIZE, (u32)rd_len);
	put64(BP_ACPI_RSDP_ADDR, FW_RSDP_GPA);	/* vmm/firmware.c puts the tables there */
	loadmap_e820(vm->mem, map);
	bp[BP_E820_ENTRIES] = LOADMAP_N;
	for (unsigned i = 0; i < LOADMAP_N; i++) {
		u64 e = BP_E820_TABLE + i * 20;
		put64(e, map[i].base);
		put64(e + 8, map[i].len);
		put32(e + 16, map[i].type);
	}
}

static int plan(struct vm *vm, struct plan *p, const void *img, u64 size, u64 rd_len,
		char *err, size_t len)
{
	u64 cl = strlen(vm->cmdline);

	if (bzimage_parse(img, size, &p->bz, err, len) ||
	    !(p->bits = bzimage_entry(&p->bz, vm->entry_want, err, len)) ||
	    place_kernel(vm, p, err, len) || place_initrd(vm, p, rd_len, err, len))
		return -1;
	if (cl > p->bz.cmdline_size) {
		fmt(err, len, "the command line is %llu bytes, longer than the kernel's "
		    "cmdline_size %u", X(cl), p->bz.cmdline_size);
		return -1;
	}
	struct span busy[2] = { { MIN(p->load, p->run), p->end },
				{ p->rd, p->rd + ALIGN_UP(rd_len, PAGE_SIZE) } };
	if (p->bits == 64 && !boot64_pt_pages(vm->mem)) {	/* beyond 512 GiB: not a VM */
		fmt(err, len, "no 64-bit identity map for mem=%lluM", X(vm->mem >> 20));
		return -1;
	}
	p->npages = p->bits == 64 ? PG_TABLES + boot64_pt_pages(vm->mem) : PG_GDT;
	if (!(p->bp = loadmap_place(vm->mem, busy, rd_len ? 2 : 1, p->npages))) {
		fmt(err, len, "no %llu free pages in a row for boot_params, the command line%s",
		    X(p->npages), p->bits == 64 ? ", the GDT and the page tables" : "");
		return -1;
	}
	return 0;
}

/* The 64-bit entry's GDT and page tables, into their pages after the command line's. */
static int load_boot64(struct vm *vm, const struct plan *p, char *err, size_t len)
{
	u64 tables = p->bp + PG_TABLES * PAGE_SIZE;

	memset(page, 0, sizeof(page));
	boot64_gdt(page);
	if (ram_load(vm, p->bp + PG_GDT * PAGE_SIZE, page, sizeof(page), PAGE_SIZE, err, len))
		return -1;
	for (u64 i = 0; i < p->npages - PG_TABLES; i++) {
		boot64_pt_page(page, tables, vm->mem, i);
		if (ram_load(vm, tables + i * PAGE_SIZE, page, sizeof(page), PAGE_SIZE, err, len))
			return -1;
	}
	vm->boot64_gdt = p->bp + PG_GDT * PAGE_SIZE;
	vm->boot64_cr3 = tables;
	return 0;
}

/* A flat segment register from one of the boot GDT's descriptors: base 0, 4 GiB (G with
 * limit 0xFFFFF), the descriptor's access rights. */
static void seg(u64 sel_f, u16 sel, u64 desc)
{
	vmcs_seg(sel_f, sel, 0, 0xFFFFFFFF, boot64_ar(desc));
}

/* boot.rst, "64-bit Boot Protocol": 64-bit mode with paging enabled, the identity map, the
 * GDT loaded with __BOOT_CS and __BOOT_DS, CS = __BOOT_CS, DS/ES/SS = __BOOT_DS,
 * interrupts off (RFLAGS and RSI are the multiboot state's and linux_load's). IA-32e mode
 * is CR0.PG with CR4.PAE and EFER.LME, which makes EFER.LMA (SDM Vol. 3A 10.8.5); VM entry
 * wants the "IA-32e mode guest" entry control equal to LMA (SDM Vol. 3C 27.3.1.1), which
 * vcpu_update_long_mode derives from CR0 and EFER, as after a guest's own switch. The
 * segment checks of 27.3.1.2 hold: CS type 11 with L=1 and D=0, SS/DS/ES/FS/GS type 3
 * with DPL 0, TR left a busy TSS (type 11, which IA-32e mode requires) and LDTR unusable
 * by the multiboot state. */
void linux_vcpu_start64(struct vcpu *v)
{
	struct vm *vm = v->vm;

	vcpu_set_cr0(v, CR0_PE | CR0_ET | CR0_PG);	/* ET: hardwired 1 since the 486 */
	vcpu_set_cr4(v, CR4_PAE);
	vmwrite(GUEST_CR3, vm->boot64_cr3);	/* PCD, PWT 0: the tables are write-back */
	vmwrite(GUEST_EFER, EFER_LME);
	vcpu_update_long_mode(v);		/* EFER.LMA and the entry control */
	seg(GUEST_CS_SEL, BOOT64_CS, BOOT64_CS_DESC);
	seg(GUEST_SS_SEL, BOOT64_DS, BOOT64_DS_DESC);
	seg(GUEST_DS_SEL, BOOT64_DS, BOOT64_DS_DESC);
	seg(GUEST_ES_SEL, BOOT64_DS, BOOT64_DS_DESC);
	/* FS and GS: the protocol says nothing; the data segment, as the 32-bit state has. */
	seg(GUEST_FS_SEL, BOOT64_DS, BOOT64_DS_DESC);
	seg(GUEST_GS_SEL, BOOT64_DS, BOOT64_DS_DESC);
	vmwrite(GUEST_GDTR_BASE, vm->boot64_gdt);
	vmwrite(GUEST_GDTR_LIMIT, BOOT64_GDT_N * 8 - 1);
	/* No IDT: an exception before the kernel loads its own is a triple fault, which stops
	 * the VM with a report, rather than a jump through whatever lies at address 0. */
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0);
}

int linux_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len,
	       char *err, size_t len)
{
	const u8 *b = img;
	struct plan p = { 0 };

	if (!rd)
		rd_len = 0;
	if (plan(vm, &p, img, size, rd_len, err, len))
		return -1;
	build_bp(vm, &p, b, rd_len);
	if (ram_load(vm, p.load, b + p.bz.kernel_off, p.bz.kernel_len, p.bz.kernel_len, err,
		     len) ||
	    (rd_len && ram_load(vm, p.rd, rd, rd_len, rd_len, err, len)) ||
	    ram_load(vm, p.bp, bp, PAGE_SIZE, PAGE_SIZE, err, len) ||
	    ram_load(vm, p.bp + PG_CMDLINE * PAGE_SIZE, vm->cmdline, strlen(vm->cmdline) + 1,
		     PAGE_SIZE, err, len) ||
	    (p.bits == 64 && load_boot64(vm, &p, err, len)))
		return -1;
	/* boot.rst: %rsi (%esi) holds boot_params; the 32-bit entry wants %ebp, %edi and %ebx
	 * zero (the 64-bit one asks nothing of them: zero too). Interrupts are off in the
	 * VMCS's RFLAGS. Only vCPU 0 starts here; the others wait (vmm/vcpu.c) for Linux's
	 * INIT and start-up IPIs, which put them in real mode whatever this entry was. */
	vm->entry = p.load + (p.bits == 64 ? BZ_ENTRY64_OFF : 0);
	struct guest_regs *r = &vm->vcpus[0].regs;
	r->rsi = p.bp;
	r->rbx = r->rbp = r->rdi = 0;
	pr_info("vm %s: loaded Linux bzImage (boot protocol %u.%02u, %llu-byte kernel) at 0x%llx, runs "
		"in [0x%llx-0x%llx), boot_params at 0x%llx, initrd %llu bytes at 0x%llx, entry "
		"0x%llx (%d-bit)", vm->name, p.bz.version >> 8, p.bz.version & 0xFF,
		X(p.bz.kernel_len), X(p.load), X(p.run), X(p.run + p.bz.init_size),
		X(p.bp), X(rd_len), X(p.rd), X(vm->entry), p.bits);
	if (p.bits == 64)
		pr_info("vm %s: 64-bit entry: identity map of [0-0x%llx) in 2M pages at 0x%llx "
			"(CR3), GDT at 0x%llx", vm->name, X(ALIGN_UP(vm->mem, 2ULL << 20)),
			X(vm->boot64_cr3), X(vm->boot64_gdt));
	return 0;
}
