/*
 * The policy schema tables and the built-in NHS defaults. To add a key:
 * add a field to policy.h, a row here, a value in pol_nhs_default, a
 * paragraph in README.md and a line in nhs.yaml (test-policy-load checks
 * that nhs.yaml and the built-in defaults agree).
 */
#include "config.h"

#include "policy/schema.h"

#include <string.h>

#define DAY	(24 * 60 * 60LL)
#define YEAR	(365 * DAY)

#define PROF(field)	offsetof(struct pol_profile, field)
#define POL(field)	offsetof(struct pol_policy, field)

static const struct pol_name role_names[] = {
	{ "ra-agent", POL_ROLE_RA_AGENT },
	{ "ra-manager", POL_ROLE_RA_MANAGER },
	{ "sponsor", POL_ROLE_SPONSOR },
	{ "lsa", POL_ROLE_LSA },
	{ "pharmacist", POL_ROLE_PHARMACIST },
	{ NULL, 0 },
};

/* "contentCommitment" is X.509's later name for nonRepudiation (same bit). */
static const struct pol_name ku_names[] = {
	{ "digitalSignature", POL_KU_DIGITAL_SIGNATURE },
	{ "nonRepudiation", POL_KU_NON_REPUDIATION },
	{ "contentCommitment", POL_KU_NON_REPUDIATION },
	{ "keyEncipherment", POL_KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", POL_KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", POL_KU_KEY_AGREEMENT },
	{ NULL, 0 },
};

static const struct pol_name eku_names[] = {
	{ "clientAuth", POL_EKU_CLIENT_AUTH },
	{ "serverAuth", POL_EKU_SERVER_AUTH },
	{ "emailProtection", POL_EKU_EMAIL_PROTECTION },
	{ "codeSigning", POL_EKU_CODE_SIGNING },
	{ "timeStamping", POL_EKU_TIME_STAMPING },
	{ "msSmartcardLogin", POL_EKU_MS_SMARTCARD_LOGON },
	{ NULL, 0 },
};

static const struct pol_name eku_oids[] = {
	{ "1.3.6.1.5.5.7.3.2", POL_EKU_CLIENT_AUTH },
	{ "1.3.6.1.5.5.7.3.1", POL_EKU_SERVER_AUTH },
	{ "1.3.6.1.5.5.7.3.4", POL_EKU_EMAIL_PROTECTION },
	{ "1.3.6.1.5.5.7.3.3", POL_EKU_CODE_SIGNING },
	{ "1.3.6.1.5.5.7.3.8", POL_EKU_TIME_STAMPING },
	{ "1.3.6.1.4.1.311.20.2.2", POL_EKU_MS_SMARTCARD_LOGON },
	{ NULL, 0 },
};

static const struct pol_name contact_names[] = {
	{ "email", POL_CONTACT_EMAIL },
	{ "mobile", POL_CONTACT_MOBILE },
	{ "photo", POL_CONTACT_PHOTO },
	{ NULL, 0 },
};

static const struct pol_name key_type_names[] = {
	{ "rsa", POL_KEY_RSA },
	{ "ec", POL_KEY_EC },
	{ NULL, 0 },
};

static const struct pol_key profile_keys[] = {
	{ "issuing-ca", POL_T_STRING, PROF(issuing_ca), POL_NAME_MAX, 0, 0, 0, NULL, NULL,
	  "subject CN of the issuing CA" },
	{ "key-type", POL_T_ENUM, PROF(key_type), 0, 0, 0, 0, key_type_names, NULL,
	  "rsa or ec" },
	{ "key-bits", POL_T_UINT, PROF(key_bits), 0, 0, 256, 8192, NULL, NULL,
	  "rsa: 2048, 3072, 4096; ec: 256 (P-256), 384 (P-384)" },
	{ "lifetime", POL_T_DURATION, PROF(lifetime), 0, 0, DAY, 30 * YEAR, NULL, NULL,
	  "certificate validity" },
	{ "key-usage", POL_T_FLAGS, PROF(key_usage), 0, 0, 0, 0, ku_names, NULL,
	  "keyUsage bits" },
	{ "extended-key-usage", POL_T_FLAGS, PROF(ext_key_usage), 0, 0, 0, 0, eku_names, NULL,
	  "extendedKeyUsage purposes; [] = no extension" },
	{ "subject", POL_T_STRING, PROF(subject), POL_TEXT_MAX, 0, 0, 0, NULL, NULL,
	  "subject DN template: {name} holder name, {uuid} 12-digit UUID" },
	{ "crl-url", POL_T_STRING, PROF(crl_url), POL_TEXT_MAX, POL_KF_URL, 0, 0, NULL, NULL,
	  "CRL distribution point" },
	{ "ocsp-url", POL_T_STRING, PROF(ocsp_url), POL_TEXT_MAX, POL_KF_URL, 0, 0, NULL, NULL,
	  "OCSP responder (authorityInfoAccess)" },
	{ NULL },
};

static const struct pol_key profiles_keys[] = {
	{ "authentication", POL_T_SECTION, POL(authentication), 0, 0, 0, 0, NULL, profile_keys,
	  "the authentication certificate (TLS client, Spine login)" },
	{ "signing", POL_T_SECTION, POL(signing), 0, 0, 0, 0, NULL, profile_keys,
	  "the signing certificate (prescriptions)" },
	{ NULL },
};

#define RENEWAL(field)	offsetof(struct pol_renewal, field)
static const struct pol_key renewal_keys[] = {
	{ "window", POL_T_DURATION, RENEWAL(window), 0, 0, 0, 10 * YEAR, NULL, NULL,
	  "renewal opens this long before the certificate expires" },
	{ "self-renewals-before-ra", POL_T_UINT, RENEWAL(self_renewals_before_ra), 0, 0, 0, 100,
	  NULL, NULL, "self-renewals in a row; the next renewal needs the RA" },
	{ "max-renewals", POL_T_UINT, RENEWAL(max_renewals), 0, POL_KF_NONE, 1, 1000, NULL, NULL,
	  "renewals per card before a new card is needed; none = no limit" },
	{ "self-renew-after-expiry", POL_T_BOOL, RENEWAL(self_renew_after_expiry), 0, 0, 0, 0,
	  NULL, NULL, "false: an expired card must be repaired by the RA" },
	{ "confirm-timeout", POL_T_DURATION, RENEWAL(confirm_timeout), 0, 0, 60, 31 * DAY, NULL,
	  NULL, "a network (EST) self-renewal not confirmed by the card within this long is "
	  "abandoned and its new certificates revoked" },
	{ "reminder", POL_T_BOOL, RENEWAL(reminder), 0, 0, 0, 0, NULL, NULL,
	  "the service tells each holder once, by mail (or SMS), when their renewal window "
	  "opens" },
	{ NULL },
};

#define CARD(field)	offsetof(struct pol_card, field)
static const struct pol_key card_keys[] = {
	{ "retired-series", POL_T_LIST, CARD(retired_series), 0, POL_KF_DIGITS, 0, 0, NULL, NULL,
	  "serial prefixes that can be neither renewed nor unlocked" },
	{ "lifetime", POL_T_DURATION, CARD(lifetime), 0, POL_KF_NONE, DAY, 50 * YEAR, NULL, NULL,
	  "card life from issue; none = no limit" },
	{ NULL },
};

#define KDF(field)	offsetof(struct pol_kdf, field)
static const struct pol_key kdf_keys[] = {
	{ "n", POL_T_UINT, KDF(n), 0, 0, POL_KDF_N_MIN, POL_KDF_N_MAX, NULL, NULL,
	  "scrypt N (a power of two): time and memory of one guess grow with it" },
	{ "r", POL_T_UINT, KDF(r), 0, 0, POL_KDF_R_MIN, 32, NULL, NULL,
	  "scrypt block size; memory is 128 * n * r bytes (at most 256 MiB)" },
	{ "p", POL_T_UINT, KDF(p), 0, 0, 1, 16, NULL, NULL,
	  "scrypt parallelism: time grows with it, memory does not" },
	{ NULL },
};

#define PASSCODE(field)	offsetof(struct pol_passcode, field)
static const struct pol_key passcode_keys[] = {
	{ "min-length", POL_T_UINT, PASSCODE(min_length), 0, 0, 1, 64, NULL, NULL,
	  "fewest characters" },
	{ "max-length", POL_T_UINT, PASSCODE(max_length), 0, 0, 1, 64, NULL, NULL,
	  "most characters" },
	{ "max-tries", POL_T_UINT, PASSCODE(max_tries), 0, 0, 1, 255, NULL, NULL,
	  "wrong entries in a row that lock the card" },
	{ "max-age", POL_T_DURATION, PASSCODE(max_age), 0, POL_KF_NONE, DAY, 10 * YEAR, NULL,
	  NULL, "the passcode must be changed this long after it was set; none = never" },
	{ "warning", POL_T_DURATION, PASSCODE(warning), 0, 0, 0, YEAR, NULL, NULL,
	  "the holder is told this long before the passcode expires" },
	{ "kdf", POL_T_SECTION, PASSCODE(kdf), 0, 0, 0, 0, NULL, kdf_keys,
	  "the cost of one passcode guess (scrypt), for passcodes set from now on" },
	{ NULL },
};

#define UNLOCK(field)	offsetof(struct pol_unlock, field)
static const struct pol_key unlock_keys[] = {
	{ "roles", POL_T_FLAGS, UNLOCK(roles), 0, 0, 0, 0, role_names, NULL,
	  "roles that may unlock a card with the holder present" },
	{ "same-organisation", POL_T_FLAGS, UNLOCK(same_organisation), 0, 0, 0, 0, role_names,
	  NULL, "of those, roles that may unlock only at the holder's organisation" },
	{ "locum-may-unlock", POL_T_BOOL, UNLOCK(locum_may_unlock), 0, 0, 0, 0, NULL, NULL,
	  "may someone acting in a locum position unlock?" },
	{ "self-service", POL_T_BOOL, UNLOCK(self_service), 0, 0, 0, 0, NULL, NULL,
	  "may holders unlock their own card?" },
	{ "self-service-requires", POL_T_FLAGS, UNLOCK(self_service_requires), 0, 0, 0, 0,
	  contact_names, NULL, "any one of these must be registered (email, mobile, photo)" },
	{ "code-digits", POL_T_UINT, UNLOCK(code_digits), 0, 0, 6, 10, NULL, NULL,
	  "digits of the one-time code sent for a self-service unlock" },
	{ "code-valid", POL_T_DURATION, UNLOCK(code_valid), 0, 0, 60, 60 * 60, NULL, NULL,
	  "how long a one-time code can be used" },
	{ "code-max-tries", POL_T_UINT, UNLOCK(code_max_tries), 0, 0, 1, 10, NULL, NULL,
	  "wrong codes before the code is spent and a new one must be asked for" },
	{ "sends-per-card", POL_T_UINT, UNLOCK(sends_per_card), 0, 0, 1, 20, NULL, NULL,
	  "codes sent for one card per hour" },
	{ "sends-per-address", POL_T_UINT, UNLOCK(sends_per_address), 0, 0, 1, 50, NULL, NULL,
	  "codes sent to one email address or mobile number per hour" },
	{ "sends-total", POL_T_UINT, UNLOCK(sends_total), 0, 0, 1, 1000000, NULL, NULL,
	  "codes sent per hour in all (the service's budget against mass requests)" },
	{ "self-contact-change", POL_T_BOOL, UNLOCK(self_contact_change), 0, 0, 0, 0, NULL, NULL,
	  "may holders change their own email/mobile through the service with their card "
	  "(confirmed by a code sent to the new address; the old one is told)?" },
	{ NULL },
};

#define TAC(field)	offsetof(struct pol_tac, field)
static const struct pol_key tac_keys[] = {
	{ "positions", POL_T_LIST, TAC(positions), 0, 0, 0, 0, NULL, NULL,
	  "positions (access roles) a Temporary Access Card carries" },
	{ "max-activation", POL_T_DURATION, TAC(max_activation), 0, 0, 60 * 60, YEAR, NULL, NULL,
	  "longest activation for one holder" },
	{ "record-each-use", POL_T_BOOL, TAC(record_each_use), 0, 0, 0, 0, NULL, NULL,
	  "the custodian records who used the card, each time" },
	{ "same-organisation", POL_T_BOOL, TAC(same_organisation), 0, 0, 0, 0, NULL, NULL,
	  "the activator works at the organisation that keeps the TAC" },
	{ NULL },
};

#define DUTIES(field)	offsetof(struct pol_duties, field)
static const struct pol_key operation_keys[] = {
	{ "sponsor", POL_T_FLAGS, DUTIES(sponsor), 0, 0, 0, 0, role_names, NULL,
	  "may sponsor a holder's card" },
	{ "issue", POL_T_FLAGS, DUTIES(issue), 0, 0, 0, 0, role_names, NULL,
	  "may check identity and issue a card" },
	{ "renew", POL_T_FLAGS, DUTIES(renew), 0, 0, 0, 0, role_names, NULL,
	  "may do an RA-assisted renewal" },
	{ "repair", POL_T_FLAGS, DUTIES(repair), 0, 0, 0, 0, role_names, NULL,
	  "may repair (re-issue the certificates of) a card" },
	{ "revoke", POL_T_FLAGS, DUTIES(revoke), 0, 0, 0, 0, role_names, NULL,
	  "may revoke certificates and cancel cards" },
	{ "tac-activate", POL_T_FLAGS, DUTIES(tac_activate), 0, 0, 0, 0, role_names, NULL,
	  "may activate a Temporary Access Card" },
	{ "register-person", POL_T_FLAGS, DUTIES(register_person), 0, 0, 0, 0, role_names, NULL,
	  "may register a person (identity checked in person) or a card directly" },
	{ "positions", POL_T_FLAGS, DUTIES(positions), 0, 0, 0, 0, role_names, NULL,
	  "may add or remove a holder's position" },
	{ "organisations", POL_T_FLAGS, DUTIES(organisations), 0, 0, 0, 0, role_names, NULL,
	  "may add an organisation or change its ODS code" },
	{ "grant-role", POL_T_FLAGS, DUTIES(grant_role), 0, 0, 0, 0, role_names, NULL,
	  "may grant or revoke RA roles (ra-manager, ra-agent, sponsor, lsa)" },
	{ "tac-pool", POL_T_FLAGS, DUTIES(tac_pool), 0, 0, 0, 0, role_names, NULL,
	  "may add a Temporary Access Card to an organisation's pool" },
	{ "batch", POL_T_FLAGS, DUTIES(batch), 0, 0, 0, 0, role_names, NULL,
	  "may import a batch of people and positions" },
	{ "issue-certificate", POL_T_FLAGS, DUTIES(issue_certificate), 0, 0, 0, 0, role_names,
	  NULL, "may issue a certificate from a request (issue-cert, issue-certs)" },
	{ "replace-policy", POL_T_FLAGS, DUTIES(replace_policy), 0, 0, 0, 0, role_names, NULL,
	  "may replace the policy installed in the CA" },
	{ "reports", POL_T_FLAGS, DUTIES(reports), 0, 0, 0, 0, role_names, NULL,
	  "may run the RA reports (the CA's own system account always may)" },
	{ "lookup", POL_T_FLAGS, DUTIES(lookup), 0, 0, 0, 0, role_names, NULL,
	  "may search people and read a person's record, requests and history" },
	{ NULL },
};

static const struct pol_key duties_keys[] = {
	{ "sponsor-not-ra-agent", POL_T_BOOL, DUTIES(sponsor_not_ra_agent), 0, 0, 0, 0, NULL,
	  NULL, "the sponsor and the RA agent of a request must be different people" },
	{ "own-card", POL_T_BOOL, DUTIES(own_card), 0, 0, 0, 0, NULL, NULL,
	  "may RA staff perform RA operations on their own card?" },
	{ "same-organisation", POL_T_FLAGS, DUTIES(same_organisation), 0, 0, 0, 0, role_names,
	  NULL, "roles that renew, repair or activate TACs only at the holder's organisation" },
	{ "locum-may-act", POL_T_BOOL, DUTIES(locum_may_act), 0, 0, 0, 0, NULL, NULL,
	  "may someone acting in a locum position do those operations?" },
	{ "operations", POL_T_SECTION, 0, 0, 0, 0, 0, NULL, operation_keys,
	  "which roles may do which RA operation" },
	{ NULL },
};

#define CRL(field)	offsetof(struct pol_crl, field)
#define HOUR	(60 * 60LL)
static const struct pol_key crl_keys[] = {
	{ "full-interval", POL_T_DURATION, CRL(full_interval), 0, 0, HOUR, 31 * DAY, NULL, NULL,
	  "a full CRL of each issuing CA is published this often" },
	{ "next-update", POL_T_DURATION, CRL(next_update), 0, 0, HOUR, YEAR, NULL, NULL,
	  "nextUpdate of a full CRL, after its thisUpdate; longer than full-interval" },
	{ "delta-interval", POL_T_DURATION, CRL(delta_interval), 0, 0, 0, 31 * DAY, NULL, NULL,
	  "a delta CRL is published this often; 0 = no delta CRLs" },
	{ "delta-next-update", POL_T_DURATION, CRL(delta_next_update), 0, 0, 60, 31 * DAY, NULL,
	  NULL, "nextUpdate of a delta CRL; longer than delta-interval" },
	{ NULL },
};

#define INTEGRITY(field)	offsetof(struct pol_integrity, field)
static const struct pol_key integrity_keys[] = {
	{ "pending-lease", POL_T_DURATION, INTEGRITY(pending_lease), 0, 0, 60, 7 * DAY, NULL,
	  NULL, "a certificate recorded but not yet issued for this long is revoked by the "
	  "recovery (its operation died)" },
	{ "checkpoint-interval", POL_T_DURATION, INTEGRITY(checkpoint_interval), 0, 0, 60,
	  31 * DAY, NULL, NULL, "the audit log's head is signed at least this often" },
	{ NULL },
};

#define OCSP(field)	offsetof(struct pol_ocsp, field)
static const struct pol_key ocsp_keys[] = {
	{ "response-validity", POL_T_DURATION, OCSP(response_validity), 0, 0, 60, 10 * DAY, NULL,
	  NULL, "nextUpdate of a pre-signed OCSP response, after its thisUpdate" },
	{ "refresh-interval", POL_T_DURATION, OCSP(refresh_interval), 0, 0, 30, 5 * DAY, NULL,
	  NULL, "each response is signed again this long after its thisUpdate" },
	{ "revocation-latency", POL_T_DURATION, OCSP(revocation_latency), 0, 0, 0, DAY, NULL,
	  NULL, "relying parties may cache OCSP responses and CRLs this long (max-age)" },
	{ "signer-lifetime", POL_T_DURATION, OCSP(signer_lifetime), 0, 0, 2 * 60, YEAR, NULL,
	  NULL, "validity of the delegated OCSP signing certificates (rotated automatically)" },
	{ NULL },
};

#define PUB(field)	offsetof(struct pol_publication, field)
static const struct pol_key publication_keys[] = {
	{ "root-certificate-url", POL_T_STRING, PUB(root_certificate_url), POL_TEXT_MAX,
	  POL_KF_URL, 0, 0, NULL, NULL, "the root CA certificate (DER)" },
	{ "root-crl-url", POL_T_STRING, PUB(root_crl_url), POL_TEXT_MAX, POL_KF_URL, 0, 0, NULL,
	  NULL, "the root's CRL of the issuing CAs" },
	{ "authentication-certificate-url", POL_T_STRING, PUB(authentication_certificate_url),
	  POL_TEXT_MAX, POL_KF_URL, 0, 0, NULL, NULL,
	  "the Authentication CA certificate (DER; caIssuers of its certificates)" },
	{ "signing-certificate-url", POL_T_STRING, PUB(signing_certificate_url), POL_TEXT_MAX,
	  POL_KF_URL, 0, 0, NULL, NULL,
	  "the Signing CA certificate (DER; caIssuers of its certificates)" },
	{ NULL },
};

const struct pol_key pol_root_keys[] = {
	{ "version", POL_T_UINT, POL(version), 0, POL_KF_REQUIRED, 1, 1, NULL, NULL,
	  "policy format version" },
	{ "profiles", POL_T_SECTION, 0, 0, 0, 0, 0, NULL, profiles_keys,
	  "certificate profiles" },
	{ "renewal", POL_T_SECTION, POL(renewal), 0, 0, 0, 0, NULL, renewal_keys,
	  "certificate renewal" },
	{ "card", POL_T_SECTION, POL(card), 0, 0, 0, 0, NULL, card_keys, "the card itself" },
	{ "passcode", POL_T_SECTION, POL(passcode), 0, 0, 0, 0, NULL, passcode_keys,
	  "the holder's passcode" },
	{ "unlock", POL_T_SECTION, POL(unlock), 0, 0, 0, 0, NULL, unlock_keys,
	  "unlocking a locked card" },
	{ "tac", POL_T_SECTION, POL(tac), 0, 0, 0, 0, NULL, tac_keys,
	  "Temporary Access Cards" },
	{ "separation-of-duties", POL_T_SECTION, POL(duties), 0, 0, 0, 0, NULL, duties_keys,
	  "who may do what" },
	{ "crl", POL_T_SECTION, POL(crl), 0, 0, 0, 0, NULL, crl_keys,
	  "when the CA publishes CRLs (carecard-ca crl-publish --if-due)" },
	{ "integrity", POL_T_SECTION, POL(integrity), 0, 0, 0, 0, NULL, integrity_keys,
	  "pending certificates and audit checkpoints (carecard-ca recover)" },
	{ "ocsp", POL_T_SECTION, POL(ocsp), 0, 0, 0, 0, NULL, ocsp_keys,
	  "the OCSP responder's pre-signed responses (carecard-ca serve)" },
	{ "publication", POL_T_SECTION, POL(publication), 0, 0, 0, 0, NULL, publication_keys,
	  "where relying parties fetch the CA certificates and the root's CRL" },
	{ NULL },
};

/* The NHS rules (domain.md); policy/nhs.yaml must say exactly this. */
static const struct pol_policy pol_nhs_default = {
	.version = 1,
	.authentication = {
		.issuing_ca = "NHS Authentication G2",
		.key_type = POL_KEY_RSA,
		.key_bits = 2048,
		.lifetime = 2 * YEAR,
		.key_usage = POL_KU_DIGITAL_SIGNATURE,
		.ext_key_usage = POL_EKU_CLIENT_AUTH,
		.subject = "CN={name}, serialNumber={uuid}",
		.crl_url = "http://pki.carecard.invalid/crl/authentication-g2.crl",
		.ocsp_url = "http://pki.carecard.invalid/ocsp/authentication-g2",
	},
	.signing = {
		.issuing_ca = "NHS Signing G2",
		.key_type = POL_KEY_RSA,
		.key_bits = 2048,
		.lifetime = 2 * YEAR,
		.key_usage = POL_KU_NON_REPUDIATION | POL_KU_DIGITAL_SIGNATURE,
		.ext_key_usage = 0,
		.subject = "CN={name}, serialNumber={uuid}",
		.crl_url = "http://pki.carecard.invalid/crl/signing-g2.crl",
		.ocsp_url = "http://pki.carecard.invalid/ocsp/signing-g2",
	},
	.renewal = {
		.window = 90 * DAY,
		.self_renewals_before_ra = 2,
		.max_renewals = 0,
		.self_renew_after_expiry = false,
		.confirm_timeout = DAY,
		.reminder = true,
	},
	.card = {
		.retired_series = { 3, { "01", "02", "03" } },
		.lifetime = 0,
	},
	.passcode = {
		.min_length = 4,
		.max_length = 8,
		.max_tries = 3,
		.max_age = 90 * DAY,
		.warning = 14 * DAY,
		/* 64 MiB and ~0.35 s per guess on the reference machine (README). */
		.kdf = { .n = 65536, .r = 8, .p = 1 },
	},
	.unlock = {
		.roles = POL_ROLE_RA_AGENT | POL_ROLE_SPONSOR | POL_ROLE_LSA | POL_ROLE_PHARMACIST,
		.same_organisation = POL_ROLE_SPONSOR | POL_ROLE_LSA | POL_ROLE_PHARMACIST,
		.locum_may_unlock = false,
		.self_service = true,
		.self_service_requires = POL_CONTACT_EMAIL | POL_CONTACT_MOBILE,
		.code_digits = 6,
		.code_valid = 15 * 60,
		.code_max_tries = 5,
		.sends_per_card = 3,
		.sends_per_address = 5,
		.sends_total = 1000,
		.self_contact_change = true,
	},
	.tac = {
		.positions = { 2, { "pharmacist", "dispenser" } },
		.max_activation = 14 * DAY,
		.record_each_use = true,
		.same_organisation = true,
	},
	.duties = {
		.sponsor_not_ra_agent = true,
		.own_card = false,
		.same_organisation = POL_ROLE_SPONSOR | POL_ROLE_LSA | POL_ROLE_PHARMACIST,
		.locum_may_act = false,
		.sponsor = POL_ROLE_SPONSOR,
		.issue = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER,
		.renew = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER | POL_ROLE_LSA |
			 POL_ROLE_PHARMACIST,
		.repair = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER,
		.revoke = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER,
		.tac_activate = POL_ROLE_SPONSOR | POL_ROLE_LSA,
		.register_person = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER,
		.positions = POL_ROLE_SPONSOR | POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER,
		.organisations = POL_ROLE_RA_MANAGER,
		.grant_role = POL_ROLE_RA_MANAGER,
		.tac_pool = POL_ROLE_RA_MANAGER,
		.batch = POL_ROLE_RA_MANAGER,
		.issue_certificate = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER,
		.replace_policy = POL_ROLE_RA_MANAGER,
		.reports = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER | POL_ROLE_SPONSOR |
			   POL_ROLE_LSA,
		.lookup = POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER | POL_ROLE_SPONSOR |
			  POL_ROLE_LSA,
	},
	.crl = {
		.full_interval = DAY,
		.next_update = 7 * DAY,
		.delta_interval = HOUR,
		.delta_next_update = 4 * HOUR,
	},
	.integrity = {
		.pending_lease = HOUR,
		.checkpoint_interval = DAY,
	},
	.ocsp = {
		.response_validity = 4 * DAY,
		.refresh_interval = DAY,
		.revocation_latency = 5 * 60,
		.signer_lifetime = 30 * DAY,
	},
	.publication = {
		.root_certificate_url = "http://pki.carecard.invalid/certs/root-g2.crt",
		.root_crl_url = "http://pki.carecard.invalid/crl/root-g2.crl",
		.authentication_certificate_url =
			"http://pki.carecard.invalid/certs/authentication-g2.crt",
		.signing_certificate_url = "http://pki.carecard.invalid/certs/signing-g2.crt",
	},
	.source = "(built-in)",
};

const struct pol_policy *
pol_policy_builtin(void)
{
	return &pol_nhs_default;
}

void
pol_crl_schedule(const struct pol_policy *pol, struct pol_crl *out)
{
	*out = (pol != NULL ? pol : &pol_nhs_default)->crl;
}

void
pol_integrity_get(const struct pol_policy *pol, struct pol_integrity *out)
{
	*out = (pol != NULL ? pol : &pol_nhs_default)->integrity;
}

bool
pol_crl_due(const struct pol_crl *sched, bool delta, int64_t last, int64_t now)
{
	int64_t every = delta ? sched->delta_interval : sched->full_interval;

	if (every == 0)
		return false;
	return last <= 0 || last > now || now - last >= every;
}

const char *
pol_name_of(const struct pol_name *names, unsigned value)
{
	for (; names->name != NULL; names++)
		if (names->value == value)
			return names->name;
	return NULL;
}

int
pol_name_find(const struct pol_name *names, const char *name, unsigned *value)
{
	for (; names->name != NULL; names++) {
		if (strcmp(names->name, name) == 0) {
			*value = names->value;
			return 1;
		}
	}
	return 0;
}

const char *
pol_role_name(unsigned role)
{
	return pol_name_of(role_names, role);
}

unsigned
pol_role_parse(const char *name)
{
	unsigned v = 0;

	return pol_name_find(role_names, name, &v) ? v : 0;
}

const char *
pol_ku_name(unsigned ku)
{
	return pol_name_of(ku_names, ku);
}

const char *
pol_eku_name(unsigned eku)
{
	return pol_name_of(eku_names, eku);
}

const char *
pol_eku_oid(unsigned eku)
{
	return pol_name_of(eku_oids, eku);
}

const char *
pol_strerror(int err)
{
	switch (err) {
	case POL_OK:		return "success";
	case POL_ERR_NOMEM:	return "out of memory";
	case POL_ERR_IO:	return "cannot read the policy file";
	case POL_ERR_SYNTAX:	return "malformed YAML";
	case POL_ERR_SCHEMA:	return "invalid policy setting";
	case POL_ERR_INVALID:	return "contradictory policy settings";
	case POL_ERR_ARG:	return "invalid argument";
	default:		return "unknown error";
	}
}
