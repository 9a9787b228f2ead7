/* apf/page.c: a lazily backed page's state and its EPT mapping, changed together under
 * the VM's apf lock (apf/page.h says the rule and the transitions). */
#include "apf/page.h"
#include "apf/apf.h"
#include "vmm/vm.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"

static u64 state_pages(struct vm *vm)
{
	return ALIGN_UP(vm->mem / PAGE_SIZE, PAGE_SIZE) / PAGE_SIZE;
}

int page_states_alloc(struct vm *vm)
{
	vm->apf.page = page_alloc_zeroed(state_pages(vm));
	vm->apf.fail_code = page_alloc_zeroed(state_pages(vm));
	return vm->apf.page && vm->apf.fail_code ? 0 : -1;
}

void page_states_free(struct vm *vm)
{
	if (vm->apf.page)
		frame_free((u64)vm->apf.page, state_pages(vm));
	if (vm->apf.fail_code)
		frame_free((u64)vm->apf.fail_code, state_pages(vm));
	vm->apf.page = 0;
	vm->apf.fail_code = 0;
}

void page_keep(struct vm *vm, u64 gpa, u64 len)
{
	for (u64 pg = gpa / PAGE_SIZE; pg <= (gpa + len - 1) / PAGE_SIZE; pg++)
		vm->apf.page[pg] = PAGE_PRESENT;
}

/* Every page absent (convertible for hardware #VE) except those the loader kept. */
int page_map_initial(struct vm *vm)
{
	bool hw = vm->apf.ve == VE_HW;

	if (ept_absent(&vm->ept, 0, vm->mem, hw))
		return -1;
	for (u64 pg = 0; pg < vm->mem / PAGE_SIZE; pg++)
		if (vm->apf.page[pg] == PAGE_PRESENT &&
		    ept_map(&vm->ept, pg * PAGE_SIZE, vm->ram_hpa + pg * PAGE_SIZE, PAGE_SIZE, EPT_RWX))
			return -1;
	return 0;
}

u8 page_state(struct vm *vm, u64 gpa)
{
	return __atomic_load_n(&vm->apf.page[gpa / PAGE_SIZE], __ATOMIC_ACQUIRE);
}

u32 page_fail_code(struct vm *vm, u64 gpa)
{
	return vm->apf.fail_code[gpa / PAGE_SIZE];
}

static void set(struct vm *vm, u64 gpa, u8 state)
{
	__atomic_store_n(&vm->apf.page[gpa / PAGE_SIZE], state, __ATOMIC_RELEASE);
}

void page_set_fetching(struct vm *vm, u64 gpa)
{
	set(vm, gpa, PAGE_FETCHING);
}

u32 page_publish(struct vm *vm, u64 gpa, u32 code)
{
	gpa &= ~(PAGE_SIZE - 1);
	if (!code && ept_map(&vm->ept, gpa, vm->ram_hpa + gpa, PAGE_SIZE, EPT_RWX))
		code = FL_FAULT_IO_ERROR;	/* no memory for an EPT table */
	if (code) {
		/* The code first: a waiter that reads FAILED without the lock (page_wait)
		 * reads this code, not the last one. */
		vm->apf.fail_code[gpa / PAGE_SIZE] = (u8)code;
		set(vm, gpa, PAGE_FAILED);
		apf_page_failed(vm, gpa, code);
		return code;
	}
	/* Not present -> present needs no INVEPT: not-present entries are not cached. */
	if (page_state(vm, gpa) == PAGE_PRESENT)
		vm->apf.st.produced_present++;	/* never: the state was FETCHING */
	set(vm, gpa, PAGE_PRESENT);
	vm->apf.st.fetched++;
	apf_page_produced(vm, gpa);
	return 0;
}

int page_unmap(struct vm *vm, u64 gpa)
{
	struct apf_vm *a = &vm->apf;
	int r = 1;

	gpa &= ~(PAGE_SIZE - 1);
	u64 f = spin_lock_irqsave(&a->lock);
	if (page_state(vm, gpa) == PAGE_PRESENT) {
		r = ept_absent(&vm->ept, gpa, PAGE_SIZE, a->ve == VE_HW) ? -1 : 0;
		if (!r) {
			set(vm, gpa, PAGE_ABSENT);
			/* A present leaf made absent leaves a translation a CPU may have
			 * cached: the EPT code says so (ept/ept.h), and a flush is owed either
			 * way; its saying otherwise would be an EPT bug, named here. */
			if (!vm->ept.flush_needed)
				pr_warn("vm %s: page 0x%lx unmapped but the EPT asked for no flush "
					"(flushing anyway)", vm->name, gpa);
			vm->ept.flush_needed = false;
		}
	}
	spin_unlock_irqrestore(&a->lock, f);
	return r;
}

/* Nobody kicks a waiter here (it holds no job): it spins on the state. */
u8 page_wait(struct vm *vm, u64 gpa)
{
	u8 s;
	while ((s = page_state(vm, gpa)) == PAGE_FETCHING && vm->state != VM_STOPPED)
		cpu_relax();
	return s;
}
