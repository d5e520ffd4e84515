/*
 * bench-kdf: what one passcode guess costs someone holding a copy of a card
 * image (issue 15, "cost of a guess"). A guess is one scrypt derivation
 * with the card's parameters followed by an AES-256-GCM tag check; the tag
 * check is noise beside scrypt, so this times scrypt alone, on one core,
 * through the same OpenSSL an attacker would use (CPU time of this
 * process, so other load on a shared machine hardly moves it; scrypt at
 * this size is memory-bound, so wall time on an idle core is the same),
 * and prints guesses per
 * second per core and the time to try every passcode of 4, 6 and 8 digits
 * and of 4, 6 and 8 letters and digits (62 symbols). Run by `make bench`
 * with the parameters of the benchmark's card (tests/bench/README.md).
 *
 * usage: bench-kdf --n N --r R --p P [--seconds S] [--markdown FILE (appended)]
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

/* Seconds of CPU this process has used. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Guesses per second: scrypt derivations of a 4-digit candidate, one core. */
static double
guesses_per_second(uint64_t n, uint64_t r, uint64_t p, double secs)
{
	static const unsigned char salt[16] = "carecard-bench!";
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	unsigned char out[32];
	char pin[8];
	double t0 = cpu_now(), dt;
	long done = 0;

	if (kdf == NULL)
		return -1;
	do {
		EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, pin, 4),
			OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							  sizeof(salt)),
			OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
			OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_R, &r),
			OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_P, &p),
			OSSL_PARAM_END,
		};

		snprintf(pin, sizeof(pin), "%04ld", done % 10000);
		if (ctx == NULL || EVP_KDF_derive(ctx, out, sizeof(out), params) != 1) {
			EVP_KDF_CTX_free(ctx);
			EVP_KDF_free(kdf);
			return -1;
		}
		EVP_KDF_CTX_free(ctx);
		done++;
		dt = cpu_now() - t0;
	} while (dt < secs || done < 3);
	EVP_KDF_free(kdf);
	return (double)done / dt;
}

/* A duration in the largest unit that reads well. */
static void
human(double s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 2 * 3600)
		snprintf(buf, len, "%.0f min", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%.1f h", s / 3600);
	else if (s < 2 * 365 * 86400.0)
		snprintf(buf, len, "%.0f days", s / 86400);
	else
		snprintf(buf, len, "%.3g years", s / (365 * 86400.0));
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "n", 1, NULL, 'n' }, { "r", 1, NULL, 'r' }, { "p", 1, NULL, 'p' },
		{ "seconds", 1, NULL, 't' }, { "markdown", 1, NULL, 'o' }, { NULL, 0, NULL, 0 },
	};
	uint64_t n = 0, r = 0, p = 0;
	const char *markdown = NULL;
	double secs = 3, gps;
	char a[32], b[32], c[32];
	FILE *md = NULL;
	int opt, len;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'r': r = strtoull(optarg, NULL, 10); break;
		case 'p': p = strtoull(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		case 'o': markdown = optarg; break;
		default: return 2;
		}
	}
	if (n == 0 || r == 0 || p == 0) {
		fprintf(stderr, "usage: bench-kdf --n N --r R --p P [--seconds S] [--markdown FILE]\n");
		return 2;
	}
	if ((gps = guesses_per_second(n, r, p, secs)) <= 0) {
		fprintf(stderr, "bench-kdf: scrypt failed\n");
		return 1;
	}
	if (markdown != NULL && (md = fopen(markdown, "a")) == NULL)
		perror(markdown);
	for (FILE *f = stdout; f != NULL; f = (f == stdout ? md : NULL)) {
		fprintf(f, "\n| offline guessing, scrypt N=%llu r=%llu p=%llu, one core | value |\n"
			"|---|---|\n", (unsigned long long)n, (unsigned long long)r,
			(unsigned long long)p);
		fprintf(f, "| guesses per second per core | %.2f |\n", gps);
		fprintf(f, "| one guess | %.0f ms |\n", 1000.0 / gps);
		for (len = 4; len <= 8; len += 2) {
			human(pow(10, len) / gps, a, sizeof(a));
			human(pow(62, len) / gps, b, sizeof(b));
			human(pow(10, len) / gps / 2, c, sizeof(c));
			fprintf(f, "| every %d-digit passcode (half on average: %s) | %s |\n", len, c, a);
			fprintf(f, "| every %d-character passcode of letters and digits | %s |\n", len,
				b);
		}
	}
	if (md != NULL)
		fclose(md);
	return 0;
}
