/* vmm/fault.c: the memory-fault record (struct fl_fault in include/faultline.h) in text,
 * the same everywhere it is printed. */
#include "vmm/vm.h"
#include "lib/fmt.h"

static const char *const codes[] = {
	[FL_FAULT_NONE] = "none", [FL_FAULT_OUTSIDE_RAM] = "outside-ram",
	[FL_FAULT_POISONED] = "poisoned", [FL_FAULT_IO_ERROR] = "io-error",
	[FL_FAULT_MISCONFIG] = "ept-misconfig",
};

const char *fault_code_name(u32 code)
{
	return code < ARRAY_SIZE(codes) && codes[code] ? codes[code] : "?";
}

void fault_format(const struct fl_fault *f, char *buf, size_t len)
{
	char acc[16] = "";
	int n = 0;
	if (f->access & FL_ACC_READ)
		n += fmt(acc + n, sizeof(acc) - n, "%sread", n ? "+" : "");
	if (f->access & FL_ACC_WRITE)
		n += fmt(acc + n, sizeof(acc) - n, "%swrite", n ? "+" : "");
	if (f->access & FL_ACC_EXEC)
		n += fmt(acc + n, sizeof(acc) - n, "%sexec", n ? "+" : "");
	const char *code = fault_code_name(f->code);
	if (f->flags & FL_FAULT_GLA_VALID)
		fmt(buf, len, "gpa=0x%llx size=%llu access=%s gla=0x%llx code=%s flags=gla-valid",
		    f->gpa, f->size, n ? acc : "none", f->gla, code);
	else
		fmt(buf, len, "gpa=0x%llx size=%llu access=%s gla=none code=%s flags=0",
		    f->gpa, f->size, n ? acc : "none", code);
}
