/* dev/pic.h: the PC's pair of 8259A interrupt controllers as a guest sees them: the master
 * at ports 0x20/0x21 (IRQ0-7), the slave at 0xA0/0xA1 (IRQ8-15) on the master's IRQ2.
 * Pure logic (no VMX, no locks), shared with the host unit tests; vmm/io.c and vmm/inject.c
 * call it under the VM's lock.
 *
 * An all-zero struct pic is the state at power-on: not initialized, so nothing is delivered
 * until the guest has sent each chip its ICW sequence. Edge-triggered unless the PIIX's ELCR
 * (0x4D0/0x4D1) makes an input level-triggered; fixed priority (IRQ0 highest); auto-EOI is
 * supported. See dev/pic.c for what is left out. */
#ifndef DEV_PIC_H
#define DEV_PIC_H
#include "lib/types.h"

#define PIC_MASTER	0x20	/* command port; data port +1 */
#define PIC_SLAVE	0xA0
#define PIC_ELCR	0x4D0	/* edge/level control: master's, then the slave's at 0x4D1 */
#define PIC_CASCADE	2	/* the master's input the slave's INT drives */

struct i8259 {
	u8 irr, isr, imr;	/* requested, in service, masked; bit n is input n */
	u8 lines;		/* input levels last reported: IRR latches rising edges */
	u8 elcr;		/* ELCR: inputs that are level-triggered */
	u8 base;		/* ICW2: vector of input 0 (bits 3-7) */
	u8 icw3;		/* master: which inputs have a slave; slave: its id */
	u8 next_icw;		/* 2, 3 or 4 while initializing; 0 otherwise */
	bool need_icw4;		/* ICW1 bit 0 */
	bool single;		/* ICW1 bit 1: no ICW3, no cascade */
	bool ready;		/* a whole ICW sequence was received */
	bool aeoi;		/* ICW4 bit 1: EOI at acknowledge */
	bool read_isr;		/* OCW3: command-port reads give ISR (else IRR) */
};

struct pic {
	struct i8259 chip[2];	/* master, slave */
};

/* A guest access to ports 0x20, 0x21, 0xA0, 0xA1, 0x4D0 or 0x4D1 (any other reads 0xFF). */
u8 pic_read(struct pic *p, u16 port);
void pic_write(struct pic *p, u16 port, u8 val);
/* Device input irq (0-15, but 2: the cascade) is now at level: a rising edge requests. */
void pic_set_irq(struct pic *p, unsigned irq, bool level);
/* True when the master's INT output is raised: an interrupt the CPU should take. */
bool pic_pending(const struct pic *p);
/* The CPU's acknowledge (INTA): the highest request goes from IRR to ISR (unless auto-EOI)
 * and its vector is returned. With nothing to give, the chip answers IRQ7's vector, a
 * spurious interrupt with no ISR bit set, as the 8259A does. */
u8 pic_ack(struct pic *p);

#endif
