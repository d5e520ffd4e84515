/*
 * ca/core/validate.c: see validate.h. Unicode (UTF-8 decoding, white
 * space, normalisation form C) is libunistring's: we decode nothing by hand.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/registry/registry-ra.h"
#include "policy/policy.h"

/* Longest name we look at before normalising: CA_NAME_MAX characters of
 * at most 4 bytes, with room for decomposed input that NFC shortens. */
#define NAME_BYTES_MAX (CA_NAME_MAX * 4 * 4)

static int __attribute__((format(printf, 4, 5)))
refuse(char *msg, size_t msglen, const char *field, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (msg == NULL || msglen == 0)
		return CA_ERR_INPUT;
	n = snprintf(msg, msglen, "%s: ", field);
	if (n >= 0 && (size_t)n < msglen) {
		va_start(ap, fmt);
		vsnprintf(msg + n, msglen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return CA_ERR_INPUT;
}

/* Characters a name must not contain, and why; NULL if @c is fine. */
static const char *
name_char_bad(ucs4_t c)
{
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))
		return "contains a control character";
	if (c == 0x2028 || c == 0x2029)
		return "contains a line or paragraph separator";
	/* Unicode UAX #9 explicit formatting characters and marks. */
	if (c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069))
		return "contains a bidirectional formatting character, which makes text "
		       "display in another order than it is stored";
	return NULL;
}

static bool
ascii(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return false;
	return true;
}

/* Character by character on valid UTF-8 @s: forbidden characters, edges. */
static int
name_chars(const uint8_t *s, size_t n, const char *field, char *msg, size_t msglen)
{
	const uint8_t *p = s, *end = s + n;
	const char *why;
	ucs4_t c = 0;
	bool first = true;
	int k;

	for (; p < end; p += k) {
		k = u8_mbtouc(&c, p, (size_t)(end - p));
		if ((why = name_char_bad(c)) != NULL)
			return refuse(msg, msglen, field, "%s (U+%04X)", why, (unsigned)c);
		if (first && uc_is_property_white_space(c))
			break;
		first = false;
	}
	if (p < end || uc_is_property_white_space(c))
		return refuse(msg, msglen, field, "begins or ends with white space");
	return CA_OK;
}

int
ca_check_name(const char *field, const char *s, size_t len, char **nfc, char *msg,
	      size_t msglen)
{
	const uint8_t *u = (const uint8_t *)s;
	uint8_t *norm = NULL;
	char *out = NULL;
	size_t nlen = 0;
	int r;

	if (field == NULL)
		field = "name";
	if (s == NULL || len == 0)
		return refuse(msg, msglen, field, "is empty");
	if (memchr(s, '\0', len) != NULL)
		return refuse(msg, msglen, field, "contains a NUL character");
	if (len > NAME_BYTES_MAX)
		return refuse(msg, msglen, field, "is longer than %d characters (the X.520 upper "
			      "bound for a common name)", CA_NAME_MAX);
	if (u8_check(u, len) != NULL)
		return refuse(msg, msglen, field, "is not valid UTF-8");
	if ((r = name_chars(u, len, field, msg, msglen)) != CA_OK)
		return r;
	/* ASCII is its own NFC; anything else is normalised and compared. */
	if (!ascii(u, len) && (norm = u8_normalize(UNINORM_NFC, u, len, NULL, &nlen)) == NULL)
		return CA_ERR_ALLOC;
	if (norm != NULL && (nlen != len || memcmp(norm, u, len) != 0) && nfc == NULL) {
		r = refuse(msg, msglen, field, "is not in Unicode normalisation form C (NFC)");
		goto out;
	}
	if (u8_mbsnlen(norm != NULL ? norm : u, norm != NULL ? nlen : len) > CA_NAME_MAX) {
		r = refuse(msg, msglen, field, "is longer than %d characters (the X.520 upper "
			   "bound for a common name)", CA_NAME_MAX);
		goto out;
	}
	if (nfc != NULL) {
		if (norm == NULL)
			nlen = len;
		if ((out = malloc(nlen + 1)) == NULL) {
			r = CA_ERR_ALLOC;
			goto out;
		}
		memcpy(out, norm != NULL ? (const char *)norm : s, nlen);
		out[nlen] = '\0';
		*nfc = out;
	}
	r = CA_OK;
out:
	free(norm);
	return r;
}

/* @s is @min..@max characters, all from @set. */
static bool
all_of(const char *s, size_t min, size_t max, const char *set)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	return n >= min && n <= max && strspn(s, set) == n;
}

#define DIGITS "0123456789"

int
ca_check_uuid(const char *field, const char *s, char *msg, size_t msglen)
{
	if (!all_of(s, 12, 12, DIGITS))
		return refuse(msg, msglen, field != NULL ? field : "uuid",
			      "a UUID is exactly 12 digits");
	return CA_OK;
}

int
ca_check_ods(const char *field, const char *s, char *msg, size_t msglen)
{
	if (!all_of(s, 1, CA_ODS_MAX, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS))
		return refuse(msg, msglen, field != NULL ? field : "ODS code",
			      "an ODS code is 1 to %d upper-case letters and digits", CA_ODS_MAX);
	return CA_OK;
}

int
ca_check_mobile(const char *field, const char *s, char *msg, size_t msglen)
{
	/* ITU-T E.164: at most 15 digits; country codes never begin with 0. */
	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9' || !all_of(s + 1, 8, 15, DIGITS))
		return refuse(msg, msglen, field != NULL ? field : "mobile",
			      "a mobile number is '+' and 8 to 15 digits (E.164, no spaces; "
			      "e.g. +447700900123)");
	return CA_OK;
}

#define ATEXT "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS "!#$%&'*+/=?^_`{|}~-"
#define LDH "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS "-"

/* One dot-separated part of @n bytes at @p: 1..@max characters of @set. */
static bool
atom_ok(const char *p, size_t n, size_t max, const char *set, bool ldh)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (strchr(set, p[i]) == NULL)
			return false;
	return !ldh || (p[0] != '-' && p[n - 1] != '-');
}

/* "a.b.c" in @n bytes at @p: every part an atom; @parts receives how many. */
static bool
dotted_ok(const char *p, size_t n, size_t max, const char *set, bool ldh, unsigned *parts)
{
	const char *end = p + n, *dot;

	*parts = 0;
	for (;; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(end - p))) == NULL)
			dot = end;
		if (!atom_ok(p, (size_t)(dot - p), max, set, ldh))
			return false;
		(*parts)++;
		if (dot == end)
			return true;
	}
}

int
ca_check_email(const char *field, const char *s, char *msg, size_t msglen)
{
	const char *at = s != NULL ? strrchr(s, '@') : NULL;
	unsigned parts;
	size_t n;

	if (field == NULL)
		field = "email";
	if (at == NULL || at == s)
		return refuse(msg, msglen, field, "an email address is local-part@domain");
	n = strlen(s);
	if (n > 254)
		return refuse(msg, msglen, field, "an email address is at most 254 characters");
	if ((size_t)(at - s) > 64 || !dotted_ok(s, (size_t)(at - s), 64, ATEXT, false, &parts))
		return refuse(msg, msglen, field, "the part before '@' is at most 64 letters, "
			      "digits and !#$%%&'*+/=?^_`{|}~- in dot-separated words");
	if (!dotted_ok(at + 1, strlen(at + 1), 63, LDH, true, &parts) || parts < 2)
		return refuse(msg, msglen, field, "the domain after '@' is two or more "
			      "dot-separated labels of letters, digits and inner hyphens");
	return CA_OK;
}

int
ca_check_url(const char *field, const char *s, char *msg, size_t msglen)
{
	char why[200];

	if (pol_url_check(s, why, sizeof(why)) != POL_OK)
		return refuse(msg, msglen, field != NULL ? field : "url", "%s", why);
	return CA_OK;
}
