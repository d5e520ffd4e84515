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
 * from the command line or the environment, and wiped after use.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/card-tool.h"

#define BODY_MAX 16384
#define EXIT_REFUSED 8		/* the CA refused (carecard-card.1) */
#define EXIT_CARD 9		/* the card refused the CA's response */

struct http_body {
	char buf[BODY_MAX + 1];
	size_t len;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct http_body *b = arg;
	size_t len = size * n;

	if (b->len + len > BODY_MAX)
		return 0;	/* too big: curl fails the transfer */
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return len;
}

/* POST @form to @url (HTTPS only); the status into *status, the body into @b. */
static int
post(const char *url, const char *cacert, const char *form, long *status, struct http_body *b)
{
	char err[CURL_ERROR_SIZE] = "";
	CURL *h = curl_easy_init();
	CURLcode rc;

	if (h == NULL)
		return -1;
	b->len = 0;
	b->buf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	else
		tool_error("%s: %s", url, err[0] != '\0' ? err : curl_easy_strerror(rc));
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}

/* The server's refusal, printable characters only. */
static void
say_refusal(long status, const struct http_body *b)
{
	char text[512];
	size_t i, n = 0;

	for (i = 0; i < b->len && n + 1 < sizeof(text); i++)
		if ((unsigned char)b->buf[i] >= ' ' || b->buf[i] == '\n')
			text[n++] = b->buf[i];
	while (n > 0 && text[n - 1] == '\n')
		n--;
	text[n] = '\0';
	tool_error("the CA refused (HTTP %ld): %s", status, n > 0 ? text : "no reason given");
}

/* One line from the terminal (echo off when @secret), else from standard input. */
static int
ask(const char *prompt, bool secret, char *out, size_t size)
{
	FILE *in = fopen("/dev/tty", "r+");
	struct termios old, raw;
	bool noecho = false;
	int r = -1;

	if (in != NULL) {
		fputs(prompt, in);
		fflush(in);
		if (secret && tcgetattr(fileno(in), &old) == 0) {
			raw = old;
			raw.c_lflag &= ~(tcflag_t)ECHO;
			noecho = tcsetattr(fileno(in), TCSAFLUSH, &raw) == 0;
		}
	} else {
		fputs(prompt, stderr);
	}
	if (fgets(out, (int)size, in != NULL ? in : stdin) != NULL) {
		out[strcspn(out, "\r\n")] = '\0';
		r = 0;
	}
	if (noecho) {
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fputc('\n', in);
	}
	if (in != NULL)
		fclose(in);
	else
		fputc('\n', stderr);
	return r;
}

struct card {
	void *dl;
	CK_FUNCTION_LIST *fl;
	CK_SESSION_HANDLE h;
	char serial[17];
	CK_FLAGS flags;
	CK_ULONG min_pin, max_pin;
};

static int
card_open(const char *module, unsigned long reader, struct card *c)
{
	CK_C_GetFunctionList get;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if ((c->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (get = (CK_C_GetFunctionList)dlsym(c->dl, "C_GetFunctionList")) == NULL ||
	    get(&c->fl) != CKR_OK) {
		tool_error("cannot load the card module %s", module);
		return EXIT_FAIL;
	}
	if ((rv = c->fl->C_Initialize(NULL)) != CKR_OK) {
		tool_error("the card module does not start (0x%lx)", (unsigned long)rv);
		c->fl = NULL;
		return EXIT_FAIL;
	}
	if (c->fl->C_GetSlotList(CK_FALSE, slots, &n) != CKR_OK || reader < 1 || reader > n) {
		tool_error("no reader %lu", reader);
		return EXIT_USAGE;
	}
	if ((rv = c->fl->C_GetTokenInfo(slots[reader - 1], &ti)) != CKR_OK) {
		tool_error("no card in reader %lu", reader);
		return EXIT_READER;
	}
	memcpy(c->serial, ti.serialNumber, 16);
	c->serial[16] = '\0';
	c->flags = ti.flags;
	c->min_pin = ti.ulMinPinLen;
	c->max_pin = ti.ulMaxPinLen;
	if ((rv = c->fl->C_OpenSession(slots[reader - 1], CKF_SERIAL_SESSION | CKF_RW_SESSION,
				       NULL, NULL, &c->h)) != CKR_OK) {
		tool_error("cannot open the card (0x%lx)", (unsigned long)rv);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void
card_close(struct card *c)
{
	if (c->fl != NULL)
		c->fl->C_Finalize(NULL);
	if (c->dl != NULL)
		dlclose(c->dl);
}

/* The request's ephemeral key pair on the card; base64 of its SubjectPublicKeyInfo. */
static int
ephemeral_b64(struct card *c, char *out, size_t size)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL no = CK_FALSE;
	CK_ULONG bits = 2048;
	const char *label = "carecard-unlock";
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

	if ((rv = c->fl->C_GenerateKeyPair(c->h, &m, pub, 3, priv, 2, &hpub, &hpriv)) != CKR_OK ||
	    (rv = c->fl->C_GetAttributeValue(c->h, hpub, &a, 1)) != CKR_OK ||
	    size < 4 * ((a.ulValueLen + 2) / 3) + 1) {
		tool_error("the card could not make the request's key (0x%lx)", (unsigned long)rv);
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)out, spki, (int)a.ulValueLen);
	return 0;
}

/* Base64 body -> bytes; false unless it is clean base64 of at most @size bytes. */
static bool
unbase64(const char *text, size_t len, unsigned char *out, size_t size, size_t *outlen)
{
	int n;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > size)
		return false;
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len)) < 0)
		return false;
	*outlen = (size_t)n - (text[len - 1] == '=') - (text[len - 2] == '=');
	return true;
}

static int
step_request(const char *server, const char *cacert, const struct card *c)
{
	struct http_body b;
	char url[2048], form[64];
	long status = 0;

	snprintf(url, sizeof(url), "%s/holder/unlock/request", server);
	snprintf(form, sizeof(form), "card=%s", c->serial);
	if (post(url, cacert, form, &status, &b) != 0)
		return EXIT_FAIL;
	if (status != 202 && status != 200) {
		say_refusal(status, &b);
		return status == 403 ? EXIT_REFUSED : EXIT_FAIL;
	}
	printf("A one-time code was sent to your registered email address or mobile.\n");
	fflush(stdout);
	return EXIT_OK;
}

/* Ask the code and the new passcode (twice); post; the response into @resp. */
static int
step_complete(const char *server, const char *cacert, struct card *c, char *pin, size_t pinsize,
	      unsigned char *resp, size_t *resplen)
{
	static struct http_body b;
	char code[32] = "", again[128] = "", key[2048], url[2048], form[4096];
	char *ekey = NULL;
	long status = 0;
	int r = EXIT_FAIL;

	if (ask("Code from the message: ", false, code, sizeof(code)) != 0 ||
	    ask("New passcode: ", true, pin, pinsize) != 0 ||
	    ask("New passcode again: ", true, again, sizeof(again)) != 0) {
		tool_error("no input");
		goto out;
	}
	if (strcmp(pin, again) != 0 || pin[0] == '\0') {
		tool_error("the two passcodes differ (or are empty): nothing was changed");
		r = EXIT_USAGE;
		goto out;
	}
	/* Checked before the code is spent: the card would refuse it after. */
	if (strlen(pin) < c->min_pin || strlen(pin) > c->max_pin) {
		tool_error("a passcode has %lu to %lu characters: nothing was changed",
			   (unsigned long)c->min_pin, (unsigned long)c->max_pin);
		r = EXIT_USAGE;
		goto out;
	}
	if (strspn(code, "0123456789") != strlen(code) || code[0] == '\0') {
		tool_error("the code is digits only");
		r = EXIT_USAGE;
		goto out;
	}
	if (ephemeral_b64(c, key, sizeof(key)) != 0 || (ekey = curl_escape(key, 0)) == NULL)
		goto out;
	snprintf(url, sizeof(url), "%s/holder/unlock/complete", server);
	if (snprintf(form, sizeof(form), "card=%s&code=%s&key=%s", c->serial, code, ekey) >=
	    (int)sizeof(form))
		goto out;
	if (post(url, cacert, form, &status, &b) != 0)
		goto out;
	if (status != 200) {
		say_refusal(status, &b);
		r = status == 403 ? EXIT_REFUSED : EXIT_FAIL;
		goto out;
	}
	if (!unbase64(b.buf, b.len, resp, 4096, resplen)) {
		tool_error("the CA's answer is not a response");
		goto out;
	}
	r = EXIT_OK;
out:
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(again, sizeof(again));
	OPENSSL_cleanse(form, sizeof(form));
	curl_free(ekey);
	return r;
}

static const char unlock_usage[] =
	"Usage: carecard-card unlock --server URL [--reader N] [--cacert FILE] [--module PATH]\n"
	"Unlock your locked card with a one-time code sent to your registered email\n"
	"address or mobile; you then choose a new passcode.\n";

int
tool_unlock(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "reader", required_argument, NULL, 'r' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *cacert = NULL, *module = CC_P11MODULEDIR "/carecard-pkcs11.so";
	unsigned long reader = 1;
	struct card c = { NULL, NULL, 0, "", 0, 0, 0 };
	unsigned char resp[4096];
	size_t resplen = 0;
	char pin[128] = "";
	CK_RV rv;
	int o, r;

	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': server = optarg; break;
		case 'r': reader = strtoul(optarg, NULL, 10); break;
		case 'c': cacert = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(unlock_usage, stdout); return EXIT_OK;
		default: fputs(unlock_usage, stderr); return EXIT_USAGE;
		}
	}
	if (server == NULL || optind != argc || strncmp(server, "https://", 8) != 0) {
		tool_error("unlock needs --server https://...");
		return EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return EXIT_FAIL;
	if ((r = card_open(module, reader, &c)) != EXIT_OK)
		goto out;
	if (!(c.flags & CKF_USER_PIN_LOCKED)) {
		tool_error("card %s is not locked: log in with your passcode (or change it with "
			   "your RA)", c.serial);
		r = EXIT_FAIL;
		goto out;
	}
	if ((r = step_request(server, cacert, &c)) != EXIT_OK ||
	    (r = step_complete(server, cacert, &c, pin, sizeof(pin), resp, &resplen)) != EXIT_OK)
		goto out;
	rv = c.fl->C_Login(c.h, CKU_SO, resp, (CK_ULONG)resplen);
	if (rv == CKR_OK)
		rv = c.fl->C_InitPIN(c.h, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	if (rv == CKR_PIN_LEN_RANGE)
		tool_error("the new passcode's length is outside the policy's; ask for a new code "
			   "and choose another");
	else if (rv != CKR_OK)
		tool_error("the card refused the CA's response (0x%lx)", (unsigned long)rv);
	if (rv != CKR_OK) {
		r = EXIT_CARD;
		goto out;
	}
	c.fl->C_Logout(c.h);
	printf("Card %s is unlocked: log in with your new passcode.\n", c.serial);
	r = EXIT_OK;
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(resp, sizeof(resp));
	card_close(&c);
	curl_global_cleanup();
	return r;
}
