# tests/t_disk.sh: the swap disk's driver (issue 15, "A real swap device"): drivers/pci.c
# finds the PIIX3 IDE function, drivers/ata.c the hard disk among the four ATA positions,
# and selftest=disk (drivers/disktest.c) reads sector 0 (tools/mkdisk.sh's text), round-trips
# a pattern through the last 8 sectors by DMA and by PIO and puts them back.

# disk_image: a 64 MiB image in the test's directory; DISK for tools/bochs.sh and qemu.sh.
disk_image() {
	sh tools/mkdisk.sh "$DIR/disk.img" 64 || { fail "mkdisk failed"; return 1; }
	export DISK=$DIR/disk.img
}

# After the selftest the image is as tools/mkdisk.sh made it: sector 0 kept its text and the
# last 8 sectors are zero again (the selftest restores what it overwrote).
disk_unchanged() {
	head -c 19 "$DISK" | grep -q '^FAULTLINE-DISK-TEST$' || fail "sector 0 of the image changed"
	[ "$(tail -c 4096 "$DISK" | tr -d '\0' | wc -c)" -eq 0 ] ||
		fail "the last 8 sectors of the image were not restored"
}

disk_selftest_ok() {
	expect "ata: selftest: sector 0: 'FAULTLINE-DISK-TEST"
	expect 'ata: read of 8 sector\(s\) at LBA 131065 refused: past the end of the disk'
	expect 'ata: read of 257 sector\(s\) at LBA 0 refused: count not in 1..256'
	expect_not 'a bad request was not refused'
	expect_not 'ata: .*failed'
	expect 'ata: selftest: one 4 KiB read: .*PIO [0-9]+ ticks'
	expect 'ata: selftest: [0-9]+ CPUs x 16 concurrent reads ok'
}

# QEMU TCG: the disk is the primary master; the driver runs before vmx_probe, which then
# stops the boot as it always does under TCG.
t_qemu_disk() {
	disk_image || return
	boot_qemu tcg-kernel 2 "swap=auto selftest=disk"
	expect 'pci: IDE controller 8086:7010 at 00:01.1, prog-if 0x[0-9a-f]+ \(legacy\), bus master at 0x[0-9a-f]+'
	expect "ata: ata0-master: 'QEMU HARDDISK' 131072 sectors \(64 MiB\), LBA48, DMA via PIIX3 bus master at 0x[0-9a-f]+"
	disk_selftest_ok
	expect 'ata: selftest: 256-sector read: DMA and PIO agree'
	expect 'ata: selftest: 2 CPUs x 16 concurrent reads ok'
	expect 'ata: selftest: dma write/read ok, pio write/read ok'
	expect_order 'ata: selftest: dma write/read ok' 'vmx: VMX not available'
	expect_exit 3
	disk_unchanged
}

# swap.pio=on: the boot line says PIO and why; no DMA transfer is made.
t_qemu_disk_pio() {
	disk_image || return
	boot_qemu tcg-kernel 1 "swap=auto swap.pio=on selftest=disk"
	expect "ata: ata0-master: 'QEMU HARDDISK' 131072 sectors \(64 MiB\), LBA48, PIO \(swap.pio=on\)"
	disk_selftest_ok
	expect 'ata: selftest: one 4 KiB read: PIO [0-9]+ ticks'
	expect 'ata: selftest: dma write/read skipped \(PIO only: see above\), pio write/read ok'
	expect_exit 3
	disk_unchanged
}

# A DMA write that fails (QEMU's blkdebug returns EIO for the first write request, once):
# one line with the LBA and the registers, the channel is reset, the driver says it goes
# on by PIO, the same transfer succeeds that way, and everything after is PIO.
t_qemu_disk_dma_error() {
	disk_image || return
	printf '[inject-error]\nevent = "write_aio"\nerrno = "5"\nonce = "on"\n' > "$DIR/blkdebug.conf"
	DISK_BLKDEBUG=$DIR/blkdebug.conf boot_qemu tcg-kernel 2 "swap=auto selftest=disk"
	expect "ata: ata0-master: 'QEMU HARDDISK' .*, DMA via PIIX3 bus master"
	expect 'ata: ata0-master: DMA write of 8 sector\(s\) at LBA 131064 failed \(device error\): status 0x[0-9a-f]{2} error 0x[0-9a-f]{2} bm status 0x[0-9a-f]{2}'
	expect_order 'DMA write of 8 sector' 'ata: ata0-master: DMA failed: PIO from now on'
	expect_count 1 'failed \('
	expect 'ata: selftest: one 4 KiB read: PIO [0-9]+ ticks'
	expect 'ata: selftest: dma write/read skipped \(PIO only: see above\), pio write/read ok'
	expect_exit 3
	disk_unchanged
}

# A position that holds no hard disk: one clear line with what each position holds.
t_qemu_disk_wrong_position() {
	disk_image || return
	boot_qemu tcg-kernel 1 "swap=ata1-master"
	expect 'ata: swap=ata1-master but that position holds no usable ATA hard disk \(positions: ata0-master disk, ata0-slave none, ata1-master cdrom, ata1-slave none\)'
	expect_exit 3
}

# Bochs: the disk on the secondary channel, behind the PIIX3 bus master the BIOS put at
# BAR4; with no guest modules the hypervisor then goes on and exits 0.
t_bochs_disk() {
	disk_image || return
	boot_bochs 2 2 "swap=ata1-master selftest=disk"
	expect 'pci: IDE controller 8086:7010 at 00:01.1, prog-if 0x[0-9a-f]+ \(legacy\), bus master at 0xc000'
	expect "ata: ata1-master: '[^']+' 131072 sectors \(64 MiB\), LBA48, DMA via PIIX3 bus master at 0xc000"
	disk_selftest_ok
	expect 'ata: selftest: 256-sector read: DMA and PIO agree'
	expect 'ata: selftest: 2 CPUs x 16 concurrent reads ok'
	expect 'ata: selftest: dma write/read ok, pio write/read ok'
	expect 'faultline: ready on 2 CPUs; no VMs to run'
	expect_exit 0
	disk_unchanged
}

# Bochs with no disk attached: swap=auto says so in one line (the CD-ROM is skipped).
t_bochs_disk_none() {
	unset DISK
	boot_bochs 1 2 "swap=auto selftest=disk"
	expect 'ata: swap=auto but no ATA hard disk found \(positions: ata0-master cdrom, ata0-slave none, ata1-master none, ata1-slave none\)'
	expect 'ata: selftest: no disk ready'
	expect_exit 0
}
