/*
 * The policy schema: one table row per key (name, type, where it lives,
 * range, help text). The loader, the validator's messages and "show" all
 * walk these tables, so a key is defined exactly once. Internal to policy/.
 */
#ifndef CC_POLICY_SCHEMA_H
#define CC_POLICY_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

enum pol_ktype {
	POL_T_SECTION,		/* mapping; .sub lists its keys */
	POL_T_UINT,		/* unsigned, .min .. .max */
	POL_T_DURATION,		/* int64_t seconds, .min .. .max */
	POL_T_BOOL,		/* true / false */
	POL_T_STRING,		/* char[.size] */
	POL_T_LIST,		/* struct pol_strlist */
	POL_T_FLAGS,		/* unsigned bit set from a sequence of .names */
	POL_T_ENUM,		/* unsigned from one of .names */
};

enum {
	POL_KF_REQUIRED = 1u << 0,	/* must appear in the file */
	POL_KF_NONE = 1u << 1,		/* "none" allowed, stored as 0 */
	POL_KF_DIGITS = 1u << 2,	/* strings / list items: digits only */
	POL_KF_URL = 1u << 3,		/* strings: http:// or https:// */
};

struct pol_name {
	const char *name;
	unsigned value;
};

struct pol_key {
	const char *name;
	enum pol_ktype type;
	size_t offset;			/* from the enclosing section's base */
	size_t size;			/* POL_T_STRING: buffer size */
	unsigned flags;			/* POL_KF_* */
	int64_t min, max;		/* POL_T_UINT, POL_T_DURATION */
	const struct pol_name *names;	/* POL_T_FLAGS, POL_T_ENUM; NULL-terminated */
	const struct pol_key *sub;	/* POL_T_SECTION; NULL-name-terminated */
	const char *help;		/* one line, printed by "show" */
};

/* The top-level keys of a policy file. */
extern const struct pol_key pol_root_keys[];

/* Name of @value in @names, NULL if absent. */
const char *pol_name_of(const struct pol_name *names, unsigned value);

/* Value of @name in @names; 0 and false if absent. */
int pol_name_find(const struct pol_name *names, const char *name, unsigned *value);

#endif
