/*
 * ca/ra/ops: the registration-authority and PKI operations of the CA
 * library (the card operations are in card-ops.h). Each takes a session
 * whose actor has authenticated, a request, and a struct ca_result; each
 * asks the gate (gate.h) first, changes the registry in one transaction
 * with its audit entry, and returns CA_OK (what was done in res->done) or
 * a CA_ERR_* code with res->text saying what and what to do:
 *   CA_ERR_DENIED  refused by a rule (res->rule), audited;
 *   CA_ERR_AUTH    no actor, or the wrong kind of actor;
 *   CA_ERR_INPUT   a bad field (res->text names it and the rule);
 *   CA_ERR_NOT_FOUND, CA_ERR_EXISTS, CA_ERR_STATE  as their names say.
 * None prints, prompts, reads the environment or exits.
 */
#ifndef CC_CA_RA_OPS_H
#define CC_CA_RA_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ca/core/audit.h"
#include "ca/core/backup.h"
#include "ca/core/checkpoint.h"
#include "ca/core/crl.h"
#include "ca/core/issue.h"
#include "ca/core/rollover.h"
#include "ca/ra/report.h"
#include "ca/ra/session.h"
#include "ca/registry/registry-lookup.h"
#include "ca/registry/registry-migrate.h"
#include "ca/registry/registry-terms.h"

/* ---- people, cards, requests, policy (op-people.c) ---- */

struct ca_person_req {
	const char *uuid, *name;
	const char *email, *mobile;	/* may be NULL */
	const char *ra_role;		/* NULL, or an RA role granted at once */
	const char *documents;		/* the identity documents checked in person */
};

/* person-add: a person whose identity the operator checked in person. */
int ca_op_person_add(struct ca_session *s, const struct ca_person_req *rq,
		     struct ca_result *res);

/* card-add: register card @serial (blank, or bound to @holder; a TAC). */
int ca_op_card_add(struct ca_session *s, const char *serial, const char *holder, bool tac,
		   struct ca_result *res);

struct ca_register_req {
	const char *uuid, *name, *email, *mobile;
	const char *role, *ods;		/* the position the holder is sponsored for */
	const char *sponsor;		/* NULL, or who the caller thinks sponsors: must
					 * be the actor, whose card vouches */
};

/* register: the actor sponsors @rq; *id receives the request number. */
int ca_op_register(struct ca_session *s, const struct ca_register_req *rq, int64_t *id,
		   struct ca_result *res);

/* verify-identity: the actor (an RA agent, not the sponsor) checked @documents. */
int ca_op_verify_identity(struct ca_session *s, int64_t request, const char *documents,
			  struct ca_result *res);

/* policy-install: replace the CA's policy with @len bytes of YAML named @name. */
int ca_op_policy_install(struct ca_session *s, const char *name, const unsigned char *buf,
			 size_t len, struct ca_result *res);

/* ---- organisations and positions (op-org.c) ---- */

int ca_op_org_add(struct ca_session *s, const char *ods, const char *name, bool locum,
		  struct ca_result *res);
int ca_op_position_add(struct ca_session *s, const char *holder, const char *role,
		       const char *ods, struct ca_result *res);
int ca_op_position_remove(struct ca_session *s, const char *holder, const char *role,
			  const char *ods, struct ca_result *res);
int ca_op_ods_change(struct ca_session *s, const char *from, const char *to,
		     struct ca_result *res);

/* ---- Temporary Access Cards, registry side (op-tac.c) ---- */

/* tac-add: @positions is "ROLE@ODS[,ROLE@ODS...]", all at one organisation. */
int ca_op_tac_add(struct ca_session *s, const char *serial, const char *custodian,
		  const char *positions, struct ca_result *res);
int ca_op_tac_use(struct ca_session *s, const char *serial, const char *holder,
		  const char *note, struct ca_result *res);
int ca_op_tac_list(struct ca_session *s, struct ca_table *out, struct ca_result *res);
/* tac uses: the usage ledger (who used which TAC when, and who recorded it),
 * newest first; read like the pool (the reports' rule). */
int ca_op_tac_uses(struct ca_session *s, struct ca_table *out, struct ca_result *res);

/* ---- reports and batch updates (op-report.c) ---- */

enum ca_report_kind {
	CA_REPORT_EXPIRING,		/* certificates expiring within @days (< 0: the
					 * policy's renewal.window) */
	CA_REPORT_LOCKED,
	CA_REPORT_RENEWAL_LIMIT,
	CA_REPORT_USERS_PER_ORG,
};

/* Scoped by the gate (ca_gate_org_scoped, as person search): a sponsor or
 * LSA gets their own organisations' rows; so are tac list and tac uses. */
int ca_op_report(struct ca_session *s, enum ca_report_kind kind, int days,
		 struct ca_table *out, struct ca_result *res);

/*
 * batch import: a CSV of people and positions (batch.h), all or nothing.
 * With @dry_run nothing is written and no actor beyond the system account
 * is needed. @problems receives one line per bad row (may be NULL).
 */
int ca_op_batch_import(struct ca_session *s, const char *name, const unsigned char *csv,
		       size_t len, bool dry_run, char **problems, struct ca_result *res);

struct ca_batch_progress;

/* A batch import with everything a front end may want to show. */
struct ca_batch_req {
	const char *name;		/* the file, for messages */
	const unsigned char *csv;
	size_t len;
	bool dry_run;
	const struct ca_batch_progress *progress;	/* may be NULL (batch.h) */
	char **problems;		/* out (may be NULL): one line per bad row */
	char **changes;			/* out (may be NULL): one line per change, as
					 * ca_batch_changes, when the file is clean */
};

/* batch import: adds, updates and removals (batch.h), all or nothing. */
int ca_op_batch(struct ca_session *s, const struct ca_batch_req *rq, struct ca_result *res);

/* ---- finding people and reading their record (op-lookup.c) ---- */

/*
 * person search: the people matching every criterion of @q (at least one:
 * a name fragment, UUID or its first digits, card serial, certificate
 * serial, ODS code, job or RA role) into @out (see ca_reg_person_search).
 */
int ca_op_person_search(struct ca_session *s, const struct ca_person_query *q,
			struct ca_table *out, struct ca_result *res);

/*
 * A card's renewal status (carecard-card status --server; the service's
 * GET /holder/status/SERIAL): public facts about the card, asked by the
 * system account; read-only.
 */
struct ca_card_status {
	char state[16];			/* "issued", "cancelled", "blank", ... */
	int64_t not_after;		/* newest valid certificate's expiry; 0: none */
	int64_t window_opens;		/* not_after - renewal.window */
	unsigned renewals;		/* of this card, self and assisted */
	unsigned self_renewals;		/* self-renewals since the last RA renewal */
	unsigned self_left;		/* renewal.self-renewals-before-ra minus that */
	bool renew_now;			/* a self-renewal would be allowed now */
	const char *rule;		/* the deciding policy key (static) */
	char sentence[POL_SENTENCE_MAX];	/* the policy's words */
};

/* @serial's status into @out; CA_ERR_NOT_FOUND for a card the CA does not know. */
int ca_op_card_status(struct ca_session *s, const char *serial, struct ca_card_status *out,
		      struct ca_result *res);

/* One person's record, table by table (ca_person_record_clear frees). */
struct ca_person_record {
	struct ca_table person;		/* one row: uuid, name, email, mobile, checked_by, checked_at */
	struct ca_table positions, roles, cards, certs, requests;
	struct ca_table history;	/* audit entries about them, newest first */
};

void ca_person_record_clear(struct ca_person_record *r);

/* person show: @uuid's record with the newest @limit history entries (0: all). */
int ca_op_person_show(struct ca_session *s, const char *uuid, int64_t limit,
		      struct ca_person_record *out, struct ca_result *res);

/*
 * my profile: the record of the holder the session's actor is (a card's
 * holder, authenticated by their card) with the newest @limit history
 * entries (0: all) — the portal's profile page. Nobody else's.
 */
int ca_op_self_profile(struct ca_session *s, int64_t limit, struct ca_person_record *out,
		       struct ca_result *res);

/*
 * person actions (op-actions.c): what the session's actor may do to the
 * person of @rec (a record from ca_op_person_show), as the gate would
 * decide each now — read-only, nothing audited. One row per allowed
 * action into @out: action (the operation's name: position-add,
 * position-remove, issue-card, cancel-card, unlock, renew, revoke),
 * subject (the ODS code, "ROLE@ODS", card or certificate serial it acts
 * on), reader ("yes" when it needs the card in a reader at a workstation)
 * and rule (the deciding policy key).
 */
int ca_op_person_actions(struct ca_session *s, const struct ca_person_record *rec,
			 struct ca_table *out, struct ca_result *res);

/*
 * The portal's terms and conditions (issue 17), for the holder the
 * session's actor is (authenticated by their card). A version is the front
 * end's name for one text (the service: its SHA-256 in hex), at most
 * CA_TERMS_VERSION_MAX characters.
 *
 * terms status: has the holder accepted @version? *@accepted, and @out the
 * acceptance when they have.
 */
#define CA_TERMS_VERSION_MAX 64
int ca_op_terms_status(struct ca_session *s, const char *version, bool *accepted,
		       struct ca_terms_acceptance *out, struct ca_result *res);

/*
 * terms accept: the holder accepts @version with the card they logged in
 * with (theirs, issued; gate terms-accept). The acceptance (time, card,
 * authentication certificate) and its audit entry ("terms-accept" on the
 * holder) are one transaction; one accepted before stands (@out says when).
 */
int ca_op_terms_accept(struct ca_session *s, const char *version,
		       struct ca_terms_acceptance *out, struct ca_result *res);

/* request list: requests in @state (sponsored, verified, rejected; NULL: all). */
int ca_op_request_list(struct ca_session *s, const char *state, struct ca_table *out,
		       struct ca_result *res);

/* request show: request @id as one row of the same columns. */
int ca_op_request_show(struct ca_session *s, int64_t id, struct ca_table *out,
		       struct ca_result *res);

/* ---- changing a person, RA roles, closing requests (op-person.c) ---- */

struct ca_person_update_req {
	const char *uuid;
	const char *name;		/* NULL: unchanged; a new name needs @reason */
	const char *email, *mobile;	/* NULL: unchanged; "": removed */
	const char *reason;		/* why the name changed (marriage, deed poll...) */
};

/* person update: contact details and name, audited with the old values. */
int ca_op_person_update(struct ca_session *s, const struct ca_person_update_req *rq,
			struct ca_result *res);

/*
 * ra-role grant / revoke: @role (ra-manager, ra-agent, sponsor, lsa) to or
 * from @uuid. ra-manager goes only to someone whose identity was checked
 * and who holds an issued card; the last RA manager keeps the role.
 */
int ca_op_ra_role_grant(struct ca_session *s, const char *uuid, const char *role,
			struct ca_result *res);
int ca_op_ra_role_revoke(struct ca_session *s, const char *uuid, const char *role,
			 struct ca_result *res);

/* request reject: close request @id unverified, for @reason (its sponsor withdraws it,
 * or an RA agent rejects it). request approve is ca_op_verify_identity. */
int ca_op_request_reject(struct ca_session *s, int64_t id, const char *reason,
			 struct ca_result *res);

/* ---- certificate hold (op-hold.c) ---- */

/*
 * hold: certificate @serial suspended (RFC 5280 certificateHold) with @note
 * (may be NULL) recorded; the next CRLs list it with that reason, and its
 * card is neither renewed nor repaired until it is released (or revoked
 * for good with revoke). release: valid again; the next full CRL drops it,
 * the next delta CRL lists it with removeFromCRL.
 */
int ca_op_hold(struct ca_session *s, const char *serial, const char *note,
	       struct ca_result *res);
int ca_op_release(struct ca_session *s, const char *serial, const char *note,
		  struct ca_result *res);

/* ---- certificates and CRLs (op-pki.c) ---- */

/* issue-cert: a certificate from a PKCS#10 request for a checked person. */
int ca_op_issue_cert(struct ca_session *s, const struct ca_issue_req *rq,
		     struct ca_issued *out, struct ca_result *res);

/* issue-certs: many, through the group-commit path (ca_cert_issue_many). */
int ca_op_issue_certs(struct ca_session *s, const struct ca_issue_req *rq, size_t n,
		      size_t batch, struct ca_issued *out, int *each, struct ca_result *res);

/* revoke: certificate @serial (hex) with reason @reason (a name, see crl.h). */
int ca_op_revoke(struct ca_session *s, const char *serial, const char *reason,
		 struct ca_result *res);

/* crl: a full or delta CRL of an issuing CA; nextUpdate @next_update seconds
 * after now (0: the policy's schedule). */
int ca_op_crl(struct ca_session *s, const char *issuer, bool delta, int64_t next_update,
	      unsigned char **der, size_t *len, long *number, struct ca_result *res);

struct ca_publish_req {
	const char *dir;		/* the web server's directory */
	bool delta;			/* a delta CRL instead of a full one */
	bool if_due;			/* let the policy's schedule decide */
	int64_t next_update;		/* seconds; 0: the policy's */
};

/* crl-publish: both issuing CAs' CRLs into @rq->dir (res->done lists them). */
int ca_op_crl_publish(struct ca_session *s, const struct ca_publish_req *rq,
		      struct ca_result *res);

/* ---- the recovery and the audit log (op-integrity.c) ---- */

struct ca_recover_report {
	int revoked;			/* abandoned pending certificates revoked */
	bool checkpoint;		/* an audit checkpoint was due and made... */
	struct ca_checkpoint cp;	/* ...this one */
};

/*
 * recover (the system account): revoke every certificate pending for
 * longer than the policy's integrity.pending-lease — its operation died
 * before completing it — and sign the audit log's head if the newest
 * checkpoint is integrity.checkpoint-interval old. A card whose operation
 * was interrupted keeps its journal entry: the operation's re-run cleans
 * the card. crl and crl-publish run the same recovery first.
 */
int ca_op_recover(struct ca_session *s, struct ca_recover_report *rep, struct ca_result *res);

/*
 * audit verify: the whole chain, and its end against the outside anchor
 * @anchor (NULL: the newest checkpoint among the CA's CRLs), the newest
 * signed checkpoint and the certificates (ca_audit_verify_all).
 * CA_ERR_AUDIT with @rep saying where.
 */
int ca_op_audit_verify(struct ca_session *s, const struct ca_audit_anchor *anchor,
		       struct ca_audit_report *rep, struct ca_result *res);

/* audit show: the newest @limit entries (0: all), oldest first, to @fn. */
int ca_op_audit_show(struct ca_session *s, int64_t limit,
		     int (*fn)(void *arg, const struct ca_audit_row *row), void *arg,
		     struct ca_result *res);

/* ---- moving the registry (op-migrate.c) ---- */

struct ca_migrate_req {
	const char *from;	/* "sqlite:PATH", this CA's registry; NULL: the same */
	const char *to;		/* "postgresql://..." without a password, an empty database */
	bool no_switch;		/* copy and verify only: the CA keeps using the source */
};

struct ca_migrate_report {
	struct ca_reg_copy_report copy;
	struct ca_audit_report audit;	/* the chain as verified on the target */
};

/*
 * migrate: an RA manager (the policy's replace-policy roles) moves the
 * CA's SQLite registry into an empty PostgreSQL database
 * (ca_reg_copy_to_pg): while it runs the source's write lock is held (no
 * writer of the source is lost; it is never written), the target gets
 * every row and an audit entry "registry-migrate" in one transaction,
 * which commits only once the row counts agree and the whole audit check
 * (ca_audit_verify_all) passes on the target. Then, unless @rq->no_switch,
 * the state directory's registry.uri names the target (atomically, 0600):
 * every later command and service instance uses it. The source file stays
 * as it was. CA_ERR_EXISTS for a target that holds tables, CA_ERR_USAGE
 * for a URI with a password, CA_ERR_AUDIT if the chain does not verify
 * there; on any failure the target is left empty.
 */
int ca_op_migrate(struct ca_session *s, const struct ca_migrate_req *rq,
		  struct ca_migrate_report *rep, struct ca_result *res);

/* ---- issuing-CA rollover (op-rollover.c) ---- */

/*
 * ca-rollover: an RA manager (the policy's replace-policy roles) gives
 * issuing CA @role ("authentication" or "signing") a new generation
 * (ca_rollover, ca/core/rollover.h): a new HSM key and root-signed
 * certificate under the same name, which issues from then on while the
 * one it replaces keeps its CRLs and OCSP until its last certificate
 * expires. @days: the certificate's validity (0: ten years; never past the
 * root). CA_ERR_STATE while the role's previous generation still has
 * certificates. What was made in @info and res->done.
 */
int ca_op_ca_rollover(struct ca_session *s, const char *role, int days,
		      struct ca_rollover_info *info, struct ca_result *res);
/* ---- backup and restore (op-backup.c) ---- */

/*
 * backup (the CA's own account): the state directory and a consistent
 * copy of the registry into the new directory @out (ca_backup_write),
 * then an audit entry "backup" in the live registry. @info says what the
 * copy holds. CA_ERR_EXISTS when @out exists.
 */
int ca_op_backup(struct ca_session *s, const char *out, struct ca_backup_info *info,
		 struct ca_result *res);

struct ca_restore_req {
	const char *backup;			/* where the copy came from (for the audit) */
	const struct ca_backup_info *info;	/* what ca_backup_check found in it */
	const char *publish_dir;		/* CRLs published since; NULL: crl-publish-dir */
	long crl_floor;				/* every issuer's next CRL number above it; 0 */
};

struct ca_restore_report {
	long crl_next[3];		/* authentication, signing, root: the next CRL number */
	long crl_found[3];		/* ...the highest number found on a CRL (0: none) */
	int64_t published_seq;		/* newest checkpoint in a CRL found (0: none) */
	long rerevoked;			/* valid in the registry, revoked on a CRL: revoked */
	long unknown;			/* serials on those CRLs the restored registry lacks */
	char unknown_list[512];		/* the first of them */
	int64_t entries;		/* audit entries after the restore's own */
};

/*
 * restore, once the files are in place (the session is opened on them, as
 * the CA's own account): every issuer's CRL number is raised past the
 * highest number of any CRL of that issuer found in the CA's crl/ folder,
 * the publication directory and @rq->crl_floor, so the next CRL is newer
 * than any a client may hold, and the next delta waits for a full CRL; the
 * revoked serials on those CRLs that the restored registry does not know
 * are counted (certificates issued after the backup); an audit entry
 * "restore" records the backup, the numbers and what was lost; the chain
 * must verify. One transaction.
 */
int ca_op_restore_finish(struct ca_session *s, const struct ca_restore_req *rq,
			 struct ca_restore_report *rep, struct ca_result *res);

#endif
