#include "config.h"

#include "common/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory and the base name of @path, split in @dir. */
static const char *
split_path(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(dir, size, ".");
		return path;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		return NULL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return slash + 1;
}

int
util_fsync_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, r = 0;

	if (split_path(path, dir, sizeof(dir)) == NULL)
		return -ENAMETOOLONG;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write @data to a new "@path.tmp.XXXXXX" (@mode), fsync'd when @sync, closed; its name in @tmp. */
static int
write_temp_as(const char *path, const void *data, size_t len, mode_t mode, bool sync,
	      char tmp[PATH_MAX])
{
	int fd, r;

	if (snprintf(tmp, PATH_MAX, "%s.tmp.XXXXXX", path) >= PATH_MAX)
		return -ENAMETOOLONG;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return -errno;
	r = fchmod(fd, mode) < 0 ? -errno : write_all(fd, data, len);
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static int
write_temp(const char *path, const void *data, size_t len, mode_t mode, char tmp[PATH_MAX])
{
	return write_temp_as(path, data, len, mode, true, tmp);
}

/*
 * Write @data to a temporary beside @path, then move it into place: over
 * @path, or with @noreplace only if @path does not exist (renameat2
 * RENAME_NOREPLACE, or link()+unlink() where the filesystem lacks it); then
 * fsync the directory. The temporary never survives a failure here.
 */
static int
write_and_move(const char *path, const void *data, size_t len, mode_t mode, bool noreplace)
{
	char tmp[PATH_MAX];
	int r;

	if ((r = write_temp(path, data, len, mode, tmp)) < 0)
		return r;
	if (!noreplace) {
		r = rename(tmp, path);
	} else {
		r = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
		if (r < 0 && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) &&
		    (r = link(tmp, path)) == 0)
			unlink(tmp);
	}
	if (r < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return util_fsync_parent_dir(path);
}

int
util_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_and_move(path, data, len, mode, false);
}

int
util_file_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_and_move(path, data, len, mode, true);
}

int
util_file_remove_stale_temps(const char *path)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 8];
	const char *base = split_path(path, dir, sizeof(dir));
	struct dirent *de;
	size_t plen;
	int removed = 0;
	DIR *d;

	if (base == NULL || snprintf(prefix, sizeof(prefix), "%s.tmp.", base) >= (int)sizeof(prefix))
		return -ENAMETOOLONG;
	plen = strlen(prefix);
	if ((d = opendir(dir)) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		/* mkostemp's suffix: exactly six characters after the prefix. */
		if (strncmp(de->d_name, prefix, plen) != 0 || strlen(de->d_name) != plen + 6)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int
util_file_read_all(const char *path, size_t max, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t have = 0;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	/* +1 so an empty file still gets a valid buffer. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;	/* shrank under us: return what is there */
		have += (size_t)n;
	}
	*out = buf;
	*outlen = have;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

int
util_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	char *p;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, n + 1);
	for (p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

/* --- many files, one sync ---------------------------------------------- */

struct util_file_batch {
	char *dir;
	size_t n, cap;
	struct {
		char *tmp, *path;
	} *f;
};

int
util_file_batch_new(const char *dir, struct util_file_batch **out)
{
	struct util_file_batch *b = calloc(1, sizeof(*b));

	if (b == NULL || (b->dir = strdup(dir)) == NULL) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

int
util_file_batch_add(struct util_file_batch *b, const char *name, const void *data, size_t len,
		    mode_t mode)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int r;

	if (strchr(name, '/') != NULL || snprintf(path, sizeof(path), "%s/%s", b->dir, name) >=
	    (int)sizeof(path))
		return -EINVAL;
	if (b->n == b->cap) {
		size_t nc = b->cap ? 2 * b->cap : 32;
		void *nf = realloc(b->f, nc * sizeof(*b->f));

		if (nf == NULL)
			return -ENOMEM;
		b->f = nf;
		b->cap = nc;
	}
	if ((r = write_temp_as(path, data, len, mode, false, tmp)) < 0)
		return r;
	b->f[b->n].tmp = strdup(tmp);
	b->f[b->n].path = strdup(path);
	if (b->f[b->n].tmp == NULL || b->f[b->n].path == NULL) {
		unlink(tmp);
		free(b->f[b->n].tmp);
		free(b->f[b->n].path);
		return -ENOMEM;
	}
	b->n++;
	return 0;
}

int
util_file_batch_commit(struct util_file_batch *b)
{
	size_t i;
	int fd, r = 0;

	if (b->n == 0)
		return 0;
	if ((fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	/* Every temporary's data on disk before any name points at it. */
	if (syncfs(fd) < 0)
		r = -errno;
	for (i = 0; r == 0 && i < b->n; i++) {
		if (rename(b->f[i].tmp, b->f[i].path) < 0)
			r = -errno;
		else {
			free(b->f[i].tmp);
			b->f[i].tmp = NULL;
		}
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

void
util_file_batch_free(struct util_file_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		if (b->f[i].tmp != NULL)
			unlink(b->f[i].tmp);
		free(b->f[i].tmp);
		free(b->f[i].path);
	}
	free(b->f);
	free(b->dir);
	free(b);
}
