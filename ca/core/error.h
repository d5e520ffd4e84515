/*
 * carecard-ca error codes. Every ca_* function returns 0 (CA_OK) or one of
 * these negative codes; the CLI maps them to exit statuses in one table
 * (cli.c). Outputs are written only on success.
 */
#ifndef CC_CA_ERROR_H
#define CC_CA_ERROR_H

enum {
	CA_OK = 0,
	CA_ERR_INTERNAL = -1,	/* a bug or an unexpected library failure */
	CA_ERR_ALLOC = -2,	/* out of memory */
	CA_ERR_CRYPTO = -3,	/* OpenSSL failed (details logged) */
	CA_ERR_HSM = -4,	/* the PKCS#11 provider failed (CK_RV logged) */
	CA_ERR_DB = -5,		/* SQLite failed (message logged) */
	CA_ERR_IO = -6,		/* file system */
	CA_ERR_USAGE = -7,	/* bad argument or option value */
	CA_ERR_NOT_FOUND = -8,	/* no such person, certificate, key, token */
	CA_ERR_EXISTS = -9,	/* would overwrite something that exists */
	CA_ERR_BAD_REQUEST = -10, /* malformed or badly signed CSR */
	CA_ERR_AUDIT = -11,	/* the audit chain does not verify */
	CA_ERR_STATE = -12,	/* operation not allowed in the current state */
	CA_ERR_PERM = -13,	/* insecure permissions on a secret file */
	/* The command has already said everything for these three: main()
	 * adds no generic line that could contradict it (cli.c, exit_table). */
	CA_ERR_DENIED = -14,	/* refused by a policy or separation-of-duties rule;
				 * the rule and what to do instead are printed */
	CA_ERR_INPUT = -15,	/* invalid input file or rows; each problem printed */
	CA_ERR_AUTH = -16,	/* operator or holder not authenticated: wrong or
				 * locked passcode or SO secret */
};

/* Static description of @err, never NULL. */
const char *ca_strerror(int err);

#endif
