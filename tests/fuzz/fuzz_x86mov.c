/* tests/fuzz/fuzz_x86mov.c: libFuzzer harness for lib/x86mov.c, the MOV decoder of the
 * xAPIC page's exits (the instruction bytes are the guest's: any bytes at its RIP).
 *
 * Drives: x86mov_decode on the input minus its first byte (which picks the mode: 16, 32 or
 * 64), copied into a malloc of exactly its size so ASan reports any read past it.
 *
 * Invariants asserted:
 * - the return value is 0 or -1; on -1 *out is all zero;
 * - on success: 1 <= len <= min(n, 15); reg < 16; size is 2, 4 or 8 (8 only in 64-bit
 *   mode); has_imm implies write;
 * - decoding is deterministic and the same on the first len bytes alone (nothing past the
 *   instruction is looked at). */
#include "tests/fuzz/fuzz.h"
#include "lib/x86mov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[3] = { 16, 32, 64 };
	struct x86mov d, d2, zero;
	unsigned mode = modes[size ? data[0] % 3 : 0];
	unsigned n = size ? (unsigned)(size - 1) : 0;
	u8 *b = malloc(n ? n : 1);

	memset(&zero, 0, sizeof(zero));
	if (n)
		memcpy(b, data + 1, n);
	int rc = x86mov_decode(b, n, mode, &d);
	FZ_CHECK(rc == 0 || rc == -1);
	if (rc) {
		FZ_CHECK(memcmp(&d, &zero, sizeof(d)) == 0);
	} else {
		FZ_CHECK(d.len >= 1 && d.len <= n && d.len <= 15);
		FZ_CHECK(d.reg < 16);
		FZ_CHECK(d.size == 2 || d.size == 4 || (d.size == 8 && mode == 64));
		FZ_CHECK(!d.has_imm || d.write);
		FZ_CHECK(x86mov_decode(b, d.len, mode, &d2) == 0);
		FZ_CHECK(memcmp(&d, &d2, sizeof(d)) == 0);
	}
	FZ_CHECK(x86mov_decode(b, n, mode, &d2) == rc);
	free(b);
	return 0;
}
