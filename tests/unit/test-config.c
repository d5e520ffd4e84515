/*
 * Unit tests for the module configuration loader (pkcs11/config.c): the
 * built-in defaults, a complete good file, the passcode rules taken from
 * the policy it points at, and bad files (or bad policies) that must each
 * fail with exactly one "FILE:LINE:COLUMN: message" log line.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pkcs11/config.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

struct fx {
	char dir[256];
	char log[512];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-config.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	setenv("CARECARD_LOG_FILE", fx->log, 1);
	unsetenv("CARECARD_CONF");
	setenv("HOME", "/home/tester", 1);
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_STATE_HOME");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	unlink(fx->log);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static const char *
data_dir(void)
{
	const char *top = getenv("top_srcdir");

	return top != NULL && top[0] != '\0' ? top : TOP_SRCDIR;
}

static void
data_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/tests/data/config/%s", data_dir(), name);
}

/* The whole log; the test fails if it is not exactly one line. */
static void
read_one_log_line(const struct fx *fx, char *buf, size_t size)
{
	FILE *f = fopen(fx->log, "r");
	size_t n;
	char *nl;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, "");	/* exactly one line */
	*nl = '\0';
}

static void
test_defaults(void **state)
{
	struct cc_config *conf = NULL;

	assert_int_equal(cc_config_load_file(NULL, &conf), CKR_OK);
	assert_string_equal(conf->source, "(built-in defaults)");
	assert_int_equal(conf->nreaders, 2);
	assert_string_equal(conf->readers[0].name, "Carecard Reader 1");
	assert_string_equal(conf->readers[1].name, "Carecard Reader 2");
	assert_string_equal(conf->readers[0].dir,
			    "/home/tester/.local/share/carecard/readers/reader-1");
	assert_string_equal(conf->readers[1].dir,
			    "/home/tester/.local/share/carecard/readers/reader-2");
	/* No policy named: the NHS rules (installed nhs.yaml or built in). */
	assert_int_equal(conf->passcode.min_len, 4);
	assert_int_equal(conf->passcode.max_len, 8);
	assert_int_equal(conf->passcode.max_tries, 3);
	assert_int_equal(conf->passcode.max_age, 90 * 86400);
	assert_int_equal(conf->passcode.warn_before, 14 * 86400);
	assert_non_null(conf->policy_source);
	assert_int_equal(conf->so_max_tries, 3);
	/* The NHS policy's passcode.kdf: scrypt 2^16 / 8 / 1. */
	assert_int_equal(conf->kdf.n, 65536);
	assert_int_equal(conf->kdf.r, 8);
	assert_int_equal(conf->kdf.p, 1);
	assert_false(conf->kdf_test_override);
	assert_false(conf->signing_always_authenticate);
	assert_null(conf->policy_path);
	assert_string_equal(conf->state_dir, "/home/tester/.local/state/carecard");
	cc_config_free(conf);

	setenv("XDG_DATA_HOME", "/srv/data", 1);
	setenv("XDG_STATE_HOME", "/srv/state", 1);
	assert_int_equal(cc_config_load_file(NULL, &conf), CKR_OK);
	assert_string_equal(conf->readers[1].dir, "/srv/data/carecard/readers/reader-2");
	assert_string_equal(conf->state_dir, "/srv/state/carecard");
	cc_config_free(conf);
	unsetenv("XDG_STATE_HOME");
	setenv("XDG_DATA_HOME", "relative", 1);	/* ignored per the XDG spec */
	assert_int_equal(cc_config_load_file(NULL, &conf), CKR_OK);
	assert_string_equal(conf->readers[0].dir,
			    "/home/tester/.local/share/carecard/readers/reader-1");
	cc_config_free(conf);
	cc_config_free(NULL);
}

static void
test_good_file(void **state)
{
	struct cc_config *conf = NULL;
	char path[PATH_MAX], policy[PATH_MAX];

	data_path(path, sizeof(path), "good.yaml");
	data_path(policy, sizeof(policy), "good-policy.yaml");
	setenv("CARECARD_CONF", path, 1);
	assert_int_equal(cc_config_load(&conf), CKR_OK);
	assert_string_equal(conf->source, path);
	assert_int_equal(conf->nreaders, 2);
	assert_string_equal(conf->readers[0].name, "Desk reader");
	assert_string_equal(conf->readers[0].dir, "/var/lib/carecard/desk");
	assert_string_equal(conf->readers[1].name, "Ward 7 reader");
	assert_string_equal(conf->readers[1].dir, "/home/tester/cards/ward7");
	/* From good-policy.yaml, named relative to good.yaml's directory. */
	assert_int_equal(conf->passcode.min_len, 6);
	assert_int_equal(conf->passcode.max_len, 12);
	assert_int_equal(conf->passcode.max_tries, 5);
	assert_int_equal(conf->passcode.max_age, 90 * 86400);
	assert_int_equal(conf->passcode.warn_before, 14 * 86400);
	assert_int_equal(conf->so_max_tries, 4);
	/* The KDF of new passcodes is the policy's passcode.kdf. */
	assert_int_equal(conf->kdf.n, 32768);
	assert_int_equal(conf->kdf.r, 8);
	assert_int_equal(conf->kdf.p, 2);
	assert_false(conf->kdf_test_override);
	assert_true(conf->signing_always_authenticate);
	assert_string_equal(conf->policy_path, policy);
	assert_string_equal(conf->policy_source, policy);
	assert_string_equal(conf->state_dir, "/home/tester/carecard-state");
	cc_config_free(conf);
}

/*
 * `kdf:` in the module config: a test switch that exists only in builds
 * configured with --enable-test-hooks (it overrides the policy's KDF below
 * its lower bound); a release build refuses it, pointing at the policy.
 */
static void
test_kdf_switch(void **state)
{
	struct fx *fx = *state;
	struct cc_config *conf = NULL;
	char path[PATH_MAX], line[2048], want[PATH_MAX + 64];

	data_path(path, sizeof(path), "kdf-override.yaml");
#ifdef CC_TEST_HOOKS
	assert_int_equal(cc_config_load_file(path, &conf), CKR_OK);
	assert_true(conf->kdf_test_override);
	assert_int_equal(conf->kdf.n, 1024);
	assert_int_equal(conf->kdf.r, 8);
	assert_int_equal(conf->kdf.p, 2);
	cc_config_free(conf);
#else
	assert_int_equal(cc_config_load_file(path, &conf), CKR_GENERAL_ERROR);
	assert_null(conf);
	read_one_log_line(fx, line, sizeof(line));
	snprintf(want, sizeof(want), "%s:2:1: kdf: 'kdf' is no longer a module setting", path);
	if (strstr(line, want) == NULL || strstr(line, "passcode.kdf") == NULL)
		fail_msg("got log line '%s', want '%s...'", line, want);
#endif
	(void)fx;
	(void)line;
	(void)want;
}

static void
test_empty_and_durations(void **state)
{
	struct cc_config *conf = NULL;
	char path[PATH_MAX];

	data_path(path, sizeof(path), "empty.yaml");
	assert_int_equal(cc_config_load_file(path, &conf), CKR_OK);
	assert_int_equal(conf->nreaders, 2);
	assert_int_equal(conf->passcode.max_tries, 3);
	cc_config_free(conf);
	/* Durations are the policy's ("2y" = 730 days); unset keys keep NHS values. */
	data_path(path, sizeof(path), "durations.yaml");
	assert_int_equal(cc_config_load_file(path, &conf), CKR_OK);
	assert_int_equal(conf->passcode.max_age, 2 * 365 * 86400);
	assert_int_equal(conf->passcode.warn_before, 12 * 3600);
	assert_int_equal(conf->passcode.max_tries, 3);
	assert_int_equal(conf->passcode.min_len, 4);
	cc_config_free(conf);
}

/* A bad or missing policy fails the load with the policy loader's message. */
static void
test_bad_policy(void **state)
{
	struct fx *fx = *state;
	struct cc_config *conf = NULL;
	char path[PATH_MAX], policy[PATH_MAX], line[2048], want[PATH_MAX + 64];

	data_path(path, sizeof(path), "bad-policy.yaml");
	data_path(policy, sizeof(policy), "bad-policy-min-max.yaml");
	assert_int_equal(cc_config_load_file(path, &conf), CKR_GENERAL_ERROR);
	assert_null(conf);
	read_one_log_line(fx, line, sizeof(line));
	snprintf(want, sizeof(want), "%s:3:3: passcode.min-length: ", policy);
	if (strstr(line, want) == NULL || strstr(line, "greater than max-length") == NULL)
		fail_msg("got log line '%s', want '%s...'", line, want);

	unlink(fx->log);
	data_path(path, sizeof(path), "bad-policy-missing.yaml");
	assert_int_equal(cc_config_load_file(path, &conf), CKR_GENERAL_ERROR);
	assert_null(conf);
	read_one_log_line(fx, line, sizeof(line));
	assert_non_null(strstr(line, "/nonexistent/carecard-policy.yaml: cannot read"));
}

static void
test_missing_file(void **state)
{
	struct fx *fx = *state;
	struct cc_config *conf = NULL;
	char line[1024];

	setenv("CARECARD_CONF", "/nonexistent/carecard.yaml", 1);
	assert_int_equal(cc_config_load(&conf), CKR_GENERAL_ERROR);
	assert_null(conf);
	read_one_log_line(fx, line, sizeof(line));
	assert_non_null(strstr(line, "/nonexistent/carecard.yaml: cannot read: No such file"));
}

static const struct {
	const char *file;
	const char *where;	/* "LINE:COLUMN" */
	const char *msg;
} bad[] = {
	{ "bad-unknown-key.yaml", "4:5", "readers[0].directroy: unknown key 'directroy' (did "
	  "you mean 'directory'?)" },
	{ "bad-type.yaml", "1:15", "so-max-tries: expected a whole number, not 'three'" },
	{ "bad-range.yaml", "1:15", "so-max-tries: must be between 1 and 255, not 0" },
	{ "bad-passcode.yaml", "4:1", "'passcode' is no longer a module setting: the passcode "
	  "rules (passcode.*: min-length, max-length, max-tries, max-age, warning, kdf) now "
	  "live in the policy file" },
	{ "bad-syntax.yaml", "4:13", "YAML syntax: did not find expected ',' or ']'" },
	{ "bad-relative-dir.yaml", "2:5", "must be absolute" },
#ifdef CC_TEST_HOOKS
	{ "bad-kdf.yaml", "2:3", "kdf: kdf out of range" },
#else
	{ "bad-kdf.yaml", "1:1", "kdf: 'kdf' is no longer a module setting" },
#endif
	{ "bad-quoted-int.yaml", "1:15", "expected a whole number, not the quoted text '4'" },
	{ "bad-duplicate.yaml", "2:1", "duplicate key 'so-max-tries'" },
	{ "bad-readers-type.yaml", "1:10", "readers: expected a list of readers, got a scalar" },
	{ "bad-reader-missing-dir.yaml", "2:5", "needs both 'name' and 'directory'" },
	{ "bad-two-documents.yaml", "2:1", "a configuration file holds one YAML document; "
	  "found a second" },
	{ "bad-root-list.yaml", "1:1", "expected a mapping" },
	{ "bad-state-dir.yaml", "1:18", "state-directory: state directory 'var/carecard' must be "
	  "absolute" },
};

static void
test_bad_files(void **state)
{
	struct fx *fx = *state;
	struct cc_config *conf = NULL;
	char path[PATH_MAX], line[2048], want[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unlink(fx->log);
		data_path(path, sizeof(path), bad[i].file);
		assert_int_equal(cc_config_load_file(path, &conf), CKR_GENERAL_ERROR);
		assert_null(conf);
		read_one_log_line(fx, line, sizeof(line));
		snprintf(want, sizeof(want), "%s:%s: ", path, bad[i].where);
		if (strstr(line, want) == NULL || strstr(line, bad[i].msg) == NULL)
			fail_msg("%s: got log line '%s', want '%s...%s'", bad[i].file, line,
				 want, bad[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kdf_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_durations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_policy, setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
