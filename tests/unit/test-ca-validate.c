/*
 * The CA's input checks (ca/core/validate.c) and the policy's subject
 * template and URL rules they share: what is refused, with which message,
 * and what an accepted name becomes. No HSM needed; names going into
 * certificates are tested with the builder in test-ca-issue.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/registry/registry-ra.h"
#include "policy/policy.h"

/* @s refused as a name, the message naming the field and containing @rule. */
static void
name_refused(const char *s, size_t len, const char *rule)
{
	char msg[256] = "", *nfc = NULL;

	assert_int_equal(ca_check_name("holder name", s, len, &nfc, msg, sizeof(msg)),
			 CA_ERR_INPUT);
	assert_null(nfc);
	print_message("# refused: %s\n", msg);
	assert_int_equal(strncmp(msg, "holder name: ", 13), 0);
	assert_non_null(strstr(msg, rule));
}

static void
test_name_refusals(void **state)
{
	char big[400];
	char *s = NULL;

	(void)state;
	name_refused("", 0, "is empty");
	name_refused("Eve\0Evil", 8, "NUL");
	name_refused("Eve \xe2\x80\xae" "livE", 10, "bidirectional");	/* U+202E */
	name_refused("Eve \xe2\x81\xa6x\xe2\x81\xa9", 11, "bidirectional");	/* U+2066 U+2069 */
	name_refused("Eve \xe2\x80\x8f", 7, "bidirectional");		/* U+200F */
	name_refused("Eve\nCN=Alice", 12, "control character (U+000A)");
	name_refused("Eve \xc2\x85", 6, "control character (U+0085)");	/* C1 NEL */
	name_refused("Eve\x7f", 4, "control character");
	name_refused("Eve\xe2\x80\xa8", 6, "separator");
	name_refused("Eve \xff Evil", 10, "not valid UTF-8");
	name_refused("Eve \xc3", 5, "not valid UTF-8");			/* truncated */
	name_refused("\xc0\xaf", 2, "not valid UTF-8");			/* overlong '/' */
	name_refused("\xed\xa0\x80", 3, "not valid UTF-8");		/* a surrogate */
	name_refused(" Eve", 4, "white space");
	name_refused("Eve ", 4, "white space");
	name_refused("\xc2\xa0", 2, "white space");			/* NBSP alone */
	memset(big, 'a', sizeof(big));
	name_refused(big, 300, "longer than 64 characters");
	name_refused(big, 65, "longer than 64 characters");
	/* 65 two-byte characters: counted in characters, not bytes. */
	for (int i = 0; i < 65; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	name_refused(big, 130, "longer than 64");
	assert_int_equal(ca_check_name("name", big, 128, &s, NULL, 0), CA_OK);
	assert_int_equal(strlen(s), 128);
	free(s);
	/* No message buffer: still refused, nothing written anywhere. */
	assert_int_equal(ca_check_name(NULL, "", 0, NULL, NULL, 0), CA_ERR_INPUT);
}

/*
 * Names that look like Name syntax are ordinary text: the subject is built
 * as structure, so they are accepted as they are (their certificates are
 * checked in test-ca-issue).
 */
static void
test_name_punctuation_accepted(void **state)
{
	static const char *const ok[] = {
		"Eve Evil, serialNumber=100000000001, CN=Alice Manager",
		"Eve+CN=Alice", "a=b", "\"Eve\" O'Brien", "Smith, John", "Zoë Ångström",
		"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e",		/* 山田 太郎 */
		"#Eve", "Eve\\", "<Eve>", ";Eve",
	};
	char *s = NULL, msg[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ca_check_name("name", ok[i], strlen(ok[i]), &s, msg, sizeof(msg)),
				 CA_OK);
		assert_string_equal(s, ok[i]);
		free(s);
		s = NULL;
		assert_int_equal(ca_check_name("name", ok[i], strlen(ok[i]), NULL, NULL, 0),
				 CA_OK);
	}
}

static void
test_name_nfc(void **state)
{
	const char *decomposed = "Zoe\xcc\x88 A\xcc\x8a" "ngstro\xcc\x88m";	/* e + U+0308 */
	const char *composed = "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m";
	char big[200], *s = NULL, msg[200];
	int i;

	(void)state;
	/* Normalised when the caller takes the NFC form ... */
	assert_int_equal(ca_check_name("name", decomposed, strlen(decomposed), &s, msg,
				       sizeof(msg)), CA_OK);
	assert_string_equal(s, composed);
	free(s);
	/* ... refused when it only checks. */
	assert_int_equal(ca_check_name("name", decomposed, strlen(decomposed), NULL, msg,
				       sizeof(msg)), CA_ERR_INPUT);
	assert_string_equal(msg, "name: is not in Unicode normalisation form C (NFC)");
	assert_int_equal(ca_check_name("name", composed, strlen(composed), NULL, msg,
				       sizeof(msg)), CA_OK);
	/* The limit applies to the stored (NFC) form: 64 decomposed "é" are
	 * 128 code points, 64 characters once composed. */
	for (i = 0; i < 64; i++)
		memcpy(big + 3 * i, "e\xcc\x81", 3);
	assert_int_equal(ca_check_name("name", big, 192, &s, msg, sizeof(msg)), CA_OK);
	assert_int_equal(strlen(s), 128);
	free(s);
	/* A small message buffer is cut, never overrun. */
	memset(msg, 'x', sizeof(msg));
	assert_int_equal(ca_check_name("name", "", 0, NULL, msg, 8), CA_ERR_INPUT);
	assert_string_equal(msg, "name: i");
	assert_int_equal(msg[8], 'x');
}

static void
test_identifiers(void **state)
{
	char msg[200];

	(void)state;
	assert_int_equal(ca_check_uuid("uuid", "123456789012", msg, sizeof(msg)), CA_OK);
	assert_int_equal(ca_check_uuid("--holder", "12345678901", msg, sizeof(msg)),
			 CA_ERR_INPUT);
	assert_string_equal(msg, "--holder: a UUID is exactly 12 digits");
	assert_int_equal(ca_check_uuid(NULL, "1234567890123", msg, sizeof(msg)), CA_ERR_INPUT);
	assert_string_equal(msg, "uuid: a UUID is exactly 12 digits");
	assert_int_equal(ca_check_uuid(NULL, "12345678901a", NULL, 0), CA_ERR_INPUT);
	assert_int_equal(ca_check_uuid(NULL, "", NULL, 0), CA_ERR_INPUT);
	assert_int_equal(ca_check_uuid(NULL, NULL, NULL, 0), CA_ERR_INPUT);
	assert_int_equal(ca_check_uuid(NULL, " 23456789012", NULL, 0), CA_ERR_INPUT);

	assert_int_equal(ca_check_ods("ods", "FA123", msg, sizeof(msg)), CA_OK);
	assert_int_equal(ca_check_ods("ods", "fa123", msg, sizeof(msg)), CA_ERR_INPUT);
	assert_string_equal(msg, "ods: an ODS code is 1 to 15 upper-case letters and digits");
	assert_int_equal(ca_check_ods(NULL, "ABCDEFGHIJKLMNOP", NULL, 0), CA_ERR_INPUT);
	assert_int_equal(ca_check_ods(NULL, "FA-123", NULL, 0), CA_ERR_INPUT);
	assert_int_equal(ca_check_ods(NULL, "", NULL, 0), CA_ERR_INPUT);
	/* The registry's own checks are the same rules. */
	assert_int_equal(ca_uuid_check("123456789012"), CA_OK);
	assert_int_equal(ca_uuid_check("12345678901"), CA_ERR_USAGE);
	assert_int_equal(ca_ods_check("FA123"), CA_OK);
	assert_int_equal(ca_ods_check("fa123"), CA_ERR_USAGE);
}

static void
test_contacts(void **state)
{
	static const char *const good_mail[] = {
		"bob@example.org", "bob.holder+nhs@mail.example.co.uk", "o'brien@x-y.example",
		"a@b.cd",
	};
	static const char *const bad_mail[] = {
		"", "bob", "@example.org", "bob@", "bob@example", "bob@@example.org",
		"bob holder@example.org", "bob..holder@example.org", ".bob@example.org",
		"bob.@example.org", "bob@-example.org", "bob@example-.org", "bob@example..org",
		"bob@exa_mple.org", "\"bob\"@example.org", "bob@[192.0.2.1]", "bob@example.org\n",
		"b\xc3\xb6" "b@example.org", "bob@example.org,eve@example.org",
	};
	static const char *const good_mobile[] = { "+447700900123", "+12025550123", "+4915123456" };
	static const char *const bad_mobile[] = {
		"", "447700900123", "+44 7700 900123", "+1234567", "+1234567890123456",
		"+047700900123", "+44770090012a", "+", "++447700900123",
	};
	char msg[200], local[80], addr[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_mail) / sizeof(good_mail[0]); i++)
		assert_int_equal(ca_check_email(NULL, good_mail[i], msg, sizeof(msg)), CA_OK);
	for (i = 0; i < sizeof(bad_mail) / sizeof(bad_mail[0]); i++) {
		if (ca_check_email("--email", bad_mail[i], msg, sizeof(msg)) != CA_ERR_INPUT)
			fail_msg("accepted email '%s'", bad_mail[i]);
		assert_int_equal(strncmp(msg, "--email: ", 9), 0);
	}
	/* 64-character local part fine, 65 not; 254 in all. */
	memset(local, 'a', 65);
	snprintf(addr, sizeof(addr), "%.64s@example.org", local);
	assert_int_equal(ca_check_email(NULL, addr, NULL, 0), CA_OK);
	snprintf(addr, sizeof(addr), "%.65s@example.org", local);
	assert_int_equal(ca_check_email(NULL, addr, NULL, 0), CA_ERR_INPUT);
	memset(addr, 'a', sizeof(addr));
	memcpy(addr, "a@", 2);
	for (i = 2 + 63; i < 260; i += 64)
		addr[i] = '.';
	addr[255] = '\0';		/* 255 characters: one too many */
	assert_int_equal(ca_check_email(NULL, addr, msg, sizeof(msg)), CA_ERR_INPUT);
	assert_string_equal(msg, "email: an email address is at most 254 characters");
	addr[254] = '\0';
	assert_int_equal(ca_check_email(NULL, addr, msg, sizeof(msg)), CA_OK);

	for (i = 0; i < sizeof(good_mobile) / sizeof(good_mobile[0]); i++)
		assert_int_equal(ca_check_mobile(NULL, good_mobile[i], msg, sizeof(msg)), CA_OK);
	for (i = 0; i < sizeof(bad_mobile) / sizeof(bad_mobile[0]); i++) {
		if (ca_check_mobile(NULL, bad_mobile[i], msg, sizeof(msg)) != CA_ERR_INPUT)
			fail_msg("accepted mobile '%s'", bad_mobile[i]);
		assert_non_null(strstr(msg, "mobile: a mobile number is '+' and 8 to 15 digits"));
	}
}

static void
test_urls(void **state)
{
	static const char *const good[] = {
		"http://pki.example/crl/a.crl", "https://pki.example", "http://192.0.2.1:8080/x",
		"http://[2001:db8::1]/ocsp", "https://pki.example:443/a,b?c=d#e",
		"http://localhost/",
	};
	static const struct {
		const char *url, *rule;
	} bad[] = {
		{ "", "is empty" },
		{ "ldap://pki.example/crl", "expected an http:// or https:// URL" },
		{ "HTTP://pki.example/", "expected an http:// or https:// URL" },
		{ "file:///etc/passwd", "expected an http:// or https:// URL" },
		{ "http://", "has no host" },
		{ "http:///crl", "has no host" },
		{ "http://:80/crl", "has no host" },
		{ "http://user:pw@pki.example/", "user information" },
		{ "http://pki.example@evil.example/", "user information" },
		{ "http://pki.example:0/", "bad port" },
		{ "http://pki.example:65536/", "bad port" },
		{ "http://pki.example:/", "bad port" },
		{ "http://pki.example:8x/", "bad port" },
		{ "http://pki example/", "space or control" },
		{ "http://pki.example/a b", "space or control" },
		{ "http://pki.example/\n", "space or control" },
		{ "http://p\xc3\xa4ki.example/", "non-ASCII" },
		{ "http://pki_example/", "in its host" },
		{ "http://[2001:db8::1/", "IPv6" },
		{ "http://[]/", "IPv6" },
		{ "http://-pki.example/", "malformed host" },
	};
	char msg[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (ca_check_url("url", good[i], msg, sizeof(msg)) != CA_OK)
			fail_msg("refused '%s': %s", good[i], msg);
		assert_int_equal(pol_url_check(good[i], NULL, 0), POL_OK);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ca_check_url("photo-url", bad[i].url, msg, sizeof(msg)) != CA_ERR_INPUT)
			fail_msg("accepted '%s'", bad[i].url);
		assert_int_equal(strncmp(msg, "photo-url: ", 11), 0);
		if (strstr(msg, bad[i].rule) == NULL)
			fail_msg("'%s': '%s' does not say '%s'", bad[i].url, msg, bad[i].rule);
		assert_int_equal(pol_url_check(bad[i].url, NULL, 0), POL_ERR_SCHEMA);
	}
}

static void
test_subject_template(void **state)
{
	static const struct {
		const char *tmpl, *rule;
	} bad[] = {
		{ "", "empty" },
		{ "CN={name}", "{uuid}" },
		{ "serialNumber={uuid}", "exactly one CN" },
		{ "CN={name}, serialNumber={uuid}, CN=Alice", "exactly one CN" },
		{ "CN={uuid}, serialNumber={uuid}", "exactly one CN" },
		{ "CN=Dr {name}, serialNumber={uuid}", "whole value" },
		{ "CN={name}, serialNumber={uuid}-x", "whole value" },
		{ "CN={nam}, serialNumber={uuid}", "unknown placeholder '{nam}'" },
		{ "CN={name}, serialNumber={name}, OU={uuid}", "PrintableString" },
		{ "CN={name}, serialNumber={uuid}, C=gb", "two-letter" },
		{ "CN={name}, serialNumber={uuid}, C={uuid}", "country" },
		{ "CN={name}, serialNumber={uuid}, emailAddress=a@b.c", "unknown attribute" },
		{ "CN={name}, serialNumber={uuid}, O", "ATTRIBUTE=VALUE" },
		{ "CN={name}, serialNumber={uuid}, =x", "ATTRIBUTE=VALUE" },
		{ "CN={name}, serialNumber={uuid}, O=", "has no value" },
		{ "CN={name},, serialNumber={uuid}", "empty attribute" },
		{ "CN={name}, serialNumber={uuid},", "empty attribute" },
		{ "CN={name}, serialNumber={uuid}, dnQualifier=a_b", "PrintableString" },
		{ "CN={name}, serialNumber={uuid}, O=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 64" },
		{ "CN={name}, serialNumber={uuid}, OU=a, OU=b, OU=c, OU=d, OU=e, OU=f, OU=g",
		  "more than 8" },
	};
	struct pol_subject s;
	char why[256];
	size_t i;

	(void)state;
	assert_int_equal(pol_subject_parse("CN={name}, serialNumber={uuid}", &s, why, sizeof(why)),
			 POL_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.attr[0].attr, "CN");
	assert_int_equal(s.attr[0].field, POL_SUBJECT_NAME);
	assert_string_equal(s.attr[1].attr, "serialNumber");
	assert_int_equal(s.attr[1].field, POL_SUBJECT_UUID);
	assert_int_equal(pol_subject_parse("  C=GB ,O = Care card {{1},OU=People,"
					   "serialNumber={uuid} , CN={name}  ", &s, why,
					   sizeof(why)), POL_OK);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.attr[0].attr, "C");
	assert_string_equal(s.attr[0].text, "GB");
	assert_string_equal(s.attr[1].attr, "O");
	assert_int_equal(s.attr[1].field, POL_SUBJECT_TEXT);
	assert_string_equal(s.attr[1].text, "Care card {1}");
	assert_string_equal(s.attr[4].attr, "CN");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pol_subject_parse(bad[i].tmpl, &s, why, sizeof(why)) != POL_ERR_SCHEMA)
			fail_msg("accepted '%s'", bad[i].tmpl);
		if (strstr(why, bad[i].rule) == NULL)
			fail_msg("'%s': '%s' does not say '%s'", bad[i].tmpl, why, bad[i].rule);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_refusals),
		cmocka_unit_test(test_name_punctuation_accepted),
		cmocka_unit_test(test_name_nfc),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_contacts),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_subject_template),
	};

	return cmocka_run_group_tests_name("ca-validate", tests, NULL, NULL);
}
