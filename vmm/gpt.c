/* vmm/gpt.c: the guest's own page tables, walked from the host: a linear address of the
 * guest's to the guest-physical address it maps (vmm/mmio.c fetches the instruction at RIP
 * with it, vmm/taskswitch.c reaches the GDT and the TSSs). Every entry is read through
 * ram_copy, so a table outside RAM ends the walk: nothing indexes host memory; a lazy
 * VM's table page that is not there yet is made present first, as the CPU's own walk
 * would have had it (guest_ram_copy, which the task switch's accesses use too).
 * gpt_pdptes: the four PDPTEs that PAE paging loads with CR3. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/cpu.h"

#define PTE_P		1ULL
#define PTE_PS		(1ULL << 7)
#define ADDR_MASK	0x000FFFFFFFFFF000ULL

bool guest_ram_copy(struct vcpu *v, u64 gpa, void *buf, u64 len, bool write)
{
	u64 missing;
	int r = ram_copy(v->vm, gpa, buf, len, write, &missing);

	if (r == 1 && !apf_make_present(v, gpa, len))
		r = ram_copy(v->vm, gpa, buf, len, write, &missing);
	return r == 0;
}

/* One paging-structure entry of the guest's (size 4 or 8 bytes) at gpa, or false. */
static bool pte_read(struct vcpu *v, u64 gpa, unsigned size, u64 *e)
{
	*e = 0;
	return guest_ram_copy(v, gpa, e, size, false);
}

/* Reserved bits of a present PAE PDPTE (SDM Vol. 3A 4.4.1, table 4-8): 2:1, 8:5, and 63
 * down to MAXPHYADDR (the host's, which the guest's CPUID reports). */
static u64 pdpte_reserved(void)
{
	u32 a, b, c, d;

	cpuid(0x80000008, 0, &a, &b, &c, &d);
	return 0x1E6ULL | ~((1ULL << (a & 0xFF)) - 1);
}

int gpt_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[4])
{
	u64 rsvd = pdpte_reserved();

	if (!guest_ram_copy(v, cr3 & 0xFFFFFFE0ULL, pdpte, 4 * sizeof(u64), false))
		return -1;
	for (unsigned i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return 1;
	return 0;
}

/* The guest's translation of linear address la (SDM Vol. 3A 4.3, 4.4, 4.5: 32-bit, PAE and
 * 4-level paging, with their large pages); unpaged, la itself. Access rights are not
 * checked: the callers reach what the CPU itself touched (the instruction it fetched, the
 * descriptor tables and TSSs of a task switch, which the CPU accesses as supervisor). False
 * when an entry is not there (absent, or outside RAM). */
bool guest_translate(struct vcpu *v, u64 la, u64 *gpa)
{
	u64 cr0 = vmread(GUEST_CR0), cr4 = vmread(GUEST_CR4), e;
	u64 table = vmread(GUEST_CR3);

	if (!(cr0 & CR0_PG)) {
		*gpa = la & 0xFFFFFFFFULL;
		return true;
	}
	if (vmread(GUEST_EFER) & EFER_LMA || cr4 & CR4_PAE) {
		int top = vmread(GUEST_EFER) & EFER_LMA ? 39 : 30;
		table &= top == 39 ? ADDR_MASK : 0xFFFFFFE0ULL;
		for (int shift = top; shift >= 12; shift -= 9) {
			u64 idx = (la >> shift) & (shift == 30 && top == 30 ? 3 : 511);
			if (!pte_read(v, table + idx * 8, 8, &e) || !(e & PTE_P))
				return false;
			if (shift == 12 || (shift <= 30 && shift != top && (e & PTE_PS)) ) {
				u64 span = 1ULL << shift;
				*gpa = (e & ADDR_MASK & ~(span - 1)) | (la & (span - 1));
				return true;
			}
			table = e & ADDR_MASK;
		}
		return false;
	}
	table &= 0xFFFFF000ULL;
	if (!pte_read(v, table + ((la >> 22) & 1023) * 4, 4, &e) || !(e & PTE_P))
		return false;
	if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
		*gpa = (e & 0xFFC00000ULL) | ((e & 0x1FE000ULL) << 19) | (la & 0x3FFFFF);
		return true;
	}
	if (!pte_read(v, (e & 0xFFFFF000ULL) + ((la >> 12) & 1023) * 4, 4, &e) ||
	    !(e & PTE_P))
		return false;
	*gpa = (e & 0xFFFFF000ULL) | (la & 0xFFF);
	return true;
}
