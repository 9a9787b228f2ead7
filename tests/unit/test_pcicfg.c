/* tests/unit/test_pcicfg.c: host tests of dev/pcicfg.c, configuration mechanism #1 with the
 * 440FX host bridge at 00:00.0 and the PIIX3 reset control register at 0xCF9.
 *
 * The host bridge's identity by dword, word and byte; the address register's reserved bits;
 * nothing at any other device, function or bus, nor with the enable bit clear; writes
 * dropped; byte accesses to 0xCF8 not taken as the address; the reset bit. */
#include "tests/unit/check.h"
#include "dev/pcicfg.h"

static u32 cfg(u32 bus, u32 dev, u32 fn, u32 off)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | off;
}

static u32 rd(struct pcicfg *c, u32 addr, unsigned port_off, unsigned size)
{
	pcicfg_write(c, 0xCF8, addr, 4);
	return pcicfg_read(c, (u16)(0xCFC + port_off), size);
}

TEST(host_bridge)
{
	struct pcicfg c;

	pcicfg_init(&c);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0), 0, 4), 0x12378086);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0), 0, 2), 0x8086);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0), 2, 2), 0x1237);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0), 3, 1), 0x12);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 8), 0, 4), 0x06000002);	/* class 06/00, rev 02 */
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0x0C), 2, 1), 0x00);	/* header type 0 */
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0x10), 0, 4), 0);		/* no BARs */
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0xFC), 0, 4), 0);
	/* A word at 0xCFE. */
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 4), 2, 2), 0x0280);
}

TEST(nothing_else)
{
	struct pcicfg c;

	pcicfg_init(&c);
	CHECK_EQ(rd(&c, cfg(0, 1, 0, 0), 0, 4), 0xFFFFFFFF);
	CHECK_EQ(rd(&c, cfg(0, 0, 1, 0), 0, 2), 0xFFFFFFFF);
	CHECK_EQ(rd(&c, cfg(1, 0, 0, 0), 0, 4), 0xFFFFFFFF);
	CHECK_EQ(rd(&c, cfg(0, 31, 7, 0), 0, 1), 0xFFFFFFFF);
	CHECK_EQ(rd(&c, 0, 0, 4), 0xFFFFFFFF);			/* enable clear */
	for (u32 d = 1; d < 32; d++)
		CHECK_EQ(rd(&c, cfg(0, d, 0, 0), 0, 2), 0xFFFFFFFF);
}

TEST(address_register)
{
	struct pcicfg c;

	pcicfg_init(&c);
	pcicfg_write(&c, 0xCF8, 0xFFFFFFFF, 4);
	CHECK_EQ(pcicfg_read(&c, 0xCF8, 4), 0x80FFFFFC);
	/* Byte and word accesses are not the address register. */
	pcicfg_write(&c, 0xCF8, 0x80000000, 4);
	pcicfg_write(&c, 0xCF8, 0x12, 1);
	pcicfg_write(&c, 0xCFA, 0x3456, 2);
	CHECK_EQ(pcicfg_read(&c, 0xCF8, 4), 0x80000000);
	CHECK_EQ(pcicfg_read(&c, 0xCF8, 1), 0xFFFFFFFF);
	CHECK_EQ(pcicfg_read(&c, 0xCFB, 1), 0xFFFFFFFF);
}

TEST(writes_dropped)
{
	struct pcicfg c;

	pcicfg_init(&c);
	pcicfg_write(&c, 0xCF8, cfg(0, 0, 0, 0), 4);
	CHECK(!pcicfg_write(&c, 0xCFC, 0, 4));
	pcicfg_write(&c, 0xCF8, cfg(0, 0, 0, 4), 4);
	pcicfg_write(&c, 0xCFC, 0xFFFF, 2);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 0), 0, 4), 0x12378086);
	CHECK_EQ(rd(&c, cfg(0, 0, 0, 4), 0, 2), 0x0006);
}

TEST(reset_control)
{
	struct pcicfg c;

	pcicfg_init(&c);
	CHECK_EQ(pcicfg_read(&c, 0xCF9, 1), 0);
	CHECK(!pcicfg_write(&c, 0xCF9, 0x02, 1));	/* hard reset type, not yet */
	CHECK_EQ(pcicfg_read(&c, 0xCF9, 1), 0x02);
	CHECK(pcicfg_write(&c, 0xCF9, 0x06, 1));	/* the usual 0x02 then 0x06 */
	CHECK_EQ(pcicfg_read(&c, 0xCF9, 1), 0x02);
	CHECK(pcicfg_write(&c, 0xCF9, 0x0E, 1));
	/* A dword at 0xCF8 is the address, never the reset. */
	CHECK(!pcicfg_write(&c, 0xCF8, 0x00000400, 4));
}

int main(void)
{
	RUN(host_bridge);
	RUN(nothing_else);
	RUN(address_register);
	RUN(writes_dropped);
	RUN(reset_control);
	return DONE();
}
