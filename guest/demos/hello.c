/* guest/demos/hello.c: the smallest guest: proves the runtime boots, prints and exits with 0.
 */
#include "guest/lib/rt.h"

int main(const char *cmdline)
{
	rt_printf("hello from a faultline guest\n");
	rt_printf("guest: cmdline: '%s'\n", cmdline);
	rt_printf("guest: loader: '%s'\n", rt_loader());
	rt_printf("guest: mem: %lu MiB (end of RAM 0x%lx, image end 0x%lx)\n",
		  rt_mem_upper() >> 20, rt_mem_upper(), rt_image_end());
	return 0;
}
