#!/bin/sh
# tools/mksyms.sh ELF > ksyms.S: the text symbols of ELF as a sorted table for lib/ksym.c.
# With no ELF (the first link), emits an empty table. Only the .ksyms section differs between
# the two links, and linker.ld puts it last, so no address in the table moves.
set -eu
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksym_count, ksym_syms, ksym_names'
if [ $# -eq 0 ]; then
	echo 'ksym_count: .quad 0'
	echo 'ksym_syms:'
	echo 'ksym_names: .byte 0'
	exit 0
fi
nm -n --defined-only "$1" | awk '
	$2 ~ /^[tTwW]$/ && $3 !~ /^(\.|isr_[0-9])/ { addr[n] = $1; name[n] = $3; n++ }
	END {
		printf "ksym_count: .quad %d\n", n
		printf "ksym_syms:\n"
		off = 0
		for (i = 0; i < n; i++) {
			printf "\t.quad 0x%s, %d\n", addr[i], off
			off += length(name[i]) + 1
		}
		printf "ksym_names:\n"
		for (i = 0; i < n; i++)
			printf "\t.asciz \"%s\"\n", name[i]
	}'
