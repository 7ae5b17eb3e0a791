/* test_spawn.c (to be written) */
#include "config.h"
int main(void) { return 77; }
