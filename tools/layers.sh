#!/bin/sh
# tools/layers.sh: checks the layering of docs/architecture.md on every #include in the
# tree: a file includes only headers of its own layer or of a layer below it. The one
# upward edge is vmm/hooks.h (the calls the VMX core makes into apf/, and the state it
# embeds). Prints each violation; exits 1 if there is one. Run by make test.
cd "$(dirname "$0")/.."
rank() {
	case $1 in
	include/*|lib/*) echo 0 ;;
	host/*|drivers/*) echo 1 ;;
	ept/*|dev/*) echo 2 ;;
	vmm/*) echo 3 ;;
	apf/*) echo 4 ;;
	monitor/*) echo 5 ;;
	boot/*) echo 6 ;;
	guest/lib/*) echo 10 ;;
	guest/*) echo 11 ;;
	tests/*|tools/*) echo 99 ;;
	*) echo 98 ;;
	esac
}
bad=0
for f in $(git ls-files '*.c' '*.h' '*.S'); do
	rf=$(rank "$f")
	[ "$rf" = 99 ] && continue
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		ri=$(rank "$inc")
		[ "$f" = vmm/hooks.h ] && [ "${inc%%/*}" = apf ] && continue
		ok=1
		if [ "$rf" -ge 10 ]; then
			# Guests: their runtime, the ABI and the freestanding lib; the runtime never
			# includes a program.
			case $inc in include/*|lib/*) ;; guest/lib/*) ;; guest/*) [ "$rf" = 11 ] && [ "$(dirname "$f")" = "$(dirname "$inc")" ] || ok=0 ;; *) ok=0 ;; esac
		elif [ "$ri" -gt "$rf" ]; then
			ok=0
		fi
		[ $ok = 1 ] || { echo "layers: $f includes $inc (a layer above it)"; bad=1; }
	done
done
[ $bad = 0 ] && echo "layers: every #include points down (or through vmm/hooks.h)"
exit $bad
