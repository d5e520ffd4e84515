/*
 * The module's one state struct and its lock (style.md "Threads,
 * initialization, fork"). Everything reachable from struct cc_state is
 * guarded by the module lock; the lock is never held across key
 * derivation, signing, key generation or card-image writes.
 */
#ifndef CC_STATE_H
#define CC_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/types.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/config.h"

struct cc_slot;
struct cc_session;
struct cc_card_guard;

struct cc_state {
	bool initialized;
	struct cc_config *conf;
	struct cc_card_guard *guard;	/* the installation's rollback records (conf->state_dir) */
	OSSL_LIB_CTX *libctx;		/* private: we live inside other people's processes */
	struct cc_slot *slots;		/* one per configured reader; slot id = index */
	size_t nslots;
	struct cc_session *sessions;
	CK_SESSION_HANDLE next_session;	/* monotonic, never reused before C_Finalize */
	CK_OBJECT_HANDLE next_object;
	uint64_t next_instance;		/* token instances: one per card insertion */
	uint64_t epoch;			/* +1 per C_Initialize / C_Finalize (wakes waiters) */
	unsigned busy;			/* calls doing slow work with the lock released */
};

/*
 * Entry-point prologue: take the module lock and check the module is
 * initialised in this process. A different pid than the one that called
 * C_Initialize means we are in a fork child: inherited state is dropped and
 * the child sees CKR_CRYPTOKI_NOT_INITIALIZED until it initialises again.
 * On CKR_OK the caller holds the lock and must cc_unlock().
 */
CK_RV cc_lock_checked(void);
void cc_unlock(void);

/* The state; caller holds the lock. */
struct cc_state *cc_state_get(void);

/* C_Initialize / C_Finalize bodies (argument checks done by the API layer). */
CK_RV cc_state_initialize(void);
CK_RV cc_state_finalize(void);

/*
 * Wait (lock held, released while waiting) up to @ms milliseconds for
 * cc_state_wake() or C_Finalize. Returns the epoch after waking so callers
 * can tell a finalize happened.
 */
void cc_state_wait_locked(unsigned ms);
void cc_state_wake_locked(void);

/*
 * Slow work without the lock: cc_state_unlock_busy() marks one call busy and
 * releases the lock; cc_state_relock_busy() retakes it and unmarks. C_Finalize
 * waits for busy calls before freeing what they may use (the library
 * context, keys). After relocking, check cc_state_get()->initialized: the
 * module may have been finalized meanwhile (CKR_CRYPTOKI_NOT_INITIALIZED).
 */
void cc_state_unlock_busy(void);
void cc_state_relock_busy(void);

/* New handles; caller holds the lock. */
CK_OBJECT_HANDLE cc_state_object_handle_locked(void);

#endif
