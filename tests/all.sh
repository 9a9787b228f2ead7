#!/bin/sh
# tests/all.sh UNIT-BIN...: what `make test` runs after building: the host unit tests, then
# the integration tests in emulators. Ends with one line "N passed, N failed" for the total.
cd "$(dirname "$0")/.."
start=$(date +%s)
sh tests/unit/run.sh "$@" | tee build/unit.out
bash tests/integration.sh | tee build/integration.out
sum() { sed -nE "s/^$1: ([0-9]+) passed, ([0-9]+) failed$/\\$2/p" "$3"; }
up=$(sum unit 1 build/unit.out); uf=$(sum unit 2 build/unit.out)
ip=$(sum integration 1 build/integration.out); if_=$(sum integration 2 build/integration.out)
p=$(( ${up:-0} + ${ip:-0} )); f=$(( ${uf:-1} + ${if_:-1} ))
echo "make test: $(( $(date +%s) - start ))s"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
