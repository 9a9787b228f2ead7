/* drivers/pci.h: PCI configuration space through mechanism #1 (ports 0xCF8/0xCFC, PCI Local
 * Bus spec 3.0 section 3.2.2.3.2) and the one device the hypervisor looks for: the IDE
 * controller that drives the swap disk (drivers/ata.c). The encodings are lib/pcicfg.h's.
 * Nothing else on the bus is touched. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H
#include "lib/types.h"

u8 pci_read8(u32 bus, u32 dev, u32 fn, u32 off);
u16 pci_read16(u32 bus, u32 dev, u32 fn, u32 off);
u32 pci_read32(u32 bus, u32 dev, u32 fn, u32 off);
void pci_write8(u32 bus, u32 dev, u32 fn, u32 off, u8 v);
void pci_write16(u32 bus, u32 dev, u32 fn, u32 off, u16 v);
void pci_write32(u32 bus, u32 dev, u32 fn, u32 off, u32 v);

/* An IDE controller and where its two channels are. */
struct pci_ide {
	u8 bus, dev, fn;
	u16 vendor, device;
	u8 progif;
	u16 bm;			/* bus-master registers (BAR4, I/O space); 0: none usable */
	u16 cmd[2], ctl[2];	/* per channel: command block, device control/alt status */
	u8 irq[2];
	bool native[2];		/* the channel is in PCI native mode (BARs, not 0x1F0/0x170) */
};

/* Scans buses 0-255 (every function of a multifunction device) for the first class 01
 * subclass 01 function; fills out, enables I/O decoding and bus mastering in its command
 * register. Returns 0, or -1 when there is none. */
int pci_find_ide(struct pci_ide *out);

#endif
