/* host/cpu.h: thin wrappers over the x86 instructions C cannot express (port I/O, MSRs,
 * control registers, CPUID, TSC). Nothing here has state. */
#ifndef HOST_CPU_H
#define HOST_CPU_H
#include "lib/types.h"
#include "lib/x86regs.h"

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
/* String I/O of n 16-bit words: the ATA data register's PIO transfers (drivers/ata.c). */
static inline void insw(u16 port, void *buf, u64 n)
{
	__asm__ volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}
static inline void outsw(u16 port, const void *buf, u64 n)
{
	__asm__ volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#define DEFINE_CR(n)                                                          \
	static inline u64 read_cr##n(void)                                    \
	{                                                                     \
		u64 v;                                                        \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));             \
		return v;                                                     \
	}                                                                     \
	static inline void write_cr##n(u64 v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline u64 read_rflags(void)
{
	u64 v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* An IRET to the next instruction, on this stack: the only thing that ends NMI blocking.
 * A VM exit caused by an NMI leaves NMIs blocked in VMX root (SDM Vol. 3C 28.1 / 25.3);
 * without this, the next NMI to this CPU would never arrive. */
static inline void nmi_unblock(void)
{
	u64 t1, t2;
	__asm__ volatile("mov %%rsp, %0\n\t"
			 "mov %%ss, %k1\n\t"
			 "pushq %1\n\t"
			 "pushq %0\n\t"
			 "pushfq\n\t"
			 "mov %%cs, %k1\n\t"
			 "pushq %1\n\t"
			 "lea 1f(%%rip), %1\n\t"
			 "pushq %1\n\t"
			 "iretq\n"
			 "1:"
			 : "=&r"(t1), "=&r"(t2) : : "memory", "cc");
}

#define MSR_APIC_BASE		0x01B
#define MSR_FEATURE_CONTROL	0x03A
#define MSR_EFER		0xC0000080
#define MSR_FS_BASE		0xC0000100
#define MSR_GS_BASE		0xC0000101

#define RFLAGS_IF		(1u << 9)

#endif
