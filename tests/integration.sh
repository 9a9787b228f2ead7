#!/bin/bash
# tests/integration.sh [NAME-REGEX]: boots the real hypervisor in Bochs 2.7 (VMX, SMP) and
# QEMU TCG (boot path, no VMX) and checks what the serial console says. Tests run in
# parallel, one per core. Prints each verdict as it comes (with a running count and the
# time so far), then the failures again and "N passed, N failed".
# First one short Bochs boot (preflight): when the emulator cannot run at all on this
# machine, that one line says why and nothing else runs (PREFLIGHT=0 skips it).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
for f in tests/t_*.sh; do . "$f"; done

tests=$(declare -F | awk '{print $3}' | grep '^t_' | sed 's/^t_//' | grep -E -- "${1:-.}" | sort)
export -f $(declare -F | awk '{print $3}')
export T G

preflight() {
	DIR=$T/preflight
	rm -rf "$DIR"; mkdir -p "$DIR"
	boot_bochs 1 2 "" "$G/hello.elf vm=preflight mem=16M" >/dev/null 2>&1
	grep -Eq '^faultline: exit status=0$' "$LOG" && return 0
	why=$(emulator_why)
	echo "integration: preflight: Bochs could not boot faultline with the hello guest: ${why:-the log has no exit line ($LOG)}"
	echo "integration: stopping here: every Bochs test would fail the same way"
	return 1
}
if [ "${PREFLIGHT:-1}" = 1 ] && echo "$tests" | grep -qv '^qemu_'; then
	preflight || { echo "integration: 0 passed, 1 failed"; exit 1; }
fi

# Debian's kernel and the busybox initramfs, once, before the tests that boot them.
if echo "$tests" | grep -q '^linux_\(boot\|two\)'; then
	sh tools/linux.sh initrd >/dev/null ||
		echo "integration: tools/linux.sh could not make build/linux/ (apt-get download; see build/linux/fetch.log): the Linux boot tests will fail"
fi

jobs=${JOBS:-$(nproc)}
total=$(echo $tests | wc -w)
start=$(date +%s)
done_n=0
# Each run_one prints its verdict (and its failure lines, indented) when it ends.
printf '%s\n' $tests | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} |
while IFS= read -r line; do
	case $line in
	PASS*|FAIL*) done_n=$((done_n + 1))
		printf '[%3d/%d %4ds] %s\n' "$done_n" "$total" $(( $(date +%s) - start )) "$line" ;;
	*) echo "$line" ;;
	esac
done
pass=0; failn=0
for t in $tests; do
	case $(head -c4 "$T/$t/result" 2>/dev/null) in
	PASS) pass=$((pass + 1)) ;;
	*) failn=$((failn + 1)); [ $failn -eq 1 ] && echo "integration: failed:"
	   cat "$T/$t/result" 2>/dev/null || echo "FAIL $t (no result)"
	   # What CI shows is all there is of a run elsewhere: the log's last lines.
	   for f in serial.raw.talk serial.log; do
		[ -s "$T/$t/$f" ] || continue
		echo "    last lines of $f:"; tail -n 8 "$T/$t/$f" | cut -c1-160 | sed 's/^/    | /'
	   done ;;
	esac
done
echo "integration: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
