/* tests/unit/test_acpipm.c: host tests of dev/acpipm.c, the PM1a registers at 0x600 and
 * the PM timer at 0x608.
 *
 * Power-off by SLP_EN with SLP_TYP 0 as a word, as two bytes (high byte last) and as a
 * dword; another SLP_TYP is a sleep request, not a power-off; SLP_EN reads 0 and SCI_EN 1;
 * PM1a_EN is storage; the timer is 24 bits of now. */
#include "tests/unit/check.h"
#include "dev/acpipm.h"

TEST(poweroff)
{
	struct acpipm a;
	unsigned typ = 99;

	acpipm_init(&a);
	CHECK_EQ(acpipm_write(&a, 0x604, 0x0000, 2, &typ), ACPIPM_NONE);
	CHECK_EQ(acpipm_write(&a, 0x604, 0x2000, 2, &typ), ACPIPM_POWEROFF);
	CHECK_EQ(typ, 0);
	CHECK_EQ(acpipm_read(&a, 0x604, 2, 0), 0x0001);	/* SLP_EN reads 0, SCI_EN 1 */
	/* Two bytes: the high byte carries SLP_EN. */
	acpipm_init(&a);
	CHECK_EQ(acpipm_write(&a, 0x604, 0x01, 1, &typ), ACPIPM_NONE);
	CHECK_EQ(acpipm_write(&a, 0x605, 0x20, 1, &typ), ACPIPM_POWEROFF);
	/* A dword at 0x604. */
	acpipm_init(&a);
	CHECK_EQ(acpipm_write(&a, 0x604, 0x00002000, 4, &typ), ACPIPM_POWEROFF);
}

TEST(sleep_is_not_poweroff)
{
	struct acpipm a;
	unsigned typ = 0;

	acpipm_init(&a);
	CHECK_EQ(acpipm_write(&a, 0x604, 0x2000 | 5 << 10, 2, &typ), ACPIPM_SLEEP);
	CHECK_EQ(typ, 5);
	CHECK_EQ(acpipm_write(&a, 0x604, 5 << 10, 2, &typ), ACPIPM_NONE);
	CHECK_EQ(acpipm_read(&a, 0x604, 2, 0), 0x1401);
}

TEST(event_block_and_timer)
{
	struct acpipm a;
	unsigned typ;

	acpipm_init(&a);
	CHECK_EQ(acpipm_read(&a, 0x600, 2, 0), 0);
	acpipm_write(&a, 0x602, 0x0121, 2, &typ);
	CHECK_EQ(acpipm_read(&a, 0x600, 4, 0), 0x01210000);
	acpipm_write(&a, 0x600, 0xFFFF, 2, &typ);	/* write-one-to-clear: nothing set */
	CHECK_EQ(acpipm_read(&a, 0x600, 2, 0), 0);
	CHECK_EQ(acpipm_read(&a, 0x608, 4, 0x12345678), 0x345678);
	CHECK_EQ(acpipm_read(&a, 0x608, 4, 0x1000000), 0);
	CHECK_EQ(acpipm_read(&a, 0x609, 1, 0xABCD), 0xAB);
	CHECK_EQ(acpipm_read(&a, 0x606, 2, 0), 0xFFFF);
	CHECK_EQ(acpipm_read(&a, 0x60A, 4, 0x00FF0000), 0xFFFF00FF);
}

int main(void)
{
	RUN(poweroff);
	RUN(sleep_is_not_poweroff);
	RUN(event_block_and_timer);
	return DONE();
}
