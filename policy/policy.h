/*
 * carecard lifecycle policy: the typed form of a policy file (YAML), its
 * loader and validator. The PKCS#11 module and the CA both link this
 * library, so the rules they apply can never disagree.
 *
 * A policy is plain data: fixed-size strings, lists and bit sets, no
 * pointers into the heap, so it copies with an assignment and frees with
 * one free(). Loading starts from the built-in NHS defaults and overrides
 * what the file sets; "carecard-policy show" prints the result.
 *
 * Every function returns 0 (POL_OK) or a negative POL_ERR_* code;
 * pol_strerror() names it. Outputs are written only on success. Loader and
 * validator errors carry file, line, column and key path in a
 * struct pol_error (see pol_error.text for the one-line form).
 *
 * See policy/README.md for every key, and decide.h for the decisions.
 */
#ifndef CC_POLICY_POLICY_H
#define CC_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/yaml-doc.h"

/* The first codes are the YAML layer's (common/yaml-doc.h), which the loader passes on. */
enum {
	POL_OK = UTIL_YAML_OK,
	POL_ERR_NOMEM = UTIL_YAML_ERR_NOMEM,	/* out of memory */
	POL_ERR_IO = UTIL_YAML_ERR_IO,		/* file missing, unreadable or too large */
	POL_ERR_SYNTAX = UTIL_YAML_ERR_SYNTAX,	/* not well-formed YAML */
	POL_ERR_SCHEMA = UTIL_YAML_ERR_SCHEMA,	/* unknown key, wrong type, out-of-range value */
	POL_ERR_INVALID = -5,	/* settings that contradict each other */
	POL_ERR_ARG = -6,	/* bad argument from the caller */
};

/* Static text for a POL_ERR_* code (never NULL). */
const char *pol_strerror(int err);

/* The policy installed with carecard ($(pkgdatadir)/policy/nhs.yaml). */
#ifdef CC_PKGDATADIR
#define POL_DEFAULT_PATH CC_PKGDATADIR "/policy/nhs.yaml"
#endif

#define POL_FILE_MAX	(1024 * 1024)	/* larger policy files are refused unread */
#define POL_NAME_MAX	128		/* issuing CA names */
#define POL_TEXT_MAX	256		/* URLs, subject templates */
#define POL_LIST_MAX	16		/* entries in a string list */
#define POL_ITEM_MAX	32		/* bytes per string-list entry, NUL included */
#define POL_PATH_MAX	4096
#define POL_KEYPATH_MAX	128
#define POL_ORIGIN_MAX	128		/* keys remembered with their line:column */

/* Roles a person can hold (actor.roles, and role lists in the policy). */
enum {
	POL_ROLE_RA_AGENT = 1u << 0,	/* "ra-agent": checks identity face to face */
	POL_ROLE_RA_MANAGER = 1u << 1,	/* "ra-manager" */
	POL_ROLE_SPONSOR = 1u << 2,	/* "sponsor": vouches for a holder */
	POL_ROLE_LSA = 1u << 3,		/* "lsa": local smartcard administrator */
	POL_ROLE_PHARMACIST = 1u << 4,	/* "pharmacist" */
};

/* Key usage bits (RFC 5280 4.2.1.3), by their names in the policy file. */
enum {
	POL_KU_DIGITAL_SIGNATURE = 1u << 0,	/* "digitalSignature" */
	POL_KU_NON_REPUDIATION = 1u << 1,	/* "nonRepudiation" = "contentCommitment" */
	POL_KU_KEY_ENCIPHERMENT = 1u << 2,	/* "keyEncipherment" */
	POL_KU_DATA_ENCIPHERMENT = 1u << 3,	/* "dataEncipherment" */
	POL_KU_KEY_AGREEMENT = 1u << 4,		/* "keyAgreement" */
};

/* Extended key usages (RFC 5280 4.2.1.12); pol_eku_oid() gives the OID. */
enum {
	POL_EKU_CLIENT_AUTH = 1u << 0,		/* "clientAuth" */
	POL_EKU_SERVER_AUTH = 1u << 1,		/* "serverAuth" */
	POL_EKU_EMAIL_PROTECTION = 1u << 2,	/* "emailProtection" */
	POL_EKU_CODE_SIGNING = 1u << 3,		/* "codeSigning" */
	POL_EKU_TIME_STAMPING = 1u << 4,	/* "timeStamping" */
	POL_EKU_MS_SMARTCARD_LOGON = 1u << 5,	/* "msSmartcardLogin" */
};

/* Contacts a holder may have registered (self-service unlock). */
enum {
	POL_CONTACT_EMAIL = 1u << 0,
	POL_CONTACT_MOBILE = 1u << 1,
	POL_CONTACT_PHOTO = 1u << 2,
};

enum pol_key_type {
	POL_KEY_RSA = 0,	/* key-bits: 2048, 3072 or 4096 */
	POL_KEY_EC = 1,		/* key-bits: 256 (P-256) or 384 (P-384) */
};

struct pol_strlist {
	unsigned n;
	char item[POL_LIST_MAX][POL_ITEM_MAX];
};

/* One certificate profile ("profiles.authentication", "profiles.signing"). */
struct pol_profile {
	char issuing_ca[POL_NAME_MAX];	/* subject CN of the issuing CA */
	unsigned key_type;		/* enum pol_key_type */
	unsigned key_bits;
	int64_t lifetime;		/* seconds */
	unsigned key_usage;		/* POL_KU_* */
	unsigned ext_key_usage;		/* POL_EKU_* */
	char subject[POL_TEXT_MAX];	/* template: {name}, {uuid} */
	char crl_url[POL_TEXT_MAX];	/* CRL distribution point */
	char ocsp_url[POL_TEXT_MAX];	/* authorityInfoAccess OCSP */
};

struct pol_renewal {
	int64_t window;			/* seconds before not_after when renewal opens */
	unsigned self_renewals_before_ra;	/* consecutive self-renewals allowed */
	unsigned max_renewals;		/* per card; 0 = no limit ("none") */
	bool self_renew_after_expiry;	/* false: expired cards need an RA repair */
	int64_t confirm_timeout;	/* EST renewal left unconfirmed: abandoned after */
	bool reminder;			/* the service tells the holder when the window opens */
};

struct pol_card {
	struct pol_strlist retired_series;	/* serial prefixes: no renew, no unlock */
	int64_t lifetime;		/* seconds from issue; 0 = no limit ("none") */
};

/*
 * The KDF that wraps the card key under a passcode (scrypt), i.e. the cost
 * of one guess, online or against a copied card image. Bounded below:
 * POL_KDF_N_MIN and POL_KDF_R_MIN hold in release builds; a build
 * configured with --enable-test-hooks (CC_TEST_HOOKS) may go down to
 * N = 2, r = 1, so the test suite's logins stay fast.
 */
#ifdef CC_TEST_HOOKS
#define POL_KDF_N_MIN	2u
#define POL_KDF_R_MIN	1u
#else
#define POL_KDF_N_MIN	32768u		/* 2^15: 32 MiB with r = 8 */
#define POL_KDF_R_MIN	8u
#endif
#define POL_KDF_N_MAX	1048576u	/* 2^20; also 128 * n * r <= 256 MiB */

struct pol_kdf {
	unsigned n;			/* scrypt N, a power of two */
	unsigned r;			/* block size */
	unsigned p;			/* parallelism */
};

struct pol_passcode {
	unsigned min_length;
	unsigned max_length;
	unsigned max_tries;		/* wrong entries that lock the card */
	int64_t max_age;		/* seconds; 0 = never expires ("none") */
	int64_t warning;		/* seconds before max_age when the holder is told */
	struct pol_kdf kdf;		/* for passcodes set from now on */
};

struct pol_unlock {
	unsigned roles;			/* POL_ROLE_* that may unlock */
	unsigned same_organisation;	/* roles that may unlock only at the holder's ODS */
	bool locum_may_unlock;		/* may an actor acting in a locum position unlock? */
	bool self_service;		/* may a holder unlock their own card? */
	unsigned self_service_requires;	/* POL_CONTACT_*: any one registered suffices */
	/* The one-time code of a self-service unlock (ca/README.md). */
	unsigned code_digits;		/* decimal digits, 6 .. 10 */
	int64_t code_valid;		/* seconds a code is valid */
	unsigned code_max_tries;	/* wrong entries before the code is spent */
	unsigned sends_per_card;	/* codes per card per hour */
	unsigned sends_per_address;	/* codes per email address / mobile per hour */
	unsigned sends_total;		/* codes per hour, all cards (the service's budget) */
	bool self_contact_change;	/* holders change their own email/mobile, by code */
};

struct pol_tac {
	struct pol_strlist positions;	/* job-role codes a TAC carries */
	int64_t max_activation;		/* seconds */
	bool record_each_use;		/* custodian logs each use */
	bool same_organisation;		/* activator works at the TAC's organisation */
};

/* Which roles may perform which RA operation, and who must differ. */
struct pol_duties {
	bool sponsor_not_ra_agent;	/* sponsor and RA agent are different people */
	bool own_card;			/* may RA staff act on their own card? */
	unsigned same_organisation;	/* roles that act only at the holder's ODS */
	bool locum_may_act;		/* may a locum position do RA operations? */
	unsigned sponsor;		/* roles that may sponsor a holder */
	unsigned issue;			/* roles that may issue (check identity) */
	unsigned renew;			/* roles that may do an assisted renewal */
	unsigned repair;
	unsigned revoke;
	unsigned tac_activate;
	unsigned register_person;	/* roles that register people and cards directly */
	unsigned positions;		/* roles that add and remove positions */
	unsigned organisations;		/* roles that add organisations and change ODS codes */
	unsigned grant_role;		/* roles that grant and revoke RA roles */
	unsigned tac_pool;		/* roles that add cards to a TAC pool */
	unsigned batch;			/* roles that import batch updates */
	unsigned issue_certificate;	/* roles that issue a certificate from a request */
	unsigned replace_policy;	/* roles that replace the CA's installed policy */
	unsigned reports;		/* roles that run the RA reports */
	unsigned lookup;		/* roles that search people and read their records */
};

/* When the CA publishes CRLs of each issuing CA (RFC 5280 5). */
struct pol_crl {
	int64_t full_interval;		/* seconds between full CRLs */
	int64_t next_update;		/* nextUpdate of a full CRL, seconds after thisUpdate */
	int64_t delta_interval;		/* seconds between delta CRLs; 0 = no delta CRLs */
	int64_t delta_next_update;	/* nextUpdate of a delta CRL */
};

/*
 * The CA's safeguards against unrecorded certificates and a cut audit log
 * (issue 16): how long a certificate may stay pending before the recovery
 * revokes it, and how often the audit log's head is signed at least.
 */
struct pol_integrity {
	int64_t pending_lease;		/* seconds a certificate may stay pending */
	int64_t checkpoint_interval;	/* seconds between signed audit checkpoints */
};

/*
 * The OCSP responder's pre-signed responses (RFC 6960, RFC 5019 profile;
 * carecard-ca serve). Every issued certificate's response is signed ahead
 * of time and re-signed after refresh_interval, and at once after a
 * revocation.
 */
struct pol_ocsp {
	int64_t response_validity;	/* nextUpdate - thisUpdate, seconds */
	int64_t refresh_interval;	/* re-signed this long after thisUpdate */
	int64_t revocation_latency;	/* HTTP Cache-Control max-age never exceeds it; 0 = no-cache */
	int64_t signer_lifetime;	/* delegated responder certificate validity */
};

/* Where relying parties fetch the CA certificates and the root's CRL (the
 * issuing CAs' CRLs are named by each profile's crl-url). */
struct pol_publication {
	char root_certificate_url[POL_TEXT_MAX];
	char root_crl_url[POL_TEXT_MAX];
	char authentication_certificate_url[POL_TEXT_MAX];
	char signing_certificate_url[POL_TEXT_MAX];
};

/* Where a setting came from, for messages about contradictions. */
struct pol_origin {
	size_t offset;			/* offsetof(struct pol_policy, field) */
	unsigned line, column;		/* 1-based */
	char path[POL_KEYPATH_MAX];	/* "renewal.window" */
};

struct pol_policy {
	unsigned version;		/* 1 */
	struct pol_profile authentication;
	struct pol_profile signing;
	struct pol_renewal renewal;
	struct pol_card card;
	struct pol_passcode passcode;
	struct pol_unlock unlock;
	struct pol_tac tac;
	struct pol_duties duties;	/* "separation-of-duties" */
	struct pol_crl crl;
	struct pol_integrity integrity;
	struct pol_ocsp ocsp;
	struct pol_publication publication;

	char source[POL_PATH_MAX];	/* file loaded, or "(built-in)" */
	unsigned norigins;
	struct pol_origin origins[POL_ORIGIN_MAX];
};

/*
 * Loader and validator errors are the YAML layer's one error record
 * (common/yaml-doc.h): file, line and column (1-based, 0 when not tied to a
 * position), key path, message, and the one-line text
 * "file:line:column: path: message". The policy API keeps its name for it.
 */
#define pol_error util_yaml_error

/* The built-in NHS defaults (identical to the shipped nhs.yaml). */
const struct pol_policy *pol_policy_builtin(void);

/* A new heap copy of the built-in defaults. Free with pol_policy_free(). */
int pol_policy_new_default(struct pol_policy **out);

/*
 * Parse @len bytes of YAML (named @name in messages) over the built-in
 * defaults, without the cross-key checks of pol_policy_validate(). Unknown
 * keys, duplicates, wrong types and out-of-range values are POL_ERR_SCHEMA,
 * malformed YAML POL_ERR_SYNTAX; *err (may be NULL) says where.
 */
int pol_policy_parse(const char *name, const void *buf, size_t len, struct pol_policy **out,
		     struct pol_error *err);

/* Check settings against each other (POL_ERR_INVALID, located via origins). */
int pol_policy_validate(const struct pol_policy *pol, struct pol_error *err);

/* Read, parse and validate @path; the usual entry point. */
int pol_policy_load(const char *path, struct pol_policy **out, struct pol_error *err);

/*
 * What the module and the CA call: load @path, or with @path NULL the
 * installed POL_DEFAULT_PATH, or, when that is not installed either, the
 * built-in NHS rules (a missing *explicit* file is an error: a typo in a
 * config must not silently mean "NHS defaults").
 */
int pol_policy_load_default(const char *path, struct pol_policy **out, struct pol_error *err);

void pol_policy_free(struct pol_policy *pol);

/*
 * Parse a duration: digits followed by one unit, s m h d w y
 * (y = 365 days, no leap years), or "0". 0 / POL_ERR_SCHEMA.
 */
int pol_duration_parse(const char *text, int64_t *out);

/* Format @secs in the largest unit that divides it exactly ("2y", "90d"); never weeks. */
void pol_duration_format(int64_t secs, char *buf, size_t len);

/* Canonical policy-file names; NULL for an unknown single bit. */
const char *pol_role_name(unsigned role);
const char *pol_ku_name(unsigned ku);
const char *pol_eku_name(unsigned eku);
const char *pol_eku_oid(unsigned eku);	/* dotted OID, e.g. "1.3.6.1.5.5.7.3.2" */

/* Parse a role name ("ra-agent") to its POL_ROLE_* bit; 0 if unknown. */
unsigned pol_role_parse(const char *name);

/* The profile named "authentication" or "signing" (borrowed), or NULL. */
const struct pol_profile *pol_profile_find(const struct pol_policy *pol, const char *name);

/* The passcode rules the module enforces (one source of truth). */
struct pol_passcode_rules {
	unsigned min_len;
	unsigned max_len;
	unsigned max_tries;
	int64_t max_age;	/* seconds; 0 = never expires */
	int64_t warn_before;	/* seconds before expiry to warn */
	unsigned kdf_n, kdf_r, kdf_p;	/* scrypt parameters for new passcodes */
};

void pol_passcode_rules(const struct pol_policy *pol, struct pol_passcode_rules *out);

/*
 * The CRL schedule the CA follows (one source of truth, like the passcode
 * rules); NULL @pol gives the built-in NHS schedule.
 */
void pol_crl_schedule(const struct pol_policy *pol, struct pol_crl *out);

/* The CA's integrity settings; NULL @pol gives the built-in ones. */
void pol_integrity_get(const struct pol_policy *pol, struct pol_integrity *out);

/*
 * Is a new CRL due at @now? @last is the thisUpdate of the newest one
 * published (0: none yet); @delta picks the delta schedule, which is never
 * due when delta CRLs are off. A @last in the future (clock stepped back)
 * counts as due: publishing again is the safe side of a wrong clock.
 */
bool pol_crl_due(const struct pol_crl *sched, bool delta, int64_t last, int64_t now);

/*
 * Expand a profile's subject template as text: {name} and {uuid} are
 * replaced, "{{" gives "{". POL_ERR_ARG if the result does not fit or the
 * template is broken. For display only: a certificate's subject is built
 * from pol_subject_parse()'s structure, never by parsing this text (a
 * holder's name may contain ", CN=").
 */
int pol_subject_expand(const struct pol_profile *prof, const char *name, const char *uuid,
		       char *buf, size_t len);

/*
 * A subject template as structure: the template (trusted policy text) is
 * split into attributes, each filled by one registry field or a literal,
 * so the CA builds a subject attribute by attribute and never parses a
 * filled-in string. Grammar: "ATTR=VALUE, ATTR=VALUE, ..." in the order of
 * the certificate's Name (first = outermost RDN); VALUE is exactly {name},
 * exactly {uuid}, or literal text ("{{" for "{"; no commas). ATTR is one of
 * CN, serialNumber, O, OU, C, L, ST, title, givenName, surname, pseudonym,
 * dnQualifier. Rules: exactly one CN, and it is {name} (the holder's name
 * as registered); {uuid} somewhere; {name} only in DirectoryString
 * attributes (not serialNumber, dnQualifier or C); C a literal two-letter
 * code; literals at most 64 bytes (X.520 upper bounds), PrintableString
 * characters where the attribute takes only those.
 */
#define POL_SUBJECT_MAX	8		/* attributes in a subject template */
#define POL_ATTR_MAX	16		/* attribute name, NUL included */
#define POL_VALUE_MAX	65		/* literal value: 64 bytes + NUL */

enum pol_subject_field {
	POL_SUBJECT_TEXT = 0,		/* the literal in .text */
	POL_SUBJECT_NAME = 1,		/* {name}: the holder's registered name */
	POL_SUBJECT_UUID = 2,		/* {uuid}: the holder's 12-digit UUID */
};

struct pol_subject_attr {
	char attr[POL_ATTR_MAX];	/* as in the template; OpenSSL knows every one */
	unsigned field;			/* enum pol_subject_field */
	char text[POL_VALUE_MAX];	/* POL_SUBJECT_TEXT only, "{{" undone */
};

struct pol_subject {
	unsigned n;
	struct pol_subject_attr attr[POL_SUBJECT_MAX];
};

/*
 * Parse @tmpl into *out. POL_OK, or POL_ERR_SCHEMA with the broken rule in
 * @why (@len bytes; may be NULL), *out then undefined.
 */
int pol_subject_parse(const char *tmpl, struct pol_subject *out, char *why, size_t len);

/*
 * The URL rule, for the policy's crl-url/ocsp-url and the CA's registry
 * input alike: http:// or https://, a host (name, IPv4 or [IPv6]), an
 * optional port 1-65535, no user information ('@' before the host), only
 * printable ASCII without spaces (certificate URLs are IA5String, RFC 5280
 * 4.2.1.6), at most POL_URL_MAX characters. POL_OK, or POL_ERR_SCHEMA with
 * the broken rule in @why (may be NULL).
 */
#define POL_URL_MAX	2048
int pol_url_check(const char *url, char *why, size_t len);

/*
 * Write the effective policy as YAML to @fp (every key, defaults filled in;
 * the output loads back to the same policy). 0 or POL_ERR_IO.
 */
int pol_policy_write(const struct pol_policy *pol, FILE *fp);

/*
 * The same without comments: the effective settings only, in schema order,
 * so two policies that decide alike write the same bytes whatever file
 * (or none) they came from. The service publishes it with its SHA-256 and
 * "carecard-card doctor" compares a workstation's with it.
 */
int pol_policy_write_canonical(const struct pol_policy *pol, FILE *fp);

#endif
