/*
 * ca/ra/op-migrate.c: carecard-ca migrate, the CA's SQLite registry moved
 * to PostgreSQL behind the gate (see ops.h). The copy itself is the
 * registry's (registry/migrate.c); here: who may, which registry, the
 * audit entry and the whole audit check on the target before it commits,
 * and the switch of the state directory to it.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/core/audit.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/ra/gate.h"
#include "ca/ra/ops.h"
#include "ca/ra/ra-int.h"
#include "ca/ra/refusal.h"
#include "common/fileio.h"

/*
 * The source is the registry this CA uses (the gate asked it who the actor
 * is): --from may name it, as the same file; into *@path, malloc'ed.
 */
static int
source_path(struct ca_session *s, const char *from, char **path, struct ca_result *res)
{
	struct ca_ctx *ctx = s->ctx;
	char *cur = NULL, a[PATH_MAX], b[PATH_MAX];
	int r;

	if ((r = ca_ctx_registry_uri(ctx, &cur)) != CA_OK)
		return ca_result_fail(res, r, NULL, "cannot read where the registry is");
	if (strncmp(cur, "sqlite:", 7) != 0) {
		r = RA_REFUSE(s, CA_OP_MIGRATE, res, CA_RF_MIGRATE_NOT_SQLITE, cur);
		goto out;
	}
	if (from != NULL && (strncmp(from, "sqlite:", 7) != 0 || realpath(from + 7, a) == NULL ||
			     realpath(cur + 7, b) == NULL || strcmp(a, b) != 0)) {
		r = ca_result_fail(res, CA_ERR_USAGE, NULL, "--from must name this CA's own "
				   "registry, %s (or leave it out)", cur);
		goto out;
	}
	if ((*path = strdup(cur + 7)) == NULL)
		r = CA_ERR_ALLOC;
out:
	free(cur);
	return r;
}

/*
 * On the target, inside the copy's transaction: the migration's own audit
 * entry (the actor, both places, what moved), then the whole audit check
 * (chain, checkpoints, CRL anchors, certificates), then commit. The
 * context's registry is the target for exactly that long.
 */
static int
target_finish(struct ca_ctx *ctx, struct ca_reg *dst, const char *from, const char *to,
	      struct ca_migrate_report *rep, struct ca_result *res)
{
	struct ca_reg *own = ctx->reg;
	char ver[16], tables[16], rows[24];
	const char *kv[] = { "from", from, "to", to, "schema", ver, "tables", tables,
			     "rows", rows, NULL };
	int r;

	snprintf(ver, sizeof(ver), "%d", rep->copy.version);
	snprintf(tables, sizeof(tables), "%d", rep->copy.tables);
	snprintf(rows, sizeof(rows), "%" PRId64, rep->copy.rows);
	ctx->reg = dst;
	if ((r = ca_ctx_audit(ctx, "registry-migrate", "registry", kv)) != CA_OK) {
		r = ca_result_fail(res, r, NULL, "cannot write the audit entry on the target");
		goto out;
	}
	if ((r = ca_audit_verify_all(ctx, NULL, &rep->audit)) != CA_OK) {
		r = ca_result_fail(res, r, NULL, "the audit log does not verify on the target "
				   "(entry %" PRId64 ": %s): nothing was migrated",
				   rep->audit.bad_id, rep->audit.what);
		goto out;
	}
	ca_ctx_point(ctx, "migrate", "verified");
	if ((r = ca_reg_commit(dst)) != CA_OK)
		r = ca_result_fail(res, r, NULL, "the target's commit failed: nothing was "
				   "migrated");
out:
	ctx->reg = own;
	return r;
}

/* registry.uri names the target from now on: atomically, 0600 (it is a
 * URI without a password, checked before anything was copied). */
static int
switch_to(struct ca_ctx *ctx, const char *to, struct ca_result *res)
{
	char *path = ca_ctx_path(ctx, CA_REGISTRY_URI_FILE);
	int e;

	if (path == NULL)
		return CA_ERR_ALLOC;
	e = util_file_write_atomic(path, to, strlen(to), 0600);
	free(path);
	if (e != 0)
		return ca_result_fail(res, CA_ERR_IO, NULL, "the registry was copied and verified, "
				      "but %s/%s could not be written (%s): write the target's "
				      "URI there by hand", ctx->dir, CA_REGISTRY_URI_FILE,
				      strerror(-e));
	return CA_OK;
}

int
ca_op_migrate(struct ca_session *s, const struct ca_migrate_req *rq,
	      struct ca_migrate_report *rep, struct ca_result *res)
{
	struct ca_ctx *ctx = s->ctx;
	struct ca_target t = { NULL };
	struct ca_reg *dst = NULL;
	char *src = NULL;
	bool locked = false;
	int r;

	memset(rep, 0, sizeof(*rep));
	/* Before anything: a URI with a password is never taken (init's rule). */
	if (rq->to == NULL || (r = ca_reg_uri_check(rq->to)) != CA_OK)
		return ca_result_fail(res, CA_ERR_USAGE, NULL, "the target must be a "
				      "postgresql://... URI without a password (use ~/.pgpass "
				      "or peer authentication)");
	t.subject = "registry";
	if ((r = ca_gate_who(s, CA_OP_MIGRATE, "registry", res)) != CA_OK ||
	    (r = ca_gate(s, CA_OP_MIGRATE, &t, res, NULL)) != CA_OK ||
	    (r = source_path(s, rq->from, &src, res)) != CA_OK)
		goto out;
	/* The source's write lock, never a write: no other carecard-ca commits
	 * to it between the snapshot copied and the switch. */
	if ((r = ca_reg_begin(ctx->reg)) != CA_OK) {
		r = ca_result_fail(res, r, NULL, "cannot lock the registry against writers");
		goto out;
	}
	locked = true;
	r = ca_reg_copy_to_pg(src, rq->to, &ctx->hooks, &dst, &rep->copy);
	if (r != CA_OK && rep->copy.target_used) {
		r = RA_REFUSE(s, CA_OP_MIGRATE, res, CA_RF_MIGRATE_TARGET_USED, rq->to);
		goto out;
	}
	if (r != CA_OK) {
		r = ca_result_fail(res, r, NULL, "%s", rep->copy.bad[0] != '\0' ? rep->copy.bad
				   : "the copy failed: nothing was migrated");
		goto out;
	}
	if ((r = target_finish(ctx, dst, src, rq->to, rep, res)) != CA_OK ||
	    (!rq->no_switch && (r = switch_to(ctx, rq->to, res)) != CA_OK))
		goto out;
	ca_result_done(res, "registry migrated: %d tables, %" PRId64 " rows at schema %d; "
		       "audit log OK on the target (%" PRId64 " entries; %s)%s", rep->copy.tables,
		       rep->copy.rows, rep->copy.version, rep->audit.entries, rep->audit.checked,
		       rq->no_switch ? "; the CA still uses its SQLite registry (--no-switch)"
		       : "; the CA uses it from now on");
out:
	if (locked)
		ca_reg_rollback(ctx->reg);
	ca_reg_close(dst);
	free(src);
	return r;
}
