/* dev/ioapic.h: the PC's I/O APIC as a guest sees it (Intel 82093AA datasheet, and the
 * version-0x20 parts of later chipsets: ICH/PCH "I/O APIC" registers): 24 input pins, each
 * with a 64-bit redirection entry that turns the pin's interrupt into a message to local
 * APICs; reached through the index/data pair IOREGSEL (offset 0x00) and IOWIN (0x10) of its
 * MMIO page, plus the EOI register (0x40) of version 0x20.
 *
 * Pure logic (no VMX, no locks): vmm/vioapic.c owns the page, the lock and the delivery.
 * An input is the wire's asserted state as the board drives it (the MADT describes every
 * wire as the ISA bus's active-high edge); the polarity bit is kept for reads and does not
 * invert it, as in a PC where the board's wiring matches what the tables say.
 *
 * Edge pins fire on a rising edge while unmasked (an edge while masked is lost, as on the
 * chip). Level pins fire while asserted and unmasked with remote IRR clear; the message
 * sets remote IRR, and only the EOI of its vector (a local APIC's EOI broadcast, or the EOI
 * register) clears it, so a level source is delivered once per EOI, never in a loop. */
#ifndef DEV_IOAPIC_H
#define DEV_IOAPIC_H
#include "lib/types.h"
#include "dev/lapic.h"

#define IOAPIC_PINS	24
#define IOAPIC_VERSION	0x20		/* as QEMU's pc machine's; has the EOI register */
#define IOAPIC_REGSEL	0x00
#define IOAPIC_WIN	0x10
#define IOAPIC_EOI	0x40

/* Redirection entry bits (82093AA 3.2.4). */
#define RTE_VECTOR(e)	((u8)(e))
#define RTE_DM(e)	(((e) >> 8) & 7)
#define RTE_LOGICAL	(1ULL << 11)
#define RTE_PENDING	(1ULL << 12)	/* delivery status: read-only */
#define RTE_LOW		(1ULL << 13)	/* polarity: kept, not applied (above) */
#define RTE_RIRR	(1ULL << 14)	/* remote IRR: read-only */
#define RTE_LEVEL	(1ULL << 15)
#define RTE_MASKED	(1ULL << 16)
#define RTE_DEST(e)	((u8)((e) >> 56))

struct ioapic {
	u32 id;				/* ID register bits 27:24 */
	u32 sel;			/* IOREGSEL */
	u64 rte[IOAPIC_PINS];
	u32 lines;			/* bit n: pin n asserted */
};

/* Reset: every pin masked, edge, vector 0; ID id. */
void ioapic_init(struct ioapic *io, u32 id);
/* A 32-bit MMIO access at offset off of the page (other offsets read 0, writes are lost).
 * A write returns the pins that fire because of it (an unmasked level pin still asserted;
 * the EOI register's end of a vector), for ioapic_message. */
u32 ioapic_read(struct ioapic *io, u32 off);
u32 ioapic_write(struct ioapic *io, u32 off, u32 val);
/* Pin's wire is now asserted or not; returns the pins that fire (0 or 1 << pin). */
u32 ioapic_set_irq(struct ioapic *io, unsigned pin, bool asserted);
/* A level-triggered vector ended (an EOI): remote IRR clears on every level pin with that
 * vector; returns those that fire again (still asserted, unmasked). */
u32 ioapic_eoi(struct ioapic *io, u8 vector);
/* The message of a pin that fires (for the caller to route): sets its remote IRR when it is
 * level-triggered. *level says so (the target's TMR). False: a delivery mode the model does
 * not send (SMI, ExtINT, reserved), the interrupt is dropped and counted by the caller. */
bool ioapic_message(struct ioapic *io, unsigned pin, struct lapic_ipi *m, bool *level);

#endif
