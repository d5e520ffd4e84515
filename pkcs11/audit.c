#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"
#include "pkcs11/audit.h"

void
cc_audit(int prio, const char *serial, CK_SLOT_ID slot, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	util_log(prio, "audit: card=%s slot=%lu: %s", serial != NULL ? serial : "-",
		 (unsigned long)slot, what);
}
