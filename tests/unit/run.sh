#!/bin/sh
# tests/unit/run.sh BIN...: runs the host unit-test binaries, sums their
# "N passed, N failed" lines, and prints "unit: N passed, N failed".
# A binary under build/unit-tsan/ (the threaded tests again under ThreadSanitizer) that is
# missing because the compiler cannot build TSan programs (the Makefile's probe wrote why
# into build/unit-tsan/toolchain) is neither passed nor failed: it prints a SKIP line, and
# one "unit-tsan: skipped: WHY" line comes before the total (tests/all.sh repeats it).
# Exit status 66 is ThreadSanitizer's report of a race (tests/unit/check.h): a failure.
pass=0; fail=0; broken=0; skipped=0; why=""
for t in "$@"; do
	d=$(basename "$(dirname "$t")")
	name=$(basename "$t"); [ "$d" = unit ] || name="$d/$name"
	if [ ! -e "$t" ] && [ -f "$(dirname "$t")/toolchain" ] &&
	   [ "$(cat "$(dirname "$t")/toolchain")" != ok ]; then
		why=$(cat "$(dirname "$t")/toolchain")
		echo "SKIP $name: not built ($d)"; skipped=$((skipped + 1)); continue
	fi
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -1)
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		printf '%s\n' "$out" | grep -v ' passed, ' | sed 's/^/    /'
	fi
	if [ $rc -eq 66 ]; then
		echo "FAIL $name: ThreadSanitizer reported a race (exit 66)"; broken=$((broken + 1)); continue
	fi
	if [ -z "$line" ]; then
		echo "FAIL $name: crashed or printed no summary (exit $rc)"; broken=$((broken + 1)); continue
	fi
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$( [ "$f" -eq 0 ] && echo PASS || echo FAIL ) $name: $p passed, $f failed"
	pass=$((pass + p)); fail=$((fail + f))
done
fail=$((fail + broken))
[ $skipped -gt 0 ] && echo "unit-tsan: skipped: $skipped binaries: $why"
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
