#!/bin/bash
# tests/integration.sh [NAME-REGEX]: boots the real hypervisor in Bochs 2.7 (VMX, SMP) and
# QEMU TCG (boot path, no VMX) and checks what the serial console says. Tests run in
# parallel, one per core. Prints one line per test and "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
for f in tests/t_*.sh; do . "$f"; done

tests=$(declare -F | awk '{print $3}' | grep '^t_' | sed 's/^t_//' | grep -E -- "${1:-.}" | sort)
export -f $(declare -F | awk '{print $3}')
export T G

jobs=${JOBS:-$(nproc)}
printf '%s\n' $tests | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} >/dev/null
pass=0; failn=0
for t in $tests; do
	cat "$T/$t/result"
	case $(head -c4 "$T/$t/result") in PASS) pass=$((pass + 1)) ;; *) failn=$((failn + 1)) ;; esac
done
echo "integration: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
