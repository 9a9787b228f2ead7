/* tools/mkimage.c: mkimage OUT SIZE writes a lazy-restore image (backing=image): the word at
 * every 8-byte offset o of [0, SIZE) is restore_word(o), little-endian
 * (guest/tests/restore_image.h, which guest/tests/restore.c checks against). SIZE takes a
 * K or M suffix; a SIZE that is not a multiple of 8 ends with the first bytes of a word.
 * Built with the host's gcc by the Makefile: build/tools/mkimage. */
#include <stdio.h>
#include <stdlib.h>
#include "guest/tests/restore_image.h"

int main(int argc, char **argv)
{
	char *end;
	unsigned long long size, off;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: mkimage OUT SIZE[K|M]\n");
		return 2;
	}
	size = strtoull(argv[2], &end, 0);
	if (*end == 'K' || *end == 'k')
		size <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		size <<= 20, end++;
	if (*end || end == argv[2]) {
		fprintf(stderr, "mkimage: bad size '%s'\n", argv[2]);
		return 2;
	}
	f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	for (off = 0; off < size; off += 8) {
		unsigned long long w = restore_word(off);
		size_t n = size - off < 8 ? size - off : 8;
		unsigned char b[8];

		for (int i = 0; i < 8; i++)
			b[i] = w >> (8 * i);	/* little-endian, whatever the host */
		if (fwrite(b, 1, n, f) != n)
			break;
	}
	if (fclose(f) != 0 || off < size) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
