# tests for the CA registration-authority operations (issue 5)
