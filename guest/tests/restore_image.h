/* guest/tests/restore_image.h: the content of a lazy-restore image (backing=image), shared by
 * the guest that checks it (guest/tests/restore.c) and the host tool that writes it
 * (tools/mkimage.c). Plain C on unsigned long long (as guest/tests/mix64.h): it compiles
 * both freestanding and with the host's libc.
 *
 * The 64-bit word at image offset o (8-byte aligned), stored little-endian, is
 * restore_word(o). Page gpa G of the restored VM holds image bytes [G, G + 4096), so a
 * guest reads restore_word(a) at address a below the image's end, and zero past it. */
#ifndef RESTORE_IMAGE_H
#define RESTORE_IMAGE_H
#include "guest/tests/mix64.h"

#define RESTORE_SALT	0x5e57043eULL

static inline unsigned long long restore_word(unsigned long long off)
{
	return mix64(off ^ RESTORE_SALT);
}

#endif
