"""Ward simulation (issue 14): synthetic suspected-GBS courses replayed through the real services
under a virtual clock, and what reached people. `manage.py simulate`; docs/simulation.md.

- cohort: the synthetic courses (true FVC/NIF/MRC trajectories, findings, staff behaviour), seeded.
- clock: the discrete-event scheduler that stands in for time.
- broker: the virtual broker behind notifications.dispatch (timers, deliveries) and the beat.
- ward: what staff do (bedside entries, orders, acknowledgements, answers to pages).
- runner: one run of a cohort on a throwaway database.
- outcomes: what reached people, read back from the database.
- report: the table, JSON and plots.
"""
