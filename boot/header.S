/* boot/header.S: the multiboot v1 and multiboot2 headers, so GRUB (`multiboot` or
 * `multiboot2`) and QEMU's -kernel (v1 only) can all load the same image. The ELF entry
 * point is _start in boot/entry.S; both protocols enter it in 32-bit protected mode with
 * paging off, the magic in EAX and the information pointer in EBX. */

#define MB1_MAGIC	0x1BADB002
#define MB1_FLAGS	0x00000003	/* bit 0: modules page-aligned; bit 1: give mem_* and mmap */
#define MB2_MAGIC	0xE85250D6
#define MB2_ARCH_I386	0

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Entry address tag (type 3): explicit, although the ELF entry says the same. */
	.balign 8
	.short 3, 0
	.long 12
	.long _start
	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
