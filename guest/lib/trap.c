/* guest/lib/trap.c: the guest's IDT (256 gates, shared by every vCPU), each vCPU's GDT and TSS
 * with an IST stack for the exceptions that must not trust RSP (#DF, NMI, #MC) and one for
 * #VE, and the dispatch of exceptions and interrupts to handlers or to the fatal report.
 * The boot GDT is in guest/lib/entry.S; each vCPU switches to its own copy (per-CPU state is
 * indexed by cpu_id(), guest/lib/smp.h), because a TSS descriptor is marked busy by LTR and the
 * IST stacks must not be shared: two vCPUs taking #VE at once would write the same stack. */
#include "guest/lib/rt.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"

#define GATE_INTR	0x8E		/* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3	0x60		/* ... callable from ring 3 by INT n */
#define GDT_BOOT	3		/* null, code, data: copied from rt_gdt */
#define GDT_UDATA	0x00CFF2000000FFFFULL	/* data, DPL 3 (SS and DS in ring 3) */
#define GDT_UCODE	0x00AFFA000000FFFFULL	/* 64-bit code, DPL 3 */

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __attribute__((packed));

struct tss {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3, iomap;
} __attribute__((packed));

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* One vCPU's descriptor tables and IST stacks. */
struct trap_cpu {
	u64 gdt[GDT_BOOT + 4];		/* + the 16-byte TSS descriptor, ring 3's two */
	struct tss tss __attribute__((aligned(16)));
	u8 ist_stack[8192] __attribute__((aligned(16)));
	/* #VE's own (docs/pv-protocol.md step 1): the handler runs here until it moves its
	 * frame to the task's stack (step 6). Not IST_FATAL's: an NMI or #MC meanwhile would
	 * reset RSP to the top of the stack the #VE handler is using. */
	u8 ve_stack[16384] __attribute__((aligned(16)));
};

extern const u64 isr_table[T_NVEC];	/* guest/lib/isr.S */
extern u64 rt_gdt[];			/* guest/lib/entry.S */

static struct idt_gate idt[T_NVEC] __attribute__((aligned(16)));
static struct trap_cpu tcpu[SMP_MAX_CPUS];
static trap_fn handlers[T_NVEC];
trap_fn trap_user_fault;

static const char *const names[T_NEXC] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *trap_name(u64 vector)
{
	if (vector < T_NEXC)
		return names[vector];
	return vector < T_NVEC ? "interrupt" : "#??";
}

static void gate_set(unsigned v, u64 addr, u8 ist)
{
	idt[v].off_lo = addr & 0xFFFF;
	idt[v].sel = SEL_KCODE;
	idt[v].ist = ist;
	idt[v].type = GATE_INTR;
	idt[v].off_mid = (addr >> 16) & 0xFFFF;
	idt[v].off_hi = addr >> 32;
	idt[v].zero = 0;
}

/* This vCPU's GDT (a copy of the boot one plus its TSS; a 64-bit TSS descriptor takes two
 * slots, SDM Vol. 3A 8.2.3), its TSS with its IST stacks, and the shared IDT. The selectors
 * keep their values, so the segment registers need no reload. */
void trap_init_cpu(void)
{
	struct trap_cpu *c = &tcpu[cpu_id()];
	u64 base = (u64)&c->tss, limit = sizeof(c->tss) - 1;
	struct desc_ptr g = { sizeof(c->gdt) - 1, (u64)c->gdt };
	struct desc_ptr p = { sizeof(idt) - 1, (u64)idt };

	c->tss.ist[IST_FATAL - 1] = (u64)(c->ist_stack + sizeof(c->ist_stack));
	c->tss.ist[IST_VE - 1] = (u64)(c->ve_stack + sizeof(c->ve_stack));
	c->tss.iomap = sizeof(c->tss);	/* no I/O bitmap */
	for (int i = 0; i < GDT_BOOT; i++)
		c->gdt[i] = rt_gdt[i];
	c->gdt[SEL_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
			      (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	c->gdt[SEL_TSS / 8 + 1] = base >> 32;
	c->gdt[SEL_UDATA / 8] = GDT_UDATA;
	c->gdt[SEL_UCODE / 8] = GDT_UCODE;
	asm volatile("lgdt %0" : : "m"(g));
	asm volatile("ltr %w0" : : "r"(SEL_TSS));
	asm volatile("lidt %0" : : "m"(p));
}

/* The boot vCPU, once: the gates, then its own tables. */
void trap_init(void)
{
	for (unsigned v = 0; v < T_NVEC; v++) {
		bool fatal = v == T_DF || v == T_NMI || v == T_MC;

		gate_set(v, isr_table[v], fatal ? IST_FATAL : v == T_VE ? IST_VE : 0);
	}
	trap_init_cpu();
}

void trap_register(unsigned vector, trap_fn fn)
{
	if (vector < T_NVEC)
		handlers[vector] = fn;
}

void trap_set_ist(unsigned vector, unsigned ist)
{
	if (vector < T_NVEC && ist <= 7)
		idt[vector].ist = ist;
}

void trap_set_user(unsigned vector)
{
	if (vector < T_NVEC)
		idt[vector].type = GATE_INTR | GATE_DPL3;
}

void trap_set_rsp0(u64 rsp)
{
	tcpu[cpu_id()].tss.rsp[0] = rsp;
}

u64 trap_rsp0(void)
{
	return tcpu[cpu_id()].tss.rsp[0];
}

static u64 read_cr2(void)
{
	u64 v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static __attribute__((noreturn)) void fatal(const struct trapframe *tf)
{
	static bool dying;

	/* A fault while reporting one: just stop, the first report may be half out. */
	if (dying)
		rt_exit_quiet(EXIT_EXCEPTION);
	dying = true;
	if (tf->vector >= T_NEXC)
		rt_printf("guest: unexpected interrupt, vector %lu\n", tf->vector);
	rt_printf("guest: EXCEPTION %s at rip=0x%lx error=0x%lx cr2=0x%lx\n",
		  trap_name(tf->vector), tf->rip, tf->error, read_cr2());
	rt_printf("guest:   vcpu%u rsp=0x%lx rbp=0x%lx rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx\n",
		  cpu_id(), tf->rsp, tf->rbp, tf->rax, tf->rbx, tf->rcx, tf->rdx);
	rt_exit(EXIT_EXCEPTION);
}

/* An exception the code running in ring 3 caused: not an interrupt, nor NMI, #DF or #MC,
 * which say something about the machine, not about the task. */
static bool user_caused(const struct trapframe *tf)
{
	u64 v = tf->vector;

	return trap_user_mode(tf) && v < T_NEXC && v != T_NMI && v != T_DF && v != T_MC;
}

void trap(struct trapframe *tf)
{
	trap_fn fn = tf->vector < T_NVEC ? handlers[tf->vector] : NULL;

	if (!fn && trap_user_fault && user_caused(tf))
		fn = trap_user_fault;
	if (!fn)
		fatal(tf);
	fn(tf);
}
