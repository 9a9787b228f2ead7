# tests/t_storm.sh: the storm (issue 11, "Proof that it holds"): two VMs with two vCPUs
# each (guest/storm.c) take more than 10,000 lazily backed page faults between them, with
# poisoned and flaky pages on their module lines, while the monitor pauses and resumes
# them, poisons more pages and switches asynchronous faults off and on. Every page is
# verified by the guests, and the host's counters must reconcile with each other and with
# what the guests counted.
#
# Reproduce a failure: STORM_SEED=N picks the pages and the guests' PRNG seeds (default 11);
# STORM_PAGES=N the pages per VM (default 6000).

# storm_talk PORT LOG SCRIPT: tests/montalk.sh's protocol on Bochs's COM1 socket, for a
# script that follows two guests at once. Its lines:
#   seen TEXT   until TEXT appears anywhere in LOG (an event whose order against the ones
#               before it is not known: two VMs progress independently)
#   wait TEXT   until TEXT appears after the first send since the last wait or seen (the
#               answer to a command; several sends may share one mark)
#   send TEXT   Ctrl-U (clears a line some stray byte began), TEXT, Enter
#   raw BYTES   BYTES (printf escapes) without Enter: Ctrl-A 0 w Ctrl-A m types 'w' to VM 0
#   sleep SECS  spacing only; nothing waits for an event by sleeping
# A wait gives up after STORM_WAIT seconds (default 300) with a line in LOG.talk; the
# verdict comes from the serial log.
storm_talk() {
	local port=$1 log=$2 script=$3 mark=0 marked=0 op arg l n i reader tmo=${STORM_WAIT:-300}
	: > "$log"
	for i in $(seq 1 750); do
		exec 3<>/dev/tcp/127.0.0.1/$port 2>/dev/null && break
		sleep 0.2
	done
	{ true >&3; } 2>/dev/null || { echo "storm_talk: could not connect to port $port" >> "$log.talk"; return 1; }
	cat <&3 >> "$log" &
	reader=$!
	while IFS= read -r l; do
		op=${l%% *}; arg=${l#* }
		case $op in
		seen|wait)
			from=0
			[ "$op" = wait ] && from=$mark
			n=
			for i in $(seq 1 $((tmo * 10))); do
				n=$(tail -c +$((from + 1)) "$log" | grep -a -c -F -- "$arg")
				[ "$n" -gt 0 ] && break
				kill -0 $reader 2>/dev/null || break
				sleep 0.1
			done
			[ "${n:-0}" -gt 0 ] || echo "storm_talk: gave up on: $l" >> "$log.talk"
			marked=0 ;;
		send|raw)
			[ $marked = 1 ] || { mark=$(stat -c %s "$log"); marked=1; }
			if [ "$op" = send ]; then printf '\025%s\r' "$arg" >&3; else printf "$arg" >&3; fi
			echo "$(date +%s.%N | cut -c1-14) $l" >> "$log.talk" ;;
		sleep) sleep "$arg" ;;
		esac
	done < "$script"
	timeout 300 tail --pid=$reader -f /dev/null
	exec 3>&-
}

# storm_pick N: N page indices in [0, STORM_N) not yet in storm_used (and adds them
# there), into STORM_OUT, drawn with bash's RANDOM (seeded by the caller; no subshells, so
# that every draw advances the one sequence).
storm_pick() {
	local k=0 p
	STORM_OUT=
	while [ $k -lt "$1" ]; do
		p=$(( (RANDOM << 15 | RANDOM) % STORM_N ))
		[ -n "${storm_used[$p]:-}" ] && continue
		storm_used[$p]=1; STORM_OUT="$STORM_OUT $p"; k=$((k + 1))
	done
}

# storm_ranges COUNT: COUNT ranges of 1-3 pages at random places, apart from each other and
# from the pages in storm_used, in lib/ranges.h's syntax with K units ("8196K+8K"),
# comma-separated, into STORM_OUT.
storm_ranges() {
	local k=0 p len i ok
	STORM_OUT=
	while [ $k -lt "$1" ]; do
		p=$(( (RANDOM << 15 | RANDOM) % (STORM_N - 3) )); len=$((RANDOM % 3 + 1)); ok=1
		for ((i = p - 1; i <= p + len; i++)); do [ -n "${storm_used[$i]:-}" ] && ok=0; done
		[ $ok = 1 ] || continue
		for ((i = p; i < p + len; i++)); do storm_used[$i]=1; done
		STORM_OUT="$STORM_OUT${STORM_OUT:+,}$((8192 + p * 4))K"
		[ $len -gt 1 ] && STORM_OUT="$STORM_OUT+$((len * 4))K"
		k=$((k + 1))
	done
}

# last_before RE1 RE2: the last line matching RE1 comes before the first matching RE2.
last_before() {
	a=$(grep -En -- "$1" "$LOG" | tail -1 | cut -d: -f1); b=$(grep -Enm1 -- "$2" "$LOG" | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "expected the last /$1/ (line ${a:-none}) before /$2/ (line ${b:-none})"
}

# The script's part for one VM (name $1, console index $2) at one stage ($3).
storm_script_vm() {
	local vm=$1 idx=$2 i
	case $3 in
	pause)
		echo "send pause $vm"
		echo "wait vm $vm: paused: paused by the monitor"
		echo "sleep 0.5"
		echo "send resume $vm"
		echo "wait vm $vm: resumed after" ;;
	poison)
		for i in $4; do
			echo "send poison $vm $i"
			echo "wait $vm: page $i poisoned"
		done ;;
	window)
		echo "raw \\001${idx}w\\001m"
		echo "wait [$vm] guest: storm: clean window open"
		echo "send apf $vm off"
		echo "wait $vm: asynchronous faults off"
		echo "sleep 1"
		echo "send apf $vm on"
		echo "wait $vm: asynchronous faults on"
		echo "raw \\001${idx}g\\001m"
		echo "wait [$vm] guest: storm: clean window closed" ;;
	esac
}

storm() { # MODE
	local mode=$1 seed=${STORM_SEED:-11} pages=${STORM_PAGES:-6000} vm idx line
	local -a mods=() mp_a=() mp_b=() storm_used=()
	STORM_N=$pages
	RANDOM=$seed
	for vm in a b; do
		local poison flaky mp=() p gl
		storm_used=()
		storm_ranges 6; poison=$STORM_OUT
		storm_ranges 6; flaky=$STORM_OUT
		storm_pick 6
		for p in $STORM_OUT; do mp+=("$(printf '0x%x' $((0x800000 + p * 4096)))"); done
		gl="seed=$([ $vm = a ] && echo 1 || echo 2) rng=$((seed * 2 + ${#mods[@]})) pages=$pages poison=$poison flaky=$flaky:1 mp=$(IFS=,; echo "${mp[*]}")"
		[ ${#gl} -lt 256 ] || { fail "guest command line too long (${#gl}): $gl"; return; }
		mods+=("$G/storm.elf vm=$vm mem=64M vcpus=2 lazy=on ve=$mode backing.latency_us=${STORM_LATENCY:-0} backing.seed=$([ $vm = a ] && echo 1 || echo 2) backing.poison=$poison backing.flaky=$flaky:1 -- $gl")
		if [ $vm = a ]; then mp_a=("${mp[@]}"); else mp_b=("${mp[@]}"); fi
	done
	printf '%s\n' "${mods[@]}" > "$DIR/modules"

	{
		echo "seen [a] guest: storm: started"
		echo "seen [b] guest: storm: started"
		echo "seen [a] guest: storm: 10%"; storm_script_vm a 0 pause
		echo "seen [b] guest: storm: 10%"; storm_script_vm b 1 pause
		echo "seen [a] guest: storm: 20%"; storm_script_vm a 0 poison "${mp_a[*]:0:3}"
		echo "seen [b] guest: storm: 20%"; storm_script_vm b 1 poison "${mp_b[*]:0:3}"
		echo "seen [a] guest: storm: 30%"; storm_script_vm a 0 window
		echo "seen [b] guest: storm: 30%"; storm_script_vm b 1 window
		# both VMs at once: pause, then a window on both, then the rest of the poisons
		echo "seen [a] guest: storm: 40%"
		echo "seen [b] guest: storm: 40%"
		echo "send pause a"; echo "send pause b"
		echo "wait vm a: paused: paused by the monitor"; echo "wait vm b: paused: paused by the monitor"
		echo "sleep 0.5"
		echo "send resume b"; echo "send resume a"
		echo "wait vm a: resumed after"; echo "wait vm b: resumed after"
		echo "raw \\0010w\\001m"; echo "raw \\0011w\\001m"
		echo "wait [a] guest: storm: clean window open"; echo "wait [b] guest: storm: clean window open"
		echo "send apf a off"; echo "send apf b off"
		echo "wait a: asynchronous faults off"; echo "wait b: asynchronous faults off"
		echo "sleep 0.5"
		echo "send pause a"
		echo "wait vm a: paused: paused by the monitor"
		echo "sleep 0.3"
		echo "send resume a"
		echo "wait vm a: resumed after"
		echo "send apf b on"; echo "send apf a on"
		echo "wait a: asynchronous faults on"; echo "wait b: asynchronous faults on"
		echo "raw \\0011g\\001m"; echo "raw \\0010g\\001m"
		echo "wait [a] guest: storm: clean window closed"; echo "wait [b] guest: storm: clean window closed"
		echo "seen [a] guest: storm: 50%"; storm_script_vm a 0 poison "${mp_a[*]:3:3}"
		echo "seen [b] guest: storm: 50%"; storm_script_vm b 1 poison "${mp_b[*]:3:3}"
		echo "seen [a] guest: storm: 60%"; storm_script_vm a 0 pause
		echo "seen [b] guest: storm: 60%"; storm_script_vm b 1 pause
		echo "seen monitor: every VM has stopped"
		echo "send quit"
		echo "wait faultline: exit status"
	} > "$DIR/script"

	# CPUs: the monitor's, 4 vCPUs, 2 workers.
	sh tools/mkiso.sh "$DIR/fl.iso" 2 "monitor=on workers=2" "${mods[@]}" || { fail "mkiso failed"; return; }
	port=$((20000 + RANDOM % 30000))
	start=$(date +%s)
	SERIAL=socket:$port sh tools/bochs.sh "$DIR/fl.iso" "$DIR/unused.log" 7 "${TIMEOUT:-480}" &
	storm_talk "$port" "$DIR/serial.raw" "$DIR/script"
	wait
	echo "wall $(( $(date +%s) - start )) s" > "$DIR/wall"
	clean_log
	[ -s "$DIR/serial.raw.talk" ] && grep -q 'gave up\|could not' "$DIR/serial.raw.talk" &&
		fail "monitor script: $(grep -m1 'gave up\|could not' "$DIR/serial.raw.talk")"

	# The run ended, by itself, with both VMs passed.
	expect_exit 0
	expect 'summary: vm a +passed'
	expect 'summary: vm b +passed'
	expect_not 'EXCEPTION|PANIC|guest: storm: BAD|storm: FAIL'
	total=0
	for vm in a b; do
		if [ $vm = a ]; then idx=0; mp=("${mp_a[@]}"); else idx=1; mp=("${mp_b[@]}"); fi
		expect "\[$vm\] guest: [1-9][0-9]* passed, 0 failed"
		# What the monitor did, and that it did it while the guest was still faulting.
		np=$([ $vm = a ] && echo 4 || echo 3)	# a is paused once more inside a window
		expect_count $np "vm $vm: paused: paused by the monitor"
		expect_count $np "vm $vm: resumed after"
		expect_count 2 "^  $vm: asynchronous faults off"
		expect_count 2 "^  $vm: asynchronous faults on"
		expect_count 6 "^  $vm: page 0x[0-9a-f]+ poisoned"
		expect_not "^  $vm: page .*did not flush|^  $vm: page .*could not be unmapped"
		expect_count 2 "\[$vm\] guest: storm: clean window open"
		last_before "vm $vm: resumed after|^  $vm: (asynchronous|page)" "\[$vm\] guest: storm: vcpu[01] verifying"
		# The guest's own account.
		line=$(grep -E "\[$vm\] guest: storm: vcpu0 [0-9]+ faults vcpu1 [0-9]+ faults, verified [0-9]+ pages, expected FAILs [0-9]+, bad [0-9]+$" "$LOG" | tail -1)
		[ -n "$line" ] || { fail "$vm: no final storm line"; continue; }
		set -- $(echo "$line" | sed -E 's/.*vcpu0 ([0-9]+) faults vcpu1 ([0-9]+) faults, verified ([0-9]+) pages, expected FAILs ([0-9]+), bad ([0-9]+)$/\1 \2 \3 \4 \5/')
		g0=$1 g1=$2 gver=$3 gfail=$4 gbad=$5
		[ "$gbad" -eq 0 ] || fail "$vm: the guest counted $gbad bad accesses"
		[ "$g0" -gt 0 ] && [ "$g1" -gt 0 ] || fail "$vm: a vCPU took no fault ($g0, $g1)"
		# Every monitor-poisoned page was poisoned before the guest verified it: each FAILed.
		expect "\[$vm\] guest: storm: FAILs: poisoned ([0-9]+) of \1, flaky ([0-9]+) of \2 \(retried ok \2\), monitor-poisoned 6 of 6; 2 clean windows"
		# The host's counters.
		sumline() { grep -E "summary: vm $vm " -A40 "$LOG" | grep -Em1 -- "$1"; }
		f=$(sumline 'summary:   apf: faults hw-#VE=')
		r=$(sumline 'summary:   apf: reports=')
		pr=$(sumline 'summary:   apf: productions ok=')
		[ -n "$f" ] || { fail "$vm: no apf faults summary"; continue; }
		faults=$(echo "$f" | grep -Eo '(hw-#VE|sw-#VE|busy-word-exit|unregistered-exit|apf-off-exit|in-delivery-exit|real-mode-exit)=[0-9]+' | cut -d= -f2 | paste -sd+)
		faults=$((faults))
		offx=$(echo "$f" | grep -Eo 'apf-off-exit=[0-9]+' | cut -d= -f2)
		[ "${offx:-0}" -gt 0 ] || fail "$vm: no fault was taken while asynchronous faults were off"
		total=$((total + faults))
		if [ -z "$r" ] || [ -z "$pr" ]; then
			fail "$vm: no 'apf: reports=' or 'apf: productions' summary line (the host cannot be reconciled)"
			continue
		fi
		set -- $(echo "$r" | sed -E 's/.*reports=([0-9]+) completed=([0-9]+) resolved=([0-9]+) failed=([0-9]+).*/\1 \2 \3 \4/')
		rep=$1 comp=$2 res=$3 hfail=$4
		[ "$rep" -eq "$comp" ] || fail "$vm: reports=$rep but completed=$comp"
		[ "$comp" -eq $((res + hfail)) ] || fail "$vm: completed=$comp but resolved+failed=$((res + hfail))"
		[ "$rep" -eq $((g0 + g1)) ] || fail "$vm: the host accepted $rep reports, the guest took $((g0 + g1)) #VEs"
		[ "$hfail" -eq "$gfail" ] || fail "$vm: the host completed $hfail reports as FAIL, the guest expected $gfail"
		set -- $(echo "$pr" | sed -E 's/.*productions ok=([0-9]+) failed=([0-9]+), of a page already present=([0-9]+).*/\1 \2 \3/')
		[ "$3" -eq 0 ] || fail "$vm: $3 productions of a page already present"
		[ "$2" -eq "$gfail" ] || fail "$vm: $2 failed productions, the guest saw $gfail FAILs"
		[ "$1" -ge "$gver" ] || fail "$vm: $1 pages produced, fewer than the $gver the guest verified"
	done
	[ "$total" -ge 10000 ] || fail "only $total faults in all (at least 10000 wanted)"
	echo "faults $total" >> "$DIR/wall"
}

t_storm() { storm hw; }
