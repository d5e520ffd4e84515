/*
 * ca/service/api-terms: the portal API's terms and conditions endpoints
 * (api-terms.c), in api.c's route table, and the member of /api/v1/me that
 * tells the portal whether the holder accepted the current version.
 */
#ifndef CC_SVC_API_TERMS_H
#define CC_SVC_API_TERMS_H

#include "ca/service/api-int.h"

/* GET /api/v1/terms */
svc_api_endpoint svc_api_terms;
/* POST /api/v1/terms/accept {"version": V} */
svc_api_endpoint svc_api_terms_accept;

/*
 * /me's "terms": {"version", "accepted", "accepted_at", "card",
 * "certificate"} for @cert's holder; JSON null when the service has no
 * terms; NULL when the library could not answer.
 */
json_t *svc_api_terms_me(struct svc *svc, X509 *cert);

#endif
