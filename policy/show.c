/*
 * "show": the effective policy as YAML, every key with its defaults filled
 * in, produced by walking the same schema tables the loader uses, so the
 * output always loads back to the same policy.
 */
#include "config.h"

#include "policy/policy.h"
#include "policy/schema.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A double-quoted YAML scalar (the loader refuses control characters). */
static void
put_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
put_flags(FILE *fp, const struct pol_name *names, unsigned set)
{
	const char *sep = "";
	unsigned bit;

	fputc('[', fp);
	for (bit = 1; bit != 0; bit <<= 1) {
		const char *n;

		if (!(set & bit) || (n = pol_name_of(names, bit)) == NULL)
			continue;
		fprintf(fp, "%s%s", sep, n);
		sep = ", ";
	}
	fputc(']', fp);
}

static void
put_value(FILE *fp, const struct pol_key *k, const void *v)
{
	const char *n;
	char buf[32];
	unsigned i;

	switch (k->type) {
	case POL_T_UINT:
		if ((k->flags & POL_KF_NONE) && *(const unsigned *)v == 0)
			fputs("none", fp);
		else
			fprintf(fp, "%u", *(const unsigned *)v);
		break;
	case POL_T_DURATION:
		if ((k->flags & POL_KF_NONE) && *(const int64_t *)v == 0) {
			fputs("none", fp);
		} else {
			pol_duration_format(*(const int64_t *)v, buf, sizeof(buf));
			fputs(buf, fp);
		}
		break;
	case POL_T_BOOL:
		fputs(*(const bool *)v ? "true" : "false", fp);
		break;
	case POL_T_STRING:
		put_quoted(fp, v);
		break;
	case POL_T_LIST:
		fputc('[', fp);
		for (i = 0; i < ((const struct pol_strlist *)v)->n; i++) {
			fputs(i ? ", " : "", fp);
			put_quoted(fp, ((const struct pol_strlist *)v)->item[i]);
		}
		fputc(']', fp);
		break;
	case POL_T_FLAGS:
		put_flags(fp, k->names, *(const unsigned *)v);
		break;
	case POL_T_ENUM:
		n = pol_name_of(k->names, *(const unsigned *)v);
		fputs(n != NULL ? n : "(invalid)", fp);	/* only hand-built structs */
		break;
	case POL_T_SECTION:
		break;
	}
}

static bool
from_file(const struct pol_policy *pol, size_t offset)
{
	unsigned i;

	for (i = 0; i < pol->norigins; i++)
		if (pol->origins[i].offset == offset)
			return true;
	return false;
}

/* @notes: each key's help and "(default)" marks; without, the canonical form. */
static void
put_section(FILE *fp, const struct pol_policy *pol, const struct pol_key *keys, size_t base,
	    int indent, bool notes)
{
	const struct pol_key *k;

	for (k = keys; k->name != NULL; k++) {
		size_t off = base + k->offset;

		if (notes)
			fprintf(fp, "%*s# %s\n", indent, "", k->help);
		fprintf(fp, "%*s%s:", indent, "", k->name);
		if (k->type == POL_T_SECTION) {
			fputc('\n', fp);
			put_section(fp, pol, k->sub, off, indent + 2, notes);
			continue;
		}
		fputc(' ', fp);
		put_value(fp, k, (const char *)pol + off);
		if (notes && pol->norigins > 0 && !from_file(pol, off))
			fputs("    # (default)", fp);
		fputc('\n', fp);
	}
}

int
pol_policy_write(const struct pol_policy *pol, FILE *fp)
{
	if (pol == NULL || fp == NULL)
		return POL_ERR_ARG;
	fprintf(fp, "# carecard lifecycle policy: effective settings from %s\n", pol->source);
	fputs("# durations: s m h d w y (y = 365 days); none = no limit\n", fp);
	put_section(fp, pol, pol_root_keys, 0, 0, true);
	if (fflush(fp) != 0 || ferror(fp))
		return POL_ERR_IO;
	return POL_OK;
}

int
pol_policy_write_canonical(const struct pol_policy *pol, FILE *fp)
{
	if (pol == NULL || fp == NULL)
		return POL_ERR_ARG;
	put_section(fp, pol, pol_root_keys, 0, 0, false);
	if (fflush(fp) != 0 || ferror(fp))
		return POL_ERR_IO;
	return POL_OK;
}
