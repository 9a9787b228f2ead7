# tests/t_swap.sh: real guest memory (issue 15): a lazily backed VM larger than the host
# frames it may hold (resident=, host_mem=), its cold pages evicted to a swap disk (an ATA
# disk in Bochs: tools/mkdisk.sh makes it, DISK= makes tools/bochs.sh attach it) and brought
# back through the #VE/worker path; lazy restore from an image module (backing=image); a
# full swap disk and a failing one. Guests: overcommit (every word of every page written,
# then verified twice in two orders, with a seed of its own), restore, swapbench (make
# bench). Each run stays around 20-30 MiB of guest RAM so Bochs finishes in tens of seconds.

# swap_boot CPUS "HV CMDLINE" DISK-MiB "MODULE ARGS"...: a fresh swap disk $DIR/swap.img of
# DISK-MiB attached to the boot; the log in $LOG as for boot_bochs.
swap_boot() {
	cpus=$1; hv=$2; mib=$3; shift 3
	[ -f tools/mkdisk.sh ] || { fail "tools/mkdisk.sh is missing: no swap disk to attach"; return 1; }
	sh tools/mkdisk.sh "$DIR/swap.img" "$mib" > "$DIR/mkdisk.out" 2>&1 ||
		{ fail "tools/mkdisk.sh $DIR/swap.img $mib failed: $(tail -1 "$DIR/mkdisk.out")"; return 1; }
	DISK=$DIR/swap.img TIMEOUT=${TIMEOUT:-240} boot_bochs "$cpus" 2 "$hv" "$@" || return
	# Every key is known: an ignored resident= or swap= would make an overcommit test a
	# plain lazy one that passes for the wrong reason.
	expect_not 'cmdline: unknown key'
	# REGISTER's pages are pinned: their frames at unregister are those of registration
	# (apf/apf.c checks and says so), however much else was evicted.
	expect_not 'pinned page 0x[0-9a-f]+ moved while registered'
}

# vm_passed NAME: the guest's report, the summary's verdict.
vm_passed() {
	expect "\[$1\] guest: [0-9]+ passed, 0 failed"
	expect "summary: vm $1 +passed"
}

# Evictions and page-ins happened (the summary's mem line; its exact layout is the
# hypervisor's, only these two fields are relied on).
expect_swapped() {
	expect '^.*summary:.*evicted=[1-9]' 'pages were evicted to swap'
	expect '^.*summary:.*pageins=[1-9]' 'pages came back from swap'
}

# 20 MiB written and verified twice through 8 MiB of resident frames (2.5x): each page
# goes to swap and back at least once per pass; hw with backing=zero, sw with pattern (the
# guest overwrites both). The faulting task parks, the three others go on.
swap_overcommit() {
	swap_boot 2 "workers=1 swap=auto" 64 \
		"$G/overcommit.elf vm=oc mem=32M resident=8M lazy=on ve=$1 backing=$2 -- tasks=4 pages=5120 seed=11" || return
	expect '\[oc\] guest: overcommit: 5120 pages x 3 passes verified, tasks=4'
	expect_not 'guest: FAIL'
	vm_passed oc
	expect_swapped
	expect_exit 0
}
t_swap_overcommit_hw() { swap_overcommit hw zero; }
t_swap_overcommit_sw() { swap_overcommit sw pattern; }

# The same without the PV protocol: one task, never registered, every page-in synchronous;
# and the disk driven by PIO (swap.pio=on), where the other runs use bus-master DMA.
t_swap_overcommit_sync() {
	swap_boot 2 "workers=1 swap=auto swap.pio=on" 64 \
		"$G/overcommit.elf vm=oc mem=32M resident=8M lazy=on backing=zero -- tasks=1 pages=5120 seed=12 nove" || return
	expect '\[oc\] guest: overcommit: 5120 pages x 3 passes verified, tasks=1'
	expect '\[oc\] guest: PASS not registered: no #VE'
	expect 'ata: ata1-master: .* PIO \(swap.pio=on\)'
	expect 'summary:   swap: .* reads=[1-9][0-9]* writes=[1-9][0-9]* errors=0/0'
	vm_passed oc
	expect_swapped
	expect_exit 0
}

# Three VMs of 24M, each allowed 12M, all sharing a pool of 24M (host_mem=) and one swap
# disk: 36 MiB of data through 24 MiB of frames. Each VM writes its own seed's pattern, so a
# page of one VM showing up in another (a slot or a frame given to the wrong VM) fails
# every word. Both #VE modes, and one guest of a single task.
t_swap_three_vms() {
	swap_boot 4 "workers=1 swap=auto host_mem=24M" 64 \
		"$G/overcommit.elf vm=a mem=24M resident=12M lazy=on ve=hw backing=zero -- tasks=4 pages=3072 seed=1" \
		"$G/overcommit.elf vm=b mem=24M resident=12M lazy=on ve=sw backing=pattern -- tasks=4 pages=3072 seed=2" \
		"$G/overcommit.elf vm=c mem=24M resident=12M lazy=on ve=hw backing=zero -- tasks=1 pages=3072 seed=3" || return
	for v in a b c; do
		expect "\[$v\] guest: overcommit: 3072 pages x 3 passes verified"
		vm_passed $v
	done
	expect_not 'guest: FAIL'
	expect_swapped
	expect_exit 0
}

# Lazy restore: the VM's memory comes from an image module (args image=NAME; a module whose
# args start with image= is data, not a VM), page by page on first touch, zero past the
# image's end. tools/mkimage writes restore_word(o) at each offset (restore_image.h).
t_swap_restore() {
	build/tools/mkimage "$DIR/snap.img" 18M || { fail "build/tools/mkimage failed"; return; }
	swap_boot 2 "workers=1 swap=auto" 64 \
		"$DIR/snap.img image=snap" \
		"$G/restore.elf vm=restore mem=32M lazy=on ve=hw backing=image backing.image=snap -- from=0x1000000 pages=256 tail=0x1200000" || return
	expect '\[restore\] guest: restore: 256 pages match the image'
	expect '\[restore\] guest: restore: page 0x1200000 past the image is zero'
	vm_passed restore
	expect_exit 0
}

# Restored pages under a resident cap: 14 MiB of the image read twice through 6 MiB of
# frames, so the second pass reads pages that were evicted (clean: from swap, or the image
# again, the hypervisor's choice) and they must still be the image's.
t_swap_restore_evict() {
	build/tools/mkimage "$DIR/snap.img" 18M || { fail "build/tools/mkimage failed"; return; }
	swap_boot 2 "workers=1 swap=auto" 64 \
		"$DIR/snap.img image=snap" \
		"$G/restore.elf vm=restore mem=32M resident=6M lazy=on ve=sw backing=image backing.image=snap -- from=0x400000 pages=3584 passes=2 tail=0x1200000" || return
	expect '\[restore\] guest: restore: 3584 pages match the image'
	vm_passed restore
	expect '^.*summary:.*evicted=[1-9]' 'pages were evicted'
	expect_exit 0
}

# A swap disk far too small (1 MiB for 12 MiB more than resident=): the hypervisor says so
# in a clear line and the VM ends FAILED (stopped, or its guest told and failing its
# checks); nothing hangs, the run ends with status 1.
t_swap_full() {
	swap_boot 2 "workers=1 swap=auto" 1 \
		"$G/overcommit.elf vm=full mem=32M resident=8M lazy=on ve=hw backing=zero -- tasks=4 pages=5120 seed=13" || return
	expect '[Ss]wap (is )?full' 'the hypervisor names the cause'
	expect_not '\[full\] guest: overcommit: [0-9]+ pages x 3 passes verified'
	expect 'summary: vm full +FAILED'
	expect_exit 1
}

# A swap disk with bad sectors (swap.bad=RANGES: disk byte ranges that read back bad, a
# latent media error: the write went through, the read-back fails). 1 MiB at 4 MiB of the
# disk is slots 1023-1278: a slot stays with its page for life and slots are handed out in
# the order pages are first evicted, so these are pages of the test region evicted once
# the first passes are under way, which the later passes read again. A page whose slot
# cannot be read back comes to the guest as FAIL with code=io-error; the guest
# (expect_fail) never touches such a page again, verifies all the others and passes.
t_swap_ioerror() {
	swap_boot 2 "workers=1 swap=auto swap.bad=0x400000+0x100000" 64 \
		"$G/overcommit.elf vm=ioerr mem=32M resident=8M lazy=on ve=hw backing=zero -- tasks=4 pages=5120 seed=14 expect_fail" || return
	expect '\[ioerr\] guest: overcommit: page 0x[0-9a-f]+ failed in pass [0-2]: code=io-error'
	expect '\[ioerr\] guest: overcommit: [1-9][0-9]* pages failed \([1-9][0-9]* io-error\), as expected'
	expect '\[ioerr\] guest: overcommit: [0-9]+ pages x 3 passes verified, tasks=4'
	vm_passed ioerr
	expect_exit 0
}

# The same failure for a guest that cannot be told (not registered): the VM stops with the
# record; the hypervisor goes on to its summary.
t_swap_ioerror_sync() {
	swap_boot 2 "workers=1 swap=auto swap.bad=0x400000+0x100000" 64 \
		"$G/overcommit.elf vm=ioerr mem=32M resident=8M lazy=on backing=zero -- tasks=1 pages=5120 seed=15 nove" || return
	expect 'vm ioerr: stopped: synchronous fault failed \(the guest cannot be told\) .*code=io-error'
	expect 'summary: vm ioerr +FAILED'
	expect_exit 1
}

# Writes that fail (swap.bad_write=: 64 KiB at 64 KiB of the disk, slots 15-30, among the
# first handed out): the page being evicted stays resident (rescued), the slot is retired,
# the next slot is tried; nothing is lost, so every word still verifies.
t_swap_write_error() {
	swap_boot 2 "workers=1 swap=auto swap.bad_write=0x10000+0x10000" 64 \
		"$G/overcommit.elf vm=wr mem=32M resident=8M lazy=on ve=hw backing=zero -- tasks=4 pages=5120 seed=16" || return
	expect 'swap: write of slot [0-9]+ \(lba [0-9]+\) failed: injected \(swap.bad_write=\)'
	expect 'summary:   swap: .* retired=[1-9]'
	expect '\[wr\] guest: overcommit: 5120 pages x 3 passes verified, tasks=4'
	vm_passed wr
	expect_swapped
	expect_exit 0
}

# Pinned pages stay: the guest registers, then holds its VE busy word set, so every fault is
# synchronous and its VE-information and PV pages are never touched again while 20 MiB go
# through 8 MiB of frames: cold pages the clock would take first. The hypervisor checks at
# unregister that the three pages are in the frames they were registered in (swap_boot
# fails the test on its "moved while registered" line).
t_swap_pinned() {
	swap_boot 2 "workers=1 swap=auto" 64 \
		"$G/overcommit.elf vm=pin mem=32M resident=8M lazy=on ve=hw backing=zero -- tasks=1 pages=5120 seed=17 hold_ve" || return
	expect '\[pin\] guest: overcommit: 5120 pages x 3 passes verified, tasks=1'
	expect 'vm pin vcpu0: registered for #VE'
	expect 'summary:   apf: faults hw-#VE=0 sw-#VE=0 busy-word-exit=[1-9]'
	vm_passed pin
	expect_swapped
	expect_exit 0
}
