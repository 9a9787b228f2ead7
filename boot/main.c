/* boot/main.c: kmain, the bootstrap CPU's path from the loader to a running hypervisor.
 * The order matters: the console first (so everything after can explain itself), then the
 * boot information, the command line, memory, time, interrupts, the other CPUs, VMX. */
#include "drivers/acpi.h"
#include "drivers/ata.h"
#include "drivers/apic.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "monitor/monitor.h"
#include "host/mem.h"
#include "host/percpu.h"
#include "drivers/serial.h"
#include "host/smp.h"
#include "host/trap.h"
#include "host/tsc.h"
#include "lib/mb.h"
#include "vmm/vmx.h"
#include "vmm/controls.h"
#include "vmm/vm.h"
#include "apf/apf.h"
#include "apf/ram.h"

extern char boot_stack[], boot_stack_top[];

static struct bootinfo bootinfo;
static u8 bsp_ist[3][IST_SIZE] __attribute__((aligned(16)));

static const void *mb_map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	return pa && pa + len >= pa && pa + len <= MEM_LIMIT ? (const void *)pa : 0;
}

static void bsp_cpu_init(void)
{
	struct cpu *c = &cpus[0];

	percpu_init(c, 0);
	c->stack_lo = (u64)boot_stack;
	c->stack_hi = (u64)boot_stack_top;
	for (int i = 0; i < 3; i++) {
		c->ist_lo[i] = (u64)bsp_ist[i];
		c->ist_hi[i] = (u64)bsp_ist[i] + IST_SIZE;
	}
	gdt_load(c);
	idt_init();
	idt_load();
}

static void boot_info(u32 magic, u32 info)
{
	static const struct mb_mem mem = { mb_map, 0 };
	char err[160];

	if (mb_parse(magic, info, &mem, &bootinfo, err, sizeof(err)) < 0)
		panic("boot information unusable: %s", err);
	pr_info("boot: multiboot%s from '%s', info at [0x%llx-0x%llx)",
		bootinfo.proto == 2 ? "2" : " v1", bootinfo.loader[0] ? bootinfo.loader : "?",
		(unsigned long long)bootinfo.info_start, (unsigned long long)bootinfo.info_end);
	if (bootinfo.truncated)
		pr_warn("boot: %u string(s) or entries in the boot information were cut to fit",
			bootinfo.truncated);
}

static void report_modules(void)
{
	pr_info("boot: %u module(s)", bootinfo.nmods);
	for (unsigned i = 0; i < bootinfo.nmods; i++)
		pr_info("boot: module %u at [0x%llx-0x%llx) %llu bytes: '%s'", i,
			(unsigned long long)bootinfo.mods[i].start,
			(unsigned long long)bootinfo.mods[i].end,
			(unsigned long long)(bootinfo.mods[i].end - bootinfo.mods[i].start),
			bootinfo.mods[i].cmdline);
}

static volatile u32 vmx_on_failed;

static void vmx_on_here(void *arg)
{
	char why[120];
	(void)arg;
	if (vmx_on(why, sizeof(why))) {
		pr_err("vmx: cpu%u: %s", cpu_index(), why);
		vmx_on_failed = 1;
	} else {
		pr_debug("vmx: cpu%u in VMX root operation", cpu_index());
	}
}

/* Every CPU that may run a vCPU enters VMX operation once, at boot. */
static void vmx_on_all(void)
{
	vmx_on_here(0);
	for (u32 c = 1; c < ncpus_online; c++) {
		smp_call(c, vmx_on_here, 0);
		smp_wait_idle(c);
	}
	if (vmx_on_failed)
		fl_exit(EXIT_NO_VMX);
	pr_info("vmx: VMX root operation on all %u CPUs", ncpus_online);
}

void kmain(u32 magic, u32 info);
void kmain(u32 magic, u32 info)
{
	char why[200];

	tsc_boot = rdtsc();
	bsp_cpu_init();
	serial_init();
	pr_info("faultline: starting on the bootstrap CPU");
	boot_info(magic, info);
	config_parse(bootinfo.cmdline);
	mem_init(&bootinfo);
	report_modules();
	tsc_calibrate();
	pr_info("tsc: %llu.%03llu MHz, calibrated against the PIT", (unsigned long long)(tsc_khz / 1000),
		(unsigned long long)(tsc_khz % 1000));
	apic_init();
	cpus[0].apic_id = apic_id();
	cpus[0].online_tsc = rdtsc();
	cpus[0].online = 1;
	ncpus_online = 1;
	pr_info("cpu0 online: apic id %u, %s, ready", cpus[0].apic_id,
		(rdmsr(MSR_EFER) & EFER_LMA) ? "64-bit mode (EFER.LMA=1)" : "NOT in 64-bit mode");
	acpi_init(&bootinfo);
	smp_boot((u32)cfg.cpus);
	pr_info("boot: all %u CPUs online %llu us after entry", ncpus_online,
		(unsigned long long)time_us());
	/* The swap disk before the selftests (selftest=disk uses it) and before VMX, so QEMU
	 * TCG, which stops at vmx_probe, exercises the driver too. */
	ata_init();

	if (cfg.selftest)
		selftest_run(cfg.selftest);

	ram_init();	/* the frame pool's cap, the swap area on that disk */
	if (vmx_probe(why, sizeof(why))) {
		pr_err("vmx: VMX not available: %s", why);
		fl_exit(EXIT_NO_VMX);
	}
	vmx_read_msrs(&vmx_msrs);
	if (cfg.workers >= ncpus_online) {
		pr_warn("cmdline: workers=%lu leaves no CPU for vCPUs: using %u", cfg.workers,
			ncpus_online - 1);
		cfg.workers = ncpus_online - 1;
	}
	vmx_on_all();
	if (!vm_create_all(&bootinfo)) {
		if (vms_refused) {
			pr_err("faultline: no VMs to run: %u refused at creation (see above)",
			       vms_refused);
			fl_exit(EXIT_VM_FAILED);
		}
		pr_info("faultline: ready on %u CPUs; no VMs to run", ncpus_online);
		fl_exit(EXIT_OK);
	}
	workers_start(ncpus_online - (u32)cfg.workers, (u32)cfg.workers);
	pr_info("faultline: ready on %u CPUs; running %u VM(s)", ncpus_online, nvms);
	vm_run_all(cfg.monitor ? monitor_run : 0);
	int status = vm_summary();
	if (monitor_reboot)
		fl_reboot();
	fl_exit(status);
}
