"""Rows of a few joined tables read by one plain query, made into model instances as the ORM would.

For the reads every request makes (the signed-in member, an API token): building such a query
through the ORM, select_related over three or four models, costs several times what the database
takes to answer it. The SQL is written once per process from the models' own metadata.
"""

from django.db import connection
from django.db.models import Model

Part = tuple[str, type[Model]]


def columns(parts: tuple[Part, ...]) -> str:
    """Every concrete column of each (alias, model), in field order: the select list `instances` reads."""
    return ", ".join(f'{alias}."{field.column}"' for alias, model in parts for field in model._meta.concrete_fields)


def instances(row: tuple, parts: tuple[Part, ...]) -> list[Model]:
    """One instance per part from a row selected with `columns(parts)`, with the fields' own conversions."""
    found, start = [], 0
    for _alias, model in parts:
        fields = model._meta.concrete_fields
        values = list(row[start : start + len(fields)])
        for index, field in enumerate(fields):
            for converter in field.get_db_converters(connection):
                values[index] = converter(values[index], field, connection)
        found.append(model.from_db(connection.alias, [field.attname for field in fields], values))
        start += len(fields)
    return found
