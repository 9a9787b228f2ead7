/* drivers/pci.c: PCI configuration mechanism #1 and the IDE controller search (see
 * drivers/pci.h). One lock serializes the address/data pair: a CPU that wrote 0xCF8 must
 * read 0xCFC before another CPU writes 0xCF8 again. */
#include "drivers/pci.h"
#include "host/cpu.h"
#include "host/spinlock.h"
#include "lib/pcicfg.h"

#define PCI_ADDR	0xCF8
#define PCI_DATA	0xCFC

static struct spinlock pci_lock = SPINLOCK_INIT;

/* The 8- and 16-bit accesses read the dword's byte lanes at 0xCFC + (off & 3), as the
 * spec's mechanism #1 allows (PCI 3.0 3.2.2.3.2: the data port is byte-addressable). */
u32 pci_read32(u32 bus, u32 dev, u32 fn, u32 off)
{
	u32 v;

	spin_lock(&pci_lock);
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	v = inl(PCI_DATA);
	spin_unlock(&pci_lock);
	return v;
}

u16 pci_read16(u32 bus, u32 dev, u32 fn, u32 off)
{
	u16 v;

	spin_lock(&pci_lock);
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	v = inw((u16)(PCI_DATA + (off & 2)));
	spin_unlock(&pci_lock);
	return v;
}

u8 pci_read8(u32 bus, u32 dev, u32 fn, u32 off)
{
	u8 v;

	spin_lock(&pci_lock);
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	v = inb((u16)(PCI_DATA + (off & 3)));
	spin_unlock(&pci_lock);
	return v;
}

void pci_write32(u32 bus, u32 dev, u32 fn, u32 off, u32 v)
{
	spin_lock(&pci_lock);
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	outl(PCI_DATA, v);
	spin_unlock(&pci_lock);
}

void pci_write16(u32 bus, u32 dev, u32 fn, u32 off, u16 v)
{
	spin_lock(&pci_lock);
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	outw((u16)(PCI_DATA + (off & 2)), v);
	spin_unlock(&pci_lock);
}

void pci_write8(u32 bus, u32 dev, u32 fn, u32 off, u8 v)
{
	spin_lock(&pci_lock);
	outl(PCI_ADDR, pci_cfg_addr(bus, dev, fn, off));
	outb((u16)(PCI_DATA + (off & 3)), v);
	spin_unlock(&pci_lock);
}

/* The legacy (compatibility mode) resources of the two channels: ATA/ATAPI-6 does not fix
 * them, the PC does (PCI IDE Controller Specification 1.0, table 2). */
static const u16 legacy_cmd[2] = { 0x1F0, 0x170 }, legacy_ctl[2] = { 0x3F6, 0x376 };
static const u8 legacy_irq[2] = { 14, 15 };

static void fill(struct pci_ide *d, u32 bus, u32 dev, u32 fn)
{
	d->bus = (u8)bus, d->dev = (u8)dev, d->fn = (u8)fn;
	d->vendor = pci_read16(bus, dev, fn, PCI_VENDOR);
	d->device = pci_read16(bus, dev, fn, PCI_DEVICE);
	d->progif = pci_read8(bus, dev, fn, PCI_PROGIF);
	for (unsigned ch = 0; ch < 2; ch++) {
		d->native[ch] = pci_ide_native(d->progif, ch);
		d->cmd[ch] = legacy_cmd[ch];
		d->ctl[ch] = legacy_ctl[ch];
		d->irq[ch] = legacy_irq[ch];
		if (d->native[ch]) {
			/* Native mode: BAR0/1 (primary) or BAR2/3 (secondary); the control
			 * block BAR points 2 below the device control register (PCI IDE spec
			 * 1.0 section 2.0). */
			u16 c = pci_bar_io(pci_read32(bus, dev, fn, PCI_BAR0 + 8 * ch));
			u16 k = pci_bar_io(pci_read32(bus, dev, fn, PCI_BAR0 + 8 * ch + 4));
			d->cmd[ch] = c;
			d->ctl[ch] = k ? (u16)(k + 2) : 0;
			d->irq[ch] = pci_read8(bus, dev, fn, PCI_IRQ_LINE);
		}
	}
	/* BAR4: the bus-master block, 16 ports, 8 per channel (PIIX datasheet, "Bus Master
	 * IDE Base Address Register"). A prog-if without bit 7 has no bus master. */
	d->bm = pci_ide_busmaster(d->progif) ? pci_bar_io(pci_read32(bus, dev, fn, PCI_BAR0 + 16)) : 0;
	u16 cmd = pci_read16(bus, dev, fn, PCI_COMMAND);
	pci_write16(bus, dev, fn, PCI_COMMAND, cmd | PCI_CMD_IO | (d->bm ? PCI_CMD_MASTER : 0));
}

int pci_find_ide(struct pci_ide *out)
{
	for (u32 bus = 0; bus < 256; bus++) {
		for (u32 dev = 0; dev < 32; dev++) {
			u32 nfn = 1;

			for (u32 fn = 0; fn < nfn; fn++) {
				/* No device answers all-ones (PCI 3.0 6.2.1: 0xFFFF is no vendor). */
				if (pci_read16(bus, dev, fn, PCI_VENDOR) == 0xFFFF)
					continue;
				if (fn == 0 && (pci_read8(bus, dev, 0, PCI_HEADER) & PCI_HEADER_MULTI))
					nfn = 8;
				if (!pci_is_ide(pci_read8(bus, dev, fn, PCI_CLASS),
						pci_read8(bus, dev, fn, PCI_SUBCLASS)))
					continue;
				fill(out, bus, dev, fn);
				return 0;
			}
		}
	}
	return -1;
}
