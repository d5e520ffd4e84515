/*
 * unlock-driver: both ends of a self-service unlock for
 * tests/integration/test-unlock-library.sh, with real components: the CA
 * library on a real state directory (SoftHSM2, registry) as the service
 * calls it, and the carecard module on a real card image as the holder's
 * client drives it. Codes, passcodes and responses travel through 0600
 * files, never argv or the environment.
 *
 *   unlock-driver request  SERIAL DELIVERY
 *   unlock-driver complete SERIAL MODULE READER CODEFILE PINFILE RESPOUT DELIVERY
 *   unlock-driver replay   MODULE READER RESPFILE
 *
 * The CA state directory is $CARECARD_CA_STATE; $CARECARD_CA_NOW moves the
 * CA's clock (this is a test program). DELIVERY is an SMTP relay URL
 * ("smtp://host:port", the service's mailer: STARTTLS required, trust
 * anchors from $UNLOCK_SMTP_CAFILE) or a file the messages are appended to;
 * SMS go to the gateway $UNLOCK_SMS_GATEWAY (the service's SMS sender,
 * anchors from $UNLOCK_SMS_CAFILE).
 * Exit: 0 done, 8 refused, 9 not authenticated, 3 the card refused the
 * response (replay: CKR_PIN_INCORRECT), 1 anything else.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>

#include "ca/card/p11card.h"
#include "ca/core/error.h"
#include "ca/ra/session.h"
#include "ca/ra/unlock.h"
#include "ca/service/mail.h"
#include "ca/service/sms.h"
#include "pkcs11/unlock.h"

static int64_t
now_hook(void *arg)
{
	const char *s = getenv("CARECARD_CA_NOW");

	(void)arg;
	return s != NULL && *s != '\0' ? (int64_t)strtoll(s, NULL, 10) : (int64_t)time(NULL);
}

static int
mail(void *arg, const char *channel, const char *address, const char *subject, const char *text)
{
	struct svc_mail_conf mc = { arg, "carecard-ca@localhost", getenv("UNLOCK_SMTP_CAFILE"), 20 };
	struct svc_sms_conf sc = { getenv("UNLOCK_SMS_GATEWAY"), getenv("UNLOCK_SMS_CAFILE"), NULL,
				   NULL, 20 };
	FILE *f;
	int fd;

	if (strcmp(channel, "sms") == 0 && sc.url != NULL)
		return svc_sms_send(&sc, address, text);
	if (strncmp(arg, "smtp://", 7) == 0)
		return strcmp(channel, "email") == 0 ? svc_mail_send(&mc, address, subject, text)
						     : CA_ERR_IO;
	if ((fd = open(arg, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0 ||
	    (f = fdopen(fd, "a")) == NULL)
		return CA_ERR_IO;
	fprintf(f, "Channel: %s\nTo: %s\nSubject: %s\n\n%s\n.\n", channel, address, subject, text);
	return fclose(f) == 0 ? CA_OK : CA_ERR_IO;
}

/* One line from a 0600 file, without its newline. */
static int
read_secret(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL || fgets(out, (int)size, f) == NULL) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

static int
exit_of(int r, struct ca_result *res)
{
	if (r == CA_OK)
		return 0;
	ca_result_complete(res, r);
	fprintf(stderr, "unlock-driver: %s (%s)\n", res->text, ca_strerror(r));
	return r == CA_ERR_DENIED ? 8 : r == CA_ERR_AUTH ? 9 : 1;
}

static int
open_ca(struct ca_session **s, struct ca_result *res)
{
	struct ca_front f;
	int r;

	memset(&f, 0, sizeof(f));
	f.state = getenv("CARECARD_CA_STATE");
	f.hooks.now = now_hook;
	if ((r = ca_session_open(&f, s, res)) != CA_OK)
		return r;
	return ca_session_system(*s, res);
}

/* The holder's side: the module, the card in @reader, a R/W session. */
struct holder {
	struct ca_signer *mod;
	CK_FUNCTION_LIST *fl;
	CK_SESSION_HANDLE h;
};

static int
holder_open(const char *module, const char *reader, struct holder *hd)
{
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	unsigned long i = strtoul(reader, NULL, 10);

	if (ca_p11_module_load(NULL, module, &hd->mod) != CA_OK)
		return -1;
	hd->fl = ca_signer_functions(hd->mod);
	if (hd->fl->C_GetSlotList(CK_FALSE, slots, &n) != CKR_OK || i < 1 || i > n) {
		fprintf(stderr, "unlock-driver: no reader %s\n", reader);
		return -1;
	}
	return hd->fl->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				     NULL, &hd->h) == CKR_OK ? 0 : -1;
}

/* The request's ephemeral key pair on the card; its SubjectPublicKeyInfo into @spki. */
static int
ephemeral(struct holder *hd, unsigned char *spki, CK_ULONG *len)
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
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, spki, *len };
	CK_RV rv;

	if ((rv = hd->fl->C_GenerateKeyPair(hd->h, &m, pub, 3, priv, 2, &hpub, &hpriv)) != CKR_OK ||
	    (rv = hd->fl->C_GetAttributeValue(hd->h, hpub, &a, 1)) != CKR_OK) {
		fprintf(stderr, "unlock-driver: ephemeral key: 0x%lx\n", (unsigned long)rv);
		return -1;
	}
	*len = a.ulValueLen;
	return 0;
}

static int
cmd_request(int argc, char **argv)
{
	struct ca_session *s = NULL;
	struct ca_result res = { 0 };
	int r;

	if (argc != 4)
		return 1;
	if ((r = open_ca(&s, &res)) == CA_OK)
		r = ca_op_unlock_request(s, argv[2], mail, argv[3], &res);
	ca_session_close(s);
	return exit_of(r, &res);
}

static int
cmd_complete(int argc, char **argv)
{
	struct ca_session *s = NULL;
	struct ca_result res = { 0 };
	struct holder hd = { NULL, NULL, 0 };
	unsigned char spki[1024], *resp = NULL;
	CK_ULONG spkilen = sizeof(spki);
	size_t resplen = 0;
	char code[32] = "", pin[64] = "";
	int r = CA_ERR_INTERNAL, fd, rc;
	CK_RV rv;

	if (argc != 9 || read_secret(argv[5], code, sizeof(code)) != 0 ||
	    read_secret(argv[6], pin, sizeof(pin)) != 0)
		return 1;
	if (holder_open(argv[3], argv[4], &hd) != 0 || ephemeral(&hd, spki, &spkilen) != 0)
		goto out;
	if ((r = open_ca(&s, &res)) == CA_OK)
		r = ca_op_unlock_complete(s, argv[2], code, spki, spkilen, mail, argv[8], &resp,
					  &resplen, &res);
	if (r != CA_OK)
		goto out;
	/* Kept only so the test can replay it later; 0600 like every secret here. */
	if ((fd = open(argv[7], O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, resp, resplen) != (ssize_t)resplen || close(fd) != 0) {
		r = CA_ERR_IO;
		goto out;
	}
	rv = hd.fl->C_Login(hd.h, CKU_SO, resp, (CK_ULONG)resplen);
	if (rv == CKR_OK)
		rv = hd.fl->C_InitPIN(hd.h, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	if (rv != CKR_OK) {
		fprintf(stderr, "unlock-driver: the card refused: 0x%lx\n", (unsigned long)rv);
		r = 3;
		goto out;
	}
	hd.fl->C_Logout(hd.h);
out:
	rc = r == 3 ? 3 : exit_of(r, &res);
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(pin, sizeof(pin));
	free(resp);
	ca_session_close(s);
	if (hd.mod != NULL)
		ca_signer_free(hd.mod);
	return rc;
}

static int
cmd_replay(int argc, char **argv)
{
	struct holder hd = { NULL, NULL, 0 };
	unsigned char spki[1024], resp[4096];
	CK_ULONG spkilen = sizeof(spki);
	ssize_t n = -1;
	int fd, rc = 1;
	CK_RV rv;

	if (argc != 5 || (fd = open(argv[4], O_RDONLY)) < 0)
		return 1;
	n = read(fd, resp, sizeof(resp));
	close(fd);
	if (n <= 0 || holder_open(argv[2], argv[3], &hd) != 0 || ephemeral(&hd, spki, &spkilen) != 0)
		goto out;
	rv = hd.fl->C_Login(hd.h, CKU_SO, resp, (CK_ULONG)n);
	printf("C_Login: 0x%lx\n", (unsigned long)rv);
	rc = rv == CKR_OK ? 0 : rv == CKR_PIN_INCORRECT ? 3 : 1;
out:
	if (hd.mod != NULL)
		ca_signer_free(hd.mod);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "request") == 0)
		return cmd_request(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "complete") == 0)
		return cmd_complete(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc, argv);
	fprintf(stderr, "usage: unlock-driver request|complete|replay ...\n");
	return 1;
}
