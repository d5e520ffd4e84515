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
#include "pkcs11/token-pin.h"
#include "pkcs11/token-unlock.h"
#include "pkcs11/unlock.h"

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
	cc_slot_reveal_locked(slot);	/* private data objects' values */
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
	struct cc_pin_job job;
	CK_RV rv, rv2;

	if (!s->ops[CC_OP_SIGN].active || !s->ops[CC_OP_SIGN].needs_context_login)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (slot->login != CC_LOGIN_USER)
		return CKR_USER_NOT_LOGGED_IN;
	cc_pin_job_init(&job, st, slot, false);
	memset(&key, 0, sizeof(key));
	cc_state_unlock_busy();
	rv = cc_pin_check(&job, pin, len, &key);
	cc_card_key_clear(&key);
	if ((rv2 = cc_pin_job_relock(st, &job, &slot)) != CKR_OK)
		return rv2;
	/*
	 * v2.40 section 4.9 (CKA_ALWAYS_AUTHENTICATE): a locked passcode here
	 * also logs the user out of the token.
	 */
	if (rv == CKR_PIN_LOCKED && slot->login == CC_LOGIN_USER)
		cc_token_logout_locked(st, slot);
	if (rv != CKR_OK)
		return rv;
	if (cc_session_lookup_locked(st, h, &s, NULL) != CKR_OK || !s->ops[CC_OP_SIGN].active)
		return CKR_OPERATION_NOT_INITIALIZED;
	s->ops[CC_OP_SIGN].needs_context_login = false;
	return CKR_OK;
}

/* What a user login does with the card while it still holds it (a cc_pin_job then). */
struct login_arg {
	const unsigned char *pin;
	CK_ULONG len;
	const struct cc_passcode_rules *rules;
	const struct cc_kdf_params *kdf;	/* the policy's, for passcodes set from now on */
	bool expired;
	bool raised;
};

/* Is @want more work per guess (time or memory) than @have? */
static bool
kdf_costlier(const struct cc_kdf_params *want, const struct cc_kdf_params *have)
{
	return want->n * want->r * want->p > have->n * have->r * have->p ||
	       want->n * want->r > have->n * have->r;
}

static CK_RV
login_then(struct cc_card *card, struct cc_card_key *key, void *arg)
{
	struct login_arg *a = arg;
	struct cc_kdf_params have = cc_card_user_kdf(card);

	a->expired = cc_token_pin_expired(card, a->rules, (int64_t)time(NULL));
	if (a->expired || !kdf_costlier(a->kdf, &have))
		return CKR_OK;
	/*
	 * The card was set with a cheaper KDF than the policy's: the passcode
	 * is at hand, so wrap the card key again with the policy's parameters
	 * now instead of waiting for the next passcode change.
	 */
	if (cc_card_rewrap_user(card, key, a->pin, a->len, a->kdf) != CKR_OK)
		return CKR_OK;	/* keep the old wrapping; the login itself succeeded */
	a->raised = true;
	return CKR_OK;
}

/* CKU_USER / CKU_SO (lock held, passcode gate held). */
static CK_RV
login_role(struct cc_state *st, struct cc_slot *slot, CK_USER_TYPE who, const unsigned char *pin,
	   CK_ULONG len)
{
	struct login_arg a = { pin, len, &st->conf->passcode, &st->conf->kdf, false, false };
	struct cc_card_key key;
	struct cc_pin_job job;
	CK_RV rv, rv2;

	if ((rv = login_precheck(st, slot, who)) != CKR_OK)
		return rv;
	cc_pin_job_init(&job, st, slot, who == CKU_SO);
	if (who == CKU_USER) {
		job.then = login_then;
		job.arg = &a;
	}
	memset(&key, 0, sizeof(key));
	cc_state_unlock_busy();
	rv = cc_pin_check(&job, pin, len, &key);
	if (rv == CKR_OK && a.expired)
		rv = CKR_PIN_EXPIRED;	/* right passcode, too old: only C_SetPIN works now */
	if ((rv2 = cc_pin_job_relock(st, &job, &slot)) != CKR_OK) {
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
	if (a.raised)
		cc_audit(LOG_NOTICE, job.serial, job.slot, "passcode KDF raised to scrypt "
			 "N=%llu r=%u p=%u", (unsigned long long)st->conf->kdf.n, st->conf->kdf.r,
			 st->conf->kdf.p);
	cc_audit(LOG_NOTICE, job.serial, job.slot, "%s logged in", who == CKU_SO ? "SO" : "user");
out:
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED)
		cc_audit(LOG_NOTICE, job.serial, job.slot, "%s login failed (0x%lx)",
			 who == CKU_SO ? "SO" : "user", (unsigned long)rv);
	cc_card_key_clear(&key);
	return rv;
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
	if ((rv = cc_pin_gate_enter(st, s->handle, &s, &slot)) != CKR_OK)
		return rv;
	if (who == CKU_CONTEXT_SPECIFIC)
		rv = login_context(st, s, slot, pin, len);
	else if (who == CKU_SO && cc_unlock_is_response(pin, len))
		rv = cc_unlock_login_locked(st, s, slot, pin, len);	/* self-service unlock */
	else
		rv = login_role(st, slot, who, pin, len);
	cc_pin_gate_leave(st, id);
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
cc_token_set_pin_locked(struct cc_state *st, struct cc_session *s, const unsigned char *old,
			CK_ULONG oldlen, const unsigned char *pin, CK_ULONG len)
{
	struct cc_slot *slot = cc_slot_get_locked(st, s->slot);
	CK_SLOT_ID id = slot->id;
	CK_RV rv;

	if ((rv = cc_pin_gate_enter(st, s->handle, &s, &slot)) != CKR_OK)
		return rv;
	rv = cc_pin_set_locked(st, s, old, oldlen, pin, len);
	cc_pin_gate_leave(st, id);
	return rv;
}
