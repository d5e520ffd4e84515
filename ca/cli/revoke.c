/*
 * ca/cli/revoke.c: "revoke" (an RA operator with their card) and "crl"
 * (the CA's own system account).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ca/cli/cli.h"
#include "ca/core/error.h"
#include "ca/core/x509util.h"
#include "ca/ra/ops.h"
#include "common/fileio.h"

int
cli_revoke(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS, CLI_OPERATOR_OPTIONS,
		{ "serial", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("revoke");
	const char *serial = NULL, *reason = NULL;
	struct ca_session *s = NULL;
	struct ca_result res;
	struct cli_args g;
	int c, code, r;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		if (c == 's')
			serial = optarg;
		else if (c == 'r')
			reason = optarg;
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--serial", serial, "--reason", reason, NULL)) != CA_OK)
		return r;
	if (ca_revoke_reason_parse(reason, &code) != CA_OK || code == CRL_REASON_REMOVE_FROM_CRL)
		return cli_usage(cmd, "unknown revocation reason '%s'", reason);
	g.who.auth = CLI_AUTH_OPERATOR;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	r = ca_op_revoke(s, serial, reason, &res);
	return cli_finish(env, cmd, s, r, &res);
}

static int
crl_write(const char *path, const unsigned char *der, size_t len, int as_der)
{
	int e;

	if (!as_der)
		return cli_pem_out(path, "X509 CRL", der, len);
	if (strcmp(path, "-") == 0)
		return fwrite(der, 1, len, stdout) == len && fflush(stdout) == 0 ? CA_OK : CA_ERR_IO;
	if ((e = util_file_write_atomic(path, der, len, 0644)) != 0) {
		fprintf(stderr, "carecard-ca: %s: %s\n", path, strerror(-e));
		return CA_ERR_IO;
	}
	return CA_OK;
}

int
cli_crl(int argc, char **argv, struct cli_env *env)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{ "issuer", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "delta", no_argument, NULL, 'D' },
		{ "der", no_argument, NULL, 'd' },
		{ "next-update", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd = cli_cmd_find("crl");
	const char *issuer = NULL, *out = NULL;
	struct ca_session *s = NULL;
	struct ca_result res;
	unsigned char *der = NULL;
	char *path = NULL, rel[96];
	int64_t next = 0;
	size_t len = 0;
	long number = 0, days;
	bool delta = false;
	struct cli_args g;
	int c, r, as_der = 0;
	char *end;

	memset(&res, 0, sizeof(res));
	cli_args_start(&g, argc, argv, cmd, env, opts);
	while (cli_args_next(&g, &c)) {
		switch (c) {
		case 'i': issuer = optarg; break;
		case 'o': out = optarg; break;
		case 'D': delta = true; break;
		case 'd': as_der = 1; break;
		case 'n':
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days <= 0 || days > 366)
				return cli_usage(cmd, "bad --next-update '%s'", optarg);
			next = (int64_t)days * 24 * 60 * 60;
			break;
		}
	}
	if ((r = cli_args_end(&g)) != CA_OK)
		return r;
	if ((r = cli_require(cmd, "--issuer", issuer, NULL)) != CA_OK ||
	    (r = cli_output_check(cmd, "--out", out != NULL ? out : "")) != CA_OK)
		return r;
	g.who.auth = CLI_AUTH_SYSTEM;
	if ((r = cli_session(env, cmd, true, &g.who, &s)) != CA_OK)
		return r;
	if ((r = ca_op_crl(s, issuer, delta, next, &der, &len, &number, &res)) != CA_OK)
		goto out;
	snprintf(rel, sizeof(rel), "crl/%s%s.crl%s", issuer, delta ? "-delta" : "",
		 as_der ? "" : ".pem");
	if (out == NULL && (out = path = ca_ctx_path(s->ctx, rel)) == NULL) {
		r = CA_ERR_ALLOC;
		goto out;
	}
	if ((r = crl_write(out, der, len, as_der)) == CA_OK && strcmp(out, "-") != 0)
		ca_result_done(&res, "%s CRL %ld written to %s", delta ? "delta" : "full", number,
			       out);
out:
	OPENSSL_free(der);
	r = cli_finish(env, cmd, s, r, &res);
	free(path);
	return r;
}
