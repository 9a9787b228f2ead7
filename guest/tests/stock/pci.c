/* guest/tests/stock/pci.c: PCI configuration mechanism #1 (PCI Local Bus 3.0 section 3.2.2.3.2:
 * the dword address with bit 31 set written to 0xCF8, the data read at 0xCFC): the host
 * bridge at 00:00.0 is Intel's (vendor 0x8086) with class 06/00, and an absent function
 * reads vendor 0xFFFF. Bus 0's functions are counted and listed, for the log. */
#include "guest/tests/stock/stock.h"

#define PCI_ADDR	0xCF8
#define PCI_DATA	0xCFC

static u32 cfg_read(unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (off & 0xFC));
	return inl(PCI_DATA);
}

void pci_test(void)
{
	u32 id = cfg_read(0, 0, 0), class = cfg_read(0, 0, 8) >> 8;
	unsigned found = 0;

	note("pci", "00:00.0 %04x:%04x class %06x", id & 0xFFFF, id >> 16, class);
	check("pci", (id & 0xFFFF) == 0x8086, "00:00.0 vendor is 8086 (Intel)");
	check("pci", class == 0x060000, "00:00.0 class 06/00: a host bridge");
	check("pci", inl(PCI_ADDR) == 0x80000008u, "0xCF8 reads back the address written");
	for (unsigned dev = 0; dev < 32; dev++) {
		u32 v = cfg_read(dev, 0, 0);

		if ((v & 0xFFFF) == 0xFFFF)
			continue;
		found++;
		note("pci", "00:%02x.0 %04x:%04x", dev, v & 0xFFFF, v >> 16);
	}
	check("pci", cfg_read(31, 7, 0) == 0xFFFFFFFF, "00:1f.7 (no such function) reads all ones");
	note("pci", "%u device(s) on bus 0", found);
}
