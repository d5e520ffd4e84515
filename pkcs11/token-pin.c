/*
 * token-pin.c: the passcode check and everything that edits the card image
 * on behalf of the token: C_InitToken, C_InitPIN, C_SetPIN and the object
 * edits (cc_token_edit_locked). The card's file lock is the one that
 * counts across processes; the module lock is never held across the KDF or
 * a card write.
 */
#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "pkcs11/audit.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token-pin.h"

#define SO_PIN_MIN 4
#define SO_PIN_MAX 64

#ifdef CC_TEST_HOOKS
/*
 * Test builds only (--enable-test-hooks): die at a named point of the
 * passcode check when CARECARD_TEST_KILL_AT says so, so a test can kill a
 * process exactly between the written try and its restoration
 * (tests/module/test-multilogin.c). Release builds have no such switch.
 */
static void
kill_point(const char *name)
{
	const char *at = getenv("CARECARD_TEST_KILL_AT");

	if (at != NULL && strcmp(at, name) == 0)
		raise(SIGKILL);
}
#else
#define kill_point(name) do { } while (0)
#endif

void
cc_pin_job_init(struct cc_pin_job *job, struct cc_state *st, const struct cc_slot *slot, bool so)
{
	memset(job, 0, sizeof(*job));
	memcpy(job->path, slot->path, sizeof(job->path));
	memcpy(job->serial, slot->card->serial, sizeof(job->serial));
	job->slot = slot->id;
	job->instance = slot->instance;
	job->so = so;
	job->guard = st->guard;
}

/* Under the lock: is this card the job's, with a passcode that can be tried? */
static CK_RV
check_triable(const struct cc_pin_job *job, const struct cc_card *card)
{
	const struct cc_pin_state *ps = job->so ? &card->so : &card->user;

	if (strcmp(card->serial, job->serial) != 0)
		return CKR_DEVICE_REMOVED;
	if (!card->initialized || !ps->set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if (ps->tries_left == 0)
		return CKR_PIN_LOCKED;
	return CKR_OK;
}

static void
audit_wrong(const struct cc_pin_job *job, const struct cc_pin_state *ps)
{
	const char *who = job->so ? "SO" : "user";

	cc_audit(LOG_NOTICE, job->serial, job->slot, "%s passcode incorrect, %u tries left", who,
		 ps->tries_left);
	if (ps->tries_left == 0)
		cc_audit(LOG_NOTICE, job->serial, job->slot, "%s passcode locked", who);
}

CK_RV
cc_pin_check(const struct cc_pin_job *job, const unsigned char *pin, size_t len,
	     struct cc_card_key *key)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_pin_state *ps;
	struct cc_card_key k;
	CK_RV rv;

	memset(&k, 0, sizeof(k));
	if ((rv = cc_card_txn_open(job->path, job->guard, job->txn_flags, &txn)) != CKR_OK)
		return rv;
	card = cc_card_txn_card(txn);
	ps = job->so ? &card->so : &card->user;
	if ((rv = check_triable(job, card)) != CKR_OK)
		goto out;
	/* The try is on disk before the KDF runs: a kill from here on costs it. */
	ps->tries_left--;
	if ((rv = cc_card_txn_write(txn, NULL)) != CKR_OK)
		goto out;
	kill_point("pin-try-written");
	rv = job->so ? cc_card_unwrap_so(card, pin, len, &k) : cc_card_unwrap_user(card, pin, len, &k);
	kill_point("pin-kdf-done");
	if (rv == CKR_PIN_INCORRECT) {
		audit_wrong(job, ps);
		if (ps->tries_left == 0)
			rv = CKR_PIN_LOCKED;
		goto out;
	}
	if (rv != CKR_OK)
		goto out;
	/* Right: the counter goes back to its maximum, in the same transaction. */
	ps->tries_left = ps->max_tries;
	if (job->then != NULL && (rv = job->then(card, &k, job->arg)) != CKR_OK)
		goto out;
	rv = cc_card_txn_commit(txn, job->then != NULL ? &k : NULL);
	txn = NULL;
	if (rv == CKR_OK)
		*key = k;
out:
	cc_card_txn_abort(txn);
	cc_card_key_clear(&k);
	return rv;
}

CK_RV
cc_pin_job_relock(struct cc_state *st, const struct cc_pin_job *job, struct cc_slot **slot)
{
	cc_state_relock_busy();
	if (!st->initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	*slot = cc_slot_get_locked(st, job->slot);
	cc_slot_refresh_locked(st, *slot);
	if ((*slot)->instance != job->instance)
		return CKR_DEVICE_REMOVED;
	return CKR_OK;
}

/*
 * One passcode check per token at a time within this process. Across
 * processes the card's file lock orders the checks (cc_pin_check); inside
 * one, a second thread would only wait for that lock and then find the
 * token logged in, so it waits here instead, with the module lock released
 * (later callers see CKR_USER_ALREADY_LOGGED_IN). The session is looked up
 * again after each wait: it may have been closed meanwhile.
 */
CK_RV
cc_pin_gate_enter(struct cc_state *st, CK_SESSION_HANDLE h, struct cc_session **s,
		  struct cc_slot **slot)
{
	CK_RV rv;

	while ((*slot)->pin_busy) {
		cc_state_wait_locked(50);
		if (!st->initialized)
			return CKR_CRYPTOKI_NOT_INITIALIZED;
		if ((rv = cc_session_lookup_locked(st, h, s, slot)) != CKR_OK)
			return rv;
	}
	(*slot)->pin_busy = true;
	return CKR_OK;
}

void
cc_pin_gate_leave(struct cc_state *st, CK_SLOT_ID id)
{
	if (!st->initialized)
		return;		/* finalized meanwhile: the slot is gone */
	cc_slot_get_locked(st, id)->pin_busy = false;
	cc_state_wake_locked();
}

CK_RV
cc_token_edit_locked(struct cc_state *st, struct cc_slot *slot, bool with_key, cc_card_edit_fn fn,
		     void *arg)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_card_key key;
	struct cc_pin_job job;
	CK_RV rv, rv2;

	if (with_key && slot->login == CC_LOGIN_NONE)
		return CKR_USER_NOT_LOGGED_IN;
	cc_pin_job_init(&job, st, slot, false);
	key = slot->key;
	cc_state_unlock_busy();
	if ((rv = cc_card_txn_open(job.path, job.guard, 0, &txn)) == CKR_OK) {
		card = cc_card_txn_card(txn);
		rv = strcmp(card->serial, job.serial) != 0 ? CKR_DEVICE_REMOVED
							   : fn(card, with_key ? &key : NULL, arg);
		if (rv == CKR_OK)
			rv = cc_card_txn_commit(txn, with_key ? &key : NULL);
		else
			cc_card_txn_abort(txn);
	}
	cc_card_key_clear(&key);
	if ((rv2 = cc_pin_job_relock(st, &job, &slot)) != CKR_OK)
		return rv2;
	return rv;
}

/* C_InitToken's card edit: a new card key under the SO secret; objects and user passcode gone. */
struct init_arg {
	const unsigned char *so_pin;
	CK_ULONG len;
	const char *label;
	uint8_t so_max_tries;
	const struct cc_kdf_params *kdf;
};

static CK_RV
init_then(struct cc_card *card, struct cc_card_key *key, void *arg)
{
	struct init_arg *a = arg;

	cc_card_key_clear(key);
	return cc_card_init_token(card, a->so_pin, a->len, a->label, a->so_max_tries, a->kdf, key);
}

/* A blank card: nothing to check, the SO secret is set for the first time. */
static CK_RV
init_blank(const struct cc_pin_job *job, struct init_arg *a)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_card_key key;
	CK_RV rv;

	memset(&key, 0, sizeof(key));
	if ((rv = cc_card_txn_open(job->path, job->guard, CC_TXN_ALLOW_ROLLBACK, &txn)) != CKR_OK)
		return rv;
	card = cc_card_txn_card(txn);
	if (strcmp(card->serial, job->serial) != 0)
		rv = CKR_DEVICE_REMOVED;
	else if (card->initialized)
		rv = CKR_PIN_INCORRECT;	/* initialised meanwhile: its SO secret was not checked */
	else
		rv = init_then(card, &key, a);
	if (rv == CKR_OK)
		rv = cc_card_txn_commit(txn, &key);
	else
		cc_card_txn_abort(txn);
	cc_card_key_clear(&key);
	return rv;
}

CK_RV
cc_token_init_locked(struct cc_state *st, struct cc_slot *slot, const unsigned char *so_pin,
		     CK_ULONG len, const unsigned char label[32])
{
	char lab[CC_CARD_LABEL_MAX + 1];
	struct init_arg a = { so_pin, len, lab, (uint8_t)st->conf->so_max_tries, &st->conf->kdf };
	struct cc_card_key key;
	struct cc_pin_job job;
	size_t n = 32;
	bool was_init = slot->card->initialized;
	CK_RV rv, rv2;

	if (cc_session_count_locked(st, slot->id, false) > 0)
		return CKR_SESSION_EXISTS;
	if (len < SO_PIN_MIN || len > SO_PIN_MAX)
		return CKR_PIN_LEN_RANGE;
	if (was_init && slot->card->so.tries_left == 0)
		return CKR_PIN_LOCKED;	/* an SO-locked card is dead */
	while (n > 0 && (label[n - 1] == ' ' || label[n - 1] == '\0'))
		n--;
	memcpy(lab, label, n);
	lab[n] = '\0';
	cc_pin_job_init(&job, st, slot, true);
	/* Re-personalising is also how an SO takes back a card refused as a rollback. */
	job.txn_flags = CC_TXN_ALLOW_ROLLBACK;
	job.then = init_then;
	job.arg = &a;
	memset(&key, 0, sizeof(key));
	cc_state_unlock_busy();
	/* Re-initialising needs the current SO secret, checked like any passcode. */
	rv = was_init ? cc_pin_check(&job, so_pin, len, &key) : init_blank(&job, &a);
	cc_card_key_clear(&key);
	if ((rv2 = cc_pin_job_relock(st, &job, &slot)) != CKR_OK && rv2 != CKR_DEVICE_REMOVED)
		return rv2;
	cc_audit(LOG_NOTICE, job.serial, job.slot, "token %s (label '%s'): 0x%lx",
		 was_init ? "re-initialised" : "initialised", lab, (unsigned long)rv);
	return rv;
}

struct set_pin_arg {
	const unsigned char *pin;
	CK_ULONG len;
	uint8_t max_tries;
	const struct cc_kdf_params *kdf;
	bool so;
};

/* Wrap @key under the new passcode (a cc_card_edit_fn). */
static CK_RV
set_pin_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct set_pin_arg *a = arg;

	if (a->so)
		return cc_card_set_so_pin(card, key, a->pin, a->len, a->max_tries, a->kdf);
	return cc_card_set_user_pin(card, key, a->pin, a->len, a->max_tries, (int64_t)time(NULL),
				    a->kdf);
}

/* The same after the old passcode was checked (a cc_pin_job then). */
static CK_RV
set_pin_then(struct cc_card *card, struct cc_card_key *key, void *arg)
{
	return set_pin_fn(card, key, arg);
}

CK_RV
cc_token_init_pin_locked(struct cc_state *st, struct cc_session *s, const unsigned char *pin,
			 CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	const struct cc_passcode_rules *r = &st->conf->passcode;
	struct set_pin_arg a = { pin, len, (uint8_t)r->max_tries, &st->conf->kdf, false };
	char serial[CC_CARD_SERIAL_LEN + 1];
	CK_SLOT_ID id = slot->id;
	CK_RV rv;

	if (slot->login != CC_LOGIN_SO)
		return CKR_USER_NOT_LOGGED_IN;
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (len < r->min_len || len > r->max_len)
		return CKR_PIN_LEN_RANGE;
	memcpy(serial, slot->card->serial, sizeof(serial));
	/* The Sponsor/RA unlock: a new passcode and a full retry counter. */
	rv = cc_token_edit_locked(st, slot, true, set_pin_fn, &a);
	cc_audit(LOG_NOTICE, serial, id, "user passcode set by SO (unlock/reset): 0x%lx",
		 (unsigned long)rv);
	return rv;
}

/* C_SetPIN: the old passcode is checked like a login, the new one set under the same lock. */
CK_RV
cc_pin_set_locked(struct cc_state *st, struct cc_session *s, const unsigned char *old,
		  CK_ULONG oldlen, const unsigned char *pin, CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	const struct cc_passcode_rules *r = &st->conf->passcode;
	bool so = slot->login == CC_LOGIN_SO;
	struct set_pin_arg a = { pin, len, (uint8_t)(so ? st->conf->so_max_tries : r->max_tries),
				 &st->conf->kdf, so };
	struct cc_card_key key;
	struct cc_pin_job job;
	CK_RV rv, rv2;

	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (so ? (len < SO_PIN_MIN || len > SO_PIN_MAX) : (len < r->min_len || len > r->max_len))
		return CKR_PIN_LEN_RANGE;
	if (!so && !slot->card->user.set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if ((so ? slot->card->so.tries_left : slot->card->user.tries_left) == 0)
		return CKR_PIN_LOCKED;
	cc_pin_job_init(&job, st, slot, so);
	job.then = set_pin_then;
	job.arg = &a;
	memset(&key, 0, sizeof(key));
	cc_state_unlock_busy();
	rv = cc_pin_check(&job, old, oldlen, &key);
	cc_card_key_clear(&key);
	if ((rv2 = cc_pin_job_relock(st, &job, &slot)) != CKR_OK)
		return rv2;
	cc_audit(LOG_NOTICE, job.serial, job.slot, "%s passcode change: 0x%lx", so ? "SO" : "user",
		 (unsigned long)rv);
	return rv;
}
