/*
 * Preloaded after the ASan/UBSan runtimes into client programs the
 * sanitizer pass runs (tests/lib/card.sh, cc_client). It exists for one
 * reason, found with a gdb watchpoint on glibc's __libc_setlocale_lock:
 *
 * A preloaded libasan is initialised lazily, by the first malloc. In
 * p11-kit clients (p11tool, gnutls-cli, curl) that first malloc happens
 * inside newlocale() in libp11-kit's constructor, with glibc's locale
 * lock held for writing. ASan's initialisation then looks up the
 * optional "swift_demangle" symbol; the failed dlsym() leaves an error
 * that dlerror() translates through gettext, which takes and releases
 * the same lock. The lock's reader count underflows and the client
 * deadlocks later (p11tool and gnutls-cli at exit, in freelocale();
 * curl before main()).
 *
 * Defining swift_demangle makes that dlsym() succeed, so nothing is
 * translated during initialisation. ASan calls it only for Swift symbol
 * names; returning NULL means "not demangled", its fallback.
 *
 * Built without sanitizer flags: it must not itself need the runtime.
 */
#include <stddef.h>
#include <stdint.h>

char *swift_demangle(const char *mangled, size_t len, char *out, size_t *outlen,
		     uint32_t flags);

char *
swift_demangle(const char *mangled, size_t len, char *out, size_t *outlen, uint32_t flags)
{
	(void)mangled;
	(void)len;
	(void)out;
	(void)outlen;
	(void)flags;
	return NULL;
}
