/* vmm/vm.c: VMs from GRUB modules, their life and their end. A module line is
 *   module2 /guests/NAME.elf vm=NAME mem=32M vcpus=1 -- <guest command line>
 * (the kernel: a multiboot ELF or a Linux bzImage, vmm/load.c). Data modules are not VMs:
 * image=NAME (a backing=image memory image) and initrd=NAME (a Linux guest's initrd).
 * Each vCPU is pinned to a physical CPU of its own. A VM that cannot be built (bad image,
 * no room, not enough CPUs) is refused with one clear line and the others still run. */
#include "vmm/vm.h"
#include "vmm/firmware.h"
#include "vmm/load.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/percpu.h"
#include "host/smp.h"
#include "host/trap.h"
#include "host/tsc.h"
#include "lib/bzimage.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"

struct vm vms[VM_MAX];
u32 nvms;
u32 vms_refused;	/* asked for on the command line and never started */
static struct vmx_ctls ctls;
static bool cpu_taken[MAX_CPUS];

u64 msr_bitmap_create(void);

const char *const vm_selftest_names[] = { "none", "rflags", "link", "cs", "tr", "activity",
					  "cr0", "ctl", 0 };

static struct {
	char name[VM_NAME_MAX];
	u64 mem, vcpus, latency_us, seed;
	unsigned selftest, ve, backing, on_fault, apic, entry;
	bool lazy, apf;
	u64 resume_ms, fail_limit, resident;
	char poison[128], flaky[128], image[VM_NAME_MAX], initrd[VM_NAME_MAX];
} vc;
static u32 vcpu_cpus;	/* CPUs below this index run vCPUs; the rest are workers */

static const char *const apic_names[] = { "xapic", "x2apic", 0 };

static const struct opt vm_opts[] = {
	{ .key = "apic", .type = OPT_ENUM, .val = &vc.apic, .names = apic_names,
	  .help = "the local APICs at reset: xapic (as a PC's firmware leaves them: the MMIO "
		  "page, x2APIC when the guest turns it on) or x2apic (left on and locked)",
	  .def = "xapic" },
	{ .key = "vm", .type = OPT_STR, .val = vc.name, .len = VM_NAME_MAX,
	  .help = "the VM's name (console prefix)", .def = "vmN" },
	{ .key = "mem", .type = OPT_UINT, .val = &vc.mem, .min = 2 << 20, .max = 1ULL << 30,
	  .help = "guest RAM at guest-physical 0 (rounded up to 2M)", .def = "32M" },
	{ .key = "vcpus", .type = OPT_UINT, .val = &vc.vcpus, .min = 1, .max = VCPU_MAX,
	  .help = "virtual CPUs, each pinned to a physical CPU", .def = "1" },
	{ .key = "selftest", .type = OPT_ENUM, .val = &vc.selftest, .names = vm_selftest_names,
	  .help = "corrupt one guest-state field before the first entry", .def = "none" },
	{ .key = "lazy", .type = OPT_BOOL, .val = &vc.lazy,
	  .help = "back RAM lazily: pages absent until touched (then #VE or a sync fault)",
	  .def = "off" },
	{ .key = "apf", .type = OPT_BOOL, .val = &vc.apf,
	  .help = "asynchronous faults: off refuses #VE registration (every fault sync)",
	  .def = "on" },
	{ .key = "ve", .type = OPT_ENUM, .val = &vc.ve, .names = ve_mode_names,
	  .help = "#VE delivery: hardware, software, or hardware when offered", .def = "auto" },
	{ .key = "backing", .type = OPT_ENUM, .val = &vc.backing, .names = backing_names,
	  .help = "where lazily backed pages come from", .def = "pattern" },
	{ .key = "backing.image", .type = OPT_STR, .val = vc.image, .len = VM_NAME_MAX,
	  .help = "backing=image: the GRUB module whose args are image=NAME", .def = "none" },
	{ .key = "initrd", .type = OPT_STR, .val = vc.initrd, .len = VM_NAME_MAX,
	  .help = "a Linux guest's initrd: the GRUB module whose args are initrd=NAME",
	  .def = "none" },
	{ .key = "entry", .type = OPT_ENUM, .val = &vc.entry, .names = bzimage_entry_names,
	  .help = "a Linux bzImage's boot protocol entry: 64 (long mode, paging on) or 32 "
		  "(protected mode, paging off); auto: 64 when the kernel has it",
	  .def = "auto" },
	{ .key = "resident", .type = OPT_UINT, .val = &vc.resident, .max = 1ULL << 30,
	  .help = "lazy=on: host frames the VM may hold (less than mem= needs swap=)",
	  .def = "all of mem" },
	{ .key = "backing.latency_us", .type = OPT_UINT, .val = &vc.latency_us, .max = 1000000,
	  .help = "time to produce one page from its source (the fill included)", .def = "0" },
	{ .key = "backing.seed", .type = OPT_UINT, .val = &vc.seed, .max = 0xFFFF,
	  .help = "pattern seed: pages hold fl_pattern_seed(seed, gpa)", .def = "0" },
	{ .key = "backing.poison", .type = OPT_STR, .val = vc.poison, .len = sizeof(vc.poison),
	  .help = "pages that can never be produced: A, A-B or A+L, comma-separated",
	  .def = "none" },
	{ .key = "backing.flaky", .type = OPT_STR, .val = vc.flaky, .len = sizeof(vc.flaky),
	  .help = "RANGES:N: the first N attempts of these pages fail", .def = "none" },
	{ .key = "on_fault", .type = OPT_ENUM, .val = &vc.on_fault, .names = on_fault_names,
	  .help = "a fault the guest cannot be told about stops or pauses the VM", .def = "stop" },
	{ .key = "resume_ms", .type = OPT_UINT, .val = &vc.resume_ms, .max = 3600000,
	  .help = "a paused VM resumes by itself after this many ms (0: only the monitor)",
	  .def = "0" },
	{ .key = "fail_limit", .type = OPT_UINT, .val = &vc.fail_limit, .min = 1, .max = 1 << 20,
	  .help = "page failures after which every failure stops the VM", .def = "1024" },
};

static void report(void *ctx, const char *line)
{
	pr_warn("vm %s: %s", (const char *)ctx, line);
}

void *vm_gpa(struct vm *vm, u64 gpa, u64 len)
{
	return ram_ptr(vm, gpa, len);
}

bool vm_ept_flush(struct vm *vm)
{
	u64 g = __atomic_add_fetch(&vm->ept_gen, 1, __ATOMIC_SEQ_CST);
	u64 t0 = time_us();
	bool ok = true;

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&v->ept_seen, __ATOMIC_ACQUIRE) < g)
			smp_kick(v->cpu);
	}
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		while (__atomic_load_n(&v->in_guest, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&v->ept_seen, __ATOMIC_ACQUIRE) < g) {
			if (time_us() - t0 > 2000000) {
				pr_err("vm %s vcpu%u: no EPT flush within 2 s of the request", vm->name,
				       i);
				ok = false;
				break;
			}
			cpu_relax();
		}
	}
	return ok;
}

static u64 ept_alloc(void *ctx)
{
	(void)ctx;
	void *p = page_alloc_zeroed(1);
	return p ? (u64)p : ~0ULL;
}

static void ept_free(void *ctx, u64 pa)
{
	(void)ctx;
	frame_free(pa, 1);
}

static void *ept_va(void *ctx, u64 pa)
{
	(void)ctx;
	return (void *)pa;
}

static void vm_release(struct vm *vm)
{
	if (vm->ept.root_pa)
		ept_destroy(&vm->ept);
	apf_vm_release(vm);	/* its RAM too */
	if (vm->msr_bitmap_pa)
		frame_free(vm->msr_bitmap_pa, 1);
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].vmcs_pa)
			frame_free(vm->vcpus[i].vmcs_pa, 1);
	memset(vm, 0, sizeof(*vm));
}

static int pick_cpus(struct vm *vm, char *err, size_t len)
{
	u32 got = 0;
	for (u32 c = cfg.monitor ? 1 : 0; c < vcpu_cpus && got < vm->nvcpus; c++)
		if (!cpu_taken[c])
			vm->vcpus[got++].cpu = c;
	if (got < vm->nvcpus) {
		fmt(err, len, "needs %u CPU(s) but only %u are free (cpus=, workers= and other VMs)",
		    vm->nvcpus, got);
		return -1;
	}
	for (u32 i = 0; i < vm->nvcpus; i++)
		cpu_taken[vm->vcpus[i].cpu] = true;
	return 0;
}

static int vm_build(struct vm *vm, const struct mb_module *m, const struct mb_module *rd,
		    char *err, size_t len)
{
	vm->mem = ALIGN_UP(vm->mem, EPT_2M);
	if (pick_cpus(vm, err, len))
		return -1;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->apf.lock = (struct spinlock)SPINLOCK_INIT;
		v->vm = vm;
		v->index = i;
		v->ctls = ctls;
		vlapic_init(v);	/* before any vCPU runs: IPIs may reach it at once */
		v->vmcs_pa = (u64)page_alloc_zeroed(1);
		if (!v->vmcs_pa) {
			fmt(err, len, "out of memory for a VMCS");
			return -1;
		}
		*(u32 *)v->vmcs_pa = (u32)(vmx_msrs.basic & 0x7FFFFFFF); /* revision id */
	}
	if (apf_vm_alloc(vm, err, len))
		return -1;
	if (vm_load(vm, (const void *)m->start, m->end - m->start,
		    rd ? (const void *)rd->start : 0, rd ? rd->end - rd->start : 0, err, len))
		return -1;
	if (fw_install(vm, err, len))	/* ACPI tables, fw_cfg: vmm/firmware.c */
		return -1;
	vm->ept = (struct ept){ .alloc_page = ept_alloc, .free_page = ept_free,
				.pa_to_va = ept_va };
	vm->msr_bitmap_pa = msr_bitmap_create();
	if (ept_init(&vm->ept) || !vm->msr_bitmap_pa) {
		fmt(err, len, "out of memory for the EPT or the MSR bitmap");
		return -1;
	}
	return apf_vm_setup(vm, err, len);
}

/* backing.poison= and backing.flaky=: a bad list is reported and ignored, like any bad
 * value on a command line. */
static void parse_failure_ranges(struct vm *vm)
{
	struct backing *b = &vm->apf.backing;
	char err[120];

	if (vc.poison[0] && ranges_parse(vc.poison, strlen(vc.poison), false, &b->poison, err,
					 sizeof(err)))
		pr_warn("vm %s: cmdline: backing.poison=%s: %s (ignored)", vm->name, vc.poison, err);
	if (vc.flaky[0] && ranges_parse(vc.flaky, strlen(vc.flaky), true, &b->flaky, err,
					sizeof(err)))
		pr_warn("vm %s: cmdline: backing.flaky=%s: %s (ignored)", vm->name, vc.flaky, err);
	if ((b->poison.n || b->flaky.n) && !vm->apf.lazy)
		pr_warn("vm %s: backing.poison/flaky need lazy=on: no page is ever fetched", vm->name);
}

/* A module whose args start with image=NAME is a memory image: its name, or NULL. */
static const char *image_name(const struct mb_module *m)
{
	return strncmp(m->cmdline, "image=", 6) ? 0 : m->cmdline + 6;
}

/* A module whose args are the one word initrd=NAME is a Linux guest's initrd: its name, or
 * NULL. One word, so that a VM line that begins with its initrd= key stays a VM. */
static const char *initrd_name(const struct mb_module *m)
{
	if (strncmp(m->cmdline, "initrd=", 7) || strchr(m->cmdline, ' '))
		return 0;
	return m->cmdline + 7;
}

/* initrd=NAME: the module that holds it, in *rd; none asked for leaves *rd NULL. */
static int initrd_find(const struct vm *vm, const struct bootinfo *bi,
		       const struct mb_module **rd, char *err, size_t len)
{
	*rd = 0;
	if (!vc.initrd[0])
		return 0;
	for (u32 i = 0; i < bi->nmods; i++) {
		const char *name = initrd_name(&bi->mods[i]);
		if (name && !strcmp(name, vc.initrd)) {
			*rd = &bi->mods[i];
			pr_info("vm %s: initrd '%s': %lu bytes from module %u", vm->name, vc.initrd,
				(*rd)->end - (*rd)->start, i);
			return 0;
		}
	}
	fmt(err, len, "initrd=%s: no module whose args are initrd=%s", vc.initrd, vc.initrd);
	return -1;
}

/* backing=image: the module named by backing.image= becomes the VM's initial memory, read
 * page by page on first touch (apf/backing.c). */
static int image_attach(struct vm *vm, const struct bootinfo *bi, char *err, size_t len)
{
	struct backing *b = &vm->apf.backing;
	size_t n = strlen(vc.image);

	if (b->ops != &backing_image)
		return 0;
	if (!vm->apf.lazy) {
		fmt(err, len, "backing=image needs lazy=on");
		return -1;
	}
	for (u32 i = 0; n && i < bi->nmods; i++) {
		const char *name = image_name(&bi->mods[i]);
		if (name && !strncmp(name, vc.image, n) && (name[n] == 0 || name[n] == ' ')) {
			b->image = (const u8 *)bi->mods[i].start;
			b->image_len = bi->mods[i].end - bi->mods[i].start;
			pr_info("vm %s: memory image '%s': %lu bytes from module %u", vm->name,
				vc.image, b->image_len, i);
			return 0;
		}
	}
	fmt(err, len, "backing=image: no module with args image=%s (backing.image=)",
	    n ? vc.image : "<not given>");
	return -1;
}

static void vm_create(const struct bootinfo *bi, const struct mb_module *m, u32 modno)
{
	struct vm *vm = &vms[nvms];
	struct cmdline_result r;
	char err[200], tag[24];

	memset(&vc, 0, sizeof(vc));
	fmt(vc.name, sizeof(vc.name), "vm%u", nvms);
	vc.mem = 32 << 20;
	vc.vcpus = 1;
	vc.fail_limit = 1024;
	vc.apf = true;
	fmt(tag, sizeof(tag), "module %u", modno);
	r = cmdline_parse(m->cmdline, vm_opts, ARRAY_SIZE(vm_opts), report, tag);

	memset(vm, 0, sizeof(*vm));
	vm->id = (int)nvms;
	strlcpy(vm->name, vc.name, sizeof(vm->name));
	strlcpy(vm->cmdline, r.rest ? r.rest : "", sizeof(vm->cmdline));
	vm->mem = vc.mem;
	vm->nvcpus = (u32)vc.vcpus;
	vm->selftest = vc.selftest;
	vm->x2apic_locked = vc.apic == 1;
	vm->entry_want = vc.entry;
	vm->lock = (struct spinlock)SPINLOCK_INIT;
	vpc_init(vm);
	vm->apf.lock = (struct spinlock)SPINLOCK_INIT;
	vm->apf.lazy = vc.lazy;
	vm->apf.backing = (struct backing){ .ops = backing_by_index[vc.backing],
					    .latency_us = vc.latency_us, .seed = vc.seed };
	vm->apf.on_fault = vc.on_fault;
	vm->apf.off = !vc.apf;
	vm->apf.resume_ms = vc.resume_ms;
	vm->apf.fail_limit = vc.fail_limit;
	parse_failure_ranges(vm);
	if (vc.resident && !vm->apf.lazy)
		pr_warn("vm %s: resident= needs lazy=on: ignored (all of mem= is resident)", vm->name);
	vm->apf.ram.cap = ALIGN_UP(vc.resident, PAGE_SIZE) / PAGE_SIZE;
	if (vm->apf.ram.cap && vm->apf.ram.cap < 256) {
		pr_warn("vm %s: resident= below 1M: using 1M", vm->name);
		vm->apf.ram.cap = 256;
	}
	vm->apf.ve = vc.ve == VE_AUTO ? (ctls.ept_ve ? VE_HW : VE_SW) : vc.ve;
	if (vm->apf.ve == VE_HW && !ctls.ept_ve) {
		pr_err("vm %s (module %u): refused: ve=hw but this CPU offers no EPT-violation #VE "
		       "(use ve=sw or ve=auto)", vm->name, modno);
		memset(vm, 0, sizeof(*vm));
		vms_refused++;
		return;
	}
	const struct mb_module *rd;
	if (image_attach(vm, bi, err, sizeof(err)) ||
	    initrd_find(vm, bi, &rd, err, sizeof(err)) || vm_build(vm, m, rd, err, sizeof(err))) {
		pr_err("vm %s (module %u): refused: %s", vm->name, modno, err);
		for (u32 i = 0; i < vm->nvcpus; i++)
			if (vm->vcpus[i].vm)
				cpu_taken[vm->vcpus[i].cpu] = false;
		vm_release(vm);
		vms_refused++;
		return;
	}
	vm->state = VM_READY;
	nvms++;
	if (vm->apf.lazy)
		pr_info("vm %s: lazily backed RAM (backing=%s, latency %lu us), #VE %s (ve=%s)",
			vm->name, vm->apf.backing.ops->name, vm->apf.backing.latency_us,
			vm->apf.ve == VE_HW ? "in hardware" : "in software", ve_mode_names[vc.ve]);
	char where[64];
	if (vm->apf.lazy)
		fmt(where, sizeof(where), "frames on demand, resident cap %luM",
		    (u64)((vm->apf.ram.cap * PAGE_SIZE) >> 20));
	else
		fmt(where, sizeof(where), "at host 0x%lx", vm->ram_hpa);
	pr_info("vm %s: ready: mem=%lluM %s, %u vCPU(s) on cpu%u%s, cmdline '%s'",
		vm->name, (unsigned long long)(vm->mem >> 20), where,
		vm->nvcpus, vm->vcpus[0].cpu, vm->nvcpus > 1 ? "..." : "", vm->cmdline);
}

u32 vm_create_all(const struct bootinfo *bi)
{
	char why[200], absent[160];

	if (vmx_controls(&vmx_msrs, true, &ctls, why, sizeof(why), absent, sizeof(absent)))
		panic("vmx: cannot run guests: %s", why);
	if (absent[0])
		pr_info("vmx: optional features not offered: %s", absent);
	vcpu_cpus = ncpus_online - (u32)cfg.workers;
	for (u32 i = 0; i < bi->nmods; i++) {
		if (image_name(&bi->mods[i]) || initrd_name(&bi->mods[i]))
			continue;	/* data for a VM (backing=image, initrd=), not a VM */
		if (nvms == VM_MAX) {
			pr_err("vm (module %u): refused: %u VMs at most", i, VM_MAX);
			vms_refused++;
			continue;
		}
		vm_create(bi, &bi->mods[i], i);
	}
	return nvms;
}
