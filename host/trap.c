/* host/trap.c: the IDT, exception reporting and panic (see host/trap.h).
 *
 * A fatal exception prints the vector by name, the error code, every general register, RIP
 * with its symbol, RFLAGS, CR0/2/3/4, and a backtrace walked through the frame-pointer chain
 * (the hypervisor is built with -fno-omit-frame-pointer) and symbolized from the embedded
 * table. Then every other CPU is stopped with an NMI and the hypervisor exits with
 * EXIT_PANIC, so a test sees the whole story on the serial console. */
#include "host/trap.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/smp.h"
#include "host/percpu.h"
#include "drivers/apic.h"
#include "lib/ksym.h"
#include "lib/string.h"
#include "lib/fmt.h"

struct idt_entry {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static volatile u32 stopping;
static void __attribute__((noreturn)) stop_here(void);
static trap_fn handlers[256];
extern const u64 isr_table[256];

extern const struct ksym ksym_syms[];
extern const u64 ksym_count;
extern const char ksym_names[];
extern char __text_end[], __image_start[];

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization exception", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

const char *exception_name(u64 vector)
{
	return vector < 32 ? names[vector] : "interrupt";
}

static void idt_set(int v, u64 addr, u8 ist)
{
	idt[v].off0 = addr & 0xFFFF;
	idt[v].sel = SEL_CODE;
	idt[v].ist = ist;
	idt[v].type = 0x8E; /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */
	idt[v].off1 = (addr >> 16) & 0xFFFF;
	idt[v].off2 = addr >> 32;
	idt[v].zero = 0;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set(v, isr_table[v], 0);
	/* A double fault may come from a stack overflow, an NMI or #MC may arrive at any
	 * instruction (even with a bad RSP): they run on their own IST stacks. */
	idt_set(VEC_DF, isr_table[VEC_DF], IST_DF);
	idt_set(VEC_NMI, isr_table[VEC_NMI], IST_NMI);
	idt_set(VEC_MC, isr_table[VEC_MC], IST_MC);
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

u64 idt_base(void)
{
	return (u64)idt;
}

void trap_dispatch(struct regs *r)
{
	/* An interrupt acknowledged on VM exit: run its handler as if it had arrived here. */
	if (handlers[r->vector])
		handlers[r->vector](r);
	if (r->vector >= 32 && r->vector != VEC_SPURIOUS)
		apic_eoi();
}

void trap_stop_if_stopping(void)
{
	if (stopping)
		stop_here();
}

void trap_register(u8 vector, trap_fn fn)
{
	handlers[vector] = fn;
}

static const struct ksym_table *ksyms(void)
{
	static struct ksym_table t;
	t.syms = ksym_syms;
	t.count = ksym_count;
	t.names = ksym_names;
	t.text_end = (u64)__text_end;
	return &t;
}

static void sym_line(const char *prefix, u64 addr)
{
	u64 off = 0;
	const char *name = ksym_lookup(ksyms(), addr, &off);
	if (name)
		pr_err("%s0x%016llx %s+0x%llx", prefix, (unsigned long long)addr, name,
		       (unsigned long long)off);
	else
		pr_err("%s0x%016llx ?", prefix, (unsigned long long)addr);
}

/* A frame pointer is followed only while it stays inside one of this CPU's stacks. */
static bool on_stack(u64 p)
{
	struct cpu *c = this_cpu();
	if (p & 7)
		return false;
	if (p >= c->stack_lo && p + 16 <= c->stack_hi)
		return true;
	for (int i = 0; i < 3; i++)
		if (p >= c->ist_lo[i] && p + 16 <= c->ist_hi[i])
			return true;
	return false;
}

/* Is a the address just after a call instruction in our text? (E8 rel32, or FF /2 in its
 * 2-, 3-, 6- and 7-byte forms.) Used to trust a return address found on the stack. */
static bool after_call(u64 a)
{
	const u8 *p = (const u8 *)a;
	if (a < (u64)__image_start + 8 || a >= (u64)__text_end)
		return false;
	if (p[-5] == 0xE8)
		return true;
	for (int n = 2; n <= 7; n++)
		if (p[-n] == 0xFF && ((p[-n + 1] >> 3) & 7) == 2 && n != 4 && n != 5)
			return true;
	return false;
}

/* An exception in a function that set up no frame (gcc omits it in simple leaves) leaves
 * RBP pointing at the caller's frame, which would skip the caller: its return address is
 * then the word at RSP. */
void backtrace_regs(const struct regs *r)
{
	u64 top = on_stack(r->rsp) ? *(const u64 *)r->rsp : 0;
	u64 first = on_stack(r->rbp) ? ((const u64 *)r->rbp)[1] : 0;
	backtrace_from(r->rip, r->rbp, after_call(top) && top != first ? top : 0);
}

void backtrace_from(u64 rip, u64 rbp, u64 leaf_ret)
{
	int depth = 1;
	pr_err("backtrace:");
	sym_line("  #0  ", rip);
	if (leaf_ret)
		sym_line("  #1  ", leaf_ret - 1), depth++;
	for (; depth < 32 && on_stack(rbp); depth++) {
		u64 ret = ((u64 *)rbp)[1];
		u64 next = ((u64 *)rbp)[0];
		if (!ret)
			break;
		char prefix[12] = "  #?  ";
		prefix[3] = depth < 10 ? '0' + depth : '+';
		sym_line(prefix, ret - 1); /* inside the call instruction, not after it */
		if (next <= rbp)
			break;
		rbp = next;
	}
}

void dump_regs(const struct regs *r)
{
	pr_err("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx",
	       (unsigned long long)r->rax, (unsigned long long)r->rbx,
	       (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	pr_err("  rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx",
	       (unsigned long long)r->rsi, (unsigned long long)r->rdi,
	       (unsigned long long)r->rbp, (unsigned long long)r->rsp);
	pr_err("  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx",
	       (unsigned long long)r->r8, (unsigned long long)r->r9,
	       (unsigned long long)r->r10, (unsigned long long)r->r11);
	pr_err("  r12=%016llx r13=%016llx r14=%016llx r15=%016llx",
	       (unsigned long long)r->r12, (unsigned long long)r->r13,
	       (unsigned long long)r->r14, (unsigned long long)r->r15);
	sym_line("  rip=", r->rip);
	pr_err("  cs=%04llx ss=%04llx rflags=%016llx error=%016llx",
	       (unsigned long long)r->cs, (unsigned long long)r->ss,
	       (unsigned long long)r->rflags, (unsigned long long)r->error);
	pr_err("  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

static void __attribute__((noreturn)) stop_here(void)
{
	for (;;) {
		irq_disable();
		halt();
	}
}

static void __attribute__((noreturn)) fatal(struct regs *r)
{
	struct cpu *c = this_cpu();

	if (c->in_trap++ || __atomic_exchange_n(&stopping, 1, __ATOMIC_SEQ_CST)) {
		/* A fault inside the fault path, or another CPU is already reporting one. */
		stop_here();
	}
	apic_stop_others();
	log_panic_mode();
	pr_err("EXCEPTION %s (vector %llu) on cpu%u, error code 0x%llx",
	       exception_name(r->vector), (unsigned long long)r->vector, c->index,
	       (unsigned long long)r->error);
	dump_regs(r);
	backtrace_regs(r);
	fl_exit(EXIT_PANIC);
}

void trap(struct regs *r)
{
	if (r->vector == VEC_NMI && stopping)
		stop_here(); /* another CPU panicked or we are exiting: stay here */
	if (r->vector == VEC_NMI && smp_nmi_was_kick())
		return;      /* smp_kick_nmi reaching a CPU in host mode: nothing to do */
	if (handlers[r->vector]) {
		handlers[r->vector](r);
		if (r->vector >= 32)
			apic_eoi();
		return;
	}
	if (r->vector == VEC_BP) {
		pr_warn("breakpoint (int3) at 0x%llx on cpu%u: continuing",
			(unsigned long long)r->rip, cpu_index());
		return;
	}
	if (r->vector < 32)
		fatal(r);
	if (r->vector == VEC_SPURIOUS)
		return; /* no EOI for the spurious vector (SDM Vol. 3A 11.9) */
	pr_warn("unexpected interrupt vector %llu on cpu%u", (unsigned long long)r->vector,
		cpu_index());
	apic_eoi();
}

void panic(const char *f, ...)
{
	char msg[256];
	va_list ap;
	struct cpu *c = this_cpu();

	irq_disable();
	if (c->in_trap++ || __atomic_exchange_n(&stopping, 1, __ATOMIC_SEQ_CST))
		stop_here();
	apic_stop_others();
	log_panic_mode();
	va_start(ap, f);
	vfmt(msg, sizeof(msg), f, ap);
	va_end(ap);
	pr_err("PANIC on cpu%u: %s", c->index, msg);
	backtrace_from((u64)panic, (u64)__builtin_frame_address(0), 0);
	fl_exit(EXIT_PANIC);
}

/* fl_exit's halves live in host/exit.c; it stops others through this flag too. */
void trap_set_stopping(void)
{
	stopping = 1;
}
