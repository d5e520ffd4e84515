/*
 * ca/core/backup.c: see backup.h.
 */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ca/core/backup.h"
#include "ca/core/checkpoint.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "ca/registry/registry.h"
#include "common/fileio.h"

#define FORMAT_LINE "carecard-ca backup 1\n"
#define MANIFEST_MAX (16 * 1024 * 1024)
#define REGISTRY_FILE "registry.db"

/* The manifest being written, or read: its text grows line by line. */
struct manifest {
	char *text;
	size_t len, cap;
};

static int
say(struct ca_backup_info *info, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
say(struct ca_backup_info *info, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(info->why, sizeof(info->why), fmt, ap);
	va_end(ap);
	return r;
}

static int
man_add(struct manifest *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
man_add(struct manifest *m, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CA_ERR_INTERNAL;
	if (m->len + (size_t)n + 1 > m->cap) {
		size_t cap = (m->cap + (size_t)n + 1) * 2;

		if ((p = realloc(m->text, cap)) == NULL)
			return CA_ERR_ALLOC;
		m->text = p;
		m->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(m->text + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	m->len += (size_t)n;
	return CA_OK;
}

static void
hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	unsigned int n = 0;

	if (EVP_Digest(data, len, d, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return CA_ERR_CRYPTO;
	hex(d, 32, out);
	return CA_OK;
}

/*
 * @src into the new file @dst (-1: only read it), its SHA-256 and size
 * out. The copy is written 0600 and fsync'd.
 */
static int
copy_hash(const char *src, const char *dst, mode_t mode, char sha[65], int64_t *size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[65536], d[32];
	int in = -1, out = -1, r = CA_ERR_IO;
	ssize_t n;

	*size = 0;
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    (dst != NULL && (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					mode)) < 0))
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (EVP_DigestUpdate(md, buf, (size_t)n) != 1)
			goto out;
		if (out >= 0 && write(out, buf, (size_t)n) != n)
			goto out;
		*size += n;
	}
	if (n < 0 || EVP_DigestFinal_ex(md, d, NULL) != 1 ||
	    (out >= 0 && (fchmod(out, mode) != 0 || fsync(out) != 0)))
		goto out;
	hex(d, 32, sha);
	r = CA_OK;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		r = CA_ERR_IO;
	EVP_MD_CTX_free(md);
	return r;
}

/* Files the copy takes otherwise, or never: the live SQLite registry (the
 * online copy stands in for it) and what a writer that died left behind. */
static bool
skipped(const char *rel, bool sqlite)
{
	if (strstr(rel, ".tmp.") != NULL || strcmp(rel, "hsm/keys.lock") == 0)
		return true;
	if (!sqlite)
		return false;
	return strcmp(rel, REGISTRY_FILE) == 0 || strcmp(rel, "registry.db-wal") == 0 ||
	       strcmp(rel, "registry.db-shm") == 0 || strcmp(rel, "registry.db-journal") == 0 ||
	       strcmp(rel, "registry.uri") == 0;
}

struct walk {
	const char *state, *out;
	bool sqlite;
	struct manifest *m;
	struct ca_backup_info *info;
};

static int walk_dir(struct walk *w, const char *rel);

static int
walk_one(struct walk *w, const char *rel)
{
	char *src = NULL, *dst = NULL, sha[65];
	struct stat st;
	int64_t size;
	int r = CA_ERR_ALLOC;

	if (asprintf(&src, "%s/%s", w->state, rel) < 0 || asprintf(&dst, "%s/%s", w->out, rel) < 0)
		goto out;
	if (lstat(src, &st) != 0) {
		r = errno == ENOENT ? CA_OK : say(w->info, CA_ERR_IO, "%s: %s", src,
						   strerror(errno));
		goto out;	/* gone meanwhile (a temporary): not part of the state */
	}
	if (S_ISDIR(st.st_mode)) {
		r = mkdir(dst, 0700) != 0 ? say(w->info, CA_ERR_IO, "%s: %s", dst, strerror(errno))
			: walk_dir(w, rel);
	} else if (S_ISREG(st.st_mode)) {
		if ((r = copy_hash(src, dst, 0600, sha, &size)) != CA_OK) {
			r = say(w->info, r, "cannot copy %s: %s", src, strerror(errno));
			goto out;
		}
		r = man_add(w->m, "file %s %" PRId64 " %04o %s\n", sha, size,
			    (unsigned)(st.st_mode & 0777), rel);
		w->info->files++;
		w->info->bytes += size;
	} else if (S_ISLNK(st.st_mode)) {
		r = say(w->info, CA_ERR_STATE, "%s is a symbolic link: put the file itself in "
			"the state directory", src);
	} else {
		r = CA_OK;	/* a socket or fifo of a running process */
	}
out:
	free(src);
	free(dst);
	return r;
}

static int
walk_dir(struct walk *w, const char *rel)
{
	char *path = NULL, *sub = NULL;
	struct dirent *de;
	DIR *d;
	int r = CA_OK;

	if (asprintf(&path, "%s%s%s", w->state, *rel ? "/" : "", rel) < 0)
		return CA_ERR_ALLOC;
	if ((d = opendir(path)) == NULL) {
		r = say(w->info, CA_ERR_IO, "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	while (r == CA_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
			r = CA_ERR_ALLOC;
			break;
		}
		if (!skipped(sub, w->sqlite))
			r = walk_one(w, sub);
		free(sub);
	}
	closedir(d);
	free(path);
	return r;
}

/* The registry's online copy into the backup, and its manifest line. */
static int
registry_copy(struct walk *w, struct ca_reg *reg)
{
	char *dst = NULL, sha[65];
	int64_t size;
	int r;

	if (asprintf(&dst, "%s/%s", w->out, REGISTRY_FILE) < 0)
		return CA_ERR_ALLOC;
	if ((r = ca_reg_backup(reg, dst)) == CA_ERR_STATE)
		;
	else if (r != CA_OK)
		r = say(w->info, r, "the registry's online copy failed (see the log)");
	else if ((r = copy_hash(dst, NULL, 0600, sha, &size)) != CA_OK)
		r = say(w->info, r, "cannot read back %s", dst);
	else if ((r = man_add(w->m, "file %s %" PRId64 " 0600 %s\n", sha, size,
			      REGISTRY_FILE)) == CA_OK) {
		w->info->files++;
		w->info->bytes += size;
	}
	free(dst);
	return r;
}

/* The whole directory on disk: one syncfs for all its files and folders. */
static int
dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = CA_OK;

	if (fd < 0)
		return CA_ERR_IO;
	if (syncfs(fd) != 0 || fsync(fd) != 0)
		r = CA_ERR_IO;
	close(fd);
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 ? -errno : 0;
}

int
ca_backup_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
manifest_finish(struct walk *w)
{
	char sha[65], *path = NULL;
	int r, e;

	if ((r = sha256_hex(w->m->text, w->m->len, sha)) != CA_OK ||
	    (r = man_add(w->m, "end %s\n", sha)) != CA_OK)
		return r;
	if (asprintf(&path, "%s/%s", w->out, CA_BACKUP_MANIFEST) < 0)
		return CA_ERR_ALLOC;
	if ((e = util_file_write_new(path, w->m->text, w->m->len, 0600)) != 0)
		r = say(w->info, CA_ERR_IO, "%s: %s", path, strerror(-e));
	free(path);
	return r;
}

/* Is @out (to be made) inside the state directory @state? Then the copy
 * would copy itself. */
static bool
inside(const char *state, const char *out)
{
	char *dir = strdup(out), *a = NULL, *b = NULL;
	bool in = false;
	size_t n;

	if (dir != NULL && (a = realpath(dirname(dir), NULL)) != NULL &&
	    (b = realpath(state, NULL)) != NULL) {
		n = strlen(b);
		in = strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
	}
	free(dir);
	free(a);
	free(b);
	return in;
}

int
ca_backup_write(const char *state, struct ca_reg *reg, const char *out,
		struct ca_backup_info *info)
{
	struct manifest m = { NULL, 0, 0 };
	struct walk w = { state, NULL, false, &m, info };
	char *tmp = NULL, when[32];
	struct stat st;
	int r, lock = -1;

	info->files = 0;
	info->bytes = 0;
	info->why[0] = '\0';
	snprintf(info->source, sizeof(info->source), "%s", state);
	if (lstat(out, &st) == 0)
		return say(info, CA_ERR_EXISTS, "%s exists: a backup goes to a new name", out);
	if (inside(state, out))
		return say(info, CA_ERR_USAGE, "%s is inside the state directory %s: a backup "
			   "goes elsewhere", out, state);
	if (asprintf(&tmp, "%s.tmp.XXXXXX", out) < 0)
		return CA_ERR_ALLOC;
	if (mkdtemp(tmp) == NULL) {
		r = say(info, CA_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return r;
	}
	w.out = tmp;
	ca_time_text(info->created, when, sizeof(when));
	if ((r = man_add(&m, FORMAT_LINE "created %" PRId64 " %s\nsource %s\naudit %" PRId64
			 " %s\n", info->created, when, state, info->audit_seq,
			 info->audit_hash)) != CA_OK)
		goto out;
	/* The registry first: the online copy on SQLite; on PostgreSQL
	 * (CA_ERR_STATE) pg_dump's, and registry.uri is copied with the rest.
	 * The token lock across it and the token's copy: no key is made and
	 * recorded meanwhile, so the copy has both or neither. */
	lock = ca_ctx_token_lock(state);
	if ((r = registry_copy(&w, reg)) != CA_OK && r != CA_ERR_STATE)
		goto out;
	w.sqlite = r == CA_OK;
	snprintf(info->registry, sizeof(info->registry), "%s", w.sqlite ? "sqlite" : "postgresql");
	if ((r = man_add(&m, "registry %s\n", info->registry)) != CA_OK ||
	    (r = walk_dir(&w, "")) != CA_OK)
		goto out;
	ca_ctx_token_unlock(lock);
	lock = -1;
	if ((r = manifest_finish(&w)) != CA_OK)
		goto out;
	if ((r = dir_sync(tmp)) != CA_OK ||
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) != 0) {
		r = say(info, errno == EEXIST ? CA_ERR_EXISTS : CA_ERR_IO, "cannot move the "
			"backup to %s: %s", out, strerror(errno));
		goto out;
	}
	util_fsync_parent_dir(out);
out:
	ca_ctx_token_unlock(lock);
	if (r != CA_OK)
		ca_backup_remove_tree(tmp);
	free(tmp);
	free(m.text);
	return r;
}

/* ---- reading a backup back ---- */

struct entry {
	char sha[65];
	int64_t size;
	unsigned mode;
	char *path;
	bool seen;
};

struct listing {
	struct entry *e;
	size_t n;
};

static void
listing_clear(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* A path inside the backup: relative, no "..", "." or empty component. */
static bool
path_ok(const char *p)
{
	const char *c = p;

	if (*p == '\0' || *p == '/' || strcmp(p, CA_BACKUP_MANIFEST) == 0)
		return false;
	while (*c != '\0') {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
		if (*c == '\0' && c[-1] == '/')
			return false;
	}
	return strpbrk(p, "\r\n") == NULL;
}

static int
line_header(const char *line, struct ca_backup_info *info, int *have)
{
	char when[32];

	if (sscanf(line, "created %" SCNd64 " %31s", &info->created, when) == 2)
		*have |= 1;
	else if (strncmp(line, "source ", 7) == 0)
		snprintf(info->source, sizeof(info->source), "%s", line + 7);
	else if (sscanf(line, "registry %15s", info->registry) == 1)
		*have |= 2;
	else if (sscanf(line, "audit %" SCNd64 " %64s", &info->audit_seq, info->audit_hash) >= 1)
		*have |= 4;
	else
		return CA_ERR_INPUT;
	return CA_OK;
}

static int
line_file(char *line, struct listing *l)
{
	struct entry e, *p;
	int off = 0;

	memset(&e, 0, sizeof(e));
	if (sscanf(line, "file %64[0-9a-f] %" SCNd64 " %o %n", e.sha, &e.size, &e.mode, &off) != 3 ||
	    off == 0 || strlen(e.sha) != 64 || e.size < 0 || e.mode > 0777 || !path_ok(line + off))
		return CA_ERR_INPUT;
	if ((p = realloc(l->e, (l->n + 1) * sizeof(*p))) == NULL)
		return CA_ERR_ALLOC;
	l->e = p;
	if ((e.path = strdup(line + off)) == NULL)
		return CA_ERR_ALLOC;
	e.seen = false;
	l->e[l->n++] = e;
	return CA_OK;
}

/* The manifest of @dir: its own hash, the header into @info, the files into @l. */
static int
manifest_read(const char *dir, struct ca_backup_info *info, struct listing *l)
{
	unsigned char *buf = NULL;
	char *path = NULL, *line, *next, *end, sha[65];
	size_t len = 0;
	int r, e, have = 0, lines = 0;

	if (asprintf(&path, "%s/%s", dir, CA_BACKUP_MANIFEST) < 0)
		return CA_ERR_ALLOC;
	e = util_file_read_all(path, MANIFEST_MAX, &buf, &len);
	if (e != 0) {
		r = say(info, e == -ENOENT ? CA_ERR_NOT_FOUND : CA_ERR_INPUT, "%s: %s: not a "
			"carecard-ca backup", path, strerror(-e));
		goto out;
	}
	r = say(info, CA_ERR_INPUT, "%s is damaged: its last line, the hash of the lines above, "
		"does not match them", path);
	/* The last line: "end SHA256" of every byte before it. */
	if (len < 70 || buf[len - 1] != '\n' || memchr(buf, '\0', len) != NULL)
		goto out;
	buf[len - 1] = '\0';
	if ((end = strrchr((char *)buf, '\n')) == NULL || strncmp(end + 1, "end ", 4) != 0 ||
	    sha256_hex(buf, (size_t)(end + 1 - (char *)buf), sha) != CA_OK ||
	    strcmp(end + 5, sha) != 0)
		goto out;
	*end = '\0';
	if (strncmp((char *)buf, FORMAT_LINE, strlen(FORMAT_LINE)) != 0) {
		r = say(info, CA_ERR_INPUT, "%s: not a backup of this format (%.*s)", path, 40,
			(char *)buf);
		goto out;
	}
	r = CA_OK;
	for (line = (char *)buf + strlen(FORMAT_LINE); r == CA_OK && line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lines++;
		r = strncmp(line, "file ", 5) == 0 ? line_file(line, l)
			: line_header(line, info, &have);
		if (r == CA_ERR_INPUT)
			r = say(info, r, "%s: line %d is not what a backup's manifest holds",
				path, lines + 1);
	}
	if (r == CA_OK && have != 7)
		r = say(info, CA_ERR_INPUT, "%s: the header is incomplete", path);
out:
	free(buf);
	free(path);
	return r;
}

static struct entry *
listing_find(struct listing *l, const char *rel)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->e[i].path, rel) == 0)
			return &l->e[i];
	return NULL;
}

/* Every file present in @dir/@rel is listed (none added to the backup). */
static int
unlisted(const char *dir, const char *rel, struct listing *l, struct ca_backup_info *info)
{
	char *path = NULL, *sub = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = CA_OK;

	if (asprintf(&path, "%s%s%s", dir, *rel ? "/" : "", rel) < 0)
		return CA_ERR_ALLOC;
	if ((d = opendir(path)) == NULL) {
		r = say(info, CA_ERR_INPUT, "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	while (r == CA_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (*rel == '\0' && strcmp(de->d_name, CA_BACKUP_MANIFEST) == 0))
			continue;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
			r = CA_ERR_ALLOC;
			break;
		}
		free(path);
		path = NULL;
		if (asprintf(&path, "%s/%s", dir, sub) < 0 || lstat(path, &st) != 0)
			r = CA_ERR_IO;
		else if (S_ISDIR(st.st_mode))
			r = unlisted(dir, sub, l, info);
		else if (!S_ISREG(st.st_mode) || listing_find(l, sub) == NULL)
			r = say(info, CA_ERR_INPUT, "%s is not in the backup's manifest: the backup "
				"was altered", path);
		free(sub);
	}
	closedir(d);
	free(path);
	return r;
}

/* One listed file against its line: copied to @dest when not NULL. */
static int
entry_check(const char *dir, const char *dest, const struct entry *e,
	    struct ca_backup_info *info)
{
	char *src = NULL, *dst = NULL, sha[65];
	int64_t size = 0;
	int r = CA_ERR_ALLOC;

	if (asprintf(&src, "%s/%s", dir, e->path) < 0 ||
	    (dest != NULL && asprintf(&dst, "%s/%s", dest, e->path) < 0))
		goto out;
	if ((r = copy_hash(src, dst, e->mode, sha, &size)) != CA_OK) {
		r = say(info, errno == ENOENT ? CA_ERR_INPUT : r, "%s: %s%s", src, strerror(errno),
			errno == ENOENT ? ": the backup is incomplete" : "");
		goto out;
	}
	if (size != e->size || strcmp(sha, e->sha) != 0)
		r = say(info, CA_ERR_INPUT, "%s does not match the backup's manifest (%s): the "
			"backup is damaged or was altered", src, size != e->size ? "size" : "SHA-256");
out:
	free(src);
	free(dst);
	return r;
}

static int
check_all(const char *dir, struct ca_backup_info *info, struct listing *l)
{
	size_t i;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = manifest_read(dir, info, l)) != CA_OK)
		return r;
	for (i = 0; i < l->n; i++) {
		if (l->e[i].seen)
			return say(info, CA_ERR_INPUT, "the backup's manifest lists %s twice",
				   l->e[i].path);
		l->e[i].seen = true;
		if (listing_find(l, l->e[i].path) != &l->e[i])
			return say(info, CA_ERR_INPUT, "the backup's manifest lists %s twice",
				   l->e[i].path);
		if ((r = entry_check(dir, NULL, &l->e[i], info)) != CA_OK)
			return r;
		info->files++;
		info->bytes += l->e[i].size;
	}
	if (strcmp(info->registry, "sqlite") == 0 && listing_find(l, REGISTRY_FILE) == NULL)
		return say(info, CA_ERR_INPUT, "the backup has no registry.db");
	return unlisted(dir, "", l, info);
}

int
ca_backup_check(const char *dir, struct ca_backup_info *info)
{
	struct listing l = { NULL, 0 };
	int r = check_all(dir, info, &l);

	listing_clear(&l);
	return r;
}

/* The folders above DEST/@rel, 0700. */
static int
parents_make(const char *dest, const char *rel)
{
	char *p = NULL, *s;
	int r = CA_OK;

	if (asprintf(&p, "%s/%s", dest, rel) < 0)
		return CA_ERR_ALLOC;
	for (s = p + strlen(dest) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			r = CA_ERR_IO;
		*s = '/';
	}
	free(p);
	return r;
}

int
ca_backup_unpack(const char *dir, const char *dest, struct ca_backup_info *info)
{
	struct listing l = { NULL, 0 };
	size_t i;
	int r;

	if ((r = check_all(dir, info, &l)) != CA_OK)
		goto out;
	if (mkdir(dest, 0700) != 0) {
		r = say(info, errno == EEXIST ? CA_ERR_EXISTS : CA_ERR_IO, "%s: %s", dest,
			strerror(errno));
		goto out;
	}
	for (i = 0; i < l.n && r == CA_OK; i++)
		if ((r = parents_make(dest, l.e[i].path)) != CA_OK)
			r = say(info, r, "cannot create the folders of %s/%s", dest, l.e[i].path);
		else
			r = entry_check(dir, dest, &l.e[i], info);
	if (r == CA_OK && (r = dir_sync(dest)) != CA_OK)
		r = say(info, r, "cannot make %s durable", dest);
out:
	listing_clear(&l);
	return r;
}
