/*
 * ca/service/api: the portal's JSON API under /api/v1/ (issue 17), over
 * HTTPS with the card's authentication certificate as the TLS client
 * certificate — the actor is that card's holder, from the registry;
 * nothing else identifies a user. Every answer is JSON (libjansson),
 * errors included: {"error": OUTCOME, "message": ..., "rule": ..., ...}.
 *
 *   GET /api/v1/me     my record: identity, positions (the roles an
 *                      application shows at login), RA roles, cards,
 *                      certificates with expiry, requests, history
 *   GET /api/v1/people/UUID          a person's record, for RA staff: the
 *                                    caller acts as an RA operator (their
 *                                    registry roles, first position), the
 *                                    gate's person-show rule decides
 *   GET /api/v1/people?q=TEXT        find people by a part of their name or
 *                                    the first digits of their UUID, for RA
 *                                    staff (the gate's person-search rule):
 *                                    uuid, name, organisations, at most 50;
 *                                    a sponsor or LSA finds only the people
 *                                    of their own organisations (the
 *                                    library's scope, ca_gate_org_scoped)
 *   GET /api/v1/people/UUID/history[?limit=N]  the person's audit entries,
 *                                    newest first (100; at most 1000), for
 *                                    RA staff: person-show's rule and scope,
 *                                    the reading audited as the library
 *                                    does (api-reports.c)
 *   GET /api/v1/reports/KIND[?days=N][&format=csv]  an RA report (the
 *                                    gate's report rule): expiring (days=N,
 *                                    default the renewal window), locked,
 *                                    renewal-limit, users-per-org, and
 *                                    expiring-weeks (13 weeks from today,
 *                                    for the Reports page's chart); JSON
 *                                    {report, days, columns, rows}, or CSV
 *                                    with format=csv or Accept: text/csv
 *                                    (Content-Disposition: attachment; the
 *                                    library's writer: formula cells begin
 *                                    with a quote); 404 for another KIND;
 *                                    a sponsor or LSA gets their own
 *                                    organisations' rows (the library's
 *                                    scope, ca_gate_org_scoped)
 *   GET /api/v1/tac                  the TAC pool and its usage ledger
 *                                    {pool, uses} (the report rule; scoped
 *                                    as the reports: the TACs of a
 *                                    sponsor's own organisations)
 *                                    "actions": what the gate allows the
 *                                    caller to do to them now
 *                                    (ca_op_person_actions: action,
 *                                    subject, reader, rule)
 *   POST|DELETE /api/v1/people/UUID/positions  {"role": R, "ods": O}: a
 *                                    position added (POST) or removed
 *                                    (DELETE, or POST .../positions/remove)
 *   POST /api/v1/cards/SERIAL/cancel {"reason": lost|stolen|damaged|
 *                                    leaver|death}: the card cancelled in
 *                                    the registry (no reader: a lost card)
 *   POST /api/v1/certificates/SERIAL/revoke  {"reason": R}: revoked
 *                                    (api-actions.c; each the library's
 *                                    operation, the gate deciding)
 *   GET /api/v1/requests[?state=open|verified|rejected|all]
 *                                    registration requests, for RA staff
 *                                    (request-list rule); a sponsor or LSA
 *                                    reads their own organisations' and
 *                                    those they sponsored (the library's
 *                                    scope, as for the search)
 *   GET /api/v1/requests/ID          one request, scoped the same way
 *   POST /api/v1/requests            {"uuid","name","role","ods"[,"email",
 *                                    "mobile"]}: the caller sponsors the
 *                                    holder (register rule): 201 with its id
 *   POST /api/v1/requests/ID/approve {"documents": D}: an RA agent, not
 *                                    the sponsor, checked the identity
 *                                    (verify-identity): 200
 *   POST /api/v1/requests/ID/reject  {"reason": R}: its sponsor withdraws
 *                                    it or an RA agent rejects it: 200
 *                                    (api-requests.c)
 *   POST /api/v1/me/contact          {"email": A} or {"mobile": N}: 202, a
 *                                    code sent to the new address
 *   POST /api/v1/me/contact/confirm  {"code": C}: 200, the contact changed
 *   GET /api/v1/terms                the terms and conditions (serve.terms):
 *                                    text, version (the file's SHA-256), and
 *                                    whether, when and with which card and
 *                                    certificate I accepted it; 404 no-terms
 *   POST /api/v1/terms/accept        {"version": V}: 200, my acceptance of V
 *                                    recorded and audited (terms-accept);
 *                                    409 terms-changed if V is not current
 *   /api/v1/me's "terms"             the same facts for the current version,
 *                                    or null: the portal's pages send a
 *                                    holder who has not accepted to
 *                                    /portal/terms (api-terms.c)
 *
 * Bodies are JSON objects of known string members (api-body.c, jansson);
 * the contact change is the holder endpoints' (svc_holder_contact_run).
 *
 * A client certificate is ambient authority, like a cookie: a request
 * other than GET/HEAD is refused (403 "cross-origin") unless it has
 * Content-Type application/json and an Origin equal to the service's own
 * (serve.public-url) or Sec-Fetch-Site: same-origin; there is no CORS.
 * Status codes: 200/201/202, 400 malformed body, 401 no client certificate,
 * 403 refused (the rule and what to do in the body) or cross-origin or not
 * HTTPS, 404 no such endpoint (or subject), 405, 409 already so (a
 * position held), 413 body too large, 429 too many requests with this
 * client certificate (limits.cert-rate, Retry-After), 503 no HSM here or
 * no way to deliver codes.
 */
#ifndef CC_SVC_API_H
#define CC_SVC_API_H

#include <stdbool.h>

#include <event2/http.h>

#include "ca/service/reply.h"

struct svc;

/* Is @path one of ours (under /api/)? */
bool svc_api_path(const char *path);

/* Answer @req for @path into @out. */
void svc_api_handle(struct svc *svc, struct evhttp_request *req, const char *path,
		    struct svc_reply *out);

/*
 * The cross-origin rule alone (the fuzz target and the unit tests call
 * it): may a state-changing request with these headers (each may be NULL)
 * go on, for a service whose own origin is @self ("" if not configured)?
 */
bool svc_api_same_origin(const char *self, const char *content_type, const char *origin,
			 const char *fetch_site);

#endif
