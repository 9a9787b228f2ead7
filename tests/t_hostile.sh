# tests/t_hostile.sh: a hostile guest beside a benign one (issue 11, "Proof that it holds").
# guest/tests/hostile/hostile.c makes HOSTILE_CALLS (default 120000) random hypercalls from
# two vCPUs and ring 3, scribbles over its PV page and VE information page, and has real
# asynchronous faults in flight on lazily backed RAM the whole time; apf_many, a benign VM,
# faults through the same worker and must pass. One Bochs run per test: 4 CPUs (hostile
# vCPU 0 and 1, benign, one worker).
#
# The hypervisor must survive: both VMs pass (the hostile guest checks that its own faults
# completed, its pages hold what they must, and every hypercall returned what the spec
# says), the summary and the exit line are there, nothing panicked, and the hostile VM's
# counters reconcile with what the guest counted (every accepted REPORT is in the decisions
# and completed exactly once).
#
# Reproduce a failure: the guest's seed is rng=N (HOSTILE_RNG=N overrides the test's); e.g.
#   HOSTILE_RNG=7 HOSTILE_CALLS=200000 bash tests/integration.sh '^hostile_hw$'

# hostile_boot MODE RNG "HOSTILE VM KEYS" ["HOSTILE GUEST ARGS"]
hostile_boot() {
	TIMEOUT=${TIMEOUT:-600} boot_bochs 4 2 "workers=1" \
		"$G/hostile.elf vm=hostile mem=64M vcpus=2 ve=$1 $3 -- rng=${HOSTILE_RNG:-$2} calls=${HOSTILE_CALLS:-${CALLS:-120000}} $4" \
		"$G/apf_many.elf vm=benign mem=32M lazy=on ve=$1 backing.latency_us=300 -- tasks=8 pages=384"
}

# The number after "KEY=" in the hostile VM's block of the summary.
hostile_stat() {
	sed -n '/summary: vm hostile /,/summary: \(vm [a-z]\|worker\|[0-9]* of\)/p' "$LOG" |
		grep -Eo "[ (]$1=[0-9]+" | head -1 | cut -d= -f2
}

# The number after "KEY=" in the guest's line that contains WHAT.
hostile_guest() {
	grep -E "\[hostile\] guest: hostile: $1" "$LOG" | grep -Eo "[ (]$2=[0-9]+" | head -1 | cut -d= -f2
}

hostile_expect() {
	expect '\[benign\] guest: [0-9]+ passed, 0 failed'
	expect 'summary: vm benign +passed'
	expect '\[hostile\] guest: [0-9]+ passed, 0 failed'
	expect 'summary: vm hostile +passed'
	expect 'summary: 2 of 2 VM\(s\) passed'
	expect_exit 0
	expect_not '[Pp][Aa][Nn][Ii][Cc]'
	expect_not 'EXCEPTION'
	expect_not '[Uu]nhandled'
	expect_not 'SURPRISE'
	expect_not 'hostile: FATAL'
	expect_not 'ring 3 got FL_HC_PUTS printed'
	n=$(sed -nE 's/.*\[hostile\] guest: hostile: ([0-9]+) hypercalls, [0-9]+ faults, results: .*/\1/p' "$LOG" | head -1)
	want=$(( ${HOSTILE_CALLS:-${CALLS:-120000}} * 5 / 6 ))	# 100,000 for the default
	[ "${n:-0}" -ge "$want" ] || fail "the hostile guest reported ${n:-no} hypercalls, want >= $want"
}

# The hostile VM's apf counters against the guest's (lazily backed RAM only).
hostile_counters() {
	gc=$(hostile_guest 'accepted reports' continue); gs=$(hostile_guest 'accepted reports' suspend)
	hc=$(hostile_stat continue); hs=$(hostile_stat suspend)
	[ -n "$gc" ] && [ "$gc" = "$hc" ] && [ "$gs" = "$hs" ] ||
		fail "decisions: host continue=${hc:-?} suspend=${hs:-?}, guest accepted continue=${gc:-?} suspend=${gs:-?}"
	rep=$(hostile_stat reports); comp=$(hostile_stat completed); res=$(hostile_stat resolved)
	[ -n "$rep" ] && [ "$rep" = $(( ${hc:-0} + ${hs:-0} )) ] ||
		fail "reports=${rep:-?} is not continue+suspend=$(( ${hc:-0} + ${hs:-0} ))"
	[ "$comp" = "$rep" ] && [ "$res" = "$rep" ] ||
		fail "not every REPORT completed once: reports=${rep:-?} completed=${comp:-?} resolved=${res:-?}"
	[ "$(hostile_stat failed)" = 0 ] || fail "a REPORT failed: failed=$(hostile_stat failed)"
	cps=$(hostile_stat completions); inj=$(hostile_stat injections)
	[ -n "$cps" ] && [ "$cps" -le "$hc" ] && [ "$inj" -le "$cps" ] ||
		fail "completions=${cps:-?} injections=${inj:-?} against continue=$hc"
	[ "$(hostile_stat max)" -le 65 ] || fail "outstanding max=$(hostile_stat max) above apf_limit"
	ok=$(hostile_stat ok); fetched=$(hostile_stat fetched)
	[ -n "$ok" ] && [ "$ok" = "$fetched" ] && [ "$ok" -le 16384 ] ||
		fail "productions ok=${ok:-?} fetched=${fetched:-?} (at most 16384 pages in 64M)"
	gve=$(sed -nE 's/.*\[hostile\] guest: hostile: #VE=([0-9]+) .*/\1/p' "$LOG" | head -1)
	if [ "$1" = hw ]; then
		[ "$(hostile_stat hw-#VE)" = "$rep" ] || fail "hw-#VE=$(hostile_stat hw-#VE), reports=$rep"
	else
		[ "$(hostile_stat sw-#VE)" = "$gve" ] || fail "sw-#VE=$(hostile_stat sw-#VE), the guest took $gve"
	fi
	[ "${gve:-0}" -ge 100 ] || fail "only ${gve:-no} real #VEs in the hostile guest"
}

hostile_lazy() {
	hostile_boot "$1" "$2" "lazy=on backing.latency_us=200"
	expect "vm hostile: lazily backed RAM .*#VE in $( [ "$1" = hw ] && echo hardware || echo software) \(ve=$1\)"
	hostile_expect
	hostile_counters "$1"
}
# make test's 2-core budget: the full 120,000 calls once (hw); the other two modes with
# 40,000 (HOSTILE_CALLS=N sets every test's).
t_hostile_hw() { hostile_lazy hw 1; }
t_hostile_sw() { local CALLS=40000; hostile_lazy sw 2; }

# The same without lazy=on: every REPORT of a RAM page must resolve at once (the page is
# there) without anything rewriting it (issue 11, defect 1: such REPORTs reached the
# lazy-RAM page states, which such a VM does not have).
t_hostile_nolazy() {
	local CALLS=40000
	hostile_boot hw 3 "" nolazy
	hostile_expect
}
