/*
 * Shared fixture of the card store unit tests (test-card-image.c,
 * test-card-image-txn.c): a temp directory with one image path, the log
 * file the store writes to, file helpers and a personalised card.
 */
#ifndef CC_TEST_CARD_IMAGE_FIXTURE_H
#define CC_TEST_CARD_IMAGE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "pkcs11/card-image.h"

#define SERIAL		"0412345678901234"
#define SO_PIN		"so-secret-1"
#define USER_PIN	"1234"
#define HDR_LEN		304	/* CARD-FORMAT.md: fixed header before the content */

extern const struct cc_kdf_params fast_kdf;	/* scrypt N=1024: keeps the tests quick */

struct fx {
	char dir[256];
	char path[512];		/* DIR/card.card */
	char log[512];
};

/* cmocka fixtures; teardown fails a test that left OpenSSL errors queued. */
int setup(void **state);
int teardown(void **state);

/* Does the log file contain @needle? */
bool log_has(const struct fx *fx, const char *needle);

unsigned char *read_file(const char *path, size_t *len);
void write_file(const char *path, const unsigned char *buf, size_t len);

/* Recompute the SHA-256 trailer so a deliberate edit passes the checksum. */
void fix_checksum(unsigned char *buf, size_t len);

/* Manufacture, initialise with the SO secret, set the user PIN; *key = card key. */
void make_card(const struct fx *fx, struct cc_card_key *key);

#endif
