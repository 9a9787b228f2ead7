/* dev/pit.h: the PC's 8254 programmable interval timer as a guest sees it: three channels at
 * ports 0x40-0x42, the control word at 0x43, and the two bits of port 0x61 (the PIIX's
 * NMI status and control register, "port B") that a PC wires to channel 2: bit 0 its GATE,
 * bit 5 its OUT (what Linux's TSC calibration polls). Channel 0's OUT drives IRQ0; channel 1
 * (DRAM refresh on old PCs) counts but drives nothing.
 *
 * Pure logic (no VMX, no locks, no clock of its own): time is passed in as `now`, in PIT
 * ticks (1.193182 MHz), which the caller derives from the host TSC (vmm/pit.c); so the
 * host unit tests run the same code with a time they choose. The caller holds the VM's lock.
 *
 * pit_init gives the state at power-on: no channel has a count (nothing counts, IRQ0 stays
 * quiet), GATE of channels 0 and 1 tied high as on a PC, GATE2 low until port 0x61 bit 0. */
#ifndef DEV_PIT_H
#define DEV_PIT_H
#include "lib/types.h"

#define PIT_HZ		1193182		/* the PC's 14.31818 MHz / 12 */
#define PIT_BASE	0x40		/* channel 0; 1 and 2 follow; the control word at +3 */
#define PIT_PORT_B	0x61		/* bit 0: GATE2, bit 1: speaker, bit 5: OUT2 */
#define PIT_NEVER	(~0ULL)		/* pit_next_edge: no rising edge to come */

struct pit_chan {
	u8 mode;		/* 0-5 (6 and 7 are taken as 2 and 3) */
	u8 rw;			/* access: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;		/* kept for the status byte only: counting stays binary */
	bool loaded;		/* a count was written since the control word: counting */
	bool null;		/* status bit 6: a count was written but not yet loaded */
	bool wr_hi;		/* rw 3: the next write is the MSB */
	bool rd_hi;		/* rw 3: the next read is the MSB */
	bool latched;		/* a counter-latch command holds `latch` */
	bool latch_hi;		/* rw 3: the latch's LSB was read */
	bool status_latched;	/* a read-back command holds `status` */
	bool trig;		/* modes 1 and 5: GATE's rising edge started the count */
	bool gate;		/* GATE input level */
	u8 wr_lo;		/* rw 3: the LSB written, waiting for the MSB */
	u8 status;
	u16 latch;
	u32 count;		/* the count register, 1..65536 (0 written means 65536) */
	u64 since;		/* when the gate last let counting go on (ticks) */
	u64 held;		/* ticks counted before `since` (counting paused by GATE) */
};

struct pit {
	struct pit_chan ch[3];
	u8 port_b;		/* port 0x61's writable bits 0-3 */
};

void pit_init(struct pit *p);
/* A guest access to ports 0x40-0x43 or 0x61 at time now (other ports read 0xFF). */
u8 pit_read(struct pit *p, u16 port, u64 now);
void pit_write(struct pit *p, u16 port, u8 val, u64 now);
/* Channel ch's OUT level at now. */
bool pit_out(const struct pit *p, unsigned ch, u64 now);
/* The first rising edge of channel ch's OUT strictly after now, or PIT_NEVER (no count,
 * gate low, or a one-shot that has fired). IRQ0 is latched by the 8259 on this edge. */
u64 pit_next_edge(const struct pit *p, unsigned ch, u64 now);

#endif
