/*
 * Durable file I/O shared by the module's card store and the CA.
 */
#ifndef CC_COMMON_FILEIO_H
#define CC_COMMON_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace @path with @len bytes of @data atomically and durably: a temporary
 * file in the same directory created with @mode, written, fsync'd, renamed
 * over @path, then the directory fsync'd. Readers see the old or the new
 * content, never a mix; a crash leaves at most a stray ".tmp" file.
 * Returns 0 or -errno.
 */
int util_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Create @path with @len bytes of @data, atomically and durably, only if it
 * does not exist yet (-EEXIST otherwise): the same temporary file, then
 * renameat2(RENAME_NOREPLACE) (link()+unlink() where unsupported). The file
 * appears whole or not at all. Returns 0 or -errno.
 */
int util_file_write_new(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Read all of @path (at most @max bytes; larger is -EFBIG) into a new buffer
 * owned by the caller (*out, *outlen). Returns 0 or -errno; outputs are set
 * only on success.
 */
int util_file_read_all(const char *path, size_t max, unsigned char **out, size_t *outlen);

/*
 * Remove what util_file_write_atomic() left behind for @path when its
 * writer died (the "PATH.tmp.XXXXXX" files). Only call this while holding
 * the lock every writer of @path holds, so no temporary is still being
 * written. Returns the number removed, or -errno if the directory cannot
 * be read.
 */
int util_file_remove_stale_temps(const char *path);

/*
 * Many new files in one directory, each atomic, all durable at once: every
 * util_file_batch_add() writes a temporary beside DIR/@name (no fsync);
 * util_file_batch_commit() syncs the filesystem once (syncfs), renames every
 * temporary over its name and fsyncs the directory once — two syncs for the
 * lot instead of two per file. A name appears only with its whole, durable
 * content; a crash before the commit leaves at most ".tmp" files.
 * util_file_batch_free() removes the temporaries not moved into place.
 * 0 or -errno.
 */
struct util_file_batch;
int util_file_batch_new(const char *dir, struct util_file_batch **out);
int util_file_batch_add(struct util_file_batch *b, const char *name, const void *data,
			size_t len, mode_t mode);
int util_file_batch_commit(struct util_file_batch *b);
void util_file_batch_free(struct util_file_batch *b);

/* fsync the directory that contains @path (after a rename or unlink). 0 or -errno. */
int util_fsync_parent_dir(const char *path);

/* mkdir -p with @mode for each created component. 0 or -errno. */
int util_mkdir_p(const char *path, mode_t mode);

#endif
