/* dev/kbc.h: the PC's 8042 keyboard controller as a guest sees it, minimal: the status and
 * command port 0x64, the data port 0x60, and beside it the PC's other reset and A20 latch,
 * system control port A at 0x92 (Intel PIIX3 datasheet, "Port 92h"). No keyboard and no
 * mouse are attached: what a guest writes to the devices is dropped, and nothing is ever
 * received from them (so IRQ1 and IRQ12 are never raised).
 *
 * What is there is what an operating system's probe and its reboot path use: the status
 * byte (output buffer full, input buffer always empty: the controller takes each byte at
 * once, system flag), the controller's RAM (command byte 0x20 / 0x60), self-test (0xAA ->
 * 0x55), interface tests (0xAB, 0xA9 -> 0x00), the enable/disable commands, the output
 * port (0xD0 / 0xD1) and the reset: command 0xFE (any 0xF0-0xFF with bit 0 clear pulses the
 * output port's reset line), an output-port write with bit 0 clear, or port 0x92 bit 0 set.
 * A reset is returned to the caller (vmm/io.c), which stops the VM: a VM is not rebooted.
 *
 * Pure logic; the caller holds the VM's lock. */
#ifndef DEV_KBC_H
#define DEV_KBC_H
#include "lib/types.h"

#define KBC_DATA	0x60
#define KBC_CMD		0x64	/* read: status; write: a controller command */
#define KBC_PORT_A	0x92	/* system control port A: bit 0 fast reset, bit 1 A20 */
#define KBC_QUEUE	8

#define KBC_ST_OBF	0x01	/* output buffer full: port 0x60 has a byte */
#define KBC_ST_IBF	0x02	/* input buffer full: never (taken at once) */
#define KBC_ST_SYS	0x04	/* system flag: POST passed (command byte bit 2) */
#define KBC_ST_CMD	0x08	/* the last write was to port 0x64 */
#define KBC_ST_UNLOCK	0x10	/* keyboard not inhibited (the key lock) */
#define KBC_ST_AUXOBF	0x20	/* the byte in the output buffer is the mouse's */

enum kbc_event { KBC_NONE, KBC_RESET_CMD, KBC_RESET_OUTPORT, KBC_RESET_PORT92 };

struct kbc {
	u8 ram[32];		/* controller RAM; byte 0 is the command byte */
	u8 out[KBC_QUEUE];	/* bytes for port 0x60, oldest at head */
	u8 aux;			/* bit i: out[(head + i) % KBC_QUEUE] is the mouse's */
	u8 head, count;
	u8 pending;		/* a command waiting for its data byte on port 0x60; 0: none */
	u8 outport;		/* 8042 output port: bit 0 reset (active low), bit 1 A20 */
	u8 port_a;		/* port 0x92 */
	bool last_cmd;		/* status bit 3 */
};

void kbc_init(struct kbc *k);
/* A guest access to ports 0x60, 0x64 or 0x92 (others read 0xFF). A write may ask for a reset
 * of the machine: the event says which way. */
u8 kbc_read(struct kbc *k, u16 port);
enum kbc_event kbc_write(struct kbc *k, u16 port, u8 val);

#endif
