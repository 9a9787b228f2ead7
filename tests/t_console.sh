# tests/t_console.sh: a VM's COM1 input (dev/uart.c) and its interrupt through the virtual
# 8259 pair (dev/pic.c, vmm/inject.c): the monitor's console switch types to guest/demos/echo.c,
# which reads a line by polling, lets its FIFO overrun, then reads lines by IRQ4.
# Driven through Bochs's loopback COM1 socket by tests/montalk.sh.

# The overrun line is typed without its end, which comes only once the guest has drained
# its FIFO: what the guest keeps (the first 16 bytes) does not depend on timing.
t_console_echo() {
	cat > "$DIR/script" <<'S'
wait [echo] echo: ready, type a line
raw \0010
wait input goes to vm echo
raw \001?
wait <- input goes here
send hello world
wait (polled)
wait type 17 or more characters
raw abcdefghijklmnopqrstuvwxyz
wait LSR.OE seen
raw \r
wait interrupts on (IRQ4
send interrupts work
wait (interrupt,
send quit
wait vm echo has stopped
raw \001m
wait input goes to the monitor
send quit
wait exit status
S
	mon_boot 2 "monitor=on" "$DIR/script" "$G/echo.elf vm=echo mem=16M"
	expect '^console:   0 echo \(running\) <- input goes here$'
	expect "\[echo\] echo: got 'hello world' \(polled\)$"
	expect "\[echo\] echo: overrun: LSR.OE seen, kept 16 bytes 'abcdefghijklmnop'$"
	expect "\[echo\] echo: got 'interrupts work' \(interrupt, [1-9][0-9]* interrupts\)$"
	expect "\[echo\] echo: got 'quit' \(interrupt, [1-9][0-9]* interrupts\)$"
	expect '\[echo\] guest: [1-9][0-9]* passed, 0 failed'
	expect_not '\[echo\] guest: FAIL|\[echo\] echo: FAIL'
	expect_order "got 'hello world'" "kept 16 bytes"
	expect_order "kept 16 bytes" "got 'interrupts work'"
	expect 'summary: vm echo +passed'
	expect_exit 0
}
