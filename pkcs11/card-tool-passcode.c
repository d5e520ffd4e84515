/*
 * pkcs11/card-tool-passcode.c: carecard-card passcode — the holder changes
 * their own passcode: the current one, the new one twice.
 *
 * The change is the module's C_SetPIN, as in any application; the rules
 * come from the policy the module enforces (passcode.min-length and
 * max-length), and a refusal names the rule, its values and the policy they
 * came from, so the holder knows what to type instead.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-tool.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#define SECRET_MAX 64

static const char passcode_usage[] =
	"Usage: carecard-card passcode [--reader NAME|NUMBER] [--module PATH]\n"
	"\n"
	"Change the passcode of your card: type the current passcode, then the new\n"
	"one twice. Without a terminal the three are read as lines of stdin.\n"
	"--reader defaults to the first reader holding a card.\n";

/* --reader, or the first configured reader with a card in it. */
int
tool_pick_reader(const struct cc_config *conf, const char *spec, size_t *idx)
{
	char path[4096];
	size_t i;

	if (spec != NULL)
		return tool_find_reader(conf, spec, idx);
	for (i = 0; i < conf->nreaders; i++) {
		if (cc_card_find_in_reader(conf->readers[i].dir, path, sizeof(path)) == CKR_OK) {
			*idx = i;
			return EXIT_OK;
		}
	}
	tool_error("no card in any reader: insert your card (carecard-card insert FILE "
		   "--reader NUMBER; 'carecard-card readers' lists them)");
	return EXIT_READER;
}

static void
explain_length(const struct cc_config *conf)
{
	tool_error("a passcode has %u to %u characters (policy rules passcode.min-length and "
		   "passcode.max-length, from %s); choose one of that length",
		   conf->passcode.min_len, conf->passcode.max_len,
		   conf->policy_source != NULL ? conf->policy_source : "the built-in policy");
}

static int
refused(const struct tool_p11 *p, CK_RV rv, const struct cc_config *conf)
{
	CK_TOKEN_INFO ti;
	CK_FLAGS fl = 0;

	if (p->f->C_GetTokenInfo(p->slot, &ti) == CKR_OK)
		fl = ti.flags;
	switch (rv) {
	case CKR_PIN_INCORRECT:
		tool_error("the current passcode is wrong; the passcode is unchanged%s",
			   (fl & CKF_USER_PIN_FINAL_TRY) ? ". One try is left before the card "
			   "locks" : (fl & CKF_USER_PIN_COUNT_LOW) ? ". Tries are running out: "
			   "check before typing again" : "");
		return EXIT_PASSCODE;
	case CKR_PIN_LOCKED:
		tool_error("the card is locked after too many wrong passcodes: unlock it with "
			   "'carecard-card unlock --server URL' (a code sent to your registered "
			   "email or mobile) or at your RA office");
		return EXIT_PASSCODE;
	case CKR_PIN_LEN_RANGE:
		explain_length(conf);
		return EXIT_PASSCODE;
	case CKR_USER_PIN_NOT_INITIALIZED:
		tool_error("this card has no passcode yet: it has not been issued (see your RA)");
		return EXIT_FAIL;
	default:
		tool_error("the card refused the change (0x%lx); the passcode is unchanged",
			   (unsigned long)rv);
		return EXIT_FAIL;
	}
}

int
tool_cmd_passcode(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reader = NULL, *module = NULL;
	char old[SECRET_MAX], pin[SECRET_MAX], again[SECRET_MAX];
	struct tool_p11 p = { 0 };
	CK_TOKEN_INFO ti;
	size_t idx, n;
	int c, r = EXIT_FAIL;
	CK_RV rv;

	while ((c = getopt_long(argc, argv, "r:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 'm': module = optarg; break;
		case 'h': fputs(passcode_usage, stdout); return EXIT_OK;
		default: fputs(passcode_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tool_error("passcode takes no arguments; the passcodes are typed, never given "
			   "on the command line");
		return EXIT_USAGE;
	}
	if ((r = tool_pick_reader(conf, reader, &idx)) != EXIT_OK)
		return r;
	/* The card first: "insert your card" before any passcode is typed. */
	if ((r = tool_p11_open(tool_module_path(module), conf->readers[idx].name, true, &p)) !=
	    EXIT_OK)
		return r;
	if (tool_read_secret("Current passcode: ", old, sizeof(old)) != 0 ||
	    tool_read_secret("New passcode: ", pin, sizeof(pin)) != 0 ||
	    tool_read_secret("New passcode again: ", again, sizeof(again)) != 0) {
		tool_error("no passcode read (three are needed: current, new, new again)");
		r = EXIT_USAGE;
		goto out;
	}
	r = EXIT_PASSCODE;
	if (strcmp(pin, again) != 0) {
		tool_error("the two new passcodes differ; the passcode is unchanged");
		goto out;
	}
	/* The rule first, so a refusal costs no try of the current passcode. */
	n = strlen(pin);
	if (n < conf->passcode.min_len || n > conf->passcode.max_len) {
		explain_length(conf);
		goto out;
	}
	rv = p.f->C_SetPIN(p.session, (CK_UTF8CHAR_PTR)old, (CK_ULONG)strlen(old),
			   (CK_UTF8CHAR_PTR)pin, (CK_ULONG)n);
	if (rv != CKR_OK) {
		r = refused(&p, rv, conf);
		goto out;
	}
	if (p.f->C_GetTokenInfo(p.slot, &ti) == CKR_OK)
		printf("Passcode changed for card %.16s.\n", (const char *)ti.serialNumber);
	else
		printf("Passcode changed.\n");
	r = EXIT_OK;
out:
	tool_p11_close(&p);
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(again, sizeof(again));
	return r;
}
