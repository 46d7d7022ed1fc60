"""One UPDATE for many rows that each get their own values.

Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` per field and row; for a batch of
100 fired escalations that expression tree cost ~230 ms of Python, most of the batch. On
PostgreSQL the same update is ``UPDATE … FROM (VALUES …)``, built here as plain SQL with every
value passed as a parameter (the column names come from the model, never from input). Other
databases (SQLite: development and the ward simulation, small batches) use ``bulk_update``."""

from collections.abc import Sequence

from django.db import connection, models


def rows_update(objects: Sequence[models.Model], *, fields: list[str]) -> None:
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, fields=fields)
        return
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{field.db_type(connection)}" for field in columns]
    row_sql = "(" + ", ".join(casts) + ")"
    names = ", ".join(quote(field.column) for field in [pk, *columns])
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (names from the model, values bound)
        f"FROM (VALUES {', '.join([row_sql] * len(objects))}) AS v({names}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    params = []
    for obj in objects:
        params.append(pk.get_db_prep_value(obj.pk, connection))
        params.extend(field.get_db_prep_value(getattr(obj, field.attname), connection) for field in columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
