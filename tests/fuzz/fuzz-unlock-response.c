/*
 * Fuzz harness for the self-service unlock response parser (cc_unlock_open,
 * pkcs11/unlock.c): the bytes a holder's client hands the module as
 * C_Login(CKU_SO, response), which came from the network.
 *
 * Each input is opened twice: as is (the framing and the signature check)
 * and "repaired" — when it frames, re-signed with the unblock key, so the
 * mutations reach the RSA-OAEP decryption and the key-length check that
 * the signature would otherwise shield.
 *
 * Two builds of this file:
 *  - libFuzzer (not part of the normal build): `make fuzz-unlock-response`,
 *    then tests/fuzz/fuzz-unlock-response-libfuzzer -max_total_time=300 DIR.
 *  - Standalone (CC_FUZZ_STANDALONE, run by `make check`, TAP): a valid
 *    response must open to the right key; every truncation and every single
 *    byte change of it must be refused; files given as arguments are replayed.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <syslog.h>

#include "pkcs11/unlock.h"

#define SERIAL "0412345678901234"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Refusals are logged; millions of them would flood syslog. */
void
syslog(int pri, const char *fmt, ...)
{
	(void)pri;
	(void)fmt;
}

static EVP_PKEY *eph, *ub;

static void
keys(void)
{
	if (eph == NULL)
		eph = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (ub == NULL)
		ub = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (eph == NULL || ub == NULL)
		abort();
}

/* MAGIC || len || @w || len || signature over the tbs, by the unblock key. */
static unsigned char *
build(const unsigned char *w, size_t wlen, size_t *outlen)
{
	unsigned char sig[512], *spki = NULL, *tbs = NULL, *out = NULL;
	size_t siglen = sizeof(sig), tbslen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int spkilen = i2d_PUBKEY(eph, &spki);

	if (md == NULL || spkilen <= 0 || wlen > 0xffff ||
	    cc_unlock_tbs(SERIAL, spki, (size_t)spkilen, w, wlen, &tbs, &tbslen) != CKR_OK ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ub) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, tbs, tbslen) != 1 ||
	    (out = malloc(CC_UNLOCK_MAGIC_LEN + 4 + wlen + siglen)) == NULL)
		goto done;
	memcpy(out, CC_UNLOCK_MAGIC, CC_UNLOCK_MAGIC_LEN);
	out[8] = (unsigned char)(wlen >> 8);
	out[9] = (unsigned char)wlen;
	memcpy(out + 10, w, wlen);
	out[10 + wlen] = (unsigned char)(siglen >> 8);
	out[11 + wlen] = (unsigned char)siglen;
	memcpy(out + 12 + wlen, sig, siglen);
	*outlen = 12 + wlen + siglen;
done:
	EVP_MD_CTX_free(md);
	OPENSSL_free(spki);
	free(tbs);
	return out;
}

static CK_RV
open1(const uint8_t *data, size_t size, struct cc_card_key *k)
{
	CK_RV rv = cc_unlock_open(NULL, eph, ub, SERIAL, data, size, k);

	ERR_clear_error();
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cc_card_key k;
	unsigned char *fixed;
	size_t wlen, flen = 0;

	keys();
	open1(data, size, &k);
	/* Repaired: keep the wrapped part as framed, sign it properly. */
	if (size >= CC_UNLOCK_MAGIC_LEN + 2 && memcmp(data, CC_UNLOCK_MAGIC, CC_UNLOCK_MAGIC_LEN) == 0) {
		wlen = (size_t)data[8] << 8 | data[9];
		if (wlen <= size - 10 && (fixed = build(data + 10, wlen, &flen)) != NULL) {
			open1(fixed, flen, &k);
			free(fixed);
		}
	}
	return 0;
}

#ifdef CC_FUZZ_STANDALONE
static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%s %d - %s\n", cond ? "ok" : "not ok", ++n, what);
	failed += !cond;
}

static size_t
replay_path(const char *path)
{
	unsigned char buf[8192];
	struct stat st;
	size_t count = 0, len;
	char sub[PATH_MAX];
	struct dirent *e;
	FILE *f;
	DIR *d;

	if (stat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return 0;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.' &&
			    snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < (int)sizeof(sub))
				count += replay_path(sub);
		closedir(d);
		return count;
	}
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	return 1;
}

int
main(int argc, char **argv)
{
	unsigned char k[32], w[512], *resp, *m;
	size_t wlen = sizeof(w), len = 0, i, refused = 0, all = 0;
	struct cc_card_key got;
	EVP_PKEY_CTX *c;
	int a, flip;

	keys();
	for (i = 0; i < sizeof(k); i++)
		k[i] = (unsigned char)(i * 7 + 1);
	c = EVP_PKEY_CTX_new(eph, NULL);
	if (c == NULL || EVP_PKEY_encrypt_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(c, "SHA1", NULL) != 1 ||
	    EVP_PKEY_encrypt(c, w, &wlen, k, sizeof(k)) != 1 || (resp = build(w, wlen, &len)) == NULL)
		return 99;
	EVP_PKEY_CTX_free(c);
	printf("1..4\n");
	memset(&got, 0, sizeof(got));
	ok(open1(resp, len, &got) == CKR_OK && memcmp(got.k, k, sizeof(k)) == 0,
	   "a valid response opens to the card key");
	for (i = 0; i < len; i++, all++)
		refused += open1(resp, i, &got) != CKR_OK;
	ok(refused == all, "every truncation is refused");
	refused = all = 0;
	if ((m = malloc(len + 1)) == NULL)
		return 99;
	for (i = 0; i < len; i++)
		for (flip = 1; flip < 256; flip <<= 2, all++) {
			memcpy(m, resp, len);
			m[i] ^= (unsigned char)flip;
			refused += open1(m, len, &got) != CKR_OK;
			if (i % 16 == 0)	/* the repaired path too, on a sample */
				LLVMFuzzerTestOneInput(m, len);
		}
	memcpy(m, resp, len);
	m[len] = 0;
	refused += open1(m, len + 1, &got) != CKR_OK;
	all++;
	ok(refused == all, "every changed byte, and a byte appended, is refused");
	for (a = 1; a < argc; a++)
		replay_path(argv[a]);
	ok(1, "files replayed without a crash");
	free(m);
	free(resp);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(ub);
	return failed ? 1 : 0;
}
#endif
