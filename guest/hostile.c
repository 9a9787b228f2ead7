/* guest/hostile.c: being written (issue 11). */
#include "guest/rt.h"
int main(const char *cmdline) { (void)cmdline; return 1; }
