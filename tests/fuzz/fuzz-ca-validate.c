/*
 * Fuzz the CA's input checks (ca/core/validate.c) and the policy's subject
 * template and URL rules they share: any bytes give CA_OK or a refusal,
 * never a crash, a leak or undefined behaviour, and what is accepted keeps
 * its promises (abort() otherwise, which libFuzzer reports):
 *   - an accepted name's NFC form is accepted again as is (normalising is
 *     idempotent, the stored form passes the builder's check), holds no
 *     control or NUL byte and at most 64 characters' worth of bytes;
 *   - an accepted URL is printable ASCII without spaces;
 *   - an accepted template has exactly one CN and it is {name}.
 *
 * libFuzzer build (not part of the default build), from the build tree:
 *     make fuzz-ca-validate-run FUZZ_SECONDS=300
 * Replay build (-DCA_FUZZ_REPLAY, run by "make check"): every file of
 * tests/fuzz/corpus-ca-validate through the same entry point, as TAP.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 4096

static void
check_name(const uint8_t *data, size_t size)
{
	char msg[256], *nfc = NULL, *again = NULL;
	size_t i, n;

	if (ca_check_name("name", (const char *)data, size, &nfc, msg, sizeof(msg)) != CA_OK)
		return;
	n = strlen(nfc);
	if (n == 0 || n > CA_NAME_MAX * 4)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)nfc[i] < 0x20 || nfc[i] == 0x7f)
			abort();
	if (ca_check_name("name", nfc, n, NULL, msg, sizeof(msg)) != CA_OK ||
	    ca_check_name("name", nfc, n, &again, msg, sizeof(msg)) != CA_OK ||
	    strcmp(again, nfc) != 0)
		abort();
	free(again);
	free(nfc);
}

static void
check_url(const char *s)
{
	char msg[256];
	size_t i;

	if (ca_check_url("url", s, msg, sizeof(msg)) != CA_OK)
		return;
	if (pol_url_check(s, NULL, 0) != POL_OK)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void
check_template(const char *s)
{
	struct pol_subject subj;
	char why[256];
	unsigned i, cn = 0;

	if (pol_subject_parse(s, &subj, why, sizeof(why)) != POL_OK)
		return;
	for (i = 0; i < subj.n; i++)
		if (strcmp(subj.attr[i].attr, "CN") == 0 &&
		    (cn++ > 0 || subj.attr[i].field != POL_SUBJECT_NAME))
			abort();
	if (cn != 1 || subj.n == 0 || subj.n > POL_SUBJECT_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[INPUT_MAX + 1];
	char msg[256];

	if (size > INPUT_MAX)
		size = INPUT_MAX;
	check_name(data, size);
	memcpy(s, data, size);
	s[size] = '\0';
	check_url(s);
	check_template(s);
	(void)ca_check_uuid(NULL, s, msg, sizeof(msg));
	(void)ca_check_ods(NULL, s, msg, sizeof(msg));
	(void)ca_check_email(NULL, s, msg, sizeof(msg));
	(void)ca_check_mobile(NULL, s, msg, sizeof(msg));
	return 0;
}

#ifdef CA_FUZZ_REPLAY
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_file(const char *path, int n)
{
	static uint8_t buf[INPUT_MAX];
	FILE *fp = fopen(path, "rb");
	size_t len;

	if (fp == NULL) {
		printf("not ok %d - %s: cannot open\n", n, path);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	printf("ok %d - %s\n", n, path);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[8192], *names[512];
	struct dirent *e;
	size_t n = 0, i;
	int failed = 0;
	DIR *d;

	if (argc > 1) {		/* explicit files, e.g. a crash reproducer */
		printf("1..%d\n", argc - 1);
		for (i = 1; i < (size_t)argc; i++)
			failed += replay_file(argv[i], (int)i);
		return failed ? 1 : 0;
	}
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus-ca-validate",
		 top != NULL ? top : CC_TOP_SRCDIR);
	if ((d = opendir(dir)) == NULL) {
		printf("1..1\nnot ok 1 - %s: cannot open\n", dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL && n < 512)
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		failed += replay_file(path, (int)i + 1);
		free(names[i]);
	}
	return failed ? 1 : 0;
}
#endif
