# tests owned by the ca work; appends to TESTS
