/* vmm/linux.c: booting a Linux bzImage through the 32-bit boot protocol (Linux
 * Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"): the protected-mode kernel at
 * its load address, a zeroed boot_params ("zero page") holding a copy of the image's setup
 * header, an E820 map of the VM's RAM, the command line and the initrd, and vCPU 0 at the
 * kernel's 32-bit entry with ESI = boot_params. The VM already starts in flat 32-bit
 * protected mode with paging and interrupts off (vmm/vmcs.c), as the protocol asks.
 *
 * Placement (every address is checked against mem= before anything is written):
 * - the kernel at pref_address when it is relocatable and its running region fits there,
 *   else at code32_start (1 MiB for every bzImage we know);
 * - its running region [bzimage_run_start, + init_size) is where it decompresses: nothing
 *   of ours may be there;
 * - the initrd page-aligned at the top of RAM, below initrd_addr_max, above that region;
 * - boot_params and the command line in two free pages (lib/loadmap.c: below
 *   0x9F000, where the kernel reads them before it sets up its own memory). */
#include "vmm/firmware.h"
#include "vmm/load.h"
#include "vmm/vm.h"
#include "host/log.h"
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

/* The zero page being built: vm_create_all makes one VM at a time on cpu0. */
static u8 bp[PAGE_SIZE];

struct plan {
	struct bzimage bz;
	u64 load, run, end;	/* loaded at load; needs [run, end) while it decompresses */
	u64 rd, bp;		/* the initrd's and boot_params' addresses */
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

	if (bzimage_parse(img, size, &p->bz, err, len) || place_kernel(vm, p, err, len) ||
	    place_initrd(vm, p, rd_len, err, len))
		return -1;
	if (cl > p->bz.cmdline_size) {
		fmt(err, len, "the command line is %llu bytes, longer than the kernel's "
		    "cmdline_size %u", X(cl), p->bz.cmdline_size);
		return -1;
	}
	struct span busy[2] = { { MIN(p->load, p->run), p->end },
				{ p->rd, p->rd + ALIGN_UP(rd_len, PAGE_SIZE) } };
	if (!(p->bp = loadmap_place(vm->mem, busy, rd_len ? 2 : 1, 2))) {
		fmt(err, len, "no two free pages for boot_params and the command line");
		return -1;
	}
	return 0;
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
	    ram_load(vm, p.bp + PAGE_SIZE, vm->cmdline, strlen(vm->cmdline) + 1, PAGE_SIZE, err,
		     len))
		return -1;
	/* boot.rst, 32-bit boot: %esi holds boot_params; %ebp, %edi and %ebx must be zero;
	 * interrupts off. Only vCPU 0 starts here; the others wait (vmm/vcpu.c). */
	vm->entry = p.load;
	struct guest_regs *r = &vm->vcpus[0].regs;
	r->rsi = p.bp;
	r->rbx = r->rbp = r->rdi = 0;
	pr_info("vm %s: loaded Linux bzImage (boot protocol %u.%02u, %llu-byte kernel) at 0x%llx, runs "
		"in [0x%llx-0x%llx), boot_params at 0x%llx, initrd %llu bytes at 0x%llx, entry "
		"0x%llx", vm->name, p.bz.version >> 8, p.bz.version & 0xFF,
		X(p.bz.kernel_len), X(p.load), X(p.run), X(p.run + p.bz.init_size),
		X(p.bp), X(rd_len), X(p.rd), X(vm->entry));
	return 0;
}
