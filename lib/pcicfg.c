/* lib/pcicfg.c: PCI configuration encodings (see lib/pcicfg.h). */
#include "lib/pcicfg.h"

u32 pci_cfg_addr(u32 bus, u32 dev, u32 fn, u32 off)
{
	return 0x80000000u | (bus & 0xFF) << 16 | (dev & 0x1F) << 11 | (fn & 7) << 8 |
	       (off & 0xFC);
}

u16 pci_bar_io(u32 bar)
{
	/* PCI 3.0 section 6.2.5.1: bit 0 = 1 is I/O space, the address is bits 31:2; x86 ports
	 * are 16 bits, so anything above is not a port a BIOS would assign. */
	if (!(bar & 1) || (bar & 0xFFFF0000u))
		return 0;
	return (u16)(bar & 0xFFFC);
}

bool pci_is_ide(u8 class, u8 subclass)
{
	return class == PCI_CLASS_STORAGE && subclass == PCI_SUB_IDE;
}

bool pci_ide_native(u8 progif, unsigned channel)
{
	return progif & (channel ? 0x04 : 0x01);
}

bool pci_ide_busmaster(u8 progif)
{
	return progif & 0x80;
}
