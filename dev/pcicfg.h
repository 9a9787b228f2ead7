/* dev/pcicfg.h: PCI configuration mechanism #1 as a guest sees it (PCI Local Bus
 * Specification 3.0, section 3.2.2.3.2): the address register at 0xCF8 (dword accesses
 * only) and the data window 0xCFC-0xCFF (byte, word or dword), with one device behind it:
 * an Intel 440FX host bridge (82441FX PMC: vendor 0x8086, device 0x1237, class 06/00,
 * header type 0, single function) at 00:00.0, whose configuration space is read-only.
 * Every other bus, device and function reads all ones (no device answers: a master abort);
 * writes to configuration space are dropped. Not the hypervisor's own PCI access to the
 * machine's devices (drivers/pci.c, with the encodings of lib/pcicfg.h): this is a model.
 *
 * The same port window holds the PIIX3's reset control register at 0xCF9 (byte accesses:
 * Intel 82371SB PIIX3 datasheet, "Reset Control Register"): writing bit 2 (reset CPU) set
 * asks for a reset, which the caller (vmm/io.c) turns into a VM stop. Byte and word
 * accesses to 0xCF8, 0xCFA and 0xCFB reach nothing: they read all ones.
 *
 * Pure logic; the caller holds the VM's lock. */
#ifndef DEV_PCICFG_H
#define DEV_PCICFG_H
#include "lib/types.h"

#define PCICFG_ADDR	0xCF8
#define PCICFG_RESET	0xCF9	/* byte: the PIIX3's reset control register */
#define PCICFG_DATA	0xCFC

struct pcicfg {
	u32 addr;		/* the address register: enable, bus, device, function, dword */
	u8 rc;			/* the reset control register's bits 1 and 3 (bit 2 self-clears) */
	u8 host[64];		/* the host bridge's header (the rest of its space reads 0) */
};

void pcicfg_init(struct pcicfg *c);
/* A guest access of size bytes (1, 2, 4) at port (0xCF8-0xCFF). */
u32 pcicfg_read(struct pcicfg *c, u16 port, unsigned size);
/* True: a write to 0xCF9 with bit 2 set, a reset of the machine. */
bool pcicfg_write(struct pcicfg *c, u16 port, u32 val, unsigned size);

#endif
