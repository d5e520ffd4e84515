/*
 * ca/registry/holds.c: see registry-hold.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "ca/core/error.h"
#include "ca/registry/registry-hold.h"
#include "ca/registry/registry-int.h"

/* RFC 5280 5.3.1: removeFromCRL, only in delta CRLs. */
#define REASON_REMOVE_FROM_CRL 8

int
ca_reg_cert_hold(struct ca_reg *reg, const char *serial, int64_t when)
{
	return ca_reg_cert_revoke(reg, serial, CA_REG_REASON_HOLD, when);
}

int
ca_reg_cert_release(struct ca_reg *reg, const char *serial, int64_t when)
{
	struct ca_cert_rec c = { 0 };
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_cert_get(reg, serial, &c)) != CA_OK)
		return r;
	if (c.status != CA_CERT_HELD) {
		r = CA_ERR_STATE;
		goto out;
	}
	if ((r = ca_reg_prep(reg, "INSERT INTO cert_releases (serial, issuer, held_at,"
			     " released_at) VALUES (?, ?, ?, ?)", &st)) != CA_OK)
		goto out;
	ca_reg_bind_text(st, 1, c.serial);
	ca_reg_bind_text(st, 2, c.issuer);
	db_bind_int64(st, 3, c.revoked_at);
	db_bind_int64(st, 4, when);
	r = ca_reg_step_done(reg, st, "record release");
	ca_reg_done(st);
	st = NULL;
	if (r != CA_OK)
		goto out;
	if ((r = ca_reg_prep(reg, "UPDATE certificates SET status = 'valid',"
			     " revocation_reason = NULL, revocation_time = NULL"
			     " WHERE serial = ? AND status = 'revoked' AND revocation_reason = 6",
			     &st)) != CA_OK)
		goto out;
	ca_reg_bind_text(st, 1, c.serial);
	if ((r = ca_reg_step_done(reg, st, "release")) == CA_OK && db_changes(reg->db) != 1)
		r = CA_ERR_STATE;
out:
	ca_reg_done(st);
	ca_cert_rec_clear(&c);
	return r;
}

int
ca_reg_released_foreach(struct ca_reg *reg, const char *issuer, int64_t since,
			ca_reg_revoked_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int rc, r;

	/* One entry per certificate (the latest release), only if it is valid
	 * now: held again since, it is on the delta as held instead. */
	if ((r = ca_reg_prep(reg, "SELECT x.serial, max(x.released_at) FROM cert_releases x"
			     " JOIN certificates c ON c.serial = x.serial"
			     " WHERE x.issuer = ?1 AND x.released_at >= ?2 AND x.held_at <= ?2"
			     " AND c.status = 'valid' GROUP BY x.serial", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, issuer);
	db_bind_int64(st, 2, since);
	while ((rc = db_step(st)) == DB_ROW) {
		r = cb(arg, (const char *)db_col_text(st, 0),
		       db_col_int64(st, 1), REASON_REMOVE_FROM_CRL);
		if (r != 0)
			goto out;
	}
	r = rc == DB_DONE ? CA_OK : ca_reg_fail(reg, "released certificates");
out:
	ca_reg_done(st);
	return r;
}

int
ca_reg_card_held(struct ca_reg *reg, const char *card, char **serial)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT serial FROM certificates WHERE card = ?"
			     " AND status = 'revoked' AND revocation_reason = 6"
			     " ORDER BY not_before DESC, rowid DESC LIMIT 1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, card);
	if ((r = ca_reg_step_row(reg, st, "held certificate")) == CA_OK)
		r = ca_reg_col_dup(st, 0, serial);
	ca_reg_done(st);
	return r;
}

int
ca_reg_cert_superseded(struct ca_reg *reg, const char *serial, bool *newer)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT EXISTS (SELECT 1 FROM certificates n"
			     " JOIN certificates o ON o.serial = ?1"
			     " WHERE n.card = o.card AND n.profile = o.profile"
			     " AND n.rowid > o.rowid AND (n.status = 'valid' OR"
			     " n.revocation_reason = 6))", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "superseded")) == CA_OK)
		*newer = db_col_int(st, 0) != 0;
	ca_reg_done(st);
	return r;
}
