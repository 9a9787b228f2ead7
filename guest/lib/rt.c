/* guest/lib/rt.c: the guest runtime's C side: rt_start (multiboot information, then main), the
 * COM1 console, the debug exit, command-line helpers, the TSC and the PASS/FAIL check
 * counters. See guest/lib/rt.h for the API and the command-line convention. */
#include "guest/lib/rt.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "include/faultline.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MB1_BOOT_MAGIC	0x2BADB002u
#define MBI_MEM		(1u << 0)
#define MBI_CMDLINE	(1u << 2)
#define MBI_MMAP	(1u << 6)
#define MBI_LOADER	(1u << 9)

#define LSR		5		/* line status register, offset from COM1 */
#define LSR_THRE	0x20		/* transmit holding register empty */
#define EXIT_PORT	0xF4
#define PIC1_DATA	0x21		/* 8259 interrupt mask registers */
#define PIC2_DATA	0xA1

/* Multiboot v1 information structure (spec section 3.3); only the fields we read. */
struct mbi {
	u32 flags;
	u32 mem_lower, mem_upper;	/* KiB below 640 KiB / above 1 MiB */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __attribute__((packed));

struct mb_mmap {
	u32 size;			/* of the rest of the entry, not counting this field */
	u64 base, len;
	u32 type;
} __attribute__((packed));

extern u32 rt_boot_magic, rt_boot_info;	/* saved by guest/lib/entry.S */
extern char __image_end[];		/* guest/lib/linker.ld */

unsigned rt_nmmap;
struct rt_region rt_mmap[RT_MMAP_MAX];
static char boot_cmdline[RT_CMDLINE_MAX];
static const char *guest_args = "";	/* after "--" */
static char loader[64];
static u64 mem_upper;
static unsigned npassed, nfailed;
static spinlock_t con_lock;
static volatile u32 con_owner = ~0u;	/* cpu_id() holding con_lock */
static u64 khz;

/* --- console and exit ---------------------------------------------------------------- */

void rt_putc(char c)
{
	/* Bounded: a missing UART must not hang the guest before it can exit. */
	for (int i = 0; i < 100000 && !(inb(RT_COM1 + LSR) & LSR_THRE); i++)
		;
	outb(RT_COM1, c);
}

/* The whole string under the console lock. A vCPU that already holds it (an exception
 * handler interrupted its own rt_puts) prints anyway: a fatal report must come out. */
void rt_puts(const char *s)
{
	u32 me = cpu_id();
	bool mine = __atomic_load_n(&con_owner, __ATOMIC_RELAXED) == me;

	if (!mine) {
		spin_lock(&con_lock);
		con_owner = me;
	}
	while (*s)
		rt_putc(*s++);
	if (!mine) {
		con_owner = ~0u;
		spin_unlock(&con_lock);
	}
}

int rt_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rt_puts(buf);
	if (n >= (int)sizeof(buf))
		rt_puts("...\n");	/* truncated: still end the line */
	return n;
}

void rt_exit_quiet(int status)
{
	outb(EXIT_PORT, status);
	/* The VM should be gone; if the port did nothing, stay stopped. */
	for (;;)
		asm volatile("cli; hlt");
}

void rt_exit(int status)
{
	rt_printf("guest: exit status=%d\n", status);
	rt_exit_quiet(status);
}

/* --- boot information ----------------------------------------------------------------- */

/* Copies a NUL-terminated string from guest-physical pa (identity-mapped below 4 GiB). */
static void copy_str(char *dst, size_t size, u32 pa)
{
	if (pa)
		strlcpy(dst, (const char *)(uintptr_t)pa, size);
}

static void parse_mmap(const struct mbi *mbi)
{
	u64 p = mbi->mmap_addr, end = p + mbi->mmap_length;

	while (p + sizeof(struct mb_mmap) <= end && rt_nmmap < RT_MMAP_MAX) {
		const struct mb_mmap *e = (const void *)(uintptr_t)p;

		if (e->size < sizeof(*e) - sizeof(e->size))
			break;			/* malformed: stop rather than loop */
		rt_mmap[rt_nmmap++] = (struct rt_region){ e->base, e->len, e->type };
		if (e->type == 1 && e->base + e->len > mem_upper)
			mem_upper = e->base + e->len;
		p += e->size + sizeof(e->size);
	}
}

static void parse_mbi(u32 pa)
{
	const struct mbi *mbi = (const void *)(uintptr_t)pa;

	if (!pa)
		return;
	if (mbi->flags & MBI_CMDLINE)
		copy_str(boot_cmdline, sizeof(boot_cmdline), mbi->cmdline);
	if (mbi->flags & MBI_LOADER)
		copy_str(loader, sizeof(loader), mbi->boot_loader_name);
	if (mbi->flags & MBI_MMAP)
		parse_mmap(mbi);
	/* No map: fall back to the contiguous RAM above 1 MiB that mem_upper describes. */
	if (!mem_upper && (mbi->flags & MBI_MEM))
		mem_upper = 0x100000 + (u64)mbi->mem_upper * 1024;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The text after the first "--" word, blanks skipped; "" without one. */
static const char *guest_cmdline(const char *s)
{
	for (const char *p = s; *p; p++) {
		bool starts = p == s || is_blank(p[-1]);

		if (starts && p[0] == '-' && p[1] == '-' && (!p[2] || is_blank(p[2]))) {
			for (p += 2; is_blank(*p); p++)
				;
			return p;
		}
	}
	return "";
}

const char *rt_boot_cmdline(void)
{
	return boot_cmdline;
}

const char *rt_loader(void)
{
	return loader;
}

u64 rt_mem_upper(void)
{
	return mem_upper;
}

u64 rt_image_end(void)
{
	return (u64)__image_end;
}

bool rt_on_faultline(void)
{
	u32 a, b, c, d;

	rt_cpuid(FL_CPUID_BASE, 0, &a, &b, &c, &d);
	return b == FL_SIGNATURE_EBX && c == FL_SIGNATURE_ECX && d == FL_SIGNATURE_EDX;
}

/* Elsewhere (QEMU, whose firmware leaves the 8259's timer unmasked on vector 8) an STI
 * would bring in interrupts no guest expects, the timer's looking like a #DF. faultline's
 * virtual 8259 delivers nothing until a guest initializes it (guest/lib/uart.c does, for the
 * echo guest), so the runtime leaves it alone there. */
static void pic_mask(void)
{
	if (rt_on_faultline())
		return;
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}

void rt_start(u32 magic, u32 info)
{
	smp_init_bsp();		/* first: cpu_id() (the console lock too) reads through GS */
	trap_init();
	if (magic != MB1_BOOT_MAGIC) {
		rt_printf("guest: bad multiboot magic 0x%x\n", magic);
		rt_exit(EXIT_EXCEPTION);
	}
	pic_mask();
	parse_mbi(info);
	guest_args = guest_cmdline(boot_cmdline);
	rt_exit(main(guest_args));
}

/* --- command-line values -------------------------------------------------------------- */

static bool parse_u64(const char *s, u64 *val)
{
	unsigned base = 10;
	u64 v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s && !is_blank(*s); s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return false;
		v = v * base + d;
	}
	if (!digits)
		return false;
	*val = v;
	return true;
}

bool rt_arg_u64(const char *cmdline, const char *key, u64 *val)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || is_blank(p[-1])) && !strncmp(p, key, klen) && p[klen] == '=')
			return parse_u64(p + klen + 1, val);
	}
	return false;
}

bool rt_arg_has(const char *s, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = s; *p; p++)
		if ((p == s || is_blank(p[-1])) && !strncmp(p, word, len) &&
		    (!p[len] || is_blank(p[len])))
			return true;
	return false;
}

const char *rt_cmdline(void)
{
	return guest_args;
}

/* --- time ------------------------------------------------------------------------------ */

u64 rt_tsc_khz(void)
{
	if (!khz) {
		s64 r = rt_on_faultline() ? rt_hypercall(FL_HC_TSC_KHZ, 0, 0, 0, 0) : 0;

		khz = r > 0 ? (u64)r : 1000000;
	}
	return khz;
}

u64 rt_tsc_us(u64 ticks)
{
	u64 k = rt_tsc_khz();

	return ticks / k * 1000 + ticks % k * 1000 / k;
}

/* --- checks ------------------------------------------------------------------------------ */

bool rt_check_at(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		__atomic_add_fetch(&npassed, 1, __ATOMIC_RELAXED);
		rt_printf("guest: PASS %s\n", what);
	} else {
		__atomic_add_fetch(&nfailed, 1, __ATOMIC_RELAXED);
		rt_printf("guest: FAIL %s (%s:%d)\n", what, file, line);
	}
	return ok;
}

bool rt_check_eq_at(s64 got, s64 want, const char *what, const char *file, int line)
{
	bool ok = rt_check_at(got == want, what, file, line);

	if (!ok)
		rt_printf("guest:   got %ld (0x%lx), want %ld (0x%lx)\n", got, (u64)got, want,
			  (u64)want);
	return ok;
}

int rt_report(void)
{
	rt_printf("guest: %u passed, %u failed\n", npassed, nfailed);
	return nfailed ? 1 : 0;
}
