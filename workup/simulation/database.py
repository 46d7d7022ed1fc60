"""A throwaway database for a run: Django's test database for the configured one (SQLite: in
memory; PostgreSQL: test_<name>), created and migrated here and dropped afterwards. The database
the app runs on is never opened for writing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.test.utils import setup_databases, teardown_databases


@contextmanager
def throwaway_database(*, verbosity: int = 0) -> Iterator[None]:
    old_config = setup_databases(verbosity=verbosity, interactive=False, keepdb=False, aliases={"default"})
    try:
        yield
    finally:
        teardown_databases(old_config, verbosity=verbosity)
