/* vmm/mmio.c: an access to a device page (the table below: each vCPU's xAPIC page,
 * vmm/vlapic.c; the I/O APIC's, vmm/vioapic.c) stopped by its EPT violation, emulated: the
 * instruction at the guest's RIP is fetched through the guest's own page tables
 * (vmm/gpt.c), decoded (lib/x86mov.c: the MOVs a guest uses on a register), done on the
 * device with the guest-physical address the exit gave, and skipped. EPT violations give
 * no instruction length (SDM Vol. 3C 28.2.5: only some exits do), so the decoder's length
 * is used. Anything it cannot do stops the VM with the bytes it saw: nothing is guessed. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/log.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/x86mov.h"


/* Up to 15 bytes at the guest's CS:RIP, page by page. Returns how many were read. */
static unsigned fetch(struct vcpu *v, u8 *buf, unsigned len)
{
	/* CS's base counts outside 64-bit mode only (SDM Vol. 3A 3.2.4). */
	u64 la = (vcpu_code_bits() == 64 ? 0 : vmread(GUEST_CS_BASE)) + vmread(GUEST_RIP), gpa, missing;
	unsigned got = 0;

	while (got < len) {
		unsigned n = MIN(len - got, (unsigned)(PAGE_SIZE - ((la + got) & 0xFFF)));
		if (!guest_translate(v, la + got, &gpa) ||
		    ram_copy(v->vm, gpa, buf + got, n, false, &missing))
			break;	/* an absent page ends the bytes: the decoder needs fewer */
		got += n;
	}
	return got;
}

static void refuse(struct vcpu *v, u64 gpa, const u8 *b, unsigned n, const char *why)
{
	char hex[3 * 15 + 1] = "";
	for (unsigned i = 0; i < n; i++)
		fmt(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", b[i]);
	vm_stop(v->vm, -1, true, "vcpu%u: cannot emulate the access to device page 0x%llx at "
		"rip=0x%llx: %s (bytes: %s)", v->index, (unsigned long long)gpa,
		(unsigned long long)vmread(GUEST_RIP), why, n ? hex : "none");
}

/* The device pages: both have 32-bit registers that want aligned 32-bit accesses (SDM Vol.
 * 3A 11.4.1; the 82093AA's IOREGSEL and IOWIN). The xAPIC page goes first: it is per vCPU
 * and in xAPIC mode only. */
static const struct mmio_dev {
	bool (*here)(const struct vcpu *v, u64 gpa);
	void (*access)(struct vcpu *v, u64 gpa, bool write, u32 *val);
} devs[] = {
	{ vlapic_mmio_page, vlapic_mmio },
	{ vioapic_page, vioapic_mmio },
};

/* The EPT violation at gpa hit a device page: do the guest's MOV there. */
static void emulate(struct vcpu *v, const struct mmio_dev *dev, u64 gpa)
{
	u8 b[15];
	struct x86mov d;
	unsigned n = fetch(v, b, sizeof(b));

	u64 q = vmread(EXIT_QUALIFICATION);
	if (!(q & (1u << 8)) || (vmread(IDT_VECTORING_INFO) & INTR_VALID))
		return refuse(v, gpa, b, 0, "a page walk or an event's delivery touched the page");
	if (x86mov_decode(b, n, vcpu_code_bits(), &d))
		return refuse(v, gpa, b, n, "not a MOV to or from memory that faultline decodes");
	if (d.write != !!(q & 2))	/* EPT qualification bit 1: the access was a write */
		return refuse(v, gpa, b, d.len, "the instruction at RIP is not the access that faulted");
	if (d.size != 4 || (gpa & 3))
		return refuse(v, gpa, b, d.len, "device registers are 32-bit, aligned");
	u32 val = d.has_imm ? (u32)d.imm : (u32)vcpu_gpr_get(v, d.reg);
	dev->access(v, gpa, d.write, &val);
	if (!d.write)	/* a 32-bit load zero-extends into the 64-bit register */
		vcpu_gpr_set(v, d.reg, val);
	vcpu_skip(v, d.len);	/* the decoder's length: an EPT violation gives none */
}

bool mmio_access(struct vcpu *v, u64 gpa)
{
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		if (devs[i].here(v, gpa)) {
			emulate(v, &devs[i], gpa);
			return true;
		}
	return false;
}
