# tests/t_monitor.sh: the COM1 monitor (issue 7), driven through Bochs's loopback
# COM1 socket by tests/montalk.sh, against a running lazily backed guest.

t_monitor_commands() {
	cat > "$DIR/script" <<'S'
wait (faultline) 
send pause park
wait paused by the monitor
send help
wait stop every VM
send vms
wait park
send vcpus
wait park:0
sleep 2
send vcpus
wait park:0
send regs park
wait idtr base
send vmcs park
wait guest tr
send exits park
wait last
send ept park 0x100000
wait level 4
send ept park 0x1f00000
wait not present
send mem park 0x100000 32
wait 0x00100010
send mem park 0x7fffffff 16
wait is not inside
send faults park
wait outstanding CAN_CONTINUE
send workers
wait worker cpu
send ram
wait pool: used=
send ram park
wait   ram park: evicted=
send mem park 0x1f00000 16
wait has no frame now
send stats park
wait apf: faults
send log debug
wait loglevel=debug
send log info
wait loglevel=info
send dmesg
wait apf: 1 worker(s)
send step park
wait step park:0
send bogus command
wait unknown command
send mem nosuchvm 0
wait no VM
send mem park banana
wait is not a number
send apf park off
wait asynchronous faults off
send apf park on
wait asynchronous faults on
send resume park
wait resumed after
wait every VM has stopped
send quit
wait exit status
S
	mon_boot 4 "monitor=on workers=1" "$DIR/script" \
		"$G/ve_park.elf vm=park mem=32M lazy=on backing.latency_us=100000 -- pages=24"
	expect 'monitor: on COM1'
	expect 'vm park: paused: paused by the monitor'
	expect '^  vms +every VM: state, memory, exits, status'
	expect '^  0 park +paused +mem=32M vcpus=1 lazy=on apf=on'
	expect '^  park:0 cpu1 paused exits=[0-9]+ #VE=registered'
	# paused means no progress: the exit count is the same two seconds later
	n=$(grep -Eo '^  park:0 cpu1 paused exits=[0-9]+' "$LOG" | sort -u | wc -l)
	[ "$n" -eq 1 ] || fail "the paused vCPU kept exiting: $(grep -E '^  park:0 cpu1 paused' "$LOG" | tr '\n' ' ')"
	expect '^  park:0 rip=0x[0-9a-f]+ '
	expect '^  secondary controls 0x[0-9a-f]{8}: enable EPT, unrestricted guest, EPT-violation #VE'
	expect '^  level 4: 0x[0-9a-f]+ '
	expect '^  0x1f00000: not present'
	expect '^  0x00100000: [0-9a-f]{2} '
	expect "monitor: \[0x7fffffff, \+16\) is not inside park's RAM \(32M\)"
	expect '^  vcpu0: outstanding CAN_CONTINUE=[0-9]+'
	expect '^  worker cpu[0-9]: (idle \(jobs=[0-9]+, busy [0-9]+ us in all\)|producing page 0x[0-9a-f]+ of vm park for [0-9]+ us)'
	expect '^  job queue: [0-9]+ waiting'
	expect '^  pool: used=[1-9][0-9]* peak=[0-9]+ frames'
	expect '^  ram park: resident=[1-9][0-9]* peak=[0-9]+ cap=8192 of 8192 pages, swap slots=0'
	expect '^  page 0x1f00000 has no frame now'
	expect '^  fault #0: vcpu0 gpa=0x[0-9a-f]+ hw-#VE CAN_CONTINUE -> (present|in flight), [0-9]+ us ago'
	expect_count 2 'cpu0  info  faultline: starting on the bootstrap CPU'	# boot + dmesg
	expect '^step park:0: (rip 0x[0-9a-f]+ -> 0x[0-9a-f]+|halted at rip=0x[0-9a-f]+)'
	expect "monitor: unknown command 'bogus' \(help lists them\)"
	expect "monitor: no VM 'nosuchvm' \(see vms\)"
	expect "monitor: 'banana' is not a number"
	expect 'vm park: resumed after [0-9]+ us'
	expect '\[park\] guest: [0-9]+ passed, 0 failed'
	expect 'summary: vm park +passed'
	expect_exit 0
}

# kill stops one VM while the other goes on; quit is not needed: the other VM finishes.
t_monitor_kill() {
	cat > "$DIR/script" <<'S'
wait (faultline) 
send kill victim
wait killed by the monitor
wait every VM has stopped
send quit
wait exit status
S
	mon_boot 4 "monitor=on workers=1" "$DIR/script" \
		"$G/ve_park.elf vm=victim mem=32M lazy=on backing.latency_us=100000 -- pages=32" \
		"$G/hello.elf vm=other mem=16M"
	expect 'vm victim: stopped: killed by the monitor'
	expect 'summary: vm other +passed'
	expect 'summary: vm victim +FAILED'
	expect_exit 1
}

# poison, then the guest's access to that page: the failure path reports. The page is the
# last of the eight the guest touches (100 ms each), so it is not present yet when poisoned.
t_monitor_poison() {
	cat > "$DIR/script" <<'S'
wait (faultline) 
send pause vebasic
wait paused by the monitor
send poison vebasic 0x407000
wait poisoned
send resume vebasic
wait every VM has stopped
send faults vebasic
wait failed page
send quit
wait exit status
S
	mon_boot 4 "monitor=on workers=1" "$DIR/script" \
		"$G/ve_basic.elf vm=vebasic mem=32M lazy=on backing.latency_us=100000 -- pages=8"
	expect '^  vebasic: page 0x407000 poisoned$'
	expect '^  fault #[0-9]+: vcpu0 gpa=0x407000 (hw|sw)-#VE (CAN_CONTINUE|SUSPEND_ME) -> FAILED code=poisoned, [0-9]+ us ago'
	expect '^  fault #[0-9]+: vcpu0 gpa=0x406000 (hw|sw)-#VE (CAN_CONTINUE|SUSPEND_ME) -> present, ' 
	expect '\[vebasic\] guest: PANIC: unhandled memory failure at rip=0x[0-9a-f]+: gpa=0x407000 code=poisoned'
	expect 'summary: vm vebasic +FAILED'
	expect_exit 1
}

# Three thousand random lines (printable junk, Backspace, Ctrl-U, over-long lines, Ctrl-A
# switches, junk typed into the guest's COM1 until its FIFO overflows): every one gets at
# most one line back, nothing crashes, and the monitor still answers help.
t_monitor_fuzz() {
	{
		echo 'wait (faultline) '
		echo 'send pause park'
		echo 'wait paused by the monitor'
		i=0
		while [ $i -lt 3000 ]; do
			n=$((RANDOM % 40 + 1))
			w=$(head -c 256 /dev/urandom | tr -dc 'a-z0-9 :.x-' | head -c $n)
			case $((RANDOM % 8)) in
			0) echo "raw ${w// /_}\\x7f\\x7f\\r" ;;
			1) echo "raw ${w// /_}\\x15zz\\r" ;;
			2) echo "raw \\x01${w:0:1}" ;;		# Ctrl-A and any key
			3) echo "raw \\x010${w// /_}\\r\\x01\\x01\\x01m" ;;	# to park's COM1, back
			*) case ${w%% *} in quit|kill|reboot) ;; *) echo "send $w" ;; esac ;;
			esac
			i=$((i + 1))
		done
		echo 'raw \x01m'
		echo 'send mem park 0x100000 0x100000000000'
		echo 'send ept park 0xffffffffffffffff'
		echo 'send exits park:99'
		echo 'send help'
		echo 'wait stop every VM'
		echo 'send resume park'
		echo 'wait every VM has stopped'
		echo 'send quit'
		echo 'wait exit status'
	} > "$DIR/script"
	mon_boot 4 "monitor=on workers=1" "$DIR/script" \
		"$G/ve_park.elf vm=park mem=32M lazy=on backing.latency_us=20000 -- pages=8"
	expect '^  quit +stop every VM, print the summary, exit'
	expect 'monitor: LEN must be 1..256'
	expect 'monitor: 0xffffffffffffffff is not a guest-physical address EPT can map'
	expect 'monitor: park has 1 vCPU\(s\)'
	expect_not 'EXCEPTION|PANIC'
	expect 'summary: vm park +passed'
	expect_exit 0
}

# apf off, then on, while many faults are in flight: none is lost (every page verified, the
# guest passes); while it was off the faults were synchronous exits, before and after #VEs.
t_monitor_apf_switch() {
	cat > "$DIR/script" <<'S'
wait registered for #VE
send apf storm off
wait asynchronous faults off
sleep 1
send apf storm on
wait asynchronous faults on
wait every VM has stopped
send quit
wait exit status
S
	mon_boot 4 "monitor=on workers=1" "$DIR/script" \
		"$G/apf_many.elf vm=storm mem=32M lazy=on ve=hw backing.latency_us=20000 -- tasks=8 pages=12 anypath"
	expect '\[storm\] guest: apf-many: 8 tasks x 12 pages verified'
	expect 'summary:   apf: faults hw-#VE=[1-9][0-9]* .* apf-off-exit=[1-9][0-9]*'
	expect 'summary: vm storm +passed'
	expect_exit 0
}

# step_check ELF LOG: every "step VM:N: rip A -> B ... after the #DB single-step trap" line
# is checked against the guest's disassembly: B must be A + the length objdump gives the
# instruction at A, or (for a jump, a call, a loop) its target; a return may go anywhere.
# Prints how many steps were checked; a wrong one is a failure.
step_check() {
	elf=$1; n=0
	grep -Eo 'step [a-z0-9_]+:[0-9]+: rip 0x[0-9a-f]+ -> 0x[0-9a-f]+ \(-?[0-9]+ bytes\) after the #DB single-step trap' "$2" |
	while read -r _ _ _ a _ b _; do
		line=$(objdump -d --no-show-raw-insn --start-address=$((a)) --stop-address=$((a + 16)) "$elf" |
			grep -E '^ +[0-9a-f]+:' | head -2)
		this=$(echo "$line" | head -1); next=$(echo "$line" | sed -n 2p | awk '{print $1}' | tr -d :)
		[ -n "$this" ] && [ -n "$next" ] || { echo "no instruction at $a"; continue; }
		op=$(echo "$this" | awk '{print $2}')
		ok="$((0x$next))"
		case $op in
		j*|call*|loop*) t=$(echo "$this" | grep -Eo '\b[0-9a-f]+ <' | head -1 | tr -d ' <')
			[ -n "$t" ] && ok="$ok $((0x$t))" ;;
		ret*) ok="$((b))" ;;
		esac
		case " $ok " in *" $((b)) "*) echo "ok $a $op" ;; *) echo "BAD $a ($op) -> $b, expected one of: $ok" ;; esac
	done
}

# regs, vmcs, step (checked against objdump), trace, poison of a page already present,
# reboot. spin computes without exits with RFLAGS.IF=0 (under Bochs 2.7 only an NMI gets
# such a vCPU out of the guest: vmm/debug/debug.c); park faults, 300 ms a page, for 7 s.
t_monitor_debug() {
	cat > "$DIR/script" <<'S'
wait registered for #VE
send trace on park VMCALL,hlt
wait trace on: park
wait trace park:0
send trace off
wait trace off
send pause park
wait paused by the monitor
sleep 2
send poison park 0x400000
wait poisoned
send resume park
wait resumed after
wait vm park: stopped
send regs spin
wait idtr base
send vmcs spin
wait guest tr
send step spin 12
wait pausing it to step
send step spin:3
wait has 1 vCPU
send step spin 0
wait COUNT must be
send trace on bogus
wait is not a VM or an exit reason
send kill spin
wait killed by the monitor
send quit
wait exit status
S
	mon_boot 4 "monitor=on workers=1" "$DIR/script" \
		"$G/spin.elf vm=spin mem=16M" \
		"$G/ve_park.elf vm=park mem=32M lazy=on backing.latency_us=300000 -- pages=24"
	expect '^  spin:0 rip=0x[0-9a-f]+ rsp=0x[0-9a-f]+ rflags=0x[0-9a-f]+ \['
	expect '^  rax=0x[0-9a-f]{16} rbx='
	expect '^  guest cs +sel=0x[0-9a-f]{4} base=0x0 limit=0x[0-9a-f]+ '
	expect '^  processor controls 0x[0-9a-f]{8}: .*HLT exiting'
	expect '^  secondary controls 0x[0-9a-f]{8}: enable EPT'
	expect '^  EPT pointer 0x[0-9a-f]+: root 0x[0-9a-f]+, 4-level walk, write-back'
	expect '^  last exit: '
	expect_count 12 'step spin:0: rip 0x[0-9a-f]+ -> 0x[0-9a-f]+ \([0-9-]+ bytes\) after the #DB single-step trap'
	step_check "$G/spin.elf" "$LOG" > "$DIR/steps"
	grep -q BAD "$DIR/steps" && fail "a step went wrong: $(grep BAD "$DIR/steps" | head -1)"
	[ "$(grep -c '^ok' "$DIR/steps")" -ge 12 ] || fail "only $(grep -c '^ok' "$DIR/steps") steps checked"
	expect 'monitor: COUNT must be 1..64'
	expect 'trace park:0 #[0-9]+ (VMCALL|HLT) rip=0x'
	expect_not 'trace park:0 #[0-9]+ (I/O|CPUID|EPT)'
	expect "monitor: 'bogus' is not a VM or an exit reason"
	expect '^  park: page 0x400000 poisoned \(it was present: unmapped and flushed, its contents are gone\)'
	expect 'gpa=0x400000 .*code=poisoned'
	expect_exit 1
}

# reboot: the summary, then a hardware reset (Bochs logs it) that comes back through the
# BIOS and GRUB to a second faultline, whose monitor quits once hello has passed again. An
# AP makes the reset (host/exit.c: when the BSP does, Bochs 2.7's debugger loop runs the
# BIOS with time stopped, and it panics "Keyboard error:21"); no Bochs panic but the final
# shutdown port's. t_qemu_tcg_reboot shows the same reset making QEMU leave.
t_monitor_reboot() {
	cat > "$DIR/script" <<'S'
wait monitor: every VM has stopped
send reboot
wait faultline: rebooting
wait monitor: on COM1
wait monitor: every VM has stopped
send quit
wait exit status
S
	BOCHS_INFO=report mon_boot 2 "monitor=on" "$DIR/script" "$G/hello.elf vm=hello mem=16M"
	expect '^  rebooting: every VM stops, the summary follows, then the machine resets'
	expect_order 'summary: 1 of 1 VM\(s\) passed' 'faultline: rebooting'
	grep -q 'bx_pc_system_c::Reset(HARDWARE) called' "$DIR/bochs.log.bochs" ||
		fail "Bochs saw no hardware reset after the reboot"
	p=$(grep PANIC "$DIR/bochs.log.bochs" | grep -v 'Shutdown port: shutdown requested' | head -1)
	[ -z "$p" ] || fail "Bochs panicked: $p"
	expect_count 2 'monitor: on COM1'
	expect_count 2 'summary: 1 of 1 VM\(s\) passed'
	expect_count 2 'faultline: starting on the bootstrap CPU'
	expect_exit 0
}
