/*
 * ca/service/settings.c: see settings.h. The file is read with libyaml's
 * document API and mapped onto struct svc_config by a key table, like the
 * policy loader (policy/load.c): unknown keys are errors with a position.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ca/core/error.h"
#include "ca/service/portal.h"
#include "ca/service/settings.h"
#include "common/fileio.h"
#include "policy/policy.h"

#define CONFIG_FILE_MAX (1024 * 1024)

void
svc_config_defaults(struct svc_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->http[0].host, sizeof(c->http[0].host), "127.0.0.1");
	c->http[0].port = 8080;
	c->nhttp = 1;
	c->jobs = true;
	snprintf(c->access_log, sizeof(c->access_log), "-");
	c->limits.max_header_size = 8192;
	c->limits.max_body_size = 16384;
	c->limits.request_timeout = 10;
	c->limits.max_connections = 1024;
	c->limits.rate = 200;
	c->limits.burst = 400;
	c->limits.cert_rate = 10;
	c->limits.cert_burst = 60;
	snprintf(c->portal, sizeof(c->portal), "%s", SVC_PORTAL_DIR);
	snprintf(c->source, sizeof(c->source), "(defaults)");
}

bool
svc_listen_parse(const char *text, struct svc_listen *l)
{
	const char *colon, *h = text;
	size_t hl;
	char *end;
	long port;

	if (text[0] == '[') {	/* [v6]:port */
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return false;
		h = text + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(text, ':')) == NULL || memchr(text, ':', (size_t)(colon - text)))
			return false;
		hl = (size_t)(colon - text);
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 0 || port > 65535 ||
	    hl >= sizeof(l->host))
		return false;
	if (hl == 0)
		snprintf(l->host, sizeof(l->host), "0.0.0.0");
	else
		snprintf(l->host, sizeof(l->host), "%.*s", (int)hl, h);
	l->port = (unsigned)port;
	return true;
}

struct load {
	yaml_document_t doc;
	const char *file;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 4, 5)))
fail(struct load *ld, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errlen, "%s:%lu:%lu: %s%s%s", ld->file,
		 n != NULL ? (unsigned long)n->start_mark.line + 1 : 0UL,
		 n != NULL ? (unsigned long)n->start_mark.column + 1 : 0UL, key != NULL ? key : "",
		 key != NULL ? ": " : "", msg);
	return CA_ERR_USAGE;
}

static const char *
scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

enum ktype { K_PATH, K_TEXT, K_LISTEN, K_UINT, K_BOOL, K_DURATION, K_SIZE, K_SECTION };

struct key {
	const char *name;
	enum ktype type;
	size_t offset;
	long long min, max;		/* numbers; K_TEXT: max = the field's size */
	const struct key *sub;		/* K_SECTION: its keys */
	const char *prefix;		/* K_SECTION: "limits." for messages */
};

#define C(f) offsetof(struct svc_config, f)
#define L(f) offsetof(struct svc_config, limits.f)
#define M(f) offsetof(struct svc_config, mail.f)
#define S(f) offsetof(struct svc_config, sms.f)
static const struct key limit_keys[] = {
	{ "max-header-size", K_SIZE, L(max_header_size), 512, 1024 * 1024 },
	{ "max-body-size", K_SIZE, L(max_body_size), 256, 64 * 1024 * 1024 },
	{ "request-timeout", K_DURATION, L(request_timeout), 1, 3600 },
	{ "max-connections", K_UINT, L(max_connections), 1, 1000000 },
	{ "rate", K_UINT, L(rate), 0, 1000000 },
	{ "burst", K_UINT, L(burst), 1, 10000000 },
	{ "cert-rate", K_UINT, L(cert_rate), 0, 1000000 },
	{ "cert-burst", K_UINT, L(cert_burst), 1, 10000000 },
	{ NULL, 0, 0, 0, 0 },
};
static const struct key mail_keys[] = {
	{ "relay", K_PATH, M(relay), 0, 0 },
	{ "from", K_TEXT, M(from), 0, sizeof(((struct svc_mail_settings *)0)->from) },
	{ "ca-file", K_PATH, M(cafile), 0, 0 },
	{ "timeout", K_DURATION, M(timeout), 1, 600 },
	{ NULL, 0, 0, 0, 0 },
};
static const struct key sms_keys[] = {
	{ "gateway", K_PATH, S(gateway), 0, 0 },
	{ "ca-file", K_PATH, S(cafile), 0, 0 },
	{ "to-field", K_TEXT, S(to_field), 0, sizeof(((struct svc_sms_settings *)0)->to_field) },
	{ "text-field", K_TEXT, S(text_field), 0,
	  sizeof(((struct svc_sms_settings *)0)->text_field) },
	{ "timeout", K_DURATION, S(timeout), 1, 600 },
	{ NULL, 0, 0, 0, 0 },
};
static const struct key keys[] = {
	{ "state", K_PATH, C(state), 0, 0 },
	{ "http", K_LISTEN, C(http), 0, 0 },
	{ "https", K_LISTEN, C(https), 0, 0 },
	{ "tls-certificate", K_PATH, C(tls_cert), 0, 0 },
	{ "tls-key", K_PATH, C(tls_key), 0, 0 },
	{ "workers", K_UINT, C(workers), 0, 256 },
	{ "jobs", K_BOOL, C(jobs), 0, 0 },
	{ "access-log", K_PATH, C(access_log), 0, 0 },
	{ "limits", K_SECTION, 0, 0, 0, limit_keys, "limits." },
	{ "mail", K_SECTION, 0, 0, 0, mail_keys, "mail." },
	{ "sms", K_SECTION, 0, 0, 0, sms_keys, "sms." },
	{ "public-url", K_PATH, C(public_url), 0, 0 },
	{ "portal", K_PATH, C(portal), 0, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static int map(struct load *ld, yaml_node_t *m, const struct key *table, struct svc_config *c,
	       const char *where);

static int
listen_one(struct load *ld, yaml_node_t *n, const char *key, struct svc_listen *l, unsigned *cnt)
{
	const char *s = scalar(n);

	if (s == NULL)
		return fail(ld, n, key, "expected \"ADDRESS:PORT\"");
	if (*cnt == SVC_LISTEN_MAX)
		return fail(ld, n, key, "at most %d addresses", SVC_LISTEN_MAX);
	if (!svc_listen_parse(s, &l[*cnt]))
		return fail(ld, n, key, "'%s' is not ADDRESS:PORT", s);
	(*cnt)++;
	return CA_OK;
}

static int
value(struct load *ld, yaml_node_t *n, const struct key *k, struct svc_config *c)
{
	char *field = (char *)c + k->offset, *end;
	const char *s = scalar(n);
	yaml_node_item_t *it;
	unsigned *cnt;
	int64_t d = 0;
	long long v;
	int r;

	switch (k->type) {
	case K_SECTION:
		return map(ld, n, k->sub, c, k->prefix);
	case K_LISTEN:
		cnt = k->offset == C(http) ? &c->nhttp : &c->nhttps;
		*cnt = 0;
		if (n->type != YAML_SEQUENCE_NODE)
			return listen_one(ld, n, k->name, (struct svc_listen *)field, cnt);
		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			if ((r = listen_one(ld, yaml_document_get_node(&ld->doc, *it), k->name,
					    (struct svc_listen *)field, cnt)) != CA_OK)
				return r;
		return CA_OK;
	default:
		break;
	}
	if (s == NULL)
		return fail(ld, n, k->name, "expected a single value");
	switch (k->type) {
	case K_PATH:
		if (*s == '\0' || strlen(s) >= SVC_PATH_MAX)
			return fail(ld, n, k->name, "expected a path");
		snprintf(field, SVC_PATH_MAX, "%s", s);
		return CA_OK;
	case K_TEXT:
		if (*s == '\0' || strlen(s) >= (size_t)k->max || strpbrk(s, "\r\n") != NULL)
			return fail(ld, n, k->name, "expected one line of at most %lld characters",
				    k->max - 1);
		snprintf(field, (size_t)k->max, "%s", s);
		return CA_OK;
	case K_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return fail(ld, n, k->name, "expected true or false, not '%s'", s);
		*(bool *)field = strcmp(s, "true") == 0;
		return CA_OK;
	case K_DURATION:
		if (pol_duration_parse(s, &d) != POL_OK || d < k->min || d > k->max)
			return fail(ld, n, k->name, "expected a duration from %llds to %llds, "
				    "not '%s'", k->min, k->max, s);
		*(int64_t *)field = d;
		return CA_OK;
	default:
		errno = 0;
		v = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno != 0 || v < k->min || v > k->max)
			return fail(ld, n, k->name, "expected a number from %lld to %lld, not '%s'",
				    k->min, k->max, s);
		if (k->type == K_SIZE)
			*(size_t *)field = (size_t)v;
		else
			*(unsigned *)field = (unsigned)v;
		return CA_OK;
	}
}

static int
map(struct load *ld, yaml_node_t *m, const struct key *table, struct svc_config *c,
    const char *where)
{
	yaml_node_pair_t *p;
	const struct key *k;
	char name[64];
	int r;

	if (m->type != YAML_MAPPING_NODE)
		return fail(ld, m, NULL, "%sexpected a mapping", where);
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&ld->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(&ld->doc, p->value);
		const char *s = kn != NULL ? scalar(kn) : NULL;

		if (s == NULL || vn == NULL)
			return fail(ld, kn, NULL, "malformed mapping");
		for (k = table; k->name != NULL; k++)
			if (strcmp(k->name, s) == 0)
				break;
		snprintf(name, sizeof(name), "%s%s", where, s);
		if (k->name == NULL)
			return fail(ld, kn, NULL, "unknown key '%s'", name);
		if ((r = value(ld, vn, k, c)) != CA_OK)
			return r;
	}
	return CA_OK;
}

int
svc_config_load(struct svc_config *c, const char *path, char *err, size_t errlen)
{
	struct svc_config next = *c;
	struct load ld = { .file = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_node_t *root;
	yaml_node_pair_t *p;
	unsigned char *buf = NULL;
	size_t len = 0;
	bool have_doc = false;
	int e, r = CA_ERR_USAGE;

	if ((e = util_file_read_all(path, CONFIG_FILE_MAX, &buf, &len)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-e));
		return CA_ERR_IO;
	}
	if (!yaml_parser_initialize(&parser)) {
		free(buf);
		return CA_ERR_ALLOC;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		snprintf(err, errlen, "%s:%lu:%lu: %s", path,
			 (unsigned long)parser.problem_mark.line + 1,
			 (unsigned long)parser.problem_mark.column + 1,
			 parser.problem != NULL ? parser.problem : "malformed YAML");
		goto out;
	}
	have_doc = true;
	if ((root = yaml_document_get_root_node(&ld.doc)) == NULL) {
		r = fail(&ld, NULL, NULL, "empty file");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		r = fail(&ld, root, NULL, "expected a mapping with a 'serve' section");
		goto out;
	}
	/* One section per component; only "serve" exists yet. */
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&ld.doc, p->key);
		const char *s = kn != NULL ? scalar(kn) : NULL;

		if (s == NULL || strcmp(s, "serve") != 0) {
			r = fail(&ld, kn, NULL, "unknown section '%s'", s != NULL ? s : "?");
			goto out;
		}
		if ((r = map(&ld, yaml_document_get_node(&ld.doc, p->value), keys, &next, "")) !=
		    CA_OK)
			goto out;
	}
	snprintf(next.source, sizeof(next.source), "%s", path);
	*c = next;
	r = CA_OK;
out:
	if (have_doc)
		yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
	free(buf);
	return r;
}
