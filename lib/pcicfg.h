/* lib/pcicfg.h: the pure parts of PCI configuration (PCI Local Bus spec 3.0, ch. 6):
 * the mechanism-#1 address word, BAR decoding, and what an IDE controller's prog-if says
 * about its channels. No port I/O here (that is drivers/pci.c), so the host unit tests
 * compile it as it is. */
#ifndef LIB_PCICFG_H
#define LIB_PCICFG_H
#include "lib/types.h"

/* Configuration header offsets (type 0), PCI 3.0 section 6.1. */
#define PCI_VENDOR	0x00
#define PCI_DEVICE	0x02
#define PCI_COMMAND	0x04
#define PCI_PROGIF	0x09
#define PCI_SUBCLASS	0x0A
#define PCI_CLASS	0x0B
#define PCI_HEADER	0x0E
#define PCI_BAR0	0x10
#define PCI_IRQ_LINE	0x3C

#define PCI_CMD_IO	0x0001	/* respond to I/O space accesses */
#define PCI_CMD_MASTER	0x0004	/* may initiate bus-master cycles (DMA) */
#define PCI_HEADER_MULTI 0x80	/* header type bit 7: functions 1..7 may exist */

/* Class 01 (mass storage), subclass 01 (IDE): the PIIX3/PIIX4 IDE function. */
#define PCI_CLASS_STORAGE 0x01
#define PCI_SUB_IDE	0x01

/* Mechanism #1 (PCI 3.0 section 3.2.2.3.2): bit 31 enable, bus 23:16, device 15:11,
 * function 10:8, dword register 7:2. */
u32 pci_cfg_addr(u32 bus, u32 dev, u32 fn, u32 off);

/* An I/O BAR's port base (bit 0 set, bits 1:0 masked off); 0 for a memory BAR or an
 * unassigned one. */
u16 pci_bar_io(u32 bar);

bool pci_is_ide(u8 class, u8 subclass);

/* IDE prog-if (PCI IDE Controller Specification 1.0, section 2.1): bit 0 primary channel in
 * native mode, bit 2 secondary in native mode (bits 1 and 3 say whether the mode can be
 * changed), bit 7 a bus master is present. */
bool pci_ide_native(u8 progif, unsigned channel);
bool pci_ide_busmaster(u8 progif);

#endif
