/*
 * pkcs11/card-tool-status.c: carecard-card status — what a holder needs to
 * know about their card, without a passcode: when the certificates expire,
 * whether the renewal window is open, and what else is due (the policy's
 * pol_due, the same words the RA's reports use).
 *
 * The certificates are public objects read through the module like any
 * application; the rules are the workstation's policy (carecard-card doctor
 * checks it is the CA's). --remind is for the shipped user timer: it says
 * nothing unless the window is open, and then once per certificate.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"
#include "pkcs11/card-tool-answer.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "common/fileio.h"
#include "policy/decide.h"
#include "policy/policy.h"

#define DAY 86400

static const char status_usage[] =
	"Usage: carecard-card status [--reader NAME|NUMBER] [--module PATH] [--remind]\n"
	"                            [--server URL [--cacert FILE]]\n"
	"\n"
	"Show when your card's certificates expire, whether renewal is open and what\n"
	"else is due. No passcode needed. With --server, also the CA's own count: how\n"
	"many self-renewals are left before an RA visit and whether it would renew\n"
	"now. --remind prints only when the renewal window has opened, once per\n"
	"certificate (for the daily user timer).\n";

struct cert_info {
	char subject[128];
	char serial[80];		/* hex */
	int64_t not_after;
};

static int
cert_read(const struct tool_p11 *p, unsigned char id, struct cert_info *ci)
{
	X509 *x = tool_p11_cert(p, id);
	BIGNUM *bn = NULL;
	char *hex = NULL;
	struct tm tm;

	memset(ci, 0, sizeof(*ci));
	if (x == NULL)
		return -1;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, ci->subject,
				  sizeof(ci->subject));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		ci->not_after = (int64_t)timegm(&tm);
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL &&
	    (hex = BN_bn2hex(bn)) != NULL)
		snprintf(ci->serial, sizeof(ci->serial), "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	return 0;
}

static void
day_of(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* --remind: the state file naming the last certificate reminded of. */
static bool
reminded(const char *serial, bool mark)
{
	const char *base = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[PATH_MAX], path[PATH_MAX + 32], seen[96] = "";
	FILE *fp;

	if (base != NULL && base[0] == '/')
		snprintf(dir, sizeof(dir), "%s/carecard", base);
	else if (home != NULL)
		snprintf(dir, sizeof(dir), "%s/.local/state/carecard", home);
	else
		return false;
	snprintf(path, sizeof(path), "%s/renewal-reminded", dir);
	if (!mark) {
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(seen, sizeof(seen), fp) != NULL)
				seen[strcspn(seen, "\n")] = '\0';
			fclose(fp);
		}
		return strcmp(seen, serial) == 0;
	}
	if (util_mkdir_p(dir, 0700) != 0 ||
	    util_file_write_atomic(path, serial, strlen(serial), 0600) != 0)
		tool_error("cannot record the reminder in %s: it may be repeated", path);
	return true;
}

/* A desktop notice when the session has a bus and notify-send is installed. */
static void
notify(const char *msg)
{
	char *argv[] = { "notify-send", "--app-name=carecard", "Smartcard renewal", (char *)msg,
			 NULL };
	char out[512];

	if (getenv("DBUS_SESSION_BUS_ADDRESS") != NULL)
		(void)tool_run_capture(argv, out, sizeof(out));
}

/* The CA's view through the service (GET /holder/status/SERIAL); an exit status. */
static int
ask_server(const char *url, const char *cacert, const char *serial)
{
	struct tool_http h;
	char path[64], left[16], now[8], reason[512], state[32];
	int r = EXIT_FAIL;

	snprintf(path, sizeof(path), "/holder/status/%s", serial);
	tool_http_get(url, path, cacert, 8192, &h);
	if (h.result != TOOL_HTTP_OK) {
		tool_error("the service at %s could not be asked: %s ('carecard-card doctor "
			   "--server %s' checks why)", url, h.error, url);
	} else if (h.status == 404) {
		tool_error("the CA at %s does not know card %s", url, serial);
	} else if (h.status != 200 ||
		   !tool_answer_field(h.body, "self-renewals-left", left, sizeof(left)) ||
		   !tool_answer_field(h.body, "self-renew-now", now, sizeof(now))) {
		tool_error("the service at %s answered HTTP %d: %s", url, h.status,
			   h.body != NULL ? h.body : "");
	} else {
		if (tool_answer_field(h.body, "state", state, sizeof(state)) &&
		    strcmp(state, "issued") != 0)
			printf("  the CA: the card is %s\n", state);
		printf("  the CA: %s self-renewal(s) left before an RA visit; a self-renewal now "
		       "would be %s\n", left, strcmp(now, "yes") == 0 ? "allowed" : "refused");
		if (strcmp(now, "yes") != 0 &&
		    tool_answer_field(h.body, "reason", reason, sizeof(reason)))
			printf("  the CA says: %s\n", reason);
		r = EXIT_OK;
	}
	tool_http_clear(&h);
	return r;
}

int
tool_cmd_status(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "module", required_argument, NULL, 'm' },
		{ "remind", no_argument, NULL, 'R' },
		{ "server", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reader = NULL, *module = NULL, *server = NULL, *cacert = NULL;
	struct cert_info auth, sign;
	struct pol_policy *pol = NULL;
	struct pol_card_state st = { 0 };
	struct pol_error err;
	struct pol_due due;
	struct tool_p11 p = { 0 };
	CK_TOKEN_INFO ti;
	char serial[17], d1[16], d2[16], msg[256];
	bool remind = false, open_window;
	int64_t now = tool_now(), opens;
	size_t idx;
	unsigned i;
	int c, r;

	while ((c = getopt_long(argc, argv, "r:m:Rs:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'c': cacert = optarg; break;
		case 'r': reader = optarg; break;
		case 'm': module = optarg; break;
		case 'R': remind = true; break;
		case 'h': fputs(status_usage, stdout); return EXIT_OK;
		default: fputs(status_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(status_usage, stderr);
		return EXIT_USAGE;
	}
	if ((r = tool_pick_reader(conf, reader, &idx)) != EXIT_OK)
		return remind && r == EXIT_READER ? EXIT_OK : r;	/* no card today */
	if (pol_policy_load_default(conf->policy_path, &pol, &err) != POL_OK) {
		tool_error("the policy does not load: %s", err.text);
		return EXIT_CONFIG;
	}
	if ((r = tool_p11_open(tool_module_path(module), conf->readers[idx].name, false, &p)) !=
	    EXIT_OK)
		goto out;
	r = EXIT_FAIL;
	if (p.f->C_GetTokenInfo(p.slot, &ti) != CKR_OK)
		goto out;
	snprintf(serial, sizeof(serial), "%.16s", (const char *)ti.serialNumber);
	if (cert_read(&p, 0x01, &auth) != 0) {
		tool_error("card %s has no authentication certificate: it has not been issued "
			   "(see your RA)", serial);
		goto out;
	}
	if (cert_read(&p, 0x02, &sign) != 0)
		sign.not_after = 0;
	st.serial = serial;
	st.cert_not_after = auth.not_after;
	st.locked = (ti.flags & CKF_USER_PIN_LOCKED) != 0;
	pol_due(pol, &st, now, &due);
	opens = auth.not_after - pol->renewal.window;
	open_window = now >= opens && now < auth.not_after;
	r = EXIT_OK;
	if (remind) {
		if (!open_window || reminded(auth.serial, false))
			goto out;
		day_of(auth.not_after, d1, sizeof(d1));
		snprintf(msg, sizeof(msg), "Your smartcard %s can be renewed now: its "
			 "certificates expire on %s. Renew at your workstation with "
			 "'carecard-card renew --server URL'.", serial, d1);
		printf("%s\n", msg);
		notify(msg);
		reminded(auth.serial, true);
		goto out;
	}
	printf("Card %s in reader '%s'%s\n", serial, conf->readers[idx].name,
	       st.locked ? " (locked)" : "");
	day_of(auth.not_after, d1, sizeof(d1));
	printf("  authentication certificate: %s, expires %s (%lld days)\n", auth.subject, d1,
	       (long long)((auth.not_after - now) / DAY));
	if (sign.not_after != 0) {
		day_of(sign.not_after, d2, sizeof(d2));
		printf("  signing certificate:        %s, expires %s (%lld days)\n", sign.subject,
		       d2, (long long)((sign.not_after - now) / DAY));
	} else {
		printf("  signing certificate:        none on the card\n");
	}
	day_of(opens, d2, sizeof(d2));
	if (now >= auth.not_after)
		printf("  renewal: the certificates have expired; self-renewal is closed\n");
	else if (open_window)
		printf("  renewal: open since %s: renew with 'carecard-card renew --server URL'\n",
		       d2);
	else
		printf("  renewal: opens on %s (%lld days before expiry)\n", d2,
		       (long long)(pol->renewal.window / DAY));
	if (server == NULL)
		printf("  self-renewals before an RA visit: %u in a row (policy "
		       "renewal.self-renewals-before-ra); the CA counts them: add --server URL "
		       "to ask it\n", pol->renewal.self_renewals_before_ra);
	for (i = 0; i < due.n; i++)
		printf("  due: %s\n", due.item[i].sentence);
	if (server != NULL)
		r = ask_server(server, cacert, serial);
out:
	tool_p11_close(&p);
	pol_policy_free(pol);
	return r;
}
