/*
 * ca/profile.c: see profile.h. Certificates are valid two years (domain.md);
 * the NHS runs separate authentication and signing CAs, so each profile
 * names its issuer.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "ca/core/profile.h"

static const struct ca_profile ca_profiles[] = {
	{
		.name = "authentication",
		.issuer = "authentication",
		/* TLS client auth and Spine's CMS challenge signing. */
		.key_usage = "critical,digitalSignature",
		.ext_key_usage = "clientAuth",
		.validity_days = 730,
	},
	{
		.name = "signing",
		.issuer = "signing",
		/* Prescription signing: non-repudiation (contentCommitment). */
		.key_usage = "critical,nonRepudiation,digitalSignature",
		.ext_key_usage = NULL,
		.validity_days = 730,
	},
	{ .name = NULL },
};

const struct ca_profile *
ca_profile_find(const char *name)
{
	const struct ca_profile *p;

	if (name == NULL)
		return NULL;
	for (p = ca_profiles; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const struct ca_profile *
ca_profile_all(void)
{
	return ca_profiles;
}
