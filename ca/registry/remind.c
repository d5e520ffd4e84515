/*
 * ca/registry/remind.c: see registry-remind.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/error.h"
#include "ca/registry/registry-int.h"
#include "ca/registry/registry-remind.h"

void
ca_reminders_free(struct ca_reminder *r, size_t n)
{
	size_t i;

	for (i = 0; r != NULL && i < n; i++) {
		free(r[i].email);
		free(r[i].mobile);
	}
	free(r);
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

int
ca_reg_reminders_due(struct ca_reg *reg, int64_t now, int64_t window, size_t max,
		     struct ca_reminder **out, size_t *n)
{
	struct ca_reminder *v = NULL;
	struct db_stmt *st = NULL;
	size_t k = 0;
	int rc, r = CA_OK;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return CA_OK;
	if ((v = calloc(max, sizeof(*v))) == NULL)
		return CA_ERR_ALLOC;
	if ((r = ca_reg_prep(reg, "SELECT c.serial, c.card, k.holder, p.email, p.mobile,"
			     " c.not_after FROM certificates c"
			     " JOIN cards k ON k.serial = c.card AND k.state = 'issued'"
			     " JOIN people p ON p.uuid = k.holder"
			     " WHERE c.profile = 'authentication' AND c.status = 'valid'"
			     " AND c.not_after > ?1 AND c.not_after <= ?1 + ?2"
			     " AND (coalesce(p.email, '') <> '' OR coalesce(p.mobile, '') <> '')"
			     " AND NOT EXISTS (SELECT 1 FROM renewal_reminders m"
			     "   WHERE m.certificate = c.serial)"
			     " ORDER BY c.not_after LIMIT ?3", &st)) != CA_OK)
		goto out;
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, window);
	db_bind_int64(st, 3, (int64_t)max);
	while (k < max && (rc = db_step(st)) == DB_ROW) {
		copy(v[k].cert, sizeof(v[k].cert), db_col_text(st, 0));
		copy(v[k].card, sizeof(v[k].card), db_col_text(st, 1));
		copy(v[k].holder, sizeof(v[k].holder), db_col_text(st, 2));
		v[k].not_after = db_col_int64(st, 5);
		if ((r = ca_reg_col_dup(st, 3, &v[k].email)) != CA_OK ||
		    (r = ca_reg_col_dup(st, 4, &v[k].mobile)) != CA_OK) {
			k++;
			goto out;
		}
		k++;
	}
	if (k < max && rc != DB_DONE)
		r = ca_reg_fail(reg, "renewal reminders");
out:
	ca_reg_done(st);
	if (r != CA_OK) {
		ca_reminders_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return CA_OK;
}

int
ca_reg_reminder_sent(struct ca_reg *reg, const char *cert, const char *card, const char *channel,
		     int64_t when)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = ca_reg_prep(reg, "INSERT INTO renewal_reminders (certificate, card,"
			     " channel, sent) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", &st)) != CA_OK)
		return r;
	ca_reg_bind_text(st, 1, cert);
	ca_reg_bind_text(st, 2, card);
	ca_reg_bind_text(st, 3, channel);
	db_bind_int64(st, 4, when);
	r = ca_reg_step_done(reg, st, "record renewal reminder");
	ca_reg_done(st);
	return r;
}
