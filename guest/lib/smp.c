/* guest/lib/smp.c: the per-CPU anchor (struct cpu, reached through %gs), vCPU discovery and
 * the start of application vCPUs (API in guest/lib/smp.h; the AP's first instructions are in
 * guest/lib/apentry.S). */
#include "guest/lib/rt.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "include/faultline.h"

#define MSR_GS_BASE	0xC0000101u
#define AP_STACK	16384		/* the AP's boot stack: its main-like context */
#define EXIT_BUG	3

static struct cpu cpus[SMP_MAX_CPUS];
static u8 ap_stacks[SMP_MAX_CPUS][AP_STACK] __attribute__((aligned(16)));

/* IA32_GS_BASE is in the VMCS guest state and not intercepted (vmm/msr.c): no exit. */
static void cpu_setup(unsigned id)
{
	struct cpu *c = &cpus[id];

	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (u64)c);
}

void smp_init_bsp(void)
{
	cpu_setup(0);
	cpus[0].online = 1;
}

unsigned smp_vcpus(int *self)
{
	s64 r = rt_on_faultline() ? rt_hypercall(FL_HC_VCPU_INFO, 0, 0, 0, 0) : FL_ENOSYS;

	if (self)
		*self = r < 0 ? -1 : (int)(r & 0xFFFF);
	return r < 0 || !(r >> 16) ? 1 : (unsigned)(r >> 16);
}

s64 smp_start(unsigned index, ap_fn fn)
{
	if (index == 0 || index >= SMP_MAX_CPUS)
		return FL_EINVAL;
	cpus[index].fn = fn;
	/* The entry and the stack must be below 4 GiB (32-bit values): the image is at 1 MiB.
	 * The VMCALL orders the store of fn before the AP can read it. */
	return rt_hypercall(FL_HC_VCPU_START, index, (u64)ap_entry32,
			    (u64)(ap_stacks[index] + AP_STACK), 0);
}

bool smp_online(unsigned index)
{
	return index < SMP_MAX_CPUS && cpus[index].online;
}

bool smp_wait(unsigned index, u64 timeout_us)
{
	u64 t0 = rt_tsc();

	if (index >= SMP_MAX_CPUS)
		return false;
	while (!__atomic_load_n(&cpus[index].done, __ATOMIC_ACQUIRE)) {
		if (rt_tsc_us(rt_tsc() - t0) > timeout_us)
			return false;
		cpu_relax();
	}
	return true;
}

/* From guest/lib/apentry.S, in long mode on the AP's boot stack, IF=0. */
void ap_start(u32 index)
{
	struct cpu *c;

	if (index == 0 || index >= SMP_MAX_CPUS) {
		/* No struct cpu to give it: say so without the console lock's cpu_id(). */
		cpu_setup(0);
		rt_printf("guest: smp: vCPU index %u out of range (max %u)\n", index,
			  SMP_MAX_CPUS - 1);
		rt_exit(EXIT_BUG);
	}
	cpu_setup(index);
	c = &cpus[index];
	trap_init_cpu();
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	if (c->fn)
		c->fn(index);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	/* Nothing more to do, but a HLT with IF=0 would stop the whole VM (vmm/exit.c): wait
	 * with interrupts on. A late completion interrupt finds nothing to wake. */
	for (;;)
		asm volatile("sti; hlt" : : : "memory");
}
