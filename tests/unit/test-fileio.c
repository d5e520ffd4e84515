/*
 * Unit tests for common/fileio.c's batch of files (util_file_batch_*): a
 * name appears only after the commit, with its whole content and mode; a
 * batch freed without a commit leaves nothing behind; bad names and
 * directories are refused before anything is written.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fileio.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-fileio.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Entries in the directory (without . and ..). */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void
test_batch_commit(void **state)
{
	struct util_file_batch *b = NULL;
	unsigned char *got = NULL;
	char path[128];
	struct stat st;
	size_t n;

	(void)state;
	assert_int_equal(util_file_batch_new(dir, &b), 0);
	assert_int_equal(util_file_batch_add(b, "a.pem", "alpha\n", 6, 0644), 0);
	assert_int_equal(util_file_batch_add(b, "b.pem", "beta\n", 5, 0600), 0);
	snprintf(path, sizeof(path), "%s/a.pem", dir);
	assert_int_equal(access(path, F_OK), -1);	/* not before the commit */
	assert_int_equal(util_file_batch_commit(b), 0);
	util_file_batch_free(b);
	assert_int_equal(util_file_read_all(path, 100, &got, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(got, "alpha\n", 6);
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	snprintf(path, sizeof(path), "%s/b.pem", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(entries(), 2);			/* no temporaries left */
}

static void
test_batch_without_commit_leaves_nothing(void **state)
{
	struct util_file_batch *b = NULL;

	(void)state;
	assert_int_equal(util_file_batch_new(dir, &b), 0);
	assert_int_equal(util_file_batch_add(b, "c.pem", "gamma\n", 6, 0644), 0);
	assert_int_equal(entries(), 1);			/* the temporary */
	util_file_batch_free(b);
	assert_int_equal(entries(), 0);
	assert_int_equal(util_file_batch_new(dir, &b), 0);
	assert_int_equal(util_file_batch_commit(b), 0);	/* empty: nothing to do */
	util_file_batch_free(b);
	util_file_batch_free(NULL);
	assert_int_equal(entries(), 0);
}

static void
test_batch_refusals(void **state)
{
	struct util_file_batch *b = NULL;
	char missing[128];

	(void)state;
	assert_int_equal(util_file_batch_new(dir, &b), 0);
	assert_int_equal(util_file_batch_add(b, "../escape.pem", "x", 1, 0644), -EINVAL);
	assert_int_equal(util_file_batch_add(b, "sub/x.pem", "x", 1, 0644), -EINVAL);
	util_file_batch_free(b);
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	assert_int_equal(util_file_batch_new(missing, &b), 0);
	assert_int_equal(util_file_batch_add(b, "x.pem", "x", 1, 0644), -ENOENT);
	assert_int_equal(util_file_batch_commit(b), 0);	/* nothing staged */
	util_file_batch_free(b);
	assert_int_equal(entries(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_without_commit_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_refusals, setup, teardown),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
