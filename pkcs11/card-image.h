/*
 * card-image: the card store. The only code in the module that touches
 * disk. One file per card (see CARD-FORMAT.md for the bytes).
 *
 * In memory a card is a struct cc_card: public state the module may read
 * and change directly (label, passcode counters, objects' public
 * attributes), plus key slots that only this file interprets. Private key
 * material never exists here in the clear: each private key object carries
 * a "sealed" blob (AEAD under the random card key); the card key itself is
 * wrapped once under a key derived from the user passcode and once under one
 * derived from the SO secret.
 *
 * Concurrency: cc_card_txn_begin() takes an exclusive cross-process lock
 * (fcntl on a lock file beside the image) and re-reads the image, so a
 * read-modify-write is serialised against every other process and thread.
 * cc_card_load() reads without the lock (it never sees a half-written
 * file, because writes are atomic renames).
 *
 * All functions return CK_RV. Errors are logged (util_log) at the point they
 * are found, with the path; never with passcode or key bytes.
 */
#ifndef CC_CARD_IMAGE_H
#define CC_CARD_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <p11-kit/pkcs11.h>

#define CC_CARD_SERIAL_LEN	16	/* decimal digits; the first two are the series */
#define CC_CARD_LABEL_MAX	32	/* CK_TOKEN_INFO.label width */
#define CC_CARD_EXT		".card"	/* a reader holds the one *.card file in its directory */
#define CC_CARD_KEY_LEN		32
#define CC_CARD_MAX_SIZE	(4u * 1024 * 1024)	/* larger files are refused unread */

/* Key-derivation parameters for one key slot; stored in the image. */
struct cc_kdf_params {
	uint64_t n;		/* scrypt N (power of two) */
	uint32_t r;
	uint32_t p;
};

/* The compiled-in default: scrypt N=2^14, r=8, p=1 (16 MiB, memory-hard). */
extern const struct cc_kdf_params cc_kdf_default;

/*
 * Accepted range (also for parameters read from an image, so a crafted file
 * cannot demand gigabytes): N a power of two in 2..2^20, r 1..32, p 1..16,
 * 128*N*r <= 256 MiB.
 */
bool cc_kdf_params_valid(const struct cc_kdf_params *kdf);

/* The unwrapped card key; lives only in memory while a user or SO is logged in. */
struct cc_card_key {
	unsigned char k[CC_CARD_KEY_LEN];
};

/* Wipe a card key (OPENSSL_cleanse). */
void cc_card_key_clear(struct cc_card_key *key);

struct cc_stored_attr {
	CK_ATTRIBUTE_TYPE type;
	CK_ULONG len;
	unsigned char *value;		/* malloc'd; NULL only when len == 0 */
};

struct cc_stored_object {
	uint32_t uid;			/* unique on this card, never reused */
	size_t nattrs;
	struct cc_stored_attr *attrs;	/* public attributes only, CKA_CLASS included */
	unsigned char *sealed;		/* CKO_PRIVATE_KEY: sealed PKCS#8 DER; else NULL */
	size_t sealed_len;
};

/* Passcode state of one role (user or SO). */
struct cc_pin_state {
	uint8_t max_tries;		/* limit fixed when the PIN was set */
	uint8_t tries_left;		/* 0 = locked */
	bool set;			/* a PIN exists (CKF_USER_PIN_INITIALIZED for the user) */
	bool must_change;		/* set by an SO reset when policy wants a change at first use */
	int64_t changed_at;		/* unix seconds of the last set/change, 0 if never */
};

struct cc_card_slots;			/* key slots: opaque, owned by card-image.c */

struct cc_card {
	char serial[CC_CARD_SERIAL_LEN + 1];
	char label[CC_CARD_LABEL_MAX + 1];	/* NUL-terminated, no padding */
	bool initialized;			/* C_InitToken done: card key + SO slot exist */
	struct cc_pin_state user;
	struct cc_pin_state so;
	uint64_t generation;			/* raised on every successful write */
	/*
	 * Rollback guard (card-guard.h), filled when the card was read with a
	 * guard: the installation's record for this serial (0: none) and
	 * whether this image is older than it, i.e. a copy put back. Only
	 * cc_card_init_token() (an SO re-initialising the card) clears it.
	 */
	uint64_t record;
	bool rolled_back;
	uint32_t next_uid;
	size_t nobjects;
	struct cc_stored_object *objects;
	struct cc_card_slots *slots;
};

/* Card series: the first two digits of the serial, as a number (e.g. 4 for "04..."). */
unsigned cc_card_series(const struct cc_card *card);

/* True if @serial is exactly CC_CARD_SERIAL_LEN decimal digits. */
bool cc_card_serial_valid(const char *serial);

/* Suffix of the lock file beside an image ("<image>.lock", mode 0600). */
#define CC_CARD_LOCK_EXT	".lock"

/* ---- files ---------------------------------------------------------- */

/*
 * Create a blank (uninitialised) card image at @path, which must not exist.
 * @serial: 16 decimal digits. Mode 0600. CKR_ARGUMENTS_BAD for a bad serial,
 * CKR_DEVICE_ERROR (logged) if the file exists or cannot be written.
 */
CK_RV cc_card_manufacture(const char *path, const char *serial);

/*
 * Read and fully validate @path into a new card (*out, caller frees).
 * CKR_DEVICE_REMOVED if the file is gone; CKR_TOKEN_NOT_RECOGNIZED (logged
 * with the reason) for a truncated, corrupt, foreign or future-version
 * image; CKR_DEVICE_ERROR for other I/O errors; CKR_HOST_MEMORY.
 */
CK_RV cc_card_load(const char *path, struct cc_card **out);

/*
 * Validate and decode an image already in memory (@len bytes; @name is only
 * used in log lines). Same checks and return codes as cc_card_load(); used
 * by cc_card_load(), the fuzz harness and tools.
 */
CK_RV cc_card_decode(const unsigned char *buf, size_t len, const char *name,
		     struct cc_card **out);

/* Free a card, wiping everything it held. NULL is fine. */
void cc_card_free(struct cc_card *card);

/*
 * Locked read-modify-write. begin: take the exclusive lock for @path, load
 * the current image into txn's card (cc_card_txn_card()). commit: write it
 * back atomically and durably (temp file, fsync, rename, fsync dir),
 * generation + 1, then unlock and free the txn. abort: unlock and free,
 * nothing written. Both commit and abort free @txn whatever they return.
 *
 * @key: the card key when the caller holds it (logged in). Changing the
 * label or the objects requires it, because the content MAC is keyed from
 * it; passcode-counter updates (a failed login) do not, and pass NULL.
 *
 * begin: CKR_DEVICE_REMOVED if the image is gone, otherwise as cc_card_load.
 * commit: with @key, the key is first checked against the stored content
 * MAC (CKR_DEVICE_ERROR, logged, if it is not this card's key: e.g. the card
 * was re-initialised since the caller logged in), then the MAC is
 * recomputed. With NULL, label/objects/uid counter must be exactly as loaded
 * (else CKR_USER_NOT_LOGGED_IN, nothing written). CKR_DEVICE_REMOVED if the
 * image disappeared meanwhile (it is not recreated); CKR_DEVICE_ERROR /
 * CKR_DEVICE_MEMORY (disk full) for write errors.
 * Transactions exclude each other across processes (fcntl OFD lock on the
 * lock file) and across threads (a per-path mutex in front of it). Do not
 * begin a second transaction on the same card in the same thread while one
 * is open (it would wait forever). Commit refuses (CKR_GENERAL_ERROR,
 * nothing written) a card it could not load back, e.g. tries_left >
 * max_tries; a user PIN with user.set == false loses its key slot.
 */
struct cc_card_txn;
struct cc_card_guard;
CK_RV cc_card_txn_begin(const char *path, struct cc_card_txn **out);
struct cc_card *cc_card_txn_card(struct cc_card_txn *txn);
CK_RV cc_card_txn_commit(struct cc_card_txn *txn, const struct cc_card_key *key);
void cc_card_txn_abort(struct cc_card_txn *txn);

/*
 * cc_card_txn_begin() with the installation's rollback guard (@guard may be
 * NULL: none). Besides the image lock it takes the guard's lock for the
 * card's serial, reads the record into card->record and sets
 * card->rolled_back for an image older than it; such an image is refused
 * (CKR_TOKEN_NOT_RECOGNIZED, logged as a rollback) unless @flags has
 * CC_TXN_ALLOW_ROLLBACK (the SO's re-initialisation). Every write then
 * raises the generation past the record and the record with it; a card
 * still rolled back at the write keeps its record ahead of it. Stale
 * temporaries of earlier writers that died ("IMAGE.tmp.XXXXXX") are
 * removed under the lock.
 */
#define CC_TXN_ALLOW_ROLLBACK	0x1u
CK_RV cc_card_txn_open(const char *path, const struct cc_card_guard *guard, unsigned flags,
		       struct cc_card_txn **out);

/*
 * Write the card as cc_card_txn_commit() does, but keep the transaction:
 * the lock stays held and cc_card_txn_card() goes on to the state just
 * written. A passcode check writes the decremented counter this way before
 * its KDF, so the try is on disk while nobody else can touch the card.
 */
CK_RV cc_card_txn_write(struct cc_card_txn *txn, const struct cc_card_key *key);

/*
 * Mark @card (read with cc_card_load(), no lock) against the guard's record:
 * card->record, card->rolled_back. CKR_DEVICE_ERROR for a damaged record.
 */
CK_RV cc_card_guard_check(const struct cc_card_guard *guard, struct cc_card *card);

/*
 * Just the lock of cc_card_txn_begin(), without loading the image: for
 * tools that move a card file (even an unreadable one) out of a reader
 * without racing a commit. *fd receives the lock descriptor; release it
 * with cc_card_unlock(). CKR_DEVICE_ERROR (logged) on failure.
 */
CK_RV cc_card_lock(const char *path, int *fd);
void cc_card_unlock(int fd);

/*
 * Identity of the file now at @path, cheap (one stat): changes whenever the
 * image is rewritten or replaced. CKR_DEVICE_REMOVED when absent.
 */
struct cc_card_stamp {
	dev_t dev;
	ino_t ino;
	int64_t mtime_ns;
	off_t size;
};
CK_RV cc_card_stamp(const char *path, struct cc_card_stamp *out);
bool cc_card_stamp_equal(const struct cc_card_stamp *a, const struct cc_card_stamp *b);

/*
 * Find the card image in reader directory @dir: the one regular file named
 * *.card (temporaries and lock files are ignored). Writes its full path to
 * @path (size @size). CKR_TOKEN_NOT_PRESENT when there is none.
 */
CK_RV cc_card_find_in_reader(const char *dir, char *path, size_t size);

/* ---- keys and passcodes (all in memory; commit to persist) ------------ */

/*
 * C_InitToken: give the card a fresh random card key, wrap it under the SO
 * secret with @kdf, set label, destroy all objects and any user PIN
 * (user.set = false), SO tries = @so_max_tries. On success *key holds the
 * new card key (commit with it). The caller has already checked the SO
 * secret if the card was initialised before. Objects are destroyed but
 * next_uid is kept, so uids are never reused on a card. @kdf NULL =
 * cc_kdf_default.
 */
CK_RV cc_card_init_token(struct cc_card *card, const unsigned char *so_pin, size_t so_len,
			 const char *label, uint8_t so_max_tries,
			 const struct cc_kdf_params *kdf, struct cc_card_key *key);

/*
 * Unwrap the card key with the user passcode / SO secret (the slow KDF; call
 * without the module lock held). CKR_PIN_INCORRECT if it does not unwrap;
 * CKR_USER_PIN_NOT_INITIALIZED if no user PIN is set (unwrap_so: if the card
 * is not initialised). On success also verifies the content MAC:
 * CKR_DEVICE_ERROR (logged "tampered") if the image's objects were altered.
 * Does not touch counters. The MAC checked is the one over the content as
 * loaded (or as last set by init_token), not over uncommitted edits.
 */
/*
 * Is @key this card's key? The content MAC must verify under it (the check
 * after every unwrap; also how a self-service unlock response is proven).
 * CKR_DEVICE_ERROR (logged) when it does not.
 */
CK_RV cc_card_key_check(const struct cc_card *card, const struct cc_card_key *key);
CK_RV cc_card_unwrap_user(const struct cc_card *card, const unsigned char *pin, size_t len,
			  struct cc_card_key *key);
CK_RV cc_card_unwrap_so(const struct cc_card *card, const unsigned char *pin, size_t len,
			struct cc_card_key *key);

/*
 * (Re)wrap @key under a new user passcode / SO secret (fresh salt, @kdf),
 * mark it set with @max_tries tries left, changed_at = @now, must_change =
 * false. @kdf NULL = cc_kdf_default. @key is checked against the content MAC
 * first (CKR_DEVICE_ERROR if it is not this card's key), so a wrong key can
 * never be wrapped. CKR_USER_PIN_NOT_INITIALIZED on an uninitialised card.
 * set_so_pin keeps so.changed_at (it has no @now).
 */
CK_RV cc_card_set_user_pin(struct cc_card *card, const struct cc_card_key *key,
			   const unsigned char *pin, size_t len, uint8_t max_tries,
			   int64_t now, const struct cc_kdf_params *kdf);
CK_RV cc_card_set_so_pin(struct cc_card *card, const struct cc_card_key *key,
			 const unsigned char *pin, size_t len, uint8_t max_tries,
			 const struct cc_kdf_params *kdf);

/*
 * Re-wrap @key under the same user passcode with new KDF parameters (fresh
 * salt), keeping the passcode state (counters, changed_at, must_change):
 * how a login moves a card set with a cheaper KDF to the policy's.
 * @key is checked against the content MAC first, as for set_user_pin.
 */
CK_RV cc_card_rewrap_user(struct cc_card *card, const struct cc_card_key *key,
			  const unsigned char *pin, size_t len, const struct cc_kdf_params *kdf);

/* The KDF parameters of the user key slot (zero when there is none). */
struct cc_kdf_params cc_card_user_kdf(const struct cc_card *card);

/* ---- objects ------------------------------------------------------------ */

/*
 * Seal / unseal private key material (PKCS#8 DER) for object @uid with the
 * card key (AES-256-GCM, bound to the card serial and @uid). Outputs are
 * new buffers owned by the caller; unseal's plaintext must be freed with
 * OPENSSL_clear_free. CKR_DEVICE_ERROR if the blob does not authenticate.
 */
CK_RV cc_card_seal(const struct cc_card *card, const struct cc_card_key *key, uint32_t uid,
		   const unsigned char *plain, size_t len, unsigned char **sealed, size_t *sealed_len);
CK_RV cc_card_unseal(const struct cc_card *card, const struct cc_card_key *key,
		     const struct cc_stored_object *obj, unsigned char **plain, size_t *len);

/*
 * Append an object (copies @attrs and @sealed); *uid receives its uid
 * (card->next_uid++). Pass sealed = NULL for public objects. For a private
 * key, allocate the uid first with cc_card_object_reserve_uid() so the
 * sealed blob can be bound to it.
 *
 * As implemented: @uid is an input. Pass a uid from
 * cc_card_object_reserve_uid(), or 0 to have one allocated (the new object
 * is then card->objects[card->nobjects - 1]). CKR_ARGUMENTS_BAD for a uid
 * that was never reserved or is already in use.
 */
uint32_t cc_card_object_reserve_uid(struct cc_card *card);
CK_RV cc_card_object_add(struct cc_card *card, uint32_t uid, const CK_ATTRIBUTE *attrs,
			 CK_ULONG n, const unsigned char *sealed, size_t sealed_len);
CK_RV cc_card_object_remove(struct cc_card *card, uint32_t uid);	/* CKR_OBJECT_HANDLE_INVALID */
struct cc_stored_object *cc_card_object_find(struct cc_card *card, uint32_t uid);
const struct cc_stored_attr *cc_stored_object_attr(const struct cc_stored_object *obj,
						   CK_ATTRIBUTE_TYPE type);
/* Set (replace or add) one public attribute. */
CK_RV cc_stored_object_set_attr(struct cc_stored_object *obj, CK_ATTRIBUTE_TYPE type,
				const void *value, CK_ULONG len);

#endif
