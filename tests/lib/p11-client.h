/*
 * A minimal PKCS#11 application harness for the stress test and the
 * benchmarks: loads a module the way real applications do (dlopen of the
 * .so, C_GetFunctionList), never by linking it.
 */
#ifndef CC_TESTS_P11_CLIENT_H
#define CC_TESTS_P11_CLIENT_H

#include <stddef.h>
#include <p11-kit/pkcs11.h>

struct pc_module {
	void *dl;
	CK_FUNCTION_LIST *fl;
};

/* 0 on success; prints the reason to stderr otherwise. */
int pc_load(const char *path, struct pc_module *m);
void pc_unload(struct pc_module *m);

/* Initialise with CKF_OS_LOCKING_OK. Returns the CK_RV. */
CK_RV pc_initialize(struct pc_module *m);

/* First slot whose token label (blank-trimmed) equals @label, or any token if NULL. */
CK_RV pc_find_token(struct pc_module *m, const char *label, CK_SLOT_ID *out);

/* The one object of @klass with CKA_ID @id (@idlen bytes). CKR_GENERAL_ERROR if none. */
CK_RV pc_find_object(struct pc_module *m, CK_SESSION_HANDLE hs, CK_OBJECT_CLASS klass,
		     const unsigned char *id, size_t idlen, CK_OBJECT_HANDLE *out);

/* Read one attribute into a new buffer (caller frees). */
CK_RV pc_get_attr(struct pc_module *m, CK_SESSION_HANDLE hs, CK_OBJECT_HANDLE h,
		  CK_ATTRIBUTE_TYPE type, unsigned char **val, CK_ULONG *len);

/* Sign @len bytes of @data with @mech and @key using the two-call size convention. */
CK_RV pc_sign(struct pc_module *m, CK_SESSION_HANDLE hs, CK_MECHANISM *mech, CK_OBJECT_HANDLE key,
	      const unsigned char *data, CK_ULONG len, unsigned char *sig, CK_ULONG *siglen);

/* Name of a CK_RV for messages ("CKR_PIN_INCORRECT"), or "0x…" for others. */
const char *pc_rv_name(CK_RV rv);

/* Monotonic time in seconds. */
double pc_now(void);

#endif
