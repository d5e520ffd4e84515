/*
 * ca/init: create a new CA state directory with its own SoftHSM2 token,
 * its installed policy (DIR/policy.yaml), the CA hierarchy (the issuing
 * CAs named after the policy profiles' issuing-ca), the card-management
 * secret and the registry. Certificate profiles, including their CRL and
 * OCSP URLs, live in the policy only: init records no URL anywhere.
 */
#ifndef CC_CA_INIT_H
#define CC_CA_INIT_H

#include <stddef.h>
#include <time.h>

#include "ca/core/signer.h"

struct ca_init_opts {
	const char *dir;
	const char *hsm_module;		/* NULL: CC_DEFAULT_HSM_MODULE */
	const char *token;		/* URI or label; NULL: CA_DEFAULT_TOKEN */
	enum ca_key_type key_type;	/* issuing CAs; default RSA-2048 */
	enum ca_key_type root_key_type;	/* default RSA-3072 */
	const char *manager_uuid;	/* first RA manager, 12 digits */
	const char *manager_name;	/* stored in Unicode NFC (ca_check_name) */
	const char *manager_email;	/* may be NULL */
	const unsigned char *policy;	/* policy YAML to install; NULL: ca_policy_default_bytes() */
	size_t policy_len;
	const char *policy_name;	/* the policy's name in messages (its file); NULL: "policy" */
	int root_days, ca_days;		/* 0: 20 and 10 years */
	const char *durability;		/* NULL: "full"; or "normal" */
	const char *registry;		/* registry URI; NULL: sqlite:DIR/registry.db */
	const char *card_module;	/* the carecard PKCS#11 module; NULL: the installed one */
	time_t now;
};

/*
 * Create the CA. CA_ERR_EXISTS if @o->dir already holds a registry;
 * CA_ERR_INPUT (logged: the field and the rule, or FILE:LINE:COLUMN of
 * the policy) for a bad manager UUID, name or email, a policy that does
 * not load and validate, or issuing-ca names that cannot name two distinct
 * CAs. On a later failure a partly created directory is left for
 * inspection (the token may hold keys); remove it before retrying.
 */
int ca_init(const struct ca_init_opts *o);

/*
 * @dir/hsm/softhsm2.conf naming @as/hsm/tokens (atomically, 0600): init's
 * (@as = @dir), and restore's, for the directory the token is put back in
 * (@as: where @dir will be renamed to).
 */
int ca_init_hsm_conf(const char *dir, const char *as);

#endif
