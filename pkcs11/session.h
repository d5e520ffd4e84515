/*
 * Sessions: monotonic handles, per-kind operation state. Guarded by the
 * module lock; crypto work runs unlocked on a context moved out of the
 * session (cc_session_op_take / cc_session_op_put).
 */
#ifndef CC_SESSION_H
#define CC_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/mech.h"

struct cc_state;
struct cc_slot;

/* One active operation per kind per session (CKR_OPERATION_ACTIVE otherwise). */
enum cc_op_kind {
	CC_OP_SIGN,
	CC_OP_VERIFY,
	CC_OP_DIGEST,
	CC_OP_COUNT,
};

/*
 * Which calls an active operation still accepts (PKCS#11 v2.40 5.10-5.12):
 * C_Sign/C_Digest/C_Verify cannot finish a multi-part operation, and after
 * a one-shot length query the operation is single-part.
 */
enum cc_op_mode {
	CC_OP_ANY,			/* just initialised */
	CC_OP_SINGLE,			/* a C_Sign / C_Digest length query was answered */
	CC_OP_MULTI,			/* C_*Update succeeded, or a *Final length query */
};

struct cc_op {
	bool active;
	bool busy;			/* running unlocked in another call */
	enum cc_op_mode mode;
	bool needs_context_login;	/* CKA_ALWAYS_AUTHENTICATE key: C_Login(CKU_CONTEXT_SPECIFIC) pending */
	CK_OBJECT_HANDLE key;
	struct cc_sign_ctx sign;	/* sign / verify */
	EVP_MD_CTX *digest;		/* digest */
};

struct cc_find {
	bool active;
	CK_OBJECT_HANDLE *handles;
	CK_ULONG n, pos;
};

struct cc_session {
	struct cc_session *next;
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	uint64_t instance;		/* token instance the session was opened on */
	CK_FLAGS flags;			/* CKF_SERIAL_SESSION | CKF_RW_SESSION */
	bool removed;			/* token went away: next use reports CKR_DEVICE_REMOVED */
	struct cc_op ops[CC_OP_COUNT];
	struct cc_find find;
	struct cc_sign_cache sign_cache;	/* last signing context, for the next C_SignInit */
};

CK_RV cc_session_open_locked(struct cc_state *st, struct cc_slot *slot, CK_FLAGS flags,
			     CK_SESSION_HANDLE *out);

/*
 * Look a session up and bring its slot up to date (one stat). A session
 * whose token went away is freed here and reported once as
 * CKR_DEVICE_REMOVED; unknown handles give CKR_SESSION_HANDLE_INVALID.
 * *slot (optional) receives the session's slot.
 */
CK_RV cc_session_lookup_locked(struct cc_state *st, CK_SESSION_HANDLE h, struct cc_session **out,
			       struct cc_slot **slot);

/*
 * Entry-point prologue of the calls on a session: cc_lock_checked(), then
 * the lookup above (with @signing, the signing calls' cached presence
 * check). On CKR_OK the module lock is held and the caller must
 * cc_unlock(); otherwise it is not. *slot (optional) receives the slot.
 */
CK_RV cc_session_enter(CK_SESSION_HANDLE h, bool signing, struct cc_session **out,
		       struct cc_slot **slot);

/* Same for the signing calls: the slot check is cc_slot_refresh_cached_locked(). */
CK_RV cc_session_lookup_signing_locked(struct cc_state *st, CK_SESSION_HANDLE h,
				       struct cc_session **out, struct cc_slot **slot);

/* Close one session: its operations end, its session objects are destroyed. */
void cc_session_close_locked(struct cc_state *st, struct cc_session *s);

/* Close every session of @slot (C_CloseAllSessions, C_InitToken's check aside). */
void cc_session_close_slot_locked(struct cc_state *st, CK_SLOT_ID slot);

/* Mark every session of @slot as removed (token gone): ops end, session objects freed. */
void cc_session_mark_removed_locked(struct cc_state *st, CK_SLOT_ID slot);

/* Free all sessions (C_Finalize). */
void cc_session_destroy_all_locked(struct cc_state *st);

/* Counts for CK_TOKEN_INFO; rw only with @rw_only. Removed sessions are not counted. */
CK_ULONG cc_session_count_locked(struct cc_state *st, CK_SLOT_ID slot, bool rw_only);

/* End the object search of @s, if any. */
void cc_session_find_end(struct cc_session *s);

/* End operation @kind of @s (free its context). */
void cc_session_op_end(struct cc_session *s, enum cc_op_kind kind);

/*
 * Unlocked crypto: move the context of operation @kind out of @s into @out
 * and mark it busy (CKR_OPERATION_NOT_INITIALIZED if not active,
 * CKR_OPERATION_ACTIVE if already busy). After the work, with the lock
 * retaken, cc_session_op_put() looks the session up again by handle and
 * either ends the operation (@end) or gives the context back; if the
 * session vanished meanwhile, the context is simply freed. A signing
 * operation that ends keeps its prepared EVP_PKEY_CTX in the session's
 * sign_cache for the next C_SignInit with the same key and parameters.
 */
CK_RV cc_session_op_take(struct cc_session *s, enum cc_op_kind kind, struct cc_op *out);
void cc_session_op_put(struct cc_state *st, CK_SESSION_HANDLE h, enum cc_op_kind kind,
		       struct cc_op *op, bool end);

/* Free the contents of a detached operation. */
void cc_op_clear(struct cc_op *op);

/*
 * Drop the cached signing contexts (and so the key references) of every
 * session on @slot: at logout, private keys must not outlive the login.
 */
void cc_session_drop_sign_caches_locked(struct cc_state *st, CK_SLOT_ID slot);

#endif
