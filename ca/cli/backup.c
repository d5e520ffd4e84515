/*
 * ca/cli/backup.c: "backup" and "restore", the CA's administrator's (its
 * own account, on the CA machine, like init: main() refuses both through
 * the RA staff's sudo rule). See carecard-ca-backup(1).
 */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ca/cli/cli.h"
#include "ca/core/backup.h"
#include "ca/core/checkpoint.h"
#include "ca/core/error.h"
#include "ca/core/init.h"
#include "ca/ra/ops.h"
#include "common/fileio.h"

int
cli_backup(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("backup");
	struct ca_backup_info info;
	struct ca_session *s = NULL;
	struct ca_result res;
	const char *out = NULL;
	struct cli_args g;
	int c, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c))
		if (c == 'o')
			out = optarg;
	if ((r = cli_args_end(&g)) != CA_OK || (r = cli_require(cmd, "--out", out, NULL)) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_backup(s, out, &info, &res);
	return cli_finish(env, cmd, s, r, &res);
}

/* ---- restore ---- */

struct restore {
	const struct cli_cmd *cmd;
	struct cli_env *env;
	const char *from;		/* the backup */
	bool force;
	struct ca_restore_req rq;
	struct ca_backup_info info;
	struct ca_restore_report rep;
	char target[PATH_MAX];		/* the state directory, absolute */
	char tmp[PATH_MAX + 32];	/* where it is assembled, beside it */
	char aside[PATH_MAX + 48];	/* --force: where the old one went */
};

static int
fail(struct restore *t, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct restore *t, int r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "carecard-ca: %s: ", t->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	t->env->said = true;
	return r;
}

/* The target as an absolute path, its parent existing. */
static int
target_path(struct restore *t)
{
	char *a = strdup(t->env->state), *b = strdup(t->env->state), parent[PATH_MAX];
	int r = CA_OK;

	if (a == NULL || b == NULL)
		r = CA_ERR_ALLOC;
	else if (realpath(dirname(a), parent) == NULL)
		r = fail(t, CA_ERR_NOT_FOUND, "%s: %s: create the folder that will hold the state "
			 "directory", t->env->state, strerror(errno));
	else if ((size_t)snprintf(t->target, sizeof(t->target), "%s/%s", parent, basename(b)) >=
		 sizeof(t->target))
		r = fail(t, CA_ERR_USAGE, "%s: path too long", t->env->state);
	free(a);
	free(b);
	return r;
}

/* 1 empty, 0 holds something, -1 absent (or not a folder: @r says). */
static int
target_state(struct restore *t, int *r)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	*r = CA_OK;
	if ((d = opendir(t->target)) == NULL) {
		if (errno != ENOENT)
			*r = fail(t, CA_ERR_EXISTS, "%s: %s: restore into a new directory", t->target,
				  strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n == 0;
}

/* The restored registry's side, opened on the assembled directory. */
static int
finish(struct restore *t)
{
	struct cli_env env = *t->env;
	struct cli_who who = { CLI_AUTH_SYSTEM, 0, NULL };
	struct ca_session *s = NULL;
	struct ca_result res;
	int r;

	memset(&res, 0, sizeof(res));
	env.state = t->tmp;
	env.state_buf = NULL;
	env.said = false;
	if ((r = ca_init_hsm_conf(t->tmp, t->tmp)) != CA_OK ||
	    (r = cli_session(&env, t->cmd, true, &who, &s)) != CA_OK)
		goto out;
	r = ca_op_restore_finish(s, &t->rq, &t->rep, &res);
	r = cli_finish(&env, t->cmd, s, r, &res);
	if (r == CA_OK)
		r = ca_init_hsm_conf(t->tmp, t->target);
out:
	t->env->said = t->env->said || env.said;
	return r;
}

/* The assembled directory under the target's name (the old one aside). */
static int
move_in(struct restore *t, int state)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (state == 1 && rmdir(t->target) != 0)
		return fail(t, CA_ERR_IO, "%s: %s", t->target, strerror(errno));
	if (state == 0) {
		strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
		snprintf(t->aside, sizeof(t->aside), "%s.replaced-%s", t->target, when);
		if (renameat2(AT_FDCWD, t->target, AT_FDCWD, t->aside, RENAME_NOREPLACE) != 0)
			return fail(t, CA_ERR_IO, "cannot move %s aside to %s: %s", t->target,
				    t->aside, strerror(errno));
	}
	if (renameat2(AT_FDCWD, t->tmp, AT_FDCWD, t->target, RENAME_NOREPLACE) != 0)
		return fail(t, CA_ERR_IO, "cannot move %s to %s: %s", t->tmp, t->target,
			    strerror(errno));
	util_fsync_parent_dir(t->target);
	return CA_OK;
}

static void
report(const struct restore *t)
{
	char when[32];

	ca_time_text(t->info.created, when, sizeof(when));
	printf("restored %s into %s: %ld files, the registry (%s) as of %s, audit entry %" PRId64
	       "\n", t->from, t->target, t->info.files, t->info.registry, when,
	       t->info.audit_seq);
	if (t->aside[0] != '\0')
		printf("the state directory it replaced is kept as %s\n", t->aside);
	printf("audit log OK: %" PRId64 " entries, the restore recorded\n", t->rep.entries);
	printf("next CRL numbers: authentication %ld, signing %ld, root %ld (above every CRL "
	       "found: %ld, %ld, %ld)\n", t->rep.crl_next[0], t->rep.crl_next[1],
	       t->rep.crl_next[2], t->rep.crl_found[0], t->rep.crl_found[1], t->rep.crl_found[2]);
	if (t->rep.published_seq > t->info.audit_seq)
		printf("WARNING: the published CRLs were signed at audit entry %" PRId64 ", after "
		       "this backup (entry %" PRId64 "): what the CA did in between is lost\n",
		       t->rep.published_seq, t->info.audit_seq);
	if (t->rep.rerevoked > 0)
		printf("%ld certificate(s) revoked after the backup (on the published CRLs) were "
		       "revoked again in the restored registry\n", t->rep.rerevoked);
	if (t->rep.unknown > 0)
		printf("WARNING: %ld revoked certificate(s) on the published CRLs are not in the "
		       "restored registry (issued after the backup) and will not be on its CRLs: "
		       "%s\n", t->rep.unknown, t->rep.unknown_list);
	printf("next: publish new CRLs now (carecard-ca crl-publish --dir DIR), then "
	       "carecard-ca audit verify; certificates issued after the backup are unknown "
	       "to the CA: see carecard-ca-backup(1)\n");
}

int
cli_restore(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "from", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ "publish-dir", required_argument, NULL, 'p' },
		{ "crl-floor", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct restore t;
	struct cli_args g;
	long long floor = 0;
	int c, r, state;

	memset(&t, 0, sizeof(t));
	t.cmd = cli_cmd_find("restore");
	t.env = env;
	cli_args_start(&g, argc, argv, t.cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'f': t.from = optarg; break;
		case 'F': t.force = true; break;
		case 'p': t.rq.publish_dir = optarg; break;
		case 'n':
			if ((g.r = cli_number(t.cmd, "--crl-floor", optarg, 1L << 40, &floor)) != CA_OK)
				return g.r;
			break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK || (r = cli_require(t.cmd, "--from", t.from, NULL))
	    != CA_OK || (r = cli_env_finish(env)) != CA_OK || (r = target_path(&t)) != CA_OK)
		return r;
	t.rq.backup = t.from;
	t.rq.info = &t.info;
	t.rq.crl_floor = (long)floor;
	/* Everything the manifest says, before anything is written. */
	if ((r = ca_backup_check(t.from, &t.info)) != CA_OK)
		return fail(&t, r, "%s: refused, nothing was changed", t.info.why);
	if ((state = target_state(&t, &r)) == -1 && r != CA_OK)
		return r;
	if (state == 0 && !t.force)
		return fail(&t, CA_ERR_EXISTS, "%s is not empty: restore into a new or empty "
			    "directory, or give --force to move it aside", t.target);
	snprintf(t.tmp, sizeof(t.tmp), "%s.restore.XXXXXX", t.target);
	if (mkdtemp(t.tmp) == NULL || rmdir(t.tmp) != 0)
		return fail(&t, CA_ERR_IO, "cannot create %s: %s", t.tmp, strerror(errno));
	if ((r = ca_backup_unpack(t.from, t.tmp, &t.info)) != CA_OK)
		r = fail(&t, r, "%s: refused, nothing was changed", t.info.why);
	else if ((r = finish(&t)) == CA_OK)
		r = move_in(&t, state);
	if (r != CA_OK) {
		ca_backup_remove_tree(t.tmp);
		if (!env->said)
			fail(&t, r, "%s: nothing was changed", ca_strerror(r));
		return r;
	}
	report(&t);
	return CA_OK;
}
