/* tests/fuzz/fuzz_bzimage.c: libFuzzer harness for lib/bzimage.c, the bzImage parser (the
 * kernel comes from a GRUB module: boot input).
 *
 * Drives: bzimage_parse on the input minus its first byte (which picks the size of err, 0:
 * NULL), copied into a malloc of exactly its size so ASan reports any read past the image;
 * err is a malloc of exactly errlen bytes. Then bzimage_run_start on a load address from
 * the first byte.
 *
 * Invariants asserted:
 * - the return value is 0 or -1; on failure *out is all zero and err holds one non-empty
 *   line (when there is room); on success err is empty;
 * - success: the boot flag, "HdrS" and LOADED_HIGH are there, the version is 2.06 or later
 *   and the one in the file; the setup is (setup_sects, 0 meaning 4, + 1) sectors; the
 *   kernel is the rest of the file, at least syssize * 16 bytes; the header's end is
 *   0x202 + the byte at 0x201, inside [0x23c, 0x290]; init_size >= kernel_len; a
 *   relocatable kernel's alignment is a power of two, and it runs at an aligned address
 *   not below its load address nor its pref_address (which is aligned too);
 * - bzimage_is agrees with success (a parsed image is one);
 * - bzimage_entry: 32 is always granted; 64 only with XLF_KERNEL_64 (read from 2.12 on)
 *   and the entry at 0x200 inside the kernel; auto is 64 exactly then, 0 (refused) when
 *   the flag is there but the kernel too short for that entry, else 32; a refusal is 0
 *   with one line;
 * - a NULL image is an empty one, whatever the size says;
 * - parsing is deterministic and does not write the image. */
#include "tests/fuzz/fuzz.h"
#include "lib/bzimage.h"

static u16 g16(const u8 *b) { u16 v; memcpy(&v, b, 2); return v; }
static u32 g32(const u8 *b) { u32 v; memcpy(&v, b, 4); return v; }

static void check_ok(const u8 *img, u64 size, const struct bzimage *bz, u8 sel)
{
	unsigned sects = img[0x1F1] ? img[0x1F1] : 4;
	u64 load = 0x100000 + (u64)sel * 0x1234567;
	u64 a = bz->kernel_alignment, run = bzimage_run_start(bz, load);

	FZ_CHECK(g16(img + 0x1FE) == 0xAA55 && !memcmp(img + 0x202, "HdrS", 4));
	FZ_CHECK(bz->version == g16(img + 0x206) && bz->version >= 0x0206);
	FZ_CHECK(bz->loadflags & BZ_LOADED_HIGH);
	FZ_CHECK(bz->setup_size == (sects + 1) * 512 && bz->kernel_off == bz->setup_size);
	FZ_CHECK(bz->kernel_off + bz->kernel_len == size && bz->kernel_len > 0);
	FZ_CHECK((u64)g32(img + 0x1F4) * 16 <= bz->kernel_len);
	FZ_CHECK(bz->hdr_end == 0x202u + img[0x201] && bz->hdr_end >= 0x23C &&
		 bz->hdr_end <= BZ_HDR_MAX);
	FZ_CHECK(bz->init_size >= bz->kernel_len);
	FZ_CHECK(bz->code32_start >= 0x100000 && bz->initrd_addr_max >= 0x100000);
	if (bz->relocatable) {
		FZ_CHECK(a >= 4096 && !(a & (a - 1)));
		FZ_CHECK(run % a == 0 && run >= load && run >= bz->pref_address);
	} else {
		FZ_CHECK(run == load);
	}
	FZ_CHECK(bzimage_is(img, size));
	bool has64 = bz->version >= 0x020C && (g16(img + 0x236) & BZ_XLF_KERNEL_64) &&
		     bz->kernel_len > BZ_ENTRY64_OFF;
	char e[120];
	FZ_CHECK(bzimage_entry(bz, BZ_ENTRY_32, e, sizeof(e)) == 32 && !e[0]);
	bool says64 = bz->xloadflags & BZ_XLF_KERNEL_64;	/* but perhaps too short */
	FZ_CHECK(bzimage_entry(bz, BZ_ENTRY_AUTO, e, sizeof(e)) == (has64 ? 64 : says64 ? 0 : 32));
	int r = bzimage_entry(bz, BZ_ENTRY_64, e, sizeof(e));
	FZ_CHECK(r == (has64 ? 64 : 0) && (r ? !e[0] : e[0] && !strchr(e, '\n')));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bzimage zero;
	struct fz_parse p = fz_parse_in(data, size);
	struct bzimage bz, bz2;
	int rc, rc2;

	memset(&bz, 0xa5, sizeof(bz));
	rc = bzimage_parse(p.img, p.n, &bz, p.err, p.errlen);

	FZ_CHECK(rc == 0 || rc == -1);
	fz_parse_check(&p, data, rc != 0, &bz, sizeof(bz));
	if (!rc)
		check_ok(p.img, p.n, &bz, size ? data[0] : 0);

	FZ_CHECK(bzimage_parse(NULL, p.n, &bz2, NULL, 0) == -1);
	FZ_CHECK(memcmp(&bz2, &zero, sizeof(bz2)) == 0);
	FZ_CHECK(!bzimage_is(NULL, p.n));

	memset(&bz2, 0x5a, sizeof(bz2));
	rc2 = bzimage_parse(p.img, p.n, &bz2, NULL, 0);
	FZ_CHECK(rc2 == rc && memcmp(&bz, &bz2, sizeof(bz)) == 0);
	fz_parse_free(&p);
	return 0;
}
