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

printf '\n%-52s %10s %10s\n' "faultline fault benchmark (Bochs, guest TSC ticks)" "hw #VE" "sw #VE"
row() { printf '%-52s %10s %10s\n' "$1" "${2:-?}" "${3:-?}"; }
row "CPUID round trip (exit + handler + entry)" "$(fig bench-hw 'cpuid round trip')" "$(fig bench-sw 'cpuid round trip')"
row "VMCALL round trip (FL_HC_VERSION)" "$(fig bench-hw 'vmcall round trip')" "$(fig bench-sw 'vmcall round trip')"
row "#VE delivery: access -> handler's first instruction" "$(fig bench-hw '#VE delivery access->handler')" "$(fig bench-sw '#VE delivery access->handler')"
row "SUSPEND_ME fault: access -> retry done (latency 0)" "$(fig bench-hw '#VE SUSPEND_ME fault access->done')" "$(fig bench-sw '#VE SUSPEND_ME fault access->done')"
row "sync fault, unregistered: access -> retry done" "$(fig bench-hw 'sync fault \(unregistered\) access->done')" "$(fig bench-sw 'sync fault \(unregistered\) access->done')"
for m in hw sw; do
	f=$(stat park-$m continue); e=$(grep -Eo 'exits=[0-9]+' $out/park-$m.log | head -1 | cut -d= -f2)
	eval "cont_$m=$f exits_$m=$e"
	eval "steps_$m='$(grep -Eo 'other task made [0-9]+ steps during [0-9]+ waits' $out/park-$m.log | head -1)'"
done
row "ve_park (32 pages, 2 ms each): CAN_CONTINUE faults" "$cont_hw" "$cont_sw"
row "ve_park: VM exits in the whole run" "$exits_hw" "$exits_sw"
echo "ve_park hw: $steps_hw"
echo "ve_park sw: $steps_sw"
echo "(logs in $out/)"
