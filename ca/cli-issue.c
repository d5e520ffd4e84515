/*
 * ca/cli-issue.c: "issue-cert".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/cli.h"
#include "ca/ctx.h"
#include "ca/error.h"
#include "ca/issue.h"
#include "ca/x509util.h"

static int
days_parse(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0 || v > 36500)
		return CA_ERR_USAGE;
	*out = (int)v;
	return CA_OK;
}

static int
issue(struct cli_env *env, struct ca_issue_req *req, const char *csr_path, const char *out)
{
	struct ca_issued c = { NULL, NULL, 0 };
	struct ca_ctx *ctx = NULL;
	unsigned char *csr = NULL;
	size_t csrlen = 0;
	int r;

	if ((r = cli_read_input(csr_path, &csr, &csrlen)) != CA_OK)
		return r;
	req->csr = csr;
	req->csrlen = csrlen;
	req->now = time(NULL);
	if ((r = cli_ctx_open(env, true, &ctx)) != CA_OK)
		goto out;
	if ((r = ca_cert_issue(ctx, req, &c)) != CA_OK)
		goto out;
	/* Recorded already: a failed write loses only this copy of the file. */
	if ((r = ca_pem_write(out, "CERTIFICATE", c.der, c.derlen)) != CA_OK)
		goto out;
	printf("%s\n", c.serial);
out:
	ca_issued_clear(&c);
	ca_ctx_free(ctx);
	free(csr);
	return r;
}

int
cli_issue_cert(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "profile", required_argument, NULL, 'p' },
		{ "csr", required_argument, NULL, 'c' },
		{ "holder", required_argument, NULL, 'H' },
		{ "card", required_argument, NULL, 'C' },
		{ "out", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'd' },
		{ "crl-url", required_argument, NULL, 'l' },
		{ "ocsp-url", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("issue-cert");
	struct ca_issue_req req;
	const char *csr = NULL, *out = NULL;
	struct cli_args g;
	int c, r;

	memset(&req, 0, sizeof(req));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'p': req.profile = optarg; break;
		case 'c': csr = optarg; break;
		case 'H': req.holder = optarg; break;
		case 'C': req.card = optarg; break;
		case 'o': out = optarg; break;
		case 'l': req.crl_url = optarg; break;
		case 'O': req.ocsp_url = optarg; break;
		case 'd':
			if (days_parse(optarg, &req.validity_days) != CA_OK)
				return cli_usage(cmd, "bad --days '%s'", optarg);
			break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--profile", req.profile, "--csr", csr, "--holder", req.holder,
			     "--out", out, NULL)) != CA_OK)
		return r;
	return issue(env, &req, csr, out);
}
