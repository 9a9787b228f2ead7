/* tests/unit/test_kbc.c: host tests of dev/kbc.c, the minimal 8042 behind ports 0x60/0x64
 * and port 0x92.
 *
 * The status byte of an idle controller; the command byte read and written; self-test and
 * interface tests; disable/enable; the output buffer's order and its empty read; bytes for
 * the (absent) keyboard dropped; and every way to reset: 0xFE, other even 0xFx pulses, an
 * output-port write with bit 0 clear, port 0x92 bit 0 rising. */
#include "tests/unit/check.h"
#include "dev/kbc.h"

TEST(idle_status)
{
	struct kbc k;

	kbc_init(&k);
	u8 s = kbc_read(&k, 0x64);
	CHECK_EQ(s & (KBC_ST_OBF | KBC_ST_IBF), 0);
	CHECK(s & KBC_ST_SYS);
	CHECK_EQ(kbc_read(&k, 0x60), 0);
	CHECK_EQ(kbc_read(&k, 0x61), 0xFF);
}

TEST(command_byte)
{
	struct kbc k;

	kbc_init(&k);
	CHECK_EQ(kbc_write(&k, 0x64, 0x20), KBC_NONE);
	CHECK(kbc_read(&k, 0x64) & KBC_ST_OBF);
	CHECK(kbc_read(&k, 0x64) & KBC_ST_CMD);
	CHECK_EQ(kbc_read(&k, 0x60), 0x45);
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_OBF));
	kbc_write(&k, 0x64, 0x60);
	kbc_write(&k, 0x60, 0x30);		/* both off, no interrupts, SYS clear */
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_SYS));
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_CMD));
	kbc_write(&k, 0x64, 0xAE);
	kbc_write(&k, 0x64, 0xA8);
	kbc_write(&k, 0x64, 0x20);
	CHECK_EQ(kbc_read(&k, 0x60), 0x00);
	kbc_write(&k, 0x64, 0xAD);
	kbc_write(&k, 0x64, 0x20);
	CHECK_EQ(kbc_read(&k, 0x60), 0x10);
	/* Self-test passes and sets the system flag again. */
	kbc_write(&k, 0x64, 0xAA);
	CHECK_EQ(kbc_read(&k, 0x60), 0x55);
	CHECK(kbc_read(&k, 0x64) & KBC_ST_SYS);
}

TEST(tests_and_queue)
{
	struct kbc k;

	kbc_init(&k);
	kbc_write(&k, 0x64, 0xAB);
	kbc_write(&k, 0x64, 0xA9);
	kbc_write(&k, 0x64, 0xD3);
	kbc_write(&k, 0x60, 0x77);		/* as if from the mouse */
	kbc_write(&k, 0x64, 0xD0);
	CHECK_EQ(kbc_read(&k, 0x60), 0x00);
	CHECK_EQ(kbc_read(&k, 0x60), 0x00);
	CHECK(kbc_read(&k, 0x64) & KBC_ST_AUXOBF);
	CHECK_EQ(kbc_read(&k, 0x60), 0x77);
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_AUXOBF));
	CHECK_EQ(kbc_read(&k, 0x60), 0x03);	/* output port: reset high, A20 on */
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_OBF));
	/* Bytes for the keyboard: nobody answers. */
	CHECK_EQ(kbc_write(&k, 0x60, 0xFF), KBC_NONE);
	CHECK_EQ(kbc_write(&k, 0x60, 0xF4), KBC_NONE);
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_OBF));
	/* A full queue drops. */
	for (unsigned i = 0; i < 20; i++)
		kbc_write(&k, 0x64, 0xAA);
	for (unsigned i = 0; i < KBC_QUEUE; i++)
		CHECK_EQ(kbc_read(&k, 0x60), 0x55);
	CHECK(!(kbc_read(&k, 0x64) & KBC_ST_OBF));
}

TEST(resets)
{
	struct kbc k;

	kbc_init(&k);
	CHECK_EQ(kbc_write(&k, 0x64, 0xFE), KBC_RESET_CMD);
	CHECK_EQ(kbc_write(&k, 0x64, 0xF0), KBC_RESET_CMD);
	CHECK_EQ(kbc_write(&k, 0x64, 0xFF), KBC_NONE);	/* pulses nothing */
	kbc_init(&k);
	kbc_write(&k, 0x64, 0xD1);
	CHECK_EQ(kbc_write(&k, 0x60, 0x03), KBC_NONE);
	kbc_write(&k, 0x64, 0xD1);
	CHECK_EQ(kbc_write(&k, 0x60, 0x02), KBC_RESET_OUTPORT);
	/* A command between 0xD1 and its data cancels it. */
	kbc_init(&k);
	kbc_write(&k, 0x64, 0xD1);
	kbc_write(&k, 0x64, 0xAE);
	CHECK_EQ(kbc_write(&k, 0x60, 0x00), KBC_NONE);
	/* Port 0x92: bit 0's rising edge. */
	kbc_init(&k);
	CHECK_EQ(kbc_read(&k, 0x92), 0x02);
	CHECK_EQ(kbc_write(&k, 0x92, 0x02), KBC_NONE);
	CHECK_EQ(kbc_write(&k, 0x92, 0x03), KBC_RESET_PORT92);
	CHECK_EQ(kbc_write(&k, 0x92, 0x03), KBC_NONE);
}

TEST(random_walk)
{
	struct kbc k;
	static const u16 ports[] = { 0x60, 0x64, 0x92 };
	u32 seed = 3;

	kbc_init(&k);
	for (unsigned i = 0; i < 100000; i++) {
		seed = seed * 1103515245 + 12345;
		u16 port = ports[(seed >> 16) % 3];
		if ((seed >> 8) & 1)
			(void)kbc_write(&k, port, (u8)(seed >> 20));
		else
			(void)kbc_read(&k, port);
		CHECK(k.count <= KBC_QUEUE && k.head < KBC_QUEUE);
		CHECK(!(kbc_read(&k, 0x64) & KBC_ST_IBF));
	}
}

int main(void)
{
	RUN(idle_status);
	RUN(command_byte);
	RUN(tests_and_queue);
	RUN(resets);
	RUN(random_walk);
	return DONE();
}
