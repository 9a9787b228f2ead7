/* guest/tests/stock/fwcfg.c: QEMU's firmware configuration interface, the traditional I/O
 * one (QEMU docs/specs/fw_cfg.txt): a 16-bit selector written to port 0x510, then the item
 * read a byte at a time from port 0x511, little-endian. Checked: the signature "QEMU" at
 * selector 0, the ID's traditional-interface bit, the CPU count (0x05; compared with the
 * MADT and the CPUs started in smp.c) and the RAM size (0x03), against the multiboot memory
 * map and, with "ram=MIB" on the guest's command line, against what the test asked for. */
#include "guest/tests/stock/stock.h"

#define FWCFG_SEL	0x510
#define FWCFG_DATA	0x511
#define FW_SIGNATURE	0x00
#define FW_ID		0x01
#define FW_RAM_SIZE	0x03
#define FW_NB_CPUS	0x05
#define FW_MAX_CPUS	0x0F

static u64 fw_read(u16 key, unsigned len)	/* len <= 8 */
{
	u64 v = 0;

	outw(FWCFG_SEL, key);
	for (unsigned i = 0; i < len; i++)
		v |= (u64)inb(FWCFG_DATA) << (8 * i);
	return v;
}

void fwcfg_test(void)
{
	u64 sig = fw_read(FW_SIGNATURE, 4), ram, want;
	u64 top = rt_mem_upper();

	st.fwcfg = sig == 0x554D4551;		/* "QEMU" */
	if (!check("fwcfg", st.fwcfg, "signature at selector 0 is \"QEMU\" (read 0x%08lx)", sig))
		return;
	check("fwcfg", fw_read(FW_ID, 4) & 1, "ID says the traditional I/O interface is there");
	st.fwcfg_cpus = (unsigned)fw_read(FW_NB_CPUS, 2);
	note("fwcfg", "nb_cpus %u, max_cpus %lu", st.fwcfg_cpus, fw_read(FW_MAX_CPUS, 2));
	check("fwcfg", st.fwcfg_cpus >= 1 && st.fwcfg_cpus <= 255, "nb_cpus %u is a CPU count",
	      st.fwcfg_cpus);
	ram = st.fwcfg_ram = fw_read(FW_RAM_SIZE, 8);
	note("fwcfg", "ram_size %lu MiB (0x%lx); the memory map's RAM ends at 0x%lx", ram >> 20,
	     ram, top);
	/* The map may hold back the top of RAM for the firmware's tables, not more than 1/8. */
	check("fwcfg", top && top <= ram && ram - top <= ram / 8,
	      "ram_size covers the multiboot map's RAM (ends 0x%lx of 0x%lx)", top, ram);
	if (rt_arg_u64(rt_cmdline(), "ram", &want))
		check("fwcfg", ram == want << 20, "ram_size is the %lu MiB the machine was given",
		      want);
}
