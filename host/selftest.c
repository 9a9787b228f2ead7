/* host/selftest.c: deliberate faults (`selftest=`), so the tests can prove that an
 * exception in the hypervisor produces a register dump and a symbolized backtrace. Each is
 * noinline so the backtrace has the frames selftest_X <- selftest_run <- kmain. `disk` is no
 * fault: the swap disk's check (drivers/disktest.c), here so it shares the key. */
#include "drivers/ata.h"
#include "host/config.h"
#include "host/log.h"
#include "host/trap.h"

static volatile u64 sink;

static void __attribute__((noinline)) selftest_bp(void)
{
	__asm__ volatile("int3");
}

static void __attribute__((noinline)) selftest_ud(void)
{
	__asm__ volatile("ud2");
}

static void __attribute__((noinline)) selftest_pf(void)
{
	/* 1 TiB: PML4 entry 2, which the boot page tables leave not present. */
	sink = *(volatile u64 *)0x10000000000ULL;
}

static void __attribute__((noinline)) selftest_gp(void)
{
	sink = *(volatile u64 *)0x8000000000000000ULL; /* non-canonical: #GP, not #PF */
}

static void __attribute__((noinline)) selftest_de(void)
{
	volatile u64 zero = 0;
	sink = 1 / zero;
}

static void __attribute__((noinline)) selftest_panic(void)
{
	panic("selftest: deliberate panic");
}

static void __attribute__((noinline)) selftest_reboot(void)
{
	fl_reboot();	/* the monitor's reboot, without a monitor: QEMU -no-reboot then exits */
}

static void (*const tests[])(void) = {
	[SELFTEST_BP] = selftest_bp,	[SELFTEST_UD] = selftest_ud,
	[SELFTEST_PF] = selftest_pf,	[SELFTEST_GP] = selftest_gp,
	[SELFTEST_DE] = selftest_de,	[SELFTEST_PANIC] = selftest_panic,
	[SELFTEST_REBOOT] = selftest_reboot,	[SELFTEST_DISK] = ata_selftest,
};

void __attribute__((noinline)) selftest_run(u64 mask)
{
	for (unsigned i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!(mask & (1ULL << i)))
			continue;
		pr_info("selftest: running test %u", i);
		tests[i]();
	}
}
