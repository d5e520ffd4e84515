/*
 * ca/ra/batch-check.c: the batch's all-rows check, the list of changes it
 * would make, and the one-transaction apply (batch.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/core/validate.h"
#include "ca/ra/batch.h"
#include "ca/registry/registry-ra.h"
#include "ca/registry/registry-update.h"

#define PROGRESS_EVERY 1000
#define REASON_MAX 200

/* Problems found, reported in line order at the end of the check. */
struct problems {
	struct problem {
		unsigned line, seq;
		char *msg;
	} *v;
	size_t n, cap;
	int oom;
};

static void problem(struct problems *pr, const struct ca_batch_row *row, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct problems *pr, const struct ca_batch_row *row, const char *fmt, ...)
{
	struct problem *v;
	va_list ap;
	char *msg = NULL;
	int n;

	if (pr->n == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 16;

		if ((v = reallocarray(pr->v, cap, sizeof(*v))) == NULL) {
			pr->oom = 1;
			return;
		}
		pr->v = v;
		pr->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		pr->oom = 1;
		return;
	}
	pr->v[pr->n].line = row->line;
	pr->v[pr->n].seq = (unsigned)pr->n;
	pr->v[pr->n++].msg = msg;
}

static int
cmp_problems(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Write them in line order, count them, free them. */
static int
problems_flush(struct problems *pr, FILE *errs, unsigned *nerrors)
{
	size_t i;

	if (pr->n > 0)
		qsort(pr->v, pr->n, sizeof(*pr->v), cmp_problems);
	for (i = 0; i < pr->n; i++) {
		fprintf(errs, "line %u: %s\n", pr->v[i].line, pr->v[i].msg);
		free(pr->v[i].msg);
	}
	*nerrors += (unsigned)pr->n;
	free(pr->v);
	return pr->oom ? CA_ERR_ALLOC : CA_OK;
}

static bool
given(const char *s)
{
	return s != NULL && *s != '\0';
}

/* The row on its own: action, identifiers, contact formats, reason. */
static void
row_format(struct ca_batch_row *row, struct problems *pr)
{
	bool position = given(row->role) || given(row->ods);
	const unsigned char *p;
	char msg[256];

	row->action = CA_BATCH_ADD;
	if (row->action_text != NULL && strcmp(row->action_text, "add") != 0) {
		if (strcmp(row->action_text, "update") == 0)
			row->action = CA_BATCH_UPDATE;
		else if (strcmp(row->action_text, "remove") == 0)
			row->action = CA_BATCH_REMOVE;
		else
			problem(pr, row, "action is add, update or remove (empty: add)");
	}
	if (ca_uuid_check(row->uuid) != CA_OK)
		problem(pr, row, "uuid '%s' is not 12 digits", row->uuid);
	if (ca_check_name("name", row->name, strlen(row->name), NULL, msg, sizeof(msg)) != CA_OK)
		problem(pr, row, "%s", msg);
	if (position || row->action != CA_BATCH_UPDATE) {
		if (ca_role_check(row->role) != CA_OK)
			problem(pr, row, "role '%s' is not lower-case letters, digits and '-'",
				row->role);
		if (ca_ods_check(row->ods) != CA_OK)
			problem(pr, row, "ODS code '%s' is not 1-15 upper-case letters and digits",
				row->ods);
	}
	if (row->email != NULL && ca_check_email("email", row->email, msg, sizeof(msg)) != CA_OK)
		problem(pr, row, "%s", msg);
	if (row->mobile != NULL && ca_check_mobile("mobile", row->mobile, msg, sizeof(msg)) != CA_OK)
		problem(pr, row, "%s", msg);
	for (p = (const unsigned char *)(row->reason != NULL ? row->reason : ""); *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			problem(pr, row, "reason: no control characters");
			break;
		}
	if (row->reason != NULL && strlen(row->reason) > REASON_MAX)
		problem(pr, row, "reason: at most %d bytes", REASON_MAX);
}

static int
dup_opt(const char *s, char **out)
{
	*out = NULL;
	return s == NULL || (*out = strdup(s)) != NULL ? CA_OK : CA_ERR_ALLOC;
}

/* The registry's facts for the row: the person, the organisation, the position. */
static int
row_registry(struct ca_reg *reg, struct ca_batch_row *row, struct problems *pr)
{
	struct ca_person p = { 0 };
	int r = given(row->ods) ? ca_reg_org_get(reg, row->ods, NULL, NULL) : CA_OK;

	if (r == CA_ERR_NOT_FOUND)
		problem(pr, row, "organisation %s is not registered: org-add it first", row->ods);
	else if (r != CA_OK)
		return r;
	if ((r = ca_reg_person_get(reg, row->uuid, &p)) == CA_ERR_NOT_FOUND)
		return CA_OK;
	if (r != CA_OK)
		return r;
	row->exists = 1;
	if ((r = dup_opt(p.name, &row->reg_name)) != CA_OK ||
	    (r = dup_opt(p.email, &row->reg_email)) != CA_OK ||
	    (r = dup_opt(p.mobile, &row->reg_mobile)) != CA_OK)
		goto out;
	if (given(row->role) && given(row->ods)) {
		r = ca_reg_position_has(reg, row->uuid, row->role, row->ods);
		row->held = r == CA_OK;
		r = r == CA_ERR_NOT_FOUND ? CA_OK : r;
	}
out:
	ca_person_clear(&p);
	return r;
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct ca_batch_row *x = *(const struct ca_batch_row *const *)a;
	const struct ca_batch_row *y = *(const struct ca_batch_row *const *)b;
	int c = strcmp(x->uuid, y->uuid);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static bool
same_opt(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A given contact that differs from the registry's. */
static bool
differs(const char *row, const char *reg)
{
	return row != NULL && (reg == NULL || strcmp(row, reg) != 0);
}

/* The rows v[first..end) of one person, against each other and the registry. */
static void
person_rows(struct ca_batch_row **v, size_t first, size_t end, struct problems *pr)
{
	struct ca_batch_row *f = v[first], *upd = NULL;
	bool reason = false;
	size_t i, k;

	for (i = first; i < end; i++) {
		if (i > first && (strcmp(v[i]->name, f->name) != 0 ||
				  !same_opt(v[i]->email, f->email) ||
				  !same_opt(v[i]->mobile, f->mobile)))
			problem(pr, v[i], "uuid %s has a different name, email or mobile on line %u",
				v[i]->uuid, f->line);
		for (k = first; k < i; k++)
			if (given(v[i]->role) && strcmp(v[k]->role, v[i]->role) == 0 &&
			    strcmp(v[k]->ods, v[i]->ods) == 0) {
				problem(pr, v[i], "repeats the position on line %u", v[k]->line);
				break;
			}
		if (v[i]->action == CA_BATCH_UPDATE && upd == NULL)
			upd = v[i];
		if (v[i]->action == CA_BATCH_UPDATE && given(v[i]->reason))
			reason = true;
	}
	if (!f->exists) {
		for (i = first; i < end; i++) {
			if (v[i]->action != CA_BATCH_ADD)
				problem(pr, v[i], "uuid %s is not registered: a new person comes in "
					"with action add", v[i]->uuid);
		}
		for (i = first; i < end && v[i]->action != CA_BATCH_ADD; i++)
			;
		if (i < end)
			v[i]->new_person = 1;
		return;
	}
	if (upd != NULL) {
		upd->does_update = 1;
		if (strcmp(f->name, f->reg_name) != 0 && !reason)
			problem(pr, upd, "renaming %s from '%s' needs the reason (a reason column: "
				"marriage, deed poll, correction)", f->uuid, f->reg_name);
	} else if (strcmp(f->name, f->reg_name) != 0) {
		problem(pr, f, "uuid %s is registered as '%s': to rename them, use action update "
			"with a reason", f->uuid, f->reg_name);
	} else if (differs(f->email, f->reg_email) || differs(f->mobile, f->reg_mobile)) {
		problem(pr, f, "uuid %s has another %s in the registry: to change it, use action "
			"update", f->uuid, differs(f->email, f->reg_email) ? "email" : "mobile");
	}
	for (i = first; i < end; i++)
		if (v[i]->action == CA_BATCH_REMOVE && !v[i]->held)
			problem(pr, v[i], "uuid %s does not hold %s@%s: nothing to remove",
				v[i]->uuid, v[i]->role, v[i]->ods);
}

static void
progress(const struct ca_batch *b, const char *phase, size_t done)
{
	if (b->progress != NULL && b->progress->fn != NULL &&
	    (done % PROGRESS_EVERY == 0 || done == b->n))
		b->progress->fn(b->progress->arg, phase, done, b->n);
}

int
ca_batch_check(struct ca_reg *reg, struct ca_batch *b, FILE *errs, unsigned *nerrors)
{
	struct problems pr = { NULL, 0, 0, 0 };
	struct ca_batch_row **v = NULL;
	size_t i, first;
	int r = CA_OK;

	if (b->n == 0)
		return CA_OK;
	if ((v = calloc(b->n, sizeof(*v))) == NULL)
		return CA_ERR_ALLOC;
	for (i = 0; i < b->n && r == CA_OK; i++) {
		size_t before = pr.n;

		v[i] = &b->rows[i];
		row_format(v[i], &pr);
		if (pr.n == before)	/* registry lookups only for well-formed rows */
			r = row_registry(reg, v[i], &pr);
		progress(b, "checked", i + 1);
	}
	if (r == CA_OK) {
		qsort(v, b->n, sizeof(*v), cmp_rows);
		for (first = 0, i = 1; i <= b->n; i++)
			if (i == b->n || strcmp(v[i]->uuid, v[first]->uuid) != 0) {
				person_rows(v, first, i, &pr);
				first = i;
			}
	}
	free(v);
	if (problems_flush(&pr, errs, nerrors) != CA_OK && r == CA_OK)
		r = CA_ERR_ALLOC;
	return r;
}

/* The person's new details from their first update row; false if none change. */
static bool
change_of(const struct ca_batch_row *row, struct ca_person_change *c)
{
	memset(c, 0, sizeof(*c));
	if (!row->does_update)
		return false;
	if (strcmp(row->name, row->reg_name) != 0)
		c->name = row->name;
	if (differs(row->email, row->reg_email))
		c->email = row->email;
	if (differs(row->mobile, row->reg_mobile))
		c->mobile = row->mobile;
	return c->name != NULL || c->email != NULL || c->mobile != NULL;
}

static bool
adds_position(const struct ca_batch_row *row)
{
	return row->action != CA_BATCH_REMOVE && given(row->role) && !row->held;
}

void
ca_batch_stats(const struct ca_batch *b, struct ca_batch_stats *st)
{
	struct ca_person_change c;
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < b->n; i++) {
		const struct ca_batch_row *row = &b->rows[i];

		st->people += row->new_person ? 1 : 0;
		st->positions += adds_position(row) ? 1 : 0;
		st->held += row->action != CA_BATCH_REMOVE && given(row->role) && row->held;
		st->updated += change_of(row, &c) ? 1 : 0;
		st->removed += row->action == CA_BATCH_REMOVE ? 1 : 0;
	}
}

static const char *
opt(const char *s)
{
	return s != NULL ? s : "(none)";
}

int
ca_batch_changes(const struct ca_batch *b, FILE *out)
{
	struct ca_person_change c;
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct ca_batch_row *row = &b->rows[i];
		unsigned l = row->line;

		if (row->new_person)
			fprintf(out, "line %u: add person %s (%s)\n", l, row->uuid, row->name);
		if (change_of(row, &c)) {
			fprintf(out, "line %u: update %s:", l, row->uuid);
			if (c.name != NULL)
				fprintf(out, " name '%s' -> '%s' (%s);", row->reg_name, c.name,
					row->reason != NULL ? row->reason : "");
			if (c.email != NULL)
				fprintf(out, " email %s -> %s;", opt(row->reg_email), c.email);
			if (c.mobile != NULL)
				fprintf(out, " mobile %s -> %s;", opt(row->reg_mobile), c.mobile);
			fputc('\n', out);
		}
		if (adds_position(row))
			fprintf(out, "line %u: add position %s@%s to %s\n", l, row->role, row->ods,
				row->uuid);
		if (row->action == CA_BATCH_REMOVE)
			fprintf(out, "line %u: remove position %s@%s from %s\n", l, row->role,
				row->ods, row->uuid);
	}
	return ferror(out) ? CA_ERR_IO : CA_OK;
}

static int
apply_row(struct ca_ctx *ctx, const struct ca_batch_row *row)
{
	/* An RA manager's batch comes from a source they vouch for (an HR
	 * feed): its people count as identity-checked by them. */
	struct ca_person p = { row->uuid, row->name, row->email, row->mobile,
			       (char *)ctx->actor, ca_ctx_now(ctx) };
	struct ca_person_change c;
	char pos[CA_ROLE_NAME_MAX + CA_ODS_MAX + 2], line[16];
	const char *kp[] = { "name", row->name, "source", "batch", "line", line, NULL };
	const char *kq[] = { "position", pos, "source", "batch", "line", line, NULL };
	int r;

	snprintf(line, sizeof(line), "%u", row->line);
	snprintf(pos, sizeof(pos), "%s@%s", row->role, row->ods);
	if (row->new_person &&
	    ((r = ca_reg_person_add(ctx->reg, &p)) != CA_OK ||
	     (r = ca_ctx_audit(ctx, "person-add", row->uuid, kp)) != CA_OK))
		return r;
	if (change_of(row, &c)) {
		const char *ku[] = { "name", c.name, "name-was", c.name != NULL ? row->reg_name : NULL,
				     "reason", c.name != NULL ? row->reason : NULL,
				     "email", c.email != NULL ? (row->reg_email ? "changed" : "added")
				     : NULL,
				     "mobile", c.mobile != NULL ? (row->reg_mobile ? "changed" : "added")
				     : NULL,
				     "source", "batch", "line", line, NULL };

		if ((r = ca_reg_person_update(ctx->reg, row->uuid, &c)) != CA_OK ||
		    (r = ca_ctx_audit(ctx, "person-update", row->uuid, ku)) != CA_OK)
			return r;
	}
	if (adds_position(row) &&
	    ((r = ca_reg_position_add(ctx->reg, row->uuid, row->role, row->ods)) != CA_OK ||
	     (r = ca_ctx_audit(ctx, "position-add", row->uuid, kq)) != CA_OK))
		return r;
	if (row->action == CA_BATCH_REMOVE &&
	    ((r = ca_reg_position_remove(ctx->reg, row->uuid, row->role, row->ods)) != CA_OK ||
	     (r = ca_ctx_audit(ctx, "position-remove", row->uuid, kq)) != CA_OK))
		return r;
	return CA_OK;
}

int
ca_batch_apply(struct ca_ctx *ctx, const struct ca_batch *b)
{
	struct ca_batch_stats st;
	char np[16], nq[16], nh[16], nu[16], nr[16];
	const char *kv[] = { "people", np, "positions", nq, "already_held", nh, "updated", nu,
			     "removed", nr, NULL };
	size_t i;
	int r;

	ca_batch_stats(b, &st);
	snprintf(np, sizeof(np), "%u", st.people);
	snprintf(nq, sizeof(nq), "%u", st.positions);
	snprintf(nh, sizeof(nh), "%u", st.held);
	snprintf(nu, sizeof(nu), "%u", st.updated);
	snprintf(nr, sizeof(nr), "%u", st.removed);
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK)
		return r;
	for (i = 0; i < b->n && r == CA_OK; i++) {
		r = apply_row(ctx, &b->rows[i]);
		progress(b, "applied", i + 1);
	}
	if (r == CA_OK)
		r = ca_ctx_audit(ctx, "batch-import", "batch", kv);
	return ca_reg_end(ctx->reg, r);
}
