/*
 * ca/registry/unlock.c: see registry-unlock.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-unlock.h"

int
ca_reg_unblock_put(struct ca_reg *reg, const char *serial, const unsigned char *sealed,
		   size_t len, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO card_unblock (serial, sealed, created)"
			     " VALUES (?, ?, ?) ON CONFLICT (serial) DO UPDATE"
			     " SET sealed = excluded.sealed, created = excluded.created", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	db_bind_blob(st, 2, sealed, len);
	db_bind_int64(st, 3, now);
	r = ca_reg_step_done(reg, st, "record sealed card key");
	ca_reg_done(st);
	return r;
}

int
ca_reg_unblock_get(struct ca_reg *reg, const char *serial, unsigned char **sealed, size_t *len)
{
	struct db_stmt *st = NULL;
	unsigned char *buf;
	int r, n;

	if ((r = ca_reg_prep(reg, "SELECT sealed FROM card_unblock WHERE serial = ?", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, serial);
	if ((r = ca_reg_step_row(reg, st, "sealed card key")) != CA_OK)
		goto out;
	n = db_col_bytes(st, 0);
	if (n <= 0 || (buf = malloc((size_t)n)) == NULL) {
		r = n <= 0 ? CA_ERR_NOT_FOUND : CA_ERR_ALLOC;
		goto out;
	}
	memcpy(buf, db_col_blob(st, 0), (size_t)n);
	*sealed = buf;
	*len = (size_t)n;
out:
	ca_reg_done(st);
	return r;
}

/* One count(*) with two bound values (NULL @text: only @since). */
static int
count(struct ca_reg *reg, const char *sql, const char *text, int64_t since, int64_t *out)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, sql, &st)) != CA_OK)
		return r;
	db_bind_int64(st, 1, since);
	if (text != NULL)
		ca_reg_bind_text(st, 2, text);
	if ((r = ca_reg_step_row(reg, st, "count unlock codes")) == CA_OK)
		*out = db_col_int64(st, 0);
	ca_reg_done(st);
	return r;
}

int
ca_reg_unlock_sends(struct ca_reg *reg, const char *card, const char *address, int64_t since,
		    struct ca_unlock_sends *out)
{
	struct ca_unlock_sends n = { 0, 0, 0 };
	int r;

	if ((r = count(reg, "SELECT count(*) FROM unlock_codes WHERE created >= ?1 AND card = ?2",
		       card, since, &n.card)) != CA_OK ||
	    (r = count(reg, "SELECT count(*) FROM unlock_codes WHERE created >= ?1"
		       " AND address = ?2", address, since, &n.address)) != CA_OK ||
	    (r = count(reg, "SELECT count(*) FROM unlock_codes WHERE created >= ?1", NULL, since,
		       &n.all)) != CA_OK)
		return r;
	*out = n;
	return CA_OK;
}

int
ca_reg_unlock_code_add(struct ca_reg *reg, struct ca_unlock_code *c)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE unlock_codes SET state = 'superseded'"
			     " WHERE card = ? AND purpose = ? AND state = 'open'", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, c->card);
	ca_reg_bind_text(st, 2, c->purpose);
	r = ca_reg_step_done(reg, st, "supersede unlock codes");
	ca_reg_done(st);
	if (r != CA_OK)
		return r;
	if ((r = ca_reg_prep(reg, "INSERT INTO unlock_codes (card, channel, address, code_mac,"
			     " created, expires, tries_left, purpose) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			     " RETURNING id",
			     &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, c->card);
	ca_reg_bind_text(st, 2, c->channel);
	ca_reg_bind_text(st, 3, c->address);
	db_bind_blob(st, 4, c->mac, sizeof(c->mac));
	db_bind_int64(st, 5, c->created);
	db_bind_int64(st, 6, c->expires);
	db_bind_int64(st, 7, c->tries_left);
	ca_reg_bind_text(st, 8, c->purpose);
	r = ca_reg_step_id(reg, st, "record unlock code", &c->id);
	ca_reg_done(st);
	return r;
}

int
ca_reg_unlock_code_open(struct ca_reg *reg, const char *card, const char *purpose,
			struct ca_unlock_code *out)
{
	struct db_stmt *st = NULL;
	const char *addr;
	int r;

	if ((r = ca_reg_prep(reg, "SELECT id, channel, address, code_mac, created, expires,"
			     " tries_left FROM unlock_codes WHERE card = ? AND purpose = ?"
			     " AND state = 'open' ORDER BY id DESC LIMIT 1", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, card);
	ca_reg_bind_text(st, 2, purpose);
	if ((r = ca_reg_step_row(reg, st, "open unlock code")) != CA_OK)
		goto out;
	addr = (const char *)db_col_text(st, 2);
	if (db_col_bytes(st, 3) != (int)sizeof(out->mac) || addr == NULL ||
	    strlen(addr) >= sizeof(out->address) || strlen(card) >= sizeof(out->card)) {
		r = CA_ERR_DB;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->id = db_col_int64(st, 0);
	snprintf(out->card, sizeof(out->card), "%s", card);
	out->purpose = strcmp(purpose, "contact") == 0 ? "contact" : "unlock";
	out->channel = strcmp((const char *)db_col_text(st, 1), "sms") == 0 ? "sms"
										   : "email";
	snprintf(out->address, sizeof(out->address), "%s", addr);
	memcpy(out->mac, db_col_blob(st, 3), sizeof(out->mac));
	out->created = db_col_int64(st, 4);
	out->expires = db_col_int64(st, 5);
	out->tries_left = db_col_int(st, 6);
out:
	ca_reg_done(st);
	return r;
}

int
ca_reg_unlock_code_settle(struct ca_reg *reg, int64_t id, const char *state, int tries_left)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "UPDATE unlock_codes SET state = ?, tries_left = ?"
			     " WHERE id = ? AND state = 'open'", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, state);
	db_bind_int64(st, 2, tries_left);
	db_bind_int64(st, 3, id);
	if ((r = ca_reg_step_done(reg, st, "settle unlock code")) == CA_OK &&
	    db_changes(reg->db) != 1)
		r = CA_ERR_STATE;	/* settled meanwhile by another request */
	ca_reg_done(st);
	return r;
}
