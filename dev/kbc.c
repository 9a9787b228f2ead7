/* dev/kbc.c: the minimal 8042 behind a VM's ports 0x60/0x64 and the PIIX's port 0x92 (see
 * dev/kbc.h). Commands as the IBM PC AT Technical Reference and the 8042 keyboard
 * controller's documentation list them; a command not listed here is ignored, as is any
 * byte for the keyboard or the mouse (nothing is attached). */
#include "dev/kbc.h"

#define CB_SYS		0x04	/* command byte: the system flag */
#define CB_KBD_OFF	0x10
#define CB_AUX_OFF	0x20
#define OP_RESET	0x01	/* output port: the CPU's reset line, active low */
#define OP_A20		0x02
#define PA_RESET	0x01	/* port 0x92: a 0 -> 1 transition resets (PIIX3, "Port 92h") */

/* After a PC BIOS: interrupts for the keyboard, the system flag, scan-code translation
 * (command byte 0x45); the reset line high, A20 on. */
void kbc_init(struct kbc *k)
{
	*k = (struct kbc){ .outport = OP_RESET | OP_A20, .port_a = 0x02 };
	k->ram[0] = 0x45;
}

static void put(struct kbc *k, u8 v, bool aux)
{
	unsigned i;

	if (k->count == KBC_QUEUE)
		return;		/* a full queue drops, as the one-byte buffer would be overrun */
	i = (k->head + k->count) % KBC_QUEUE;
	k->out[i] = v;
	k->aux = aux ? k->aux | (1u << k->count) : k->aux & ~(1u << k->count);
	k->count++;
}

static u8 take(struct kbc *k)
{
	u8 v;

	if (!k->count)
		return 0;	/* nothing received: reads 0 */
	v = k->out[k->head];
	k->head = (k->head + 1) % KBC_QUEUE;
	k->aux >>= 1;
	k->count--;
	return v;
}

static u8 status(const struct kbc *k)
{
	u8 s = KBC_ST_UNLOCK | (k->ram[0] & CB_SYS ? KBC_ST_SYS : 0);

	if (k->last_cmd)
		s |= KBC_ST_CMD;
	if (k->count)
		s |= KBC_ST_OBF | (k->aux & 1 ? KBC_ST_AUXOBF : 0);
	return s;
}

u8 kbc_read(struct kbc *k, u16 port)
{
	switch (port) {
	case KBC_DATA: return take(k);
	case KBC_CMD: return status(k);
	case KBC_PORT_A: return k->port_a;
	default: return 0xFF;
	}
}

/* ---- commands on port 0x64 ---- */

struct kbc_cmd {
	u8 lo, hi;		/* the command range */
	enum kbc_event (*run)(struct kbc *k, u8 cmd);
};

static enum kbc_event read_ram(struct kbc *k, u8 cmd)
{
	put(k, k->ram[cmd & 0x1F], false);
	return KBC_NONE;
}

static enum kbc_event answer(struct kbc *k, u8 cmd)
{
	put(k, cmd == 0xAA ? 0x55 : 0x00, false);	/* self-test passed; interface OK */
	if (cmd == 0xAA)
		k->ram[0] |= CB_SYS;
	return KBC_NONE;
}

static enum kbc_event disable(struct kbc *k, u8 cmd)
{
	k->ram[0] |= cmd == 0xA7 ? CB_AUX_OFF : CB_KBD_OFF;
	return KBC_NONE;
}

static enum kbc_event enable(struct kbc *k, u8 cmd)
{
	k->ram[0] &= ~(cmd == 0xA8 ? CB_AUX_OFF : CB_KBD_OFF);
	return KBC_NONE;
}

static enum kbc_event read_outport(struct kbc *k, u8 cmd)
{
	(void)cmd;
	put(k, k->outport, false);
	return KBC_NONE;
}

/* 0xF0-0xFF pulse output-port bits 3:0 low where the command's bits are 0; bit 0 is the
 * reset line, so 0xFE (the usual one) resets. */
static enum kbc_event pulse(struct kbc *k, u8 cmd)
{
	(void)k;
	return cmd & OP_RESET ? KBC_NONE : KBC_RESET_CMD;
}

static enum kbc_event wait_data(struct kbc *k, u8 cmd)
{
	k->pending = cmd;
	return KBC_NONE;
}

static enum kbc_event ignored(struct kbc *k, u8 cmd)
{
	(void)k, (void)cmd;
	return KBC_NONE;
}

static const struct kbc_cmd cmds[] = {
	{ 0x20, 0x3F, read_ram },
	{ 0x60, 0x7F, wait_data },	/* write controller RAM (0x60: the command byte) */
	{ 0xA7, 0xA7, disable },	/* mouse off */
	{ 0xA8, 0xA8, enable },
	{ 0xA9, 0xA9, answer },		/* mouse interface test */
	{ 0xAA, 0xAB, answer },		/* self-test, keyboard interface test */
	{ 0xAD, 0xAD, disable },	/* keyboard off */
	{ 0xAE, 0xAE, enable },
	{ 0xD0, 0xD0, read_outport },
	{ 0xD1, 0xD4, wait_data },	/* output port, a keyboard or mouse byte, to the mouse */
	{ 0xF0, 0xFF, pulse },
};

static enum kbc_event command(struct kbc *k, u8 cmd)
{
	k->pending = 0;		/* a command cancels one that waited for data */
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmd >= cmds[i].lo && cmd <= cmds[i].hi)
			return cmds[i].run(k, cmd);
	return ignored(k, cmd);
}

/* A byte on port 0x60: the data of the pending command, else for the keyboard (dropped). */
static enum kbc_event data(struct kbc *k, u8 v)
{
	u8 cmd = k->pending;

	k->pending = 0;
	if (cmd >= 0x60 && cmd <= 0x7F)
		k->ram[cmd & 0x1F] = v;
	else if (cmd == 0xD1) {
		k->outport = v;
		if (!(v & OP_RESET))
			return KBC_RESET_OUTPORT;
	} else if (cmd == 0xD2 || cmd == 0xD3)
		put(k, v, cmd == 0xD3);
	return KBC_NONE;
}

enum kbc_event kbc_write(struct kbc *k, u16 port, u8 val)
{
	bool rise;

	switch (port) {
	case KBC_DATA:
		k->last_cmd = false;
		return data(k, val);
	case KBC_CMD:
		k->last_cmd = true;
		return command(k, val);
	case KBC_PORT_A:
		rise = (val & PA_RESET) && !(k->port_a & PA_RESET);
		k->port_a = val;
		return rise ? KBC_RESET_PORT92 : KBC_NONE;
	default:
		return KBC_NONE;
	}
}
