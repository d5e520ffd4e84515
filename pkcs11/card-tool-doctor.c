/*
 * pkcs11/card-tool-doctor.c: carecard-card doctor — check a holder's
 * workstation the way a support desk would, one line per check and, for
 * each that fails, the fix.
 *
 *   configuration   the module configuration loads (FILE:LINE:COLUMN if not)
 *   module          the carecard module loads and starts
 *   p11-kit         the module is registered with p11-kit (browsers, GnuTLS)
 *   card            a reader holds a card the module sees
 *   certificate     OpenSSL reads the card's authentication certificate; in date
 *   NSS             Chromium's NSS database (~/.pki/nssdb) loads the module
 *   service         the service answers; over HTTPS its chain is trusted
 *   policy          the workstation's policy is the CA's (the service's
 *                   /policy.yaml.sha256 against this one's canonical form)
 *
 * A check that cannot run (no --server, NSS tools missing) says "skip" and
 * why. Exit 0 when nothing failed, else EXIT_CHECKS.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/p11-kit.h>

#include "policy/policy.h"

#define MODULE_FILE "carecard-pkcs11.so"
#define CHILD_OUT_MAX (64 * 1024)

static const char doctor_usage[] =
	"Usage: carecard-card doctor [--server URL] [--cacert FILE] [--module PATH]\n"
	"\n"
	"Check this workstation: configuration, module, p11-kit registration, card,\n"
	"certificate, Chromium's NSS database, the service and its policy. One line\n"
	"per check; each failure says how to fix it. Exit 0 when nothing failed, 7\n"
	"otherwise. --server is the CA service's URL (e.g. https://ca.example:8443).\n";

struct doctor {
	unsigned failed;
	const char *module;
	struct cc_config *conf;
	struct tool_p11 p11;
	bool loaded;
};

static void __attribute__((format(printf, 4, 5)))
report(struct doctor *d, const char *mark, const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("%-5s ", mark);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fix != NULL)
		printf("      fix: %s\n", fix);
	if (strcmp(mark, "FAIL") == 0)
		d->failed++;
}

static void
check_config(struct doctor *d)
{
	if (cc_config_load(&d->conf) != CKR_OK) {
		report(d, "FAIL", "correct the file at the FILE:LINE:COLUMN in the message above "
		       "(or unset CARECARD_CONF)", "configuration: does not load");
		return;
	}
	report(d, "ok", NULL, "configuration: %s, %zu reader(s), policy %s", d->conf->source,
	       d->conf->nreaders, d->conf->policy_source);
}

static void
check_module(struct doctor *d)
{
	char fix[PATH_MAX + 128];

	if (tool_p11_load(d->module, &d->p11) != EXIT_OK) {
		snprintf(fix, sizeof(fix), "install carecard (the module belongs at %s), or name "
			 "the module with --module PATH", d->module);
		report(d, "FAIL", fix, "module: %s does not load (see the message above)",
		       d->module);
		return;
	}
	d->loaded = true;
	report(d, "ok", NULL, "module: %s loads and starts", d->module);
}

/* Is a module called carecard-pkcs11.so among p11-kit's registered modules? */
static void
check_p11kit(struct doctor *d)
{
	CK_FUNCTION_LIST **mods;
	char *file, fix[PATH_MAX + 256];
	bool found = false;
	int i;

	if (getuid() == 0)	/* p11-kit reads no per-user registration for root */
		snprintf(fix, sizeof(fix), "register it system-wide: echo 'module: %s' > "
			 "/etc/pkcs11/modules/carecard.module (p11-kit ignores a per-user "
			 "registration in programs run as root)", d->module);
	else
		snprintf(fix, sizeof(fix), "register it: mkdir -p ~/.config/pkcs11/modules && "
			 "echo 'module: %s' > ~/.config/pkcs11/modules/carecard.module (or install "
			 "the package's carecard.module system-wide)", d->module);
	if ((mods = p11_kit_modules_load(NULL, P11_KIT_MODULE_UNMANAGED)) == NULL) {
		report(d, "FAIL", fix, "p11-kit: cannot read its module registrations: %s",
		       p11_kit_message() != NULL ? p11_kit_message() : "unknown error");
		return;
	}
	for (i = 0; mods[i] != NULL && !found; i++) {
		if ((file = p11_kit_module_get_filename(mods[i])) == NULL)
			continue;
		found = strcmp(basename(file), MODULE_FILE) == 0;
		free(file);
	}
	p11_kit_modules_release(mods);
	if (!found)
		report(d, "FAIL", fix, "p11-kit: carecard is not registered (browsers and "
		       "p11-kit clients will not see the card)");
	else
		report(d, "ok", NULL, "p11-kit: carecard is registered");
}

/* The first slot with a card; its reader name in @reader. */
static bool
check_card(struct doctor *d, char *reader, size_t len)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = sizeof(ids) / sizeof(ids[0]);
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	size_t k;

	if (d->conf->nreaders == 0) {
		report(d, "FAIL", "name your readers in the configuration (readers:)",
		       "card: no readers configured");
		return false;
	}
	if (d->p11.f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK || n == 0 ||
	    d->p11.f->C_GetSlotInfo(ids[0], &si) != CKR_OK ||
	    d->p11.f->C_GetTokenInfo(ids[0], &ti) != CKR_OK) {
		report(d, "FAIL", "insert your card: carecard-card insert FILE --reader 1 "
		       "('carecard-card readers' lists the readers)",
		       "card: none of the %zu reader(s) holds a card", d->conf->nreaders);
		return false;
	}
	d->p11.slot = ids[0];
	k = sizeof(si.slotDescription);
	while (k > 0 && si.slotDescription[k - 1] == ' ')
		k--;
	snprintf(reader, len, "%.*s", (int)k, (const char *)si.slotDescription);
	report(d, "ok", NULL, "card: %.16s in reader '%s'%s", (const char *)ti.serialNumber,
	       reader, (ti.flags & CKF_USER_PIN_LOCKED) ? " — LOCKED" : "");
	if (ti.flags & CKF_USER_PIN_LOCKED)
		report(d, "FAIL", "unlock it: carecard-card unlock --server URL, or at your RA",
		       "card: locked after too many wrong passcodes");
	return true;
}

static void
check_certificate(struct doctor *d, const char *reader)
{
	struct tool_p11 p;
	char subject[256] = "", until[64] = "";
	X509 *x = NULL;
	BIO *b;
	int cmp;

	/* The module stays loaded in d->p11; a session of its own here. */
	p = d->p11;
	if (d->p11.f->C_OpenSession(d->p11.slot, CKF_SERIAL_SESSION, NULL, NULL,
				    &p.session) != CKR_OK) {
		report(d, "FAIL", "take the card out and put it back; if it persists, see your RA",
		       "certificate: no session with the card in '%s'", reader);
		return;
	}
	x = tool_p11_cert(&p, 0x01);
	d->p11.f->C_CloseSession(p.session);
	if (x == NULL) {
		report(d, "FAIL", "the card has no authentication certificate: ask your RA to "
		       "issue or repair it", "certificate: OpenSSL cannot read one from the card");
		return;
	}
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, subject,
				  sizeof(subject));
	if ((b = BIO_new(BIO_s_mem())) != NULL) {
		ASN1_TIME_print(b, X509_get0_notAfter(x));
		BIO_read(b, until, sizeof(until) - 1);
		BIO_free(b);
	}
	cmp = X509_cmp_current_time(X509_get0_notAfter(x));
	if (cmp <= 0)
		report(d, "FAIL", "the certificates expired: ask your RA to repair the card",
		       "certificate: %s, expired %s", subject, until);
	else
		report(d, "ok", NULL, "certificate: OpenSSL reads '%s', valid until %s", subject,
		       until);
	X509_free(x);
}

/* See card-tool.h. */
int
tool_run_capture(char *const argv[], char *out, size_t len)
{
	int fd[2], st = -1;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	while ((k = read(fd[0], out + n, len - 1 - n)) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && (n += (size_t)k) == len - 1)
			break;
	out[n] = '\0';
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
check_nss(struct doctor *d)
{
	const char *home = getenv("HOME");
	char db[PATH_MAX], file[PATH_MAX + 16], fix[2 * PATH_MAX + 128], *out;
	char *argv[] = { "modutil", "-dbdir", db, "-list", NULL };
	int st;

	if (home == NULL) {
		report(d, "skip", NULL, "NSS: no HOME, so no browser database to look at");
		return;
	}
	snprintf(db, sizeof(db), "sql:%s/.pki/nssdb", home);
	snprintf(file, sizeof(file), "%s/.pki/nssdb/pkcs11.txt", home);
	snprintf(fix, sizeof(fix), "with Chromium closed: modutil -dbdir %s -add carecard "
		 "-libfile %s", db, d->module);
	if (access(file, F_OK) != 0) {
		report(d, "FAIL", fix, "NSS: Chromium's database %s/.pki/nssdb does not exist "
		       "(Chromium creates it at first start)", home);
		return;
	}
	if ((out = malloc(CHILD_OUT_MAX)) == NULL)
		return;
	st = tool_run_capture(argv, out, CHILD_OUT_MAX);
	if (st == 127)
		report(d, "skip", NULL, "NSS: modutil is not installed (apt install "
		       "libnss3-tools) so Chromium's database cannot be checked");
	else if (st != 0)
		report(d, "FAIL", fix, "NSS: modutil cannot read %s", db);
	else if (strstr(out, MODULE_FILE) == NULL && strstr(out, "p11-kit-proxy") == NULL)
		report(d, "FAIL", fix, "NSS: Chromium's database does not load carecard (nor "
		       "p11-kit-proxy): the browser will not offer the card");
	else
		report(d, "ok", NULL, "NSS: Chromium's database loads %s",
		       strstr(out, MODULE_FILE) != NULL ? "carecard" : "p11-kit-proxy");
	free(out);
}

/* SHA-256 of this workstation's policy in canonical form, as hex. */
static int
local_policy_hash(const struct cc_config *conf, char hex[65])
{
	unsigned char md[32];
	struct pol_policy *pol = NULL;
	struct pol_error err;
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;
	int w, r = -1;

	if (pol_policy_load_default(conf->policy_path, &pol, &err) != POL_OK)
		return -1;
	if ((fp = open_memstream(&text, &len)) == NULL)
		goto out;
	w = pol_policy_write_canonical(pol, fp);
	if (fclose(fp) != 0 || w != POL_OK ||
	    EVP_Digest(text, len, md, NULL, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	r = 0;
out:
	free(text);
	pol_policy_free(pol);
	return r;
}

static void
check_service(struct doctor *d, const char *url, const char *cacert)
{
	struct tool_http h;
	char mine[65], fix[1024];
	bool tls;

	if (url == NULL) {
		report(d, "skip", NULL, "service: no --server URL given");
		return;
	}
	tls = strncmp(url, "https://", 8) == 0;
	tool_http_get(url, "/healthz", cacert, 4096, &h);
	switch (h.result) {
	case TOOL_HTTP_UNREACHABLE:
		snprintf(fix, sizeof(fix), "check the URL, that the service runs (systemctl status "
			 "carecard-ca-serve on the CA) and that this workstation may reach it "
			 "(proxy, firewall)");
		report(d, "FAIL", fix, "service: %s cannot be reached: %s", url, h.error);
		break;
	case TOOL_HTTP_UNTRUSTED:
		report(d, "FAIL", "install the CA's root certificate (ask your RA or IT) and name "
		       "it with --cacert FILE, or add it to /usr/local/share/ca-certificates and "
		       "run update-ca-certificates", "service: %s answers but its certificate "
		       "is not trusted: %s", url, h.error);
		break;
	case TOOL_HTTP_FAILED:
		report(d, "FAIL", "check the URL (https://HOST:PORT of the CA service)",
		       "service: %s: %s", url, h.error);
		break;
	case TOOL_HTTP_OK:
		if (h.status != 200)
			report(d, "FAIL", "the service is starting or unhealthy: try again in a "
			       "minute; if it persists, tell the CA's operators",
			       "service: %s answers /healthz with HTTP %d", url, h.status);
		else
			report(d, "ok", NULL, "service: %s answers%s", url,
			       tls ? ", its TLS chain trusted" : " (plain HTTP: no TLS to check)");
		break;
	}
	if (h.result != TOOL_HTTP_OK) {
		tool_http_clear(&h);
		report(d, "skip", NULL, "policy: the service could not be asked");
		return;
	}
	tool_http_clear(&h);
	tool_http_get(url, "/policy.yaml.sha256", cacert, 4096, &h);
	if (h.result != TOOL_HTTP_OK || h.status != 200 || h.len < 64) {
		report(d, "FAIL", "the service is older than this tool: ask the CA's operators to "
		       "upgrade it", "policy: the service publishes no policy hash");
	} else if (local_policy_hash(d->conf, mine) != 0) {
		report(d, "FAIL", "correct the policy file named in the configuration",
		       "policy: this workstation's policy %s does not load", d->conf->policy_source);
	} else if (strncmp(h.body, mine, 64) != 0) {
		snprintf(fix, sizeof(fix), "install the CA's policy: curl -o policy.yaml "
			 "%s/policy.yaml and name it with 'policy:' in %s", url, d->conf->source);
		report(d, "FAIL", fix, "policy: this workstation's (%s) differs from the CA's",
		       d->conf->policy_source);
	} else {
		report(d, "ok", NULL, "policy: the same as the CA's (sha256 %.16s...)", mine);
	}
	tool_http_clear(&h);
}

int
tool_cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL, *cacert = NULL, *module = NULL;
	struct doctor d = { 0 };
	char reader[65], path[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "s:c:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'c': cacert = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(doctor_usage, stdout); return EXIT_OK;
		default: fputs(doctor_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(doctor_usage, stderr);
		return EXIT_USAGE;
	}
	/* Absolute, so the fixes can be pasted from anywhere. */
	d.module = tool_module_path(module);
	if (realpath(d.module, path) != NULL)
		d.module = path;
	check_config(&d);
	check_module(&d);
	check_p11kit(&d);
	if (d.conf == NULL || !d.loaded)
		report(&d, "skip", NULL, "card, certificate: need the configuration and module");
	else if (check_card(&d, reader, sizeof(reader)))
		check_certificate(&d, reader);
	check_nss(&d);
	if (d.conf != NULL)
		check_service(&d, server, cacert);
	else
		report(&d, "skip", NULL, "service, policy: need the configuration");
	if (d.loaded)
		tool_p11_close(&d.p11);
	cc_config_free(d.conf);
	printf("%s\n", d.failed == 0 ? "All checks passed." :
	       d.failed == 1 ? "1 check failed: see the fix above." : "Some checks failed: see "
	       "the fixes above.");
	return d.failed == 0 ? EXIT_OK : EXIT_CHECKS;
}
