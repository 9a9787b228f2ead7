# tests/t_fail.sh: fault failures (issue 6): failure injection in the backing store, the
# record, stop or pause, the failed-page set. Guests without the PV protocol (memtest) and
# with it (ve_basic) show the paths that need no guest-side failure handling.

# A guest without the PV protocol touches a poisoned page: its VM stops with the record; the
# hypervisor and the other VM go on.
t_fail_unregistered() {
	boot_bochs 4 2 "workers=1" "$G/memtest.elf vm=victim mem=16M lazy=on backing.poison=8M" \
		"$G/hello.elf vm=bystander mem=16M"
	expect 'vm victim: stopped: synchronous fault failed \(the guest cannot be told\) at rip=0x[0-9a-f]+: fault record: gpa=0x800000 size=4096 access=write gla=0x800000 code=poisoned flags=gla-valid'
	expect 'summary: vm victim +FAILED'
	expect 'summary:   apf: failed page 0x800000'
	expect 'summary: vm bystander +passed'
	expect_exit 1
}

# on_fault=pause: the VM pauses with the record instead; resume_ms= resumes it; a flaky page
# then works, its transient failure leaves the set, the set is empty at the end.
t_fail_pause_resume() {
	boot_bochs 2 2 "workers=1" "$G/memtest.elf vm=flaky mem=16M lazy=on backing.flaky=8M+8K:1 on_fault=pause resume_ms=20"
	expect 'vm flaky: paused: synchronous fault failed .*gpa=0x800000 .*code=io-error'
	expect 'vm flaky: resumed after [0-9]+ us'
	expect 'vm flaky: page 0x800000 produced on retry: transient failure cleared'
	expect 'vm flaky: page 0x801000 produced on retry: transient failure cleared'
	expect 'summary:   apf: failures=2 sync-retries=0, failed-page set: 0 page\(s\) \(added 2, cleared 2, evicted 0\)'
	expect 'summary: vm flaky +passed'
	expect_exit 0
}

# Paused with nothing to resume it: the hypervisor does not wait for ever; at the end the VM
# is stopped with the reason it paused.
t_fail_pause_forever() {
	boot_bochs 2 2 "workers=1" "$G/memtest.elf vm=stuck mem=16M lazy=on backing.poison=8M on_fault=pause"
	expect 'vm stuck: paused: .*code=poisoned .*\(resume it from the monitor\)'
	expect 'vm stuck: stopped: still paused at the end: synchronous fault failed'
	expect 'summary: vm stuck +FAILED'
	expect_exit 1
}

# A registered guest is told through its PV entry (FAIL with the record); ve_basic has no
# recovery, so it reports the record and fails: the VM's status is a failure, nothing hangs.
t_fail_reported_to_guest() {
	boot_bochs 2 2 "workers=1" "$G/ve_basic.elf vm=told mem=32M lazy=on ve=hw backing.poison=0x400000 -- pages=8"
	expect '\[told\] guest: FAIL fault record gpa=0x400000 .*code=2'
	expect 'summary: vm told +FAILED status=3'
	expect 'summary:   apf: failures=1'
	expect_exit 1
}

# Bad failure-injection values are rejected with a clear message and change nothing.
t_fail_bad_ranges() {
	boot_bochs 2 2 "" "$G/hello.elf vm=h mem=16M lazy=on backing.poison=5M-4M backing.flaky=8M"
	expect "vm h: cmdline: backing.poison=5M-4M: item 1 '5M-4M': end not after start \(ignored\)"
	expect "vm h: cmdline: backing.flaky=8M: missing ':N' attempt count \(ignored\)"
	expect 'summary: vm h +passed'
	expect_exit 0
}
