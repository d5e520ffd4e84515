/*
 * ca/cli/pin.c: see pin.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include <openssl/crypto.h>

#include "ca/cli/pin.h"
#include "ca/core/error.h"
#include "ca/core/secret.h"
#include "common/log.h"

#define PIN_MAX 128

/* One line from the terminal with echo off; the terminal is restored. */
static int
tty_line(FILE *tty, const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int have = tcgetattr(fileno(tty), &old) == 0, r = CA_ERR_USAGE;

	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (have) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSADRAIN, &quiet);
	}
	if (fgets(buf, (int)len, tty) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		r = CA_OK;
	}
	if (have)
		tcsetattr(fileno(tty), TCSADRAIN, &old);
	fputc('\n', tty);
	return r;
}

static int
tty_read(const char *prompt, int confirm, char **out)
{
	char a[PIN_MAX], b[PIN_MAX];
	FILE *tty = fopen("/dev/tty", "r+");
	int r = CA_ERR_USAGE;

	if (tty == NULL) {
		util_log(LOG_ERR, "no terminal to read the passcode from (set the passcode file)");
		return CA_ERR_USAGE;
	}
	if ((r = tty_line(tty, prompt, a, sizeof(a))) != CA_OK)
		goto out;
	if (confirm && ((r = tty_line(tty, "Again: ", b, sizeof(b))) != CA_OK ||
			strlen(a) != strlen(b) || CRYPTO_memcmp(a, b, strlen(a)) != 0)) {
		util_log(LOG_ERR, "the two passcodes differ");
		r = CA_ERR_USAGE;
		goto out;
	}
	r = (*out = strdup(a)) != NULL ? CA_OK : CA_ERR_ALLOC;
out:
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	fclose(tty);
	return r;
}

static int
pin_read(const char *envvar, const char *prompt, int confirm, char **out)
{
	const char *path = getenv(envvar);

	if (path != NULL && *path != '\0')
		return ca_secret_read(path, out);
	return tty_read(prompt, confirm, out);
}

int
cli_secret(void *arg, enum ca_secret_kind kind, const char *card, char **out)
{
	struct cli_pins *p = arg;
	char prompt[96];
	int r;

	switch (kind) {
	case CA_SECRET_OPERATOR_PASSCODE:
		snprintf(prompt, sizeof(prompt), "Operator passcode (your card %s): ",
			 card != NULL ? card : "");
		return pin_read(CLI_PIN_ENV_OPERATOR, prompt, 0, out);
	case CA_SECRET_HOLDER_PASSCODE:
		if (p->holder == NULL) {
			snprintf(prompt, sizeof(prompt), "Holder passcode (card %s): ",
				 card != NULL ? card : "");
			if ((r = pin_read(CLI_PIN_ENV_HOLDER, prompt, 0, &p->holder)) != CA_OK)
				return r;
		}
		return (*out = strdup(p->holder)) != NULL ? CA_OK : CA_ERR_ALLOC;
	case CA_SECRET_HOLDER_NEW_PASSCODE:
		snprintf(prompt, sizeof(prompt), "Holder, choose a passcode for card %s: ",
			 card != NULL ? card : "");
		return pin_read(CLI_PIN_ENV_HOLDER, prompt, 1, out);
	}
	return CA_ERR_USAGE;
}

void
cli_pins_clear(struct cli_pins *p)
{
	ca_secret_free(p->holder);
	p->holder = NULL;
}
