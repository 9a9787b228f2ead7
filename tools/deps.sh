#!/bin/sh
# tools/deps.sh: makes sure the Debian packages that build, run and test faultline are
# installed. As root it installs what is missing with apt-get; otherwise it prints the exact
# apt-get line and fails, so `make run` and `make test` never half-work.
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need="$need gcc"
have make || need="$need make"
have ld || need="$need binutils"
have bochs || need="$need bochs"
[ -f /usr/share/bochs/BIOS-bochs-latest ] || need="$need bochsbios"
[ -f /usr/share/vgabios/vgabios.bin ] || need="$need vgabios"
[ -f /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_rfb_gui.so ] || need="$need bochs"
have qemu-system-x86_64 || need="$need qemu-system-x86"
have grub-mkrescue || need="$need grub-common"
[ -d /usr/lib/grub/i386-pc ] || need="$need grub-pc-bin"
have xorriso || need="$need xorriso"
have mformat || need="$need mtools"
have clang || need="$need clang"
# libFuzzer and the sanitizer runtimes (make fuzz, make test's smoke pass): Debian 12 ships
# them apart from clang, in libclang-rt-N-dev (a Recommends, which --no-install-recommends
# skips); older releases have them inside libclang-common-N-dev.
fuzz_rt() {
	have clang || return 1
	v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
	t=$(mktemp -d)
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' > "$t/f.c"
	clang -fsanitize=fuzzer,address,undefined "$t/f.c" -o "$t/f" >/dev/null 2>&1
	r=$?
	rm -rf "$t"
	return $r
}
# ThreadSanitizer's runtime for gcc (make unit builds the threaded unit tests again with
# -fsanitize=thread): libtsan2 for gcc 12 and later (Debian 12), libtsan0 before. It comes
# with gcc (libgcc-N-dev depends on it), so this only repairs a machine that lost it.
tsan_rt() {
	t=$(mktemp -d)
	printf 'int main(void) { return 0; }\n' > "$t/t.c"
	gcc -fsanitize=thread "$t/t.c" -o "$t/t" >/dev/null 2>&1
	r=$?
	rm -rf "$t"
	return $r
}
if have gcc && ! tsan_rt; then
	[ "$(gcc -dumpversion | cut -d. -f1)" -ge 12 ] && need="$need libtsan2" || need="$need libtsan0"
fi
if [ -z "$need" ] && ! fuzz_rt; then
	v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
	need="libclang-rt-$v-dev"
fi
[ -z "$need" ] && exit 0
need=$(echo $need | tr ' ' '\n' | sort -u | tr '\n' ' ')
line="apt-get install -y --no-install-recommends $need"
if [ "$(id -u)" -ne 0 ]; then
	echo "faultline needs these Debian packages. Run as root:"
	echo "  apt-get update && $line"
	exit 1
fi
echo "deps: installing $need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	echo "deps: apt-get failed; run: apt-get update && $line"; exit 1; }
# clang was just installed: its fuzzer runtime may be a package of its own (see fuzz_rt).
if ! fuzz_rt; then
	v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
	echo "deps: installing libclang-rt-$v-dev (libFuzzer)"
	apt-get install -y -qq --no-install-recommends "libclang-rt-$v-dev" >/dev/null && fuzz_rt || {
		echo "deps: clang cannot link a libFuzzer harness; install clang's runtime (libclang-rt-$v-dev)"
		exit 1; }
fi
