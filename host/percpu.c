/* host/percpu.c: per-CPU data, GDT and TSS. Each CPU gets its own GDT because the TSS
 * descriptor's busy bit is per TSS (SDM Vol. 3A 8.2.2) and each TSS has its own IST stacks. */
#include "host/percpu.h"
#include "host/cpu.h"
#include "lib/string.h"

struct cpu cpus[MAX_CPUS];
u32 ncpus = 1;
volatile u32 ncpus_online;
static bool gs_ready;

u32 cpu_index(void)
{
	return gs_ready ? this_cpu()->index : 0;
}

void percpu_init(struct cpu *c, u32 index)
{
	c->self = c;
	c->index = index;
	wrmsr(MSR_GS_BASE, (u64)c);
	if (index == 0)
		gs_ready = true;
}

static u64 tss_desc_lo(u64 base, u32 limit)
{
	/* 64-bit available TSS (type 9), present, DPL 0: SDM Vol. 3A 8.2.3. */
	return (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
	       ((u64)((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
}

void gdt_load(struct cpu *c)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr;

	memset(&c->tss, 0, sizeof(c->tss));
	for (int i = 0; i < 3; i++)
		c->tss.ist[i] = c->ist_hi[i];
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */

	c->gdt[0] = 0;
	c->gdt[1] = 0x00AF9A000000FFFFULL; /* 64-bit code, DPL 0 */
	c->gdt[2] = 0x00CF92000000FFFFULL; /* data */
	c->gdt[3] = tss_desc_lo((u64)&c->tss, sizeof(c->tss) - 1);
	c->gdt[4] = (u64)&c->tss >> 32;

	gdtr.limit = sizeof(c->gdt) - 1;
	gdtr.base = (u64)c->gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(SEL_CODE), "r"(SEL_DATA), "r"(SEL_TSS)
			 : "rax", "memory");
	/* Loading a data selector into GS would zero the GS base: leave GS alone. */
}
