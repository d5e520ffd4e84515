/*
 * pkcs11/card-tool-p11.c: carecard-card as a PKCS#11 application.
 *
 * The holder's commands (passcode, status, doctor) use the card the way any
 * application does: they load the carecard module, find the reader's slot
 * by its description and open a session. Nothing here reads a card image:
 * the module's rules (passcode length, tries, lock) apply as they do for
 * every other client.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#ifndef CC_MODULE_PATH
#define CC_MODULE_PATH "carecard-pkcs11.so"
#endif

const char *
tool_module_path(const char *opt)
{
	const char *env = getenv("CARECARD_PKCS11_MODULE");

	if (opt != NULL)
		return opt;
	return env != NULL && env[0] != '\0' ? env : CC_MODULE_PATH;
}

/* The slot whose description is @name (blank padded in CK_SLOT_INFO). */
static CK_RV
slot_by_name(CK_FUNCTION_LIST_PTR f, const char *name, CK_SLOT_ID *out)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = sizeof(ids) / sizeof(ids[0]), i;
	CK_SLOT_INFO si;
	size_t len = strlen(name), k;
	CK_RV rv;

	if ((rv = f->C_GetSlotList(CK_FALSE, ids, &n)) != CKR_OK)
		return rv;
	for (i = 0; i < n; i++) {
		if (f->C_GetSlotInfo(ids[i], &si) != CKR_OK || len > sizeof(si.slotDescription) ||
		    memcmp(si.slotDescription, name, len) != 0)
			continue;
		for (k = len; k < sizeof(si.slotDescription) && si.slotDescription[k] == ' '; k++)
			;
		if (k == sizeof(si.slotDescription)) {
			*out = ids[i];
			return CKR_OK;
		}
	}
	return CKR_SLOT_ID_INVALID;
}

int
tool_p11_load(const char *module, struct tool_p11 *p)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_RV rv;

	memset(p, 0, sizeof(*p));
	p->session = CK_INVALID_HANDLE;
	if ((p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		tool_error("cannot load the carecard module %s: %s (install carecard, or name "
			   "it with --module)", module, dlerror());
		return EXIT_CONFIG;
	}
	*(void **)&get = dlsym(p->dl, "C_GetFunctionList");
	if (get == NULL || get(&p->f) != CKR_OK) {
		tool_error("%s is not a PKCS#11 module", module);
		goto fail;
	}
	if ((rv = p->f->C_Initialize(NULL)) != CKR_OK) {
		tool_error("the carecard module did not start (0x%lx): see its log line above",
			   (unsigned long)rv);
		goto fail;
	}
	p->initialized = true;
	return EXIT_OK;
fail:
	tool_p11_close(p);
	return EXIT_FAIL;
}

int
tool_p11_open(const char *module, const char *reader, bool rw, struct tool_p11 *p)
{
	CK_SESSION_INFO info;
	CK_RV rv;
	int r;

	if ((r = tool_p11_load(module, p)) != EXIT_OK)
		return r;
	if ((rv = slot_by_name(p->f, reader, &p->slot)) != CKR_OK) {
		tool_error("the module has no reader '%s' (0x%lx)", reader, (unsigned long)rv);
		goto fail;
	}
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL,
				 NULL, &p->session);
	if (rv == CKR_TOKEN_NOT_PRESENT) {
		tool_error("reader '%s' is empty: insert your card (carecard-card insert FILE "
			   "--reader '%s')", reader, reader);
		tool_p11_close(p);
		return EXIT_READER;
	}
	if (rv != CKR_OK || p->f->C_GetSessionInfo(p->session, &info) != CKR_OK) {
		tool_error("cannot open a session with the card in '%s' (0x%lx)", reader,
			   (unsigned long)rv);
		goto fail;
	}
	return EXIT_OK;
fail:
	tool_p11_close(p);
	return EXIT_FAIL;
}

/* See card-tool.h. */
X509 *
tool_p11_cert(const struct tool_p11 *p, unsigned char id)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, &id, 1 },
	};
	CK_ATTRIBUTE val = { CKA_VALUE, NULL, 0 };
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0;
	const unsigned char *q;
	unsigned char *der = NULL;
	X509 *x = NULL;

	if (p->f->C_FindObjectsInit(p->session, tmpl, 2) != CKR_OK)
		return NULL;
	if (p->f->C_FindObjects(p->session, &o, 1, &n) != CKR_OK)
		n = 0;
	p->f->C_FindObjectsFinal(p->session);
	if (n != 1 || p->f->C_GetAttributeValue(p->session, o, &val, 1) != CKR_OK ||
	    val.ulValueLen == 0 || val.ulValueLen > 64 * 1024 ||
	    (der = malloc(val.ulValueLen)) == NULL)
		return NULL;
	val.pValue = der;
	if (p->f->C_GetAttributeValue(p->session, o, &val, 1) == CKR_OK) {
		q = der;
		x = d2i_X509(NULL, &q, (long)val.ulValueLen);
	}
	free(der);
	return x;
}

void
tool_p11_close(struct tool_p11 *p)
{
	if (p->f != NULL && p->session != CK_INVALID_HANDLE)
		p->f->C_CloseSession(p->session);
	if (p->f != NULL && p->initialized)
		p->f->C_Finalize(NULL);
	if (p->dl != NULL)
		dlclose(p->dl);
	memset(p, 0, sizeof(*p));
	p->session = CK_INVALID_HANDLE;
}

/* One line from @fp into @buf without its newline; -1 when none or too long. */
static int
read_line(FILE *fp, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, fp) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1) {	/* no newline within the buffer */
		int c;

		while ((c = fgetc(fp)) != EOF && c != '\n')
			;
		OPENSSL_cleanse(buf, len);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

int
tool_read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	FILE *tty;
	int r;

	/* Not a terminal (a script, a test): one line per secret on stdin. */
	if (!isatty(STDIN_FILENO))
		return read_line(stdin, buf, len);
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return -1;
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) != 0) {
		fclose(tty);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	r = read_line(tty, buf, len);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return r;
}

/* The first object of @cls with CKA_ID @id, or CK_INVALID_HANDLE. */
CK_OBJECT_HANDLE
tool_p11_find(const struct tool_p11 *p, CK_OBJECT_CLASS cls, unsigned char id)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, &id, 1 },
	};
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (p->f->C_FindObjectsInit(p->session, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (p->f->C_FindObjects(p->session, &o, 1, &n) != CKR_OK || n != 1)
		o = CK_INVALID_HANDLE;
	p->f->C_FindObjectsFinal(p->session);
	return o;
}

int
tool_p11_login(struct tool_p11 *p, char serial[17], char *pin, size_t pinlen)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if (p->f->C_GetTokenInfo(p->slot, &ti) != CKR_OK)
		return EXIT_READER;
	memcpy(serial, ti.serialNumber, 16);
	serial[16] = '\0';
	if (tool_read_secret("Passcode: ", pin, pinlen) != 0) {
		tool_error("no passcode: nothing was changed");
		return EXIT_USAGE;
	}
	rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	switch (rv) {
	case CKR_OK:
		return EXIT_OK;
	case CKR_PIN_INCORRECT:
		tool_error("the passcode is wrong: nothing was changed");
		return EXIT_PASSCODE;
	case CKR_PIN_LOCKED:
		tool_error("the card is locked: unlock it first ('carecard-card unlock --server "
			   "URL' or at your RA office)");
		return EXIT_PASSCODE;
	default:
		tool_error("the card refused the passcode (0x%lx): nothing was changed",
			   (unsigned long)rv);
		return rv == CKR_PIN_LEN_RANGE ? EXIT_PASSCODE : EXIT_FAIL;
	}
}
