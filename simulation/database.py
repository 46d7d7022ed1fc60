"""A throwaway database for a run: Django's test database for the configured one (SQLite: in
memory; PostgreSQL: test_<name>_sim<shard>, one per shard of a run with --workers), created and
migrated here and dropped afterwards. The database the app runs on is never opened for writing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from django.test.utils import setup_databases, teardown_databases


@contextmanager
def throwaway_database(*, shard: int = 0, verbosity: int = 0) -> Iterator[None]:
    settings_dict = connections["default"].settings_dict
    if settings_dict["ENGINE"] != "django.db.backends.sqlite3":
        settings_dict.setdefault("TEST", {})["NAME"] = f"test_{settings_dict['NAME']}_sim{shard}"
    old_config = setup_databases(verbosity=verbosity, interactive=False, keepdb=False, aliases={"default"})
    try:
        yield
    finally:
        teardown_databases(old_config, verbosity=verbosity)
