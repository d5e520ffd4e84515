/*
 * ca/core/validate: registry input checked at the library boundary. Every
 * operation that stores a person, an organisation or a contact calls these
 * before anything is written, and the certificate builder checks the
 * registry's name and UUID again before they go into a subject. Each rule
 * is written here once (the URL rule in policy/, shared with the policy's
 * profile URLs); ca/registry's small checks call these.
 *
 * Every check returns CA_OK, or CA_ERR_INPUT with "FIELD: rule" in @msg
 * (@msglen bytes, always terminated; @msg may be NULL). @field names the
 * input as the caller knows it ("name", "--manager-name", "row 3 name");
 * NULL gives a default. Messages never repeat the input: it may hold
 * control or bidi characters that would garble a terminal or a log.
 */
#ifndef CC_CA_CORE_VALIDATE_H
#define CC_CA_CORE_VALIDATE_H

#include <stddef.h>

/* A holder's name: at most this many characters (Unicode code points),
 * the X.520 upper bound for a common name (RFC 5280 ub-common-name). */
#define CA_NAME_MAX 64

/*
 * A person's name, @len bytes at @s (a NUL among them is refused: as a C
 * string the name would silently end there). Rules: not empty; valid UTF-8;
 * no C0/C1 control characters or DEL, no line/paragraph separators (U+2028,
 * U+2029), no bidirectional formatting characters (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069: they make text display in another order
 * than it is stored); no leading or trailing white space; at most
 * CA_NAME_MAX characters in Unicode normalisation form C. Commas, '=', '+'
 * and quotes are ordinary characters: subjects are built as structure.
 * With @nfc non-NULL the name is normalised (NFC) and *@nfc receives the
 * form to store (malloc'ed, the caller frees); with @nfc NULL a name not
 * already in NFC is refused.
 */
int ca_check_name(const char *field, const char *s, size_t len, char **nfc, char *msg,
		  size_t msglen);

/* A holder's UUID: exactly 12 digits. */
int ca_check_uuid(const char *field, const char *s, char *msg, size_t msglen);

/* An ODS organisation code: 1 to CA_ODS_MAX upper-case ASCII letters and digits. */
int ca_check_ods(const char *field, const char *s, char *msg, size_t msglen);

/*
 * An email address, by syntax only (RFC 5321/5322 without quoted local
 * parts, comments or address literals; ASCII): local@domain, the local
 * part a dot-atom of at most 64 characters, the domain at least two labels
 * of letters, digits and inner hyphens (each at most 63), at most 254 in all.
 */
int ca_check_email(const char *field, const char *s, char *msg, size_t msglen);

/* A mobile number in E.164 form: '+', then 8 to 15 digits, the first not 0. */
int ca_check_mobile(const char *field, const char *s, char *msg, size_t msglen);

/* A URL: pol_url_check()'s rule (http/https, host present, printable ASCII). */
int ca_check_url(const char *field, const char *s, char *msg, size_t msglen);

#endif
