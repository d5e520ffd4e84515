/*
 * ca/registry/registry-migrate: move a registry from SQLite to PostgreSQL
 * (carecard-ca migrate, issue 14). The copy is generic over the schema:
 * every table the source has, in an order that satisfies its foreign keys
 * (read from the source), every column, the identity counters carried on,
 * so a later migration needs nothing here.
 */
#ifndef CC_CA_REGISTRY_MIGRATE_H
#define CC_CA_REGISTRY_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/core/hooks.h"
#include "ca/registry/registry.h"

struct ca_reg_copy_report {
	int version;		/* the schema version, the source's and now the target's */
	int tables;		/* tables copied */
	int64_t rows;		/* rows copied, all tables */
	char bad[160];		/* why not, when the copy failed its own check */
	bool target_used;	/* refused: the target holds tables */
};

/*
 * Copy the SQLite registry at @src_path into the PostgreSQL database
 * @dst_uri (no password: ca_reg_uri_check), which must hold no table yet
 * (CA_ERR_EXISTS otherwise, and nothing is done to it). The source is
 * opened read-only and read in one snapshot; it must be at this program's
 * schema version (CA_ERR_STATE otherwise: open it with this carecard-ca
 * first). The target gets the schema at that version and every row in one
 * transaction, with its triggers off while rows arrive (the rows already
 * carry what the triggers would add) and its identity counters set past
 * the highest id ever used (SQLite's sqlite_sequence included). Then each
 * table's row count is compared with the source's (CA_ERR_DB with
 * @rep->bad on a difference).
 *
 * On CA_OK *@out is the target with that transaction still open, so the
 * caller can append its audit entry and verify the chain before
 * ca_reg_commit(); ca_reg_close() rolls everything back. On failure the
 * target is left as it was. @hooks (may be NULL): step point
 * "migrate:copied" after the counts.
 */
int ca_reg_copy_to_pg(const char *src_path, const char *dst_uri, const struct ca_hooks *hooks,
		      struct ca_reg **out, struct ca_reg_copy_report *rep);

#endif
