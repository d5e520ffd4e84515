/*
 * The passcode check and the card edits of the token layer (token-pin.c),
 * shared by token.c (C_Login) and the passcode lifecycle. Internal to the
 * model: the API layer calls token.h.
 */
#ifndef CC_TOKEN_PIN_H
#define CC_TOKEN_PIN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "pkcs11/card-image.h"
#include "pkcs11/token.h"

struct cc_state;
struct cc_slot;
struct cc_session;

/* What a passcode check needs from the slot, copied so the module lock can go. */
struct cc_pin_job {
	char path[PATH_MAX];
	char serial[CC_CARD_SERIAL_LEN + 1];
	CK_SLOT_ID slot;
	uint64_t instance;
	bool so;			/* the SO secret, else the user passcode */
	unsigned txn_flags;		/* CC_TXN_ALLOW_ROLLBACK: C_InitToken only */
	const struct cc_card_guard *guard;
	/*
	 * After a right passcode, still under the card's lock: edit the card
	 * with the unwrapped key, which @then may replace (C_InitToken's new
	 * card key); the card is then written with *key. NULL: only the try
	 * is given back.
	 */
	CK_RV (*then)(struct cc_card *card, struct cc_card_key *key, void *arg);
	void *arg;
};

/* Lock held: fill @job from @slot for the user (@so false) or the SO. */
void cc_pin_job_init(struct cc_pin_job *job, struct cc_state *st, const struct cc_slot *slot,
		     bool so);

/*
 * The one passcode check (issue 15: "logins across processes"). Called
 * without the module lock. Under the card's file lock from start to end:
 * take a try and write it, run the KDF, and after a right passcode give the
 * try back (and run job->then) in the same transaction. Checks from other
 * processes wait for this one instead of each holding a try, so correct
 * logins never consume each other's tries; a process killed in the middle
 * leaves exactly the one try it took, which the next right passcode
 * restores. On CKR_OK *key holds the card key.
 * CKR_PIN_INCORRECT, CKR_PIN_LOCKED (also for the failure that takes the
 * last try), CKR_USER_PIN_NOT_INITIALIZED, CKR_DEVICE_REMOVED (another card
 * in the reader), CKR_TOKEN_NOT_RECOGNIZED (a rollback), I/O errors.
 */
CK_RV cc_pin_check(const struct cc_pin_job *job, const unsigned char *pin, size_t len,
		   struct cc_card_key *key);

/*
 * After slow work: retake the module lock and find the slot again;
 * CKR_DEVICE_REMOVED if its token changed, CKR_CRYPTOKI_NOT_INITIALIZED if
 * the module was finalized meanwhile.
 */
CK_RV cc_pin_job_relock(struct cc_state *st, const struct cc_pin_job *job, struct cc_slot **slot);

/*
 * One passcode check per token at a time within this process (lock held;
 * released while waiting). enter may return CKR_CRYPTOKI_NOT_INITIALIZED or
 * a session lookup error; on CKR_OK the caller must leave.
 */
CK_RV cc_pin_gate_enter(struct cc_state *st, CK_SESSION_HANDLE h, struct cc_session **s,
			struct cc_slot **slot);
void cc_pin_gate_leave(struct cc_state *st, CK_SLOT_ID id);

/* C_SetPIN in session @s, gate held (lock held; released for the slow work). */
CK_RV cc_pin_set_locked(struct cc_state *st, struct cc_session *s, const unsigned char *old,
			CK_ULONG oldlen, const unsigned char *pin, CK_ULONG len);

#endif
