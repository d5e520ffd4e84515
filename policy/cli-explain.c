/*
 * carecard-policy explain: every decision for one card on one date, with
 * the rule that decided and a sentence, as a table or JSON. The card state
 * and the actor come from options; the decisions are the library's pure
 * functions, so this prints exactly what the module and the CA would do.
 */
#include "config.h"

#include "policy/cli.h"
#include "policy/decide.h"
#include "policy/decide-internal.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct explain {
	const char *policy, *at, *cert_expires, *card_issued, *passcode_changed, *tac_period;
	const char *sponsor, *ra_agent;
	long passcode_length;		/* -1: not asked */
	bool json, have_actor;
	struct pol_card_state card;
	struct pol_actor actor;
};

static const char explain_help[] =
	"usage: carecard-policy explain [options]\n"
	"Print every lifecycle decision for one card on one date.\n"
	"\n"
	"  --policy FILE            policy (default: $CARECARD_POLICY, else the installed\n"
	"                           nhs.yaml)\n"
	"  --at DATE                the date to decide on (default: now)\n"
	"card:\n"
	"  --serial DIGITS          card serial; its prefix is the series\n"
	"  --holder UUID            the holder's identity\n"
	"  --holder-org ODS         an organisation the holder works at (repeatable)\n"
	"  --cert-expires DATE      certificate notAfter\n"
	"  --card-issued DATE       when the card was issued\n"
	"  --renewals N             renewals of this card so far\n"
	"  --self-renewals N        self-renewals since the last RA renewal\n"
	"  --locked                 the card is locked\n"
	"  --passcode-changed DATE  when the passcode was last set\n"
	"  --contact KIND           registered email, mobile or photo (repeatable)\n"
	"  --tac                    the card is a Temporary Access Card\n"
	"  --tac-period DURATION    activation asked for (default: the policy maximum)\n"
	"  --passcode-length N      also judge a passcode of N characters\n"
	"actor (who asks for renew, repair, unlock, TAC activation):\n"
	"  --actor UUID --actor-role ROLE (repeatable) --actor-org ODS [--locum]\n"
	"           roles: ra-agent ra-manager sponsor lsa pharmacist\n"
	"           (default: an RA agent at the holder's first organisation)\n"
	"issuing:\n"
	"  --sponsor UUID --ra-agent UUID   judge a new-card request by these two\n"
	"output:\n"
	"  --json                   JSON instead of a table\n"
	"\n"
	"DATE: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC), @UNIXTIME, or +DURATION /\n"
	"-DURATION relative to --at (e.g. --cert-expires +90d).\n";

enum {
	OPT_POLICY = 256, OPT_AT, OPT_SERIAL, OPT_HOLDER, OPT_HOLDER_ORG, OPT_CERT_EXPIRES,
	OPT_CARD_ISSUED, OPT_RENEWALS, OPT_SELF_RENEWALS, OPT_LOCKED, OPT_PASSCODE_CHANGED,
	OPT_CONTACT, OPT_TAC, OPT_TAC_PERIOD, OPT_PASSCODE_LENGTH, OPT_ACTOR, OPT_ACTOR_ROLE,
	OPT_ACTOR_ORG, OPT_LOCUM, OPT_SPONSOR, OPT_RA_AGENT, OPT_JSON, OPT_HELP,
};

static const struct option options[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "at", required_argument, NULL, OPT_AT },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "holder", required_argument, NULL, OPT_HOLDER },
	{ "holder-org", required_argument, NULL, OPT_HOLDER_ORG },
	{ "cert-expires", required_argument, NULL, OPT_CERT_EXPIRES },
	{ "card-issued", required_argument, NULL, OPT_CARD_ISSUED },
	{ "renewals", required_argument, NULL, OPT_RENEWALS },
	{ "self-renewals", required_argument, NULL, OPT_SELF_RENEWALS },
	{ "locked", no_argument, NULL, OPT_LOCKED },
	{ "passcode-changed", required_argument, NULL, OPT_PASSCODE_CHANGED },
	{ "contact", required_argument, NULL, OPT_CONTACT },
	{ "tac", no_argument, NULL, OPT_TAC },
	{ "tac-period", required_argument, NULL, OPT_TAC_PERIOD },
	{ "passcode-length", required_argument, NULL, OPT_PASSCODE_LENGTH },
	{ "actor", required_argument, NULL, OPT_ACTOR },
	{ "actor-role", required_argument, NULL, OPT_ACTOR_ROLE },
	{ "actor-org", required_argument, NULL, OPT_ACTOR_ORG },
	{ "locum", no_argument, NULL, OPT_LOCUM },
	{ "sponsor", required_argument, NULL, OPT_SPONSOR },
	{ "ra-agent", required_argument, NULL, OPT_RA_AGENT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int
bad_value(const char *opt, const char *value, const char *want)
{
	fprintf(stderr, "carecard-policy explain: --%s '%s': expected %s\n", opt, value, want);
	return -1;
}

static int
parse_count(const char *opt, const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v > 100000)
		return bad_value(opt, s, "a number");
	*out = (unsigned)v;
	return 0;
}

static int
parse_contact(const char *s, unsigned *set)
{
	if (strcmp(s, "email") == 0)
		*set |= POL_CONTACT_EMAIL;
	else if (strcmp(s, "mobile") == 0)
		*set |= POL_CONTACT_MOBILE;
	else if (strcmp(s, "photo") == 0)
		*set |= POL_CONTACT_PHOTO;
	else
		return bad_value("contact", s, "email, mobile or photo");
	return 0;
}

/* One option into @ex; -1 on a bad value, 1 for --help. */
static int
take_option(struct explain *ex, int c, const char *arg)
{
	unsigned v;

	switch (c) {
	case OPT_POLICY:		ex->policy = arg; return 0;
	case OPT_AT:			ex->at = arg; return 0;
	case OPT_SERIAL:		ex->card.serial = arg; return 0;
	case OPT_HOLDER:		ex->card.holder_id = arg; return 0;
	case OPT_CERT_EXPIRES:		ex->cert_expires = arg; return 0;
	case OPT_CARD_ISSUED:		ex->card_issued = arg; return 0;
	case OPT_LOCKED:		ex->card.locked = true; return 0;
	case OPT_PASSCODE_CHANGED:	ex->passcode_changed = arg; return 0;
	case OPT_TAC:			ex->card.tac = true; return 0;
	case OPT_TAC_PERIOD:		ex->tac_period = arg; return 0;
	case OPT_ACTOR:			ex->actor.person_id = arg; ex->have_actor = true; return 0;
	case OPT_ACTOR_ORG:		ex->actor.org = arg; ex->have_actor = true; return 0;
	case OPT_LOCUM:			ex->actor.locum = true; ex->have_actor = true; return 0;
	case OPT_SPONSOR:		ex->sponsor = arg; return 0;
	case OPT_RA_AGENT:		ex->ra_agent = arg; return 0;
	case OPT_JSON:			ex->json = true; return 0;
	case OPT_HELP:			return 1;
	case OPT_RENEWALS:		return parse_count("renewals", arg, &ex->card.renewals);
	case OPT_SELF_RENEWALS:
		return parse_count("self-renewals", arg, &ex->card.self_renewals);
	case OPT_CONTACT:		return parse_contact(arg, &ex->card.contacts);
	case OPT_PASSCODE_LENGTH:
		if (parse_count("passcode-length", arg, &v) != 0)
			return -1;
		ex->passcode_length = (long)v;
		return 0;
	case OPT_HOLDER_ORG:
		if (ex->card.norgs == POL_HOLDER_ORGS_MAX)
			return bad_value("holder-org", arg, "at most 8 organisations");
		ex->card.orgs[ex->card.norgs++] = arg;
		return 0;
	case OPT_ACTOR_ROLE:
		if ((v = pol_role_parse(arg)) == 0)
			return bad_value("actor-role", arg,
					 "ra-agent, ra-manager, sponsor, lsa or pharmacist");
		ex->actor.roles |= v;
		ex->have_actor = true;
		return 0;
	default:
		return -1;
	}
}

/* Resolve the dates (relative ones against --at). */
static int
resolve_dates(struct explain *ex, int64_t *now)
{
	*now = (int64_t)time(NULL);
	if (ex->at != NULL && cli_date_parse(ex->at, *now, now) != 0)
		return bad_value("at", ex->at, "a date");
	if (ex->cert_expires != NULL &&
	    cli_date_parse(ex->cert_expires, *now, &ex->card.cert_not_after) != 0)
		return bad_value("cert-expires", ex->cert_expires, "a date");
	if (ex->card_issued != NULL &&
	    cli_date_parse(ex->card_issued, *now, &ex->card.card_issued_at) != 0)
		return bad_value("card-issued", ex->card_issued, "a date");
	if (ex->passcode_changed != NULL &&
	    cli_date_parse(ex->passcode_changed, *now, &ex->card.passcode_changed_at) != 0)
		return bad_value("passcode-changed", ex->passcode_changed, "a date");
	return 0;
}

static void
json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

struct row {
	const char *name;
	struct pol_decision d;
};

#define MAX_ROWS 8

static void
print_json(const struct explain *ex, const struct pol_policy *pol, int64_t now,
	   const struct row *rows, unsigned nrows, const struct pol_due *due)
{
	unsigned i;

	printf("{\"policy\": ");
	json_string(stdout, pol->source);
	printf(", \"at\": %lld, \"serial\": ", (long long)now);
	json_string(stdout, ex->card.serial);
	printf(",\n \"decisions\": [");
	for (i = 0; i < nrows; i++) {
		printf("%s\n  {\"decision\": \"%s\", \"allow\": %s, \"rule\": ", i ? "," : "",
		       rows[i].name, rows[i].d.allow ? "true" : "false");
		json_string(stdout, rows[i].d.rule);
		printf(", \"sentence\": ");
		json_string(stdout, rows[i].d.sentence);
		printf("}");
	}
	printf("],\n \"due\": [");
	for (i = 0; i < due->n; i++) {
		printf("%s\n  {\"rule\": ", i ? "," : "");
		json_string(stdout, due->item[i].rule);
		printf(", \"sentence\": ");
		json_string(stdout, due->item[i].sentence);
		printf("}");
	}
	printf("]}\n");
}

static void
print_table(const struct explain *ex, const struct pol_policy *pol, int64_t now,
	    const struct row *rows, unsigned nrows, const struct pol_due *due)
{
	char at[64], roles[96];
	time_t t = (time_t)now;
	unsigned i;

	strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("policy:  %s\n", pol->source);
	printf("card:    %s%s on %s\n", ex->card.serial != NULL ? ex->card.serial : "(no serial)",
	       ex->card.tac ? " (TAC)" : "", at);
	printf("actor:   %s at %s%s%s\n\n", pol_roles_text(ex->actor.roles, false, roles, sizeof(roles)),
	       ex->actor.org != NULL ? ex->actor.org : "(no organisation)",
	       ex->actor.locum ? " (locum)" : "", ex->have_actor ? "" : " (default actor)");
	printf("%-20s %-6s %-45s %s\n", "DECISION", "RESULT", "RULE", "WHY");
	for (i = 0; i < nrows; i++)
		printf("%-20s %-6s %-45s %s\n", rows[i].name, rows[i].d.allow ? "allow" : "deny",
		       rows[i].d.rule, rows[i].d.sentence);
	printf("\nDUE\n");
	if (due->n == 0)
		printf("  nothing\n");
	for (i = 0; i < due->n; i++)
		printf("  %-40s %s\n", due->item[i].rule, due->item[i].sentence);
}

static unsigned
decide_all(struct explain *ex, const struct pol_policy *pol, int64_t now, struct row *rows)
{
	struct pol_actor sponsor = { ex->sponsor, POL_ROLE_SPONSOR, NULL, false };
	struct pol_actor agent = { ex->ra_agent, POL_ROLE_RA_AGENT, NULL, false };
	int64_t period = pol->tac.max_activation;
	unsigned n = 0;

	rows[n].name = "self-renew";
	pol_decide_self_renew(pol, &ex->card, now, &rows[n++].d);
	rows[n].name = "assisted-renew";
	pol_decide_assisted_renew(pol, &ex->card, &ex->actor, now, &rows[n++].d);
	rows[n].name = "repair";
	pol_decide_repair(pol, &ex->card, &ex->actor, now, &rows[n++].d);
	rows[n].name = "unlock";
	pol_decide_unlock(pol, &ex->card, &ex->actor, &rows[n++].d);
	rows[n].name = "self-service-unlock";
	pol_decide_self_unlock(pol, &ex->card, &rows[n++].d);
	if (ex->passcode_length >= 0) {
		rows[n].name = "passcode";
		pol_decide_passcode(pol, (size_t)ex->passcode_length, &rows[n++].d);
	}
	if (ex->card.tac) {
		if (ex->tac_period != NULL)
			pol_duration_parse(ex->tac_period, &period);	/* checked earlier */
		rows[n].name = "tac-activate";
		pol_decide_tac_activate(pol, &ex->card, &ex->actor, period, &rows[n++].d);
	}
	if (ex->sponsor != NULL || ex->ra_agent != NULL) {
		rows[n].name = "issue";
		pol_decide_issue(pol, ex->card.holder_id, ex->sponsor ? &sponsor : NULL,
				 ex->ra_agent ? &agent : NULL, &rows[n++].d);
	}
	return n;
}

int
cli_explain(int argc, char **argv)
{
	struct explain ex = { .passcode_length = -1 };
	struct pol_policy *pol = NULL;
	struct row rows[MAX_ROWS];
	struct pol_due due;
	int64_t now, period;
	unsigned nrows;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if ((r = take_option(&ex, c, optarg)) != 0) {
			fputs(explain_help, r > 0 ? stdout : stderr);
			return r > 0 ? CLI_OK : CLI_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "carecard-policy explain: unexpected argument '%s'\n", argv[optind]);
		return CLI_USAGE;
	}
	if (resolve_dates(&ex, &now) != 0)
		return CLI_USAGE;
	if (ex.tac_period != NULL && pol_duration_parse(ex.tac_period, &period) != POL_OK) {
		bad_value("tac-period", ex.tac_period, "a duration such as 7d");
		return CLI_USAGE;
	}
	if (!ex.have_actor || ex.actor.roles == 0) {
		ex.actor.roles = ex.actor.roles ? ex.actor.roles : POL_ROLE_RA_AGENT;
		if (ex.actor.org == NULL && ex.card.norgs > 0)
			ex.actor.org = ex.card.orgs[0];
	}
	if ((pol = cli_policy_load(ex.policy)) == NULL)
		return CLI_INVALID;
	nrows = decide_all(&ex, pol, now, rows);
	pol_due(pol, &ex.card, now, &due);
	if (ex.json)
		print_json(&ex, pol, now, rows, nrows, &due);
	else
		print_table(&ex, pol, now, rows, nrows, &due);
	pol_policy_free(pol);
	return CLI_OK;
}
