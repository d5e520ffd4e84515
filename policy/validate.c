/*
 * Cross-key checks: settings that each parse fine but contradict each
 * other (a renewal window longer than the certificate lifetime, a minimum
 * passcode length above the maximum, ...). Runs on the typed policy, after
 * the loader; messages point at the line of the setting in the file, or say
 * the value is a built-in default.
 */
#include "config.h"

#include "policy/policy.h"
#include "policy/load-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define POL(field)	offsetof(struct pol_policy, field)

static const struct pol_origin *
origin_find(const struct pol_policy *pol, size_t offset)
{
	unsigned i;

	for (i = 0; i < pol->norigins; i++)
		if (pol->origins[i].offset == offset)
			return &pol->origins[i];
	return NULL;
}

/*
 * Report a contradiction at the first of the two settings (@off1/@path1,
 * @off2/@path2) that the file set; if neither, at @path1 as a default.
 */
static int __attribute__((format(printf, 7, 8)))
bad(const struct pol_policy *pol, struct pol_error *err, size_t off1, const char *path1,
    size_t off2, const char *path2, const char *fmt, ...)
{
	const struct pol_origin *o = origin_find(pol, off1);
	char msg[256];
	va_list ap;

	if (o == NULL && path2 != NULL)
		o = origin_find(pol, off2);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o != NULL)
		pol_error_set(err, pol->source, o->line, o->column, o->path, "%s", msg);
	else
		pol_error_set(err, pol->source, 0, 0, path1, "%s (built-in default)", msg);
	return POL_ERR_INVALID;
}

static int
check_template(const struct pol_policy *pol, const struct pol_profile *p, size_t base,
	       const char *path, struct pol_error *err)
{
	const char *t;
	bool uuid = false;

	for (t = p->subject; *t != '\0'; t++) {
		if (strncmp(t, "{{", 2) == 0) {
			t++;
		} else if (strncmp(t, "{name}", 6) == 0) {
			t += 5;
		} else if (strncmp(t, "{uuid}", 6) == 0) {
			uuid = true;
			t += 5;
		} else if (*t == '{') {
			return bad(pol, err, base + offsetof(struct pol_profile, subject), path, 0,
				   NULL, "unknown placeholder '%.*s': use {name} or {uuid}",
				   (int)(strcspn(t, "}") + (t[strcspn(t, "}")] == '}')), t);
		}
	}
	if (!uuid)
		return bad(pol, err, base + offsetof(struct pol_profile, subject), path, 0, NULL,
			   "the subject must contain {uuid}, the holder's unique identity");
	return POL_OK;
}

static bool
key_bits_ok(unsigned type, unsigned bits)
{
	if (type == POL_KEY_RSA)
		return bits == 2048 || bits == 3072 || bits == 4096;
	return bits == 256 || bits == 384;
}

/* "profiles.<name>.<key>" into @buf. */
static const char *
profile_path(char *buf, size_t len, const char *name, const char *key)
{
	snprintf(buf, len, "profiles.%s.%s", name, key);
	return buf;
}

static int
check_profile(const struct pol_policy *pol, const struct pol_profile *p, size_t base,
	      const char *name, struct pol_error *err)
{
	char path[POL_KEYPATH_MAX], life[POL_KEYPATH_MAX];
	size_t life_off = base + offsetof(struct pol_profile, lifetime);

	profile_path(life, sizeof(life), name, "lifetime");
	if (!key_bits_ok(p->key_type, p->key_bits))
		return bad(pol, err, base + offsetof(struct pol_profile, key_bits),
			   profile_path(path, sizeof(path), name, "key-bits"),
			   base + offsetof(struct pol_profile, key_type), NULL,
			   "%u bits is not valid for %s keys: use %s", p->key_bits,
			   p->key_type == POL_KEY_RSA ? "rsa" : "ec",
			   p->key_type == POL_KEY_RSA ? "2048, 3072 or 4096" : "256 or 384");
	if (p->issuing_ca[0] == '\0')
		return bad(pol, err, base + offsetof(struct pol_profile, issuing_ca),
			   profile_path(path, sizeof(path), name, "issuing-ca"), 0, NULL,
			   "the issuing CA must be named");
	if (p->key_usage == 0)
		return bad(pol, err, base + offsetof(struct pol_profile, key_usage),
			   profile_path(path, sizeof(path), name, "key-usage"), 0, NULL,
			   "a certificate needs at least one key usage");
	if (pol->renewal.window >= p->lifetime)
		return bad(pol, err, POL(renewal.window), "renewal.window", life_off, life,
			   "the renewal window must be shorter than %s", life);
	if (pol->card.lifetime != 0 && pol->card.lifetime < p->lifetime)
		return bad(pol, err, POL(card.lifetime), "card.lifetime", life_off, life,
			   "the card lifetime must not be shorter than %s", life);
	return check_template(pol, p, base, profile_path(path, sizeof(path), name, "subject"),
			      err);
}

static int
check_passcode(const struct pol_policy *pol, struct pol_error *err)
{
	const struct pol_passcode *pc = &pol->passcode;

	if (pc->min_length > pc->max_length)
		return bad(pol, err, POL(passcode.min_length), "passcode.min-length",
			   POL(passcode.max_length), "passcode.max-length",
			   "min-length (%u) is greater than max-length (%u)", pc->min_length,
			   pc->max_length);
	if (pc->max_age != 0 && pc->warning >= pc->max_age)
		return bad(pol, err, POL(passcode.warning), "passcode.warning",
			   POL(passcode.max_age), "passcode.max-age",
			   "the warning must come before the passcode expires (max-age)");
	return POL_OK;
}

static int
check_roles(const struct pol_policy *pol, struct pol_error *err)
{
	const struct pol_unlock *u = &pol->unlock;
	unsigned extra = u->same_organisation & ~u->roles;

	if (extra != 0)
		return bad(pol, err, POL(unlock.same_organisation), "unlock.same-organisation",
			   POL(unlock.roles), "unlock.roles",
			   "'%s' is in unlock.same-organisation but not in unlock.roles",
			   pol_role_name(extra & -extra));
	if (u->self_service && u->self_service_requires == 0)
		return bad(pol, err, POL(unlock.self_service_requires),
			   "unlock.self-service-requires", POL(unlock.self_service),
			   "unlock.self-service",
			   "self-service unlock needs at least one registered contact (email, mobile, photo)");
	if (pol->duties.sponsor == 0)
		return bad(pol, err, POL(duties.sponsor), "separation-of-duties.operations.sponsor",
			   0, NULL, "no role may sponsor, so no card could ever be issued");
	if (pol->duties.issue == 0)
		return bad(pol, err, POL(duties.issue), "separation-of-duties.operations.issue", 0,
			   NULL, "no role may issue, so no card could ever be issued");
	if (pol->tac.positions.n == 0)
		return bad(pol, err, POL(tac.positions), "tac.positions", 0, NULL,
			   "a Temporary Access Card must carry at least one position");
	return POL_OK;
}

/* A CRL must be replaced before it expires, with the timer's granularity to
 * spare: nextUpdate strictly after the next publication is due. */
static int
check_crl(const struct pol_policy *pol, struct pol_error *err)
{
	const struct pol_crl *c = &pol->crl;

	if (c->next_update <= c->full_interval)
		return bad(pol, err, POL(crl.next_update), "crl.next-update",
			   POL(crl.full_interval), "crl.full-interval",
			   "next-update must be longer than full-interval, or every full CRL "
			   "expires before the next one is published");
	if (c->delta_interval == 0)
		return POL_OK;
	if (c->delta_interval >= c->full_interval)
		return bad(pol, err, POL(crl.delta_interval), "crl.delta-interval",
			   POL(crl.full_interval), "crl.full-interval",
			   "delta-interval must be shorter than full-interval (or 0: no delta CRLs)");
	if (c->delta_next_update <= c->delta_interval)
		return bad(pol, err, POL(crl.delta_next_update), "crl.delta-next-update",
			   POL(crl.delta_interval), "crl.delta-interval",
			   "delta-next-update must be longer than delta-interval, or every delta "
			   "CRL expires before the next one is published");
	return POL_OK;
}

/*
 * Pre-signed OCSP responses must be replaced long before they expire
 * (CA/Browser Forum BR 4.9.10: at least half the validity ahead), relying
 * parties may not cache longer than a response is valid, and a delegated
 * signer must outlive every response it signs, with a refresh to spare for
 * its rotation.
 */
static int
check_ocsp(const struct pol_policy *pol, struct pol_error *err)
{
	const struct pol_ocsp *o = &pol->ocsp;

	if (o->refresh_interval * 2 > o->response_validity)
		return bad(pol, err, POL(ocsp.refresh_interval), "ocsp.refresh-interval",
			   POL(ocsp.response_validity), "ocsp.response-validity",
			   "refresh-interval must be at most half of response-validity, so a "
			   "missed refresh never leaves relying parties without a valid response");
	if (o->revocation_latency > o->response_validity)
		return bad(pol, err, POL(ocsp.revocation_latency), "ocsp.revocation-latency",
			   POL(ocsp.response_validity), "ocsp.response-validity",
			   "revocation-latency cannot exceed response-validity");
	if (o->signer_lifetime <= o->response_validity + o->refresh_interval)
		return bad(pol, err, POL(ocsp.signer_lifetime), "ocsp.signer-lifetime",
			   POL(ocsp.response_validity), "ocsp.response-validity",
			   "signer-lifetime must be longer than response-validity plus "
			   "refresh-interval: a signer must outlive the responses it signs");
	return POL_OK;
}

int
pol_policy_validate(const struct pol_policy *pol, struct pol_error *err)
{
	const struct pol_renewal *rn;
	int r;

	if (pol == NULL)
		return POL_ERR_ARG;
	rn = &pol->renewal;
	if ((r = check_profile(pol, &pol->authentication, POL(authentication), "authentication",
			       err)) != POL_OK)
		return r;
	if ((r = check_profile(pol, &pol->signing, POL(signing), "signing", err)) != POL_OK)
		return r;
	if (rn->max_renewals != 0 && rn->max_renewals < rn->self_renewals_before_ra)
		return bad(pol, err, POL(renewal.max_renewals), "renewal.max-renewals",
			   POL(renewal.self_renewals_before_ra), "renewal.self-renewals-before-ra",
			   "max-renewals (%u) is below self-renewals-before-ra (%u): those self-renewals could never happen",
			   rn->max_renewals, rn->self_renewals_before_ra);
	if ((r = check_passcode(pol, err)) != POL_OK ||
	    (r = check_crl(pol, err)) != POL_OK || (r = check_ocsp(pol, err)) != POL_OK)
		return r;
	return check_roles(pol, err);
}
