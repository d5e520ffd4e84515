/*
 * carecard-card unlock: self-service unlock of a locked card with a code
 * sent to the holder's registered contact (pkcs11/CARD-FORMAT.md and
 * ca/README.md, "Self-service unlock"). The card is driven through the
 * PKCS#11 module like any application would (so it works through
 * p11-kit server too); the CA through HTTPS:
 *
 *   POST SERVER/holder/unlock/request   card=SERIAL
 *        202: a code was sent; 403: refused (the body says why)
 *   POST SERVER/holder/unlock/complete  card=SERIAL&code=CODE&key=B64(SPKI)
 *        200: base64 of the response for C_Login(CKU_SO); 403: refused
 *
 * (application/x-www-form-urlencoded). The code and the new passcode are
 * read from the terminal (or standard input when there is none), never
 * from the command line or the environment, and wiped after use. Module,
 * reader, secrets and HTTPS are the holder tools' shared helpers
 * (card-tool-p11.c, card-tool-http.c).
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pkcs11/unlock.h"

#define ANSWER_MAX 16384
#define SECRET_MAX 64

/* POST @form to @server@path; EXIT_OK with a 2xx answer in @h, else the status. */
static int
post(const char *server, const char *path, const char *cacert, const char *form,
     struct tool_http *h)
{
	if (tool_http_post(server, path, cacert, form, ANSWER_MAX, h) != 0) {
		tool_error("%s%s: %s", server, path, h->error);
		return EXIT_FAIL;
	}
	if (h->status / 100 != 2) {
		tool_http_refusal(h);
		return h->status == 403 ? EXIT_REFUSED : EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The request's ephemeral key pair on the card; base64 of its SubjectPublicKeyInfo. */
static int
ephemeral_b64(const struct tool_p11 *p, char *out, size_t size)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL no = CK_FALSE;
	CK_ULONG bits = 2048;
	const char *label = CC_UNLOCK_EPHEMERAL_LABEL;
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	unsigned char spki[1024];
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, spki, sizeof(spki) };
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;

	if ((rv = p->f->C_GenerateKeyPair(p->session, &m, pub, 3, priv, 2, &hpub, &hpriv)) !=
	    CKR_OK || (rv = p->f->C_GetAttributeValue(p->session, hpub, &a, 1)) != CKR_OK ||
	    size < 4 * ((a.ulValueLen + 2) / 3) + 1) {
		tool_error("the card could not make the request's key (0x%lx)", (unsigned long)rv);
		return EXIT_FAIL;
	}
	EVP_EncodeBlock((unsigned char *)out, spki, (int)a.ulValueLen);
	return EXIT_OK;
}

/* Base64 answer -> bytes; false unless it is clean base64 of at most @size bytes. */
static bool
unbase64(const char *text, size_t len, unsigned char *out, size_t size, size_t *outlen)
{
	int n;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len < 4 || len % 4 != 0 || len / 4 * 3 > size)
		return false;
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len)) < 0)
		return false;
	*outlen = (size_t)n - (text[len - 1] == '=') - (text[len - 2] == '=');
	return true;
}

/* The code and the new passcode twice, checked before anything is spent. */
static int
ask(const struct cc_config *conf, char *code, size_t clen, char *pin, size_t plen)
{
	char again[SECRET_MAX];
	size_t n;
	int r = EXIT_USAGE;

	if (tool_read_secret("Code from the message: ", code, clen) != 0 ||
	    tool_read_secret("New passcode: ", pin, plen) != 0 ||
	    tool_read_secret("New passcode again: ", again, sizeof(again)) != 0) {
		tool_error("no input: nothing was changed");
		goto out;
	}
	n = strlen(pin);
	if (code[0] == '\0' || strspn(code, "0123456789") != strlen(code))
		tool_error("the code is the digits of the message: nothing was changed");
	else if (strcmp(pin, again) != 0)
		tool_error("the two new passcodes differ: nothing was changed");
	/* The card would refuse it after the code is spent: say so now. */
	else if (n < conf->passcode.min_len || n > conf->passcode.max_len)
		tool_error("a passcode has %u to %u characters (policy rules passcode.min-length "
			   "and passcode.max-length, from %s): nothing was changed",
			   conf->passcode.min_len, conf->passcode.max_len,
			   conf->policy_source != NULL ? conf->policy_source : "the built-in policy");
	else
		r = EXIT_OK;
out:
	OPENSSL_cleanse(again, sizeof(again));
	return r;
}

/* The serial of the card in session, and whether it is locked. */
static int
card_state(const struct tool_p11 *p, char serial[17], bool *locked)
{
	CK_TOKEN_INFO ti;

	if (p->f->C_GetTokenInfo(p->slot, &ti) != CKR_OK)
		return EXIT_READER;
	memcpy(serial, ti.serialNumber, 16);
	serial[16] = '\0';
	*locked = (ti.flags & CKF_USER_PIN_LOCKED) != 0;
	return EXIT_OK;
}

/* Both HTTPS steps; the response (base64-decoded) into @resp. */
static int
exchange(const char *server, const char *cacert, const struct tool_p11 *p, const char *serial,
	 const struct cc_config *conf, char *pin, size_t plen, unsigned char *resp,
	 size_t *resplen)
{
	struct tool_http h = { 0 };
	char code[SECRET_MAX] = "", key[2048], form[4096];
	char *ekey = NULL;
	int r;

	snprintf(form, sizeof(form), "card=%s", serial);
	if ((r = post(server, "/holder/unlock/request", cacert, form, &h)) != EXIT_OK)
		goto out;
	printf("A one-time code was sent to your registered email address or mobile.\n");
	fflush(stdout);
	if ((r = ask(conf, code, sizeof(code), pin, plen)) != EXIT_OK ||
	    (r = ephemeral_b64(p, key, sizeof(key))) != EXIT_OK)
		goto out;
	r = EXIT_FAIL;
	if ((ekey = curl_escape(key, 0)) == NULL ||
	    snprintf(form, sizeof(form), "card=%s&code=%s&key=%s", serial, code, ekey) >=
	    (int)sizeof(form))
		goto out;
	tool_http_clear(&h);
	if ((r = post(server, "/holder/unlock/complete", cacert, form, &h)) != EXIT_OK)
		goto out;
	if (!unbase64(h.body, h.len, resp, 4096, resplen)) {
		tool_error("the CA's answer is not an unlock response");
		r = EXIT_FAIL;
	}
out:
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(form, sizeof(form));
	curl_free(ekey);
	tool_http_clear(&h);
	return r;
}

static const char unlock_usage[] =
	"Usage: carecard-card unlock --server URL [--reader NAME|NUMBER] [--cacert FILE]\n"
	"                            [--module PATH]\n"
	"\n"
	"Unlock your locked card with a one-time code sent to your registered email\n"
	"address or mobile; you then choose a new passcode (typed twice). Without a\n"
	"terminal the code and the two passcodes are read as lines of stdin.\n"
	"--reader defaults to the first reader holding a card.\n";

int
tool_cmd_unlock(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "reader", required_argument, NULL, 'r' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *cacert = NULL, *module = NULL, *reader = NULL;
	struct tool_p11 p;
	unsigned char resp[4096];
	size_t resplen = 0, idx = 0;
	char pin[SECRET_MAX] = "", serial[17];
	bool locked = false;
	CK_RV rv;
	int o, r;

	memset(&p, 0, sizeof(p));
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': server = optarg; break;
		case 'r': reader = optarg; break;
		case 'c': cacert = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(unlock_usage, stdout); return EXIT_OK;
		default: fputs(unlock_usage, stderr); return EXIT_USAGE;
		}
	}
	if (server == NULL || optind != argc || strncmp(server, "https://", 8) != 0) {
		tool_error("unlock needs --server https://... (the CA's service)");
		return EXIT_USAGE;
	}
	if ((r = tool_pick_reader(conf, reader, &idx)) != EXIT_OK ||
	    (r = tool_p11_open(tool_module_path(module), conf->readers[idx].name, true, &p)) !=
	    EXIT_OK)
		return r;
	if ((r = card_state(&p, serial, &locked)) != EXIT_OK)
		goto out;
	if (!locked) {
		tool_error("card %s is not locked: log in with your passcode, or change it with "
			   "'carecard-card passcode'", serial);
		r = EXIT_FAIL;
		goto out;
	}
	if ((r = exchange(server, cacert, &p, serial, conf, pin, sizeof(pin), resp, &resplen)) !=
	    EXIT_OK)
		goto out;
	rv = p.f->C_Login(p.session, CKU_SO, resp, (CK_ULONG)resplen);
	if (rv == CKR_OK)
		rv = p.f->C_InitPIN(p.session, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	if (rv != CKR_OK) {
		tool_error("the card refused the CA's response (0x%lx): ask for a new code",
			   (unsigned long)rv);
		r = EXIT_CARD_REFUSED;
		goto out;
	}
	p.f->C_Logout(p.session);
	printf("Card %s is unlocked: log in with your new passcode.\n", serial);
	r = EXIT_OK;
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(resp, sizeof(resp));
	tool_p11_close(&p);
	return r;
}
