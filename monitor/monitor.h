/* monitor/monitor.h: the interactive monitor on COM1 (monitor=on): a command line with
 * editing, and a table of commands that show and steer VMs, vCPUs, faults and workers. It
 * runs on cpu0, which then runs no vCPU, polled from the loop that waits for the VMs. */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H
#include "lib/types.h"

void monitor_start(void);
void monitor_poll(void);	/* handles whatever input has arrived; never blocks */
extern volatile bool monitor_quit;
extern volatile bool monitor_reboot;	/* quit, then reset the machine (fl_reboot) */

#endif
