"""FHIR R4 views of Workup's rows: pure functions from rows to resources (plain dicts in FHIR JSON
shape), a selector that loads one workup's rows in a constant number of queries, and a thin view.
Tests validate every resource with fhir.resources' R4B classes; docs/fhir.md has the mapping."""
