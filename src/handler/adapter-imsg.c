/* adapter-imsg.c (to be written) */
#include "config.h"

