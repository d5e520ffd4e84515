/*
 * carecard-card: make virtual cards and put them in and out of readers.
 *
 *   manufacture [--serial 16DIGITS | --series NN] [--out FILE|DIR]
 *   insert FILE --reader NAME|NUMBER
 *   remove --reader NAME|NUMBER [--to FILE|DIR]
 *   readers
 *   show FILE | --reader NAME|NUMBER [--json]
 *   unlock --server URL ...          (self-service unlock: card-tool-unlock.c)
 *   renew --server URL ...           (network self-renewal: card-tool-renew.c)
 *   contact --server URL ...         (the holder's email/mobile: card-tool-contact.c)
 *   --service[=SOCKET] COMMAND ...   (isolated mode: card-tool-service.c)
 *
 * Readers come from the module configuration (cc_config_load, so
 * CARECARD_CONF applies). Card files are only ever touched through the card
 * store; moves take the store's lock so they never race a commit.
 */
#include <config.h>	/* autoconf; not pkcs11/config.h */

#include "pkcs11/card-guard.h"
#include "pkcs11/card-service.h"
#include "pkcs11/card-tool.h"
#include "common/fileio.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define PROG		"carecard-card"
#define DEFAULT_SERIES	4
#define READER_LOCK	"/.reader"	/* + CC_CARD_LOCK_EXT: a dot file find ignores */

static const char usage_text[] =
	"Usage: " PROG " COMMAND [OPTIONS]\n"
	"\n"
	"Make virtual carecard smartcards and move them in and out of readers.\n"
	"\n"
	"Commands:\n"
	"  manufacture [--serial 16DIGITS | --series NN] [--out FILE|DIR]\n"
	"        create a blank card image (random serial in series NN, default 04);\n"
	"        prints its serial and file (default ./SERIAL.card)\n"
	"  insert FILE --reader NAME|NUMBER\n"
	"        move a card image into a reader (refused if the reader holds a card)\n"
	"  remove --reader NAME|NUMBER [--to FILE|DIR]\n"
	"        move the card out of a reader (default: into the current directory)\n"
	"  readers\n"
	"        list the configured readers and the card in each\n"
	"  show FILE | --reader NAME|NUMBER [--json]\n"
	"        print a card's public state; no passcode needed\n"
	"  passcode [--reader NAME|NUMBER] [--module PATH]\n"
	"        change your card's passcode (current, then new twice)\n"
	"  status [--reader NAME|NUMBER] [--module PATH] [--remind] [--server URL]\n"
	"        when your certificates expire, whether renewal is open, what is due\n"
	"  doctor [--server URL] [--cacert FILE] [--module PATH]\n"
	"        check this workstation: module, p11-kit, card, browser database,\n"
	"        the service and its policy; one line per check with the fix\n"
	"  unlock --server URL [--reader NAME|NUMBER] [--cacert FILE] [--module PATH]\n"
	"        unlock your locked card with a code sent to your registered contact\n"
	"  renew --server URL [--reader NAME|NUMBER] [--cacert FILE] [--module PATH]\n"
	"        renew your card's certificates with the CA's service (new keys made\n"
	"        on the card; run it again to finish an interrupted renewal)\n"
	"  contact --server URL (--email ADDRESS | --mobile NUMBER) [--reader ...]\n"
	"          [--cacert FILE] [--module PATH]\n"
	"        change your registered email or mobile (confirmed by a code sent to it)\n"
	"\n"
	"  --service[=SOCKET] readers | show | insert | remove ...\n"
	"        isolated mode: have the card service run the command on your own\n"
	"        readers (default socket " CC_SERVICE_SOCKET "); insert takes a card\n"
	"        of your wallet by file name, remove puts it back there\n"
	"\n"
	"Readers are named as configured or numbered from 1. Configuration:\n"
	"$CARECARD_CONF, else " CC_SYSCONFDIR "/carecard/carecard.yaml, else two default\n"
	"readers under $XDG_DATA_HOME/carecard/readers.\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 usage error or unknown reader,\n"
	"3 configuration error, 4 reader already full / empty, 5 not a valid card image,\n"
	"6 passcode wrong, locked or against the policy's rules, 7 doctor: a check failed,\n"
	"8 unlock, renew, contact: the CA refused (nothing changed), 9 unlock: the card\n"
	"refused the CA's response.\n";

void
tool_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
tool_exit_for(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return EXIT_OK;
	case CKR_TOKEN_NOT_RECOGNIZED:
		return EXIT_NOT_CARD;
	case CKR_ARGUMENTS_BAD:
		return EXIT_USAGE;
	default:
		return EXIT_FAIL;
	}
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" PROG " --help'.\n", stderr);
	return EXIT_USAGE;
}

static int
load_config(struct cc_config **conf)
{
	if (cc_config_load(conf) != CKR_OK) {
		tool_error("cannot load the configuration (see the message above)");
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

/* See card-tool.h. */
int
tool_find_reader(const struct cc_config *conf, const char *spec, size_t *idx)
{
	char *end = NULL;
	unsigned long n;
	size_t i;

	if (spec == NULL)
		return usage_error("--reader NAME|NUMBER is required");
	for (i = 0; i < conf->nreaders; i++) {
		if (strcmp(conf->readers[i].name, spec) == 0) {
			*idx = i;
			return EXIT_OK;
		}
	}
	n = strtoul(spec, &end, 10);
	if (spec[0] >= '1' && spec[0] <= '9' && *end == '\0' && n >= 1 && n <= conf->nreaders) {
		*idx = n - 1;
		return EXIT_OK;
	}
	tool_error("no reader '%s' (%zu configured in %s; see '" PROG " readers')", spec,
		   conf->nreaders, conf->source);
	return EXIT_USAGE;
}

/* "04" + 14 uniformly random digits (rejection sampling avoids modulo bias). */
static int
random_serial(unsigned series, char serial[CC_CARD_SERIAL_LEN + 1])
{
	size_t i = 2;

	snprintf(serial, CC_CARD_SERIAL_LEN + 1, "%02u", series);
	while (i < CC_CARD_SERIAL_LEN) {
		unsigned char b;

		if (RAND_bytes(&b, 1) != 1)
			return -1;
		if (b < 250)
			serial[i++] = (char)('0' + b % 10);
	}
	serial[CC_CARD_SERIAL_LEN] = '\0';
	return 0;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* @target, or @target/@name when @target is an existing directory. */
static int
dest_path(const char *target, const char *name, char *out, size_t size)
{
	int n = is_dir(target) ? snprintf(out, size, "%s/%s", target, name)
			       : snprintf(out, size, "%s", target);

	if (n < 0 || (size_t)n >= size) {
		tool_error("path too long: %s", target);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Same filesystem, never replacing @dst: 0 or -errno (-EXDEV: use copy_across). */
static int
move_no_replace(const char *src, const char *dst)
{
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* Filesystem without RENAME_NOREPLACE: link() never replaces either. */
	if (link(src, dst) < 0)
		return errno == EPERM || errno == ENOTSUP ? -EXDEV : -errno;
	unlink(src);
	return 0;
}

/* Another filesystem: durable copy (0600) under a temporary name, publish, unlink. */
static int
copy_across(const char *src, const char *dst)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char tmp[PATH_MAX];
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-move.%ld", dst, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((r = util_file_read_all(src, CC_CARD_MAX_SIZE, &buf, &len)) < 0)
		return r;
	r = util_file_write_atomic(tmp, buf, len, 0600);
	OPENSSL_clear_free(buf, len);
	if (r < 0)
		return r;
	r = link(tmp, dst) < 0 ? -errno : 0;
	unlink(tmp);
	if (r == 0)
		unlink(src);
	return r;
}

/*
 * Move @src to @dst atomically, never replacing an existing @dst (a card is
 * never silently overwritten); across filesystems a durable copy.
 */
static int
move_file(const char *src, const char *dst)
{
	int r = move_no_replace(src, dst);

	if (r == -EXDEV)
		r = copy_across(src, dst);
	if (r == -EEXIST) {
		tool_error("%s already exists; not replacing it", dst);
		return EXIT_FAIL;
	}
	if (r < 0) {
		tool_error("cannot move %s to %s: %s", src, dst, strerror(-r));
		return EXIT_FAIL;
	}
	util_fsync_parent_dir(dst);
	util_fsync_parent_dir(src);
	return EXIT_OK;
}

/* Parse "--series NN" (0..99). */
static int
parse_series(const char *s, unsigned *out)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);

	if (s[0] < '0' || s[0] > '9' || *end != '\0' || v > 99 || strlen(s) > 2)
		return usage_error("--series must be a number 0..99 (two digits), not '%s'", s);
	*out = (unsigned)v;
	return EXIT_OK;
}

static int
cmd_manufacture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "series", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *serial_arg = NULL, *series_arg = NULL, *out_arg = ".";
	char serial[CC_CARD_SERIAL_LEN + 1], name[64], path[PATH_MAX];
	unsigned series = DEFAULT_SERIES;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:S:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': serial_arg = optarg; break;
		case 'S': series_arg = optarg; break;
		case 'o': out_arg = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return usage_error("bad option for manufacture");
		}
	}
	if (optind != argc)
		return usage_error("manufacture takes no file argument (use --out)");
	if (serial_arg != NULL && series_arg != NULL)
		return usage_error("give --serial or --series, not both");
	if (series_arg != NULL && (r = parse_series(series_arg, &series)) != EXIT_OK)
		return r;
	if (serial_arg != NULL) {
		if (!cc_card_serial_valid(serial_arg))
			return usage_error("--serial must be %d digits, not '%s'",
					   CC_CARD_SERIAL_LEN, serial_arg);
		snprintf(serial, sizeof(serial), "%s", serial_arg);
	} else if (random_serial(series, serial) < 0) {
		tool_error("no random numbers available");
		return EXIT_FAIL;
	}
	snprintf(name, sizeof(name), "%s%s", serial, CC_CARD_EXT);
	if ((r = dest_path(out_arg, name, path, sizeof(path))) != EXIT_OK)
		return r;
	if (cc_card_manufacture(path, serial) != CKR_OK) {
		tool_error("could not create %s", path);
		return EXIT_FAIL;
	}
	printf("serial: %s\nfile: %s\n", serial, path);
	return EXIT_OK;
}

/* Lock the reader directory @dir against concurrent insert/remove. */
static int
reader_lock(const char *dir, int *fd)
{
	char path[PATH_MAX];
	int r;

	if ((r = util_mkdir_p(dir, 0700)) < 0) {
		tool_error("cannot create reader directory %s: %s", dir, strerror(-r));
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s" READER_LOCK, dir);
	return cc_card_lock(path, fd) == CKR_OK ? EXIT_OK : EXIT_FAIL;
}

static int
cmd_insert(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cc_reader_conf *rd;
	const char *reader = NULL, *file;
	struct cc_card *card = NULL;
	char have[PATH_MAX], dst[PATH_MAX];
	size_t idx;
	int c, r, lock = -1;
	CK_RV rv;

	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return usage_error("bad option for insert");
		}
	}
	if (optind != argc - 1)
		return usage_error("insert needs exactly one card FILE");
	file = argv[optind];
	if ((r = tool_find_reader(conf, reader, &idx)) != EXIT_OK)
		return r;
	rd = &conf->readers[idx];
	if ((rv = cc_card_load(file, &card)) != CKR_OK) {
		tool_error(rv == CKR_DEVICE_REMOVED ? "%s: no such file" :
			   "%s is not a usable card image", file);
		return rv == CKR_DEVICE_REMOVED ? EXIT_FAIL : tool_exit_for(rv);
	}
	snprintf(dst, sizeof(dst), "%s/%s%s", rd->dir, card->serial, CC_CARD_EXT);
	if ((r = reader_lock(rd->dir, &lock)) != EXIT_OK)
		goto out;
	if (cc_card_find_in_reader(rd->dir, have, sizeof(have)) == CKR_OK) {
		tool_error("reader %zu (%s) already holds a card: %s", idx + 1, rd->name, have);
		r = EXIT_READER;
		goto out;
	}
	if ((r = move_file(file, dst)) != EXIT_OK)
		goto out;
	printf("inserted card %s into reader %zu (%s): %s\n", card->serial, idx + 1, rd->name,
	       dst);
out:
	cc_card_unlock(lock);
	cc_card_free(card);
	return r;
}

static int
cmd_remove(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cc_reader_conf *rd;
	const char *reader = NULL, *to = ".";
	char have[PATH_MAX], dst[PATH_MAX], lockpath[PATH_MAX + 8];
	size_t idx;
	int c, r, rlock = -1, card_lock = -1;

	while ((c = getopt_long(argc, argv, "r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 't': to = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return usage_error("bad option for remove");
		}
	}
	if (optind != argc)
		return usage_error("remove takes no file argument (use --to)");
	if ((r = tool_find_reader(conf, reader, &idx)) != EXIT_OK)
		return r;
	rd = &conf->readers[idx];
	if ((r = reader_lock(rd->dir, &rlock)) != EXIT_OK)
		return r;
	if (cc_card_find_in_reader(rd->dir, have, sizeof(have)) != CKR_OK) {
		tool_error("reader %zu (%s) is empty", idx + 1, rd->name);
		r = EXIT_READER;
		goto out;
	}
	if ((r = dest_path(to, strrchr(have, '/') + 1, dst, sizeof(dst))) != EXIT_OK)
		goto out;
	/* The card's own lock: wait for any commit in progress to finish. */
	if (cc_card_lock(have, &card_lock) != CKR_OK) {
		r = EXIT_FAIL;
		goto out;
	}
	if ((r = move_file(have, dst)) != EXIT_OK)
		goto out;
	snprintf(lockpath, sizeof(lockpath), "%s" CC_CARD_LOCK_EXT, have);
	unlink(lockpath);
	printf("removed card from reader %zu (%s): %s\n", idx + 1, rd->name, dst);
out:
	cc_card_unlock(card_lock);
	cc_card_unlock(rlock);
	return r;
}

static int
cmd_readers(int argc, char **argv, const struct cc_config *conf)
{
	char path[PATH_MAX];
	size_t i;

	if (argc > 1)
		return usage_error("readers takes no arguments");
	printf("configuration: %s\n", conf->source);
	for (i = 0; i < conf->nreaders; i++) {
		struct cc_card *card = NULL;

		printf("reader %zu: %s\n  directory: %s\n", i + 1, conf->readers[i].name,
		       conf->readers[i].dir);
		if (cc_card_find_in_reader(conf->readers[i].dir, path, sizeof(path)) != CKR_OK)
			printf("  card: none\n");
		else if (cc_card_load(path, &card) != CKR_OK)
			printf("  card: unreadable image %s\n", path);
		else
			printf("  card: %s \"%s\" %s\n", card->serial, card->label, path);
		cc_card_free(card);
	}
	return EXIT_OK;
}

/* See card-tool.h. */
int64_t
tool_now(void)
{
#ifdef CC_TEST_HOOKS
	const char *s = getenv("CARECARD_NOW");
	char *end = NULL;
	long long v;

	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0')
			return v;
	}
#endif
	return (int64_t)time(NULL);
}

/* card->rolled_back / card->record from the installation's records (state-directory). */
static int
guard_check(const struct cc_config *conf, struct cc_card *card)
{
	struct cc_card_guard *g = NULL;
	CK_RV rv;

	if ((rv = cc_card_guard_new(conf->state_dir, &g)) == CKR_OK)
		rv = cc_card_guard_check(g, card);
	cc_card_guard_free(g);
	if (rv != CKR_OK) {
		tool_error("cannot read the rollback record of card %s (see above)", card->serial);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int
cmd_show(int argc, char **argv, const struct cc_config *conf)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reader = NULL, *file = NULL;
	struct cc_card *card = NULL;
	char path[PATH_MAX];
	bool json = false;
	size_t idx;
	int c, r;
	CK_RV rv;

	while ((c = getopt_long(argc, argv, "r:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return usage_error("bad option for show");
		}
	}
	if ((reader == NULL) == (optind == argc) || argc - optind > 1)
		return usage_error("show needs either one card FILE or --reader");
	if (reader != NULL) {
		if ((r = tool_find_reader(conf, reader, &idx)) != EXIT_OK)
			return r;
		if (cc_card_find_in_reader(conf->readers[idx].dir, path, sizeof(path)) != CKR_OK) {
			tool_error("reader %zu (%s) is empty", idx + 1, conf->readers[idx].name);
			return EXIT_READER;
		}
		file = path;
	} else {
		file = argv[optind];
	}
	if ((rv = cc_card_load(file, &card)) != CKR_OK) {
		tool_error(rv == CKR_DEVICE_REMOVED ? "%s: no such file" :
			   "%s is not a usable card image", file);
		return rv == CKR_DEVICE_REMOVED ? EXIT_FAIL : tool_exit_for(rv);
	}
	/* Held against the installation's rollback record, as the module does. */
	if ((r = guard_check(conf, card)) == EXIT_OK)
		r = tool_show(stdout, file, card, conf, tool_now(), json);
	cc_card_free(card);
	return r;
}

int
main(int argc, char **argv)
{
	struct cc_config *conf = NULL;
	const char *cmd;
	int r;

	util_log_set_ident(PROG);
	setenv("CARECARD_LOG_STDERR", "1", 0);	/* the store's reasons belong on the terminal */
	if (argc < 2)
		return usage_error("no command given");
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf(PROG " " PACKAGE_VERSION "\n");
		return EXIT_OK;
	}
	/* The isolated mode: the card service runs it on the holder's readers. */
	if (strcmp(cmd, "--service") == 0)
		return tool_service(CC_SERVICE_SOCKET, argc - 2, argv + 2);
	if (strncmp(cmd, "--service=", 10) == 0)
		return tool_service(cmd + 10, argc - 2, argv + 2);
	if (strcmp(cmd, "manufacture") == 0)
		return cmd_manufacture(argc - 1, argv + 1);
	if (strcmp(cmd, "doctor") == 0)		/* reports the configuration itself */
		return tool_cmd_doctor(argc - 1, argv + 1);
	if (strcmp(cmd, "insert") != 0 && strcmp(cmd, "remove") != 0 &&
	    strcmp(cmd, "readers") != 0 && strcmp(cmd, "show") != 0 &&
	    strcmp(cmd, "passcode") != 0 && strcmp(cmd, "status") != 0 &&
	    strcmp(cmd, "unlock") != 0 && strcmp(cmd, "renew") != 0 &&
	    strcmp(cmd, "contact") != 0)
		return usage_error("unknown command '%s'", cmd);
	if ((r = load_config(&conf)) != EXIT_OK)
		return r;
	if (strcmp(cmd, "insert") == 0)
		r = cmd_insert(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "remove") == 0)
		r = cmd_remove(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "readers") == 0)
		r = cmd_readers(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "passcode") == 0)
		r = tool_cmd_passcode(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "status") == 0)
		r = tool_cmd_status(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "unlock") == 0)
		r = tool_cmd_unlock(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "renew") == 0)
		r = tool_cmd_renew(argc - 1, argv + 1, conf);
	else if (strcmp(cmd, "contact") == 0)
		r = tool_cmd_contact(argc - 1, argv + 1, conf);
	else
		r = cmd_show(argc - 1, argv + 1, conf);
	cc_config_free(conf);
	return r;
}
