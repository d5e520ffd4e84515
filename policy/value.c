/*
 * Scalar value syntax shared by the loader, "show" and the CLI: durations
 * and subject templates. Pure string functions.
 */
#include "config.h"

#include "policy/policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct unit {
	char c;
	int64_t secs;
};

/* Largest first, so formatting picks the largest exact unit. y is 365 days. */
static const struct unit units[] = {
	{ 'y', 365 * 86400LL }, { 'w', 7 * 86400LL }, { 'd', 86400 },
	{ 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};

#define NUNITS (sizeof(units) / sizeof(units[0]))
#define DURATION_MAX_DIGITS 9	/* 999999999y still fits in int64_t seconds */

int
pol_duration_parse(const char *text, int64_t *out)
{
	int64_t n = 0;
	size_t i, digits = 0;

	if (text == NULL || out == NULL)
		return POL_ERR_ARG;
	for (; *text >= '0' && *text <= '9'; text++) {
		if (++digits > DURATION_MAX_DIGITS)
			return POL_ERR_SCHEMA;
		n = n * 10 + (*text - '0');
	}
	if (digits == 0)
		return POL_ERR_SCHEMA;
	if (*text == '\0') {
		/* A bare number is ambiguous, except zero which is zero in any unit. */
		if (n != 0)
			return POL_ERR_SCHEMA;
		*out = 0;
		return POL_OK;
	}
	if (text[1] != '\0')
		return POL_ERR_SCHEMA;
	for (i = 0; i < NUNITS; i++) {
		if (units[i].c == *text) {
			*out = n * units[i].secs;
			return POL_OK;
		}
	}
	return POL_ERR_SCHEMA;
}

void
pol_duration_format(int64_t secs, char *buf, size_t len)
{
	size_t i;

	if (secs <= 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = 0; i < NUNITS; i++) {
		/* Weeks are accepted but never chosen: "14d" reads better than "2w". */
		if (units[i].c != 'w' && secs % units[i].secs == 0) {
			snprintf(buf, len, "%" PRId64 "%c", secs / units[i].secs, units[i].c);
			return;
		}
	}
}

/* Append @n bytes of @s to buf at *pos; false if it does not fit. */
static bool
put(char *buf, size_t len, size_t *pos, const char *s, size_t n)
{
	if (*pos + n >= len)
		return false;
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
	return true;
}

int
pol_subject_expand(const struct pol_profile *prof, const char *name, const char *uuid,
		   char *buf, size_t len)
{
	const char *t;
	size_t pos = 0;
	bool ok = true;

	if (prof == NULL || name == NULL || uuid == NULL || buf == NULL || len == 0)
		return POL_ERR_ARG;
	buf[0] = '\0';
	for (t = prof->subject; *t != '\0' && ok; t++) {
		if (strncmp(t, "{{", 2) == 0) {
			ok = put(buf, len, &pos, "{", 1);
			t++;
		} else if (strncmp(t, "{name}", 6) == 0) {
			ok = put(buf, len, &pos, name, strlen(name));
			t += 5;
		} else if (strncmp(t, "{uuid}", 6) == 0) {
			ok = put(buf, len, &pos, uuid, strlen(uuid));
			t += 5;
		} else if (*t == '{') {
			ok = false;	/* unknown placeholder: validation prevents this */
		} else {
			ok = put(buf, len, &pos, t, 1);
		}
	}
	if (!ok) {
		buf[0] = '\0';
		return POL_ERR_ARG;
	}
	return POL_OK;
}
