/*
 * ca/core/backup: a CA's state directory as one verified copy, and that
 * copy put back (carecard-ca backup / restore, issue 14).
 *
 * A backup is a directory, 0700, its files 0600: every file of the state
 * directory (the HSM token and its PINs, the CA certificates, the CRLs the
 * CA wrote, the policy, the configuration) with the registry as a
 * consistent copy taken while the CA works (ca_reg_backup; on PostgreSQL
 * the database's own pg_dump does that, and the copy holds registry.uri
 * only), and a MANIFEST: a header (format, when, from where, the registry's
 * kind, the audit log's last entry at the copy), one line per file (SHA-256,
 * size, mode, path) and a last line with the SHA-256 of everything above
 * it. The directory appears under its name only once it is whole and
 * durable (temporary, syncfs, rename).
 *
 * A restore checks everything the manifest says before it writes anything
 * (ca_backup_check), copies into a new directory re-checking each file as
 * it goes (ca_backup_unpack), and the caller moves that directory into
 * place. Nothing here prints or reads the environment.
 */
#ifndef CC_CA_CORE_BACKUP_H
#define CC_CA_CORE_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

struct ca_reg;

#define CA_BACKUP_MANIFEST "MANIFEST"

struct ca_backup_info {
	int64_t created;		/* when the copy was taken */
	char registry[16];		/* "sqlite" (in the copy) or "postgresql" (pg_dump) */
	char source[512];		/* the state directory copied */
	int64_t audit_seq;		/* the audit log's last entry in the copy */
	char audit_hash[65];		/* ...and its hash */
	long files;			/* files in the copy */
	int64_t bytes;			/* their size */
	char why[512];			/* on failure: what is wrong, in a sentence */
};

/*
 * Copy the state directory @state and its registry @reg into the new
 * directory @out (which must not exist: CA_ERR_EXISTS). @info->created,
 * audit_seq and audit_hash come from the caller; the rest is filled in.
 * On failure nothing is left at @out.
 */
int ca_backup_write(const char *state, struct ca_reg *reg, const char *out,
		    struct ca_backup_info *info);

/*
 * Check the backup @dir against its manifest: the manifest's own hash,
 * every file's size and SHA-256, no file missing or unlisted, no path
 * leaving the directory. CA_OK with @info filled in, CA_ERR_NOT_FOUND
 * (no backup there) or CA_ERR_INPUT with @info->why.
 */
int ca_backup_check(const char *dir, struct ca_backup_info *info);

/*
 * Copy the checked backup @dir into the new directory @dest (0700),
 * each file with its recorded mode and checked again as it is copied, and
 * make it durable (syncfs). On failure the caller removes @dest.
 */
int ca_backup_unpack(const char *dir, const char *dest, struct ca_backup_info *info);

/* Remove the directory tree @path (a temporary of ours). 0 or -errno. */
int ca_backup_remove_tree(const char *path);

#endif
