/*
 * ca/init: create a new CA state directory with its own SoftHSM2 token,
 * the CA hierarchy, the card-management secret and the registry.
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
	const char *manager_name;
	const char *manager_email;	/* may be NULL */
	const char *crl_base_url;	/* NULL: http://crl.carecard.invalid */
	const char *ocsp_url;		/* NULL: http://ocsp.carecard.invalid */
	int root_days, ca_days;		/* 0: 20 and 10 years */
	const char *durability;		/* NULL: "full"; or "normal" */
	const unsigned char *policy;	/* the policy to install (YAML); NULL: the default */
	size_t policy_len;
	const char *policy_name;	/* its file name, for messages */
	const char *registry;		/* registry URI; NULL: sqlite:DIR/registry.db */
	const char *card_module;	/* the carecard PKCS#11 module; NULL: the installed one */
	time_t now;
};

/*
 * Create the CA. CA_ERR_EXISTS if @o->dir already holds a registry. On
 * failure a partly created directory is left for inspection (the token
 * may hold keys); remove it before retrying.
 */
int ca_init(const struct ca_init_opts *o);

#endif
