/* test_shim_imsg.c (to be written) */
#include "config.h"
int main(void) { return 77; }
