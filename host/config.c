/* host/config.c: the table of hypervisor command-line keys (lib/cmdline.c parses it). */
#include "host/config.h"
#include "host/log.h"
#include "host/percpu.h"
#include "lib/cmdline.h"

struct config cfg = {
	.cpus = 0,
	.loglevel = LOG_INFO,
	.selftest = 0,
	.watchdog_ms = 5000,
	.workers = 0,
	.apf_limit = 64,
};

static const char *const selftest_names[] = { "bp", "ud", "pf", "gp", "de", "panic", "reboot",
					       "disk", 0 };
static const char *const swap_names[] = { "off", "auto", "ata0-master", "ata0-slave",
					  "ata1-master", "ata1-slave", 0 };

static const struct opt opts[] = {
	{ .key = "cpus", .type = OPT_UINT, .val = &cfg.cpus, .min = 0, .max = MAX_CPUS,
	  .help = "use at most N CPUs (0: every CPU the ACPI MADT lists)", .def = "0" },
	{ .key = "loglevel", .type = OPT_ENUM, .val = &cfg.loglevel, .names = log_level_names,
	  .help = "console verbosity", .def = "info" },
	{ .key = "selftest", .type = OPT_LIST, .val = &cfg.selftest, .names = selftest_names,
	  .help = "deliberate faults in the hypervisor after boot, in this order (disk: a swap-disk check)",
	  .def = "none" },
	{ .key = "watchdog_ms", .type = OPT_UINT, .val = &cfg.watchdog_ms, .min = 0, .max = 3600000,
	  .help = "report a vCPU that runs this many ms without a VM exit (0: off)", .def = "5000" },
	{ .key = "workers", .type = OPT_UINT, .val = &cfg.workers, .min = 0, .max = MAX_CPUS - 1,
	  .help = "CPUs (the last ones) that fetch guest pages for every VM", .def = "0" },
	{ .key = "apf_limit", .type = OPT_UINT, .val = &cfg.apf_limit, .min = 1, .max = 64,
	  .help = "outstanding asynchronous faults per vCPU; more become synchronous", .def = "64" },
	{ .key = "monitor", .type = OPT_BOOL, .val = &cfg.monitor,
	  .help = "the interactive monitor on COM1 (cpu0 runs no vCPU then)", .def = "off" },
	{ .key = "host_mem", .type = OPT_UINT, .val = &cfg.host_mem, .min = 0, .max = 1ULL << 32,
	  .help = "host frames all lazily backed VMs may hold together (0: all free)", .def = "0" },
	{ .key = "swap.slots", .type = OPT_UINT, .val = &cfg.swap_slots, .min = 0, .max = 1ULL << 32,
	  .help = "use at most N 4 KiB slots of the swap disk (0: all of it)", .def = "0" },
	{ .key = "swap.bad", .type = OPT_STR, .val = cfg.swap_bad, .len = sizeof(cfg.swap_bad),
	  .help = "disk byte ranges whose swap reads fail: A, A-B, A+L", .def = "none" },
	{ .key = "swap.bad_write", .type = OPT_STR, .val = cfg.swap_bad_write,
	  .len = sizeof(cfg.swap_bad_write),
	  .help = "disk byte ranges whose swap writes fail (the slot is retired)", .def = "none" },
	{ .key = "swap", .type = OPT_ENUM, .val = &cfg.swap, .names = swap_names,
	  .help = "the ATA hard disk the hypervisor may swap to (auto: the first one found)",
	  .def = "off" },
	{ .key = "swap.pio", .type = OPT_BOOL, .val = &cfg.swap_pio,
	  .help = "drive the swap disk by PIO only (no bus-master DMA)", .def = "off" },
};

static void report(void *ctx, const char *line)
{
	(void)ctx;
	pr_warn("%s", line);
}

static void help_line(void *ctx, const char *line)
{
	(void)ctx;
	log_plain("%s", line);
}

void config_parse(const char *cmdline)
{
	struct cmdline_result r;

	pr_info("cmdline: '%s'", cmdline);
	r = cmdline_parse(cmdline, opts, ARRAY_SIZE(opts), report, 0);
	log_level = cfg.loglevel;
	if (r.help) {
		log_plain("faultline command-line keys (key=value, separated by spaces):");
		cmdline_help(opts, ARRAY_SIZE(opts), help_line, 0);
	}
	if (r.errors)
		pr_warn("cmdline: %d problem(s) above; those keys keep their defaults", r.errors);
}
