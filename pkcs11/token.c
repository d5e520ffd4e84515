#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "pkcs11/audit.h"
#include "pkcs11/pad.h"
#include "pkcs11/pkey.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"
#include "pkcs11/token.h"

#define SO_PIN_MIN 4
#define SO_PIN_MAX 64

CK_FLAGS
cc_token_flags(const struct cc_card *card, const struct cc_passcode_rules *rules, int64_t now)
{
	const struct cc_pin_state *u = &card->user, *so = &card->so;
	CK_FLAGS f = CKF_RNG | CKF_LOGIN_REQUIRED;

	if (card->initialized)
		f |= CKF_TOKEN_INITIALIZED;
	if (u->set) {
		f |= CKF_USER_PIN_INITIALIZED;
		/* COUNT_LOW: a wrong passcode since the last success (v2.40 CK_TOKEN_INFO). */
		if (u->tries_left < u->max_tries)
			f |= CKF_USER_PIN_COUNT_LOW;
		if (u->tries_left == 1)
			f |= CKF_USER_PIN_FINAL_TRY;
		if (u->tries_left == 0)
			f |= CKF_USER_PIN_LOCKED;
		if (u->must_change ||
		    (rules->max_age > 0 && now >= u->changed_at + rules->max_age - rules->warn_before))
			f |= CKF_USER_PIN_TO_BE_CHANGED;
	}
	if (card->initialized) {
		if (so->tries_left < so->max_tries)
			f |= CKF_SO_PIN_COUNT_LOW;
		if (so->tries_left == 1)
			f |= CKF_SO_PIN_FINAL_TRY;
		if (so->tries_left == 0)
			f |= CKF_SO_PIN_LOCKED;
	}
	return f;
}

bool
cc_token_pin_expired(const struct cc_card *card, const struct cc_passcode_rules *rules,
		     int64_t now)
{
	return card->user.set && rules->max_age > 0 && now >= card->user.changed_at + rules->max_age;
}

void
cc_token_info_locked(struct cc_state *st, struct cc_slot *slot, CK_TOKEN_INFO *info)
{
	const struct cc_passcode_rules *r = &st->conf->passcode;

	memset(info, 0, sizeof(*info));
	cc_pad_copy(info->label, sizeof(info->label), slot->card->label);
	cc_pad_copy(info->manufacturerID, sizeof(info->manufacturerID), "carecard");
	cc_pad_copy(info->model, sizeof(info->model), "virtual card");
	cc_pad_copy(info->serialNumber, sizeof(info->serialNumber), slot->card->serial);
	info->flags = cc_token_flags(slot->card, r, (int64_t)time(NULL));
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulSessionCount = cc_session_count_locked(st, slot->id, false);
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulRwSessionCount = cc_session_count_locked(st, slot->id, true);
	info->ulMaxPinLen = r->max_len;
	info->ulMinPinLen = r->min_len;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion.major = 1;
	info->firmwareVersion.major = 0;
	info->firmwareVersion.minor = 1;
	cc_pad_copy(info->utcTime, sizeof(info->utcTime), NULL);	/* no CKF_CLOCK_ON_TOKEN */
}

/* What a passcode check needs from the slot, copied so the lock can go. */
struct pin_job {
	char path[PATH_MAX];
	char serial[CC_CARD_SERIAL_LEN + 1];
	CK_SLOT_ID slot;
	uint64_t instance;
	bool so;
};

static void
job_from_slot(struct pin_job *job, const struct cc_slot *slot, bool so)
{
	memcpy(job->path, slot->path, sizeof(job->path));
	memcpy(job->serial, slot->card->serial, sizeof(job->serial));
	job->slot = slot->id;
	job->instance = slot->instance;
	job->so = so;
}

/* Take one try and persist it. No module lock: this is card-image I/O. */
static CK_RV
take_try(const struct pin_job *job)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_pin_state *ps;
	CK_RV rv;

	if ((rv = cc_card_txn_begin(job->path, &txn)) != CKR_OK)
		return rv;
	card = cc_card_txn_card(txn);
	ps = job->so ? &card->so : &card->user;
	if (strcmp(card->serial, job->serial) != 0) {
		rv = CKR_DEVICE_REMOVED;
	} else if (!card->initialized || !ps->set) {
		rv = CKR_USER_PIN_NOT_INITIALIZED;
	} else if (ps->tries_left == 0) {
		rv = CKR_PIN_LOCKED;
	} else {
		ps->tries_left--;
		return cc_card_txn_commit(txn, NULL);
	}
	cc_card_txn_abort(txn);
	return rv;
}

/* After a success: give the try back (the counter resets to its maximum). */
static void
restore_tries(const struct pin_job *job)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_pin_state *ps;

	if (cc_card_txn_begin(job->path, &txn) != CKR_OK)
		return;
	card = cc_card_txn_card(txn);
	ps = job->so ? &card->so : &card->user;
	/* Written even when another login already restored it: every check
	 * leaves its decrement and its restore on the card (audit trail). */
	if (strcmp(card->serial, job->serial) != 0) {
		cc_card_txn_abort(txn);
		return;
	}
	ps->tries_left = ps->max_tries;
	if (cc_card_txn_commit(txn, NULL) != CKR_OK)
		cc_audit(LOG_WARNING, job->serial, job->slot, "could not restore the retry counter");
}

/*
 * The one passcode check (no module lock held): persist the decremented
 * counter, then run the slow KDF, then restore on success. On CKR_OK *key
 * holds the card key and *out the card as read after the decrement.
 */
static CK_RV
check_pin(const struct pin_job *job, const unsigned char *pin, size_t len, struct cc_card_key *key,
	  struct cc_card **out)
{
	struct cc_card *card = NULL;
	CK_RV rv;

	if ((rv = take_try(job)) != CKR_OK)
		return rv;
	if ((rv = cc_card_load(job->path, &card)) != CKR_OK)
		return rv;
	if (strcmp(card->serial, job->serial) != 0) {
		rv = CKR_DEVICE_REMOVED;
		goto out;
	}
	rv = job->so ? cc_card_unwrap_so(card, pin, len, key) : cc_card_unwrap_user(card, pin, len, key);
	if (rv == CKR_OK) {
		restore_tries(job);
		*out = card;
		card = NULL;
	} else if (rv == CKR_PIN_INCORRECT) {
		const struct cc_pin_state *ps = job->so ? &card->so : &card->user;

		cc_audit(LOG_NOTICE, job->serial, job->slot, "%s passcode incorrect, %u tries left",
			 job->so ? "SO" : "user", ps->tries_left);
		if (ps->tries_left == 0) {
			cc_audit(LOG_NOTICE, job->serial, job->slot, "%s passcode locked",
				 job->so ? "SO" : "user");
			rv = CKR_PIN_LOCKED;
		}
	}
out:
	cc_card_free(card);
	return rv;
}

/* Relock after slow work and find the slot again; CKR_DEVICE_REMOVED if its token changed. */
static CK_RV
relock_slot(struct cc_state *st, const struct pin_job *job, struct cc_slot **slot)
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

CK_RV
cc_token_private_key_locked(struct cc_state *st, struct cc_slot *slot, struct cc_object *obj,
			    EVP_PKEY **out)
{
	const struct cc_stored_object *so;
	unsigned char *plain = NULL;
	size_t len = 0;
	CK_RV rv;

	if (obj->pkey != NULL || obj->uid == 0)
		goto done;
	if (slot->login != CC_LOGIN_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if ((so = cc_card_object_find(slot->card, obj->uid)) == NULL || so->sealed == NULL)
		return CKR_KEY_HANDLE_INVALID;
	if ((rv = cc_card_unseal(slot->card, &slot->key, so, &plain, &len)) != CKR_OK)
		return rv;
	rv = cc_pkey_from_pkcs8(st->libctx, plain, len, &obj->pkey);
	OPENSSL_clear_free(plain, len);
	if (rv != CKR_OK)
		return rv;
done:
	if (obj->pkey == NULL)
		return CKR_KEY_HANDLE_INVALID;
	*out = obj->pkey;
	return CKR_OK;
}

/* Build the ready keys once at login, so signing never touches the image. */
static void
load_keys(struct cc_state *st, struct cc_slot *slot)
{
	struct cc_object *o;
	EVP_PKEY *pk;

	for (o = slot->objects; o != NULL; o = o->next)
		if (o->klass == CKO_PRIVATE_KEY && o->uid != 0 &&
		    cc_token_private_key_locked(st, slot, o, &pk) != CKR_OK)
			cc_audit(LOG_WARNING, slot->card->serial, slot->id,
				 "private key %u cannot be unsealed", o->uid);
}

/* Checks before a CKU_USER / CKU_SO login (lock held). */
static CK_RV
login_precheck(struct cc_state *st, struct cc_slot *slot, CK_USER_TYPE who)
{
	struct cc_session *o;

	if (slot->login != CC_LOGIN_NONE)
		return (slot->login == CC_LOGIN_USER) == (who == CKU_USER)
			       ? CKR_USER_ALREADY_LOGGED_IN
			       : CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (who == CKU_SO)
		for (o = st->sessions; o != NULL; o = o->next)
			if (o->slot == slot->id && !o->removed && !(o->flags & CKF_RW_SESSION))
				return CKR_SESSION_READ_ONLY_EXISTS;
	if (!slot->card->initialized)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if (who == CKU_USER && !slot->card->user.set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if ((who == CKU_USER ? slot->card->user.tries_left : slot->card->so.tries_left) == 0)
		return CKR_PIN_LOCKED;
	return CKR_OK;
}

/* CKU_CONTEXT_SPECIFIC: re-authenticate for the pending signature of @s. */
static CK_RV
login_context(struct cc_state *st, struct cc_session *s, struct cc_slot *slot,
	      const unsigned char *pin, CK_ULONG len)
{
	CK_SESSION_HANDLE h = s->handle;
	struct cc_card_key key;
	struct cc_card *card = NULL;
	struct pin_job job;
	CK_RV rv, rv2;

	if (!s->ops[CC_OP_SIGN].active || !s->ops[CC_OP_SIGN].needs_context_login)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (slot->login != CC_LOGIN_USER)
		return CKR_USER_NOT_LOGGED_IN;
	job_from_slot(&job, slot, false);
	cc_state_unlock_busy();
	rv = check_pin(&job, pin, len, &key, &card);
	cc_card_key_clear(&key);
	cc_card_free(card);
	if ((rv2 = relock_slot(st, &job, &slot)) != CKR_OK)
		return rv2;
	if (rv != CKR_OK)
		return rv;
	if (cc_session_lookup_locked(st, h, &s, NULL) != CKR_OK || !s->ops[CC_OP_SIGN].active)
		return CKR_OPERATION_NOT_INITIALIZED;
	s->ops[CC_OP_SIGN].needs_context_login = false;
	return CKR_OK;
}

/* CKU_USER / CKU_SO (lock held, passcode gate held). */
static CK_RV
login_role(struct cc_state *st, struct cc_slot *slot, CK_USER_TYPE who, const unsigned char *pin,
	   CK_ULONG len)
{
	struct cc_card_key key;
	struct cc_card *card = NULL;
	struct pin_job job;
	CK_RV rv, rv2;

	if ((rv = login_precheck(st, slot, who)) != CKR_OK)
		return rv;
	job_from_slot(&job, slot, who == CKU_SO);
	memset(&key, 0, sizeof(key));
	cc_state_unlock_busy();
	rv = check_pin(&job, pin, len, &key, &card);
	if (rv == CKR_OK && who == CKU_USER &&
	    cc_token_pin_expired(card, &st->conf->passcode, (int64_t)time(NULL)))
		rv = CKR_PIN_EXPIRED;	/* right passcode, too old: only C_SetPIN works now */
	cc_card_free(card);
	if ((rv2 = relock_slot(st, &job, &slot)) != CKR_OK) {
		rv = rv2;
		goto out;
	}
	if (rv == CKR_OK && slot->login != CC_LOGIN_NONE)
		rv = CKR_USER_ALREADY_LOGGED_IN;	/* another thread won the race */
	if (rv != CKR_OK)
		goto out;
	slot->login = who == CKU_SO ? CC_LOGIN_SO : CC_LOGIN_USER;
	slot->key = key;
	if (who == CKU_USER)
		load_keys(st, slot);
	cc_audit(LOG_NOTICE, job.serial, job.slot, "%s logged in", who == CKU_SO ? "SO" : "user");
out:
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED)
		cc_audit(LOG_NOTICE, job.serial, job.slot, "%s login failed (0x%lx)",
			 who == CKU_SO ? "SO" : "user", (unsigned long)rv);
	cc_card_key_clear(&key);
	return rv;
}

/*
 * One passcode check per token at a time within this process. Every check
 * takes a try before the KDF, so N threads logging in at once with the right
 * passcode could otherwise run the counter down to "locked" (max-tries 3,
 * four threads) although nobody typed a wrong one. Later callers wait here
 * and then see the result (CKR_USER_ALREADY_LOGGED_IN). The session is looked
 * up again after each wait: it may have been closed meanwhile.
 */
static CK_RV
pin_gate_enter(struct cc_state *st, CK_SESSION_HANDLE h, struct cc_session **s,
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

static void
pin_gate_leave(struct cc_state *st, CK_SLOT_ID id)
{
	if (!st->initialized)
		return;		/* finalized meanwhile: the slot is gone */
	cc_slot_get_locked(st, id)->pin_busy = false;
	cc_state_wake_locked();
}

CK_RV
cc_token_login_locked(struct cc_state *st, struct cc_session *s, CK_USER_TYPE who,
		      const unsigned char *pin, CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	CK_SLOT_ID id = slot->id;
	CK_RV rv;

	if (who != CKU_USER && who != CKU_SO && who != CKU_CONTEXT_SPECIFIC)
		return CKR_USER_TYPE_INVALID;
	if ((rv = pin_gate_enter(st, s->handle, &s, &slot)) != CKR_OK)
		return rv;
	if (who == CKU_CONTEXT_SPECIFIC)
		rv = login_context(st, s, slot, pin, len);
	else
		rv = login_role(st, slot, who, pin, len);
	pin_gate_leave(st, id);
	return rv;
}

CK_RV
cc_token_logout_locked(struct cc_state *st, struct cc_slot *slot)
{
	struct cc_session *s;

	if (slot->login == CC_LOGIN_NONE)
		return CKR_USER_NOT_LOGGED_IN;
	/* Operations on private keys cannot outlive the login. */
	for (s = st->sessions; s != NULL; s = s->next)
		if (s->slot == slot->id && !s->ops[CC_OP_SIGN].busy)
			cc_session_op_end(s, CC_OP_SIGN);
	cc_audit(LOG_INFO, slot->card->serial, slot->id, "%s logged out",
		 slot->login == CC_LOGIN_SO ? "SO" : "user");
	cc_slot_logout_locked(slot);
	return CKR_OK;
}

CK_RV
cc_token_edit_locked(struct cc_state *st, struct cc_slot *slot, bool with_key, cc_card_edit_fn fn,
		     void *arg)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_card_key key;
	struct pin_job job;
	CK_RV rv, rv2;

	if (with_key && slot->login == CC_LOGIN_NONE)
		return CKR_USER_NOT_LOGGED_IN;
	job_from_slot(&job, slot, false);
	key = slot->key;
	cc_state_unlock_busy();
	if ((rv = cc_card_txn_begin(job.path, &txn)) == CKR_OK) {
		card = cc_card_txn_card(txn);
		rv = strcmp(card->serial, job.serial) != 0 ? CKR_DEVICE_REMOVED
							   : fn(card, with_key ? &key : NULL, arg);
		if (rv == CKR_OK)
			rv = cc_card_txn_commit(txn, with_key ? &key : NULL);
		else
			cc_card_txn_abort(txn);
	}
	cc_card_key_clear(&key);
	if ((rv2 = relock_slot(st, &job, &slot)) != CKR_OK)
		return rv2;
	return rv;
}

/* C_InitToken's card edit: new card key under the SO secret; objects and user passcode gone. */
static CK_RV
init_token_txn(struct cc_state *st, const struct pin_job *job, bool was_init,
	       const unsigned char *so_pin, CK_ULONG len, const char *label)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	struct cc_card_key key;
	CK_RV rv;

	if ((rv = cc_card_txn_begin(job->path, &txn)) != CKR_OK)
		return rv;
	card = cc_card_txn_card(txn);
	memset(&key, 0, sizeof(key));
	if (strcmp(card->serial, job->serial) != 0)
		rv = CKR_DEVICE_REMOVED;
	else if (card->initialized && !was_init)
		rv = CKR_PIN_INCORRECT;	/* initialised meanwhile: its SO secret was not checked */
	else
		rv = cc_card_init_token(card, so_pin, len, label, (uint8_t)st->conf->so_max_tries,
					&st->conf->kdf, &key);
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
	struct cc_card_key key;
	struct cc_card *card = NULL;
	struct pin_job job;
	size_t n = 32;
	bool was_init = slot->card->initialized;
	CK_RV rv = CKR_OK, rv2;

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
	job_from_slot(&job, slot, true);
	cc_state_unlock_busy();
	/* Re-initialising needs the current SO secret, checked like any passcode. */
	if (was_init)
		rv = check_pin(&job, so_pin, len, &key, &card);
	cc_card_free(card);
	if (was_init)
		cc_card_key_clear(&key);
	if (rv == CKR_OK)
		rv = init_token_txn(st, &job, was_init, so_pin, len, lab);
	if ((rv2 = relock_slot(st, &job, &slot)) != CKR_OK && rv2 != CKR_DEVICE_REMOVED)
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
};

static CK_RV
set_user_pin_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct set_pin_arg *a = arg;

	return cc_card_set_user_pin(card, key, a->pin, a->len, a->max_tries, (int64_t)time(NULL),
				    a->kdf);
}

static CK_RV
set_so_pin_fn(struct cc_card *card, const struct cc_card_key *key, void *arg)
{
	struct set_pin_arg *a = arg;

	return cc_card_set_so_pin(card, key, a->pin, a->len, a->max_tries, a->kdf);
}

CK_RV
cc_token_init_pin_locked(struct cc_state *st, struct cc_session *s, const unsigned char *pin,
			 CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	const struct cc_passcode_rules *r = &st->conf->passcode;
	struct set_pin_arg a = { pin, len, (uint8_t)r->max_tries, &st->conf->kdf };
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
	rv = cc_token_edit_locked(st, slot, true, set_user_pin_fn, &a);
	cc_audit(LOG_NOTICE, serial, id, "user passcode set by SO (unlock/reset): 0x%lx",
		 (unsigned long)rv);
	return rv;
}

/* C_SetPIN's card edit after the old passcode was checked: wrap the key under the new one. */
static CK_RV
set_pin_txn(const struct pin_job *job, const struct cc_card_key *key, struct set_pin_arg *a)
{
	struct cc_card_txn *txn = NULL;
	struct cc_card *card;
	CK_RV rv;

	if ((rv = cc_card_txn_begin(job->path, &txn)) != CKR_OK)
		return rv;
	card = cc_card_txn_card(txn);
	if (strcmp(card->serial, job->serial) != 0)
		rv = CKR_DEVICE_REMOVED;
	else
		rv = job->so ? set_so_pin_fn(card, key, a) : set_user_pin_fn(card, key, a);
	if (rv == CKR_OK)
		return cc_card_txn_commit(txn, key);
	cc_card_txn_abort(txn);
	return rv;
}

static CK_RV
set_pin(struct cc_state *st, struct cc_session *s, const unsigned char *old, CK_ULONG oldlen,
	const unsigned char *pin, CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	const struct cc_passcode_rules *r = &st->conf->passcode;
	bool so = slot->login == CC_LOGIN_SO;
	struct set_pin_arg a = { pin, len, (uint8_t)(so ? st->conf->so_max_tries : r->max_tries),
				 &st->conf->kdf };
	struct cc_card_key key;
	struct cc_card *card = NULL;
	struct pin_job job;
	CK_RV rv, rv2;

	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (so ? (len < SO_PIN_MIN || len > SO_PIN_MAX) : (len < r->min_len || len > r->max_len))
		return CKR_PIN_LEN_RANGE;
	if ((rv = so ? CKR_OK : (slot->card->user.set ? CKR_OK : CKR_USER_PIN_NOT_INITIALIZED)) != CKR_OK)
		return rv;
	if ((so ? slot->card->so.tries_left : slot->card->user.tries_left) == 0)
		return CKR_PIN_LOCKED;
	job_from_slot(&job, slot, so);
	memset(&key, 0, sizeof(key));
	cc_state_unlock_busy();
	/* The old passcode is checked like a login (counted, persisted first). */
	if ((rv = check_pin(&job, old, oldlen, &key, &card)) == CKR_OK)
		rv = set_pin_txn(&job, &key, &a);
	cc_card_free(card);
	cc_card_key_clear(&key);
	if ((rv2 = relock_slot(st, &job, &slot)) != CKR_OK)
		return rv2;
	cc_audit(LOG_NOTICE, job.serial, job.slot, "%s passcode change: 0x%lx", so ? "SO" : "user",
		 (unsigned long)rv);
	return rv;
}

CK_RV
cc_token_set_pin_locked(struct cc_state *st, struct cc_session *s, const unsigned char *old,
			CK_ULONG oldlen, const unsigned char *pin, CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	CK_SLOT_ID id = slot->id;
	CK_RV rv;

	if ((rv = pin_gate_enter(st, s->handle, &s, &slot)) != CKR_OK)
		return rv;
	rv = set_pin(st, s, old, oldlen, pin, len);
	pin_gate_leave(st, id);
	return rv;
}
