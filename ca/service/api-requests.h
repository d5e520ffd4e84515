/*
 * ca/service/api-requests: registration requests in the portal API
 * (api.c's route table points here; see api.h for the endpoints):
 *   GET  /api/v1/requests[?state=open|verified|rejected|all]
 *   POST /api/v1/requests                 a sponsor registers a holder
 *   GET  /api/v1/requests/ID
 *   POST /api/v1/requests/ID/approve      an RA agent checked the identity
 *   POST /api/v1/requests/ID/reject       the sponsor withdraws, an RA agent rejects
 */
#ifndef CC_SVC_API_REQUESTS_H
#define CC_SVC_API_REQUESTS_H

#include "ca/service/api-int.h"

/* /api/v1/requests: the list (GET, HEAD) or a new one (POST). */
svc_api_endpoint svc_api_requests;

/* /api/v1/requests/ + ID[/approve|/reject]. */
svc_api_endpoint svc_api_request;

#endif
