/* null-handler.c (to be written) */
#include "config.h"
int main(void) { return 1; }
