/* shim-imsg.c (to be written) */
#include "config.h"

