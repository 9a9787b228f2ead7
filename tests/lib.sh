# tests/lib.sh: helpers for the integration tests (sourced by tests/integration.sh).
# A test boots the real hypervisor in an emulator and judges it by the serial log alone.
# Each test runs in its own directory build/tests/NAME; its verdict is written to
# build/tests/NAME/result as "PASS" or "FAIL: reasons".

T=build/tests

# boot_bochs CPUS PROTO "HV CMDLINE" ["MODULE-PATH ARGS" ...]: builds an ISO, boots it, and
# leaves the cleaned serial log (no CRs, no ANSI escapes) in $LOG.
boot_bochs() {
	cpus=$1; proto=$2; cmdline=$3; shift 3
	sh tools/mkiso.sh "$DIR/fl.iso" "$proto" "$cmdline" "$@" || { fail "mkiso failed"; return 1; }
	# Once more, and said so in $DIR/retries, only when Bochs died of a signal before the
	# machine printed a byte (seen once in a few hundred runs: a SIGSEGV at start-up):
	# nothing of the hypervisor ran, so nothing of it is being excused.
	for try in 1 2; do
		sh tools/bochs.sh "$DIR/fl.iso" "$DIR/serial.raw" "$cpus" "${TIMEOUT:-120}" "${MODEL:-corei7_skylake_x}"
		read -r emu rc tmo < "$DIR/serial.raw.emu"
		[ "$try" = 1 ] && [ "$rc" -gt 128 ] && [ ! -s "$DIR/serial.raw" ] || break
		echo "bochs died of signal $((rc - 128)) before any output: started it once more" >> "$DIR/retries"
	done
	clean_log
}

# boot_qemu MODE CPUS "HV CMDLINE" (MODE: tcg-kernel or tcg-iso; tcg-iso boots $ISO)
boot_qemu() {
	mode=$1; cpus=$2; cmdline=$3
	QEMU_ISO=${ISO:-build/faultline.iso} sh tools/qemu.sh "$mode" "$DIR/serial.raw" "$cpus" "${TIMEOUT:-60}" "$cmdline"
	clean_log
}

clean_log() {
	LOG=$DIR/serial.log
	tr -d '\r' < "$DIR/serial.raw" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' > "$LOG"
}

fail() { echo "$*" >> "$DIR/failures"; }

# emulator_why: one line on how the emulator ended when the hypervisor's own output did not
# (no exit line): it died of a signal, panicked, could not start, or ran out of time; with
# the emulator's last error line. Empty when the emulator ended normally.
emulator_why() {
	[ -f "$DIR/serial.raw.emu" ] || { echo "the emulator never ran (no status file)"; return; }
	read -r emu rc tmo < "$DIR/serial.raw.emu"
	last=$(grep -avE '^\s*$|^qemu.sh: qemu exited|^bochs.sh: timed out|^Aborted|^Segmentation fault|core dumped|^Killed' \
		"$DIR/serial.raw.stdout" 2>/dev/null | tail -1)
	panic=$(grep -aE 'PANIC|FATAL|>>PANIC<<' "$DIR/serial.raw.bochs" 2>/dev/null | head -1)
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "$emu timed out after ${tmo}s (still running: the hypervisor or a guest hung)"
	elif [ "$rc" -gt 128 ]; then
		echo "$emu died of signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null)): ${last:-no message}"
	elif [ -n "$panic" ]; then
		echo "$emu panicked: $panic"
	elif [ "$emu" = bochs ] && [ "$rc" -ne 1 ]; then
		echo "$emu exited with status $rc: ${last:-no message}"
	elif [ ! -s "$DIR/serial.raw" ]; then
		echo "$emu exited (status $rc) before the hypervisor printed anything: ${last:-no message}"
	fi
}

# expect REGEX [WHAT]: some line of the log matches the extended regex.
expect() { grep -Eq -- "$1" "$LOG" || fail "missing: /$1/${2:+ ($2)}"; }
# expect_not REGEX: no line matches.
expect_not() { ! grep -Eq -- "$1" "$LOG" || fail "unexpected: $(grep -Em1 -- "$1" "$LOG")"; }
# expect_count N REGEX: exactly N lines match.
expect_count() {
	n=$(grep -Ec -- "$2" "$LOG")
	[ "$n" -eq "$1" ] || fail "expected $1 lines matching /$2/, found $n"
}
# expect_exit N: the hypervisor's final line says status N (and it is the last one).
expect_exit() {
	last=$(grep -E '^faultline: exit status=[0-9]+$' "$LOG" | tail -1)
	if [ -z "$last" ]; then
		why=$(emulator_why)
		fail "expected 'faultline: exit status=$1', got no exit line${why:+: $why}"
	elif [ "$last" != "faultline: exit status=$1" ]; then
		fail "expected 'faultline: exit status=$1', got '$last'"
	fi
}
# expect_order RE1 RE2: the first match of RE1 comes before the first match of RE2.
expect_order() {
	a=$(grep -Enm1 -- "$1" "$LOG" | cut -d: -f1); b=$(grep -Enm1 -- "$2" "$LOG" | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "expected /$1/ (line ${a:-none}) before /$2/ (line ${b:-none})"
}

# run_one NAME: runs test function t_NAME in build/tests/NAME and records the verdict.
run_one() {
	DIR=$T/$1
	rm -rf "$DIR"; mkdir -p "$DIR"
	start=$(date +%s)
	# In a subshell: a test script that dies (a signal, a write to a closed socket) still
	# gets its verdict written here, with how it died.
	( "t_$1" ) > "$DIR/test.out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	[ $rc -gt 128 ] && fail "the test script died of signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
	if [ -s "$DIR/failures" ]; then
		# The emulator's end first when it is the cause: twenty "missing" lines say less.
		why=$(grep -Eq '^faultline: exit status=' "$DIR/serial.log" 2>/dev/null || emulator_why)
		{ echo "FAIL $1 (${secs}s, log: $DIR/serial.log)"
		  if [ -n "$why" ]; then
			echo "    EMULATOR: $why"
			echo "    (and $(wc -l < "$DIR/failures") expectation(s) unmet, in $DIR/failures)"
		  else
			sed 's/^/    /' "$DIR/failures"
		  fi; } > "$DIR/result"
	else
		echo "PASS $1 (${secs}s)" > "$DIR/result"
	fi
	cat "$DIR/result"
}

# mon_boot CPUS "HV CMDLINE" SCRIPT-FILE "MODULE ARGS"...: boots Bochs with COM1 on a
# loopback socket and lets tests/montalk.sh type SCRIPT-FILE into it (the monitor, a VM's
# console); the log is $DIR/serial.log as for the other boots.
mon_boot() {
	cpus=$1; cmdline=$2; script=$3; shift 3
	sh tools/mkiso.sh "$DIR/fl.iso" 2 "$cmdline" "$@" || { fail "mkiso failed"; return 1; }
	port=$(free_port)
	SERIAL=socket:$port sh tools/bochs.sh "$DIR/fl.iso" "$DIR/bochs.log" "$cpus" 900 &
	bash tests/montalk.sh "$port" "$DIR/serial.raw" "$script"
	wait
	cp "$DIR/bochs.log.emu" "$DIR/serial.raw.emu" 2>/dev/null
	cp "$DIR/bochs.log.stdout" "$DIR/serial.raw.stdout" 2>/dev/null
	cp "$DIR/bochs.log.bochs" "$DIR/serial.raw.bochs" 2>/dev/null
	clean_log
}

# free_port: a loopback TCP port nobody listens on now (from /proc/net/tcp*, no tools
# needed). Bochs's COM1 socket takes it a moment later; a port taken in between makes Bochs
# fail to start, which the test then reports as an emulator failure, not a silent hang.
free_port() {
	used=$(awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null)
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		echo "$used" | grep -qix "$(printf '%04X' $p)" || { echo $p; return; }
	done
	echo $p
}
