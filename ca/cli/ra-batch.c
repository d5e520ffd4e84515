/*
 * ca/cli-ra-batch.c: "batch import FILE.csv [--dry-run]" — the RA
 * manager's bulk update of users and positions (see ca/batch.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/ra/batch.h"
#include "ca/cli/ra.h"
#include "ca/cli/ra-cmds.h"
#include "ca/core/ctx.h"
#include "ca/core/error.h"
#include "common/fileio.h"

#define BATCH_FILE_MAX (64u << 20)

static int
batch_run(const struct cli_cmd *cmd, struct ra_session *s, const char *path, int dry)
{
	struct ca_batch b = { 0, NULL };
	struct ca_batch_stats st;
	unsigned char *buf = NULL;
	size_t len = 0;
	unsigned nerr = 0;
	int e, r;

	if ((e = util_file_read_all(path, BATCH_FILE_MAX, &buf, &len)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(-e));
		return e == -2 ? CA_ERR_NOT_FOUND : CA_ERR_IO;
	}
	if ((r = ca_batch_parse((const char *)buf, len, &b, stderr, &nerr)) != CA_OK ||
	    (r = ca_batch_check(s->ctx->reg, &b, stderr, &nerr)) != CA_OK)
		goto out;
	ca_batch_stats(&b, &st);
	if (nerr > 0) {
		fprintf(stderr, "carecard-ca: batch: %s: %u error(s); nothing was changed: fix "
			"the lines above and run it again\n", path, nerr);
		r = CA_ERR_INPUT;
		goto out;
	}
	if (dry) {
		printf("dry run: %zu row(s) valid; would add %u person(s) and %u position(s) "
		       "(%u already held); nothing changed\n", b.n, st.people, st.positions,
		       st.held);
		goto out;
	}
	if ((r = ca_batch_apply(s->ctx->reg, &b, s->ctx->actor, time(NULL))) == CA_OK)
		printf("imported %zu row(s): %u person(s) and %u position(s) added (%u already "
		       "held)\n", b.n, st.people, st.positions, st.held);
out:
	(void)cmd;
	ca_batch_clear(&b);
	free(buf);
	return r;
}

int
cli_ra_batch(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, RA_OPERATOR_OPTIONS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("batch");
	struct ra_session s;
	struct cli_args g;
	char **rest;
	int c, r, dry = 0;

	memset(&s, 0, sizeof(s));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (ra_args_next(&g, &s, &c)) {
		if (c == 'n')
			dry = 1;
	}
	if (g.r != CA_OK)
		return g.r;
	if (cli_args_operands(&g, &rest) != 2 || strcmp(rest[0], "import") != 0)
		return cli_usage(cmd, "usage: batch import FILE.csv");
	/* A dry run only reads (like the reports), so it needs no operator card:
	 * a card login is itself audited, and a dry run must change nothing. */
	if ((r = ra_open(env, cmd, false, !dry, &s)) == CA_OK &&
	    (dry || (r = ra_need_manager(cmd, &s, "a batch update")) == CA_OK))
		r = batch_run(cmd, &s, rest[1], dry);
	ra_close(&s);
	return r;
}
