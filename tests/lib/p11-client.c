#include "config.h"

#include "tests/lib/p11-client.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
pc_load(const char *path, struct pc_module *m)
{
	CK_C_GetFunctionList get;

	memset(m, 0, sizeof(*m));
	if ((m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
		return -1;
	}
	get = (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
	if (get == NULL || get(&m->fl) != CKR_OK || m->fl == NULL) {
		fprintf(stderr, "%s: no usable C_GetFunctionList\n", path);
		dlclose(m->dl);
		m->dl = NULL;
		return -1;
	}
	return 0;
}

void
pc_unload(struct pc_module *m)
{
	if (m->dl != NULL)
		dlclose(m->dl);
	memset(m, 0, sizeof(*m));
}

CK_RV
pc_initialize(struct pc_module *m)
{
	CK_C_INITIALIZE_ARGS args;

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	return m->fl->C_Initialize(&args);
}

static int
label_equal(const CK_UTF8CHAR *padded, size_t width, const char *label)
{
	size_t n = width;

	while (n > 0 && padded[n - 1] == ' ')
		n--;
	return strlen(label) == n && memcmp(padded, label, n) == 0;
}

CK_RV
pc_find_token(struct pc_module *m, const char *label, CK_SLOT_ID *out)
{
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32, i;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if ((rv = m->fl->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
		return rv;
	for (i = 0; i < n; i++) {
		if (m->fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (label == NULL || label_equal(ti.label, sizeof(ti.label), label)) {
			*out = slots[i];
			return CKR_OK;
		}
	}
	return CKR_TOKEN_NOT_PRESENT;
}

CK_RV
pc_find_object(struct pc_module *m, CK_SESSION_HANDLE hs, CK_OBJECT_CLASS klass,
	       const unsigned char *id, size_t idlen, CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof(klass) },
		{ CKA_ID, (void *)id, idlen },
	};
	CK_ULONG found = 0;
	CK_RV rv;

	if ((rv = m->fl->C_FindObjectsInit(hs, tmpl, 2)) != CKR_OK)
		return rv;
	rv = m->fl->C_FindObjects(hs, out, 1, &found);
	m->fl->C_FindObjectsFinal(hs);
	if (rv == CKR_OK && found != 1)
		rv = CKR_GENERAL_ERROR;
	return rv;
}

CK_RV
pc_get_attr(struct pc_module *m, CK_SESSION_HANDLE hs, CK_OBJECT_HANDLE h,
	    CK_ATTRIBUTE_TYPE type, unsigned char **val, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	if ((rv = m->fl->C_GetAttributeValue(hs, h, &a, 1)) != CKR_OK)
		return rv;
	if ((a.pValue = malloc(a.ulValueLen + 1)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = m->fl->C_GetAttributeValue(hs, h, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return rv;
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

CK_RV
pc_sign(struct pc_module *m, CK_SESSION_HANDLE hs, CK_MECHANISM *mech, CK_OBJECT_HANDLE key,
	const unsigned char *data, CK_ULONG len, unsigned char *sig, CK_ULONG *siglen)
{
	CK_ULONG need = 0;
	CK_RV rv;

	if ((rv = m->fl->C_SignInit(hs, mech, key)) != CKR_OK)
		return rv;
	if ((rv = m->fl->C_Sign(hs, (CK_BYTE_PTR)data, len, NULL, &need)) != CKR_OK)
		return rv;
	/* Callers pass buffers large enough for any key we use. */
	if (need > *siglen)
		return CKR_BUFFER_TOO_SMALL;
	return m->fl->C_Sign(hs, (CK_BYTE_PTR)data, len, sig, siglen);
}

const char *
pc_rv_name(CK_RV rv)
{
	static const struct { CK_RV rv; const char *name; } names[] = {
		{ CKR_OK, "CKR_OK" },
		{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
		{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
		{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
		{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
		{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
		{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
		{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
		{ CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE" },
		{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
		{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
		{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED" },
		{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
		{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
		{ CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN" },
		{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
		{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
	};
	static __thread char buf[24];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	snprintf(buf, sizeof(buf), "0x%08lx", (unsigned long)rv);
	return buf;
}

double
pc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
