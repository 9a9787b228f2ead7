/* lib/x86mov.c: see lib/x86mov.h. */
#include "lib/x86mov.h"
#include "lib/string.h"

#define MAX_LEN 15	/* the architectural limit of an instruction (SDM Vol. 2A 2.3.11) */

static bool is_segment_prefix(u8 b)
{
	return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65;
}

/* ModRM (and SIB and displacement) with 32/64-bit addressing: how many bytes, or -1 for a
 * register operand (mod 3), which is no memory access at all. */
static int modrm_len(const u8 *b, unsigned i, unsigned n)
{
	if (i >= n)
		return -1;
	u8 m = b[i], mod = m >> 6, rm = m & 7;
	int len = 1;

	if (mod == 3)
		return -1;
	if (rm == 4) {			/* SIB follows */
		if (i + 1 >= n)
			return -1;
		len++;
		if (mod == 0 && (b[i + 1] & 7) == 5)
			len += 4;	/* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		len += 4;		/* disp32, RIP-relative in 64-bit mode */
	}
	len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return len;
}

static int decode(const u8 *b, unsigned n, unsigned mode, struct x86mov *out);

/* Through a local copy: *out is either the whole decode or all zero. */
int x86mov_decode(const u8 *b, unsigned n, unsigned mode, struct x86mov *out)
{
	struct x86mov d;

	memset(out, 0, sizeof(*out));
	if (decode(b, n, mode, &d))
		return -1;
	*out = d;
	return 0;
}

static int decode(const u8 *b, unsigned n, unsigned mode, struct x86mov *out)
{
	unsigned i = 0, size = mode == 16 ? 2 : 4;
	bool addr16 = mode == 16;
	u8 rex = 0;

	memset(out, 0, sizeof(*out));
	n = n < MAX_LEN ? n : MAX_LEN;
	for (; i < n; i++) {
		if (b[i] == 0x66)
			size = mode == 16 ? 4 : 2;
		else if (b[i] == 0x67)
			addr16 = mode == 32 ? true : mode == 16 ? false : addr16;
		else if (!is_segment_prefix(b[i]))
			break;
	}
	if (addr16)
		return -1;	/* 16-bit ModRM is another table: not used on a device page */
	if (mode == 64 && i < n && (b[i] & 0xF0) == 0x40)
		rex = b[i++];
	if (rex & 8)
		size = 8;
	if (i >= n)
		return -1;
	u8 op = b[i++];
	if (op != 0x89 && op != 0x8B && op != 0xC7)
		return -1;
	if (i >= n)
		return -1;
	u8 reg = (b[i] >> 3) & 7;
	if (op == 0xC7 && reg != 0)
		return -1;	/* C7 /0 is MOV; other /r are not instructions */
	int ml = modrm_len(b, i, n);
	if (ml < 0)
		return -1;
	i += (unsigned)ml;
	out->write = op != 0x8B;
	out->reg = reg | (rex & 4 ? 8 : 0);
	out->size = (u8)size;
	if (op == 0xC7) {
		unsigned isz = size == 2 ? 2 : 4;	/* imm32 sign-extended for 64 */
		if (i + isz > n)
			return -1;
		u64 v = 0;
		for (unsigned k = 0; k < isz; k++)
			v |= (u64)b[i + k] << (8 * k);
		if (size == 8 && (v & 0x80000000u))
			v |= 0xFFFFFFFF00000000ULL;
		out->imm = v;
		out->has_imm = true;
		i += isz;
	}
	if (i > n)
		return -1;
	out->len = (u8)i;
	return 0;
}
