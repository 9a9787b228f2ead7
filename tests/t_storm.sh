# tests/t_storm.sh: the storm (issue 11, "Proof that it holds"): two VMs with two vCPUs each
# (guest/tests/storm/storm.c) take more than 10,000 lazily backed page faults between them,
# with poisoned and flaky pages on their module lines, while the monitor pauses and resumes
# them, poisons more pages and switches asynchronous faults off and on. Every page is
# verified by the guests, and the host's counters must reconcile with each other and with
# what the guests counted.
#
# Reproduce a failure: STORM_SEED=N picks the special pages and the guests' PRNG seeds
# (default 11); STORM_PAGES=N the pages per VM (default 8000: at least 5000 keeps the
# 10,000 faults, one per page); STORM_LATENCY=US the backing store's latency (default 20).
# The module lines, the special pages and the monitor script are left in the test's
# directory (modules, specials, script; serial.raw.talk says when each command was typed).

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
	local port=$1 log=$2 script=$3 mark=0 marked=0 op arg l n i from reader alive tmo=${STORM_WAIT:-300}
	# A write to a console Bochs has closed fails with EPIPE, said in LOG.talk, instead of
	# killing the test (its caller runs in a subshell of its own, so this trap stays there).
	trap '' PIPE
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
				# Alive before the look: a reader that ended had written all it would,
				# so a look after its end is the last word (no line missed in between).
				alive=1; kill -0 $reader 2>/dev/null || alive=0
				n=$(tail -c +$((from + 1)) "$log" | grep -a -c -F -- "$arg")
				[ "$n" -gt 0 ] && break
				[ $alive = 1 ] || break
				# Once every VM has stopped, no guest line will come any more.
				case $arg in "faultline: exit"*|"monitor: every VM has stopped"*) ;;
				*) grep -aqF "monitor: every VM has stopped" "$log" && break ;; esac
				sleep 0.1
			done
			[ "${n:-0}" -gt 0 ] || echo "storm_talk: gave up on: $l" >> "$log.talk"
			marked=0 ;;
		send|raw)
			[ $marked = 1 ] || { mark=$(stat -c %s "$log"); marked=1; }
			if [ "$op" = send ]; then printf '\025%s\r' "$arg" >&3; else printf -- "$arg" >&3; fi 2>/dev/null ||
				{ echo "storm_talk: could not type '$l': the emulator closed the console" >> "$log.talk"; break; }
			echo "$(date +%s.%N | cut -c1-14) $l" >> "$log.talk" ;;
		sleep) sleep "$arg" ;;
		esac
	done < "$script"
	timeout 300 tail --pid=$reader -f /dev/null
	exec 3>&-
}

# storm_specials RNG PAGES: the special pages guest/tests/storm/storm.c draws from rng=RNG
# (see its specials()): STORM_POISON and STORM_FLAKY in lib/ranges.h's syntax (K units,
# region at 8M), STORM_MP the pages the monitor poisons (hex). 5 poison ranges, 5 flaky,
# 6 single.
storm_specials() {
	local x=$(( $1 & 0x7fffffff )) n=$2 w c p len i free txt
	local -a taken=()
	STORM_MP=()
	for w in 0 1 2; do
		txt=; c=0
		while [ $c -lt $([ $w = 2 ] && echo 6 || echo 5) ]; do
			x=$(( (x * 1103515245 + 12345) & 0x7fffffff )); p=$(( 1 + (x >> 8) % (n - 4) ))
			len=1
			if [ $w -lt 2 ]; then x=$(( (x * 1103515245 + 12345) & 0x7fffffff )); len=$(( (x >> 8) % 3 + 1 )); fi
			free=1
			for ((i = p - 1; i <= p + len && i < n; i++)); do [ -n "${taken[$i]:-}" ] && free=0; done
			[ $free = 1 ] || continue
			for ((i = p; i < p + len; i++)); do taken[$i]=1; done
			if [ $w -lt 2 ]; then
				txt="$txt${txt:+,}$((8192 + p * 4))K"
				[ $len -gt 1 ] && txt="$txt+$((len * 4))K"
			else
				STORM_MP+=("$(printf '0x%x' $((0x800000 + p * 4096)))")
			fi
			c=$((c + 1))
		done
		case $w in 0) STORM_POISON=$txt ;; 1) STORM_FLAKY=$txt ;; esac
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
		echo "sleep 0.3"
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
		echo "seen [$vm] guest: storm: window 1: "	# its faults were synchronous a while
		echo "send apf $vm on"
		echo "wait $vm: asynchronous faults on"
		echo "raw \\001${idx}g\\001m"
		echo "wait [$vm] guest: storm: clean window closed" ;;
	esac
}

storm() { # MODE LATENCY-US [PAGES]
	local mode=$1 latency=$2 seed=${STORM_SEED:-11} pages=${STORM_PAGES:-${3:-8000}} vm line rng bseed
	local -a mods=() mp_a=() mp_b=()
	for vm in a b; do
		bseed=$([ $vm = a ] && echo 1 || echo 2)
		rng=$((seed * 2 + bseed - 1))
		storm_specials $rng $pages
		echo "$vm: rng=$rng poison=$STORM_POISON flaky=$STORM_FLAKY mp=${STORM_MP[*]}" >> "$DIR/specials"
		mods+=("$G/storm.elf vm=$vm mem=64M vcpus=2 lazy=on ve=$mode backing.latency_us=$latency backing.seed=$bseed backing.poison=$STORM_POISON backing.flaky=$STORM_FLAKY:1 -- seed=$bseed rng=$rng pages=$pages${STORM_ARGS:+ $STORM_ARGS}")
		if [ $vm = a ]; then mp_a=("${STORM_MP[@]}"); else mp_b=("${STORM_MP[@]}"); fi
		# The module line (path included) must fit faultline's 255 characters.
		line="/guests/${mods[-1]#$G/}"
		[ ${#line} -lt 256 ] || { fail "module line too long (${#line}): $line"; return; }
	done
	printf '%s\n' "${mods[@]}" > "$DIR/modules"

	{
		echo "seen [a] guest: storm: started"
		echo "seen [b] guest: storm: started"
		echo "seen [a] guest: storm: 10%"; storm_script_vm a 0 pause
		echo "seen [b] guest: storm: 10%"; storm_script_vm b 1 pause
		echo "seen [a] guest: storm: 15%"; storm_script_vm a 0 poison "${mp_a[*]:0:3}"
		echo "seen [b] guest: storm: 15%"; storm_script_vm b 1 poison "${mp_b[*]:0:3}"
		echo "seen [a] guest: storm: 20%"; storm_script_vm a 0 window
		echo "seen [b] guest: storm: 20%"; storm_script_vm b 1 window
		# Both VMs at once: a pause, then a window on both with a pause of a inside it.
		echo "seen [a] guest: storm: 40%"
		echo "seen [b] guest: storm: 40%"
		echo "send pause a"; echo "send pause b"
		echo "wait vm a: paused: paused by the monitor"; echo "wait vm b: paused: paused by the monitor"
		echo "sleep 0.3"
		echo "send resume b"; echo "send resume a"
		echo "wait vm a: resumed after"; echo "wait vm b: resumed after"
		echo "raw \\0010w\\001m"; echo "raw \\0011w\\001m"
		echo "wait [a] guest: storm: clean window open"; echo "wait [b] guest: storm: clean window open"
		echo "send apf a off"; echo "send apf b off"
		echo "wait a: asynchronous faults off"; echo "wait b: asynchronous faults off"
		echo "send pause a"
		echo "wait vm a: paused: paused by the monitor"
		echo "sleep 0.3"
		echo "send resume a"
		echo "wait vm a: resumed after"
		echo "seen [a] guest: storm: window 2: "; echo "seen [b] guest: storm: window 2: "
		echo "send apf b on"; echo "send apf a on"
		echo "wait a: asynchronous faults on"; echo "wait b: asynchronous faults on"
		echo "raw \\0011g\\001m"; echo "raw \\0010g\\001m"
		echo "wait [a] guest: storm: clean window closed"; echo "wait [b] guest: storm: clean window closed"
		echo "seen [a] guest: storm: 55%"; storm_script_vm a 0 poison "${mp_a[*]:3:3}"
		echo "seen [b] guest: storm: 55%"; storm_script_vm b 1 poison "${mp_b[*]:3:3}"
		echo "seen [a] guest: storm: 65%"; storm_script_vm a 0 pause
		echo "seen [b] guest: storm: 65%"; storm_script_vm b 1 pause
		# Done: the guests may finish (their last eighth of pages and their verification wait).
		echo "raw \\0010f\\001m"; echo "raw \\0011f\\001m"
		echo "wait [a] guest: storm: the monitor is done"; echo "wait [b] guest: storm: the monitor is done"
		echo "seen monitor: every VM has stopped"
		echo "send quit"
		echo "wait faultline: exit status"
	} > "$DIR/script"

	# CPUs: the monitor's, 4 vCPUs, 2 workers.
	sh tools/mkiso.sh "$DIR/fl.iso" 2 "monitor=on workers=2" "${mods[@]}" || { fail "mkiso failed"; return; }
	port=$(free_port)
	start=$(date +%s)
	SERIAL=socket:$port sh tools/bochs.sh "$DIR/fl.iso" "$DIR/bochs.log" 7 "${TIMEOUT:-480}" &
	storm_talk "$port" "$DIR/serial.raw" "$DIR/script"
	wait
	echo "wall $(( $(date +%s) - start )) s" > "$DIR/wall"
	for x in emu stdout bochs; do cp "$DIR/bochs.log.$x" "$DIR/serial.raw.$x" 2>/dev/null; done
	clean_log
	[ -s "$DIR/serial.raw.talk" ] && grep -q 'gave up\|could not' "$DIR/serial.raw.talk" &&
		fail "monitor script: $(grep -m1 'gave up\|could not' "$DIR/serial.raw.talk")"
	storm_judge
}

# storm_judge: the verdict on $LOG (and $DIR/specials) of a storm run.
storm_judge() {
	local vm poison flaky mp np line g0 g1 gver gfail gbad f r pr k n ves rep comp res hfail total faults
	# The guests drew the same special pages as the module lines say.
	while read -r vm _ poison flaky mp; do
		vm=${vm%:}
		expect "\[$vm\] guest: storm: ${poison//+/\\+}$"
		expect "\[$vm\] guest: storm: ${flaky//+/\\+}$"
		expect "\[$vm\] guest: storm: mp=$(echo "${mp#mp=}" | tr ' ' ',')$"
	done < "$DIR/specials"

	# The run ended, by itself, with both VMs passed.
	expect_exit 0
	expect 'summary: vm a +passed'
	expect 'summary: vm b +passed'
	expect_not 'EXCEPTION|PANIC|guest: storm: (BAD|FAIL )'
	total=0
	for vm in a b; do
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
		expect_count 2 "\[$vm\] guest: storm: window [12]: [0-9]+ first touches without #VE"
		expect "\[$vm\] guest: storm: the monitor is done"
		last_before "vm $vm: resumed after|^  $vm: (asynchronous|page)" "\[$vm\] guest: storm: vcpu[01] verifying"
		grep -q "\[$vm\] guest: storm: holding" "$LOG" && echo "$vm held for the monitor" >> "$DIR/wall"
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
		# This VM's summary: from its "summary: vm NAME" line to the next VM's or worker's.
		awk -v v="summary: vm $vm " 'index($0, v) { on = 1; next }
			/summary: vm |summary: worker|summary: [0-9]+ of / { on = 0 } on' "$LOG" > "$DIR/summary.$vm"
		sumline() { grep -Em1 -- "$1" "$DIR/summary.$vm"; }
		f=$(sumline 'summary:   apf: faults hw-#VE=')
		r=$(sumline 'summary:   apf: reports=')
		pr=$(sumline 'summary:   apf: productions ok=')
		[ -n "$f" ] || { fail "$vm: no apf faults summary"; continue; }
		faults=$(echo "$f" | grep -Eo '(hw-#VE|sw-#VE|busy-word-exit|unregistered-exit|apf-off-exit|in-delivery-exit|real-mode-exit)=[0-9]+' | cut -d= -f2 | paste -sd+)
		faults=$((faults))
		cnt() { echo "$f" | grep -Eo "$1=[0-9]+" | cut -d= -f2; }
		[ "$(cnt apf-off-exit)" -gt 0 ] || fail "$vm: no fault was taken while asynchronous faults were off"
		# The guest never faults inside its #VE handler, during an event's delivery, before
		# it registers or in real mode: every other fault is a #VE or an apf-off exit.
		for k in busy-word-exit unregistered-exit in-delivery-exit real-mode-exit; do
			n=$(cnt $k)
			[ "${n:-0}" -eq 0 ] || fail "$vm: $k=$n (the guest took no such fault)"
		done
		ves=$(( $(cnt hw-#VE) + $(cnt sw-#VE) ))
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
		[ "$rep" -eq "$ves" ] || fail "$vm: the host counted $ves #VEs and $rep reports"
		[ "$hfail" -eq "$gfail" ] || fail "$vm: the host completed $hfail reports as FAIL, the guest expected $gfail"
		set -- $(echo "$pr" | sed -E 's/.*productions ok=([0-9]+) failed=([0-9]+), of a page already present=([0-9]+).*/\1 \2 \3/')
		[ "$3" -eq 0 ] || fail "$vm: $3 productions of a page already present"
		[ "$2" -eq "$gfail" ] || fail "$vm: $2 failed productions, the guest saw $gfail FAILs"
		[ "$1" -ge "$gver" ] || fail "$vm: $1 pages produced, fewer than the $gver the guest verified"
	done
	floor=$(( STORM_FLOOR < 10000 ? STORM_FLOOR : 10000 ))
	[ "$total" -ge "$floor" ] || fail "only $total faults in all (at least $floor wanted)"
	echo "faults $total" >> "$DIR/wall"
}

# The 10,000-fault storm once (hw); in software #VE a smaller one (3000 pages a VM, at
# least 6000 faults) for make test's 2-core budget. STORM_PAGES=N sets both.
t_storm() { STORM_FLOOR=10000 storm hw ${STORM_LATENCY:-20}; }
t_storm_sw() { STORM_FLOOR=6000 storm sw ${STORM_LATENCY:-20} 3000; }
