/*
 * Unit tests: the registry records of the card operations — card rows
 * (insert and update in one call), the card-operation journal (one open
 * entry per card, its states), "was any card ever issued" for bootstrap,
 * a card's valid certificates, and the operator's roles and positions.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ca/core/error.h"
#include "ca/registry/registry-ra.h"
#include "policy/policy.h"
#include "ca/registry/registry-cards.h"
#include "ca/registry/registry.h"
#include "tests/unit/reg-fixture.h"

#define CARD "0412345678901234"
#define HOLDER "200000000002"

/* The fixture's registry with the holder the cards belong to. */
static int
setup(void **state)
{
	struct ca_person p = { HOLDER, "Bob Holder", NULL, NULL };

	if (reg_fx_setup(state) != 0)
		return -1;
	return ca_reg_person_add(((struct reg_fixture *)*state)->reg, &p) == CA_OK ? 0 : -1;
}

static void
test_card_put_inserts_then_updates(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_card_rec in = { CARD, "issued", HOLDER, 0, 1000, 2, 1 }, out = { 0 };

	assert_int_equal(ca_reg_card_get(fx->reg, CARD, &out), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_card_put(fx->reg, &in), CA_OK);
	assert_int_equal(ca_reg_card_get(fx->reg, CARD, &out), CA_OK);
	assert_string_equal(out.state, "issued");
	assert_string_equal(out.holder, HOLDER);
	assert_int_equal(out.issued_at, 1000);
	assert_int_equal(out.renewals, 2);
	assert_int_equal(out.self_renewals, 1);
	ca_card_rec_clear(&out);
	in.state = "cancelled";
	in.holder = NULL;
	assert_int_equal(ca_reg_card_put(fx->reg, &in), CA_OK);
	assert_int_equal(ca_reg_card_get(fx->reg, CARD, &out), CA_OK);
	assert_string_equal(out.state, "cancelled");
	assert_null(out.holder);
	ca_card_rec_clear(&out);
	in.serial = "0";
	assert_int_equal(ca_reg_card_put(fx->reg, &in), CA_ERR_USAGE);
}

static void
test_journal_one_open_entry_per_card(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_card_op op = { 0 };
	int64_t id = 0, id2 = 0;

	assert_int_equal(ca_reg_card_op_open(fx->reg, CARD, &op), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_card_op_start(fx->reg, CARD, "renew", HOLDER, NULL, NULL, 5, &id),
			 CA_OK);
	/* A second open entry for the same card is refused by the index. */
	assert_int_equal(ca_reg_card_op_start(fx->reg, CARD, "issue-card", HOLDER, NULL, NULL, 6,
					      &id2), CA_ERR_EXISTS);
	assert_int_equal(ca_reg_card_op_open(fx->reg, CARD, &op), CA_OK);
	assert_int_equal(op.id, id);
	assert_string_equal(op.op, "renew");
	assert_string_equal(op.state, "pending");
	ca_card_op_clear(&op);
	assert_int_equal(ca_reg_card_op_set(fx->reg, id, "committed", 7), CA_OK);
	assert_int_equal(ca_reg_card_op_open(fx->reg, CARD, &op), CA_OK);
	assert_string_equal(op.state, "committed");
	ca_card_op_clear(&op);
	assert_int_equal(ca_reg_card_op_set(fx->reg, id, "done", 8), CA_OK);
	assert_int_equal(ca_reg_card_op_open(fx->reg, CARD, &op), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_card_op_start(fx->reg, CARD, "renew", HOLDER, NULL, NULL, 9, &id2),
			 CA_OK);
	assert_int_equal(ca_reg_card_op_set(fx->reg, id2 + 100, "done", 8), CA_ERR_NOT_FOUND);
	/* The CHECK constraint on states. */
	assert_int_equal(ca_reg_card_op_set(fx->reg, id2, "bogus", 8), CA_ERR_USAGE);
}

static void
test_any_issued_for_bootstrap(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_card_rec blank = { CARD, "blank", NULL, 1, 0, 0, 0 };
	struct ca_card_rec issued = { CARD, "issued", HOLDER, 0, 42, 0, 0 };
	bool any = true;

	assert_int_equal(ca_reg_cards_any_issued(fx->reg, &any), CA_OK);
	assert_false(any);
	assert_int_equal(ca_reg_card_put(fx->reg, &blank), CA_OK);	/* a blank TAC */
	assert_int_equal(ca_reg_cards_any_issued(fx->reg, &any), CA_OK);
	assert_false(any);
	assert_int_equal(ca_reg_card_put(fx->reg, &issued), CA_OK);
	assert_int_equal(ca_reg_cards_any_issued(fx->reg, &any), CA_OK);
	assert_true(any);
}

static void
add_cert(struct reg_fixture *fx, const char *serial, int64_t nb, const char *profile)
{
	unsigned char der[1] = { 0x30 };
	struct ca_cert_rec c = { (char *)serial, CARD, HOLDER, (char *)profile,
				 (char *)profile, nb, nb + 100, 0, 0, CA_CERT_VALID, 0, 0,
				 der, 1 };

	assert_int_equal(ca_reg_cert_add(fx->reg, &c), CA_OK);
}

static void
test_card_certs_valid_newest_first(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_card_rec issued = { CARD, "issued", HOLDER, 0, 42, 0, 0 };
	struct ca_cert_rec certs[CA_CARD_CERTS_MAX];
	size_t n = 99, i;

	assert_int_equal(ca_reg_card_put(fx->reg, &issued), CA_OK);
	add_cert(fx, "A1", 10, "authentication");
	add_cert(fx, "A2", 20, "authentication");
	add_cert(fx, "S2", 20, "signing");
	assert_int_equal(ca_reg_cert_revoke(fx->reg, "A1", 4, 30), CA_OK);
	assert_int_equal(ca_reg_card_certs(fx->reg, CARD, certs, CA_CARD_CERTS_MAX, &n), CA_OK);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_int_equal(certs[i].not_before, 20);
		assert_int_equal(certs[i].status, CA_CERT_VALID);
		ca_cert_rec_clear(&certs[i]);
	}
	assert_int_equal(ca_reg_card_certs(fx->reg, "0499", certs, CA_CARD_CERTS_MAX, &n), CA_OK);
	assert_int_equal(n, 0);
}

static void
test_operator_roles_and_positions(void **state)
{
	struct reg_fixture *fx = *state;
	struct ca_op_position pos;
	char orgs[4][16];
	unsigned roles = 99;
	size_t n = 0;

	assert_int_equal(ca_reg_person_roles(fx->reg, HOLDER, &roles), CA_OK);
	assert_int_equal(roles, 0);
	assert_int_equal(ca_reg_operator_position(fx->reg, HOLDER, NULL, &pos), CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_ra_role_add(fx->reg, HOLDER, "lsa"), CA_OK);
	assert_int_equal(ca_reg_ra_role_add(fx->reg, HOLDER, "sponsor"), CA_OK);
	reg_fx_sql(fx, "INSERT INTO organisations VALUES ('FA123', 'Pharmacy', 0),"
		" ('LOC01', 'Locums', 1);"
		"INSERT INTO positions (person, role, org) VALUES"
		" ('" HOLDER "', 'pharmacist', 'LOC01'),"
		" ('" HOLDER "', 'dispenser', 'FA123');");
	assert_int_equal(ca_reg_person_roles(fx->reg, HOLDER, &roles), CA_OK);
	assert_int_equal(roles, POL_ROLE_LSA | POL_ROLE_SPONSOR);
	assert_int_equal(ca_reg_operator_position(fx->reg, HOLDER, NULL, &pos), CA_OK);
	assert_string_equal(pos.org, "LOC01");		/* the first position */
	assert_string_equal(pos.role, "pharmacist");
	assert_true(pos.locum);
	assert_int_equal(ca_reg_operator_position(fx->reg, HOLDER, "FA123", &pos), CA_OK);
	assert_string_equal(pos.role, "dispenser");
	assert_false(pos.locum);
	assert_int_equal(ca_reg_operator_position(fx->reg, HOLDER, "FB999", &pos),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_reg_holder_orgs(fx->reg, HOLDER, orgs, 4, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(orgs[0], "FA123");
	assert_string_equal(orgs[1], "LOC01");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, reg_fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_card_put_inserts_then_updates),
		T(test_journal_one_open_entry_per_card),
		T(test_any_issued_for_bootstrap),
		T(test_card_certs_valid_newest_first),
		T(test_operator_roles_and_positions),
	};
#undef T

	return cmocka_run_group_tests_name("ca-card-registry", tests, NULL, NULL);
}
