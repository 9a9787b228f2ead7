/* vmm/vlapic.c: each vCPU's local APIC. The registers are the pure model of dev/lapic.c;
 * this file gives it its two faces (the x2APIC MSRs, and in xAPIC mode the MMIO page at
 * IA32_APIC_BASE, whose instructions vmm/mmio.c decodes), its clock (the host TSC, which is
 * also the guest's: no TSC offsetting), its lock, and what it sends: IPIs to the vCPUs of
 * the same VM (never another VM's: routing only looks at v->vm's vCPUs), NMIs, INIT and
 * start-up.
 *
 * At reset the APIC is what a PC's firmware leaves (apic=xapic, the default): enabled in
 * xAPIC mode at 0xFEE00000, x2APIC offered by CPUID for the OS to turn on through
 * IA32_APIC_BASE (SDM Vol. 3A 11.12.5: xAPIC -> x2APIC, or back only through disabled).
 * Linux 6.1 without interrupt remapping stays in xAPIC mode (arch/x86/kernel/apic/apic.c:
 * try_to_enable_x2apic). With apic=x2apic the platform is one whose firmware locked x2APIC
 * on (recent Xeons): EN and EXTD set at reset, IA32_ARCH_CAPABILITIES bit 21 and
 * IA32_XAPIC_DISABLE_STATUS bit 0 set, and leaving x2APIC mode is #GP. (Linux 6.1 mishandles
 * that platform without interrupt remapping: x2apic_disable clears x2apic_mode even when
 * locked, fixed upstream in 2024 by 0ecc5be200c8, and it then uses the xAPIC page.)
 *
 * Locking: a vCPU's model is written by its own CPU (MSR exits, injection, the timer) and
 * by IPI senders (lapic_accept) under vlapic.lock; the flags nmi/init/sipi and due_tsc are
 * read without it. A sender never holds its own lock while taking a target's. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/smp.h"

#define CR0_REAL	0x60000010ULL	/* CD, NW, ET: the INIT value (SDM Vol. 3A 10.1.1) */

void vlapic_init(struct vcpu *v)
{
	struct vlapic *a = &v->apic;

	a->lock = (struct spinlock)SPINLOCK_INIT;
	lapic_init(&a->regs, v->index, v->index == 0);
	a->locked = v->vm->x2apic_locked;
	a->base = APIC_BASE_DEFAULT | APIC_BASE_EN | (a->locked ? APIC_BASE_EXTD : 0) |
		  (v->index == 0 ? APIC_BASE_BSP : 0);
	a->xldr = 0;
	a->xdfr = 0xFFFFFFFF;		/* flat model */
	a->xicr_hi = 0;
	a->due_tsc = 0;
	a->nmi = a->init = a->sipi = false;
	a->wait_sipi = v->index != 0;
}

/* Caller holds the lock: the timer's expiry as a plain TSC value for the lockless looks. */
static void due_update(struct vlapic *a)
{
	u64 n = lapic_next(&a->regs);
	__atomic_store_n(&a->due_tsc, n == LAPIC_NEVER ? 0 : MAX(n, 1), __ATOMIC_RELAXED);
}

/* ---- IPIs ---- */

/* An xAPIC message's 8-bit destination (SDM Vol. 3A 11.6.2): physical, the xAPIC ID (the
 * vCPU's index) or 0xFF for all; logical, the target's LDR[31:24] under its DFR's model:
 * flat (DFR[31:28] = 0xF), any common bit; cluster (0x0), the same cluster (bits 7:4) and
 * a common bit in 3:0. */
static bool xapic_match(const struct vcpu *t, bool logical, u32 dest)
{
	u32 ldr = t->apic.xldr >> 24;

	if (!logical)
		return dest == 0xFF || dest == t->index;
	if ((t->apic.xdfr >> 28) == 0xF)
		return (ldr & dest) != 0;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xF);
}

static bool x2apic_mode(const struct vlapic *a);

/* Does the message's destination name t? An 8-bit destination reaching an APIC in x2APIC
 * mode (an I/O APIC's message: without interrupt remapping its destination field is 8 bits)
 * is its x2APIC ID, or 0xFF for all (SDM Vol. 3A 11.12.10). */
static bool dest_match(const struct vcpu *t, const struct lapic_ipi *m)
{
	if (!m->xapic)
		return lapic_match(&t->apic.regs, m->logical, m->dest);
	if (!x2apic_mode(&t->apic))
		return xapic_match(t, m->logical, m->dest);
	return (!m->logical && m->dest == 0xFF) || lapic_match(&t->apic.regs, m->logical, m->dest);
}

/* src is NULL for a message from a device (the I/O APIC, an MSI): no shorthand then. */
static bool addressed(const struct vcpu *src, const struct vcpu *t, const struct lapic_ipi *m)
{
	if (!src)
		return m->shorthand == SH_NONE && dest_match(t, m);
	switch (m->shorthand) {
	case SH_SELF:	return t == src;
	case SH_ALL:	return true;
	case SH_OTHERS:	return t != src;
	default:	return dest_match(t, m);
	}
}

static void kick(const struct vcpu *src, const struct vcpu *t)
{
	if (t != src)
		smp_kick(t->cpu);	/* out of the guest, or out of HLT, to look */
}

/* One message to one vCPU (SDM Vol. 3A 11.6.1: fixed, NMI, INIT, start-up). */
static void deliver(struct vcpu *src, struct vcpu *t, const struct lapic_ipi *m, bool level)
{
	struct vlapic *a = &t->apic;

	switch (m->mode) {
	case DM_FIXED:
	case DM_LOWEST: {
		u64 f = spin_lock_irqsave(&a->lock);
		lapic_accept(&a->regs, m->vector, level);
		spin_unlock_irqrestore(&a->lock, f);
		break;
	}
	case DM_NMI:
		__atomic_store_n(&a->nmi, true, __ATOMIC_RELEASE);
		break;
	case DM_INIT:
		if (t == src)
			return;		/* INIT to oneself: not offered */
		__atomic_store_n(&a->init, true, __ATOMIC_RELEASE);
		break;
	case DM_SIPI:
		if (t == src)
			return;
		a->sipi_vector = m->vector;
		__atomic_store_n(&a->sipi, true, __ATOMIC_RELEASE);
		break;
	default:
		return;
	}
	kick(src, t);
}

/* A vCPU that can take a fixed interrupt: started (not waiting for a SIPI), its APIC
 * enabled and software-enabled (SVR bit 8: a disabled one accepts none, 11.4.7.2). */
static bool can_take(const struct vcpu *t)
{
	return !__atomic_load_n(&t->apic.wait_sipi, __ATOMIC_RELAXED) &&
	       (t->apic.base & APIC_BASE_EN) &&
	       (__atomic_load_n(&t->apic.regs.svr, __ATOMIC_RELAXED) & SVR_ENABLE);
}

/* Lowest priority (SDM Vol. 3A 11.6.2.4): one of the addressed vCPUs that can take it, the one
 * whose task priority is lowest; ties go to the lowest index (the SDM leaves the tie to the
 * arbitration IDs; this choice is deterministic). TPR is read without its lock: a guess
 * is all the arbitration is on hardware too. */
static struct vcpu *lowest(struct vm *vm, struct vcpu *src, const struct lapic_ipi *m)
{
	struct vcpu *best = NULL;
	u32 best_tpr = ~0u;

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];
		u32 tpr = __atomic_load_n(&t->apic.regs.tpr, __ATOMIC_RELAXED) & 0xF0;
		if (addressed(src, t, m) && tpr < best_tpr && can_take(t))
			best = t, best_tpr = tpr;
	}
	return best;
}

static void route(struct vm *vm, struct vcpu *src, const struct lapic_ipi *m, bool level)
{
	if (m->mode == DM_LOWEST) {
		struct vcpu *t = lowest(vm, src, m);
		if (t)
			deliver(src, t, m, level);
		return;
	}
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (addressed(src, &vm->vcpus[i], m))
			deliver(src, &vm->vcpus[i], m, level);
}

void vlapic_irq(struct vm *vm, const struct lapic_ipi *m, bool level)
{
	route(vm, 0, m, level);
}

/* The EOI of a level-triggered vector (its TMR bit was set): the I/O APIC clears the
 * remote IRR of the pins with that vector (the EOI broadcast, SDM Vol. 3A 11.8.5). */
static void level_eoi(struct vcpu *v, u32 vector)
{
	vioapic_eoi(v->vm, (u8)vector);
}

/* ---- MSRs ---- */

static bool x2apic_mode(const struct vlapic *a)
{
	return (a->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* The x2APIC MSRs exist in x2APIC mode only (11.12.1.2: #GP otherwise). */
bool vlapic_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	struct vlapic *a = &v->apic;
	if (!x2apic_mode(a))
		return false;
	u64 f = spin_lock_irqsave(&a->lock);
	bool ok = lapic_read(&a->regs, msr - LAPIC_MSR_BASE, rdtsc(), val);
	spin_unlock_irqrestore(&a->lock, f);
	return ok;
}

bool vlapic_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic *a = &v->apic;
	struct lapic_ipi m;
	bool sent, ok;
	u32 eoi;

	if (!x2apic_mode(a))
		return false;
	u64 f = spin_lock_irqsave(&a->lock);
	ok = lapic_write(&a->regs, msr - LAPIC_MSR_BASE, val, rdtsc(), &m, &sent);
	eoi = a->regs.level_eoi;
	a->regs.level_eoi = 0;
	due_update(a);
	spin_unlock_irqrestore(&a->lock, f);
	if (ok && sent)
		route(v->vm, v, &m, false);
	if (eoi)
		level_eoi(v, eoi);
	return ok;
}

bool vlapic_rd_base(struct vcpu *v, u64 *val)
{
	*val = v->apic.base;
	return true;
}

/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.5). Locked (apic=x2apic): rewriting the same
 * value is allowed, any change is #GP. Otherwise the mode moves as the SDM allows: xAPIC
 * <-> x2APIC upward only, either -> disabled, disabled -> xAPIC; disabling resets the APIC
 * (its ID stays). The base address and the BSP flag do not move (#GP: no guest of ours
 * relocates the page, and a relocation faultline ignored would be worse). */
bool vlapic_wr_base(struct vcpu *v, u64 val)
{
	struct vlapic *a = &v->apic;
	const u64 mode = APIC_BASE_EN | APIC_BASE_EXTD;
	u64 from = a->base & mode, to = val & mode;

	if (a->locked || (val & ~mode) != (a->base & ~mode))
		return val == a->base;
	if (to == APIC_BASE_EXTD || (from == mode && to == APIC_BASE_EN) ||
	    (from == 0 && to == mode))
		return false;	/* EXTD without EN; x2APIC -> xAPIC; disabled -> x2APIC */
	u64 f = spin_lock_irqsave(&a->lock);
	if (!to && from)
		lapic_init(&a->regs, v->index, false);
	a->base = val;
	due_update(a);
	spin_unlock_irqrestore(&a->lock, f);
	return true;
}

bool vlapic_locked(const struct vcpu *v)
{
	return v->apic.locked;
}

/* ---- xAPIC mode: the MMIO page ---- */

bool vlapic_mmio_page(const struct vcpu *v, u64 gpa)
{
	u64 b = v->apic.base;
	return (b & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN &&
	       (gpa & ~0xFFFULL) == (b & ~0xFFFULL & 0xFFFFFFFFFFULL);
}

/* The register at gpa's offset off in the page (16-byte aligned, 11.4.1 table 11-1: the
 * x2APIC MSR is 0x800 + off / 16) read or written 32 bits at a time. xAPIC differs from x2APIC in the ID (bits
 * 31:24), LDR and DFR (software's, flat or cluster), the ICR split in two (writing the low
 * half sends) and no SELF IPI register; reserved bits are ignored, never #GP. */
void vlapic_mmio(struct vcpu *v, u64 gpa, bool write, u32 *val)
{
	struct vlapic *a = &v->apic;
	u32 off = (u32)(gpa & 0xFFF), reg = off >> 4, eoi = 0;
	struct lapic_ipi m;
	bool sent = false;
	u64 x;

	if (off & 0xF) {		/* not a register's start: reads 0, writes are lost */
		if (!write)
			*val = 0;
		return;
	}
	u64 f = spin_lock_irqsave(&a->lock);
	if (!write) {
		switch (reg) {
		case LAPIC_ID:		x = (u64)v->index << 24; break;
		case LAPIC_LDR:		x = a->xldr; break;
		case 0x0E:		x = a->xdfr; break;		/* DFR */
		case LAPIC_ICR + 1:	x = a->xicr_hi; break;
		case LAPIC_SELF_IPI:	x = 0; break;
		default:
			if (!lapic_read(&a->regs, reg, rdtsc(), &x))
				x = 0;
		}
		*val = (u32)x;
	} else {
		switch (reg) {
		case LAPIC_ID: case LAPIC_SELF_IPI: break;	/* read-only here; none */
		case LAPIC_LDR:		a->xldr = *val & 0xFF000000u; break;
		case 0x0E:		a->xdfr = *val | 0x0FFFFFFFu; break;
		case LAPIC_ICR + 1:	a->xicr_hi = *val & 0xFF000000u; break;
		case LAPIC_ICR:
			/* The model decodes the message (x2APIC layout: destination in 63:32);
			 * the destination is then the xAPIC's 8 bits, matched the xAPIC way. */
			if (lapic_write(&a->regs, LAPIC_ICR, (u64)(a->xicr_hi >> 24) << 32 |
					(*val & ~(1u << 12)), rdtsc(), &m, &sent) && sent) {
				m.xapic = true;
				m.dest = a->xicr_hi >> 24;
			}
			break;
		default:
			(void)lapic_write(&a->regs, reg, *val, rdtsc(), &m, &sent);
			sent = false;
		}
		eoi = a->regs.level_eoi;
		a->regs.level_eoi = 0;
		due_update(a);
	}
	spin_unlock_irqrestore(&a->lock, f);
	if (sent)
		route(v->vm, v, &m, false);
	if (eoi)
		level_eoi(v, eoi);
}

bool vlapic_rd_deadline(struct vcpu *v, u64 *val)
{
	struct vlapic *a = &v->apic;
	u64 f = spin_lock_irqsave(&a->lock);
	*val = lapic_deadline_read(&a->regs);
	spin_unlock_irqrestore(&a->lock, f);
	return true;
}

bool vlapic_wr_deadline(struct vcpu *v, u64 val)
{
	struct vlapic *a = &v->apic;
	u64 f = spin_lock_irqsave(&a->lock);
	lapic_deadline_write(&a->regs, val, rdtsc());
	due_update(a);
	spin_unlock_irqrestore(&a->lock, f);
	return true;
}

u64 vlapic_cr8(struct vcpu *v)
{
	return (__atomic_load_n(&v->apic.regs.tpr, __ATOMIC_RELAXED) >> 4) & 0xF;
}

void vlapic_set_cr8(struct vcpu *v, u64 val)
{
	struct vlapic *a = &v->apic;
	u64 f = spin_lock_irqsave(&a->lock);
	a->regs.tpr = (u32)(val & 0xF) << 4;
	spin_unlock_irqrestore(&a->lock, f);
}

/* ---- injection ---- */

bool vlapic_maybe(const struct vcpu *v)
{
	const struct vlapic *a = &v->apic;
	u32 any = 0;

	for (int i = 0; i < 8; i++)
		any |= __atomic_load_n(&a->regs.irr[i], __ATOMIC_RELAXED);
	return any || __atomic_load_n(&a->nmi, __ATOMIC_RELAXED);
}

void vlapic_sync(struct vcpu *v)
{
	struct vlapic *a = &v->apic;
	u64 t = __atomic_load_n(&a->due_tsc, __ATOMIC_RELAXED);

	if (!t || rdtsc() < t)
		return;
	u64 f = spin_lock_irqsave(&a->lock);
	lapic_tick(&a->regs, rdtsc());
	due_update(a);
	spin_unlock_irqrestore(&a->lock, f);
}

/* An NMI goes in unless NMIs are blocked (an NMI handler has not returned yet) or a MOV-SS
 * or STI shadow is on (SDM Vol. 3C 27.3.1.5), or another event is in this entry. Without
 * virtual NMIs the CPU tracks the guest's NMI blocking itself, up to its IRET. */
static bool nmi_inject(struct vcpu *v)
{
	struct vlapic *a = &v->apic;

	u64 block = vmread(GUEST_INTERRUPTIBILITY);
	if (block & 8)
		return false;	/* blocked until the guest's IRET: an interrupt window would
				 * come back before every instruction and never see it (no
				 * virtual NMIs, so no NMI window); a later entry retries */
	if ((block & 3) || (vmread(ENTRY_INTR_INFO) & INTR_VALID))
		return true;
	__atomic_store_n(&a->nmi, false, __ATOMIC_RELAXED);
	vmwrite(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_NMI | 2);
	return false;
}

bool vlapic_inject(struct vcpu *v)
{
	struct vlapic *a = &v->apic;
	bool window = false, open;
	int vec = -1;

	if (__atomic_load_n(&a->nmi, __ATOMIC_ACQUIRE))
		window = nmi_inject(v);
	open = inject_can_interrupt(v);
	u64 f = spin_lock_irqsave(&a->lock);
	if (open)
		vec = lapic_ack(&a->regs);	/* IRR -> ISR: the CPU took it (11.8.4) */
	else
		window |= lapic_pending(&a->regs) >= 0;
	spin_unlock_irqrestore(&a->lock, f);
	if (vec >= 0)
		vmwrite(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_EXT | (u32)vec);
	return window;
}

bool vlapic_nmi_or_init(const struct vcpu *v)
{
	return __atomic_load_n(&v->apic.nmi, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&v->apic.init, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&v->apic.sipi, __ATOMIC_SEQ_CST);	/* for vcpu_sleep */
}

bool vlapic_pending(struct vcpu *v)
{
	struct vlapic *a = &v->apic;
	bool p;

	vlapic_sync(v);
	if (__atomic_load_n(&a->nmi, __ATOMIC_RELAXED) || __atomic_load_n(&a->init, __ATOMIC_RELAXED))
		return true;
	if (!vlapic_maybe(v))
		return false;
	u64 f = spin_lock_irqsave(&a->lock);
	p = lapic_pending(&a->regs) >= 0;
	spin_unlock_irqrestore(&a->lock, f);
	return p;
}

bool vlapic_extint(const struct vcpu *v)
{
	u32 l = __atomic_load_n(&v->apic.regs.lvt[LVT_LINT0], __ATOMIC_RELAXED);
	if (!(v->apic.base & APIC_BASE_EN))
		return true;	/* a disabled APIC passes INTR straight to the CPU (11.4.3) */
	return !(l & LVT_MASKED) && LVT_DM(l) == DM_EXTINT;
}

u64 vlapic_bound(const struct vcpu *v, u64 timer, unsigned shift)
{
	u64 t = __atomic_load_n(&v->apic.due_tsc, __ATOMIC_RELAXED), now, left;

	if (!t)
		return timer;
	now = rdtsc();
	left = t > now ? (t - now) >> shift : 0;
	return MAX(MIN(left, timer), 1);
}

bool vlapic_armed(const struct vcpu *v)
{
	return __atomic_load_n(&v->apic.due_tsc, __ATOMIC_RELAXED) != 0;
}

/* ---- INIT and start-up ---- */

/* The state after INIT and a start-up IPI with vector (SDM Vol. 3A 10.1.1, Table 10-1, and
 * 11.6.1 "Start-Up"): real mode, CS = vector << 8 (base vector << 12), IP 0, every other
 * segment 0 with a 64 KiB limit, paging and protection off, EFER 0. Unrestricted guest
 * runs it as is. */
static void sipi_enter(struct vcpu *v, u8 vector)
{
	vcpu_set_cr0(v, CR0_REAL);
	vcpu_set_cr4(v, 0);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_EFER, 0);
	vcpu_update_long_mode(v);		/* IA-32e mode guest off */
	vmcs_seg(GUEST_CS_SEL, (u16)(vector << 8), (u64)vector << 12, 0xFFFF, 0x9B);
	vmcs_seg(GUEST_SS_SEL, 0, 0, 0xFFFF, 0x93);
	vmcs_seg(GUEST_DS_SEL, 0, 0, 0xFFFF, 0x93);
	vmcs_seg(GUEST_ES_SEL, 0, 0, 0xFFFF, 0x93);
	vmcs_seg(GUEST_FS_SEL, 0, 0, 0xFFFF, 0x93);
	vmcs_seg(GUEST_GS_SEL, 0, 0, 0xFFFF, 0x93);
	vmcs_seg(GUEST_LDTR_SEL, 0, 0, 0xFFFF, 0x82);
	vmcs_seg(GUEST_TR_SEL, 0, 0, 0xFFFF, 0x8B);		/* VM entry wants a busy TSS type */
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xFFFF);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xFFFF);
	vmwrite(GUEST_RIP, 0);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_RFLAGS, 0x2);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	v->regs = (struct guest_regs){ 0 };
	v->halted = false;
	v->started = true;
	pr_info("vm %s vcpu%u: start-up IPI: real mode at %04x:0000", v->vm->name, v->index,
		(unsigned)vector << 8);
}

bool vlapic_wait_sipi(struct vcpu *v)
{
	struct vlapic *a = &v->apic;

	if (__atomic_load_n(&a->init, __ATOMIC_ACQUIRE) && v->index == 0) {
		/* INIT of the boot processor restarts it at the reset vector (SDM Vol. 3A 9.1.2),
		 * where a PC has its firmware and a VM has none: a reset, which faultline does not
		 * do to a VM (it would otherwise wait for a SIPI no one sends). */
		__atomic_store_n(&a->init, false, __ATOMIC_RELAXED);
		vm_stop(v->vm, VM_STATUS_RESET, true, "vcpu0: an INIT reached the boot vCPU: a "
			"reset, and a VM is not rebooted");
		return true;
	}
	if (__atomic_load_n(&a->init, __ATOMIC_ACQUIRE)) {
		/* INIT (11.4.7.3): the APIC resets but keeps its ID; the CPU waits for a SIPI. */
		u64 f = spin_lock_irqsave(&a->lock);
		__atomic_store_n(&a->init, false, __ATOMIC_RELAXED);
		lapic_init(&a->regs, v->index, false);
		due_update(a);
		spin_unlock_irqrestore(&a->lock, f);
		a->nmi = false;
		a->wait_sipi = true;
		v->halted = false;
	}
	if (__atomic_load_n(&a->sipi, __ATOMIC_ACQUIRE)) {
		/* Out of wait-for-SIPI before the flag goes (vcpu_sleep looks at both). */
		if (a->wait_sipi) {	/* a SIPI outside wait-for-SIPI is ignored */
			sipi_enter(v, a->sipi_vector);
			__atomic_store_n(&a->wait_sipi, false, __ATOMIC_SEQ_CST);
		}
		__atomic_store_n(&a->sipi, false, __ATOMIC_SEQ_CST);
	}
	return a->wait_sipi;
}
