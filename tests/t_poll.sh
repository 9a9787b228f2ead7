# tests/t_poll.sh: polled mode (issue 14, docs/pv-protocol.md "Polled mode"). The guest's
# "poll" argument registers with FL_VE_F_POLLED: CAN_CONTINUE reports are posted in the PV
# page and taken by the poller (the first worker), completions are read at the guest's
# schedule points; a REPORT hypercall only as the doorbell when no worker polls, the
# completion vector only past the deadline. Every ve_* and apf_* guest runs here in polled
# mode, hardware and software #VE side by side in one boot (two VMs sharing the poller), with
# the assertions of its own test; then the doorbell, the deadline, mixed modes, and the
# storm (pause, resume, apf off/on, poison with polled faults in flight).

# The summary lines of VM $1 (from its "summary: vm NAME" line to the next VM's or worker's).
vm_summary() {
	awk -v v="summary: vm $1 " 'index($0, v) { on = 1; next }
		/summary: vm |summary: worker|summary: poller|summary: [0-9]+ of / { on = 0 } on' "$LOG"
}

# poll_pair NAME BOCHS-CPUS "HV CMDLINE" "VM KEYS" "GUEST ARGS" [MIN-POSTED]: NAME's guest
# twice, vm=hw (ve=hw) and vm=sw (ve=sw), both polled; both pass, each took at least
# MIN-POSTED (default 1) posted reports, the hardware one without a REPORT hypercall per
# fault (its VMCALLs: register, unregister, the guest's own, and doorbells only).
poll_pair() {
	local name=$1 cpus=$2 hv=$3 keys=$4 args=$5 min=${6:-1} m n
	boot_bochs "$cpus" 2 "$hv" \
		"$G/$name.elf vm=hw mem=32M lazy=on ve=hw $keys -- $args poll" \
		"$G/$name.elf vm=sw mem=32M lazy=on ve=sw $keys -- $args poll"
	for m in hw sw; do
		expect "\[$m\] guest: [0-9]+ passed, 0 failed"
		expect "summary: vm $m +passed"
		[ "$min" = 0 ] && continue
		n=$(vm_summary $m | grep -Eo 'polled reports=[0-9]+' | cut -d= -f2)
		[ "${n:-0}" -ge "$min" ] || fail "vm $m: polled reports=${n:-none}, at least $min wanted"
		vm_summary $m | grep -q 'not-a-report=0 ' || [ -z "$n" ] ||
			fail "vm $m: a posted bit was no report: $(vm_summary $m | grep -m1 'polled reports')"
	done
	expect_not 'EXCEPTION|PANIC'
	expect_exit 0
}

t_poll_ve_basic() { poll_pair ve_basic 3 "workers=1" "backing.latency_us=20" "pages=64" 1; }
t_poll_ve_park() { poll_pair ve_park 3 "workers=1" "backing.latency_us=2000" "pages=8" 8; }
t_poll_ve_suspend() { poll_pair ve_suspend 3 "workers=1" "backing.latency_us=100" "pages=8" 0; }
t_poll_ve_nested() { poll_pair ve_nested 3 "workers=1" "backing.latency_us=100" "" 0; }
t_poll_ve_badcalls() { poll_pair ve_badcalls 3 "workers=1" "" "" 0; }
t_poll_ve_unregistered() { poll_pair ve_unregistered 3 "workers=1" "" "" 0; }
t_poll_apf_many() { poll_pair apf_many 4 "workers=2" "backing.latency_us=300" "tasks=8 pages=8" 1; }
# Overlap needs its two workers to itself (the guest's ideal is T*M*L/W): one VM per boot.
poll_overlap() {
	boot_bochs 4 2 "workers=2" "$G/apf_overlap.elf vm=ov mem=32M lazy=on ve=$1 backing.latency_us=2000 -- tasks=4 pages=4 latency_us=2000 workers=2 poll"
	expect '\[ov\] guest: apf-overlap: wall=[0-9]+ us ideal=16000 us efficiency=([89][0-9]|1[0-9][0-9])%'
	expect 'summary:   apf: polled reports=16 '
	expect 'summary: vm ov +passed'
	expect_exit 0
}
t_poll_apf_overlap_hw() { poll_overlap hw; }
t_poll_apf_overlap_sw() { poll_overlap sw; }
# ... and its idle loop waited in MWAIT on the completions word (docs/pv-protocol.md, "Idle").
t_poll_apf_dedupe() {
	poll_pair apf_dedupe 3 "workers=1" "backing.latency_us=2000" "tasks=4 pages=4" 1
	expect '\[hw\] guest: apf-dedupe: polled: .* mwaits=[1-9][0-9]* \(ended by the host.s store: [0-9]+\)'
	expect '\[sw\] guest: apf-dedupe: polled: .* mwaits=[1-9][0-9]* '
}
t_poll_apf_flood() { poll_pair apf_flood 3 "workers=1 apf_limit=4" "backing.latency_us=1000" "tasks=12 limit=4" 12; }
t_poll_apf_smp() {
	boot_bochs 6 2 "workers=1" \
		"$G/apf_smp.elf vm=hw mem=32M vcpus=2 lazy=on ve=hw backing.latency_us=500 -- poll" \
		"$G/apf_smp.elf vm=sw mem=32M vcpus=2 lazy=on ve=sw backing.latency_us=500 -- poll"
	for m in hw sw; do
		expect "\[$m\] guest: apf-smp: vcpu0 [1-9][0-9]* faults, vcpu1 [1-9][0-9]* faults"
		expect "summary: vm $m +passed"
		vm_summary $m | grep -Eq 'polled reports=[1-9]' || fail "vm $m: no polled report"
	done
	expect_exit 0
}

# Negotiated per vCPU: a polled VM beside one with the interrupt protocol, one pool.
t_poll_mixed() {
	boot_bochs 4 2 "workers=2" \
		"$G/apf_many.elf vm=one mem=32M lazy=on ve=hw backing.latency_us=300 backing.seed=1 -- tasks=4 pages=8 seed=1 poll" \
		"$G/apf_many.elf vm=two mem=32M lazy=on ve=hw backing.latency_us=300 backing.seed=2 -- tasks=4 pages=8 seed=2"
	expect '\[one\] guest: apf-many: 4 tasks x 8 pages verified'
	expect '\[two\] guest: apf-many: 4 tasks x 8 pages verified'
	vm_summary one | grep -Eq 'polled reports=[1-9]' || fail "vm one: no polled report"
	vm_summary two | grep -q 'polled reports=' && fail "vm two: polled reports, but it did not opt in"
	vm_summary two | grep -Eq 'injections=[1-9]' || fail "vm two: no completion vector"
	expect 'summary: vm one +passed'
	expect 'summary: vm two +passed'
	expect_exit 0
}

# The poller sleeps after 20 ms with nothing posted and says so (host_polling = 0); the
# guest's next report rings the doorbell, which takes it and wakes the poller: every report
# is completed, none lost across the switch.
t_poll_doorbell() {
	boot_bochs 2 2 "workers=1" "$G/ve_park.elf vm=park mem=32M lazy=on ve=hw backing.latency_us=500 -- pages=4 gap_us=40000 poll"
	expect '\[park\] guest: [0-9]+ passed, 0 failed'
	expect 'summary:   apf: polled reports=4 put-off=0 not-a-report=0 doorbells=[1-4] '
	expect 'summary: poller cpu1: .* slept [1-9][0-9]* times'
	expect '\[park\] guest: ve-park: polled: posted=4 doorbells=[1-4] '
	expect 'summary: vm park +passed'
	expect_exit 0
}

# A polled guest that stops consuming (task B computes 5 ms at a time without a schedule
# point): the completion still reaches it, through the vector, by the deadline (2 ms).
t_poll_deadline() {
	boot_bochs 2 2 "workers=1" "$G/ve_park.elf vm=park mem=32M lazy=on ve=hw backing.latency_us=500 -- pages=4 hog_us=5000 poll"
	expect '\[park\] guest: [0-9]+ passed, 0 failed'
	expect 'summary:   apf: polled reports=4 .* deadline-vectors=[1-9]'
	expect '\[park\] guest: ve-park: parks=[1-9][0-9]* resumed=4 failed=0 completion-irqs=[1-9]'
	expect 'summary: vm park +passed'
	expect_exit 0
}

# The same with two workers and pages that take 30 ms: the poller may sleep while the other
# worker produces; that worker's completion wakes it to watch the deadline.
t_poll_deadline_asleep() {
	boot_bochs 3 2 "workers=2" "$G/ve_park.elf vm=park mem=32M lazy=on ve=hw backing.latency_us=30000 -- pages=3 hog_us=5000 poll"
	expect '\[park\] guest: [0-9]+ passed, 0 failed'
	expect 'summary:   apf: polled reports=3 .* deadline-vectors=[1-9]'
	expect 'summary: vm park +passed'
	expect_exit 0
}

# The storm in polled mode: two VMs x two vCPUs, poisoned and flaky pages, the monitor's
# pauses, resumes, poisons and apf off/on with polled faults in flight; every REPORT (each
# posted report is one) completed exactly once, as t_storm.sh's judge checks.
t_poll_storm() { STORM_ARGS=poll STORM_FLOOR=6000 storm hw ${STORM_LATENCY:-20} 3000; }
