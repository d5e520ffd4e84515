/*
 * ca/ra/refusal.c: see refusal.h. The table first; the subject is the
 * first %s of each @what.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ca/card/p11card.h"
#include "ca/core/error.h"
#include "ca/ra/ra-int.h"
#include "ca/ra/refusal.h"

#define E(id, n, e, r, w, t) [id] = { n, e, r, w, t }

static const struct ca_refusal table[CA_RF_COUNT] = {
	/* --- people, roles, requests ------------------------------------- */
	E(CA_RF_PERSON_UNKNOWN, "person-unknown", CA_ERR_NOT_FOUND, "registry.people",
	  "no person %s in the registry",
	  "check the UUID (person search), or register them first (person-add, register)"),
	E(CA_RF_PERSON_EXISTS, "person-exists", CA_ERR_EXISTS, "registry.people",
	  "person %s is registered already",
	  "see them with person show %s, or check the UUID"),
	E(CA_RF_PERSON_NAME_DIFFERS, "person-name-differs", CA_ERR_EXISTS, "registry.people",
	  "UUID %s is registered as '%s', not '%s'",
	  "check the UUID; a change of name is person update --name with --reason"),
	E(CA_RF_DOCUMENTS, "documents", CA_ERR_DENIED, "ra.identity-documents",
	  "the identity of %s needs three different documents, one with a photo and one "
	  "proving the address (dated within 3 months), and %s were given",
	  "ask the holder to bring the missing ones"),
	E(CA_RF_IDENTITY_UNCHECKED, "identity-unchecked", CA_ERR_DENIED, "ra.identity-documents",
	  "the identity of %s has not been checked",
	  "an RA agent checks it (request approve, or person-add in person) first"),
	E(CA_RF_CARD_IDENTITY_UNCHECKED, "card-identity-unchecked", CA_ERR_DENIED,
	  "separation-of-duties.operations.issue",
	  "card %s: the identity of its holder %s has not been checked",
	  "an RA agent checks it (request approve, or person-add in person) before a card "
	  "is issued"),
	E(CA_RF_REQUEST_IDENTITY_UNCHECKED, "request-identity-unchecked", CA_ERR_DENIED,
	  "separation-of-duties.operations.issue",
	  "card %s: the request for %s is still awaiting its identity check",
	  "an RA agent other than the sponsor approves it (request approve) before the card "
	  "is issued"),
	E(CA_RF_SPONSOR_CARD, "sponsor-card", CA_ERR_DENIED,
	  "separation-of-duties.operations.sponsor",
	  "request for %s: the sponsor vouches with their own card, but the card at the "
	  "reader is %s's, not %s's",
	  "ask %s to register the request with their card"),
	E(CA_RF_REQUEST_UNKNOWN, "request-unknown", CA_ERR_NOT_FOUND, "registry.requests",
	  "no request %s",
	  "see the open requests with request list"),
	E(CA_RF_REQUEST_VERIFIED, "request-verified", CA_ERR_DENIED, "requests.state",
	  "request %s is verified (by %s), not awaiting its identity check",
	  "nothing to approve or reject: issue the card (issue-card --holder %s)"),
	E(CA_RF_REQUEST_REJECTED, "request-rejected", CA_ERR_DENIED, "requests.state",
	  "request %s is rejected (by %s), not awaiting its identity check",
	  "the sponsor registers a new request if the holder still needs a card"),
	E(CA_RF_ROLE_HELD, "role-held", CA_ERR_EXISTS, "registry.ra_roles",
	  "%s holds the RA role %s already",
	  "nothing to grant: see their roles with person show %s"),
	E(CA_RF_ROLE_NOT_HELD, "role-not-held", CA_ERR_NOT_FOUND, "registry.ra_roles",
	  "%s does not hold the RA role %s",
	  "nothing to revoke: see their roles with person show %s"),
	E(CA_RF_LAST_MANAGER, "last-manager", CA_ERR_DENIED, "ra.last-ra-manager",
	  "%s is the CA's last RA manager, and the CA needs one",
	  "grant ra-manager to someone else first (ra-role grant), then revoke it"),
	E(CA_RF_MANAGER_NO_CARD, "manager-no-card", CA_ERR_DENIED, "ra.ra-manager-card",
	  "%s holds no issued card, and an RA manager acts only with their own card",
	  "issue them a card first (issue-card), then grant ra-manager"),
	E(CA_RF_MANAGER_AT_ADD, "manager-at-add", CA_ERR_DENIED, "ra.ra-manager-card",
	  "%s cannot be registered as an RA manager: an RA manager acts only with their own "
	  "card, which a new person does not hold yet",
	  "register them, issue their card, then grant it with ra-role grant"),
	E(CA_RF_NOTHING_TO_UPDATE, "nothing-to-update", CA_ERR_STATE, "registry.people",
	  "person %s already has these details",
	  "nothing changed: give the new --name, --email or --mobile"),
	/* --- organisations and positions ---------------------------------- */
	E(CA_RF_ORG_UNKNOWN, "org-unknown", CA_ERR_NOT_FOUND, "registry.organisations",
	  "organisation %s is not registered",
	  "check the ODS code, or ask the RA manager to add it (org-add)"),
	E(CA_RF_ORG_EXISTS, "org-exists", CA_ERR_EXISTS, "registry.organisations",
	  "organisation %s is registered already",
	  "use it as it is; an ODS code change is ods-change"),
	E(CA_RF_POSITION_HELD, "position-held", CA_ERR_EXISTS, "registry.positions",
	  "%s holds %s already",
	  "nothing to add: see their positions with person show %s"),
	E(CA_RF_POSITION_NOT_HELD, "position-not-held", CA_ERR_NOT_FOUND, "registry.positions",
	  "%s does not hold %s",
	  "see their positions with person show %s"),
	/* --- cards -------------------------------------------------------- */
	E(CA_RF_READER_EMPTY, "reader-empty", CA_ERR_NOT_FOUND, "card.reader",
	  "reader %s has no card",
	  "put the card in reader %s and run it again"),
	E(CA_RF_CARD_UNKNOWN, "card-unknown", CA_ERR_NOT_FOUND, "registry.cards",
	  "card %s is not in the registry",
	  "check the serial (carecard-card show, person search --card), or register it "
	  "(card-add)"),
	E(CA_RF_CARD_EXISTS, "card-exists", CA_ERR_EXISTS, "registry.cards",
	  "card %s is registered already",
	  "see its holder with person search --card %s"),
	E(CA_RF_CARD_CANCELLED, "card-cancelled", CA_ERR_STATE, "card.state",
	  "card %s is cancelled already",
	  "nothing to cancel: issue the holder a new card if they need one"),
	E(CA_RF_CARD_NOT_ISSUED, "card-not-issued", CA_ERR_STATE, "card.state",
	  "card %s is %s, not issued to a holder",
	  "issue it first (issue-card), or use the holder's own issued card"),
	E(CA_RF_CARD_NO_HOLDER, "card-no-holder", CA_ERR_STATE, "card.state",
	  "card %s has no holder",
	  "issue it to someone first (issue-card --holder UUID)"),
	E(CA_RF_CARD_NOT_REPAIRABLE, "card-not-repairable", CA_ERR_DENIED, "card.state",
	  "card %s is %s, and only an issued card can be repaired",
	  "issue it instead (issue-card)"),
	E(CA_RF_CARD_NOT_BLANK, "card-not-blank", CA_ERR_DENIED, "card.state",
	  "card %s is %s, not blank",
	  "renew, repair or cancel it, or use a blank card"),
	E(CA_RF_CARD_IS_TAC, "card-is-tac", CA_ERR_DENIED, "tac.positions",
	  "card %s is a Temporary Access Card, not a personal card",
	  "activate it with tac-activate, or use a blank personal card"),
	E(CA_RF_CARD_NOT_TAC, "card-not-tac", CA_ERR_DENIED, "tac.positions",
	  "card %s is not in a TAC pool",
	  "the RA manager adds it to a pool first (tac-add), or issue it as a personal card"),
	E(CA_RF_CARD_OP_COMMITTED, "card-op-committed", CA_ERR_STATE, "card.journal",
	  "card %s: an interrupted %s is committed but not finished",
	  "run %s again with the card in the reader to complete it first"),
	E(CA_RF_CARD_OP_PENDING, "card-op-pending", CA_ERR_STATE, "card.journal",
	  "card %s: an interrupted %s is pending",
	  "run %s again with the card in the reader first"),
	E(CA_RF_CARD_HELD, "card-held", CA_ERR_DENIED, "revocation.certificate-hold",
	  "card %s has certificate %s on hold, not valid",
	  "release it first (release --serial %s), or cancel the card"),
	E(CA_RF_BOOTSTRAP_OTHER, "bootstrap-other", CA_ERR_DENIED, "bootstrap",
	  "card %s: the bootstrap card is the first RA manager's own (%s), not %s's",
	  "issue %s's own card with --holder %s"),
	E(CA_RF_BOOTSTRAP_DONE, "bootstrap-done", CA_ERR_DENIED, "bootstrap",
	  "no bootstrap for %s: a card has been issued already",
	  "an RA agent or manager issues cards with their own card (--operator-reader)"),
	E(CA_RF_BOOTSTRAP_NOT_MANAGER, "bootstrap-not-manager", CA_ERR_DENIED, "bootstrap",
	  "%s is not an RA manager, and the bootstrap card is the first RA manager's own",
	  "bootstrap the card of the RA manager named at init"),
	E(CA_RF_SELF_RENEW_NOT_HOLDER, "self-renew-not-holder", CA_ERR_DENIED,
	  "renewal.self-renewals-before-ra",
	  "card %s is %s's, and only its own holder may self-renew it",
	  "ask the RA to renew it with the holder present"),
	/* --- Temporary Access Cards -------------------------------------- */
	E(CA_RF_TAC_ORGS, "tac-orgs", CA_ERR_DENIED, "tac.same-organisation",
	  "TAC %s belongs to one organisation, but its positions name %s and %s",
	  "add one TAC per organisation"),
	E(CA_RF_TAC_POSITION, "tac-position", CA_ERR_DENIED, "tac.positions",
	  "TAC %s may not carry the position '%s' under the policy",
	  "use only the positions in tac.positions (carecard-policy show)"),
	E(CA_RF_TAC_CUSTODIAN_ORG, "tac-custodian-org", CA_ERR_DENIED, "tac.same-organisation",
	  "TAC %s: the custodian %s holds no position at %s, which keeps it",
	  "name a custodian who works at %s"),
	E(CA_RF_TAC_NOT_BLANK, "tac-not-blank", CA_ERR_STATE, "card.state",
	  "card %s is registered and is not a blank TAC",
	  "use a blank card, or restore this one first (tac-restore)"),
	E(CA_RF_TAC_IN_POOL, "tac-in-pool", CA_ERR_EXISTS, "registry.tac_pool",
	  "card %s is in a TAC pool already",
	  "see the pool with tac-list"),
	E(CA_RF_TAC_UNKNOWN, "tac-unknown", CA_ERR_NOT_FOUND, "registry.tac_pool",
	  "card %s is not in the TAC pool",
	  "check the serial with tac-list; the RA manager adds TACs with tac-add"),
	E(CA_RF_TAC_NOT_ACTIVE, "tac-not-active", CA_ERR_DENIED, "tac.record-each-use",
	  "TAC %s is not activated for anyone",
	  "activate it for the holder with tac-activate first"),
	E(CA_RF_TAC_OTHER_HOLDER, "tac-other-holder", CA_ERR_DENIED, "tac.record-each-use",
	  "TAC %s is activated for %s, not %s",
	  "a TAC is used only by the holder it was activated for: record %s's use, or "
	  "activate another TAC"),
	E(CA_RF_TAC_CUSTODIAN, "tac-custodian", CA_ERR_DENIED, "tac.record-each-use",
	  "TAC %s: only its custodian (%s) records its uses",
	  "ask them to record it"),
	/* --- certificates and CRLs ---------------------------------------- */
	E(CA_RF_CERT_UNKNOWN, "cert-unknown", CA_ERR_NOT_FOUND, "registry.certificates",
	  "no certificate with serial %s",
	  "check the serial (person show UUID lists a holder's certificates)"),
	E(CA_RF_CERT_REVOKED, "cert-revoked", CA_ERR_STATE, "certificates.status",
	  "certificate %s is revoked (%s), not valid",
	  "nothing to do: a revocation is final"),
	E(CA_RF_CERT_HELD, "cert-held", CA_ERR_STATE, "certificates.status",
	  "certificate %s is on hold already",
	  "release it (release --serial %s), or revoke it for good (revoke)"),
	E(CA_RF_CERT_NOT_HELD, "cert-not-held", CA_ERR_STATE, "certificates.status",
	  "certificate %s is %s, not on hold",
	  "nothing to release"),
	E(CA_RF_CERT_SUPERSEDED, "cert-superseded", CA_ERR_STATE, "certificates.status",
	  "certificate %s is on hold but card %s has newer certificates",
	  "revoke it for good (revoke --reason superseded)"),
	E(CA_RF_CRL_NO_DELTA, "crl-no-delta", CA_ERR_DENIED, "crl.delta-interval",
	  "the policy publishes no delta CRLs of %s (delta-interval: 0)",
	  "publish full CRLs, give --next-update DAYS for this one delta (crl), or set "
	  "crl.delta-interval in the policy"),
	E(CA_RF_CRL_NO_BASE, "crl-no-base", CA_ERR_STATE, "crl.full-interval",
	  "%s has no full CRL yet, and a delta CRL refers to one",
	  "generate a full CRL first"),
	/* --- self-service unlock: a holder without a working card ---------- */
	E(CA_RF_UNLOCK_CARD_UNKNOWN, "unlock-card-unknown", CA_ERR_DENIED, "unlock.self-service",
	  "card %s is not one of this CA's cards",
	  "check the serial (carecard-card show), or ask your RA"),
	E(CA_RF_UNLOCK_NOT_ISSUED, "unlock-not-issued", CA_ERR_DENIED, "unlock.self-service",
	  "card %s is %s: self-service unlock is only for issued cards", "ask your RA"),
	E(CA_RF_UNLOCK_EXPIRED, "unlock-expired", CA_ERR_DENIED, "unlock.self-service",
	  "the certificates of card %s have expired: it cannot be unlocked by yourself",
	  "ask your RA to repair the card"),
	E(CA_RF_UNLOCK_NO_SEAL, "unlock-before-self-service", CA_ERR_DENIED, "unlock.self-service",
	  "card %s was personalised before self-service unlock existed",
	  "ask your RA to unlock it, or to repair it (which makes self-service possible)"),
	E(CA_RF_UNLOCK_NO_CONTACT, "unlock-no-contact", CA_ERR_DENIED,
	  "unlock.self-service-requires",
	  "no email address or mobile number is registered for the holder of card %s",
	  "ask your RA to register one, or to unlock the card"),
	E(CA_RF_UNLOCK_SENDS_CARD, "unlock-sends-per-card", CA_ERR_DENIED, "unlock.sends-per-card",
	  "too many codes were sent for card %s in the last hour",
	  "use the last one, or try again later"),
	E(CA_RF_UNLOCK_SENDS_ADDRESS, "unlock-sends-per-address", CA_ERR_DENIED,
	  "unlock.sends-per-address",
	  "card %s: too many codes were sent to this address in the last hour",
	  "try again later"),
	E(CA_RF_UNLOCK_SENDS_TOTAL, "unlock-sends-total", CA_ERR_DENIED, "unlock.sends-total",
	  "card %s: the service has sent too many codes in the last hour",
	  "try again later, or ask your RA"),
	E(CA_RF_UNLOCK_CODE_WRONG, "unlock-code-wrong", CA_ERR_DENIED, "unlock.code-max-tries",
	  "wrong code for card %s: %s more tries with this code",
	  "check the message, or ask for a new code"),
	E(CA_RF_UNLOCK_CODE_SPENT, "unlock-code-spent", CA_ERR_DENIED, "unlock.code-max-tries",
	  "wrong code for card %s, and that was its last try", "ask for a new code"),
	E(CA_RF_UNLOCK_NO_CODE, "unlock-no-code", CA_ERR_DENIED, "unlock.code-valid",
	  "no code is waiting for card %s (used, spent or replaced by a newer one)",
	  "ask for a new code"),
	E(CA_RF_UNLOCK_CODE_EXPIRED, "unlock-code-expired", CA_ERR_DENIED, "unlock.code-valid",
	  "the code for card %s has expired", "ask for a new code"),
	/* --- a holder's own contact details --------------------------------- */
	E(CA_RF_CONTACT_NOT_HOLDER, "self-contact-not-holder", CA_ERR_DENIED,
	  "unlock.self-contact-change",
	  "only the holder of card %s may change their contact details with it",
	  "use your own card, or ask your RA"),
	E(CA_RF_CONTACT_OFF, "self-contact-off", CA_ERR_DENIED, "unlock.self-contact-change",
	  "holders cannot change their own contact details here (%s)",
	  "ask your RA to change them"),
	E(CA_RF_CONTACT_SAME, "self-contact-same", CA_ERR_DENIED, "unlock.self-contact-change",
	  "%s is already your registered contact", "nothing to change"),
	E(CA_RF_NOT_SELF, "self-only", CA_ERR_DENIED, "holder.own-record",
	  "a holder reads only their own record, not %s's",
	  "ask an RA agent or sponsor of their organisation"),
	E(CA_RF_OTHER_ORGANISATION, "other-organisation", CA_ERR_DENIED,
	  "separation-of-duties.same-organisation",
	  "%s holds no position at an organisation where you hold one",
	  "ask someone at their organisation, or an RA agent"),
	E(CA_RF_NOT_OWN_CARD, "not-own-card", CA_ERR_DENIED, "holder.own-card",
	  "only the holder of card %s may act with it, for themself",
	  "use your own card"),
	E(CA_RF_REQUEST_OTHER_ORGANISATION, "request-other-organisation", CA_ERR_DENIED,
	  "separation-of-duties.same-organisation",
	  "request %s is for a position at %s, where you hold no position, and you did not "
	  "sponsor it",
	  "ask someone at that organisation, or an RA agent"),
	/* --- who may ask at all ------------------------------------------ */
	E(CA_RF_NOT_AUTHENTICATED, "not-authenticated", CA_ERR_AUTH, "authentication",
	  "not authenticated: %s needs %s",
	  "run it again as one of them"),
	E(CA_RF_WRONG_ACTOR, "wrong-actor", CA_ERR_AUTH, "authentication",
	  "%s is not for %s: only %s may %s",
	  "run it as one of them"),
	/* --- network self-renewal (EST) ------------------------------------ */
	E(CA_RF_EST_NOT_CURRENT, "est-cert-not-current", CA_ERR_AUTH, "authentication",
	  "certificate %s is not the current authentication certificate of card %s",
	  "connect with the card's current authentication key (carecard-card renew does)"),
	E(CA_RF_EST_NONE_OPEN, "est-none-open", CA_ERR_STATE, "renewal.confirm-timeout",
	  "card %s has no open network renewal to confirm",
	  "renew again (carecard-card renew): a renewal not confirmed in time is abandoned"),
	E(CA_RF_EST_INCOMPLETE, "est-incomplete", CA_ERR_STATE, "renewal.confirm-timeout",
	  "card %s: the open renewal has no new %s certificate yet",
	  "request it (simplereenroll) before confirming"),
	E(CA_RF_EST_CONFIRM_OLD, "est-confirm-old-cert", CA_ERR_AUTH, "authentication",
	  "card %s: the renewal is confirmed with its new authentication certificate %s",
	  "store the new certificates on the card and confirm with the new authentication key"),
	E(CA_RF_EST_NO_CERT, "est-no-cert", CA_ERR_STATE, "card.state",
	  "card %s has no valid %s certificate to renew",
	  "ask your RA to repair the card"),
	E(CA_RF_EST_SUPERSEDED, "est-superseded", CA_ERR_STATE, "est.one-at-a-time",
	  "card %s: another renewal request of this card started while this one was being "
	  "signed and replaced it (certificate %s is revoked)",
	  "run one renewal at a time: run carecard-card renew again"),
	/* --- moving the registry ------------------------------------------- */
	E(CA_RF_MIGRATE_NOT_SQLITE, "migrate-not-sqlite", CA_ERR_STATE, "registry.uri",
	  "this CA's registry is %s, not on SQLite",
	  "nothing to migrate: the registry has moved already"),
	E(CA_RF_MIGRATE_TARGET_USED, "migrate-target-used", CA_ERR_EXISTS, "registry.target",
	  "the target database %s holds tables already",
	  "migrate only into a new, empty database (createdb): nothing was changed"),
};

const struct ca_refusal *
ca_refusal_get(unsigned id)
{
	return id < CA_RF_COUNT && table[id].what != NULL ? &table[id] : NULL;
}

/* Append @fmt with each "%s" replaced by the next of @args. */
static size_t
fill(char *buf, size_t len, size_t at, const char *fmt, const char *const *args, size_t *next)
{
	const char *p;

	for (p = fmt; *p != '\0' && at + 1 < len; p++) {
		if (p[0] == '%' && p[1] == 's') {
			const char *a = args != NULL && args[*next] != NULL ? args[(*next)++] : "?";

			at += (size_t)snprintf(buf + at, len - at, "%s", a);
			if (at >= len)
				at = len - 1;
			p++;
			continue;
		}
		buf[at++] = *p;
	}
	buf[at] = '\0';
	return at;
}

char *
ca_refusal_text(unsigned id, const char *const *args, char *buf, size_t len)
{
	const struct ca_refusal *f = ca_refusal_get(id);
	size_t at, next = 0, again = 0;

	if (len == 0)
		return buf;
	if (f == NULL) {
		snprintf(buf, len, "refused");
		return buf;
	}
	at = fill(buf, len, 0, f->what, args, &next);
	if (at + 3 < len) {
		memcpy(buf + at, ": ", 3);
		at += 2;
	}
	/* The way forward names the same things as the sentence: its %s take
	 * the arguments after the sentence's, or start again from the subject
	 * when there are no more. */
	fill(buf, len, at, f->todo, args != NULL && args[next] != NULL ? args + next : args,
	     &again);
	return buf;
}

int
ra_refusal(struct ca_session *s, enum ca_op op, struct ca_result *res, unsigned id,
	   const char *const *args)
{
	const struct ca_refusal *f = ca_refusal_get(id);
	struct pol_decision d;

	memset(&d, 0, sizeof(d));
	if (f == NULL)
		return ca_result_fail(res, CA_ERR_INTERNAL, NULL, "unknown refusal %u", id);
	d.rule = f->rule;
	ca_refusal_text(id, args, d.sentence, sizeof(d.sentence));
	if (f->err == CA_ERR_DENIED || f->err == CA_ERR_AUTH) {
		ca_gate_audit_refusal(s, op, args != NULL ? args[0] : NULL, &d);
		return ca_result_fail(res, f->err, f->rule, "%s", d.sentence);
	}
	return ca_result_fail(res, f->err, f->rule, "%s", d.sentence);
}

int
ra_reader_card(struct ca_session *s, enum ca_op op, unsigned reader, struct ca_p11card **out,
	       struct ca_result *res)
{
	char rd[16];
	int r;

	if ((r = ca_session_card(s, reader, out)) == CA_OK)
		return CA_OK;
	snprintf(rd, sizeof(rd), "%u", reader);
	if (r == CA_ERR_NOT_FOUND)
		return RA_REFUSE(s, op, res, CA_RF_READER_EMPTY, rd);
	return ca_result_fail(res, r, NULL, "reader %s: the card cannot be read (%s): check "
			      "the reader and the card, and run it again", rd, ca_strerror(r));
}
