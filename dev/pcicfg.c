/* dev/pcicfg.c: configuration mechanism #1 with one host bridge behind it (see
 * dev/pcicfg.h). The header's fields and their offsets are PCI 3.0's (section 6.1); the
 * host bridge's values are the 82441FX's power-on defaults (Intel 440FX PCIset datasheet,
 * "PMC configuration registers"). */
#include "dev/pcicfg.h"
#include "lib/pcicfg.h"

#define ADDR_ENABLE	0x80000000u
#define ADDR_MASK	0x80FFFFFCu	/* bits 30:24 reserved, 1:0 read-only 0 (PCI 3.0) */
#define RC_RESET_CPU	0x04		/* PIIX3 reset control: a 0 -> 1 transition resets */
#define RC_KEPT		0x0A		/* bits 1 (hard reset) and 3 (full reset) read back */

struct field {
	u8 off, size;
	u32 val;
};

/* The 82441FX's header: memory and bus-master enabled, status "fast back-to-back capable,
 * medium DEVSEL timing", revision 02, class host bridge. */
static const struct field i440fx[] = {
	{ PCI_VENDOR, 2, 0x8086 },
	{ PCI_DEVICE, 2, 0x1237 },
	{ PCI_COMMAND, 2, 0x0006 },
	{ 0x06, 2, 0x0280 },		/* status */
	{ 0x08, 1, 0x02 },		/* revision */
	{ PCI_SUBCLASS, 1, 0x00 },	/* host bridge ... */
	{ PCI_CLASS, 1, 0x06 },		/* ... of class bridge */
	{ PCI_HEADER, 1, 0x00 },	/* type 0, one function */
};

void pcicfg_init(struct pcicfg *c)
{
	*c = (struct pcicfg){ 0 };
	for (unsigned i = 0; i < sizeof(i440fx) / sizeof(i440fx[0]); i++)
		for (unsigned b = 0; b < i440fx[i].size; b++)
			c->host[i440fx[i].off + b] = (u8)(i440fx[i].val >> (8 * b));
}

/* The configuration space byte the address register and the port select; -1: no device.
 * A bus other than 0 would be a type 1 cycle to a bridge behind it: there is none. */
static int cfg_byte(const struct pcicfg *c, unsigned reg)
{
	u32 a = c->addr;
	unsigned bus = (a >> 16) & 0xFF, dev = (a >> 11) & 0x1F, fn = (a >> 8) & 7;

	if (!(a & ADDR_ENABLE) || bus || dev || fn)
		return -1;
	return reg < sizeof(c->host) ? c->host[reg] : 0;
}

u32 pcicfg_read(struct pcicfg *c, u16 port, unsigned size)
{
	u32 v = 0;

	if (port == PCICFG_ADDR && size == 4)
		return c->addr;
	if (port == PCICFG_RESET && size == 1)
		return c->rc;
	if (port < PCICFG_DATA || port + size > PCICFG_DATA + 4)
		return 0xFFFFFFFF;	/* not the address register, not the data window */
	for (unsigned b = 0; b < size; b++) {
		int x = cfg_byte(c, (c->addr & 0xFC) + (port - PCICFG_DATA) + b);
		if (x < 0)
			return 0xFFFFFFFF;	/* master abort: all ones */
		v |= (u32)x << (8 * b);
	}
	return v;
}

bool pcicfg_write(struct pcicfg *c, u16 port, u32 val, unsigned size)
{
	if (port == PCICFG_ADDR && size == 4) {
		c->addr = val & ADDR_MASK;
	} else if (port == PCICFG_RESET && size == 1) {
		bool reset = (val & RC_RESET_CPU) && !(c->rc & RC_RESET_CPU);
		c->rc = val & RC_KEPT;
		return reset;
	}
	return false;		/* the host bridge's space is read-only; the rest is nothing */
}
