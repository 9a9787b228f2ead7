# tests/t_ve.sh: #VE delivery and the PV protocol (issue 4), every guest in hardware and in
# software #VE mode. Bochs's Skylake-X offers EPT-violation #VE, so both modes run here.
# Each VM runs on cpu0 with one worker (cpu1) fetching pages.

# ve_boot MODE NAME "VM KEYS" ["GUEST ARGS"]
ve_boot() {
	boot_bochs 2 2 "workers=1" "$G/$2.elf vm=$2 mem=32M lazy=on ve=$1 $3 -- $4"
	expect "vm $2: lazily backed RAM .*#VE in $( [ "$1" = hw ] && echo hardware || echo software) \(ve=$1\)"
	expect "summary: vm $2 +passed"
	expect "\[$2\] guest: [0-9]+ passed, 0 failed"
	expect_exit 0
}

# The number in "summary:   apf: ... KEY=N" is at least MIN.
expect_stat() {
	n=$(grep -Eo "$1=[0-9]+" "$LOG" | head -1 | cut -d= -f2)
	[ -n "$n" ] && [ "$n" -ge "$2" ] || fail "expected $1 >= $2, got '${n:-none}'"
}
expect_stat_eq() {
	n=$(grep -Eo "$1=[0-9]+" "$LOG" | head -1 | cut -d= -f2)
	[ "$n" = "$2" ] || fail "expected $1 = $2, got '${n:-none}'"
}
ve_stat() { [ "$1" = hw ] && echo hw-#VE || echo sw-#VE; }

ve_basic() {
	ve_boot "$1" ve_basic "backing.latency_us=20" "pages=64"
	expect "vm ve_basic vcpu0: registered for #VE \($( [ "$1" = hw ] && echo hardware || echo software)\)"
	expect_stat "$(ve_stat "$1")" 64
	expect_stat_eq unregistered-exit 0
	expect_stat completions 1
}
t_ve_basic_hw() { ve_basic hw; }
t_ve_basic_sw() { ve_basic sw; }

# While one task waits for its page (CAN_CONTINUE, 2 ms per page), the other progresses.
ve_park() {
	ve_boot "$1" ve_park "backing.latency_us=2000" "pages=8"
	expect '\[ve_park\] guest: ve-park: other task made [1-9][0-9]* steps during [1-9][0-9]* waits'
	expect_stat continue 8
	expect_stat injections 1
}
t_ve_park_hw() { ve_park hw; }
t_ve_park_sw() { ve_park sw; }

# A fault with interrupts off takes the SUSPEND_ME path and is resolved.
ve_suspend() {
	ve_boot "$1" ve_suspend "backing.latency_us=100" "pages=8"
	expect_stat suspend 8
}
t_ve_suspend_hw() { ve_suspend hw; }
t_ve_suspend_sw() { ve_suspend sw; }

# The #VE handler touches another missing page before it clears the busy word: a busy-word
# exit, resolved synchronously; the first fault still completes once.
ve_nested() {
	ve_boot "$1" ve_nested "backing.latency_us=100" ""
	expect_stat busy-word-exit 1
}
t_ve_nested_hw() { ve_nested hw; }
t_ve_nested_sw() { ve_nested sw; }

# A guest that never registers sees no #VE: every fault is a synchronous exit.
ve_unregistered() {
	ve_boot "$1" ve_unregistered "backing.latency_us=10" "pages=32"
	expect_stat unregistered-exit 32
	expect_stat_eq "$(ve_stat "$1")" 0
}
t_ve_unregistered_hw() { ve_unregistered hw; }
t_ve_unregistered_sw() { ve_unregistered sw; }

# Every hypercall with each invalid argument gets its documented error; the VM stays healthy.
ve_badcalls() {
	ve_boot "$1" ve_badcalls "" ""
	expect_not '\[ve_badcalls\] guest: FAIL'
}
t_ve_badcalls_hw() { ve_badcalls hw; }
t_ve_badcalls_sw() { ve_badcalls sw; }

# ve=hw on a CPU model without EPT-violation #VE is refused; ve=auto falls back to software.
t_ve_no_hw_model() {
	MODEL=corei7_sandy_bridge_2600k boot_bochs 2 2 "workers=1" \
		"$G/ve_basic.elf vm=wanthw mem=32M lazy=on ve=hw -- pages=4" \
		"$G/ve_basic.elf vm=auto mem=32M lazy=on ve=auto -- pages=16"
	expect 'vmx: EPT-violation #VE: not offered, software #VE will be used'
	expect 'vm wanthw \(module 0\): refused: ve=hw but this CPU offers no EPT-violation #VE'
	expect 'vm auto: lazily backed RAM .*#VE in software \(ve=auto\)'
	expect 'summary: vm auto +passed'
	expect_exit 1		# wanthw was asked for and never ran
}
