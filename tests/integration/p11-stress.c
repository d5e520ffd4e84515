/*
 * p11-stress: one process of the concurrency test. THREADS threads each open
 * a session on the card labelled LABEL, log in (the first gets CKR_OK, the
 * rest CKR_USER_ALREADY_LOGGED_IN: login state belongs to the application),
 * then sign with the key CKA_ID=02 and verify the signature through the
 * module, until SECONDS have passed. Any other return code is an error.
 *
 * usage: p11-stress MODULE LABEL PIN SECONDS THREADS
 * prints: "ops N errors N"; exit 0 only if no error and N > 0.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/p11-client.h"

struct run {
	struct pc_module m;
	CK_SLOT_ID slot;
	const char *pin;
	double until;
	pthread_mutex_t mu;
	long ops, errors;
};

static void
note_error(struct run *r, const char *what, CK_RV rv)
{
	pthread_mutex_lock(&r->mu);
	if (r->errors++ < 10)
		fprintf(stderr, "p11-stress: %s: %s\n", what, pc_rv_name(rv));
	pthread_mutex_unlock(&r->mu);
}

static CK_MECHANISM_TYPE
mech_for(struct run *r, CK_SESSION_HANDLE hs, CK_OBJECT_HANDLE key)
{
	unsigned char *v = NULL;
	CK_ULONG len = 0;
	CK_KEY_TYPE kt = CKK_RSA;

	if (pc_get_attr(&r->m, hs, key, CKA_KEY_TYPE, &v, &len) == CKR_OK && len == sizeof(kt))
		memcpy(&kt, v, sizeof(kt));
	free(v);
	return kt == CKK_EC ? CKM_ECDSA_SHA256 : CKM_SHA256_RSA_PKCS;
}

static void *
worker(void *arg)
{
	struct run *r = arg;
	CK_FUNCTION_LIST *fl = r->m.fl;
	CK_SESSION_HANDLE hs;
	CK_OBJECT_HANDLE priv, pub;
	CK_MECHANISM mech = { 0, NULL, 0 };
	static const unsigned char id[] = { 0x02 };
	unsigned char msg[64], sig[1024];
	CK_ULONG siglen;
	long ops = 0;
	CK_RV rv;

	memset(msg, 'r', sizeof(msg));
	rv = fl->C_OpenSession(r->slot, CKF_SERIAL_SESSION, NULL, NULL, &hs);
	if (rv != CKR_OK) {
		note_error(r, "C_OpenSession", rv);
		return NULL;
	}
	rv = fl->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR)r->pin, strlen(r->pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		note_error(r, "C_Login", rv);
		goto out;
	}
	if ((rv = pc_find_object(&r->m, hs, CKO_PRIVATE_KEY, id, 1, &priv)) != CKR_OK ||
	    (rv = pc_find_object(&r->m, hs, CKO_PUBLIC_KEY, id, 1, &pub)) != CKR_OK) {
		note_error(r, "find key pair 02", rv);
		goto out;
	}
	mech.mechanism = mech_for(r, hs, priv);
	while (pc_now() < r->until) {
		msg[ops % sizeof(msg)]++;
		siglen = sizeof(sig);
		if ((rv = pc_sign(&r->m, hs, &mech, priv, msg, sizeof(msg), sig, &siglen)) != CKR_OK) {
			note_error(r, "sign", rv);
			break;
		}
		if ((rv = fl->C_VerifyInit(hs, &mech, pub)) != CKR_OK ||
		    (rv = fl->C_Verify(hs, msg, sizeof(msg), sig, siglen)) != CKR_OK) {
			note_error(r, "verify", rv);
			break;
		}
		ops++;
	}
out:
	fl->C_CloseSession(hs);
	pthread_mutex_lock(&r->mu);
	r->ops += ops;
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct run r;
	pthread_t th[64];
	int i, n, started = 0;
	CK_RV rv;

	if (argc != 6) {
		fprintf(stderr, "usage: p11-stress MODULE LABEL PIN SECONDS THREADS\n");
		return 2;
	}
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	n = atoi(argv[5]);
	if (n < 1 || n > 64 || pc_load(argv[1], &r.m) != 0)
		return 2;
	if ((rv = pc_initialize(&r.m)) != CKR_OK || (rv = pc_find_token(&r.m, argv[2], &r.slot)) != CKR_OK) {
		fprintf(stderr, "p11-stress: setup: %s\n", pc_rv_name(rv));
		return 1;
	}
	r.pin = argv[3];
	r.until = pc_now() + atof(argv[4]);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, &r) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (started != n)
		r.errors++;
	r.m.fl->C_Finalize(NULL);
	pc_unload(&r.m);
	printf("ops %ld errors %ld\n", r.ops, r.errors);
	return r.errors == 0 && r.ops > 0 ? 0 : 1;
}
