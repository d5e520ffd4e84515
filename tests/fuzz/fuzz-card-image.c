/*
 * Fuzz harness for the card image decoder (cc_card_decode).
 *
 * Each input is decoded twice: as is (exercises the envelope checks: magic,
 * version, length, checksum) and with its length field and SHA-256 trailer
 * repaired, so mutations reach the header and content parsers that the
 * checksum would otherwise shield. A decoded card is then walked the way the
 * module would (attributes, series, re-encode through a commit).
 *
 * Two builds of this one file:
 *
 *  - libFuzzer (not part of the normal build):
 *        make fuzz-card-image
 *        tests/fuzz/fuzz-card-image --write-seeds seeds/
 *        tests/fuzz/fuzz-card-image-libfuzzer -max_total_time=300 corpus/ seeds/
 *    The make rule (tests/store.mk) compiles the store sources with clang
 *    -fsanitize=fuzzer,address,undefined; STORE_FUZZ_CC / STORE_FUZZ_CFLAGS override.
 *
 *  - Standalone (CC_FUZZ_STANDALONE, built and run by `make check`): replays
 *    the files and directories given as arguments, or with no arguments
 *    builds seed images with the store itself (blank, personalised with
 *    objects) and replays them plus a fixed set of deterministic
 *    truncations and byte mutations. Output is TAP. --write-seeds DIR writes
 *    the seed images for libFuzzer.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <syslog.h>

#include "pkcs11/card-image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Millions of deliberately bad images would each send a line to syslog
 * through util_log(); the harness swallows them (the executable's
 * definition takes precedence over libc's).
 */
void
syslog(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

/* Touch everything a decoded card offers, as the module would. */
static void
walk(struct cc_card *card)
{
	size_t i, j, total = 0;

	total += cc_card_series(card);
	for (i = 0; i < card->nobjects; i++) {
		struct cc_stored_object *o = &card->objects[i];

		for (j = 0; j < o->nattrs; j++)
			total += o->attrs[j].len;
		if (cc_stored_object_attr(o, CKA_CLASS) != NULL)
			total++;
		if (cc_card_object_find(card, o->uid) != o)
			abort();	/* uids are unique: the decoder must guarantee it */
	}
	(void)total;
}

static void
decode_one(const uint8_t *data, size_t size)
{
	struct cc_card *card = NULL;

	if (cc_card_decode(data, size, "fuzz", &card) == CKR_OK) {
		walk(card);
		cc_card_free(card);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy;
	unsigned int n = 0;

	decode_one(data, size);
	if (size < 336 || size > CC_CARD_MAX_SIZE || (copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[12] = (unsigned char)(size >> 24);
	copy[13] = (unsigned char)(size >> 16);
	copy[14] = (unsigned char)(size >> 8);
	copy[15] = (unsigned char)size;
	if (EVP_Digest(copy, size - 32, copy + size - 32, &n, EVP_sha256(), NULL) == 1)
		decode_one(copy, size);
	free(copy);
	ERR_clear_error();
	return 0;
}

#ifdef CC_FUZZ_STANDALONE

static const struct cc_kdf_params fast_kdf = { .n = 1024, .r = 8, .p = 1 };
static int tap_n;

static void
tap_ok(const char *what)
{
	printf("ok %d - %s\n", ++tap_n, what);
	fflush(stdout);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rb");

	if (f != NULL && fstat(fileno(f), &st) == 0 && st.st_size <= (off_t)CC_CARD_MAX_SIZE * 2 &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL)
		*len = fread(buf, 1, (size_t)st.st_size, f);
	if (f != NULL)
		fclose(f);
	return buf;
}

/* Personalise the blank image at @path: SO, user PIN, a data object, a sealed key. */
static int
personalise(const char *path)
{
	static const unsigned char secret[] = "not really a PKCS#8 key";
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_LABEL, "seed", 4 } };
	struct cc_card_txn *txn = NULL;
	struct cc_card_key key;
	struct cc_card *card;
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	uint32_t uid;
	int r = -1;

	if (cc_card_txn_begin(path, &txn) != CKR_OK)
		return -1;
	card = cc_card_txn_card(txn);
	uid = cc_card_object_reserve_uid(card);
	if (cc_card_init_token(card, (const unsigned char *)"so", 2, "Seed", 3, &fast_kdf,
			       &key) == CKR_OK &&
	    cc_card_set_user_pin(card, &key, (const unsigned char *)"1234", 4, 3, 1, &fast_kdf) ==
	    CKR_OK &&
	    cc_card_object_add(card, 0, attrs, 2, NULL, 0) == CKR_OK &&
	    cc_card_seal(card, &key, uid = cc_card_object_reserve_uid(card), secret,
			 sizeof(secret), &sealed, &sealed_len) == CKR_OK &&
	    cc_card_object_add(card, uid, attrs, 1, sealed, sealed_len) == CKR_OK) {
		r = cc_card_txn_commit(txn, &key) == CKR_OK ? 0 : -1;
		txn = NULL;
	}
	cc_card_txn_abort(txn);
	cc_card_key_clear(&key);
	free(sealed);
	return r;
}

/* Seed images made by the store itself: [0] blank, [1] personalised. */
static int
make_seeds(unsigned char *seed[2], size_t len[2])
{
	char dir[] = "/tmp/fuzz-card-image.XXXXXX", a[64], b[64], lock[80];
	int r = -1;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(a, sizeof(a), "%s/a.card", dir);
	snprintf(b, sizeof(b), "%s/b.card", dir);
	snprintf(lock, sizeof(lock), "%s.lock", b);
	if (cc_card_manufacture(a, "0400000000000001") == CKR_OK &&
	    cc_card_manufacture(b, "0400000000000002") == CKR_OK && personalise(b) == 0 &&
	    (seed[0] = slurp(a, &len[0])) != NULL && (seed[1] = slurp(b, &len[1])) != NULL)
		r = 0;
	unlink(a);
	unlink(b);
	unlink(lock);
	rmdir(dir);
	return r;
}

/* Deterministic mutations: every truncation, and an LCG byte at every offset. */
static void
mutate(const unsigned char *seed, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	uint32_t lcg = 12345;
	size_t i;

	if (buf == NULL)
		abort();
	for (i = 0; i < len; i++)
		LLVMFuzzerTestOneInput(seed, i);
	for (i = 0; i < len; i++) {
		memcpy(buf, seed, len);
		lcg = lcg * 1103515245u + 12345u;
		buf[i] ^= (unsigned char)((lcg >> 16) | 1);
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
}

static int
builtin(void)
{
	unsigned char *seed[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	struct cc_card *card = NULL;
	int i;

	printf("1..5\n");
	if (make_seeds(seed, len) != 0) {
		printf("not ok 1 - seed images built by the store\n");
		return 1;
	}
	tap_ok("seed images built by the store");
	for (i = 0; i < 2; i++) {
		if (cc_card_decode(seed[i], len[i], "seed", &card) != CKR_OK) {
			printf("not ok %d - seed %d decodes\n", ++tap_n, i);
			return 1;
		}
		cc_card_free(card);
		tap_ok(i == 0 ? "blank seed decodes" : "personalised seed decodes");
	}
	for (i = 0; i < 2; i++) {
		mutate(seed[i], len[i]);
		tap_ok(i == 0 ? "blank seed: truncations and mutations survive"
			      : "personalised seed: truncations and mutations survive");
		free(seed[i]);
	}
	return 0;
}

static int
write_seeds(const char *dir)
{
	unsigned char *seed[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 }, i;
	char path[PATH_MAX];
	int r = 0;

	if (make_seeds(seed, len) != 0)
		return 1;
	mkdir(dir, 0700);
	for (i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%zu.card", dir, i);
		if ((f = fopen(path, "wb")) == NULL || fwrite(seed[i], 1, len[i], f) != len[i])
			r = 1;
		if (f != NULL && fclose(f) != 0)
			r = 1;
		free(seed[i]);
	}
	return r;
}

static void
replay(const char *path)
{
	struct stat st;
	char sub[PATH_MAX];
	unsigned char *buf;
	size_t len = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			replay(sub);
		}
		if (d != NULL)
			closedir(d);
		return;
	}
	if ((buf = slurp(path, &len)) == NULL) {
		printf("not ok %d - cannot read %s\n", ++tap_n, path);
		return;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++tap_n, path);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	if (argc == 1)
		return builtin();
	for (i = 1; i < argc; i++)
		replay(argv[i]);
	printf("1..%d\n", tap_n);
	return 0;
}

#endif /* CC_FUZZ_STANDALONE */
