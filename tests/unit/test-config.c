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
	assert_int_equal(conf->kdf.n, 16384);
	assert_int_equal(conf->kdf.r, 8);
	assert_int_equal(conf->kdf.p, 1);
	assert_false(conf->signing_always_authenticate);
	assert_null(conf->policy_path);
	cc_config_free(conf);

	setenv("XDG_DATA_HOME", "/srv/data", 1);
	assert_int_equal(cc_config_load_file(NULL, &conf), CKR_OK);
	assert_string_equal(conf->readers[1].dir, "/srv/data/carecard/readers/reader-2");
	cc_config_free(conf);
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
	assert_int_equal(conf->kdf.n, 1024);
	assert_int_equal(conf->kdf.p, 2);
	assert_true(conf->signing_always_authenticate);
	assert_string_equal(conf->policy_path, policy);
	assert_string_equal(conf->policy_source, policy);
	cc_config_free(conf);
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
	assert_non_null(strstr(line, "/nonexistent/carecard.yaml: cannot read configuration"));
}

static const struct {
	const char *file;
	const char *where;	/* "LINE:COLUMN" */
	const char *msg;
} bad[] = {
	{ "bad-unknown-key.yaml", "4:5", "unknown key 'directroy'" },
	{ "bad-type.yaml", "1:15", "expected an integer, got 'three'" },
	{ "bad-range.yaml", "1:15", "0 is out of range (1..255)" },
	{ "bad-passcode.yaml", "4:1", "'passcode' is no longer a module setting: the passcode "
	  "rules (passcode.*: min-length, max-length, max-tries, max-age, warning) now live in "
	  "the policy file" },
	{ "bad-syntax.yaml", "4:13", "YAML syntax error: did not find expected ',' or ']'" },
	{ "bad-relative-dir.yaml", "2:5", "must be absolute" },
	{ "bad-kdf.yaml", "2:3", "kdf out of range" },
	{ "bad-quoted-int.yaml", "1:15", "expected an integer" },
	{ "bad-duplicate.yaml", "2:1", "duplicate key 'so-max-tries'" },
	{ "bad-readers-type.yaml", "1:10", "expected a list of readers" },
	{ "bad-reader-missing-dir.yaml", "2:5", "needs both 'name' and 'directory'" },
	{ "bad-two-documents.yaml", "2:1", "only one YAML document is allowed" },
	{ "bad-root-list.yaml", "1:1", "expected a mapping" },
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
		cmocka_unit_test_setup_teardown(test_empty_and_durations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_policy, setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
