# tests/t_linux.sh: the Linux boot protocol loader (issue 13; vmm/linux.c, lib/bzimage.c,
# lib/boot64.c). The kernel is build/guests/bzstub.bzImage (tests/data/bzstub.S): a real
# setup header with XLF_KERNEL_64 and, in place of Linux, code at both entries that checks
# the boot protocol's promises (64-bit: long mode, selectors, GDT, RAM identity-mapped;
# 32-bit: paging off, zeroed EBX/EBP/EDI; both: RSI = boot_params with the header copy,
# type_of_loader, the E820 count) and prints the command line and the initrd's first bytes. Broken copies of it, made here
# with dd, must each be refused with one line while a good VM beside them runs. The real
# Debian kernel's boot test is separate (it needs the package, not in a fresh clone).



# patch FILE OFFSET HEX-BYTES: writes the bytes ("\x00\x02") at OFFSET in place.
patch_bytes() {
	printf "$3" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}

# The stub boots through both entries: by default the 64-bit one (it has XLF_KERNEL_64),
# with entry=32 the 32-bit one; boot_params, command line and initrd as the protocol says
# either way. A multiboot VM beside them still gets its information page (at 0x9000: its
# image is not there).
t_linux_stub() {
	printf 'INITRD-CONTENT-0123456789-and-more-past-32-bytes' > "$DIR/rd.img"
	TIMEOUT=90 boot_bochs 3 2 "" \
		"$G/bzstub.bzImage vm=stub mem=8M initrd=rd -- console=ttyS0 hello=linux" \
		"$DIR/rd.img initrd=rd" \
		"$G/bzstub.bzImage vm=stub32 mem=8M initrd=rd entry=32 -- console=ttyS0 hello=32" \
		"$G/hello.elf vm=hello mem=8M" || return
	expect 'vm stub: initrd .rd.: 48 bytes from module 1'
	expect 'vm stub: loaded Linux bzImage \(boot protocol 2\.15, [0-9]+-byte kernel\) at 0x100000, runs in \[0x100000-0x110000\), boot_params at 0x9000, initrd 48 bytes at 0x7ff000, entry 0x100200 \(64-bit\)$'
	expect 'vm stub: 64-bit entry: identity map of \[0-0x800000\) in 2M pages at 0xc000 \(CR3\), GDT at 0xb000$'
	expect '\[stub\] bzstub: 64-bit entry: long mode, CS=0x10 DS=ES=SS=0x18, IF=0, GDT ok, RAM mapped'
	expect '\[stub\] bzstub: boot_params ok'
	expect "\[stub\] bzstub: cmdline 'console=ttyS0 hello=linux'"
	expect "\[stub\] bzstub: initrd 'INITRD-CONTENT-0123456789-and-mo'"
	expect 'summary: vm stub +passed'
	expect 'vm stub32: loaded Linux bzImage \(boot protocol 2\.15, [0-9]+-byte kernel\) at 0x100000, runs in \[0x100000-0x110000\), boot_params at 0x9000, initrd 48 bytes at 0x7ff000, entry 0x100000 \(32-bit\)$'
	expect_not 'vm stub32: 64-bit entry'
	expect '\[stub32\] bzstub: 32-bit entry: protected mode, paging off'
	expect '\[stub32\] bzstub: boot_params ok'
	expect "\[stub32\] bzstub: cmdline 'console=ttyS0 hello=32'"
	expect "\[stub32\] bzstub: initrd 'INITRD-CONTENT-0123456789-and-mo'"
	expect 'summary: vm stub32 +passed'
	expect_not 'bzstub: FAIL'
	expect 'vm hello: loaded ELF(32|64) kernel, .*multiboot information at 0x9000'
	expect 'summary: vm hello +passed'
	expect_exit 0
}

# Malformed bzImages (truncated, wrong magic, protocol 2.00, syssize past the file), kernels
# that do not fit (init_size, a pref_address near 2^64), initrd mistakes (too big, on an
# ELF, not found) and entry= mistakes (64 for a kernel without XLF_KERNEL_64, any entry=
# for a multiboot kernel): one "refused:" line each, and the good VMs beside them run: a
# multiboot one, and the stub without XLF_KERNEL_64, which takes the 32-bit entry.
t_linux_refused() {
	head -c 800 "$G/bzstub.bzImage" > "$DIR/trunc.bzImage"
	cp "$G/bzstub.bzImage" "$DIR/magic.bzImage"; patch_bytes "$DIR/magic.bzImage" 0x202 'HdrX'
	cp "$G/bzstub.bzImage" "$DIR/old.bzImage"; patch_bytes "$DIR/old.bzImage" 0x206 '\000\002'
	cp "$G/bzstub.bzImage" "$DIR/short.bzImage"; patch_bytes "$DIR/short.bzImage" 0x1F4 '\000\020'
	cp "$G/bzstub.bzImage" "$DIR/huge.bzImage"; patch_bytes "$DIR/huge.bzImage" 0x260 '\000\000\000\020'
	# Relocatable, preferring an address near 2^64: no sum may wrap into RAM.
	cp "$G/bzstub.bzImage" "$DIR/wrap.bzImage"; patch_bytes "$DIR/wrap.bzImage" 0x234 '\001'
	patch_bytes "$DIR/wrap.bzImage" 0x258 '\000\000\340\377\377\377\377\377'
	cp "$G/bzstub.bzImage" "$DIR/no64.bzImage"; patch_bytes "$DIR/no64.bzImage" 0x236 '\000\000'
	head -c 1048576 /dev/zero > "$DIR/big.img"
	TIMEOUT=90 boot_bochs 2 2 "" \
		"$DIR/trunc.bzImage vm=trunc" \
		"$DIR/magic.bzImage vm=magic" \
		"$DIR/old.bzImage vm=old" \
		"$DIR/short.bzImage vm=short" \
		"$G/bzstub.bzImage vm=bigrd mem=2M initrd=big" \
		"$DIR/big.img initrd=big" \
		"$G/hello.elf vm=elfrd initrd=big" \
		"$G/bzstub.bzImage vm=nord initrd=missing" \
		"$DIR/huge.bzImage vm=huge mem=8M" \
		"$DIR/wrap.bzImage vm=wrap mem=8M" \
		"$DIR/no64.bzImage vm=no64 mem=8M entry=64" \
		"$G/hello.elf vm=mb64 mem=8M entry=64" \
		"$DIR/no64.bzImage vm=auto32 mem=8M" \
		"$G/hello.elf vm=ok mem=8M" || return
	expect 'vm trunc \(module 0\): refused: truncated bzImage: its setup is 1024 bytes but the file has 800$'
	expect 'vm magic \(module 1\): refused: not a bzImage: no "HdrS" at 0x202'
	expect 'vm old \(module 2\): refused: boot protocol 2\.00 is too old: faultline needs 2\.06 or later$'
	expect 'vm short \(module 3\): refused: truncated bzImage: the kernel is 65536 bytes \(syssize\) but the file holds [0-9]+ after the setup$'
	expect "vm bigrd \(module 4\): refused: initrd of 1048576 bytes does not fit: 983040 bytes are free between the kernel's end 0x110000 and 0x200000 \(mem=2M, initrd_addr_max 0x7fffffff\)$"
	expect 'vm elfrd \(module 6\): refused: initrd= is for a Linux bzImage, and this kernel is not one$'
	expect 'vm nord \(module 7\): refused: initrd=missing: no module whose args are initrd=missing$'
	expect 'vm huge \(module 8\): refused: the kernel needs 0x10000000 bytes \(init_size\) from 0x100000, loaded at 0x100000, but mem=8M$'
	expect 'vm wrap \(module 9\): refused: the kernel needs 0x10000 bytes \(init_size\) from 0xffffffffffe00000, loaded at 0x100000, but mem=8M$'
	expect 'vm no64 \(module 10\): refused: entry=64, but the kernel has no 64-bit entry \(boot protocol 2\.15, xloadflags 0x0 without XLF_KERNEL_64\)$'
	expect 'vm mb64 \(module 11\): refused: entry=64 is for a Linux bzImage, and this kernel is not one \(a multiboot kernel starts in 32-bit mode\)$'
	expect_count 11 'refused:'
	expect 'vm auto32: loaded Linux bzImage .*, entry 0x100000 \(32-bit\)$'
	expect '\[auto32\] bzstub: 32-bit entry: protected mode, paging off'
	expect 'summary: vm auto32 +passed'
	expect 'summary: vm ok +passed'
	expect 'summary: 11 VM\(s\) refused at creation'
	expect_exit 1		# VMs asked for never ran: the run is not a success
}

# ---- Debian's own kernel (issue 13's acceptance test) ----
# build/linux/vmlinuz is linux-image-cloud-amd64 from Debian 12 and build/linux/initrd.img a
# busybox-static initramfs (tools/linux.sh: apt-get download + dpkg-deb -x, fetched once
# by tests/integration.sh before any linux_boot test runs). Its /init prints the CPU count
# of /proc/cpuinfo, the chip and count of IRQ0 and IRQ4 (COM1's must be the I/O APIC's,
# and have come), writes a file into tmpfs and reads it back, and powers off through ACPI
# only when all of that happened and the count is fl_cpus=N; anything else resets, which
# fails the VM (status 256). No faultline hypercall, no paravirtual anything: the PC of
# vmm/pcdev.c, vmm/vlapic.c and vmm/firmware.c, as Linux finds it.
# linux_vm NAME VCPUS [KEYS]: the module line of one Linux VM and its initrd's.
linux_vm() {
	echo "build/linux/vmlinuz vm=$1 mem=${LINUX_MEM:-160M} vcpus=$2 initrd=rd $3 -- console=ttyS0 quiet panic=-1 idle=halt fl_cpus=$2"
}
# linux_expect NAME VCPUS: what a Linux VM that did everything prints.
linux_expect() {
	[ -s build/linux/vmlinuz ] || { fail "no build/linux/vmlinuz (tools/linux.sh initrd failed?)"; return; }
	expect "\[$1\] .*linux-init: cpus=$2 \(expected $2\)"
	expect "\[$1\] .*linux-init: tmpfs: wrote and read back [0-9]+ bytes"
	# COM1's IRQ4 went through the I/O APIC and came: a count above 0 on some CPU. (IRQ0 is
	# not used: with TSC-deadline and a known TSC rate Linux 6.1 sets up no PIT at all.)
	expect "\[$1\] .*linux-init: irq 4: ([0-9]+ )*0*[1-9][0-9]* ([0-9]+ )*IO-APIC +4-edge +ttyS0"
	expect "\[$1\] .*linux-init: PASS: powering off"
	expect "vm $1: stopped: powered off \(ACPI PM1a SLP_EN, S5\)"
	expect "summary: vm $1 +passed status=0"
	expect_not "\[$1\] .*(Kernel panic|linux-init: FAIL|BUG:|Oops)"
}

t_linux_boot_1cpu() {
	TIMEOUT=900 boot_bochs 2 2 "" "$(linux_vm lx 1)" "build/linux/initrd.img initrd=rd" || return
	linux_expect lx 1
	expect 'vm lx: loaded Linux bzImage .* entry 0x[0-9a-f]+ \(64-bit\)$'
	expect_exit 0
}

t_linux_boot_2cpu() {
	# The 32-bit entry (the 1-vCPU run takes the 64-bit one, the default): both are
	# Debian's kernel's, and both must boot it.
	TIMEOUT=900 boot_bochs 3 2 "" "$(linux_vm lx 2 entry=32)" "build/linux/initrd.img initrd=rd" || return
	linux_expect lx 2
	expect 'vm lx vcpu1: start-up IPI: real mode at'
	expect 'vm lx: loaded Linux bzImage .* entry 0x[0-9a-f]+ \(32-bit\)$'
	expect_exit 0
}

# The longer runs: `make test-linux` (LINUX_ALL=1). lazy=on: Linux does not speak the PV
# protocol, so every first touch of a page is a synchronous fault, counted in the summary.
if [ "${LINUX_ALL:-0}" = 1 ]; then
t_linux_boot_lazy() {
	TIMEOUT=900 boot_bochs 2 2 "" "$(linux_vm lx 1 'lazy=on backing=zero')" \
		"build/linux/initrd.img initrd=rd" || return
	linux_expect lx 1
	expect 'summary:   apf: faults .*unregistered-exit=[1-9][0-9]*'
	expect_exit 0
}

t_linux_two_vms() {
	BOCHS_MEGS=1024 TIMEOUT=900 boot_bochs 3 2 "" "$(linux_vm la 1)" "$(linux_vm lb 1)" \
		"build/linux/initrd.img initrd=rd" || return
	linux_expect la 1
	linux_expect lb 1
	expect_exit 0
}
fi
