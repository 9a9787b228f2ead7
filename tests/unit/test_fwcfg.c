/* tests/unit/test_fwcfg.c: host tests of dev/fwcfg.c, QEMU's fw_cfg I/O interface.
 *
 * Each item read through the data port after a selector write: the signature, the ID (the
 * traditional interface only), RAM size, CPU counts, the command line and its size, the
 * empty file directory; reads past an item's end and of unknown or architecture-local
 * selectors give 0; a selector write rewinds; a guest reading for ever does not wrap the
 * offset; wrong access sizes reach nothing. */
#include "tests/unit/check.h"
#include "dev/fwcfg.h"

static void sel(struct fwcfg *f, u16 key)
{
	fwcfg_write(f, FWCFG_SEL, key, 2);
}

static u64 rd(struct fwcfg *f, unsigned n)
{
	u64 v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (u64)fwcfg_read(f, FWCFG_DATA, 1) << (8 * i);
	return v;
}

TEST(items)
{
	struct fwcfg f;
	char buf[64];

	fwcfg_init(&f, 64ULL << 20, 3, "console=ttyS0 quiet");
	sel(&f, FWCFG_SIGNATURE);
	for (unsigned i = 0; i < 4; i++)
		buf[i] = (char)fwcfg_read(&f, FWCFG_DATA, 1);
	CHECK(!memcmp(buf, "QEMU", 4));
	CHECK_EQ(rd(&f, 4), 0);				/* past the end */
	sel(&f, FWCFG_ID);
	CHECK_EQ(rd(&f, 4), 1);				/* traditional, no DMA */
	sel(&f, FWCFG_RAM_SIZE);
	CHECK_EQ(rd(&f, 8), 64ULL << 20);
	sel(&f, FWCFG_NB_CPUS);
	CHECK_EQ(rd(&f, 2), 3);
	CHECK_EQ(rd(&f, 2), 0);
	sel(&f, FWCFG_MAX_CPUS);
	CHECK_EQ(rd(&f, 2), 3);
	sel(&f, FWCFG_CMDLINE_SIZE);
	CHECK_EQ(rd(&f, 4), strlen("console=ttyS0 quiet") + 1);
	sel(&f, FWCFG_CMDLINE_DATA);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (char)rd(&f, 1);
	CHECK_STR(buf, "console=ttyS0 quiet");
	sel(&f, FWCFG_FILE_DIR);
	CHECK_EQ(rd(&f, 4), 0);
}

TEST(rewind_and_unknown)
{
	struct fwcfg f;

	fwcfg_init(&f, 1 << 20, 1, NULL);
	sel(&f, FWCFG_SIGNATURE);
	CHECK_EQ(rd(&f, 2), 'Q' | 'E' << 8);
	sel(&f, FWCFG_SIGNATURE);			/* the offset goes back to 0 */
	CHECK_EQ(rd(&f, 1), 'Q');
	/* A byte read at the selector port is a data read too, as on QEMU. */
	CHECK_EQ(fwcfg_read(&f, FWCFG_SEL, 1), 'E');
	sel(&f, FWCFG_SIGNATURE | 0x4000);		/* the write channel names the same item */
	CHECK_EQ(rd(&f, 1), 'Q');
	sel(&f, 0x0002);				/* UUID: not given */
	CHECK_EQ(rd(&f, 8), 0);
	sel(&f, 0x3FFF);
	CHECK_EQ(rd(&f, 8), 0);
	sel(&f, FWCFG_ARCH_LOCAL | FWCFG_SIGNATURE);	/* x86's ACPI tables item: none */
	CHECK_EQ(rd(&f, 4), 0);
	sel(&f, FWCFG_CMDLINE_SIZE);			/* no command line: just its NUL */
	CHECK_EQ(rd(&f, 4), 1);
	sel(&f, FWCFG_CMDLINE_DATA);
	CHECK_EQ(rd(&f, 4), 0);
}

TEST(hostile_access)
{
	struct fwcfg f;

	fwcfg_init(&f, 1 << 20, 1, "x");
	sel(&f, FWCFG_CMDLINE_DATA);
	/* Far more reads than the item has: the offset stays at its length. */
	for (unsigned i = 0; i < 100000; i++)
		(void)fwcfg_read(&f, FWCFG_DATA, 1);
	CHECK(f.off <= 2);
	for (u32 k = 0; k <= 0xFFFF; k++) {		/* every selector: no access out of bounds */
		sel(&f, (u16)k);
		for (unsigned i = 0; i < 16; i++)
			(void)fwcfg_read(&f, FWCFG_DATA, 1);
	}
	/* Wrong sizes: reads see nothing and do not advance; writes do not select. */
	sel(&f, FWCFG_SIGNATURE);
	CHECK_EQ(fwcfg_read(&f, FWCFG_DATA, 2), 0xFFFFFFFF);
	CHECK_EQ(fwcfg_read(&f, FWCFG_DATA, 4), 0xFFFFFFFF);
	fwcfg_write(&f, FWCFG_SEL, FWCFG_NB_CPUS, 1);
	fwcfg_write(&f, FWCFG_SEL, FWCFG_NB_CPUS, 4);
	fwcfg_write(&f, FWCFG_DATA, 0x55, 1);
	CHECK_EQ(rd(&f, 1), 'Q');
}

int main(void)
{
	RUN(items);
	RUN(rewind_and_unknown);
	RUN(hostile_access);
	return DONE();
}
