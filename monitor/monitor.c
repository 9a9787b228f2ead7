/* monitor/monitor.c: the monitor (see monitor/monitor.h). Input is edited locally (printable
 * characters echo, Backspace/DEL erases, Ctrl-U erases the line, Enter runs it); a line is
 * split into words and looked up in the command table. Every answer is one or more lines
 * on the console; a bad command, number, VM or address gets one line and nothing changes. */
#include "monitor/monitor.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/smp.h"
#include "drivers/serial.h"
#include "host/tsc.h"
#include "apf/apf.h"
#include "apf/ram.h"
#include "vmm/debug/debug.h"
#include "vmm/vm.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define LINE_MAX	120
#define ARGS_MAX	6

static volatile bool monitor_quit;
volatile bool monitor_reboot;
static char line[LINE_MAX];
static unsigned len;

struct cmd {
	const char *name, *args, *help;
	void (*fn)(int argc, char **argv);
	int min_args;
};

static const struct cmd cmds[];

static void out(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *f, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, f);
	vfmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	log_plain("%s", buf);
}

static struct vm *find_vm(const char *s)
{
	u64 id;
	for (u32 i = 0; i < nvms; i++)
		if (!strcmp(vms[i].name, s))
			return &vms[i];
	if (!parse_u64(s, strlen(s), &id) && id < nvms)
		return &vms[id];
	out("monitor: no VM '%s' (see vms)", s);
	return 0;
}

static bool number(const char *s, u64 *v)
{
	if (!parse_u64(s, strlen(s), v))
		return true;
	out("monitor: '%s' is not a number", s);
	return false;
}

static const char *state_name(enum vm_state s)
{
	static const char *const n[] = { "empty", "ready", "running", "paused", "stopped" };
	return s <= VM_STOPPED ? n[s] : "?";
}

static void c_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (const struct cmd *c = cmds; c->name; c++)
		out("  %-8s %-18s %s", c->name, c->args, c->help);
}

static void c_vms(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (u32 i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		u64 exits = 0;
		for (u32 r = 0; r <= EXIT_REASON_MAX; r++)
			exits += vm->exits[r];
		out("  %u %-12s %-8s mem=%luM vcpus=%u lazy=%s apf=%s exits=%lu status=%d", i,
		    vm->name, state_name(vm->state), vm->mem >> 20, vm->nvcpus,
		    vm->apf.lazy ? "on" : "off", vm->apf.off ? "off" : "on", exits, vm->status);
	}
}

static void c_vcpus(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (u32 i = 0; i < nvms; i++)
		for (u32 j = 0; j < vms[i].nvcpus; j++) {
			struct vcpu *v = &vms[i].vcpus[j];
			out("  %s:%u cpu%u %s exits=%lu #VE=%s outstanding=%u", vms[i].name, j, v->cpu,
			    vms[i].state != VM_RUNNING ? state_name(vms[i].state) :
			    v->running ? "running" : v->started || !j ? "idle" : "not started",
			    v->nexits, v->apf.pv.registered ? "registered" : "no", v->apf.pv.outstanding);
		}
}

/* VM[:N]: a vCPU. */
static struct vcpu *find_vcpu(const char *s)
{
	char name[VM_NAME_MAX + 4];
	u64 idx = 0;
	strlcpy(name, s, sizeof(name));
	char *colon = strchr(name, ':');
	if (colon) {
		*colon = 0;
		if (!number(colon + 1, &idx))
			return 0;
	}
	struct vm *vm = find_vm(name);
	if (!vm)
		return 0;
	if (idx >= vm->nvcpus) {
		out("monitor: %s has %u vCPU(s)", vm->name, vm->nvcpus);
		return 0;
	}
	return &vm->vcpus[idx];
}

static void c_exits(int argc, char **argv)
{
	(void)argc;
	struct vcpu *v = find_vcpu(argv[1]);
	if (!v)
		return;
	u64 n = MIN(v->nexits, EXIT_RING);
	out("  %s:%u: last %lu of %lu exits", v->vm->name, v->index, n, v->nexits);
	for (u64 i = v->nexits - n; i < v->nexits; i++) {
		struct exit_rec *r = &v->ring[i % EXIT_RING];
		out("  #%-5lu %-28s qual=0x%lx rip=0x%lx", i, exit_reason_name(r->reason & 0xFFFF),
		    r->qual, r->rip);
	}
}

static void c_ept(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	struct ept_walk w;
	char buf[96];
	u64 gpa;
	(void)argc;
	if (!vm || !number(argv[2], &gpa))
		return;
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	int r = ept_walk(&vm->ept, gpa, &w);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	if (r) {
		out("monitor: 0x%lx is not a guest-physical address EPT can map", gpa);
		return;
	}
	for (int i = 0; i < w.levels; i++) {
		ept_entry_format(w.entry[i], 4 - i, buf, sizeof(buf));
		out("  level %d: 0x%016lx %s", 4 - i, w.entry[i], buf);
	}
	if (w.present)
		out("  0x%lx -> host 0x%lx (%s page)", gpa, w.hpa, w.page_level == 2 ? "2M" : "4K");
	else
		out("  0x%lx: not present", gpa);
}

static void c_mem(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	u64 gpa, n = 64;
	if (!vm || !number(argv[2], &gpa) || (argc > 3 && !number(argv[3], &n)))
		return;
	if (n == 0 || n > 256) {
		out("monitor: LEN must be 1..256");
		return;
	}
	u8 p[256];
	u64 missing;
	int r = ram_copy(vm, gpa, p, n, false, &missing);
	if (r < 0) {
		out("monitor: [0x%lx, +%lu) is not inside %s's RAM (%luM)", gpa, n, vm->name,
		    vm->mem >> 20);
		return;
	}
	if (r > 0) {	/* shown as it is: looking must not fetch (or evict) anything */
		out("  page 0x%lx has no frame now (never produced, evicted, or being produced): "
		    "nothing to show", missing);
		return;
	}
	for (u64 i = 0; i < n; i += 16) {
		char hex[64];
		int k = 0;
		for (u64 j = i; j < i + 16 && j < n; j++)
			k += fmt(hex + k, sizeof(hex) - k, "%02x ", p[j]);
		out("  0x%08lx: %s", gpa + i, hex);
	}
}

/* out, indented as every command's answer lines are. */
static void out_indented(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void out_indented(const char *f, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, f);
	vfmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	out("  %s", buf);
}

static void c_ram(int argc, char **argv)
{
	struct vm *one = argc > 1 ? find_vm(argv[1]) : 0;
	if (argc > 1 && !one)
		return;
	if (!one)
		ram_pool_print(out_indented);
	for (u32 i = 0; i < nvms; i++)
		if (!one || one == &vms[i])
			ram_print(&vms[i], out_indented);
}

static void c_faults(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	char rec[160];
	(void)argc;
	if (!vm)
		return;
	apf_faults_print(vm, out);
	if (vm->has_fault) {
		fault_format(&vm->fault, rec, sizeof(rec));
		out("  the fault that stopped or paused it: %s", rec);
	}
}

static void c_workers(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!workers_count())
		out("  no workers (workers=0): faults are resolved on the faulting vCPU's CPU");
	else
		workers_print_now(out);
}

static void c_stats(int argc, char **argv)
{
	for (u32 i = 0; i < nvms; i++) {
		if (argc > 1 && strcmp(vms[i].name, argv[1]))
			continue;
		out("  %s: %s", vms[i].name, state_name(vms[i].state));
		apf_summary(&vms[i]);
	}
}

static void c_dmesg(int argc, char **argv)
{
	(void)argc, (void)argv;
	log_ring_print();
}

static void c_log(int argc, char **argv)
{
	(void)argc;
	for (unsigned i = 0; log_level_names[i]; i++)
		if (!strcmp(argv[1], log_level_names[i])) {
			log_level = i;
			out("  loglevel=%s", log_level_names[i]);
			return;
		}
	out("monitor: '%s' is not one of error|warn|info|debug|trace", argv[1]);
}

static void c_pause(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	(void)argc;
	if (vm && vm->state == VM_RUNNING)
		vm_pause(vm, "paused by the monitor");
	else if (vm)
		out("monitor: %s is %s", vm->name, state_name(vm->state));
}

static void c_resume(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	(void)argc;
	if (vm && vm->state == VM_PAUSED)
		vm_resume(vm);
	else if (vm)
		out("monitor: %s is %s", vm->name, state_name(vm->state));
}

static void c_kill(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	(void)argc;
	if (vm)
		vm_stop(vm, -1, true, "killed by the monitor");
}

/* What the guest looked for and faultline does not emulate (vmm/unemul.c): ports that read
 * all ones, MSRs that #GP; the first 16 of each with their counts. */
static void c_unemulated(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	char buf[320];
	(void)argc;
	if (!vm)
		return;
	unemul_format(vm, buf, sizeof(buf));
	log_plain("%s: unemulated: %s", vm->name, buf);
}

/* Asks every running vCPU of vm to drop its EPT translations; false if one did not. */
static bool flush_vm(struct vm *vm)
{
	bool ok = true;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].dbg.flush = true;	/* owed before its next entry in any case */
		if (vm->vcpus[i].running)
			ok &= !debug_request(&vm->vcpus[i], DBG_FLUSH);
	}
	return ok;
}

static void c_poison(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	bool poison = !strcmp(argv[0], "poison");
	const char *note = "";
	u64 gpa;
	(void)argc;
	if (!vm || !number(argv[2], &gpa))
		return;
	if (!vm->apf.lazy || gpa >= vm->mem) {
		out("monitor: %s: 0x%lx is not lazily backed RAM", vm->name, gpa);
		return;
	}
	int r = backing_poison_live(&vm->apf.backing, gpa, poison);
	if (r < 0) {
		out("monitor: %s", r == -1 ? "no free slot (8 live poisons at most)" : "not poisoned");
		return;
	}
	/* A page the guest already has is taken away, so its next access asks the backing
	 * store again, as a memory failure would: what the guest wrote there is gone. Always
	 * through apf_unmap, which looks at the state under the VM's apf lock: that lock
	 * orders our poison store before the look, and a worker about to map the page looks
	 * at the poison under the same lock, so a page poisoned mid-fetch is never left
	 * mapped (a look without the lock could miss both ways). */
	if (poison) {
		int u = apf_unmap(vm, gpa);
		note = u < 0 ? " (present, and could not be unmapped: applies at its next fetch)" :
		       u == 1 ? "" :
		       !flush_vm(vm) ? " (unmapped, but a vCPU did not flush: it may still reach it)" :
		       " (it was present: unmapped and flushed, its contents are gone)";
	}
	out("  %s: page 0x%lx %s%s", vm->name, (u64)(gpa & ~(PAGE_SIZE - 1)),
	    poison ? "poisoned" : "unpoisoned", note);
}

static void c_apf(int argc, char **argv)
{
	struct vm *vm = find_vm(argv[1]);
	(void)argc;
	if (!vm)
		return;
	if (strcmp(argv[2], "on") && strcmp(argv[2], "off")) {
		out("monitor: apf VM on|off");
		return;
	}
	/* Faults in flight complete as they are; from the next entry on, each vCPU follows the
	 * switch (apf_before_entry), and the kick makes that entry come now (a tick at the
	 * latest): no fault is lost either way. A violation before it is classified by the
	 * switch, not by the VMCS it ran with (apf/apf.c: sw_ve_target). */
	vm->apf.off = !strcmp(argv[2], "off");
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].running)
			smp_kick(vm->vcpus[i].cpu);
	out("  %s: asynchronous faults %s", vm->name, vm->apf.off ? "off" : "on");
}

static void c_regs(int argc, char **argv)
{
	struct vcpu *v = find_vcpu(argv[1]);
	(void)argc;
	if (v)
		debug_request(v, DBG_REGS);	/* the vCPU prints them, on its own CPU */
}

static void c_vmcs(int argc, char **argv)
{
	struct vcpu *v = find_vcpu(argv[1]);
	(void)argc;
	if (v)
		debug_request(v, DBG_VMCS);
}

#define STEP_MAX	64

static void c_step(int argc, char **argv)
{
	struct vcpu *v = find_vcpu(argv[1]);
	u64 n = 1;
	if (!v || (argc > 2 && !number(argv[2], &n)))
		return;
	if (n == 0 || n > STEP_MAX) {
		out("monitor: COUNT must be 1..%u", STEP_MAX);
		return;
	}
	if (v->vm->state == VM_RUNNING) {
		out("  %s: pausing it to step", v->vm->name);
		vm_pause(v->vm, "paused by the monitor to single-step");
	}
	if (v->vm->state != VM_PAUSED) {
		out("monitor: %s is %s", v->vm->name, state_name(v->vm->state));
		return;
	}
	while (n-- && !debug_request(v, DBG_STEP) && v->vm->state == VM_PAUSED)
		;
}

static void c_trace(int argc, char **argv)
{
	char bad[32];
	u64 mask[2] = { ~0ULL, ~0ULL };
	int vm = -1, a = 2;

	if (strcmp(argv[1], "on") && strcmp(argv[1], "off")) {
		out("monitor: trace on|off [VM] [REASONS]");
		return;
	}
	if (argv[1][1] == 'f') {
		trace.on = false;
		out("  trace off");
		return;
	}
	for (u32 i = 0; a < argc && i < nvms; i++)
		if (!strcmp(vms[i].name, argv[a]))
			vm = (int)i, a++;
	if (a < argc && exit_reasons_parse(argv[a], mask, bad, sizeof(bad))) {
		out("monitor: '%s' is not a VM or an exit reason (CPUID, HLT, io, ept, msr, "
		    "extint, window, a number, all)", bad);
		return;
	}
	trace.vm = vm;
	trace.mask[0] = mask[0];
	trace.mask[1] = mask[1];
	trace.on = true;
	out("  trace on: %s, %s", vm < 0 ? "every VM" : vms[vm].name,
	    a < argc ? argv[a] : "every exit reason");
}

static void c_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	out("  rebooting: every VM stops, the summary follows, then the machine resets");
	for (u32 i = 0; i < nvms; i++)
		vm_stop(&vms[i], -1, true, "stopped by the monitor (reboot)");
	monitor_reboot = true;
	monitor_quit = true;
}

static void c_quit(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (u32 i = 0; i < nvms; i++)
		vm_stop(&vms[i], -1, true, "stopped by the monitor (quit)");
	monitor_quit = true;
}

static const struct cmd cmds[] = {
	{ "help", "", "this list", c_help, 0 },
	{ "vms", "", "every VM: state, memory, exits, status", c_vms, 0 },
	{ "vcpus", "", "every vCPU: CPU, state, exits, #VE registration", c_vcpus, 0 },
	{ "regs", "VM[:N]", "the vCPU's registers (read on its own CPU)", c_regs, 1 },
	{ "vmcs", "VM[:N]", "the vCPU's VMCS, controls decoded", c_vmcs, 1 },
	{ "exits", "VM[:N]", "the vCPU's last 32 exits", c_exits, 1 },
	{ "ept", "VM GPA", "the EPT walk of GPA, each level decoded (bit 63 too)", c_ept, 2 },
	{ "mem", "VM GPA [LEN]", "hex dump of guest memory (LEN <= 256)", c_mem, 2 },
	{ "faults", "VM", "failed pages, outstanding faults, the stopping record", c_faults, 1 },
	{ "workers", "", "what each worker has done", c_workers, 0 },
	{ "ram", "[VM]", "host frames: the pool, swap, each VM's resident set", c_ram, 0 },
	{ "stats", "[VM]", "fault counters", c_stats, 0 },
	{ "dmesg", "", "the log ring since boot", c_dmesg, 0 },
	{ "log", "LEVEL", "console verbosity: error|warn|info|debug|trace", c_log, 1 },
	{ "pause", "VM", "hold the VM's vCPUs out of the guest", c_pause, 1 },
	{ "resume", "VM", "let a paused VM run again", c_resume, 1 },
	{ "kill", "VM", "stop the VM (the others go on)", c_kill, 1 },
	{ "unemulated", "VM", "ports and MSRs the guest used that faultline lacks", c_unemulated,
	  1 },
	{ "step", "VM[:N] [COUNT]", "run one guest instruction (pauses the VM; TF + #DB)",
	  c_step, 1 },
	{ "trace", "on|off [VM] [R,..]", "print each exit (of these reasons) as it happens",
	  c_trace, 1 },
	{ "poison", "VM GPA", "the page can no longer be produced", c_poison, 2 },
	{ "unpoison", "VM GPA", "undo poison", c_poison, 2 },
	{ "apf", "VM on|off", "switch asynchronous faults (in-flight ones complete)", c_apf, 2 },
	{ "reboot", "", "stop every VM, print the summary, reset the machine", c_reboot, 0 },
	{ "quit", "", "stop every VM, print the summary, exit", c_quit, 0 },
	{ 0, 0, 0, 0, 0 },
};

static void run_line(void)
{
	char *argv[ARGS_MAX];
	int argc = 0;

	for (char *p = line; *p && argc < ARGS_MAX;) {
		while (*p == ' ')
			*p++ = 0;
		if (*p)
			argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	if (!argc)
		return;
	for (const struct cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[0])) {
			if (argc - 1 < c->min_args)
				out("monitor: usage: %s %s", c->name, c->args);
			else
				c->fn(argc, argv);
			return;
		}
	out("monitor: unknown command '%s' (help lists them)", argv[0]);
}

static void prompt(void)
{
	console_write("(faultline) ", 12);
}

static void monitor_start(void)
{
	out("monitor: on COM1; 'help' lists the commands, Enter runs a line; Ctrl-A ? lists "
	    "the consoles (the monitor, each VM's COM1)");
	prompt();
}

/* ---- the console switch: Ctrl-A then a key chooses where typed input goes ---- */

#define CTRL_A		0x01

static int focus = -1;		/* -1: the monitor; else the index of the VM typed to */
static int last_vm;		/* Ctrl-A c toggles between the monitor and this VM */
static bool escape;		/* Ctrl-A seen, the key that follows is a switch command */

static void console_list(void)
{
	out("console: Ctrl-A then: m monitor, c monitor<->last VM, 0-9 that VM's COM1, "
	    "Ctrl-A a literal Ctrl-A, ? this list");
	for (u32 i = 0; i < nvms && i < 10; i++)
		out("console:   %u %s (%s)%s", i, vms[i].name, state_name(vms[i].state),
		    focus == (int)i ? " <- input goes here" : "");
	if (focus < 0)
		out("console:   m monitor <- input goes here");
}

static void console_focus(int f)
{
	if (f >= 0 && (u32)f < nvms && vms[f].state == VM_STOPPED) {
		out("console: vm %s has stopped; input stays where it was", vms[f].name);
		return;
	}
	focus = f;
	if (f < 0) {
		out("console: input goes to the monitor");
		len = 0;
		prompt();
		return;
	}
	last_vm = f;
	out("console: input goes to vm %s's COM1 (Ctrl-A m: monitor, Ctrl-A ?: list)",
	    vms[f].name);
}

static void console_escape(int c)
{
	if (c == 'm' || c == 'M')
		console_focus(-1);
	else if (c == 'c' || c == 'C')
		console_focus(focus < 0 ? last_vm : -1);
	else if (c >= '0' && c <= '9' && (u32)(c - '0') < nvms)
		console_focus(c - '0');
	else if (c == CTRL_A && focus >= 0)
		vuart_input(&vms[focus], CTRL_A);
	else
		console_list();
}

static void monitor_key(int c)
{
	if (c == '\r' || c == '\n') {
		console_write("\n", 1);
		line[len] = 0;
		run_line();
		len = 0;
		if (!monitor_quit && focus < 0)
			prompt();
	} else if (c == 0x7F || c == 0x08) {
		if (len) {
			len--;
			console_write("\b \b", 3);
		}
	} else if (c == 0x15) {		/* Ctrl-U */
		while (len) {
			len--;
			console_write("\b \b", 3);
		}
	} else if (c >= 0x20 && c < 0x7F && len < LINE_MAX - 1) {
		line[len++] = (char)c;
		console_write(&line[len - 1], 1);
	}
}

static void monitor_poll(void)
{
	int c;

	if (focus >= 0 && vms[focus].state == VM_STOPPED) {
		out("console: vm %s has stopped", vms[focus].name);
		console_focus(-1);
	}
	while ((c = serial_getc()) >= 0) {
		if (escape)
			escape = false, console_escape(c);
		else if (c == CTRL_A)
			escape = true;
		else if (focus >= 0)
			vuart_input(&vms[focus], (u8)c);	/* the guest echoes, not us */
		else
			monitor_key(c);
	}
}

/* With the monitor, the user decides when it ends (a paused VM can be resumed, a stopped
 * one inspected): only `quit` returns. */
void monitor_run(void)
{
	bool said = false;

	monitor_start();
	while (!monitor_quit) {
		monitor_poll();
		bool all = true;
		for (u32 i = 0; i < nvms; i++)
			all &= vms[i].state == VM_STOPPED;
		if (all && !said) {
			pr_info("monitor: every VM has stopped; 'quit' prints the summary and exits");
			said = true;
		}
		cpu_relax();
	}
}
