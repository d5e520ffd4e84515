/*
 * card-guard: the installation's rollback records (issue 15). Every write
 * of a card image raises the generation number in the image (card-image.h)
 * and, here, in a per-installation record keyed by the card's serial:
 * STATE_DIR/generations/SERIAL, one line "GENERATION\n", mode 0600,
 * written atomically and durably. An image whose generation is below its
 * record is an older copy put back (a restored backup, a copy taken before
 * the tries ran out): the store refuses it as a rollback until an SO
 * re-initialises the card (C_InitToken).
 *
 * Who can roll the record back with the image decides what this is worth
 * (pkcs11/README.md, "Modes"): in the isolated mode the records, like the
 * images, belong to the card service's account and the holder can touch
 * neither; in the simple mode both are the holder's files.
 *
 * Part of the card store: only the store and carecard-card use it.
 */
#ifndef CC_CARD_GUARD_H
#define CC_CARD_GUARD_H

#include <stdint.h>

#include <p11-kit/pkcs11.h>

struct cc_card_guard;

/*
 * A guard over the records under @state_dir (absolute; created 0700 on the
 * first write). *out is freed with cc_card_guard_free(). CKR_HOST_MEMORY,
 * CKR_ARGUMENTS_BAD.
 */
CK_RV cc_card_guard_new(const char *state_dir, struct cc_card_guard **out);
void cc_card_guard_free(struct cc_card_guard *g);

/*
 * The recorded generation of card @serial (0: no record yet). A record
 * that cannot be read or parsed is CKR_DEVICE_ERROR (logged): fail closed
 * rather than accept any image.
 */
CK_RV cc_card_guard_get(const struct cc_card_guard *g, const char *serial, uint64_t *gen);

/*
 * Raise the record of @serial to @gen (never lowers it). CKR_DEVICE_ERROR /
 * CKR_DEVICE_MEMORY (logged) when it cannot be written.
 */
CK_RV cc_card_guard_put(const struct cc_card_guard *g, const char *serial, uint64_t gen);

/*
 * The lock that serialises every write of @serial's image and record
 * across readers and processes (cc_card_lock() on the record's path), so
 * two copies of one card in two readers cannot both pass the check.
 * Release with cc_card_unlock().
 */
CK_RV cc_card_guard_lock(const struct cc_card_guard *g, const char *serial, int *fd);

#endif
