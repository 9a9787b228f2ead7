#!/bin/sh
# tools/bench.sh: `make bench`. Runs the fault benchmarks in Bochs and prints a table of
# figures in guest TSC ticks (with `clock: sync=none` Bochs ties the TSC to the instruction
# count, so the numbers repeat run after run) and exit counts from the hypervisor summary;
# then the swap benchmark (`sh tools/bench.sh swap` runs that part alone: below).
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

# ---- Swap (issue 15): Natapov's experiment, `sh tools/bench.sh swap` for this part alone ----
# The swapbench guest (guest/tests/swapbench.c: tasks loop over working sets of their own,
# a read-modify-write and some compute per page) in three boots side by side, each with a
# swap disk of its own: (a) async: resident= about 0.6 of the working sets, registered for
# #VE, so a task waiting for a page-in parks and the others compute; (b) sync: the same
# with apf=off (every page-in keeps the vCPU waiting); (c) resident: no cap, nothing goes to
# swap (the ceiling). resident=5M: about 4 MiB of frames for 8 MiB of working sets once the
# guest's own image and stacks are in. Three boots, not three VMs of one boot: the runs must not share the
# disk and the workers, or each would slow the others by its own fault rate. The guest's
# time is the TSC (instruction-driven in Bochs), so the host's load does not change it.
# SB_WORK sets the compute per page: the async gain is largest when it is about a page-in's
# cost, so tune it with the page-in rate the table shows.
SB_TASKS=${SB_TASKS:-4} SB_WS=${SB_WS:-512} SB_WORK=${SB_WORK:-1000} SB_MS=${SB_MS:-4000}
SB_WARM=${SB_WARM:-2000}
SB_MEM=${SB_MEM:-16M} SB_RES=${SB_RES:-5M} SB_DISK_MIB=${SB_DISK_MIB:-64}
# a field of the first VM's summary ram lines: "summary:   ram NAME: ... evicted=N ..."
memf() { grep -E 'summary: +ram [^ ]+:' $out/$1.log | grep -Eo " $2=[0-9]+" | head -1 | cut -d= -f2; }
# the guest's figure (" rate=" is not " page_rate=")
sbf() { grep -E 'guest: swapbench:' $out/$1.log | grep -Eo " $2=[0-9]+" | tail -1 | cut -d= -f2; }
swap_bench() {
	[ -f tools/mkdisk.sh ] || { echo "bench: swap: tools/mkdisk.sh is missing (no swap disk)"; return 1; }
	args="tasks=$SB_TASKS ws_pages=$SB_WS work=$SB_WORK ms=$SB_MS warm=$SB_WARM"
	vm="$G/swapbench.elf vm=sb mem=$SB_MEM lazy=on backing=zero"
	for r in async sync resident; do
		case $r in
		async) keys="resident=$SB_RES" ;;
		sync) keys="resident=$SB_RES apf=off" ;;
		resident) keys="" ;;
		esac
		sh tools/mkdisk.sh $out/swap-$r.img "$SB_DISK_MIB" >/dev/null 2>&1 &&
			DISK=$out/swap-$r.img run swap-$r 3 "workers=2 swap=auto" "$vm $keys -- $args" &
	done
	wait
	printf '\nfaultline swap benchmark (Bochs; %s tasks x %s pages, work=%s, %s ms of guest time after %s ms of warm-up; mem=%s resident=%s)\n' \
		"$SB_TASKS" "$SB_WS" "$SB_WORK" "$SB_MS" "$SB_WARM" "$SB_MEM" "$SB_RES"
	printf '%-10s %10s %12s %12s %12s %14s\n' run "iter/s" "touches/s" "pageins/s" "evicted/s" "disk B/fault"
	printf '# run iterations_per_s touches_per_s pageins_per_s evicted_per_s disk_bytes_per_fault\n' > $out/swap.dat
	for r in async sync resident; do
		us=$(sbf swap-$r guest_us); rate=$(sbf swap-$r rate); prate=$(sbf swap-$r page_rate)
		pin=$(memf swap-$r pageins); ev=$(memf swap-$r evicted); wr=$(memf swap-$r written)
		prod=$(grep -Eo 'productions ok=[0-9]+' $out/swap-$r.log | head -1 | cut -d= -f2)
		# Disk bytes per fault: the pages read back (pageins=) and written (written=),
		# 4 KiB each, over every page produced (first touches, zero-filled, included).
		line=$(awk -v r=$r -v us="${us:-0}" -v rate="${rate:-?}" -v pr="${prate:-?}" \
			-v pin="${pin:-0}" -v ev="${ev:-0}" -v wr="${wr:-0}" -v prod="${prod:-0}" \
			-v warm="$SB_WARM" 'BEGIN {
			# the hypervisor counts over the whole run, warm-up included
			t = us + warm * 1000
			ps = us ? sprintf("%.0f", pin * 1e6 / t) : "?"
			es = us ? sprintf("%.0f", ev * 1e6 / t) : "?"
			bpf = prod ? sprintf("%.0f", (pin + wr) * 4096 / prod) : "-"
			printf "%s %s %s %s %s %s", r, rate, pr, ps, es, bpf }')
		echo "$line" >> $out/swap.dat
		echo "$line" | awk '{ printf "%-10s %10s %12s %12s %12s %14s\n", $1, $2, $3, $4, $5, $6 }'
	done
	a=$(sbf swap-async page_rate); s=$(sbf swap-sync page_rate)
	awk -v a="${a:-0}" -v s="${s:-0}" 'BEGIN { if (s) printf "async/sync (touches/s): %.2f (target >= 2.0)\n", a / s;
		else print "async/sync: ? (the sync run gave no rate)" }'
	for r in async sync resident; do
		grep -Eo 'swapbench: read latency: .*' $out/swap-$r.log | head -1 | sed "s/^/$r: /"
	done
	cat > $out/swap.gp <<GP
set terminal png size 640,400
set output '$out/swap.png'
set title 'swapbench: page touches per second of guest time'
set style data histograms
set style fill solid 0.6 border -1
set boxwidth 0.6
set yrange [0:*]
set ylabel 'touches/s'
plot '$out/swap.dat' using 3:xtic(1) notitle
GP
	if command -v gnuplot >/dev/null 2>&1; then
		gnuplot $out/swap.gp && echo "plot: $out/swap.png"
	else
		echo "no gnuplot: apt-get install -y gnuplot-nox (then: gnuplot $out/swap.gp)"
	fi
	echo "(logs in $out/swap-*.log)"
}
if [ "${1:-}" = swap ]; then
	swap_bench
	exit
fi

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
# Where a CAN_CONTINUE fault's ticks go (the bench VM's means over its faults, latency 0):
# the guest's #VE delivery, the hypervisor's phases from its summary (queued -> a worker
# took the job, the production: frame + fill, completion posted -> injected: the kick, the
# exit, the entry), and the rest, the guest's own: the #VE handler and REPORT (a VMCALL
# round trip), parking, the idle loop's HLT exit, the completion handler, the wake-up.
ph() { grep -Eo "phases \(mean ticks\): .*" $out/$1.log | head -1 | grep -Eo "$2=[0-9]+" | cut -d= -f2; }
for m in hw sw; do
	tot=$(fig bench-$m '#VE CAN_CONTINUE fault access->wake-up'); dl=$(fig bench-$m '#VE delivery access->handler')
	q=$(ph bench-$m 'queued->taken'); pr=$(ph bench-$m 'taken->published'); ij=$(ph bench-$m 'posted->injected')
	eval "bd_$m='$dl/$q/$pr/$ij/$(( ${tot:-0} - ${dl:-0} - ${q:-0} - ${pr:-0} - ${ij:-0} ))'"
done
row "  = delivery/queue/production/injection/guest" "$bd_hw" "$bd_sw"
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
swap_bench
