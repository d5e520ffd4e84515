/*
 * The refusal table (ca/ra/refusal.c): every refusal the CA library words
 * itself names its subject, the rule that decided — a key of the policy
 * schema, or one of the few rules the registry and the RA keep without a
 * key — and what to do instead, and fits the result line with real
 * identifiers in it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ca/core/error.h"
#include "ca/ra/refusal.h"
#include "policy/decide.h"
#include "policy/schema.h"

/* Rules that are no policy key: where each lives is its name. */
static const char *const own_rules[] = {
	"authentication",		/* ca/ra/gate.c: who may ask at all */
	"bootstrap",			/* ca/ra/session.c: the first RA manager's card */
	"ra.identity-documents",	/* op-people.c: three documents */
	"ra.last-ra-manager",		/* op-person.c */
	"ra.ra-manager-card",		/* op-person.c */
	"requests.state",		/* a request awaits its identity check once */
	"certificates.status",		/* valid, held, revoked */
	"revocation.certificate-hold",	/* RFC 5280 5.3.1: a held card is frozen */
	"card.state",			/* blank, issued, cancelled */
	"card.reader",
	"card.journal",			/* an interrupted card operation */
	"holder.own-record",		/* ca/ra/gate.c: a holder reads their own record only */
	"holder.own-card",		/* ca/ra/gate.c: terms accepted with one's own card */
	"est.one-at-a-time",		/* ca/ra/est-renew.c: a card's requests, one at a time */
	NULL,
};

/* Is @path ("separation-of-duties.operations.issue") a key of @keys? */
static int
schema_has(const struct pol_key *keys, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
	const struct pol_key *k;

	for (k = keys; k != NULL && k->name != NULL; k++) {
		if (strlen(k->name) != n || strncmp(k->name, path, n) != 0)
			continue;
		if (dot == NULL)
			return 1;
		return k->type == POL_T_SECTION && schema_has(k->sub, dot + 1);
	}
	return 0;
}

static int
rule_known(const char *rule)
{
	size_t i;

	for (i = 0; own_rules[i] != NULL; i++)
		if (strcmp(own_rules[i], rule) == 0)
			return 1;
	/* registry.<table>: a record missing or there already */
	if (strncmp(rule, "registry.", 9) == 0 && rule[9] != '\0')
		return 1;
	return schema_has(pol_root_keys, rule);
}

/* Conversions: only %s, and how many. -1 for anything else. */
static int
conversions(const char *fmt)
{
	const char *p;
	int n = 0;

	for (p = fmt; (p = strchr(p, '%')) != NULL; p += 2) {
		if (p[1] != 's')
			return -1;
		n++;
	}
	return n;
}

static void
test_every_entry(void **state)
{
	unsigned id, k;

	(void)state;
	assert_null(ca_refusal_get(CA_RF_COUNT));
	for (id = 0; id < CA_RF_COUNT; id++) {
		const struct ca_refusal *f = ca_refusal_get(id);

		assert_non_null(f);
		print_message("# %s\n", f->name);
		assert_true(f->err == CA_ERR_DENIED || f->err == CA_ERR_STATE ||
			    f->err == CA_ERR_NOT_FOUND || f->err == CA_ERR_EXISTS ||
			    f->err == CA_ERR_AUTH);
		assert_true(rule_known(f->rule));
		/* The subject is the first argument: there is one. */
		assert_true(conversions(f->what) >= 1);
		assert_true(conversions(f->todo) >= 0);
		/* The way forward is there, and is not a full stop. */
		assert_true(strlen(f->todo) >= 10);
		assert_true(f->todo[strlen(f->todo) - 1] != '.');
		assert_true(f->what[strlen(f->what) - 1] != '.');
		for (k = 0; k < id; k++)
			assert_string_not_equal(ca_refusal_get(k)->name, f->name);
	}
}

/* With real identifiers in, the line names the subject, says what to do,
 * and fits the decision (and so the result) without being cut. */
static void
test_rendered(void **state)
{
	const char *args[] = { "123456789012", "0401234567890123", "ABCDEF0123456789ABCDEF",
			       "pharmacist@FA123", "an RA operator logged in with their own card",
			       "ra-manager", NULL };
	char buf[POL_SENTENCE_MAX], big[1024];
	unsigned id;

	(void)state;
	for (id = 0; id < CA_RF_COUNT; id++) {
		const struct ca_refusal *f = ca_refusal_get(id);
		size_t n, t = strlen(f->todo);

		ca_refusal_text(id, args, big, sizeof(big));
		n = strlen(big);
		print_message("# %s: %s\n", f->name, big);
		assert_non_null(strstr(big, args[0]));
		assert_null(strstr(big, "?"));
		assert_true(strlen(big) < sizeof(buf) - 1);
		ca_refusal_text(id, args, buf, sizeof(buf));
		assert_string_equal(buf, big);
		/* "what: todo": the way forward closes the line */
		assert_non_null(strstr(big, ": "));
		if (strchr(f->todo, '%') == NULL) {
			assert_true(n > t + 2);
			assert_string_equal(big + n - t, f->todo);
			assert_memory_equal(big + n - t - 2, ": ", 2);
		}
	}
}

/* Too few arguments: a visible "?", never a read past the list. */
static void
test_missing_arguments(void **state)
{
	const char *one[] = { "123456789012", NULL };
	char buf[POL_SENTENCE_MAX];

	(void)state;
	ca_refusal_text(CA_RF_POSITION_HELD, one, buf, sizeof(buf));
	assert_string_equal(buf, "123456789012 holds ? already: nothing to add: see their "
			    "positions with person show 123456789012");
	ca_refusal_text(CA_RF_PERSON_UNKNOWN, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "no person ? in the registry"));
	ca_refusal_text(CA_RF_COUNT, one, buf, sizeof(buf));
	assert_string_equal(buf, "refused");
	/* A small buffer cuts, and terminates. */
	ca_refusal_text(CA_RF_PERSON_UNKNOWN, one, buf, 12);
	assert_string_equal(buf, "no person 1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry),
		cmocka_unit_test(test_rendered),
		cmocka_unit_test(test_missing_arguments),
	};

	return cmocka_run_group_tests_name("ca-refusal", tests, NULL, NULL);
}
