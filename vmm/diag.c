/* vmm/diag.c: explaining a failed VM entry. VMLAUNCH/VMRESUME can fail as an instruction
 * (VMfailValid: the VM-instruction error number says which class of check failed) or as a
 * VM exit with bit 31 set in the exit reason (33: invalid guest state, 34: MSR loading, 41:
 * machine check). For the guest-state case the hardware says nothing about which rule
 * failed, so vmm/vmcheck.c re-checks the state in software and names the rule. Then the
 * readable VMCS dump, then the ring of exits, and only this VM stops. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "vmm/vmcheck.h"
#include "vmm/vmx.h"
#include "boot/log.h"

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

void vmcs_dump(void);

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
		check_guest_state(vm);
		vmcs_dump();
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
	vmcs_dump();
	vm_stop(vm, -1, true, "vcpu%u: VM entry failed: %s", v->index, exit_reason_name(basic));
}
