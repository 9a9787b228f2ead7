/* vmm/hypercall.c: VMCALL, the guest's way to ask the hypervisor for something. ABI in
 * include/faultline.h: number in RAX, arguments in RBX, RCX, RDX, RSI, result in RAX. A
 * table from number to handler; an unknown number, or a call from guest ring 3, gets an
 * error code and changes nothing. No argument is trusted: every guest-physical range is
 * checked against the VM's RAM before it is touched. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/log.h"
#include "host/smp.h"
#include "host/tsc.h"

typedef s64 (*hcall_fn)(struct vcpu *v, u64 a, u64 b, u64 c, u64 d);

static s64 hc_version(struct vcpu *v, u64 a, u64 b, u64 c, u64 d)
{
	(void)v, (void)a, (void)b, (void)c, (void)d;
	return FL_ABI_VERSION;
}

static s64 hc_puts(struct vcpu *v, u64 gpa, u64 len, u64 c, u64 d)
{
	(void)c, (void)d;
	if (len == 0 || len > FL_PUTS_MAX)
		return FL_EINVAL;
	char s[256];	/* in pieces: a host stack is 16 KiB */
	if (gpa >= v->vm->mem || len > v->vm->mem - gpa)
		return FL_EFAULT;	/* before anything is printed */
	for (u64 off = 0; off < len; off += sizeof(s)) {
		u64 n = MIN(len - off, sizeof(s));
		if (apf_guest_read(v, gpa + off, s, n))
			return FL_EFAULT;
		for (u64 i = 0; i < n; i++)
			vuart_putc(v->vm, s[i]);
	}
	return (s64)len;
}

static s64 hc_exit(struct vcpu *v, u64 status, u64 b, u64 c, u64 d)
{
	(void)b, (void)c, (void)d;
	vm_stop(v->vm, (int)(u8)status, (u8)status != 0, "hypercall exit with status %u",
		(unsigned)(u8)status);
	return 0;
}

static s64 hc_tsc_khz(struct vcpu *v, u64 a, u64 b, u64 c, u64 d)
{
	(void)v, (void)a, (void)b, (void)c, (void)d;
	return (s64)tsc_khz;
}

static s64 hc_ve_register(struct vcpu *v, u64 ve, u64 pv, u64 vector, u64 flags)
{
	return apf_hc_register(v, ve, pv, vector, flags);
}

static s64 hc_ve_unregister(struct vcpu *v, u64 a, u64 b, u64 c, u64 d)
{
	(void)a, (void)b, (void)c, (void)d;
	return apf_hc_unregister(v);
}

static s64 hc_ve_report(struct vcpu *v, u64 index, u64 decision, u64 c, u64 d)
{
	(void)c, (void)d;
	return apf_hc_report(v, index, decision);
}

static s64 hc_vcpu_start(struct vcpu *v, u64 index, u64 entry, u64 arg, u64 d)
{
	struct vm *vm = v->vm;
	(void)d;
	if (index == 0 || index >= vm->nvcpus)
		return FL_EINVAL;
	if (entry >= vm->mem || entry >= (1ULL << 32))
		return FL_EFAULT;
	struct vcpu *t = &vm->vcpus[index];
	u64 f = spin_lock_irqsave(&vm->lock);
	bool was = t->started;
	if (!was) {
		t->start_entry = entry;
		t->start_arg = arg;
		__atomic_store_n(&t->started, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&vm->lock, f);
	if (was)
		return FL_EBUSY;
	smp_kick(t->cpu);
	return 0;
}

static s64 hc_vcpu_info(struct vcpu *v, u64 a, u64 b, u64 c, u64 d)
{
	(void)a, (void)b, (void)c, (void)d;
	return v->index | ((s64)v->vm->nvcpus << 16);
}

static const hcall_fn hcalls[] = {
	[FL_HC_VERSION] = hc_version,
	[FL_HC_PUTS] = hc_puts,
	[FL_HC_EXIT] = hc_exit,
	[FL_HC_TSC_KHZ] = hc_tsc_khz,
	[FL_HC_VCPU_START] = hc_vcpu_start,
	[FL_HC_VCPU_INFO] = hc_vcpu_info,
	[FL_HC_VE_REGISTER] = hc_ve_register,
	[FL_HC_VE_UNREGISTER] = hc_ve_unregister,
	[FL_HC_VE_REPORT] = hc_ve_report,
};

void exit_vmcall(struct vcpu *v)
{
	u64 nr = v->regs.rax;
	s64 ret;

	vcpu_skip_instruction(v);
	if (AR_DPL(vmread(GUEST_SS_AR)) != 0)	/* SS.DPL is the CPL */
		ret = FL_EPERM;
	else if (nr < ARRAY_SIZE(hcalls) && hcalls[nr])
		ret = hcalls[nr](v, v->regs.rbx, v->regs.rcx, v->regs.rdx, v->regs.rsi);
	else
		ret = FL_ENOSYS;
	pr_trace("vm %s: hypercall %llu -> %lld", v->vm->name, (unsigned long long)nr,
		 (long long)ret);
	v->regs.rax = (u64)ret;
}
