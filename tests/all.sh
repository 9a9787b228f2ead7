#!/bin/sh
# tests/all.sh UNIT-BIN...: what `make test` runs after building: the layering check
# (tools/layers.sh), the host unit tests (the threaded ones also under TSan), a smoke pass
# of the fuzz harnesses (built by tests/fuzz/fuzz.mk), then the integration tests in
# emulators. Ends with one line "N passed, N failed" for the total.
cd "$(dirname "$0")/.."
start=$(date +%s)
if sh tools/layers.sh; then lp=1 lf=0; else lp=0 lf=1; fi
sh tests/unit/run.sh "$@" | tee build/unit.out
echo "make test: unit tests done after $(( $(date +%s) - start ))s; fuzz smoke next"
sh tests/fuzz/run.sh smoke build/fuzz/fuzz_* | tee build/fuzz.out
echo "make test: fuzz smoke done after $(( $(date +%s) - start ))s; integration tests next"
bash tests/integration.sh | tee build/integration.out
sum() { sed -nE "s/^$1: ([0-9]+) passed, ([0-9]+) failed$/\\$2/p" "$3"; }
up=$(sum unit 1 build/unit.out); uf=$(sum unit 2 build/unit.out)
ip=$(sum integration 1 build/integration.out); if_=$(sum integration 2 build/integration.out)
zp=$(sum fuzz 1 build/fuzz.out); zf=$(sum fuzz 2 build/fuzz.out)
p=$(( lp + ${up:-0} + ${zp:-0} + ${ip:-0} )); f=$(( lf + ${uf:-1} + ${zf:-1} + ${if_:-1} ))
echo "make test: $(( $(date +%s) - start ))s"
# Tests that could not be built here (TSan without libtsan): said again next to the total,
# which counts them neither passed nor failed.
grep '^unit-tsan: skipped:' build/unit.out
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
