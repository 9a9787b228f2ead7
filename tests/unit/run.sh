#!/bin/sh
# tests/unit/run.sh BIN...: runs the host unit-test binaries, sums their
# "N passed, N failed" lines, and prints "unit: N passed, N failed".
pass=0; fail=0; broken=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -1)
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		printf '%s\n' "$out" | grep -v ' passed, ' | sed 's/^/    /'
	fi
	if [ -z "$line" ]; then
		echo "FAIL $t: crashed or printed no summary (exit $rc)"; broken=$((broken + 1)); continue
	fi
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$( [ "$f" -eq 0 ] && echo PASS || echo FAIL ) $(basename "$t"): $p passed, $f failed"
	pass=$((pass + p)); fail=$((fail + f))
done
fail=$((fail + broken))
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
