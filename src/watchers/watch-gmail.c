/* placeholder */
#include "config.h"
int watch_gmail_placeholder_(void);
int watch_gmail_placeholder_(void) { return 0; }
