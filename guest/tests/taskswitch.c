/* guest/tests/taskswitch.c: hardware task switches, as a 32-bit kernel of the i386 era uses
 * them (SDM Vol. 3A chapter 7). main, in 64-bit mode, builds a GDT with five 32-bit TSSs
 * (tasks A-E), a task gate and an LDT, and a 32-bit IDT with two task gates; ts_run leaves
 * long mode for 32-bit protected mode with 32-bit paging (4 MiB pages; SDM Vol. 3A
 * 10.8.5.4, 4.3), runs task A,
 * which switches tasks five ways, and comes back to long mode; main then checks what each
 * task recorded, one PASS/FAIL line per case:
 *   1. JMP to TSS B: B starts with its TSS's registers, CR3 (a page directory of its own:
 *      linear PROBE_LA maps elsewhere), LDTR and a DS from its LDT, CR0.TS set, no NT; B
 *      jumps back and A resumes with its own registers and CR3;
 *   2. CALL through a task gate in the GDT to task C: NT set, back link A; C's IRET comes
 *      back to A, C no longer busy;
 *   3. INT 0x80 through a task gate in the IDT to task D: NT, back link, no error code;
 *   4. #GP from loading a selector past the GDT's limit, through a task gate in the IDT to
 *      task E: the error code (the selector) on E's stack;
 *   5. JMP to the busy TSS A (the current task): #GP with A's selector, to task E;
 *   6. JMP to task F, whose TSS names a code segment for SS: the switch completes and #TS
 *      with that selector is raised in F, through a task gate in the IDT to task G, which
 *      finds F's state saved (the selectors its TSS gave) and JMPs to A;
 *   7. a double fault to its own task, the classic use of a task gate: #GP while IDT 13's
 *      gate is not present makes #NP, and the two #DF (SDM Vol. 3A 6.15, table 6-5),
 *      through IDT 8's task gate to task H with error code 0.
 * With "tss16" on its command line, B's TSS descriptor says 16-bit (type 1): faultline does
 * not emulate those and stops the VM with one line (QEMU would switch).
 * No hypercall: the same image passes on bare QEMU (tests/t_taskswitch.sh runs both), which
 * is what a real CPU answers. Under faultline every switch is an exit that
 * vmm/taskswitch.c emulates. */
#include "guest/lib/rt.h"

/* The GDT (selectors) of the 32-bit part. 0x08 and 0x10 are the runtime's, so that CS and
 * SS stay valid across the way back to 64-bit mode. */
#define S_CODE64	0x08
#define S_DATA		0x10
#define S_CODE32	0x18
#define S_TSS_A		0x20
#define S_TSS_B		0x28
#define S_TSS_C		0x30
#define S_GATE_C	0x38	/* a task gate to TSS C */
#define S_TSS_D		0x40
#define S_TSS_E		0x48
#define S_LDT		0x50
#define S_TSS_F		0x58
#define S_TSS_G		0x60
#define S_TSS_H		0x68
#define S_LDT_DATA	0x0C	/* LDT entry 1, TI set */
#define GDT_N		14
#define S_BEYOND	0x1F8	/* past the GDT's limit: #GP(0x1F8) */
#define V_INT		0x80	/* INT 0x80 goes to task D */
#define TSS_SIZE	0x68
#define NTASKS		8
#define EFLAGS_NT	(1u << 14)
#define CR0_TS		(1u << 3)
#define LDT_MAGIC	0x1D7DA7A5u
#define PROBE_LA	0x40000FF0u	/* A's page directory: PROBE_A; B's: PROBE_B */
#define PROBE_A		0x00400000u	/* the 4 MiB pages PROBE_LA's 4 MiB maps to */
#define PROBE_B		0x00800000u
#define PSE_PAGE	0x83u		/* present, writable, 4 MiB */

struct tss32 {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3;
	u32 eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap;
} __attribute__((packed));
_Static_assert(sizeof(struct tss32) == TSS_SIZE, "32-bit TSS");

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* What the tasks write (the 32-bit code below names them). */
#define RESULTS(X) X(b_ran) X(b_eax) X(b_ds) X(b_ldtval) X(b_ldtr) X(b_tr) X(b_eflags) \
	X(b_cr0) X(b_cr3) X(b_probe) X(a_probe) X(jmp_esi) X(jmp_edi) X(tr_jmp) X(c_ran) X(c_eflags) X(c_link) X(c_tr) \
	X(call_eflags) X(tr_call) X(d_ran) X(d_eflags) X(d_link) X(d_esp) X(int_ebx) \
	X(int_back) X(e_n) X(e_link) X(e_esp) X(tr_end) X(resume) X(bad) X(g_ran) X(g_err) X(g_link) X(g_esp) \
	X(f_tr) X(f_back) X(h_ran) X(h_err) X(h_link) X(h_esp) X(df_back)
#define DEF(n) volatile u32 r_##n;
RESULTS(DEF)
volatile u32 r_e_err[4];

struct tss32 ts_tss[NTASKS] __attribute__((aligned(128)));
u64 ts_gdt[GDT_N] __attribute__((aligned(16)));
u64 ts_ldt[2] __attribute__((aligned(16)));
u64 ts_idt[256] __attribute__((aligned(16)));
struct dtr ts_gdtr, ts_idtr, ts_saved_gdtr, ts_saved_idtr;
u64 ts_saved_rsp, ts_cr3;
u32 ts_pd[1024] __attribute__((aligned(4096)));		/* A, C, D, E */
u32 ts_pd_b[1024] __attribute__((aligned(4096)));	/* B */
u8 ts_stack[NTASKS][4096] __attribute__((aligned(16)));
volatile u32 ts_ldt_magic = LDT_MAGIC;

void ts_run(void);		/* below: 64 -> 32-bit, task A's tests, back to 64 */
void ts_a(void), ts_b(void), ts_c(void), ts_d(void), ts_e(void), ts_f(void), ts_g(void);
void ts_h(void);
void ts_bad(void);

static u64 desc(u64 base, u32 limit, u8 access, u8 flags)
{
	return (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | (u64)access << 40 |
	       (u64)((limit >> 16) & 0xF) << 48 | (u64)(flags & 0xF) << 52 | (base >> 24) << 56;
}

static u64 task_gate(u16 tss)
{
	return (u64)tss << 16 | 0x85ULL << 40;	/* type 5, present, DPL 0 */
}

static u64 intr_gate(void (*fn)(void))
{
	u64 a = (u64)fn;
	return (a & 0xFFFF) | (u64)S_CODE32 << 16 | 0x8EULL << 40 | (a >> 16) << 48;
}

/* The GDT slot of task i's TSS (A, B, C, then the task gate, then D, E, then the LDT). */
static unsigned tss_slot(unsigned i)
{
	static const u16 sel[NTASKS] = { S_TSS_A, S_TSS_B, S_TSS_C, S_TSS_D, S_TSS_E, S_TSS_F,
					 S_TSS_G, S_TSS_H };
	return sel[i] / 8;
}

/* Task i starts at fn on its own stack, flat 32-bit segments, interrupts off. */
static void task_init(unsigned i, void (*fn)(void))
{
	struct tss32 *t = &ts_tss[i];

	t->eip = (u32)(u64)fn;
	t->eflags = 2;
	t->esp = (u32)(u64)(ts_stack[i] + sizeof(ts_stack[i]));
	t->cs = S_CODE32;
	t->ss = t->ds = t->es = t->fs = t->gs = S_DATA;
	t->cr3 = (u32)(u64)(i == 1 ? ts_pd_b : ts_pd);
	t->iomap = TSS_SIZE;
	ts_gdt[tss_slot(i)] = desc((u64)t, TSS_SIZE - 1, 0x89, 0);
}

/* Identity-mapped 4 GiB in 4 MiB pages, but for PROBE_LA's, and a word to tell them apart
 * at PROBE_LA in each (written here through the runtime's identity map). */
static void page_dirs(void)
{
	for (u32 i = 0; i < 1024; i++)
		ts_pd[i] = ts_pd_b[i] = i << 22 | PSE_PAGE;
	ts_pd[PROBE_LA >> 22] = PROBE_A | PSE_PAGE;
	ts_pd_b[PROBE_LA >> 22] = PROBE_B | PSE_PAGE;
	*(volatile u32 *)(u64)(PROBE_A | (PROBE_LA & 0x3FFFFF)) = 0xAAAA1111;
	*(volatile u32 *)(u64)(PROBE_B | (PROBE_LA & 0x3FFFFF)) = 0xBBBB2222;
}

static void tables(void)
{
	asm volatile("mov %%cr3, %0" : "=r"(ts_cr3));
	page_dirs();
	ts_gdt[S_CODE64 / 8] = 0x00AF9A000000FFFFULL;
	ts_gdt[S_DATA / 8] = 0x00CF92000000FFFFULL;
	ts_gdt[S_CODE32 / 8] = 0x00CF9A000000FFFFULL;
	task_init(0, ts_a);
	task_init(1, ts_b);
	task_init(2, ts_c);
	task_init(3, ts_d);
	task_init(4, ts_e);
	task_init(5, ts_f);
	task_init(6, ts_g);
	task_init(7, ts_h);
	ts_tss[5].ss = S_CODE32;	/* not a writable data segment: #TS(0x18) in F */
	ts_gdt[S_GATE_C / 8] = task_gate(S_TSS_C);
	ts_gdt[S_LDT / 8] = desc((u64)ts_ldt, sizeof(ts_ldt) - 1, 0x82, 0);
	/* Not accessed (0x92): the load sets the bit (on a real CPU; not QEMU's TCG). */
	ts_ldt[1] = desc((u64)&ts_ldt_magic, 0xFFF, 0x92, 0x4);
	ts_tss[1].eax = 0xB0B0B0B0;
	ts_tss[1].ds = S_LDT_DATA;
	ts_tss[1].ldt = S_LDT;
	for (unsigned v = 0; v < 256; v++)
		ts_idt[v] = intr_gate(ts_bad);
	ts_idt[8] = task_gate(S_TSS_H);
	ts_idt[10] = task_gate(S_TSS_G);
	ts_idt[13] = task_gate(S_TSS_E);
	ts_idt[V_INT] = task_gate(S_TSS_D);
	ts_gdtr = (struct dtr){ sizeof(ts_gdt) - 1, (u64)ts_gdt };
	ts_idtr = (struct dtr){ sizeof(ts_idt) - 1, (u64)ts_idt };
}

/* The type of the TSS descriptor sel (9 available, 11 busy). */
static unsigned type_of(u16 sel)
{
	return (ts_gdt[sel / 8] >> 40) & 0xF;
}

static void check(void)
{
	rt_check(r_bad == 0, "taskswitch: no unexpected exception in the 32-bit code");
	rt_check(r_b_ran == 1 && r_b_eax == 0xB0B0B0B0 && r_b_tr == S_TSS_B,
		 "taskswitch: jmp to a TSS: task B ran with its TSS's registers, TR = B");
	/* Not checked: the descriptor's accessed bit, which a real CPU sets on the load but
	 * QEMU's task switch does not (the reference here). */
	rt_check(r_b_ldtr == S_LDT && r_b_ds == S_LDT_DATA && r_b_ldtval == LDT_MAGIC,
		 "taskswitch: jmp: B's LDTR, and DS from its LDT (its base)");
	rt_check(r_b_cr3 == (u32)(u64)ts_pd_b && r_b_probe == 0xBBBB2222 && r_a_probe == 0xAAAA1111,
		 "taskswitch: jmp: CR3 from B's TSS, and A's back with A");
	rt_check(!(r_b_eflags & EFLAGS_NT) && (r_b_cr0 & CR0_TS),
		 "taskswitch: jmp: NT clear and CR0.TS set in the new task");
	rt_check(r_jmp_esi == 0xA5A5A5A5 && r_jmp_edi == 0x5A5A5A5A && r_tr_jmp == S_TSS_A,
		 "taskswitch: jmp back to A: its registers saved and restored from its TSS");
	rt_check(r_c_ran == 1 && (r_c_eflags & EFLAGS_NT) && r_c_link == S_TSS_A &&
		 r_c_tr == S_TSS_C, "taskswitch: call through a task gate: task C with NT set "
		 "and back link A");
	rt_check(!(r_call_eflags & EFLAGS_NT) && r_tr_call == S_TSS_A,
		 "taskswitch: iret from C (NT): back in A after the call, NT clear");
	rt_check(r_d_ran == 1 && (r_d_eflags & EFLAGS_NT) && r_d_link == S_TSS_A &&
		 r_d_esp == (u32)(u64)(ts_stack[3] + sizeof(ts_stack[3])),
		 "taskswitch: int 0x80 through an IDT task gate: task D, NT, back link, no error code");
	rt_check(r_int_back == 1 && r_int_ebx == 0x1111,
		 "taskswitch: iret from D: A resumes after its INT with its registers");
	rt_check(r_e_err[0] == S_BEYOND && r_e_link == S_TSS_A &&
		 r_e_esp == (u32)(u64)(ts_stack[4] + sizeof(ts_stack[4])),
		 "taskswitch: #GP through an IDT task gate: error code 0x1f8 on task E's stack");
	rt_check(r_e_n == 2 && r_e_err[1] == S_TSS_A,
		 "taskswitch: jmp to a busy TSS: #GP(0x20) to task E, A resumed");
	rt_check(r_g_ran == 1 && r_g_err == S_CODE32 && r_g_link == S_TSS_F &&
		 r_g_esp == (u32)(u64)(ts_stack[6] + sizeof(ts_stack[6])) && r_f_back == 1,
		 "taskswitch: a bad SS in the new TSS: #TS(0x18) in task F, to task G by its gate");
	/* F's saved EIP is not checked: the SDM has the fault in the new task, before its
	 * first instruction (7.3, step 13), which faultline saves; QEMU's TCG saves the
	 * address of A's JMP instead. */
	rt_check(ts_tss[5].ss == S_CODE32 && !r_f_tr,
		 "taskswitch: #TS in F: the SS its TSS gave saved, F never ran");
	rt_check(r_h_ran == 1 && r_h_err == 0 && r_h_link == S_TSS_A && r_df_back == 1 &&
		 r_h_esp == (u32)(u64)(ts_stack[7] + sizeof(ts_stack[7])) && r_e_n == 2,
		 "taskswitch: #DF (#GP, then #NP on its gate) through an IDT task gate: task H, "
		 "error code 0");
	rt_check(r_tr_end == S_TSS_A && type_of(S_TSS_A) == 11 && type_of(S_TSS_B) == 9 &&
		 type_of(S_TSS_C) == 9 && type_of(S_TSS_D) == 9 && type_of(S_TSS_E) == 9 &&
		 type_of(S_TSS_F) == 11 && type_of(S_TSS_G) == 9 && type_of(S_TSS_H) == 9,
		 "taskswitch: busy bits: A and F (G's back link) busy, B-E, G and H available");
	rt_printf("guest: taskswitch: err 0x%x 0x%x (n=%u), links C 0x%x D 0x%x E 0x%x, B: LDTR "
		  "0x%x DS 0x%x [DS:0] 0x%x LDT[1] 0x%lx; F saved: eip 0x%x (entry 0x%x) ss 0x%x\n",
		  r_e_err[0], r_e_err[1], r_e_n, r_c_link, r_d_link, r_e_link, r_b_ldtr, r_b_ds,
		  r_b_ldtval, ts_ldt[1], ts_tss[5].eip, (u32)(u64)ts_f, ts_tss[5].ss);
}

int main(const char *cmdline)
{
	struct dtr *g;

	asm volatile("cli");
	tables();
	if (rt_arg_has(cmdline, "tss16"))
		ts_gdt[S_TSS_B / 8] = desc((u64)&ts_tss[1], TSS_SIZE - 1, 0x81, 0);
	ts_run();
	/* Back in long mode on the runtime's GDT and IDT: its TSS again (busy since its own
	 * LTR: made available first, SDM Vol. 3A 7.2.4). */
	g = &ts_saved_gdtr;
	((u64 *)g->base)[0x18 / 8] &= ~(2ULL << 40);
	asm volatile("ltr %w0" : : "r"((u16)0x18));
	check();
	return rt_report();
}

/* ts_run (64-bit, called from main): to 32-bit protected mode and back. */
asm(
	".text\n"
	".code64\n"
	".globl ts_run\n"
	"ts_run:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %rsp, ts_saved_rsp(%rip)\n"
	"	sgdt ts_saved_gdtr(%rip)\n"
	"	sidt ts_saved_idtr(%rip)\n"
	"	lgdt ts_gdtr(%rip)\n"
	"	pushq $0x18\n"
	"	lea 1f(%rip), %rax\n"
	"	pushq %rax\n"
	"	lretq\n"
	".code32\n"
	/* Compatibility mode: paging off leaves IA-32e mode, then EFER.LME off. */
	"1:	mov $0x10, %ax; mov %ax, %ds; mov %ax, %es; mov %ax, %ss; mov %ax, %fs; mov %ax, %gs\n"
	"	mov %cr0, %eax; and $0x7FFFFFFF, %eax; mov %eax, %cr0\n"
	"	mov $0xC0000080, %ecx; rdmsr; and $~0x100, %eax; wrmsr\n"
	/* 32-bit paging: PAE off, PSE on, A's page directory. */
	"	mov %cr4, %eax; and $~0x20, %eax; or $0x10, %eax; mov %eax, %cr4\n"
	"	mov $ts_pd, %eax; mov %eax, %cr3\n"
	"	mov %cr0, %eax; or $0x80000000, %eax; mov %eax, %cr0\n"
	"	mov $ts_stack + 4096, %esp\n"
	"	lidt ts_idtr\n"
	"	mov $0x20, %ax; ltr %ax\n"
	"	call ts_a\n"
	"	str %ax; movzwl %ax, %eax; mov %eax, r_tr_end\n"
	"	clts\n"
	/* Back: paging off, PAE, EFER.LME, CR3, paging on (compatibility mode), a far jump
	 * to 64-bit code. */
	"	mov %cr0, %eax; and $0x7FFFFFFF, %eax; mov %eax, %cr0\n"
	"	mov %cr4, %eax; or $0x20, %eax; mov %eax, %cr4\n"
	"	mov $0xC0000080, %ecx; rdmsr; or $0x100, %eax; wrmsr\n"
	"	mov ts_cr3, %eax; mov %eax, %cr3\n"
	"	mov %cr0, %eax; or $0x80000000, %eax; mov %eax, %cr0\n"
	"	ljmp $0x08, $2f\n"
	".code64\n"
	"2:	mov $0x10, %ax; mov %ax, %ds; mov %ax, %es; mov %ax, %ss\n"
	"	mov ts_saved_rsp(%rip), %rsp\n"
	"	lgdt ts_saved_gdtr(%rip)\n"
	"	lidt ts_saved_idtr(%rip)\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"

	/* Task A: the five cases, in order. */
	".code32\n"
	".globl ts_a\n"
	"ts_a:\n"
	"	mov $0xA5A5A5A5, %esi; mov $0x5A5A5A5A, %edi\n"
	"	ljmp $0x28, $0\n"				/* 1. JMP to TSS B */
	"	mov %esi, r_jmp_esi; mov %edi, r_jmp_edi\n"
	"	mov 0x40000FF0, %eax; mov %eax, r_a_probe\n"
	"	str %ax; movzwl %ax, %eax; mov %eax, r_tr_jmp\n"
	"	lcall $0x38, $0\n"				/* 2. CALL via a task gate */
	"	pushf; pop %eax; mov %eax, r_call_eflags\n"
	"	str %ax; movzwl %ax, %eax; mov %eax, r_tr_call\n"
	"	mov $0x1111, %ebx\n"
	"	int $0x80\n"					/* 3. INT n via a task gate */
	"	mov %ebx, r_int_ebx; incl r_int_back\n"
	"	movl $3f, r_resume\n"
	"	mov $0x1F8, %ax; mov %ax, %ds\n"		/* 4. #GP(0x1f8) via a task gate */
	"3:	movl $4f, r_resume\n"
	"	ljmp $0x20, $0\n"				/* 5. JMP to the busy TSS A */
	"4:	ljmp $0x58, $0\n"				/* 6. JMP to F: #TS in F */
	"	incl r_f_back\n"
	"	andb $0x7F, ts_idt + 13 * 8 + 5\n"		/* 7. #GP, #NP: #DF to H */
	"	movl $9f, r_resume\n"
	"	mov $0x1F8, %ax; mov %ax, %ds\n"
	"9:	incl r_df_back\n"
	"	clts\n"
	"	ret\n"

	/* Task B: reached by JMP; reads DS (from its LDT), goes back to A by JMP. */
	".globl ts_b\n"
	"ts_b:\n"
	"	mov %eax, %ebx\n"
	"	mov %ds, %cx\n"
	"	mov %ds:0, %edx\n"
	"	mov $0x10, %ax; mov %ax, %ds\n"
	"	mov %ebx, r_b_eax; movzwl %cx, %ecx; mov %ecx, r_b_ds; mov %edx, r_b_ldtval\n"
	"	sldt %ax; movzwl %ax, %eax; mov %eax, r_b_ldtr\n"
	"	str %ax; movzwl %ax, %eax; mov %eax, r_b_tr\n"
	"	pushf; pop %eax; mov %eax, r_b_eflags\n"
	"	mov %cr0, %eax; mov %eax, r_b_cr0\n"
	"	mov %cr3, %eax; mov %eax, r_b_cr3\n"
	"	mov 0x40000FF0, %eax; mov %eax, r_b_probe\n"
	"	incl r_b_ran\n"
	"	ljmp $0x20, $0\n"
	"	jmp ts_b\n"

	/* Task C: reached by CALL through the task gate; IRET goes back (NT). */
	".globl ts_c\n"
	"ts_c:\n"
	"	pushf; pop %eax; mov %eax, r_c_eflags\n"
	"	movzwl ts_tss + 2 * 0x68, %eax; mov %eax, r_c_link\n"
	"	str %ax; movzwl %ax, %eax; mov %eax, r_c_tr\n"
	"	incl r_c_ran\n"
	"	iret\n"
	"	jmp ts_c\n"

	/* Task D: INT 0x80's task. */
	".globl ts_d\n"
	"ts_d:\n"
	"	pushf; pop %eax; mov %eax, r_d_eflags\n"
	"	movzwl ts_tss + 3 * 0x68, %eax; mov %eax, r_d_link\n"
	"	mov %esp, r_d_esp\n"
	"	incl r_d_ran\n"
	"	iret\n"
	"	jmp ts_d\n"

	/* Task E: #GP's task. Its error code is on its stack; A is resumed at r_resume
	 * (written into A's TSS: the faulting instruction would fault again). */
	".globl ts_e\n"
	"ts_e:\n"
	"	pop %eax\n"
	"	mov r_e_n, %ecx; and $3, %ecx; mov %eax, r_e_err(,%ecx,4); incl r_e_n\n"
	"	movzwl ts_tss + 4 * 0x68, %eax; mov %eax, r_e_link\n"
	"	mov %esp, r_e_esp\n"
	"	mov r_resume, %eax; mov %eax, ts_tss + 0x20\n"
	"	iret\n"
	"	jmp ts_e\n"

	/* Task F: never runs (its SS is bad: #TS before its first instruction). */
	".globl ts_f\n"
	"ts_f:\n"
	"	str %ax; movzwl %ax, %eax; mov %eax, r_f_tr\n"
	"	jmp ts_f\n"

	/* Task G: #TS's task. F cannot be resumed: G records and JMPs to A (available: A
	 * left by JMP), which goes on after its JMP to F. */
	".globl ts_g\n"
	"ts_g:\n"
	"	pop %eax; mov %eax, r_g_err\n"
	"	movzwl ts_tss + 6 * 0x68, %eax; mov %eax, r_g_link\n"
	"	mov %esp, r_g_esp\n"
	"	incl r_g_ran\n"
	"	ljmp $0x20, $0\n"
	"	jmp ts_g\n"

	/* Task H: the double-fault task. Makes IDT 13's gate present again and resumes A. */
	".globl ts_h\n"
	"ts_h:\n"
	"	pop %eax; mov %eax, r_h_err\n"
	"	movzwl ts_tss + 7 * 0x68, %eax; mov %eax, r_h_link\n"
	"	mov %esp, r_h_esp\n"
	"	incl r_h_ran\n"
	"	orb $0x80, ts_idt + 13 * 8 + 5\n"
	"	mov r_resume, %eax; mov %eax, ts_tss + 0x20\n"
	"	iret\n"
	"	jmp ts_h\n"

	/* Any other vector: say so and stop (status 1 on the debug-exit port). */
	".globl ts_bad\n"
	"ts_bad:\n"
	"	incl r_bad\n"
	"	mov $5f, %esi; mov $0x3F8, %dx\n"
	"6:	lodsb; test %al, %al; jz 7f; outb %al, %dx; jmp 6b\n"
	"7:	mov $1, %al; outb %al, $0xF4\n"
	"8:	hlt; jmp 8b\n"
	".section .rodata\n"
	"5:	.asciz \"guest: FAIL taskswitch: an unexpected exception in 32-bit code\\n\"\n"
	".text\n"
	".code64\n"
);
