"""Cross-cutting protections (issue 11): login lockout, token lifetime, response headers, the
database-unavailable answer and log redaction. Each module is one idea; docs/security.md maps
each to the threat it answers and the test that holds it."""
