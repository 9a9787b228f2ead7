#!/bin/bash
# tests/montalk.sh PORT LOG SCRIPT: talks to the hypervisor's COM1 through Bochs's loopback
# socket (com1: mode=socket-server). Everything received is appended to LOG. SCRIPT lines:
#   wait TEXT     until TEXT appears in LOG after the last wait's match, or the emulator
#                 closes the connection (300 s at most: generous for a loaded machine)
#   send TEXT     types TEXT and Enter
#   raw BYTES     types BYTES (printf escapes) without Enter
#   sleep SECS
# Ends when the script ends and the connection closes (or after 900 s).
set -u
trap '' PIPE	# a write to a closed console fails (said below) instead of killing the script
port=$1; log=$2; script=$3
: > "$log"
for i in $(seq 1 3000); do	# up to 600 s: Bochs starts slowly on a loaded machine
	exec 3<>/dev/tcp/127.0.0.1/$port 2>/dev/null && break
	sleep 0.2
done
{ true >&3; } 2>/dev/null || { echo "montalk: could not connect to port $port" >&2; exit 1; }
cat <&3 >> "$log" &
reader=$!
seen=0
while IFS= read -r l; do
	op=${l%% *}; arg=${l#* }
	case $op in
	wait)
		n=
		for i in $(seq 1 3000); do
			# Alive before the look: a reader that ended had written all it would,
			# so a look after its end is the last word (no line missed in between).
			alive=1; kill -0 $reader 2>/dev/null || alive=0
			n=$(tail -c +$((seen + 1)) "$log" | grep -a -F -b -o -- "$arg" | head -1 | cut -d: -f1)
			if [ -n "$n" ]; then seen=$((seen + n + ${#arg})); break; fi
			[ $alive = 1 ] || break	# the emulator is gone: nothing will come
			sleep 0.1
		done
		[ -n "$n" ] || echo "montalk: timed out waiting for '$arg'" >&2 ;;
	send|raw)
		if [ "$op" = send ]; then printf '%s\r' "$arg" >&3; else printf -- "$arg" >&3; fi 2>/dev/null ||
			{ echo "montalk: could not type '$l': the emulator closed the console" >&2; break; } ;;
	sleep) sleep "$arg" ;;
	esac
done < "$script"
timeout 900 tail --pid=$reader -f /dev/null
exec 3>&-
