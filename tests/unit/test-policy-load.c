/*
 * Policy loader and validator: the shipped nhs.yaml equals the built-in
 * defaults, "show" output loads back to the same policy, durations parse,
 * the example policy loads, and every malformed file in tests/policy/bad
 * gives exactly the message in its .expected sidecar.
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

#include "policy/policy.h"

#define DAY (24 * 60 * 60LL)

static char *
src_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *p = NULL;

	if (top == NULL)
		top = CC_TOP_SRCDIR;
	assert_true(asprintf(&p, "%s/%s", top, rel) > 0);
	return p;
}

/* The policy as "show" prints it, with the source line neutralised. */
static char *
shown(struct pol_policy *pol)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	snprintf(pol->source, sizeof(pol->source), "X");
	pol->norigins = 0;
	assert_int_equal(pol_policy_write(pol, fp), POL_OK);
	fclose(fp);
	return buf;
}

static struct pol_policy *
load_ok(const char *rel)
{
	struct pol_policy *pol = NULL;
	struct pol_error err = { 0 };
	char *path = src_path(rel);
	int r = pol_policy_load(path, &pol, &err);

	if (r != POL_OK)
		print_message("# %s\n", err.text);
	assert_int_equal(r, POL_OK);
	free(path);
	return pol;
}

static void
test_nhs_yaml_equals_builtin(void **state)
{
	struct pol_policy *file = load_ok("policy/nhs.yaml"), *builtin = NULL;
	char *a, *b, *marks = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&marks, &len);

	assert_int_equal(pol_policy_new_default(&builtin), POL_OK);
	/* nhs.yaml spells out every key: show marks none as "(default)" */
	assert_int_equal(pol_policy_write(file, fp), POL_OK);
	fclose(fp);
	assert_null(strstr(marks, "(default)"));
	free(marks);
	a = shown(file);
	b = shown(builtin);
	assert_string_equal(a, b);
	free(a);
	free(b);
	pol_policy_free(file);
	pol_policy_free(builtin);
}

static void
test_builtin_values(void **state)
{
	const struct pol_policy *p = pol_policy_builtin();
	struct pol_passcode_rules rules;

	assert_int_equal(pol_policy_validate(p, NULL), POL_OK);
	assert_string_equal(p->authentication.issuing_ca, "NHS Authentication G2");
	assert_string_equal(p->signing.issuing_ca, "NHS Signing G2");
	assert_int_equal(p->authentication.lifetime, 730 * DAY);
	assert_int_equal(p->authentication.key_usage, POL_KU_DIGITAL_SIGNATURE);
	assert_int_equal(p->authentication.ext_key_usage, POL_EKU_CLIENT_AUTH);
	assert_int_equal(p->signing.key_usage, POL_KU_DIGITAL_SIGNATURE | POL_KU_NON_REPUDIATION);
	assert_int_equal(p->renewal.window, 90 * DAY);
	assert_int_equal(p->renewal.self_renewals_before_ra, 2);
	assert_int_equal(p->renewal.max_renewals, 0);
	assert_false(p->renewal.self_renew_after_expiry);
	assert_int_equal(p->card.retired_series.n, 3);
	assert_string_equal(p->card.retired_series.item[2], "03");
	assert_false(p->unlock.locum_may_unlock);
	assert_true(p->duties.sponsor_not_ra_agent);
	assert_int_equal(p->duties.lookup, POL_ROLE_RA_AGENT | POL_ROLE_RA_MANAGER |
			 POL_ROLE_SPONSOR | POL_ROLE_LSA);
	assert_int_equal(p->duties.grant_role, POL_ROLE_RA_MANAGER);

	pol_passcode_rules(p, &rules);
	assert_int_equal(rules.min_len, 4);
	assert_int_equal(rules.max_len, 8);
	assert_int_equal(rules.max_tries, 3);
	assert_int_equal(rules.max_age, 90 * DAY);
	assert_int_equal(rules.warn_before, 14 * DAY);
	pol_passcode_rules(NULL, &rules);	/* no policy: the built-in rules */
	assert_int_equal(rules.max_tries, 3);
	assert_string_equal(pol_eku_oid(POL_EKU_CLIENT_AUTH), "1.3.6.1.5.5.7.3.2");
	assert_ptr_equal(pol_profile_find(p, "signing"), &p->signing);
	assert_ptr_equal(pol_profile_find(p, "authentication"), &p->authentication);
	assert_null(pol_profile_find(p, "encryption"));
}

/* show -> parse -> show is a fixed point, for the default and the example. */
static void
round_trip(const char *rel)
{
	struct pol_policy *pol = load_ok(rel), *again = NULL;
	struct pol_error err;
	char *a = NULL, *b;
	size_t len = 0;
	FILE *fp = open_memstream(&a, &len);

	assert_int_equal(pol_policy_write(pol, fp), POL_OK);
	fclose(fp);
	assert_int_equal(pol_policy_parse("shown", a, len, &again, &err), POL_OK);
	assert_int_equal(pol_policy_validate(again, &err), POL_OK);
	free(a);
	a = shown(pol);
	b = shown(again);
	assert_string_equal(a, b);
	free(a);
	free(b);
	pol_policy_free(pol);
	pol_policy_free(again);
}

static void
test_show_round_trip(void **state)
{
	round_trip("policy/nhs.yaml");
	round_trip("policy/examples/renew-3-then-new-card.yaml");
}

static char *
canonical(const struct pol_policy *pol)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(pol_policy_write_canonical(pol, fp), POL_OK);
	fclose(fp);
	return buf;
}

/*
 * The canonical form (what the service publishes and doctor compares): the
 * same bytes for nhs.yaml and the built-in rules whatever their source, no
 * comments, loads back to the same form; a policy that differs in one
 * setting gives other bytes.
 */
static void
test_canonical_form(void **state)
{
	struct pol_policy *file = load_ok("policy/nhs.yaml"), *again = NULL;
	struct pol_policy *other = load_ok("policy/examples/renew-3-then-new-card.yaml");
	struct pol_error err;
	char *a = canonical(file), *b = canonical(pol_policy_builtin()), *c;

	assert_string_equal(a, b);
	assert_null(strchr(a, '#'));
	assert_int_equal(pol_policy_parse("canonical", a, strlen(a), &again, &err), POL_OK);
	c = canonical(again);
	assert_string_equal(a, c);
	free(c);
	c = canonical(other);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
	pol_policy_free(file);
	pol_policy_free(again);
	pol_policy_free(other);
}

static void
test_example_overrides_defaults(void **state)
{
	struct pol_policy *p = load_ok("policy/examples/renew-3-then-new-card.yaml");

	assert_int_equal(p->renewal.self_renewals_before_ra, 3);
	assert_int_equal(p->renewal.max_renewals, 3);
	assert_int_equal(p->renewal.window, 60 * DAY);
	assert_int_equal(p->authentication.lifetime, 365 * DAY);
	assert_int_equal(p->signing.lifetime, 365 * DAY);
	/* untouched keys keep the NHS values */
	assert_int_equal(p->passcode.max_tries, 3);
	assert_string_equal(p->signing.issuing_ca, "NHS Signing G2");
	pol_policy_free(p);
}

static const struct {
	const char *text;
	int r;
	int64_t secs;
} durations[] = {
	{ "2y", POL_OK, 730 * DAY }, { "90d", POL_OK, 90 * DAY }, { "12h", POL_OK, 12 * 3600 },
	{ "30m", POL_OK, 1800 }, { "45s", POL_OK, 45 }, { "2w", POL_OK, 14 * DAY },
	{ "0", POL_OK, 0 }, { "1y", POL_OK, 365 * DAY }, { "999999999y", POL_OK, 999999999LL * 365 * DAY },
	{ "", POL_ERR_SCHEMA, 0 }, { "d", POL_ERR_SCHEMA, 0 }, { "5", POL_ERR_SCHEMA, 0 },
	{ "1.5d", POL_ERR_SCHEMA, 0 }, { "-1d", POL_ERR_SCHEMA, 0 }, { "10x", POL_ERR_SCHEMA, 0 },
	{ "1dd", POL_ERR_SCHEMA, 0 }, { "1d2h", POL_ERR_SCHEMA, 0 }, { " 1d", POL_ERR_SCHEMA, 0 },
	{ "1000000000y", POL_ERR_SCHEMA, 0 }, { "1D", POL_ERR_SCHEMA, 0 },
};

static void
test_durations(void **state)
{
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		int64_t v = -1;
		int r = pol_duration_parse(durations[i].text, &v);

		print_message("# duration '%s'\n", durations[i].text);
		assert_int_equal(r, durations[i].r);
		if (r == POL_OK)
			assert_int_equal(v, durations[i].secs);
		else
			assert_int_equal(v, -1);	/* untouched on failure */
	}
	pol_duration_format(730 * DAY, buf, sizeof(buf));
	assert_string_equal(buf, "2y");
	pol_duration_format(91 * DAY, buf, sizeof(buf));
	assert_string_equal(buf, "91d");	/* never weeks */
	pol_duration_format(90 * DAY, buf, sizeof(buf));
	assert_string_equal(buf, "90d");
	pol_duration_format(3601, buf, sizeof(buf));
	assert_string_equal(buf, "3601s");
}

static char *
read_text(const char *path)
{
	char *buf = calloc(1, 1024);
	FILE *fp = fopen(path, "r");

	assert_non_null(buf);
	assert_non_null(fp);
	assert_non_null(fgets(buf, 1024, fp));
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* The malformed files: tests/policy/bad/NN-name.yaml + NN-name.expected. */
static const char *const bad_files[] = {
	"01-unknown-key", "02-unknown-section", "03-mapping-for-number", "04-scalar-for-list",
	"05-out-of-range", "06-bad-duration", "07-bad-bool", "08-unknown-role",
	"09-duplicate-key", "10-missing-version", "11-wrong-version", "12-yaml-syntax",
	"13-window-exceeds-lifetime", "14-min-above-max", "15-bad-series", "16-bad-url",
	"17-rsa-1024", "18-max-renewals-below-self", "19-two-documents", "20-root-is-list",
	"21-warning-after-expiry", "22-subject-without-uuid", "23-same-org-not-unlocker",
	"24-unknown-key-type", "25-empty", "26-listed-twice", "27-missing-value",
	"28-card-outlives-cert", "29-key-not-scalar", "30-unknown-placeholder",
	"31-crl-expires-before-next", "32-delta-after-full", "33-delta-expires-first",
	"34-crl-interval-range", "35-crl-delta-none", "36-crl-unknown-key",
	"37-url-without-host", "38-subject-second-cn",
	/* ocsp and publication (carecard-ca serve) */
	"60-ocsp-refresh-too-late", "61-ocsp-cache-outlives-response", "62-ocsp-signer-too-short",
	"63-ocsp-validity-range", "64-publication-bad-url", "65-ocsp-unknown-key",
};

static void
test_malformed_files(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct pol_policy *pol = NULL;
		struct pol_error err;
		char rel[128], *yaml, *exp_path, *exp, *want = NULL;
		int r;

		snprintf(rel, sizeof(rel), "tests/policy/bad/%s.yaml", bad_files[i]);
		yaml = src_path(rel);
		snprintf(rel, sizeof(rel), "tests/policy/bad/%s.expected", bad_files[i]);
		exp_path = src_path(rel);
		exp = read_text(exp_path);
		assert_int_equal(strncmp(exp, "FILE", 4), 0);
		assert_true(asprintf(&want, "%s%s", yaml, exp + 4) > 0);

		r = pol_policy_load(yaml, &pol, &err);
		print_message("# %s -> %s\n", bad_files[i], err.text);
		assert_true(r == POL_ERR_SYNTAX || r == POL_ERR_SCHEMA || r == POL_ERR_INVALID);
		assert_null(pol);
		assert_string_equal(err.text, want);
		assert_true(err.line > 0);
		assert_true(err.column > 0);
		free(yaml);
		free(exp_path);
		free(exp);
		free(want);
	}
}

static void
test_error_codes(void **state)
{
	static const char nul[] = "version: \"1\\0\"\n";
	struct pol_policy *pol = NULL;
	struct pol_error err;

	assert_int_equal(pol_policy_load("/nonexistent/policy.yaml", &pol, &err), POL_ERR_IO);
	assert_string_equal(err.text,
			    "/nonexistent/policy.yaml: cannot read: No such file or directory");
	assert_int_equal(pol_policy_parse("buf", "version: [", 10, &pol, &err), POL_ERR_SYNTAX);
	assert_int_equal(pol_policy_parse("buf", nul, sizeof(nul) - 1, &pol, &err),
			 POL_ERR_SCHEMA);
	assert_string_equal(err.text, "buf:1:10: version: contains a NUL character");
	assert_int_equal(pol_policy_parse("buf", "version: 1\n", 11, &pol, NULL), POL_OK);
	assert_int_equal(pol_policy_validate(pol, NULL), POL_OK);
	pol_policy_free(pol);
	assert_int_equal(pol_policy_parse(NULL, "", 0, &pol, &err), POL_ERR_ARG);
	assert_string_equal(pol_strerror(POL_ERR_INVALID), "contradictory policy settings");
	pol_policy_free(NULL);

	/* an explicit path that does not exist is an error, never "use the defaults" */
	assert_int_equal(pol_policy_load_default("/nonexistent/p.yaml", &pol, &err), POL_ERR_IO);
	/* no path: the installed nhs.yaml or, if absent, the built-in rules; both are NHS */
	assert_int_equal(pol_policy_load_default(NULL, &pol, &err), POL_OK);
	assert_int_equal(pol->renewal.self_renewals_before_ra, 2);
	pol_policy_free(pol);
}

/* A contradiction between two defaults names the key and says so. */
static void
test_contradiction_with_default(void **state)
{
	static const char y[] = "version: 1\nrenewal:\n  window: 3y\n";
	struct pol_policy *pol = NULL;
	struct pol_error err;

	assert_int_equal(pol_policy_parse("p.yaml", y, sizeof(y) - 1, &pol, &err), POL_OK);
	assert_int_equal(pol_policy_validate(pol, &err), POL_ERR_INVALID);
	assert_string_equal(err.text, "p.yaml:3:3: renewal.window: the renewal window must be "
				      "shorter than profiles.authentication.lifetime");
	pol->norigins = 0;	/* as if every value were a default */
	assert_int_equal(pol_policy_validate(pol, &err), POL_ERR_INVALID);
	assert_string_equal(err.text, "p.yaml: renewal.window: the renewal window must be "
				      "shorter than profiles.authentication.lifetime "
				      "(built-in default)");
	pol_policy_free(pol);
}

/* The crl section: NHS schedule, overrides, "0" turns deltas off, and a
 * delta schedule that is off is not checked against the full one. */
static void
test_crl_schedule(void **state)
{
	static const char y[] = "version: 1\ncrl:\n  full-interval: 12h\n  next-update: 2d\n"
				"  delta-interval: 0\n  delta-next-update: 1m\n";
	struct pol_policy *pol = NULL;
	struct pol_error err;
	struct pol_crl c;

	pol_crl_schedule(NULL, &c);
	assert_int_equal(c.full_interval, DAY);
	assert_int_equal(c.next_update, 7 * DAY);
	assert_int_equal(c.delta_interval, 3600);
	assert_int_equal(c.delta_next_update, 4 * 3600);
	assert_int_equal(pol_policy_parse("p.yaml", y, sizeof(y) - 1, &pol, &err), POL_OK);
	assert_int_equal(pol_policy_validate(pol, &err), POL_OK);
	pol_crl_schedule(pol, &c);
	assert_int_equal(c.full_interval, 12 * 3600);
	assert_int_equal(c.next_update, 2 * DAY);
	assert_int_equal(c.delta_interval, 0);
	assert_int_equal(c.delta_next_update, 60);
	/* untouched sections keep their NHS values */
	assert_int_equal(pol->passcode.max_tries, 3);
	pol_policy_free(pol);
}

/* The integrity section: NHS values, overrides, and the ranges. */
static void
test_integrity(void **state)
{
	static const char y[] = "version: 1\nintegrity:\n  pending-lease: 10m\n"
				"  checkpoint-interval: 6h\n";
	static const char short_lease[] = "version: 1\nintegrity:\n  pending-lease: 30s\n";
	static const char long_cp[] = "version: 1\nintegrity:\n  checkpoint-interval: 32d\n";
	struct pol_policy *pol = NULL;
	struct pol_integrity in;
	struct pol_error err;

	pol_integrity_get(NULL, &in);
	assert_int_equal(in.pending_lease, 3600);
	assert_int_equal(in.checkpoint_interval, DAY);
	assert_int_equal(pol_policy_parse("p.yaml", y, sizeof(y) - 1, &pol, &err), POL_OK);
	assert_int_equal(pol_policy_validate(pol, &err), POL_OK);
	pol_integrity_get(pol, &in);
	assert_int_equal(in.pending_lease, 600);
	assert_int_equal(in.checkpoint_interval, 6 * 3600);
	assert_int_equal(pol->crl.full_interval, DAY);
	pol_policy_free(pol);
	pol = NULL;
	assert_int_not_equal(pol_policy_parse("p.yaml", short_lease, sizeof(short_lease) - 1,
					      &pol, &err), POL_OK);
	assert_non_null(strstr(err.text, "pending-lease"));
	pol_policy_free(pol);
	pol = NULL;
	assert_int_not_equal(pol_policy_parse("p.yaml", long_cp, sizeof(long_cp) - 1, &pol, &err),
			     POL_OK);
	assert_non_null(strstr(err.text, "checkpoint-interval"));
	pol_policy_free(pol);
}

static void
test_subject_expand(void **state)
{
	const struct pol_policy *p = pol_policy_builtin();
	struct pol_profile prof = p->authentication;
	char buf[64];

	assert_int_equal(pol_subject_expand(&prof, "Ann Smith", "123456789012", buf, sizeof(buf)),
			 POL_OK);
	assert_string_equal(buf, "CN=Ann Smith, serialNumber=123456789012");
	assert_int_equal(pol_subject_expand(&prof, "Ann Smith", "123456789012", buf, 20),
			 POL_ERR_ARG);
	assert_string_equal(buf, "");
	snprintf(prof.subject, sizeof(prof.subject), "O={{x}, CN={uuid}");
	assert_int_equal(pol_subject_expand(&prof, "A", "1", buf, sizeof(buf)), POL_OK);
	assert_string_equal(buf, "O={x}, CN=1");
}

/* The ocsp and publication sections: NHS values (CA/Browser Forum range,
 * five-minute revocation latency), overrides, 0 = no caching, and the
 * untouched sections keep their NHS values. */
static void
test_ocsp_publication(void **state)
{
	static const char y[] = "version: 1\nocsp:\n  response-validity: 2m\n"
				"  refresh-interval: 1m\n  revocation-latency: 0\n"
				"  signer-lifetime: 4m\npublication:\n"
				"  root-crl-url: http://127.0.0.1:8080/crl/root.crl\n";
	const struct pol_policy *b = pol_policy_builtin();
	struct pol_policy *pol = NULL;
	struct pol_error err;

	assert_int_equal(b->ocsp.response_validity, 4 * DAY);
	assert_int_equal(b->ocsp.refresh_interval, DAY);
	assert_int_equal(b->ocsp.revocation_latency, 300);
	assert_int_equal(b->ocsp.signer_lifetime, 30 * DAY);
	assert_string_equal(b->publication.root_crl_url,
			    "http://pki.carecard.invalid/crl/root-g2.crl");
	assert_string_equal(b->publication.authentication_certificate_url,
			    "http://pki.carecard.invalid/certs/authentication-g2.crt");
	assert_int_equal(pol_policy_parse("p.yaml", y, sizeof(y) - 1, &pol, &err), POL_OK);
	assert_int_equal(pol_policy_validate(pol, &err), POL_OK);
	assert_int_equal(pol->ocsp.response_validity, 120);
	assert_int_equal(pol->ocsp.refresh_interval, 60);
	assert_int_equal(pol->ocsp.revocation_latency, 0);
	assert_int_equal(pol->ocsp.signer_lifetime, 240);
	assert_string_equal(pol->publication.root_crl_url, "http://127.0.0.1:8080/crl/root.crl");
	assert_string_equal(pol->publication.signing_certificate_url,
			    b->publication.signing_certificate_url);
	assert_int_equal(pol->crl.full_interval, DAY);
	pol_policy_free(pol);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nhs_yaml_equals_builtin),
		cmocka_unit_test(test_builtin_values),
		cmocka_unit_test(test_show_round_trip),
		cmocka_unit_test(test_canonical_form),
		cmocka_unit_test(test_example_overrides_defaults),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_malformed_files),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_contradiction_with_default),
		cmocka_unit_test(test_subject_expand),
		cmocka_unit_test(test_crl_schedule),
		cmocka_unit_test(test_integrity),
		cmocka_unit_test(test_ocsp_publication),
	};

	return cmocka_run_group_tests_name("policy-load", tests, NULL, NULL);
}
