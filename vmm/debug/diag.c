/* vmm/debug/diag.c: explaining a failed VM entry. VMLAUNCH/VMRESUME can fail as an instruction
 * (VMfailValid: the VM-instruction error number says which class of check failed) or as a
 * VM exit with bit 31 set in the exit reason (33: invalid guest state, 34: MSR loading, 41:
 * machine check). For the guest-state case the hardware says nothing about which rule
 * failed, so vmm/debug/vmcheck.c re-checks the state in software and names the rule. Then the
 * readable VMCS dump, then the ring of exits, and only this VM stops. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "vmm/debug/vmcheck.h"
#include "vmm/vmx.h"
#include "host/log.h"

static void read_seg(u64 sel_field, struct vmcheck_seg *s)
{
	u64 k = (sel_field - GUEST_ES_SEL) / 2;
	s->sel = (u16)vmread(sel_field);
	s->base = vmread(GUEST_ES_BASE + k * 2);
	s->limit = (u32)vmread(GUEST_ES_LIMIT + k * 2);
	s->ar = (u32)vmread(GUEST_ES_AR + k * 2);
}

static void read_state(struct vmcheck_state *s)
{
	s->pin = (u32)vmread(PIN_CONTROLS);
	s->proc = (u32)vmread(PROC_CONTROLS);
	s->proc2 = (u32)vmread(PROC_CONTROLS2);
	s->entry = (u32)vmread(ENTRY_CONTROLS);
	s->cr0 = vmread(GUEST_CR0);
	s->cr3 = vmread(GUEST_CR3);
	s->cr4 = vmread(GUEST_CR4);
	s->dr7 = vmread(GUEST_DR7);
	s->rsp = vmread(GUEST_RSP);
	s->rip = vmread(GUEST_RIP);
	s->rflags = vmread(GUEST_RFLAGS);
	s->efer = vmread(GUEST_EFER);
	s->link_ptr = vmread(VMCS_LINK_PTR);
	s->pending_dbg = vmread(GUEST_PENDING_DBG);
	read_seg(GUEST_ES_SEL, &s->es);
	read_seg(GUEST_CS_SEL, &s->cs);
	read_seg(GUEST_SS_SEL, &s->ss);
	read_seg(GUEST_DS_SEL, &s->ds);
	read_seg(GUEST_FS_SEL, &s->fs);
	read_seg(GUEST_GS_SEL, &s->gs);
	read_seg(GUEST_LDTR_SEL, &s->ldtr);
	read_seg(GUEST_TR_SEL, &s->tr);
	s->gdtr_base = vmread(GUEST_GDTR_BASE);
	s->idtr_base = vmread(GUEST_IDTR_BASE);
	s->gdtr_limit = (u32)vmread(GUEST_GDTR_LIMIT);
	s->idtr_limit = (u32)vmread(GUEST_IDTR_LIMIT);
	s->interruptibility = (u32)vmread(GUEST_INTERRUPTIBILITY);
	s->activity = (u32)vmread(GUEST_ACTIVITY);
	s->entry_intr_info = (u32)vmread(ENTRY_INTR_INFO);
}

static void check_guest_state(struct vm *vm)
{
	struct vmcheck_state s;
	struct vmcheck_fail f[8];
	int n;

	read_state(&s);
	n = vmcheck_guest(&vmx_msrs, &s, f, 8);
	if (!n) {
		pr_err("vm %s: the software check of the guest-state rules finds no broken rule "
		       "(the failing rule is one it does not cover)", vm->name);
		return;
	}
	for (int i = 0; i < n && i < 8; i++)
		pr_err("vm %s: failing check: %s [SDM Vol. 3C, %s] (%s)", vm->name, f[i].rule,
		       f[i].section, f[i].detail);
}

/* After an exit handler rebuilt much of the guest state from guest memory (a task switch):
 * the state against the same rules, before the entry. A broken rule stops this VM with the
 * rule's name rather than a failed entry: it is faultline's emulation that missed a case. */
bool diag_guest_ok(struct vcpu *v, const char *after)
{
	struct vmcheck_state s;
	struct vmcheck_fail f[1];

	if (v->vm->state == VM_STOPPED)
		return true;	/* the handler already stopped it */
	read_state(&s);
	if (!vmcheck_guest(&vmx_msrs, &s, f, 1))
		return true;
	vm_stop(v->vm, -1, true, "vcpu%u: after %s the guest state breaks a VM-entry rule "
		"faultline's emulation should have kept: %s [SDM Vol. 3C, %s] (%s)", v->index,
		after, f[0].rule, f[0].section, f[0].detail);
	return false;
}

/* VM-instruction error 7: which control field breaks its capability MSR (SDM Vol. 3C
 * appendix A: a bit set in the MSR's low half must be 1, a bit clear in its high half must
 * be 0). */
static void check_controls(struct vm *vm)
{
	bool t = vmx_msrs.basic & (1ULL << 55);
	const struct {
		u64 field;
		const char *name;
		u64 cap;
	} ctl[] = {
		{ PIN_CONTROLS, "pin-based controls", t ? vmx_msrs.true_pinbased : vmx_msrs.pinbased },
		{ PROC_CONTROLS, "processor-based controls",
		  t ? vmx_msrs.true_procbased : vmx_msrs.procbased },
		{ PROC_CONTROLS2, "secondary controls", vmx_msrs.procbased2 },
		{ EXIT_CONTROLS, "VM-exit controls", t ? vmx_msrs.true_exit : vmx_msrs.exit },
		{ ENTRY_CONTROLS, "VM-entry controls", t ? vmx_msrs.true_entry : vmx_msrs.entry },
	};
	int bad = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(ctl); i++) {
		u32 v = (u32)vmread(ctl[i].field), must1 = (u32)ctl[i].cap, may1 = ctl[i].cap >> 32;
		if (ctl[i].field == PROC_CONTROLS2 && !(vmread(PROC_CONTROLS) & PROC_SECONDARY))
			continue;
		if ((v & must1) != must1 || (v & ~may1)) {
			pr_err("vm %s: failing check: %s 0x%x: bits 0x%x must be 1, bits 0x%x must be 0 "
			       "[SDM Vol. 3C, Checks on VMX Controls; capability MSR 0x%llx]", vm->name,
			       ctl[i].name, v, must1 & ~v, v & ~may1, (unsigned long long)ctl[i].cap);
			bad++;
		}
	}
	if (!bad)
		pr_err("vm %s: every control respects its capability MSR; the failing rule is one "
		       "of the cross-field checks", vm->name);
}


static void err_line(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	log_vprintf(LOG_ERROR, f, ap);
	va_end(ap);
}

/* rc: vmx_enter's result (1 VMfailInvalid, 2 VMfailValid), or 0 with an exit reason. */
void diag_entry_failed(struct vcpu *v, int rc, u32 reason)
{
	struct vm *vm = v->vm;
	const char *insn = v->launched ? "VMRESUME" : "VMLAUNCH";

	if (rc == 1) {
		vm_stop(vm, -1, true, "vcpu%u: %s failed: VMfailInvalid (no current VMCS)",
			v->index, insn);
		return;
	}
	if (rc == 2) {
		u32 err = (u32)vmread(VM_INSTRUCTION_ERROR);
		const char *name = vm_instruction_error_name(err);
		pr_err("vm %s vcpu%u: %s failed: VM-instruction error %u: %s", vm->name, v->index,
		       insn, err, name ? name : "unknown error number");
		if (err == 7)
			check_controls(vm);
		vmcs_dump(err_line);
		vm_stop(vm, -1, true, "vcpu%u: VM entry failed: VM-instruction error %u (%s)",
			v->index, err, name ? name : "?");
		return;
	}
	u32 basic = reason & 0xFFFF;
	pr_err("vm %s vcpu%u: VM entry failed: exit reason %u (%s), qualification 0x%llx",
	       vm->name, v->index, basic, exit_reason_name(basic),
	       (unsigned long long)vmread(EXIT_QUALIFICATION));
	if (basic == EXIT_ENTRY_GUEST_STATE)
		check_guest_state(vm);
	vmcs_dump(err_line);
	vm_stop(vm, -1, true, "vcpu%u: VM entry failed: %s", v->index, exit_reason_name(basic));
}
