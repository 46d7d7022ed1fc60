"""One UPDATE for many rows that each get their own values.

Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` per field and row; for a batch of
100 fired escalations that expression tree cost ~230 ms of Python, most of the batch. On
PostgreSQL the same update is ``UPDATE … FROM (VALUES …)``, built here as plain SQL with every
value passed as a parameter (the column names come from the model, never from input). Other
databases (SQLite: development and the ward simulation, small batches) use ``bulk_update``."""

from collections.abc import Sequence

from django.db import connection, models
from django.db.models import QuerySet


def rows_update(objects: Sequence[models.Model], *, fields: list[str], match: Sequence[str] = ()) -> None:
    """Set ``fields`` of each row to its object's values; with ``match``, only rows whose
    ``match`` fields still equal the object's (e.g. a token not superseded since)."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        if not match:
            model._default_manager.bulk_update(objects, fields=fields)
            return
        for obj in objects:
            model._default_manager.filter(pk=obj.pk, **{name: getattr(obj, name) for name in match}).update(
                **{name: getattr(obj, name) for name in fields}
            )
        return
    meta = model._meta
    pk = meta.pk
    matched = [meta.get_field(name) for name in match]
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    values = [pk, *matched, *columns]
    row_sql = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in values) + ")"
    names = ", ".join(quote(field.column) for field in values)
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns)
    where = " AND ".join(f"t.{quote(field.column)} = v.{quote(field.column)}" for field in [pk, *matched])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (names from the model, values bound)
        f"FROM (VALUES {', '.join([row_sql] * len(objects))}) AS v({names}) WHERE {where}"
    )
    params = [field.get_db_prep_value(getattr(obj, field.attname), connection) for obj in objects for field in values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def lock_free_rows(rows: QuerySet) -> list:
    """Lock these rows in id order, skipping any another transaction holds, and return their ids:
    a many-row UPDATE of them then neither waits on a lock nor deadlocks with a transaction that
    locks two of them in another order. Call inside a transaction."""
    return list(rows.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
