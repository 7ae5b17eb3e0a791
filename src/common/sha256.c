/* sha256.c (to be written) */
#include "config.h"

