#include "config.h"

#include <stddef.h>

#include "ca/core/error.h"

static const struct {
	int code;
	const char *text;
} ca_errors[] = {
	{ CA_OK, "success" },
	{ CA_ERR_INTERNAL, "internal error" },
	{ CA_ERR_ALLOC, "out of memory" },
	{ CA_ERR_CRYPTO, "cryptographic operation failed" },
	{ CA_ERR_HSM, "HSM (PKCS#11) operation failed" },
	{ CA_ERR_DB, "registry (database) error" },
	{ CA_ERR_IO, "file I/O error" },
	{ CA_ERR_USAGE, "invalid argument" },
	{ CA_ERR_NOT_FOUND, "not found" },
	{ CA_ERR_EXISTS, "already exists" },
	{ CA_ERR_BAD_REQUEST, "malformed or badly signed request" },
	{ CA_ERR_AUDIT, "audit log verification failed" },
	{ CA_ERR_STATE, "not allowed in the current state" },
	{ CA_ERR_PERM, "permission denied (operator credentials, or a secret file's permissions)" },
	{ CA_ERR_DENIED, "refused by a rule" },
	{ CA_ERR_INPUT, "invalid input" },
	{ CA_ERR_AUTH, "not authenticated (wrong passcode, or a locked card)" },
};

const char *
ca_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(ca_errors) / sizeof(ca_errors[0]); i++)
		if (ca_errors[i].code == err)
			return ca_errors[i].text;
	return "unknown error";
}
