/*
 * card-guard.c: the installation's rollback records (contract in
 * card-guard.h). One small text file per card serial, so a record can be
 * read, audited and (by an administrator) removed with ordinary tools.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-guard.h"
#include "pkcs11/card-image.h"
#include "common/fileio.h"
#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_DIR	"/generations"
#define RECORD_MAX	32	/* "18446744073709551615\n" fits */

struct cc_card_guard {
	char *dir;		/* STATE_DIR/generations */
};

CK_RV
cc_card_guard_new(const char *state_dir, struct cc_card_guard **out)
{
	struct cc_card_guard *g;

	if (state_dir == NULL || state_dir[0] != '/' || out == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return CKR_HOST_MEMORY;
	if (asprintf(&g->dir, "%s" RECORD_DIR, state_dir) < 0) {
		free(g);
		return CKR_HOST_MEMORY;
	}
	*out = g;
	return CKR_OK;
}

void
cc_card_guard_free(struct cc_card_guard *g)
{
	if (g == NULL)
		return;
	free(g->dir);
	free(g);
}

static CK_RV
record_path(const struct cc_card_guard *g, const char *serial, char *buf, size_t size)
{
	if (g == NULL || !cc_card_serial_valid(serial))
		return CKR_ARGUMENTS_BAD;
	if (snprintf(buf, size, "%s/%s", g->dir, serial) >= (int)size)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

/* Exactly decimal digits and one newline; anything else is a damaged record. */
static bool
parse_record(const unsigned char *buf, size_t len, uint64_t *gen)
{
	uint64_t v = 0;
	size_t i;

	if (len < 2 || len > 21 || buf[len - 1] != '\n')
		return false;
	for (i = 0; i < len - 1; i++) {
		if (buf[i] < '0' || buf[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	*gen = v;
	return true;
}

CK_RV
cc_card_guard_get(const struct cc_card_guard *g, const char *serial, uint64_t *gen)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	CK_RV rv;
	int r;

	if ((rv = record_path(g, serial, path, sizeof(path))) != CKR_OK)
		return rv;
	r = util_file_read_all(path, RECORD_MAX, &buf, &len);
	if (r == -ENOENT) {
		*gen = 0;
		return CKR_OK;
	}
	if (r == -ENOMEM)
		return CKR_HOST_MEMORY;
	if (r < 0 || !parse_record(buf, len, gen)) {
		util_log(LOG_ERR, "%s: rollback record unreadable or damaged%s%s: refusing the "
			 "card until an administrator checks it", path, r < 0 ? ": " : "",
			 r < 0 ? strerror(-r) : "");
		rv = CKR_DEVICE_ERROR;
	}
	free(buf);
	return rv;
}

CK_RV
cc_card_guard_put(const struct cc_card_guard *g, const char *serial, uint64_t gen)
{
	char path[PATH_MAX], line[RECORD_MAX];
	uint64_t have = 0;
	CK_RV rv;
	int r, n;

	if ((rv = record_path(g, serial, path, sizeof(path))) != CKR_OK)
		return rv;
	if ((rv = cc_card_guard_get(g, serial, &have)) != CKR_OK)
		return rv;
	if (have >= gen)
		return CKR_OK;	/* records only ever go up */
	if ((r = util_mkdir_p(g->dir, 0700)) < 0) {
		util_log(LOG_ERR, "%s: cannot create the rollback record directory: %s", g->dir,
			 strerror(-r));
		return CKR_DEVICE_ERROR;
	}
	n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)gen);
	if ((r = util_file_write_atomic(path, line, (size_t)n, 0600)) < 0) {
		util_log(LOG_ERR, "%s: cannot write the rollback record: %s", path, strerror(-r));
		return r == -ENOSPC || r == -EDQUOT ? CKR_DEVICE_MEMORY : CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

CK_RV
cc_card_guard_lock(const struct cc_card_guard *g, const char *serial, int *fd)
{
	char path[PATH_MAX];
	CK_RV rv;
	int r;

	if ((rv = record_path(g, serial, path, sizeof(path))) != CKR_OK)
		return rv;
	if ((r = util_mkdir_p(g->dir, 0700)) < 0) {
		util_log(LOG_ERR, "%s: cannot create the rollback record directory: %s", g->dir,
			 strerror(-r));
		return CKR_DEVICE_ERROR;
	}
	if ((rv = cc_card_lock(path, fd)) != CKR_OK)
		return rv;
	/* Every writer of the record holds this lock: a temporary left now is a dead one's. */
	util_file_remove_stale_temps(path);
	return CKR_OK;
}

CK_RV
cc_card_guard_check(const struct cc_card_guard *g, struct cc_card *card)
{
	uint64_t rec = 0;
	CK_RV rv;

	if (g == NULL || card == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_card_guard_get(g, card->serial, &rec)) != CKR_OK)
		return rv;
	card->record = rec;
	card->rolled_back = card->generation < rec;
	if (card->rolled_back)
		util_log(LOG_ERR, "card %s: image generation %llu is older than this "
			 "installation's record %llu (%s/%s): refused as a rollback; an SO can "
			 "re-initialise the card", card->serial,
			 (unsigned long long)card->generation, (unsigned long long)rec, g->dir,
			 card->serial);
	return CKR_OK;
}
