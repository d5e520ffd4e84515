/*
 * carecard-card contact: the holder changes their own registered email
 * address or mobile number with their card (ca/README.md, "A holder's own
 * contact details"):
 *
 *   POST SERVER/holder/contact/request   email=ADDRESS | mobile=NUMBER
 *        202: a code was sent to the NEW address; 403: refused (why)
 *   POST SERVER/holder/contact/confirm   code=CODE
 *        200: the change is made (the old address is told); 403: refused
 *
 * both over HTTPS with TLS client authentication by the card's
 * authentication key (card-tool-p11key.c: the signature is made on the
 * card), application/x-www-form-urlencoded. The passcode and the code are
 * read from the terminal (or standard input), never from the command line.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define ANSWER_MAX 16384
#define SECRET_MAX 64

struct contact {
	const char *server, *cacert;
	struct tool_p11 p;
	char serial[17];
	char pin[SECRET_MAX];
	X509 *cert;
	EVP_PKEY *key;
};

/* POST @form as the card's holder; EXIT_OK with a 2xx answer in @h, else the status. */
static int
post(struct contact *c, const char *path, const char *form, struct tool_http *h)
{
	if (tool_http_post_as(c->server, path, c->cacert, "application/x-www-form-urlencoded",
			      form, strlen(form), c->cert, c->key, ANSWER_MAX, h) != 0) {
		if (h->result == TOOL_HTTP_UNTRUSTED)
			tool_error("%s: the service's certificate is not trusted (%s): name its CA "
				   "with --cacert FILE", c->server, h->error);
		else
			tool_error("%s%s: %s", c->server, path, h->error);
		return EXIT_FAIL;
	}
	if (h->status / 100 != 2) {
		tool_http_refusal(h);
		return h->status == 403 ? EXIT_REFUSED : EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The service's one-line answer, printed for the holder (printable characters only). */
static void
say(const struct tool_http *h)
{
	size_t i;

	for (i = 0; i < h->len; i++)
		if (h->body[i] == '\n' || (h->body[i] >= 0x20 && h->body[i] < 0x7f))
			putchar(h->body[i]);
	if (h->len == 0 || h->body[h->len - 1] != '\n')
		putchar('\n');
}

static int
change(struct contact *c, const char *field, const char *address)
{
	struct tool_http h = { 0 };
	char *esc = NULL, *form = NULL, code[SECRET_MAX] = "";
	size_t n;
	int ret;

	if ((esc = curl_easy_escape(NULL, address, 0)) == NULL ||
	    (form = malloc((n = strlen(field) + strlen(esc) + 2))) == NULL) {
		ret = EXIT_FAIL;
		goto out;
	}
	snprintf(form, n, "%s=%s", field, esc);
	if ((ret = post(c, "/holder/contact/request", form, &h)) != EXIT_OK)
		goto out;
	say(&h);
	tool_http_clear(&h);
	if (tool_read_secret("Code from the message: ", code, sizeof(code)) != 0 ||
	    code[0] == '\0') {
		tool_error("no code: nothing was changed (the code stays valid for a while: run "
			   "the command again to ask for a new one)");
		ret = EXIT_USAGE;
		goto out;
	}
	free(form);
	if ((form = malloc((n = strlen(code) + 6))) == NULL) {
		ret = EXIT_FAIL;
		goto out;
	}
	snprintf(form, n, "code=%s", code);
	if ((ret = post(c, "/holder/contact/confirm", form, &h)) == EXIT_OK)
		say(&h);
	OPENSSL_cleanse(form, n);
out:
	OPENSSL_cleanse(code, sizeof(code));
	tool_http_clear(&h);
	curl_free(esc);
	free(form);
	return ret;
}

static const char contact_usage[] =
	"Usage: carecard-card contact --server URL (--email ADDRESS | --mobile NUMBER)\n"
	"                             [--reader NAME|NUMBER] [--cacert FILE] [--module PATH]\n"
	"\n"
	"Change your registered email address or mobile number (where unlock codes and\n"
	"renewal reminders go) with your card: the CA's service sends a code to the new\n"
	"address, you type it here, and only then is the change made; your old address\n"
	"is told. The passcode and the code are read from the terminal (without one, a\n"
	"line of stdin each). Numbers in international form (+447700900123).\n"
	"Exit status: 0 changed, 8 the CA refused (its message says why), 6 passcode\n"
	"wrong or card locked, 2 usage, 1 other failure.\n";

int
tool_cmd_contact(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "email", required_argument, NULL, 'e' },
		{ "mobile", required_argument, NULL, 'M' },
		{ "reader", required_argument, NULL, 'r' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL, *reader = NULL, *email = NULL, *mobile = NULL;
	struct contact c;
	CK_OBJECT_HANDLE priv;
	size_t idx = 0;
	int o, ret;

	memset(&c, 0, sizeof(c));
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': c.server = optarg; break;
		case 'e': email = optarg; break;
		case 'M': mobile = optarg; break;
		case 'r': reader = optarg; break;
		case 'c': c.cacert = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(contact_usage, stdout); return EXIT_OK;
		default: fputs(contact_usage, stderr); return EXIT_USAGE;
		}
	}
	if (c.server == NULL || optind != argc || strncmp(c.server, "https://", 8) != 0 ||
	    (email == NULL) == (mobile == NULL)) {
		tool_error("contact needs --server https://... and one of --email or --mobile");
		return EXIT_USAGE;
	}
	if ((ret = tool_pick_reader(conf, reader, &idx)) != EXIT_OK ||
	    (ret = tool_p11_open(tool_module_path(module), conf->readers[idx].name, false,
				 &c.p)) != EXIT_OK)
		return ret;
	if ((ret = tool_p11_login(&c.p, c.serial, c.pin, sizeof(c.pin))) != EXIT_OK)
		goto out;
	ret = EXIT_FAIL;
	if ((c.cert = tool_p11_cert(&c.p, 0x01)) == NULL ||
	    (priv = tool_p11_find(&c.p, CKO_PRIVATE_KEY, 0x01)) == CK_INVALID_HANDLE ||
	    (c.key = tool_p11_pkey(&c.p, priv, X509_get0_pubkey(c.cert), c.pin)) == NULL) {
		tool_error("card %s has no usable authentication certificate and key: ask your RA",
			   c.serial);
		goto out;
	}
	ret = change(&c, email != NULL ? "email" : "mobile", email != NULL ? email : mobile);
out:
	EVP_PKEY_free(c.key);
	X509_free(c.cert);
	if (c.p.f != NULL && c.p.session != CK_INVALID_HANDLE)
		c.p.f->C_Logout(c.p.session);
	tool_p11_close(&c.p);
	tool_p11_pkey_cleanup();
	OPENSSL_cleanse(c.pin, sizeof(c.pin));
	return ret;
}
