/*
 * card-image-io.c: card files — create, read, locked read-modify-write,
 * cheap presence stamps, and finding the card in a reader directory.
 *
 * Locking: an exclusive fcntl lock on "<image>.lock" excludes other
 * processes. We use open-file-description locks (F_OFD_SETLKW) where
 * available: unlike classic POSIX record locks, closing some other
 * descriptor of the same file (which a host application may do) does not
 * drop them. Threads of one process first take a per-path mutex, so at most
 * one thread per process ever waits in fcntl: besides excluding threads
 * where only POSIX locks exist, this keeps valgrind (which does not treat
 * F_OFD_SETLKW as a blocking call and would stall every thread) usable.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-image-int.h"
#include "pkcs11/card-guard.h"
#include "common/fileio.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#ifdef F_OFD_SETLKW
#define LOCK_CMD F_OFD_SETLKW
#else
#define LOCK_CMD F_SETLKW
#endif

/* In-process side of the lock: one entry per locked (or awaited) path. */
struct path_lock {
	char *path;
	pthread_mutex_t mutex;		/* held for as long as the file lock is */
	unsigned users;			/* holder + waiters; freed at 0 */
	int fd;				/* the holder's lock descriptor */
	dev_t dev;			/* identity of the lock file behind fd */
	ino_t ino;
	pid_t pid;			/* creator: a forked child ignores its parent's */
	struct path_lock *next;
};

static pthread_mutex_t path_locks_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct path_lock *path_locks;

struct cc_card_txn {
	char *path;
	int lock_fd;			/* the image's lock */
	int guard_fd;			/* the guard's lock for the serial, or -1 */
	const struct cc_card_guard *guard;	/* borrowed, may be NULL */
	struct cc_card *card;
};

CK_RV
cc_card_load(const char *path, struct cc_card **out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	CK_RV rv;
	int r;

	if (path == NULL || out == NULL)
		return CKR_ARGUMENTS_BAD;
	r = util_file_read_all(path, CC_CARD_MAX_SIZE, &buf, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return CKR_DEVICE_REMOVED;
	if (r == -EFBIG) {
		util_log(LOG_ERR, "%s: card image not recognized: larger than %u bytes", path,
			 CC_CARD_MAX_SIZE);
		return CKR_TOKEN_NOT_RECOGNIZED;
	}
	if (r == -EINVAL) {
		util_log(LOG_ERR, "%s: card image not recognized: not a regular file", path);
		return CKR_TOKEN_NOT_RECOGNIZED;
	}
	if (r == -ENOMEM)
		return CKR_HOST_MEMORY;
	if (r < 0) {
		util_log(LOG_ERR, "%s: cannot read card image: %s", path, strerror(-r));
		return CKR_DEVICE_ERROR;
	}
	rv = cc_card_decode(buf, len, path, out);
	OPENSSL_clear_free(buf, len);
	return rv;
}

/*
 * Never write what we would refuse to read: a caller that left the card
 * inconsistent (say tries_left > max_tries) gets an error now instead of an
 * unreadable card later.
 */
static CK_RV
check_readable(const char *path, const unsigned char *buf, size_t len)
{
	struct cc_card *back = NULL;

	if (cc_card_decode(buf, len, path, &back) != CKR_OK) {
		util_log(LOG_ERR, "%s: refusing to write an image that would not load", path);
		return CKR_GENERAL_ERROR;
	}
	cc_card_free(back);
	return CKR_OK;
}

/* Encode @card with @generation, refusing what would not load back. */
static CK_RV
encode_checked(const char *path, struct cc_card *card, uint64_t generation, unsigned char **buf,
	       size_t *len)
{
	CK_RV rv;

	/* A passcode the caller marked unset must not stay unwrappable. */
	if (!card->user.set)
		memset(&card->slots->user, 0, sizeof(card->slots->user));
	if ((rv = cc_card_encode(card, generation, buf, len)) != CKR_OK)
		return rv;
	if ((rv = check_readable(path, *buf, *len)) != CKR_OK) {
		OPENSSL_clear_free(*buf, *len);
		*buf = NULL;
	}
	return rv;
}

static CK_RV
write_failed(const char *path, int r)
{
	util_log(LOG_ERR, "%s: cannot write card image: %s", path, strerror(-r));
	return r == -ENOSPC || r == -EDQUOT ? CKR_DEVICE_MEMORY : CKR_DEVICE_ERROR;
}

/*
 * Serialise and atomically replace @path, raising the generation. With a
 * guard the generation also goes past the installation's record and the
 * record follows it (image first: a crash in between leaves an image newer
 * than its record, which is accepted). A card still rolled back (an SO
 * check on it before the re-initialisation) gets its record raised first
 * and kept ahead, so the write cannot lift the rollback.
 */
static CK_RV
write_image(const char *path, struct cc_card *card, const struct cc_card_guard *guard)
{
	uint64_t gen = card->generation + 1, rec = 0;
	unsigned char *buf = NULL;
	size_t len = 0;
	CK_RV rv;
	int r;

	if (guard != NULL && card->rolled_back) {
		rec = card->record > gen + 1 ? card->record : gen + 1;
		if ((rv = cc_card_guard_put(guard, card->serial, rec)) != CKR_OK)
			return rv;
		card->record = rec;
	} else if (guard != NULL && card->record >= gen) {
		gen = card->record + 1;
	}
	if ((rv = encode_checked(path, card, gen, &buf, &len)) != CKR_OK)
		return rv;
	r = util_file_write_atomic(path, buf, len, 0600);
	OPENSSL_clear_free(buf, len);
	if (r < 0)
		return write_failed(path, r);
	card->generation = gen;
	if (guard != NULL && !card->rolled_back) {
		if ((rv = cc_card_guard_put(guard, card->serial, gen)) != CKR_OK)
			return rv;
		card->record = gen;
	}
	return CKR_OK;
}

CK_RV
cc_card_manufacture(const char *path, const char *serial)
{
	struct cc_card *card = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	CK_RV rv;
	int r;

	if (path == NULL || !cc_card_serial_valid(serial))
		return CKR_ARGUMENTS_BAD;
	if ((rv = cc_card_new_blank(serial, &card)) != CKR_OK)
		return rv;
	if ((rv = cc_card_encode_content(card, &card->slots->content,
					 &card->slots->content_len)) != CKR_OK)
		goto out;
	/* A new card is generation 0; it never replaces an existing file. */
	if ((rv = encode_checked(path, card, 0, &buf, &len)) != CKR_OK)
		goto out;
	if ((r = util_file_write_new(path, buf, len, 0600)) == -EEXIST) {
		util_log(LOG_ERR, "%s: refusing to manufacture: file exists", path);
		rv = CKR_DEVICE_ERROR;
	} else if (r < 0) {
		rv = write_failed(path, r);
	}
out:
	OPENSSL_clear_free(buf, len);
	cc_card_free(card);
	return rv;
}

static int
lock_file(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	while (fcntl(fd, LOCK_CMD, &fl) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void
txn_free(struct cc_card_txn *txn)
{
	if (txn == NULL)
		return;
	cc_card_unlock(txn->guard_fd);
	cc_card_unlock(txn->lock_fd);
	cc_card_free(txn->card);
	free(txn->path);
	free(txn);
}

/*
 * In a forked child: an OFD lock is shared by every descriptor of its open
 * file, so the copy of the parent's lock descriptor that the child inherited
 * would keep the lock held (and this child waiting on itself) until the
 * child exits. Close it, if it still is that lock file.
 */
static void
drop_inherited(struct path_lock *pl)
{
	struct stat st;

	if (pl->fd >= 0 && fstat(pl->fd, &st) == 0 && st.st_dev == pl->dev &&
	    st.st_ino == pl->ino)
		close(pl->fd);
	pl->fd = -1;
}

/* Find or create the entry for @path and count us in. NULL on OOM. */
static struct path_lock *
path_lock_get(const char *path)
{
	pid_t me = getpid();
	struct path_lock *pl;

	pthread_mutex_lock(&path_locks_mutex);
	/*
	 * After fork() a parent's entry may be locked by a thread that does not
	 * exist here; such entries are skipped (and stay, a few bytes, unfreed).
	 */
	for (pl = path_locks; pl != NULL; pl = pl->next) {
		if (pl->pid != me)
			drop_inherited(pl);
		else if (strcmp(pl->path, path) == 0)
			break;
	}
	if (pl == NULL && (pl = calloc(1, sizeof(*pl))) != NULL) {
		if ((pl->path = strdup(path)) == NULL) {
			free(pl);
			pl = NULL;
		} else {
			pthread_mutex_init(&pl->mutex, NULL);
			pl->fd = -1;
			pl->pid = me;
			pl->next = path_locks;
			path_locks = pl;
		}
	}
	if (pl != NULL)
		pl->users++;
	pthread_mutex_unlock(&path_locks_mutex);
	return pl;
}

/* Count us out; the last user frees the entry. Caller no longer holds pl->mutex. */
static void
path_lock_put(struct path_lock *pl)
{
	struct path_lock **pp;

	pthread_mutex_lock(&path_locks_mutex);
	if (--pl->users == 0) {
		for (pp = &path_locks; *pp != pl; pp = &(*pp)->next)
			;
		*pp = pl->next;
		pthread_mutex_destroy(&pl->mutex);
		free(pl->path);
		free(pl);
	}
	pthread_mutex_unlock(&path_locks_mutex);
}

CK_RV
cc_card_lock(const char *path, int *out)
{
	char lockpath[PATH_MAX];
	struct path_lock *pl;
	struct stat st;
	int fd, r;

	if (path == NULL || out == NULL ||
	    snprintf(lockpath, sizeof(lockpath), "%s" CC_CARD_LOCK_EXT, path) >=
	    (int)sizeof(lockpath))
		return CKR_ARGUMENTS_BAD;
	if ((pl = path_lock_get(lockpath)) == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_lock(&pl->mutex);
	if ((fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		r = errno;
		util_log(LOG_ERR, "%s: cannot open lock file: %s", lockpath, strerror(r));
		pthread_mutex_unlock(&pl->mutex);
		path_lock_put(pl);
		return r == ENOENT || r == ENOTDIR ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR;
	}
	if ((r = lock_file(fd)) < 0) {
		util_log(LOG_ERR, "%s: cannot lock: %s", lockpath, strerror(-r));
		close(fd);
		pthread_mutex_unlock(&pl->mutex);
		path_lock_put(pl);
		return CKR_DEVICE_ERROR;
	}
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	pthread_mutex_lock(&path_locks_mutex);	/* cc_card_unlock scans fds under it */
	pl->fd = fd;
	pl->dev = st.st_dev;
	pl->ino = st.st_ino;
	pthread_mutex_unlock(&path_locks_mutex);
	*out = fd;
	return CKR_OK;
}

void
cc_card_unlock(int fd)
{
	struct path_lock *pl;

	if (fd < 0)
		return;
	pthread_mutex_lock(&path_locks_mutex);
	for (pl = path_locks; pl != NULL; pl = pl->next)
		if (pl->fd == fd && pl->pid == getpid())
			break;
	if (pl != NULL)
		pl->fd = -1;
	pthread_mutex_unlock(&path_locks_mutex);
	close(fd);	/* drops the file lock */
	if (pl != NULL) {
		pthread_mutex_unlock(&pl->mutex);
		path_lock_put(pl);
	}
}

/* Under the image lock: the guard's lock, its record, the rollback verdict. */
static CK_RV
txn_guard(struct cc_card_txn *txn, unsigned flags)
{
	struct cc_card *card = txn->card;
	CK_RV rv;

	if ((rv = cc_card_guard_lock(txn->guard, card->serial, &txn->guard_fd)) != CKR_OK)
		return rv;
	if ((rv = cc_card_guard_check(txn->guard, card)) != CKR_OK)
		return rv;
	if (card->rolled_back && !(flags & CC_TXN_ALLOW_ROLLBACK))
		return CKR_TOKEN_NOT_RECOGNIZED;	/* logged by cc_card_guard_check */
	return CKR_OK;
}

CK_RV
cc_card_txn_open(const char *path, const struct cc_card_guard *guard, unsigned flags,
		 struct cc_card_txn **out)
{
	struct cc_card_txn *txn = NULL;
	CK_RV rv = CKR_HOST_MEMORY;

	if (path == NULL || out == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((txn = calloc(1, sizeof(*txn))) == NULL)
		return CKR_HOST_MEMORY;
	txn->lock_fd = txn->guard_fd = -1;
	txn->guard = guard;
	if ((txn->path = strdup(path)) == NULL)
		goto out;
	if ((rv = cc_card_lock(path, &txn->lock_fd)) != CKR_OK)
		goto out;
	/* Every writer holds this lock: a temporary left now is a dead writer's. */
	util_file_remove_stale_temps(path);
	if ((rv = cc_card_load(path, &txn->card)) != CKR_OK)
		goto out;
	if (guard != NULL && (rv = txn_guard(txn, flags)) != CKR_OK)
		goto out;
	*out = txn;
	txn = NULL;
out:
	txn_free(txn);
	return rv;
}

CK_RV
cc_card_txn_begin(const char *path, struct cc_card_txn **out)
{
	return cc_card_txn_open(path, NULL, 0, out);
}

struct cc_card *
cc_card_txn_card(struct cc_card_txn *txn)
{
	return txn ? txn->card : NULL;
}

/*
 * With @key: prove the key against the content as last loaded (a stale key
 * would make the image unreadable for its holder), then MAC the new content.
 * Without: the content must be exactly what was loaded, because its stored
 * MAC is kept.
 */
static CK_RV
txn_prepare_content(struct cc_card *card, const struct cc_card_key *key)
{
	struct cc_card_slots *sl = card->slots;
	unsigned char *content = NULL, mac[CC_IMG_MAC_LEN];
	size_t len = 0;
	CK_RV rv;

	if (key != NULL && card->initialized) {
		rv = cc_card_content_mac(card->serial, key, sl->content, sl->content_len, mac);
		if (rv != CKR_OK)
			return rv;
		if (CRYPTO_memcmp(mac, sl->mac, sizeof(mac)) != 0) {
			util_log(LOG_ERR, "card %s: commit refused: the card key does not match "
				 "this card (re-initialised, or tampered with)", card->serial);
			return CKR_DEVICE_ERROR;
		}
		return cc_card_refresh_mac(card, key);
	}
	if ((rv = cc_card_encode_content(card, &content, &len)) != CKR_OK)
		return rv;
	if (len != sl->content_len || memcmp(content, sl->content, len) != 0) {
		util_log(LOG_ERR, "card %s: commit refused: label or objects changed without "
			 "the card key", card->serial);
		rv = CKR_USER_NOT_LOGGED_IN;
	}
	free(content);
	return rv;
}

CK_RV
cc_card_txn_write(struct cc_card_txn *txn, const struct cc_card_key *key)
{
	struct stat st;
	CK_RV rv;

	if (txn == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = txn_prepare_content(txn->card, key)) != CKR_OK)
		return rv;
	/* Don't resurrect a card that was taken out of the reader meanwhile. */
	if (stat(txn->path, &st) < 0)
		return CKR_DEVICE_REMOVED;
	return write_image(txn->path, txn->card, txn->guard);
}

CK_RV
cc_card_txn_commit(struct cc_card_txn *txn, const struct cc_card_key *key)
{
	CK_RV rv = cc_card_txn_write(txn, key);

	txn_free(txn);
	return rv;
}

void
cc_card_txn_abort(struct cc_card_txn *txn)
{
	txn_free(txn);
}

CK_RV
cc_card_stamp(const char *path, struct cc_card_stamp *out)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? CKR_DEVICE_REMOVED : CKR_DEVICE_ERROR;
	memset(out, 0, sizeof(*out));
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	out->size = st.st_size;
	return CKR_OK;
}

bool
cc_card_stamp_equal(const struct cc_card_stamp *a, const struct cc_card_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->mtime_ns == b->mtime_ns &&
	       a->size == b->size;
}

/* "x.card" but not ".x.card", "x.card.lock" or "x.card.tmp.XXXXXX". */
static bool
is_card_name(const char *name)
{
	size_t n = strlen(name), e = strlen(CC_CARD_EXT);

	return name[0] != '.' && n > e && strcmp(name + n - e, CC_CARD_EXT) == 0;
}

CK_RV
cc_card_find_in_reader(const char *dir, char *path, size_t size)
{
	DIR *d;
	struct dirent *de;
	char best[NAME_MAX + 1] = "";
	unsigned found = 0;
	CK_RV rv = CKR_TOKEN_NOT_PRESENT;

	if (dir == NULL || path == NULL || size == 0)
		return CKR_ARGUMENTS_BAD;
	if ((d = opendir(dir)) == NULL)
		return CKR_TOKEN_NOT_PRESENT;	/* no directory: an empty reader */
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!is_card_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		/* Several cards in one reader is a setup error; pick one deterministically. */
		if (found++ == 0 || strcmp(de->d_name, best) < 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (found > 1)
		util_log(LOG_WARNING, "%s: %u card images in one reader; using %s", dir, found,
			 best);
	if (found > 0) {
		rv = CKR_OK;
		if (snprintf(path, size, "%s/%s", dir, best) >= (int)size)
			rv = CKR_BUFFER_TOO_SMALL;
	}
	return rv;
}
