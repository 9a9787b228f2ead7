#!/bin/sh
# tools/bench.sh: `make bench`. Runs the fault benchmarks in Bochs and prints a table of
# figures in guest TSC ticks (with `clock: sync=none` Bochs ties the TSC to the instruction
# count, so the numbers repeat run after run) and exit counts from the hypervisor summary.
# Not a test: it asserts nothing, it measures.
set -u
cd "$(dirname "$0")/.."
out=build/bench; mkdir -p $out
G=build/guests

run() { # NAME CPUS HVCMD MODULE...
	name=$1; cpus=$2; hv=$3; shift 3
	sh tools/mkiso.sh $out/$name.iso 2 "$hv" "$@" >/dev/null 2>&1 &&
		sh tools/bochs.sh $out/$name.iso $out/$name.raw "$cpus" 300
	tr -d '\r' < $out/$name.raw > $out/$name.log
}
fig() { grep -Eo "bench: $2: [0-9]+" $out/$1.log | grep -Eo '[0-9]+$' | head -1; }
stat() { grep -Eo "$2=[0-9]+" $out/$1.log | head -1 | cut -d= -f2; }

for m in hw sw; do
	run bench-$m 2 "workers=1" "$G/bench.elf vm=bench mem=32M lazy=on ve=$m" &
done
for m in hw sw; do
	run park-$m 2 "workers=1" "$G/ve_park.elf vm=park mem=32M lazy=on ve=$m backing.latency_us=2000 -- pages=32" &
done
wait
# Overlap: 6 tasks x 4 pages, 2 ms each, W workers (one vCPU); then the same with apf=off.
OV="tasks=6 pages=4 latency_us=2000"
for m in hw sw; do
	for w in 1 2 3; do
		run ov-$m-w$w $((w + 1)) "workers=$w" "$G/apf_overlap.elf vm=ov mem=32M lazy=on ve=$m backing.latency_us=2000 -- $OV workers=$w noassert" &
	done
	wait
	run ov-$m-off 3 "workers=2" "$G/apf_overlap.elf vm=ov mem=32M lazy=on ve=$m apf=off backing.latency_us=2000 -- $OV workers=2 noassert apfoff"
done
# Polled mode (docs/pv-protocol.md): the same fault benchmarks and overlap runs with "poll".
for m in hw sw; do
	run bench-$m-poll 2 "workers=1" "$G/bench.elf vm=bench mem=32M lazy=on ve=$m -- poll" &
	for w in 1 2 3; do
		run ov-$m-w$w-poll $((w + 1)) "workers=$w" "$G/apf_overlap.elf vm=ov mem=32M lazy=on ve=$m backing.latency_us=2000 -- $OV workers=$w noassert poll" &
	done
	wait
done

printf '\n%-52s %16s %16s\n' "faultline fault benchmark (Bochs, guest TSC ticks)" "hw #VE" "sw #VE"
row() { printf '%-52s %16s %16s\n' "$1" "${2:-?}" "${3:-?}"; }
row "CPUID round trip (exit + handler + entry)" "$(fig bench-hw 'cpuid round trip')" "$(fig bench-sw 'cpuid round trip')"
row "VMCALL round trip (FL_HC_VERSION)" "$(fig bench-hw 'vmcall round trip')" "$(fig bench-sw 'vmcall round trip')"
row "#VE delivery: access -> handler's first instruction" "$(fig bench-hw '#VE delivery access->handler')" "$(fig bench-sw '#VE delivery access->handler')"
row "SUSPEND_ME fault: access -> retry done (latency 0)" "$(fig bench-hw '#VE SUSPEND_ME fault access->done')" "$(fig bench-sw '#VE SUSPEND_ME fault access->done')"
row "CAN_CONTINUE fault: access -> task woken (latency 0)" "$(fig bench-hw '#VE CAN_CONTINUE fault access->wake-up')" "$(fig bench-sw '#VE CAN_CONTINUE fault access->wake-up')"
row "sync fault, unregistered: access -> retry done" "$(fig bench-hw 'sync fault \(unregistered\) access->done')" "$(fig bench-sw 'sync fault \(unregistered\) access->done')"
for m in hw sw; do
	f=$(stat park-$m continue); e=$(grep -Eo 'exits=[0-9]+' $out/park-$m.log | head -1 | cut -d= -f2)
	eval "cont_$m=$f exits_$m=$e"
	eval "steps_$m='$(grep -Eo 'other task made [0-9]+ steps during [0-9]+ waits' $out/park-$m.log | head -1)'"
done
row "ve_park (32 pages, 2 ms each): CAN_CONTINUE faults" "$cont_hw" "$cont_sw"
row "ve_park: VM exits in the whole run" "$exits_hw" "$exits_sw"
# Exits per async fault: VMCALL (REPORT) + HLT + external-interrupt (kick) + window exits,
# over the faults; the serial console's I/O exits are not part of a fault.
epf() { # LOG-NAME: exits per CAN_CONTINUE fault
	e=$(grep -Eo '(VMCALL|HLT|external interrupt|interrupt window|EPT violation)=[0-9]+' $out/$1.log |
		awk -F= '{ s += $2 } END { print s + 0 }')
	c=$(stat $1 continue)
	# minus the 2 VMCALLs of register and unregister
	awk -v e="$e" -v c="${c:-0}" 'BEGIN { if (c) printf "%.2f", (e - 2) / c; else print "?" }'
}
row "exits per async fault (apf_overlap, W=2)" "$(epf ov-hw-w2)" "$(epf ov-sw-w2)"
row "  polled mode" "$(epf ov-hw-w2-poll)" "$(epf ov-sw-w2-poll)"
row "CAN_CONTINUE fault: access -> task woken, polled" "$(fig bench-hw-poll '#VE CAN_CONTINUE fault access->wake-up')" "$(fig bench-sw-poll '#VE CAN_CONTINUE fault access->wake-up')"
eff() { grep -Eo 'efficiency=[0-9]+%' $out/$1.log | head -1 | cut -d= -f2; }
wall() { grep -Eo 'wall=[0-9]+ us' $out/$1.log | head -1 | cut -d= -f2; }
for w in 1 2 3; do
	row "overlap efficiency, 6x4 pages x 2 ms, W=$w" "$(eff ov-hw-w$w) $(wall ov-hw-w$w)" "$(eff ov-sw-w$w) $(wall ov-sw-w$w)"
done
row "same workload, apf=off (every fault sync), W=2" "$(eff ov-hw-off) $(wall ov-hw-off)" "$(eff ov-sw-off) $(wall ov-sw-off)"
for w in 1 2 3; do
	row "overlap efficiency, polled, W=$w" "$(eff ov-hw-w$w-poll) $(wall ov-hw-w$w-poll)" "$(eff ov-sw-w$w-poll) $(wall ov-sw-w$w-poll)"
done
pidle() { grep -Eo 'polled idle [0-9]+ us' $out/$1.log | head -1 | grep -Eo '[0-9]+'; }
row "poller CPU polling while idle, polled W=2 (us)" "$(pidle ov-hw-w2-poll)" "$(pidle ov-sw-w2-poll)"
row "doorbells, polled W=2 (of 24 faults)" "$(stat ov-hw-w2-poll doorbells)" "$(stat ov-sw-w2-poll doorbells)"
echo "ve_park hw: $steps_hw"
echo "ve_park sw: $steps_sw"
echo "(logs in $out/)"
