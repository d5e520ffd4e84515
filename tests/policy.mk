# tests owned by the policy work; appends to TESTS
