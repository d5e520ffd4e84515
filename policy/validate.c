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

/* @why is optional for the two rule functions below. */
static int __attribute__((format(printf, 3, 4)))
why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return POL_ERR_SCHEMA;
}

/* How an attribute's value is encoded (RFC 5280 appendix A, X.520). */
enum attr_syntax {
	SYN_DIRECTORY,		/* DirectoryString: UTF8String for us */
	SYN_PRINTABLE,		/* PrintableString only */
	SYN_COUNTRY,		/* two letters, ISO 3166 */
};

static const struct {
	const char *name;
	enum attr_syntax syntax;
} subject_attrs[] = {
	{ "CN", SYN_DIRECTORY }, { "serialNumber", SYN_PRINTABLE }, { "O", SYN_DIRECTORY },
	{ "OU", SYN_DIRECTORY }, { "C", SYN_COUNTRY }, { "L", SYN_DIRECTORY },
	{ "ST", SYN_DIRECTORY }, { "title", SYN_DIRECTORY }, { "givenName", SYN_DIRECTORY },
	{ "surname", SYN_DIRECTORY }, { "pseudonym", SYN_DIRECTORY },
	{ "dnQualifier", SYN_PRINTABLE },
};

#define NATTRS (sizeof(subject_attrs) / sizeof(subject_attrs[0]))

static bool
printable(const char *s)
{
	/* X.680 PrintableString: letters, digits, space and '()+,-./:=? */
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr(" '()+,-./:=?", *s) != NULL))
			return false;
	return true;
}

/* One "ATTR=VALUE" of @len bytes at @s, already trimmed. */
static int
subject_attr_parse(const char *s, size_t len, struct pol_subject_attr *a, char *why,
		   size_t wlen)
{
	const char *eq = memchr(s, '=', len), *v, *end = s + len;
	size_t alen, i, o = 0;
	enum attr_syntax syn = SYN_DIRECTORY;

	if (eq == NULL || eq == s)
		return why_set(why, wlen, "'%.*s' is not ATTRIBUTE=VALUE", (int)len, s);
	for (alen = (size_t)(eq - s); alen > 0 && s[alen - 1] == ' '; alen--)
		;
	for (i = 0; i < NATTRS; i++)
		if (strlen(subject_attrs[i].name) == alen &&
		    strncmp(subject_attrs[i].name, s, alen) == 0)
			break;
	if (i == NATTRS)
		return why_set(why, wlen, "unknown attribute '%.*s': use CN, serialNumber, O, OU, "
			       "C, L, ST, title, givenName, surname, pseudonym or dnQualifier",
			       (int)alen, s);
	syn = subject_attrs[i].syntax;
	memcpy(a->attr, s, alen);
	a->attr[alen] = '\0';
	for (v = eq + 1; v < end && *v == ' '; v++)
		;
	if (v == end)
		return why_set(why, wlen, "%s has no value", a->attr);
	if ((size_t)(end - v) == 6 && (strncmp(v, "{name}", 6) == 0 ||
					strncmp(v, "{uuid}", 6) == 0)) {
		a->field = v[1] == 'n' ? POL_SUBJECT_NAME : POL_SUBJECT_UUID;
		if (syn == SYN_COUNTRY || (a->field == POL_SUBJECT_NAME && syn != SYN_DIRECTORY))
			return why_set(why, wlen, "%.6s cannot be the value of %s, which takes %s",
				       v, a->attr, syn == SYN_COUNTRY ? "a two-letter country code"
				       : "PrintableString only");
		return POL_OK;
	}
	a->field = POL_SUBJECT_TEXT;
	for (; v < end; v++) {
		if (*v == '{' && v + 1 < end && v[1] == '{') {
			v++;
		} else if (*v == '{') {
			size_t n = strcspn(v, "},");

			if (end - v >= 6 && (strncmp(v, "{name}", 6) == 0 ||
					     strncmp(v, "{uuid}", 6) == 0))
				return why_set(why, wlen, "%.6s must be the whole value of %s, "
					       "not part of it", v, a->attr);
			return why_set(why, wlen, "unknown placeholder '%.*s': use {name} or "
				       "{uuid}", (int)(n + (v[n] == '}')), v);
		}
		if (o + 1 >= POL_VALUE_MAX)
			return why_set(why, wlen, "the value of %s is longer than %d bytes",
				       a->attr, POL_VALUE_MAX - 1);
		a->text[o++] = *v;
	}
	a->text[o] = '\0';
	if (syn == SYN_COUNTRY && (o != 2 || a->text[0] < 'A' || a->text[0] > 'Z' ||
				   a->text[1] < 'A' || a->text[1] > 'Z'))
		return why_set(why, wlen, "C takes a two-letter country code such as GB, not '%s'",
			       a->text);
	if (syn == SYN_PRINTABLE && !printable(a->text))
		return why_set(why, wlen, "%s takes PrintableString only (letters, digits, space "
			       "and '()+-./:=?), not '%s'", a->attr, a->text);
	return POL_OK;
}

int
pol_subject_parse(const char *tmpl, struct pol_subject *out, char *why, size_t len)
{
	const char *p, *e;
	unsigned cn = 0, i;
	bool uuid = false;
	int r;

	if (tmpl == NULL || out == NULL)
		return why_set(why, len, "no template");
	memset(out, 0, sizeof(*out));
	for (p = tmpl;; p = e + 1) {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, ",");
		if (out->n == POL_SUBJECT_MAX)
			return why_set(why, len, "more than %d attributes", POL_SUBJECT_MAX);
		while (e > p && e[-1] == ' ')
			e--;
		if (e == p)
			return why_set(why, len, *tmpl == '\0' ? "the subject is empty"
				       : "an empty attribute between commas");
		if ((r = subject_attr_parse(p, (size_t)(e - p), &out->attr[out->n], why,
					    len)) != POL_OK)
			return r;
		out->n++;
		e += strspn(e, " ");
		if (*e == '\0')
			break;
	}
	for (i = 0; i < out->n; i++) {
		uuid |= out->attr[i].field == POL_SUBJECT_UUID;
		if (strcmp(out->attr[i].attr, "CN") == 0 &&
		    (cn++ > 0 || out->attr[i].field != POL_SUBJECT_NAME))
			return why_set(why, len, "the subject needs exactly one CN, and it is "
				       "{name}: the holder's name as registered");
	}
	if (cn == 0)
		return why_set(why, len, "the subject needs exactly one CN, and it is {name}: the "
			       "holder's name as registered");
	if (!uuid)
		return why_set(why, len, "the subject must contain {uuid}, the holder's unique "
			       "identity");
	return POL_OK;
}

static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

/* The authority [@p, @end): host (name, IPv4, [IPv6]) and an optional port. */
static int
url_authority(const char *p, const char *end, char *why, size_t len)
{
	const char *h = p, *port = NULL;
	unsigned long v = 0;

	if (memchr(p, '@', (size_t)(end - p)) != NULL)
		return why_set(why, len, "has user information ('@') before the host: not allowed");
	if (p < end && *p == '[') {
		for (h = p + 1; h < end && *h != ']'; h++)
			if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f') ||
			      (*h >= 'A' && *h <= 'F') || *h == ':' || *h == '.'))
				return why_set(why, len, "has a bad IPv6 address in its host");
		if (h == end || h == p + 1)
			return why_set(why, len, "has a bad IPv6 address in its host");
		h++;
	} else {
		while (h < end && host_char(*h))
			h++;
		if (h == p)
			return why_set(why, len, "has no host after the scheme");
		if (*p == '.' || *p == '-' || h[-1] == '-')
			return why_set(why, len, "has a malformed host name");
	}
	if (h < end && *h != ':')
		return why_set(why, len, "has characters other than letters, digits, '-' and '.' "
			       "in its host");
	if (h < end) {
		for (port = h + 1; port < end && *port >= '0' && *port <= '9' && v <= 65535; port++)
			v = v * 10 + (unsigned long)(*port - '0');
		if (port != end || port == h + 1 || v == 0 || v > 65535)
			return why_set(why, len, "has a bad port (1-65535)");
	}
	return POL_OK;
}

int
pol_url_check(const char *url, char *why, size_t len)
{
	const char *p;
	size_t n, i;

	if (url == NULL || *url == '\0')
		return why_set(why, len, "is empty: expected an http:// or https:// URL");
	n = strlen(url);
	if (n > POL_URL_MAX)
		return why_set(why, len, "is longer than %d characters", POL_URL_MAX);
	for (i = 0; i < n; i++) {
		if ((unsigned char)url[i] >= 0x80)
			return why_set(why, len, "has non-ASCII characters: certificate URLs are "
				       "IA5String (RFC 5280 4.2.1.6), percent-encode them");
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return why_set(why, len, "contains a space or control character");
	}
	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return why_set(why, len, "expected an http:// or https:// URL");
	return url_authority(p, p + strcspn(p, "/?#"), why, len);
}

static int
check_template(const struct pol_policy *pol, const struct pol_profile *p, size_t base,
	       const char *path, struct pol_error *err)
{
	struct pol_subject subj;
	char why[200];

	if (pol_subject_parse(p->subject, &subj, why, sizeof(why)) != POL_OK)
		return bad(pol, err, base + offsetof(struct pol_profile, subject), path, 0, NULL,
			   "%s", why);
	return POL_OK;
}

/* A profile's URL, by the same rule the CA applies to registry input. */
static int
check_url(const struct pol_policy *pol, const char *url, size_t off, const char *path,
	  struct pol_error *err)
{
	char why[200];

	if (pol_url_check(url, why, sizeof(why)) != POL_OK)
		return bad(pol, err, off, path, 0, NULL, "%s", why);
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
	if (check_url(pol, p->crl_url, base + offsetof(struct pol_profile, crl_url),
		      profile_path(path, sizeof(path), name, "crl-url"), err) != POL_OK ||
	    check_url(pol, p->ocsp_url, base + offsetof(struct pol_profile, ocsp_url),
		      profile_path(path, sizeof(path), name, "ocsp-url"), err) != POL_OK)
		return POL_ERR_INVALID;
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
	if ((pc->kdf.n & (pc->kdf.n - 1)) != 0)
		return bad(pol, err, POL(passcode.kdf.n), "passcode.kdf.n", 0, NULL,
			   "kdf n (%u) must be a power of two", pc->kdf.n);
	/* The card store refuses more, so a crafted image cannot demand gigabytes. */
	if ((uint64_t)128 * pc->kdf.n * pc->kdf.r > (uint64_t)256 << 20)
		return bad(pol, err, POL(passcode.kdf.r), "passcode.kdf.r", POL(passcode.kdf.n),
			   "passcode.kdf.n", "kdf memory 128 * n * r is above 256 MiB");
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
