/* tests/unit/test_x86mov.c: lib/x86mov.c on the MOV forms Linux and our guests use on the
 * xAPIC page, the prefixes, and what must be refused (and never read past n). */
#include "tests/unit/check.h"
#include "lib/x86mov.h"

static struct x86mov d;

static int dec(const u8 *b, unsigned n, unsigned mode) { return x86mov_decode(b, n, mode, &d); }

TEST(linux_apic_read)
{
	/* native_apic_mem_read: mov eax, [rdi - 0xa03000] = 8b 87 00 d0 5f ff */
	const u8 b[] = { 0x8b, 0x87, 0x00, 0xd0, 0x5f, 0xff, 0xe9 };
	CHECK(dec(b, sizeof(b), 64) == 0);
	CHECK(d.len == 6 && !d.write && d.reg == 0 && d.size == 4 && !d.has_imm);
}

TEST(linux_apic_write)
{
	/* native_apic_mem_write: mov [rdi - 0xa03000], esi = 89 b7 00 d0 5f ff */
	const u8 b[] = { 0x89, 0xb7, 0x00, 0xd0, 0x5f, 0xff };
	CHECK(dec(b, sizeof(b), 64) == 0);
	CHECK(d.len == 6 && d.write && d.reg == 6 && d.size == 4);
}

TEST(rex_sib_disp8_imm)
{
	const u8 r9[] = { 0x44, 0x89, 0x4c, 0x24, 0x10 };	/* mov [rsp+0x10], r9d */
	CHECK(dec(r9, sizeof(r9), 64) == 0);
	CHECK(d.len == 5 && d.write && d.reg == 9 && d.size == 4);
	const u8 imm[] = { 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 };
	CHECK(dec(imm, sizeof(imm), 32) == 0);	/* mov dword [0xfee000b0], 0 (EOI) */
	CHECK(d.len == 10 && d.write && d.has_imm && d.imm == 0 && d.size == 4);
	const u8 w[] = { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff };
	CHECK(dec(w, sizeof(w), 64) == 0 && d.size == 8 && d.imm == ~0ULL && d.len == 7);
	const u8 seg[] = { 0x3e, 0x66, 0x8b, 0x03 };		/* ds: mov ax, [rbx] */
	CHECK(dec(seg, sizeof(seg), 64) == 0 && d.size == 2 && d.len == 4 && d.reg == 0);
	const u8 nobase[] = { 0x8b, 0x04, 0x25, 0x20, 0x00, 0xe0, 0xfe };	/* [disp32] */
	CHECK(dec(nobase, sizeof(nobase), 64) == 0 && d.len == 7);
}

TEST(refused)
{
	const u8 regop[] = { 0x89, 0xc0 };			/* mov eax, eax: no memory */
	CHECK(dec(regop, sizeof(regop), 64) == -1);
	const u8 other[] = { 0x01, 0x07 };			/* add [rdi], eax */
	CHECK(dec(other, sizeof(other), 64) == -1);
	const u8 c7r[] = { 0xc7, 0x40, 0x00, 0, 0, 0, 0 };	/* C7 /0 with mod 1: fine */
	CHECK(dec(c7r, sizeof(c7r), 64) == 0 && d.len == 7);
	const u8 c7bad[] = { 0xc7, 0x48, 0x00, 0, 0, 0, 0 };	/* C7 /1: not an instruction */
	CHECK(dec(c7bad, sizeof(c7bad), 64) == -1);
	const u8 a16[] = { 0x67, 0x8b, 0x07 };			/* 16-bit addressing in 32-bit code */
	CHECK(dec(a16, sizeof(a16), 32) == -1);
	const u8 many[16] = { 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
			      0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x8b, 0x07 };
	CHECK(dec(many, sizeof(many), 64) == -1);		/* longer than 15 bytes */
}

TEST(never_past_n)
{
	const u8 b[] = { 0xc7, 0x87, 0x00, 0xd0, 0x5f, 0xff, 1, 2, 3, 4 };
	for (unsigned n = 0; n < sizeof(b); n++)
		CHECK(dec(b, n, 64) == -1);
	CHECK(dec(b, sizeof(b), 64) == 0 && d.len == 10);
	u32 seed = 1;
	u8 r[15];
	for (int t = 0; t < 200000; t++) {
		for (unsigned k = 0; k < sizeof(r); k++)
			r[k] = (u8)((seed = seed * 1103515245u + 12345u) >> 16);
		unsigned n = (seed >> 8) % 16;
		if (dec(r, n, 16u << ((seed >> 4) % 3)) == 0)
			CHECK(d.len <= n && d.len <= 15 && d.reg < 16);
	}
}

int main(void)
{
	RUN(linux_apic_read);
	RUN(linux_apic_write);
	RUN(rex_sib_disp8_imm);
	RUN(refused);
	RUN(never_past_n);
	return DONE();
}
