"""Moving the test database between migration states, for the tests of data migrations."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets: list[tuple[str, str]]):
    """Migrate to ``targets`` and return the app registry of that state (historical models)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest_except(app_target: tuple[str, str]) -> list[tuple[str, str]]:
    """Every app at its latest migration except ``app_target``'s app, at that migration."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return [node for node in executor.loader.graph.leaf_nodes() if node[0] != app_target[0]] + [app_target]


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
