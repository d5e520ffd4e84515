# tests for the CA card operations (issue 5)
