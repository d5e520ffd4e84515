/* Shared fixture of the card store unit tests (test-card-image-fixture.h). */
#include "config.h"

#include <limits.h>
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

#include <openssl/err.h>
#include <openssl/evp.h>

#include "tests/unit/test-card-image-fixture.h"

const struct cc_kdf_params fast_kdf = { .n = 1024, .r = 8, .p = 1 };

int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-card-image.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/card.card", fx->dir);
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	setenv("CARECARD_LOG_FILE", fx->log, 1);
	*state = fx;
	return 0;
}

int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[PATH_MAX + 16];
	int r;

	/* Every test must leave the OpenSSL error queue empty. */
	r = ERR_peek_error() == 0 ? 0 : -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		r = -1;
	free(fx);
	return r;
}

bool
log_has(const struct fx *fx, const char *needle)
{
	char buf[65536];
	FILE *f = fopen(fx->log, "r");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

unsigned char *
read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

void
write_file(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void
fix_checksum(unsigned char *buf, size_t len)
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(buf, len - 32, buf + len - 32, &n, EVP_sha256(), NULL), 1);
}

void
make_card(const struct fx *fx, struct cc_card_key *key)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;

	assert_int_equal(cc_card_manufacture(fx->path, SERIAL), CKR_OK);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	card = cc_card_txn_card(txn);
	assert_int_equal(cc_card_init_token(card, (const unsigned char *)SO_PIN, strlen(SO_PIN),
					    "Test card", 3, &fast_kdf, key), CKR_OK);
	assert_int_equal(cc_card_set_user_pin(card, key, (const unsigned char *)USER_PIN,
					      strlen(USER_PIN), 3, 1000, &fast_kdf), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, key), CKR_OK);
}

