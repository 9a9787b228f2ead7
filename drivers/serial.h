/* drivers/serial.h: the 16550 UART driver for COM1 (115200 8N1, polled). */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H
#include "lib/types.h"

void serial_init(void);
void serial_putc(char c);                 /* "\n" goes out as "\r\n" */
void serial_write(const char *s, size_t n);
void serial_flush(void);                /* waits until the UART has sent everything */
int serial_getc(void);                    /* -1 when nothing has arrived */
void serial_rx_pump(void);	/* moves what arrived into the input ring (busy waits call it) */

#endif
