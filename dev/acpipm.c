/* dev/acpipm.c: the PM1a event and control registers and the PM timer (see dev/acpipm.h).
 * Accesses of any size land byte by byte on the registers they cover, as on the PIIX4's
 * I/O decoder, so a guest writing PM1a_CNT as two bytes (or as a dword) is served. */
#include "dev/acpipm.h"

#define CNT_SCI_EN	0x0001
#define CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define CNT_SLP_EN	0x2000	/* write-only: reads 0 */
#define TMR_MASK	0xFFFFFF

void acpipm_init(struct acpipm *a)
{
	a->en = 0;
	a->cnt = CNT_SCI_EN;
}

static u8 byte_at(const struct acpipm *a, u16 port, u64 now)
{
	unsigned off = port - ACPIPM_BASE;
	u32 tmr = (u32)(now & TMR_MASK);

	switch (off) {
	case 0: case 1: return 0;			/* PM1a_STS: nothing ever happens */
	case 2: case 3: return (u8)(a->en >> (8 * (off - 2)));
	case 4: case 5: return (u8)((a->cnt | CNT_SCI_EN) >> (8 * (off - 4)));
	case 8: case 9: case 10: case 11: return (u8)(tmr >> (8 * (off - 8)));
	default: return 0xFF;				/* 0x606-0x607: nothing */
	}
}

u32 acpipm_read(struct acpipm *a, u16 port, unsigned size, u64 now)
{
	u32 v = 0;

	for (unsigned b = 0; b < size; b++) {
		u16 p = (u16)(port + b);
		u8 x = p >= ACPIPM_BASE && p <= ACPIPM_END ? byte_at(a, p, now) : 0xFF;
		v |= (u32)x << (8 * b);
	}
	return v;
}

enum acpipm_event acpipm_write(struct acpipm *a, u16 port, u32 val, unsigned size,
			       unsigned *typ)
{
	bool cnt = false;

	for (unsigned b = 0; b < size; b++) {
		u16 p = (u16)(port + b);
		u8 x = (u8)(val >> (8 * b));
		if (p == ACPIPM_EVT + 2 || p == ACPIPM_EVT + 3) {
			unsigned sh = 8 * (p - ACPIPM_EVT - 2);
			a->en = (u16)((a->en & ~(0xFF << sh)) | x << sh);
		} else if (p == ACPIPM_CNT || p == ACPIPM_CNT + 1) {
			unsigned sh = 8 * (p - ACPIPM_CNT);
			a->cnt = (u16)((a->cnt & ~(0xFF << sh)) | x << sh);
			cnt = true;
		}
		/* PM1a_STS is write-one-to-clear over bits that are never set; PM_TMR is
		 * read-only. */
	}
	if (!cnt || !(a->cnt & CNT_SLP_EN))
		return ACPIPM_NONE;
	a->cnt &= ~CNT_SLP_EN;
	*typ = CNT_SLP_TYP(a->cnt);
	return *typ == ACPIPM_S5 ? ACPIPM_POWEROFF : ACPIPM_SLEEP;
}
