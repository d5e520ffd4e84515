# tests owned by the store work; appends to TESTS
