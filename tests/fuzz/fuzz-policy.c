/*
 * Fuzz the policy loader: any bytes must give either a policy or an error
 * with a position and a message, never a crash, a leak or undefined
 * behaviour. A policy that loads and validates is then printed and run
 * through every decision, so the decisions see hostile-but-valid values.
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-policy-run FUZZ_SECONDS=300
 * Replay build (-DPOL_FUZZ_REPLAY, run by "make check"): a plain main that
 * feeds every file of the seed corpus and of tests/policy/bad through the
 * same entry point and prints TAP.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/decide.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct pol_policy *pol)
{
	struct pol_card_state card = { .serial = "0412345678901234", .holder_id = "1",
				       .orgs = { "FXX01" }, .norgs = 1,
				       .cert_not_after = 1800000000, .card_issued_at = 1700000000,
				       .renewals = 2, .self_renewals = 1, .locked = true,
				       .passcode_changed_at = 1790000000,
				       .contacts = POL_CONTACT_EMAIL, .tac = true };
	struct pol_actor actor = { "2", POL_ROLE_PHARMACIST | POL_ROLE_SPONSOR, "FXX01", false };
	struct pol_actor agent = { "3", POL_ROLE_RA_AGENT, "Y1", false };
	struct pol_passcode_rules rules;
	struct pol_decision d;
	struct pol_due due;
	FILE *null = fopen("/dev/null", "w");
	int64_t t;

	if (null != NULL) {
		pol_policy_write(pol, null);
		fclose(null);
	}
	for (t = 1790000000; t < 1810000000; t += 5000000) {
		pol_decide_self_renew(pol, &card, t, &d);
		pol_decide_assisted_renew(pol, &card, &agent, t, &d);
		pol_decide_repair(pol, &card, &agent, t, &d);
		pol_decide_tac_activate(pol, &card, &actor, t - 1790000000, &d);
		pol_due(pol, &card, t, &due);
	}
	pol_decide_unlock(pol, &card, &actor, &d);
	pol_decide_self_unlock(pol, &card, &d);
	pol_decide_passcode(pol, 6, &d);
	pol_decide_issue(pol, "1", &actor, &agent, &d);
	pol_passcode_rules(pol, &rules);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_policy *pol = NULL;
	struct pol_error err;
	int r;

	memset(&err, 0, sizeof(err));
	r = pol_policy_parse("fuzz", data, size, &pol, &err);
	if (r == POL_OK)
		r = pol_policy_validate(pol, &err);
	if (r == POL_OK) {
		exercise(pol);
	} else if (r != POL_ERR_NOMEM) {
		/* Every failure must explain itself: "fuzz:LINE:COL: ..." or "fuzz: ...". */
		if (strncmp(err.text, "fuzz:", 5) != 0 || err.message[0] == '\0')
			abort();
	}
	pol_policy_free(pol);
	return 0;
}

#ifdef POL_FUZZ_REPLAY
static int tap_n;

static int
replay_file(const char *path)
{
	static uint8_t buf[POL_FILE_MAX];
	FILE *fp = fopen(path, "rb");
	size_t len;

	if (fp == NULL) {
		printf("not ok %d - %s: cannot open\n", ++tap_n, path);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	printf("ok %d - %s\n", ++tap_n, path);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of @dir in name order; returns failures. */
static int
replay_dir(const char *top, const char *rel, int count_only)
{
	char path[4096], *names[512];
	struct dirent *e;
	size_t n = 0, i;
	int failed = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if ((d = opendir(path)) == NULL)
		return count_only ? 0 : 1;
	while ((e = readdir(d)) != NULL && n < 512)
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", top, rel, names[i]);
		if (!count_only)
			failed += replay_file(path);
		free(names[i]);
	}
	return count_only ? (int)n : failed;
}

static const char *const dirs[] = { "tests/fuzz/corpus-policy", "tests/policy/bad",
				    "policy/examples" };

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	int i, total = 0, failed = 0;

	if (argc > 1) {		/* explicit files, e.g. a crash reproducer */
		printf("1..%d\n", argc - 1);
		for (i = 1; i < argc; i++)
			failed += replay_file(argv[i]);
		return failed ? 1 : 0;
	}
	if (top == NULL)
		top = CC_TOP_SRCDIR;
	for (i = 0; i < (int)(sizeof(dirs) / sizeof(dirs[0])); i++)
		total += replay_dir(top, dirs[i], 1);
	printf("1..%d\n", total);
	for (i = 0; i < (int)(sizeof(dirs) / sizeof(dirs[0])); i++)
		failed += replay_dir(top, dirs[i], 0);
	return failed ? 1 : 0;
}
#endif
