/* vmm/unemul.c: what a guest touched that faultline does not emulate: I/O ports that read
 * all ones (vmm/io.c: unknown_io) and MSRs that raise #GP (vmm/msr.c). Each access is
 * counted; the first UNEMUL_MAX distinct ports and MSRs are kept with their own counts, so
 * the summary and the monitor's `unemulated VM` say what a stock guest looked for. */
#include "vmm/vm.h"
#include "lib/fmt.h"

void unemul_note(struct vm *vm, struct unemul *u, u32 id)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	u->total++;
	for (u32 i = 0; i < u->n; i++) {
		if (u->e[i].id == id) {
			u->e[i].count++;
			goto out;
		}
	}
	if (u->n < UNEMUL_MAX)
		u->e[u->n++] = (typeof(u->e[0])){ .id = id, .count = 1 };
out:
	spin_unlock_irqrestore(&vm->lock, flags);
}

static int list(char *buf, size_t len, const char *what, const struct unemul *u)
{
	int n = fmt(buf, len, "%s", what);

	if (!u->total)
		return n + fmt(buf + n, len - n, " none");
	for (u32 i = 0; i < u->n && (size_t)n < len; i++)
		n += fmt(buf + n, len - n, "%s 0x%x (%u)", i ? "," : "", u->e[i].id, u->e[i].count);
	if (u->n == UNEMUL_MAX && (size_t)n < len)
		n += fmt(buf + n, len - n, ", ... (%llu in all)", (unsigned long long)u->total);
	return n;
}

/* "ports 0x2f8 (3), 0x61 (1); msrs none" */
void unemul_format(struct vm *vm, char *buf, size_t len)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	int n = list(buf, len, "ports", &vm->un_ports);
	if ((size_t)n < len)
		n += fmt(buf + n, len - n, "; ");
	if ((size_t)n < len)
		list(buf + n, len - n, "msrs", &vm->un_msrs);
	spin_unlock_irqrestore(&vm->lock, flags);
}
