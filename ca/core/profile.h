/*
 * ca/profile: end-entity certificate profiles, as one data table.
 *
 * This is the single place profiles are defined until the policy engine
 * (policy/) supplies them; the lookup function is the seam where it will.
 */
#ifndef CC_CA_PROFILE_H
#define CC_CA_PROFILE_H

struct ca_profile {
	const char *name;		/* "authentication", "signing" */
	const char *issuer;		/* issuing CA name (ca_ctx_issuer) */
	const char *key_usage;		/* OpenSSL X509V3 config syntax */
	const char *ext_key_usage;	/* NULL: no extendedKeyUsage */
	int validity_days;		/* default lifetime */
};

/* Profile named @name, or NULL. */
const struct ca_profile *ca_profile_find(const char *name);

/* The table, terminated by an entry with name == NULL. */
const struct ca_profile *ca_profile_all(void);

#endif
