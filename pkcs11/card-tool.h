/*
 * carecard-card internals shared by carecard-card.c and card-tool-*.c.
 */
#ifndef CC_CARD_TOOL_H
#define CC_CARD_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pkcs11/card-image.h"
#include "pkcs11/config.h"

/* Exit statuses (documented in carecard-card.1 and --help). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* I/O or other operational failure */
	EXIT_USAGE = 2,		/* bad command line, unknown reader */
	EXIT_CONFIG = 3,	/* configuration could not be loaded */
	EXIT_READER = 4,	/* reader already holds a card / holds none */
	EXIT_NOT_CARD = 5,	/* file is not a (valid) card image */
	EXIT_PASSCODE = 6,	/* passcode wrong, locked or against the policy's rules */
	EXIT_CHECKS = 7,	/* doctor: at least one check failed */
	EXIT_REFUSED = 8,	/* unlock, renew: the CA refused */
	EXIT_CARD_REFUSED = 9,	/* unlock: the card refused the CA's response */
};

/* Print "carecard-card: error: ..." to stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Map a store CK_RV to an exit status. */
int tool_exit_for(CK_RV rv);

/*
 * Passcode status derived from the card and the configured rules at @now
 * (pure: no clock reads here).
 */
struct tool_pin_status {
	bool locked;
	bool expired;
	bool due;		/* must change now or within the warning period */
	int64_t expires_at;	/* 0 = never */
};
void tool_pin_status(const struct cc_card *card, const struct cc_passcode_rules *rules,
		     int64_t now, struct tool_pin_status *out);

/* `show`: print the public state of @card (read from @file) as text or JSON. */
int tool_show(FILE *out, const char *file, const struct cc_card *card,
	      const struct cc_config *conf, int64_t now, bool json);

/*
 * carecard-card --service[=SOCKET] COMMAND...: run COMMAND in the card
 * service of the isolated mode at @path; its exit status.
 */
int tool_service(const char *path, int argc, char **argv);

/* NAME (exact) or a 1-based NUMBER -> index into conf->readers; an exit status. */
int tool_find_reader(const struct cc_config *conf, const char *spec, size_t *idx);

/*
 * The holder's commands as a PKCS#11 application (card-tool-p11.c): the
 * module at @module (tool_module_path: --module, else
 * $CARECARD_PKCS11_MODULE, else the installed module), a session with the
 * card in @reader (the slot whose description is the reader's name).
 */
struct tool_p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	bool initialized;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
};
const char *tool_module_path(const char *opt);
/* Load and initialise the module only (no session); an exit status, the reason printed. */
int tool_p11_load(const char *module, struct tool_p11 *p);
int tool_p11_open(const char *module, const char *reader, bool rw, struct tool_p11 *p);
void tool_p11_close(struct tool_p11 *p);
/* The first object of @cls with CKA_ID @id, or CK_INVALID_HANDLE. */
CK_OBJECT_HANDLE tool_p11_find(const struct tool_p11 *p, CK_OBJECT_CLASS cls, unsigned char id);
/*
 * The holder's passcode (tool_read_secret) into @pin and C_Login(CKU_USER);
 * @serial gets the card's serial. An exit status, the reason printed
 * (wrong, locked: EXIT_PASSCODE).
 */
int tool_p11_login(struct tool_p11 *p, char serial[17], char *pin, size_t pinlen);
/* The card's certificate with CKA_ID @id (public: no login), or NULL. */
X509 *tool_p11_cert(const struct tool_p11 *p, unsigned char id);

/*
 * A secret from the terminal without echo, after @prompt; when stdin is not
 * a terminal, one line of stdin (scripts). 0, or -1 on end of input or a
 * line longer than @len - 1.
 */
int tool_read_secret(const char *prompt, char *buf, size_t len);

/* One HTTP(S) GET by the holder tools (card-tool-http.c, libcurl). */
enum tool_http_result {
	TOOL_HTTP_OK,		/* an answer (any status) */
	TOOL_HTTP_UNREACHABLE,	/* name, connection or time-out */
	TOOL_HTTP_UNTRUSTED,	/* TLS: the server's chain is not trusted */
	TOOL_HTTP_FAILED,	/* anything else; see error */
};
struct tool_http {
	enum tool_http_result result;
	int status;		/* HTTP status when TOOL_HTTP_OK */
	char *body;		/* NUL-terminated */
	size_t len;
	char error[256];	/* curl's words when not TOOL_HTTP_OK */
};
/* GET @base@path (@cacert: a CA file, NULL = the system's); 0 when answered. */
int tool_http_get(const char *base, const char *path, const char *cacert, size_t max,
		  struct tool_http *h);
/* The same as a POST of @form (application/x-www-form-urlencoded), HTTPS only. */
int tool_http_post(const char *base, const char *path, const char *cacert, const char *form,
		   size_t max, struct tool_http *h);
/*
 * A POST of @body (@len bytes, as @ctype) over HTTPS with TLS client
 * authentication by @cert and @key (tool_p11_pkey: the key on the card).
 */
int tool_http_post_as(const char *base, const char *path, const char *cacert, const char *ctype,
		      const void *body, size_t len, X509 *cert, EVP_PKEY *key, size_t max,
		      struct tool_http *h);
void tool_http_clear(struct tool_http *h);
/* "the CA refused (HTTP N): ..." with the answer's text (printable characters only). */
void tool_http_refusal(const struct tool_http *h);

/*
 * An EVP_PKEY for the card's private key @priv (card-tool-p11key.c): the
 * public key is @pub's, every private operation is C_Sign in @p's session
 * (after a context login with @pin when the key has
 * CKA_ALWAYS_AUTHENTICATE; @pin must outlive the key). EC and RSA; NULL on
 * failure.
 */
EVP_PKEY *tool_p11_pkey(const struct tool_p11 *p, CK_OBJECT_HANDLE priv, const EVP_PKEY *pub,
			const char *pin);
/* @cert and its card key @key as a TLS client's identity in @ctx (an RSA key: TLS 1.2). */
int tool_p11_pkey_tls(SSL_CTX *ctx, X509 *cert, EVP_PKEY *key);
/* Free the method tables once every such key is freed. */
void tool_p11_pkey_cleanup(void);

/*
 * Run @argv (no shell), its standard output and error (at most @len - 1
 * bytes) in @out; its exit status, 127 when it could not be run, or -1.
 */
int tool_run_capture(char *const argv[], char *out, size_t len);

/* Holder commands: doctor (card-tool-doctor.c); exit 0 when every check passed. */
int tool_cmd_doctor(int argc, char **argv);

/* --reader @spec, or (NULL) the first configured reader holding a card. */
int tool_pick_reader(const struct cc_config *conf, const char *spec, size_t *idx);

/*
 * "now" for expiry: the clock; in test builds $CARECARD_NOW (unix seconds)
 * may move it, as CARECARD_CA_NOW moves the CA's. Release builds ignore it.
 */
int64_t tool_now(void);

/* Holder commands: passcode, status (card-tool-passcode.c, card-tool-status.c). */
int tool_cmd_passcode(int argc, char **argv, const struct cc_config *conf);
int tool_cmd_status(int argc, char **argv, const struct cc_config *conf);

/*
 * carecard-card unlock --server URL [--reader NAME|NUMBER] [--cacert FILE]
 * [--module PATH]: self-service unlock with a code (card-tool-unlock.c).
 */
int tool_cmd_unlock(int argc, char **argv, const struct cc_config *conf);

/*
 * carecard-card renew --server URL [--reader NAME|NUMBER] [--cacert FILE]
 * [--module PATH]: network self-renewal over EST (card-tool-renew.c).
 */
int tool_cmd_renew(int argc, char **argv, const struct cc_config *conf);

/*
 * carecard-card contact --server URL (--email ADDRESS | --mobile NUMBER)
 * [--reader ...] [--cacert FILE] [--module PATH]: the holder's own contact
 * details, confirmed by a code sent to the new address (card-tool-contact.c).
 */
int tool_cmd_contact(int argc, char **argv, const struct cc_config *conf);

#endif
