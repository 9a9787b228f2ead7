/* monitor/monitor.h: the interactive monitor on COM1 (monitor=on): a command line with
 * editing, and a table of commands that show and steer VMs, vCPUs, faults and workers. The
 * top of the hypervisor: it reaches vmm/ and apf/ only through their headers. It runs on
 * cpu0, which then runs no vCPU (boot/main.c hands monitor_run to vm_run_all). */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H
#include "lib/types.h"

/* Until the user types `quit` (or `reboot`): input, commands, and the line saying when
 * every VM has stopped. */
void monitor_run(void);
extern volatile bool monitor_reboot;	/* quit, then reset the machine (fl_reboot) */

#endif
