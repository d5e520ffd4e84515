/*
 * carecard-serve: the card side of the isolated mode (pkcs11/README.md
 * "Modes"). Started by systemd for each connection to one of the sockets
 * of carecard-pkcs11.socket / carecard-card.socket (Accept=yes, the
 * connection on stdin/stdout), as the card account, never as the holder.
 *
 *   carecard-serve [options] pkcs11
 *       serve PKCS#11 to the connecting holder: exec `p11-kit remote` with
 *       the carecard module, whose readers are the holder's own
 *   carecard-serve [options] card
 *       run one `carecard-card` command (readers, show, insert, remove) for
 *       the connecting holder, on the holder's readers and wallet
 *
 * Who the holder is comes from the kernel (SO_PEERCRED), so one user can
 * neither drive nor lock out another's readers: each uid has its own
 * directory HOLDERS/UID (readers under it, a wallet of cards in
 * HOLDERS/UID/cards), created 0700 for the card account on first contact.
 *
 * Options (defaults from configure): --holders DIR, --config FILE (the
 * module configuration for this mode), --module PATH, --p11-kit PATH,
 * --card-tool PATH.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-service.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "carecard-serve"

#ifndef CC_HOLDERSDIR
#define CC_HOLDERSDIR "/var/lib/carecard/holders"
#endif
#ifndef CC_ISOLATED_CONF
#define CC_ISOLATED_CONF "/etc/carecard/isolated.yaml"
#endif
#ifndef CC_MODULE_PATH
#define CC_MODULE_PATH "/usr/lib/x86_64-linux-gnu/pkcs11/carecard-pkcs11.so"
#endif
#ifndef CC_P11KIT_TOOL
#define CC_P11KIT_TOOL "/usr/bin/p11-kit"
#endif
#ifndef CC_CARD_TOOL
#define CC_CARD_TOOL "/usr/bin/carecard-card"
#endif

struct opts {
	const char *holders, *config, *module, *p11kit, *card_tool;
	char home[PATH_MAX];		/* HOLDERS/UID */
	char wallet[PATH_MAX];		/* HOLDERS/UID/cards */
};

static int __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A directory of ours, 0700; created if missing. */
static int
own_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return fail("cannot create %s: %s", path, strerror(errno));
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return fail("%s is not a directory of the card account", path);
	return 0;
}

/* The holder at the other end of stdin, and their directories. */
static int
holder_dirs(struct opts *o)
{
	uid_t uid;
	int r;

	if ((r = cc_service_peer_uid(0, &uid)) < 0)
		return fail("stdin is not a Unix socket connection: %s", strerror(-r));
	if ((size_t)snprintf(o->home, sizeof(o->home), "%s/%u", o->holders, (unsigned)uid) >=
	    sizeof(o->home) ||
	    (size_t)snprintf(o->wallet, sizeof(o->wallet), "%s/cards", o->home) >=
	    sizeof(o->wallet))
		return fail("holders directory name too long");
	if (own_dir(o->home) != 0 || own_dir(o->wallet) != 0)
		return 1;
	return 0;
}

/*
 * The module's environment for this holder: HOME is the holder's
 * directory (the mode's config names readers as ~/reader-N), no XDG
 * overrides, the mode's config file.
 */
static int
holder_env(const struct opts *o)
{
	if (setenv("HOME", o->home, 1) < 0 || setenv("CARECARD_CONF", o->config, 1) < 0)
		return fail("out of memory");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

static int
serve_pkcs11(const struct opts *o)
{
	char *const argv[] = { "p11-kit", "remote", (char *)o->module, NULL };

	execv(o->p11kit, argv);
	return fail("cannot run %s: %s", o->p11kit, strerror(errno));
}

/* A card file named by the holder: a plain name in their wallet, nothing else. */
static bool
plain_name(const char *s)
{
	return s[0] != '\0' && s[0] != '.' && s[0] != '-' && strchr(s, '/') == NULL;
}

/*
 * Only what a holder may do with their own cards: list readers, show a
 * card, move a card between the wallet and a reader. No paths, no --to,
 * no manufacture.
 */
static bool
request_allowed(int argc, char **argv)
{
	int i;

	if (strcmp(argv[0], "readers") == 0)
		return argc == 1;
	if (strcmp(argv[0], "show") != 0 && strcmp(argv[0], "insert") != 0 &&
	    strcmp(argv[0], "remove") != 0)
		return false;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc)
			i++;
		else if (strcmp(argv[i], "--json") == 0 && strcmp(argv[0], "show") == 0)
			;
		else if (!plain_name(argv[i]) || strcmp(argv[0], "remove") == 0)
			return false;
	}
	return true;
}

/* Run the tool with the holder's stdio in their wallet; its exit status. */
static int
run_tool(const struct opts *o, int argc, char **argv, const int fds[3])
{
	char *args[CC_SERVICE_ARGS_MAX + 2];
	int i, status = 0;
	pid_t pid;

	args[0] = "carecard-card";
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	args[argc + 1] = NULL;
	if ((pid = fork()) < 0)
		return fail("cannot fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0 ||
		    chdir(o->wallet) < 0)
			_exit(1);
		execv(o->card_tool, args);
		_exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int
serve_card(const struct opts *o)
{
	char buf[CC_SERVICE_MAX], *argv[CC_SERVICE_ARGS_MAX + 1];
	unsigned char status;
	int argc = 0, fds[3], r;

	if ((r = cc_service_recv(0, buf, &argc, argv, fds)) < 0)
		return fail("bad request: %s", strerror(-r));
	if (!request_allowed(argc, argv)) {
		dprintf(fds[2], "carecard-card: not allowed through the card service: %s\n"
			"(readers, show [--json], insert CARD --reader R, remove --reader R)\n",
			argv[0]);
		status = 2;
	} else {
		status = (unsigned char)run_tool(o, argc, argv, fds);
	}
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	if (write(1, &status, 1) != 1)
		return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "holders", required_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "p11-kit", required_argument, NULL, 'p' },
		{ "card-tool", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { CC_HOLDERSDIR, CC_ISOLATED_CONF, CC_MODULE_PATH, CC_P11KIT_TOOL,
			  CC_CARD_TOOL, "", "" };
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': o.holders = optarg; break;
		case 'c': o.config = optarg; break;
		case 'm': o.module = optarg; break;
		case 'p': o.p11kit = optarg; break;
		case 't': o.card_tool = optarg; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc ||
	    (strcmp(argv[optind], "pkcs11") != 0 && strcmp(argv[optind], "card") != 0))
		return fail("usage: " PROG " [options] pkcs11|card"), 2;
	umask(077);
	if (holder_dirs(&o) != 0 || holder_env(&o) != 0)
		return 1;
	return strcmp(argv[optind], "pkcs11") == 0 ? serve_pkcs11(&o) : serve_card(&o);
}
