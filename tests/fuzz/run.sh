#!/bin/sh
# tests/fuzz/run.sh MODE BIN...: runs the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by
# tests/fuzz/fuzz.mk) and prints one table row per harness: executions, crashes, seconds.
#   MODE full    FUZZ_RUNS executions each (default 1000000), no time limit
#   MODE smoke   FUZZ_SMOKE_RUNS executions (default 20000) or FUZZ_SMOKE_TIME seconds
#                (default 10), whichever comes first
# FUZZ_JOBS harnesses run at once (default: 2, or 1 on a single CPU).
# Each harness reads its committed seeds (tests/fuzz/corpus/NAME, never written) and its
# working corpus (build/fuzz/corpus/NAME, where libFuzzer adds what it finds, kept between
# runs). A crashing input is saved as build/fuzz/crashes/NAME-crash-<sha1> (or -leak-,
# -timeout-, -oom-); the full log is build/fuzz/logs/NAME.log.
# Ends with "fuzz: N passed, N failed" and exits non-zero if any harness failed.
cd "$(dirname "$0")/../.." || exit 1
mode=$1
shift
B=${B:-build}
case $mode in
full)	runs=${FUZZ_RUNS:-1000000}; limit="" ;;
smoke)	runs=${FUZZ_SMOKE_RUNS:-20000}; limit="-max_total_time=${FUZZ_SMOKE_TIME:-10}" ;;
*)	echo "usage: $0 full|smoke BIN..." >&2; exit 2 ;;
esac
if [ -z "$FUZZ_JOBS" ]; then
	FUZZ_JOBS=$(nproc 2>/dev/null || echo 1)
	[ "$FUZZ_JOBS" -gt 2 ] && FUZZ_JOBS=2
fi
mkdir -p "$B/fuzz/crashes" "$B/fuzz/logs" "$B/fuzz/corpus"

now() { date +%s.%N; }

# One harness: its result line goes to build/fuzz/logs/NAME.result.
run_one() {
	bin=$1
	name=$(basename "$bin" | sed 's/^fuzz_//')
	log=$B/fuzz/logs/$name.log
	work=$B/fuzz/corpus/$name
	seeds=tests/fuzz/corpus/$name
	mkdir -p "$work"
	[ -d "$seeds" ] || seeds=
	before=$(ls "$B/fuzz/crashes" | grep -c "^$name-")
	t0=$(now)
	# shellcheck disable=SC2086
	"$bin" -runs="$runs" $limit -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 \
		-artifact_prefix="$B/fuzz/crashes/$name-" "$work" $seeds >"$log" 2>&1
	rc=$?
	t1=$(now)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
	[ -n "$execs" ] || execs=0
	crashes=$(( $(ls "$B/fuzz/crashes" | grep -c "^$name-") - before ))
	[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "$name $execs $crashes $secs $rc" >"$B/fuzz/logs/$name.result"
}

# How many of this run's harnesses have finished (written their .result).
finished() {
	k=0
	for b in "$@"; do
		[ -f "$B/fuzz/logs/$(basename "$b" | sed 's/^fuzz_//').result" ] && k=$((k + 1))
	done
	echo $k
}

# FUZZ_JOBS at a time: the next one starts as soon as one ends.
for bin in "$@"; do
	rm -f "$B/fuzz/logs/$(basename "$bin" | sed 's/^fuzz_//').result"
done
started=0
for bin in "$@"; do
	while [ $((started - $(finished "$@"))) -ge "$FUZZ_JOBS" ]; do
		sleep 0.2
	done
	run_one "$bin" &
	started=$((started + 1))
done
wait

pass=0; fail=0
printf '  %-10s %12s %8s %8s\n' harness executions crashes seconds
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	res=$B/fuzz/logs/$name.result
	if [ ! -f "$res" ]; then
		printf '  %-10s %12s %8s %8s  FAIL (did not run)\n' "$name" - - -
		fail=$((fail + 1)); continue
	fi
	read -r n execs crashes secs rc <"$res"
	verdict=
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		verdict="  FAIL (exit $rc; see $B/fuzz/logs/$name.log)"
	elif [ "$mode" = full ] && [ "$execs" -lt "$runs" ]; then
		verdict="  FAIL (stopped after $execs of $runs executions)"
	fi
	printf '  %-10s %12s %8s %8s%s\n' "$n" "$execs" "$crashes" "$secs" "$verdict"
	if [ -n "$verdict" ]; then
		fail=$((fail + 1))
		# The verdict, the project's and the harness's frames, where the input went.
		grep -E 'fuzz invariant failed|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|^SUMMARY|^ *#[0-9]+ .* in [^ ]+ [^ ]*(lib|apf|vmm|ept|tests/fuzz)/|Test unit written' \
			"$B/fuzz/logs/$name.log" | grep -v ' in fuzzer::' | head -16 | sed 's/^/      /'
	else
		pass=$((pass + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
