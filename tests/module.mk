# tests owned by the module work; appends to TESTS
