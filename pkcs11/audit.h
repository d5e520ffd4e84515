/*
 * Audit trail: logins, failures, lockouts, unlocks (C_InitPIN), passcode
 * changes, key generation and each signature, to syslog through util_log,
 * always with the card serial and slot. Never a passcode or a key byte.
 */
#ifndef CC_AUDIT_H
#define CC_AUDIT_H

#include <syslog.h>

#include <p11-kit/pkcs11.h>

void cc_audit(int prio, const char *serial, CK_SLOT_ID slot, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
