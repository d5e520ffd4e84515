/*
 * ca/service/api-actions: the person page's actions (api-actions.c):
 * positions, cancel card, revoke certificate, and what the caller may do.
 */
#ifndef CC_SVC_API_ACTIONS_H
#define CC_SVC_API_ACTIONS_H

#include "ca/ra/ops.h"
#include "ca/service/api-int.h"

/* PEOPLE + "UUID/positions[/remove]" (api.c's person route hands them over). */
svc_api_endpoint svc_api_positions;

/* /api/v1/cards/ + "SERIAL/cancel", /api/v1/certificates/ + "SERIAL/revoke". */
svc_api_endpoint svc_api_card_cancel;
svc_api_endpoint svc_api_cert_revoke;

#endif
