# tests owned by the integration work; appends to TESTS
