/*
 * Unit tests for card store transactions (pkcs11/card-image-io.c,
 * card-guard.c): locking across processes and threads, writes that keep
 * the lock, stale temporaries, the format migration on write, and the
 * installation's rollback guard.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pkcs11/card-guard.h"
#include "pkcs11/card-image.h"
#include "tests/unit/test-card-image-fixture.h"

/* In a child: one locked read-modify-write bumping user.changed_at. */
static int
bump(const char *path)
{
	struct cc_card_txn *txn = NULL;

	if (cc_card_txn_begin(path, &txn) != CKR_OK)
		return 1;
	cc_card_txn_card(txn)->user.changed_at++;
	return cc_card_txn_commit(txn, NULL) == CKR_OK ? 0 : 1;
}

static void
wait_ok(pid_t pid)
{
	int status = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_txn_other_process(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	struct cc_card *card = NULL;
	pid_t pid;

	make_card(fx, &key);
	if ((pid = fork()) == 0) {
		struct cc_card_txn *txn = NULL;
		int r = cc_card_txn_begin(fx->path, &txn) != CKR_OK;

		if (r == 0) {
			cc_card_txn_card(txn)->user.tries_left = 1;
			r = cc_card_txn_commit(txn, NULL) != CKR_OK;
		}
		_exit(r);
	}
	assert_true(pid > 0);
	wait_ok(pid);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.tries_left, 1);
	assert_int_equal(card->generation, 2);
	cc_card_free(card);
}

/*
 * fork() while a transaction is open: the child must not inherit the lock
 * (it would wait on itself) and the parent's commit must still land.
 */
static void
test_txn_fork_while_locked(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card = NULL;
	int go[2];
	pid_t pid;
	char c = 0;

	make_card(fx, &key);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	if ((pid = fork()) == 0) {
		/* Waits for the parent's commit, then bumps on top of it. */
		close(go[1]);
		_exit(read(go[0], &c, 1) != 1 || bump(fx->path) != 0);
	}
	assert_true(pid > 0);
	close(go[0]);
	cc_card_txn_card(txn)->user.changed_at = 5000;
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	wait_ok(pid);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.changed_at, 5001);
	cc_card_free(card);
	/* And the parent can still lock after the child is gone. */
	assert_int_equal(bump(fx->path), 0);
}

static void
test_txn_contention(void **state)
{
	struct fx *fx = *state;
	enum { NCHILD = 4, NBUMP = 50 };
	struct cc_card_key key;
	struct cc_card *card = NULL;
	pid_t pids[NCHILD];
	int i;

	make_card(fx, &key);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.changed_at, 1000);
	cc_card_free(card);
	for (i = 0; i < NCHILD; i++) {
		if ((pids[i] = fork()) == 0) {
			int j, r = 0;

			for (j = 0; j < NBUMP; j++)
				r |= bump(fx->path);
			_exit(r);
		}
		assert_true(pids[i] > 0);
	}
	for (i = 0; i < NCHILD; i++)
		wait_ok(pids[i]);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.changed_at, 1000 + NCHILD * NBUMP);
	assert_int_equal(card->generation, 1 + NCHILD * NBUMP);
	cc_card_free(card);
}

static void *
bump_thread(void *arg)
{
	int j, r = 0;

	for (j = 0; j < 50; j++)
		r |= bump(arg);
	return r ? arg : NULL;
}

/* Threads of one process must exclude each other too (OFD locks, not POSIX). */
static void
test_txn_threads(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	struct cc_card *card = NULL;
	pthread_t t[4];
	void *ret;
	int i;

	make_card(fx, &key);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bump_thread, fx->path), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.changed_at, 1000 + 4 * 50);
	assert_int_equal(card->generation, 1 + 4 * 50);
	cc_card_free(card);
}


/*
 * cc_card_txn_write: the state is on disk at once, the lock stays held (a
 * second process waits), and the final commit builds on the written state.
 */
static void
test_txn_write_keeps_lock(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card = NULL;
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	int status;
	pid_t pid;

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	cc_card_txn_card(txn)->user.tries_left = 2;
	assert_int_equal(cc_card_txn_write(txn, NULL), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.tries_left, 2);
	assert_int_equal(card->generation, 2);
	cc_card_free(card);
	if ((pid = fork()) == 0)
		_exit(bump(fx->path));
	assert_true(pid > 0);
	nanosleep(&pause, NULL);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);	/* still waiting for us */
	cc_card_txn_card(txn)->user.tries_left = 3;
	cc_card_txn_card(txn)->user.changed_at = 7000;
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	wait_ok(pid);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(card->user.tries_left, 3);
	assert_int_equal(card->user.changed_at, 7001);	/* the child's bump came after */
	assert_int_equal(card->generation, 4);
	cc_card_free(card);
}

static void
touch(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, "partial", 7), 7);
	close(fd);
}

static bool
exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* A writer killed between its temporary and the rename leaves the temporary: the next open removes it. */
static void
test_stale_temps_removed(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;

	make_card(fx, &key);
	touch(fx->dir, "card.card.tmp.Ab3dE9");
	touch(fx->dir, "card.card.tmp.notours");	/* not a mkostemp name */
	touch(fx->dir, "other.card.tmp.Ab3dE9");	/* another card's */
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	assert_false(exists(fx->dir, "card.card.tmp.Ab3dE9"));
	assert_true(exists(fx->dir, "card.card.tmp.notours"));
	assert_true(exists(fx->dir, "other.card.tmp.Ab3dE9"));
	cc_card_txn_abort(txn);
}

/* Version 1 images are still read, and written back as the current version. */
static void
test_version1_migrated(void **state)
{
	struct fx *fx = *state;
	struct cc_card_key key, back;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card = NULL;
	unsigned char *img;
	size_t len;

	make_card(fx, &key);
	img = read_file(fx->path, &len);
	assert_int_equal(img[8], 0);
	assert_int_equal(img[9], 2);
	img[9] = 1;
	fix_checksum(img, len);
	write_file(fx->path, img, len);
	free(img);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &back), CKR_OK);
	cc_card_free(card);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	img = read_file(fx->path, &len);
	assert_int_equal(img[9], 2);
	free(img);
	cc_card_key_clear(&back);
}

static struct cc_card_guard *
new_guard(const struct fx *fx)
{
	struct cc_card_guard *g = NULL;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/state", fx->dir);
	assert_int_equal(cc_card_guard_new(dir, &g), CKR_OK);
	return g;
}

/* One guarded write that takes a user try, like a failed login. */
static void
take_try(const struct fx *fx, const struct cc_card_guard *g, const char *path)
{
	struct cc_card_txn *txn = NULL;

	assert_int_equal(cc_card_txn_open(path, g, 0, &txn), CKR_OK);
	cc_card_txn_card(txn)->user.tries_left--;
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	(void)fx;
}

static bool
rolled_back(const struct cc_card_guard *g, const char *path)
{
	struct cc_card *card = NULL;
	bool r;

	assert_int_equal(cc_card_load(path, &card), CKR_OK);
	assert_int_equal(cc_card_guard_check(g, card), CKR_OK);
	r = card->rolled_back;
	cc_card_free(card);
	return r;
}

/*
 * The attack of issue 15: copy the image after a wrong try, let the card
 * lock, put the copy back. The guard refuses it; only the SO's
 * re-initialisation (C_InitToken) makes it usable again, and an SO check
 * on it before that (a write of the rolled-back card) cannot lift the
 * rollback.
 */
static void
test_rollback_refused(void **state)
{
	struct fx *fx = *state;
	struct cc_card_guard *g = new_guard(fx);
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	uint64_t rec = 0;
	unsigned char *copy;
	size_t len;

	make_card(fx, &key);
	take_try(fx, g, fx->path);
	assert_int_equal(cc_card_guard_get(g, SERIAL, &rec), CKR_OK);
	assert_int_equal(rec, 2);			/* image generation 2, recorded */
	copy = read_file(fx->path, &len);		/* two tries left */
	take_try(fx, g, fx->path);
	take_try(fx, g, fx->path);			/* locked */
	assert_false(rolled_back(g, fx->path));
	write_file(fx->path, copy, len);		/* the copy goes back */
	assert_true(rolled_back(g, fx->path));
	assert_true(log_has(fx, "image generation 2 is older than this installation's record 4"));
	assert_true(log_has(fx, "refused as a rollback"));
	assert_int_equal(cc_card_txn_open(fx->path, g, 0, &txn), CKR_TOKEN_NOT_RECOGNIZED);

	/* An SO try on it is written, but the record stays ahead. */
	assert_int_equal(cc_card_txn_open(fx->path, g, CC_TXN_ALLOW_ROLLBACK, &txn), CKR_OK);
	cc_card_txn_card(txn)->so.tries_left--;
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	assert_true(rolled_back(g, fx->path));
	assert_int_equal(cc_card_guard_get(g, SERIAL, &rec), CKR_OK);
	assert_true(rec > 3);

	/* Re-initialised by the SO: usable again, record = image. */
	assert_int_equal(cc_card_txn_open(fx->path, g, CC_TXN_ALLOW_ROLLBACK, &txn), CKR_OK);
	card = cc_card_txn_card(txn);
	assert_int_equal(cc_card_init_token(card, (const unsigned char *)SO_PIN, strlen(SO_PIN),
					    "Again", 3, &fast_kdf, &key), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, &key), CKR_OK);
	assert_false(rolled_back(g, fx->path));
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	assert_int_equal(cc_card_guard_get(g, SERIAL, &rec), CKR_OK);
	assert_int_equal(rec, card->generation);
	cc_card_free(card);
	free(copy);
	cc_card_key_clear(&key);
	cc_card_guard_free(g);
}

/* The record is keyed by serial: a copy in a second reader is refused once the first moved on. */
static void
test_rollback_other_reader(void **state)
{
	struct fx *fx = *state;
	struct cc_card_guard *g = new_guard(fx);
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	char other[PATH_MAX];
	unsigned char *img;
	size_t len;

	make_card(fx, &key);
	snprintf(other, sizeof(other), "%s/copy.card", fx->dir);
	img = read_file(fx->path, &len);
	write_file(other, img, len);
	free(img);
	take_try(fx, g, fx->path);
	assert_int_equal(cc_card_txn_open(other, g, 0, &txn), CKR_TOKEN_NOT_RECOGNIZED);
	cc_card_guard_free(g);
}

/* A damaged record fails closed, with a message that says where. */
static void
test_guard_damaged_record(void **state)
{
	struct fx *fx = *state;
	struct cc_card_guard *g = new_guard(fx);
	struct cc_card_key key;
	struct cc_card_txn *txn = NULL;
	char rec[PATH_MAX];

	make_card(fx, &key);
	take_try(fx, g, fx->path);
	snprintf(rec, sizeof(rec), "%s/state/generations/%s", fx->dir, SERIAL);
	write_file(rec, (const unsigned char *)"12x\n", 4);
	assert_int_equal(cc_card_txn_open(fx->path, g, 0, &txn), CKR_DEVICE_ERROR);
	assert_true(log_has(fx, "rollback record unreadable or damaged"));
	write_file(rec, (const unsigned char *)"2\n", 2);	/* lower than the image: fine */
	take_try(fx, g, fx->path);
	cc_card_guard_free(g);
}

/* A login moves a card to the policy's KDF without touching the passcode state. */
static void
test_rewrap_user(void **state)
{
	struct fx *fx = *state;
	static const struct cc_kdf_params stronger = { .n = 2048, .r = 8, .p = 2 };
	struct cc_card_key key, back;
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_kdf_params k;

	make_card(fx, &key);
	assert_int_equal(cc_card_txn_begin(fx->path, &txn), CKR_OK);
	card = cc_card_txn_card(txn);
	card->user.tries_left = 2;
	card->user.must_change = true;
	assert_int_equal(cc_card_rewrap_user(card, &key, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &stronger), CKR_OK);
	assert_int_equal(cc_card_txn_commit(txn, NULL), CKR_OK);
	assert_int_equal(cc_card_load(fx->path, &card), CKR_OK);
	k = cc_card_user_kdf(card);
	assert_int_equal(k.n, 2048);
	assert_int_equal(k.p, 2);
	assert_int_equal(card->user.tries_left, 2);
	assert_true(card->user.must_change);
	assert_int_equal(card->user.changed_at, 1000);
	assert_int_equal(cc_card_unwrap_user(card, (const unsigned char *)USER_PIN,
					     strlen(USER_PIN), &back), CKR_OK);
	assert_memory_equal(back.k, key.k, sizeof(key.k));
	cc_card_free(card);
	cc_card_key_clear(&key);
	cc_card_key_clear(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_txn_other_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_fork_while_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_contention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_keeps_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_temps_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version1_migrated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_other_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_damaged_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrap_user, setup, teardown),
	};

	/* Exactly one group per binary: each group prints its own TAP plan. */
	return cmocka_run_group_tests_name("card-image-txn", tests, NULL, NULL);
}
