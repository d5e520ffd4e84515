/*
 * ca/p11card.c: see p11card.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/core/error.h"
#include "ca/card/p11card.h"
#include "ca/core/secret.h"
#include "common/log.h"

#ifndef CC_P11MODULEDIR
#define CC_P11MODULEDIR "/usr/lib/x86_64-linux-gnu/pkcs11"
#endif



static int
card_fail(const struct ca_p11card *c, const char *what, CK_RV rv)
{
	util_log(LOG_ERR, "card in reader %u: %s failed: CKR 0x%lx", c->reader, what,
		 (unsigned long)rv);
	return CA_ERR_HSM;
}

/* Where the card module is installed; the CA records the one it uses at init. */
const char *
ca_p11_module_default(void)
{
	return CC_P11MODULEDIR "/carecard-pkcs11.so";
}

int
ca_p11_module_load(OSSL_LIB_CTX *libctx, const char *path, struct ca_signer **out)
{
	return ca_signer_load(path != NULL ? path : ca_p11_module_default(), libctx, out);
}

/* Blank-padded CK_TOKEN_INFO text to a C string. */
static void
unpad(const CK_UTF8CHAR *in, size_t n, char *out, size_t outlen)
{
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\0'))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

static int
slot_of_reader(struct ca_signer *mod, unsigned reader, CK_SLOT_ID *out)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = sizeof(slots) / sizeof(slots[0]);
	CK_RV rv;

	if ((rv = ca_signer_functions(mod)->C_GetSlotList(CK_FALSE, slots, &n)) != CKR_OK) {
		util_log(LOG_ERR, "C_GetSlotList failed: CKR 0x%lx", (unsigned long)rv);
		return CA_ERR_HSM;
	}
	if (reader == 0 || reader > n) {
		util_log(LOG_ERR, "there is no reader %u (the module has %lu)", reader,
			 (unsigned long)n);
		return CA_ERR_NOT_FOUND;
	}
	*out = slots[reader - 1];
	return CA_OK;
}

int
ca_p11card_refresh(struct ca_p11card *c)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	rv = c->fl->C_GetTokenInfo(c->slot, &ti);
	if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) {
		util_log(LOG_ERR, "there is no card in reader %u", c->reader);
		return CA_ERR_NOT_FOUND;
	}
	if (rv != CKR_OK)
		return card_fail(c, "C_GetTokenInfo", rv);
	unpad(ti.serialNumber, sizeof(ti.serialNumber), c->serial, sizeof(c->serial));
	c->flags = ti.flags;
	return CA_OK;
}

int
ca_p11card_open(struct ca_signer *mod, unsigned reader, struct ca_p11card **out)
{
	struct ca_p11card *c = NULL;
	int r = CA_ERR_ALLOC;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	c->fl = ca_signer_functions(mod);
	c->reader = reader;
	if ((r = ca_signer_view_new(mod, &c->v)) != CA_OK ||
	    (r = slot_of_reader(mod, reader, &c->slot)) != CA_OK ||
	    (r = ca_p11card_refresh(c)) != CA_OK)
		goto out;
	if (c->serial[0] == '\0') {
		util_log(LOG_ERR, "the card in reader %u has no serial number", reader);
		r = CA_ERR_STATE;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	ca_p11card_close(c);
	return r;
}

/* The view signs and generates keys in our session: keep it told. */
void
ca_p11card_view_sync(struct ca_p11card *c)
{
	ca_signer_view_attach(c->v, c->have_session, c->session, c->logged_in);
}

static void
session_close(struct ca_p11card *c)
{
	ca_p11card_logout(c);
	if (c->have_session)
		c->fl->C_CloseSession(c->session);
	c->have_session = false;
	ca_p11card_view_sync(c);
}

void
ca_p11card_close(struct ca_p11card *c)
{
	if (c == NULL)
		return;
	if (c->v != NULL)
		session_close(c);
	ca_signer_view_free(c->v);
	free(c);
}

static int
session_open(struct ca_p11card *c)
{
	CK_RV rv;

	if (c->have_session)
		return CA_OK;
	rv = c->fl->C_OpenSession(c->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				    &c->session);
	if (rv == CKR_TOKEN_NOT_PRESENT)
		return CA_ERR_NOT_FOUND;
	if (rv != CKR_OK)
		return card_fail(c, "C_OpenSession", rv);
	c->have_session = true;
	ca_p11card_view_sync(c);
	return CA_OK;
}

int
ca_p11card_init_token(struct ca_p11card *c, const char *so, const char *label)
{
	CK_UTF8CHAR lab[32];
	size_t n = strlen(label);
	CK_RV rv;

	ca_signer_view_keys_drop(c->v);	/* their handles die with the objects */
	session_close(c);
	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, n < sizeof(lab) ? n : sizeof(lab));
	rv = c->fl->C_InitToken(c->slot, (CK_UTF8CHAR_PTR)so, strlen(so), lab);
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED) {
		util_log(LOG_ERR, "card %s: the SO secret is refused (%s)", c->serial,
			 rv == CKR_PIN_LOCKED ? "SO locked"
			 : "wrong secret: not a card of this CA?");
		return CA_ERR_AUTH;
	}
	if (rv != CKR_OK)
		return card_fail(c, "C_InitToken", rv);
	return ca_p11card_refresh(c);
}

void
ca_p11card_logout(struct ca_p11card *c)
{
	if (c->have_session && c->logged_in)
		c->fl->C_Logout(c->session);
	c->logged_in = false;
	ca_p11card_view_sync(c);
}

int
ca_p11card_login(struct ca_p11card *c, CK_USER_TYPE who, const char *pin, CK_RV *rvp)
{
	CK_RV rv;
	int r;

	ca_p11card_logout(c);
	if ((r = session_open(c)) != CA_OK)
		return r;
	rv = c->fl->C_Login(c->session, who, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rvp != NULL)
		*rvp = rv;
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED ||
	    rv == CKR_USER_PIN_NOT_INITIALIZED || rv == CKR_PIN_LEN_RANGE) {
		util_log(LOG_ERR, "card %s: %s login refused (CKR 0x%lx)", c->serial,
			 who == CKU_SO ? "SO" : "passcode", (unsigned long)rv);
		return CA_ERR_AUTH;
	}
	if (rv != CKR_OK)
		return card_fail(c, "C_Login", rv);
	c->logged_in = true;
	ca_p11card_view_sync(c);
	c->who = who;
	return CA_OK;
}

int
ca_p11card_init_pin(struct ca_p11card *c, const char *pin)
{
	CK_RV rv;

	if (!c->logged_in || c->who != CKU_SO)
		return CA_ERR_STATE;
	rv = c->fl->C_InitPIN(c->session, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv == CKR_PIN_LEN_RANGE) {
		util_log(LOG_ERR, "card %s: the module refuses a passcode of %zu characters",
			 c->serial, strlen(pin));
		return CA_ERR_USAGE;
	}
	if (rv != CKR_OK)
		return card_fail(c, "C_InitPIN", rv);
	return CA_OK;
}

int
ca_p11card_lock(struct ca_p11card *c)
{
	char wrong[9];
	CK_RV rv = CKR_OK;
	int i, r;

	ca_p11card_logout(c);
	if ((r = session_open(c)) != CA_OK ||
	    (r = ca_secret_random_text(wrong, 8)) != CA_OK)
		return r;
	/* Wrong passcodes until the module locks the user out (quietly: these
	 * failures are the point). A guess that hits (2^-40) just logs out. */
	for (i = 0; i < 64 && rv != CKR_PIN_LOCKED; i++) {
		rv = c->fl->C_Login(c->session, CKU_USER, (CK_UTF8CHAR_PTR)wrong,
				      strlen(wrong));
		if (rv == CKR_OK)
			c->fl->C_Logout(c->session);
		else if (rv != CKR_PIN_INCORRECT && rv != CKR_PIN_LOCKED)
			break;
	}
	OPENSSL_cleanse(wrong, sizeof(wrong));
	if ((r = ca_p11card_refresh(c)) != CA_OK)
		return r;
	if (!(c->flags & CKF_USER_PIN_LOCKED))
		return card_fail(c, "locking for delivery", rv);
	return CA_OK;
}
