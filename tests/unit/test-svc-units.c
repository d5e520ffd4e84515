/*
 * Unit tests of carecard-ca serve's pure parts: the pre-signed store's
 * rule (never older than the last revocation; expired and unknown are
 * never served), serial keys, the GET form of OCSP requests, the
 * per-address token bucket (time is an argument), listen addresses and
 * the configuration file's errors with their positions.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ca/core/error.h"
#include "ca/service/api.h"
#include "ca/service/ocsp-answer.h"
#include "ca/service/portal.h"
#include "ca/service/ratelimit.h"
#include "ca/service/settings.h"
#include "ca/service/store.h"

#define NOW 1800000000LL

static void
put(struct svc_store *st, const char *serial, int hash, bool revoked, int64_t basis,
    int64_t next_update)
{
	static const unsigned char der[] = { 0x30, 0x00 };
	struct ca_ocsp_resp r;

	memset(&r, 0, sizeof(r));
	r.issuer = "authentication";
	r.serial = serial;
	r.hash = hash;
	r.revoked = revoked;
	r.this_update = NOW - 10;
	r.next_update = next_update;
	r.signer = "AA";
	r.basis = basis;
	r.der = der;
	r.len = sizeof(der);
	assert_int_equal(svc_store_put(st, 1, &r), CA_OK);
}

static enum svc_lookup
get(struct svc_store *st, const char *hex, int hash, int64_t now, bool *revoked)
{
	unsigned char key[SVC_SERIAL_MAX];
	struct svc_blob *b = NULL;
	size_t len = 0;
	enum svc_lookup l;

	assert_true(svc_serial_from_hex(hex, key, &len));
	l = svc_store_get(st, 1, key, len, hash, now, &b, revoked);
	if (l == SVC_READY)
		assert_non_null(b);
	svc_blob_unref(b);
	return l;
}

static void
test_store_rule(void **state)
{
	struct svc_store *st = NULL;
	bool rev = false;

	assert_int_equal(svc_store_new(&st), CA_OK);
	/* never issued: no entry */
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW, &rev), SVC_NOT_ISSUED);
	/* issued, not yet signed */
	assert_int_equal(svc_store_add(st, 1, "0A"), CA_OK);
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW, &rev), SVC_NOT_READY);
	/* signed good at feed position 5 */
	put(st, "0A", CA_OCSP_SHA1, false, 5, NOW + 100);
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW, &rev), SVC_READY);
	assert_false(rev);
	assert_int_equal(get(st, "0A", CA_OCSP_SHA256, NOW, &rev), SVC_NOT_READY);
	/* a revocation at 7 blocks the old "good" at once ... */
	assert_int_equal(svc_store_block(st, 1, "0A", 7), CA_OK);
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW, &rev), SVC_NOT_READY);
	/* ... a response read before it (basis 6) does not unblock ... */
	put(st, "0A", CA_OCSP_SHA1, false, 6, NOW + 100);
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW, &rev), SVC_NOT_READY);
	/* ... the revoked one (basis >= 7) does; an older block changes nothing */
	put(st, "0A", CA_OCSP_SHA1, true, 7, NOW + 100);
	assert_int_equal(svc_store_block(st, 1, "0A", 3), CA_OK);
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW, &rev), SVC_READY);
	assert_true(rev);
	/* expired responses are never served */
	assert_int_equal(get(st, "0A", CA_OCSP_SHA1, NOW + 100, &rev), SVC_NOT_READY);
	/* leading zeros and case do not make another certificate */
	assert_int_equal(get(st, "000a", CA_OCSP_SHA1, NOW, &rev), SVC_READY);
	/* another issuer's serial 0A is not this one */
	{
		unsigned char key[1] = { 0x0a };
		struct svc_blob *b = NULL;

		assert_int_equal(svc_store_get(st, 2, key, 1, CA_OCSP_SHA1, NOW, &b, &rev),
				 SVC_NOT_ISSUED);
	}
	svc_store_free(st);
}

static void
test_serial_keys(void **state)
{
	unsigned char k[SVC_SERIAL_MAX];
	size_t len = 99;

	assert_true(svc_serial_from_hex("ABCDEF", k, &len));
	assert_int_equal(len, 3);
	assert_int_equal(k[0], 0xab);
	assert_true(svc_serial_from_hex("123", k, &len));
	assert_int_equal(len, 2);
	assert_int_equal(k[0], 0x01);
	assert_int_equal(k[1], 0x23);
	assert_true(svc_serial_from_hex("0", k, &len));
	assert_int_equal(len, 0);
	assert_false(svc_serial_from_hex("12G4", k, &len));
	assert_false(svc_serial_from_hex("", k, &len));
	/* 21 octets: more than RFC 5280 allows */
	assert_false(svc_serial_from_hex("010203040506070809101112131415161718192021", k, &len));
}

static void
test_get_decode(void **state)
{
	unsigned char out[64];
	size_t len = 0;

	/* "MAMCAQU=" is 30 03 02 01 05; %2B '+' and %2F '/' and %3D '=' */
	assert_true(svc_ocsp_get_decode("MAMCAQU%3D", 10, out, sizeof(out), &len));
	assert_int_equal(len, 5);
	assert_memory_equal(out, "\x30\x03\x02\x01\x05", 5);
	assert_true(svc_ocsp_get_decode("MAMCAQU", 7, out, sizeof(out), &len));	/* no padding */
	assert_int_equal(len, 5);
	assert_true(svc_ocsp_get_decode("%2B%2F%2B%2F", 12, out, sizeof(out), &len));
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\xfb\xff\xbf", 3);
	assert_true(svc_ocsp_get_decode("+/+/", 4, out, sizeof(out), &len));	/* '+' is not ' ' */
	assert_false(svc_ocsp_get_decode("MA=M", 4, out, sizeof(out), &len));	/* padding inside */
	assert_false(svc_ocsp_get_decode("M", 1, out, sizeof(out), &len));
	assert_false(svc_ocsp_get_decode("MA!M", 4, out, sizeof(out), &len));
	assert_false(svc_ocsp_get_decode("%00AAA", 6, out, sizeof(out), &len));
	assert_false(svc_ocsp_get_decode("AAAAAAAAAAAA", 12, out, 4, &len));	/* too big */
	assert_false(svc_ocsp_get_decode("", 0, out, sizeof(out), &len));
}

static void
test_rate_limit(void **state)
{
	struct svc_ratelimit *rl = NULL;
	int64_t t = 1000000000LL;
	int i;

	assert_int_equal(svc_ratelimit_new(2, 3, &rl), CA_OK);
	for (i = 0; i < 3; i++)		/* a burst of 3 */
		assert_true(svc_ratelimit_allow(rl, "192.0.2.1", t));
	assert_false(svc_ratelimit_allow(rl, "192.0.2.1", t));
	assert_true(svc_ratelimit_allow(rl, "192.0.2.2", t));	/* another address */
	assert_true(svc_ratelimit_allow(rl, "192.0.2.1", t + 500000000LL));	/* 2/s refill */
	assert_false(svc_ratelimit_allow(rl, "192.0.2.1", t + 500000000LL));
	assert_false(svc_ratelimit_allow(rl, "192.0.2.1", t));	/* the clock never goes back */
	svc_ratelimit_set(rl, 0, 1);				/* 0: no limit */
	for (i = 0; i < 100; i++)
		assert_true(svc_ratelimit_allow(rl, "192.0.2.1", t));
	svc_ratelimit_free(rl);
}

static void
test_listen(void **state)
{
	struct svc_listen l;

	assert_true(svc_listen_parse("127.0.0.1:8080", &l));
	assert_string_equal(l.host, "127.0.0.1");
	assert_int_equal(l.port, 8080);
	assert_true(svc_listen_parse("[::1]:0", &l));
	assert_string_equal(l.host, "::1");
	assert_int_equal(l.port, 0);
	assert_true(svc_listen_parse(":443", &l));
	assert_string_equal(l.host, "0.0.0.0");
	assert_false(svc_listen_parse("::1:80", &l));
	assert_false(svc_listen_parse("host", &l));
	assert_false(svc_listen_parse("1.2.3.4:65536", &l));
	assert_false(svc_listen_parse("1.2.3.4:", &l));
	assert_false(svc_listen_parse("[::1]80", &l));
}

static int
config_text(const char *text, struct svc_config *c, char *err, size_t len)
{
	char path[] = "/tmp/test-svc-config-XXXXXX";
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	svc_config_defaults(c);
	r = svc_config_load(c, path, err, len);
	unlink(path);
	/* the messages name the file; keep what follows it */
	if (r != CA_OK && strncmp(err, path, strlen(path)) == 0)
		memmove(err, err + strlen(path), strlen(err + strlen(path)) + 1);
	return r;
}

static void
test_config(void **state)
{
	struct svc_config c;
	char err[512];

	svc_config_defaults(&c);
	assert_int_equal(c.nhttp, 1);
	assert_int_equal(c.http[0].port, 8080);
	assert_int_equal(c.limits.rate, 200);
	assert_int_equal(c.limits.cert_rate, 10);	/* the API's, per client certificate */
	assert_int_equal(c.limits.cert_burst, 60);
	assert_true(c.jobs);
	assert_int_equal(config_text("serve:\n  http: [\"0.0.0.0:80\", \"[::]:80\"]\n"
				     "  https: \"127.0.0.1:8443\"\n  workers: 4\n  jobs: false\n"
				     "  limits:\n    request-timeout: 1m\n    rate: 0\n    cert-rate: 2\n", &c, err,
				     sizeof(err)), CA_OK);
	assert_int_equal(c.nhttp, 2);
	assert_string_equal(c.http[1].host, "::");
	assert_int_equal(c.nhttps, 1);
	assert_int_equal(c.workers, 4);
	assert_false(c.jobs);
	assert_int_equal(c.limits.request_timeout, 60);
	assert_int_equal(c.limits.rate, 0);
	assert_int_equal(c.limits.burst, 400);		/* untouched: the default */
	assert_int_equal(c.limits.cert_rate, 2);
	assert_int_equal(config_text("serve:\n  limits:\n    rate: fast\n", &c, err, sizeof(err)),
			 CA_ERR_USAGE);
	assert_string_equal(err, ":3:11: rate: expected a number from 0 to 1000000, not 'fast'");
	assert_int_equal(config_text("serve:\n  htp: \":80\"\n", &c, err, sizeof(err)),
			 CA_ERR_USAGE);
	assert_string_equal(err, ":2:3: unknown key 'htp'");
	assert_int_equal(config_text("serve:\n  limits:\n    burts: 3\n", &c, err, sizeof(err)),
			 CA_ERR_USAGE);
	assert_string_equal(err, ":3:5: unknown key 'limits.burts'");
	assert_int_equal(config_text("est:\n  x: 1\n", &c, err, sizeof(err)), CA_ERR_USAGE);
	assert_string_equal(err, ":1:1: unknown section 'est'");
	assert_int_equal(config_text("serve:\n  http: \"nohost\"\n", &c, err, sizeof(err)),
			 CA_ERR_USAGE);
	assert_string_equal(err, ":2:9: http: 'nohost' is not ADDRESS:PORT");
	assert_int_equal(config_text("serve: [\n", &c, err, sizeof(err)), CA_ERR_USAGE);
	assert_int_equal(config_text("serve:\n  jobs: yes\n", &c, err, sizeof(err)), CA_ERR_USAGE);
	/* delivery to holders: mail and sms sections, one-line values */
	svc_config_defaults(&c);
	assert_int_equal(config_text("serve:\n  mail:\n    relay: smtp://relay:587\n"
				     "    from: ca@example.nhs.uk\n    timeout: 5s\n"
				     "  sms:\n    gateway: https://gw/send\n    to-field: msisdn\n",
				     &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.mail.relay, "smtp://relay:587");
	assert_string_equal(c.mail.from, "ca@example.nhs.uk");
	assert_int_equal(c.mail.timeout, 5);
	assert_string_equal(c.sms.gateway, "https://gw/send");
	assert_string_equal(c.sms.to_field, "msisdn");
	assert_string_equal(c.sms.text_field, "");
	assert_int_equal(config_text("serve:\n  mail:\n    sender: x\n", &c, err, sizeof(err)),
			 CA_ERR_USAGE);
	assert_string_equal(err, ":3:5: unknown key 'mail.sender'");
	assert_int_equal(config_text("serve:\n  mail:\n    timeout: 1h\n", &c, err, sizeof(err)),
			 CA_ERR_USAGE);
	/* the shipped settings file loads */
	svc_config_defaults(&c);
	assert_int_equal(svc_config_load(&c, CC_TOP_SRCDIR "/ca/service/serve.yaml", err,
					 sizeof(err)), CA_OK);
	assert_int_equal(c.nhttp, 2);
	assert_int_equal(c.http[0].port, 80);
	assert_string_equal(c.state, "/var/lib/carecard/ca");
	svc_config_defaults(&c);
	assert_int_equal(svc_config_load(&c, "/nonexistent/serve.yaml", err, sizeof(err)),
			 CA_ERR_IO);
	assert_string_equal(err, "/nonexistent/serve.yaml: No such file or directory");
	/* a failed load leaves the settings as they were */
	assert_int_equal(c.http[0].port, 8080);
	/* the portal's pages: installed ones by default, another directory by file */
	assert_string_equal(c.portal, SVC_PORTAL_DIR);
	assert_int_equal(config_text("serve:\n  portal: /srv/portal\n", &c, err, sizeof(err)),
			 CA_OK);
	assert_string_equal(c.portal, "/srv/portal");
}

/* The portal's pages (portal.c): all of them read, or an error naming the missing one. */
static void
test_portal_load(void **state)
{
	struct svc_portal *p = NULL;
	char err[512], dir[] = "/tmp/portal-unit-XXXXXX", path[600];
	FILE *f;

	(void)state;
	assert_int_equal(svc_portal_load(CC_TOP_SRCDIR "/ca/service/portal", &p, err,
					 sizeof(err)), CA_OK);
	assert_non_null(p);
	svc_portal_free(p);
	p = NULL;
	assert_int_equal(svc_portal_load("/nonexistent", &p, err, sizeof(err)), CA_ERR_IO);
	assert_null(p);
	assert_string_equal(err, "/nonexistent/me.html: No such file or directory");
	/* one page missing: nothing served, the message names it */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/me.html", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<!DOCTYPE html>\n", f);
	fclose(f);
	assert_int_equal(svc_portal_load(dir, &p, err, sizeof(err)), CA_ERR_IO);
	assert_null(p);
	snprintf(path, sizeof(path), "%s/person.html: No such file or directory", dir);
	assert_string_equal(err, path);
	snprintf(path, sizeof(path), "%s/me.html", dir);
	unlink(path);
	rmdir(dir);
	assert_true(svc_portal_path("/portal/"));
	assert_true(svc_portal_path("/portal"));
	assert_true(svc_portal_path("/portal/person/200000000002"));
	assert_false(svc_portal_path("/portals"));
	assert_false(svc_portal_path("/api/v1/me"));
}

/*
 * The portal API's cross-origin rule (api.c): a state-changing request
 * needs JSON and the portal's own origin, or a browser's same-origin
 * Sec-Fetch-Site; forms, text/plain and other origins are refused.
 */
static void
test_api_same_origin(void **state)
{
	const char *self = "https://portal.example:8443";

	(void)state;
	assert_true(svc_api_same_origin(self, "application/json", self, NULL));
	assert_true(svc_api_same_origin(self, "application/json; charset=utf-8", self, NULL));
	assert_true(svc_api_same_origin(self, "Application/JSON", NULL, "same-origin"));
	assert_true(svc_api_same_origin("", "application/json", NULL, "same-origin"));
	/* what a cross-origin form can send */
	assert_false(svc_api_same_origin(self, "text/plain", self, NULL));
	assert_false(svc_api_same_origin(self, "application/x-www-form-urlencoded", self, NULL));
	assert_false(svc_api_same_origin(self, "multipart/form-data; boundary=x", self, NULL));
	assert_false(svc_api_same_origin(self, "application/jsonp", self, NULL));
	assert_false(svc_api_same_origin(self, NULL, self, NULL));
	/* another origin, or none we can compare with */
	assert_false(svc_api_same_origin(self, "application/json", "https://evil.example", NULL));
	assert_false(svc_api_same_origin(self, "application/json", "https://portal.example", NULL));
	assert_false(svc_api_same_origin(self, "application/json", NULL, NULL));
	assert_false(svc_api_same_origin("", "application/json", "null", NULL));
	/* the browser's own word wins over a forged-looking Origin */
	assert_false(svc_api_same_origin(self, "application/json", self, "cross-site"));
	assert_false(svc_api_same_origin(self, "application/json", self, "same-site"));
	assert_false(svc_api_same_origin(self, "application/json", self, "none"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_same_origin),
		cmocka_unit_test(test_store_rule),
		cmocka_unit_test(test_serial_keys),
		cmocka_unit_test(test_get_decode),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_portal_load),
	};

	return cmocka_run_group_tests_name("svc-units", tests, NULL, NULL);
}
