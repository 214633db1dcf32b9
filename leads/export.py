"""The lead list as a CSV file, streamed straight out of PostgreSQL.

The filtered query of the list page is wrapped in `COPY (...) TO STDOUT`: the database formats
every row, the view only passes bytes on, so 100,000 leads leave at the speed of COPY itself
(formatting them in Python ran at a quarter of that). Cells are made safe from formula injection
in SQL by the same rule as the CSV writer used elsewhere (defusedcsv): text starting with
= + - @ | % that is not a number gets a leading apostrophe.
"""

from collections.abc import Iterator

from django.db import connection
from django.db.models import F, QuerySet

from leads.models import Lead

# (heading, lookup, kind): kind says how the database writes the value. The headings of the fields
# a lead can be imported with are the import's own, so an exported file re-imports unchanged; the
# rest (Smarketing's id, status, scores, owner, stage times) are read-only and ignored by the import.
COLUMNS = [
    ("Smarketing ID", "id", "number"),
    ("External ID", "external_id", "text"),
    ("E-mail", "email", "text"),
    ("First name", "first_name", "text"),
    ("Last name", "last_name", "text"),
    ("Phone", "phone", "text"),
    ("Job title", "job_title", "text"),
    ("Company", "company_name", "text"),
    ("Industry", "industry", "text"),
    ("Employees", "employees", "number"),
    ("Annual revenue", "annual_revenue", "number"),
    ("Country", "country", "text"),
    ("Region", "region", "text"),
    ("Lead source", "source", "text"),
    ("Campaign", "campaign__name", "text"),
    ("Buying authority", "buying_authority", "text"),
    ("Budget", "budget", "number"),
    ("Purchase timeline", "timeline", "text"),
    ("Pain points", "pain_points", "list"),
    ("Current supplier", "current_supplier", "text"),
    ("Notes", "notes", "text"),
    ("Status", "status", "status"),
    ("Fit score", "fit_score", "number"),
    ("Engagement score", "engagement_score", "score"),
    ("Owner", "owner__user__email", "text"),
    ("Created", "created_at", "time"),
    ("Qualified", "qualified_at", "time"),
    ("Handed off", "handed_off_at", "time"),
    ("Accepted", "accepted_at", "time"),
    ("Rejected", "rejected_at", "time"),
    ("First touch", "first_touch_at", "time"),
    ("Closed", "closed_at", "time"),
]
# Rows are sent on in pieces of about this size: small enough to start the download at once.
CHUNK_BYTES = 64 * 1024
SAFE_TEXT = "CASE WHEN {c} ~ '^[-@+=|%%]' AND {c} !~ '^-?[0-9,.]+$' THEN '''' || replace({c}, '|', '\\|') ELSE {c} END"
STATUS_LABEL = "CASE {c} " + " ".join("WHEN %s THEN %s" for _ in Lead.Status.choices) + " ELSE {c} END"


def export_values() -> dict[str, F]:
    """The export's columns as `values()` arguments, named c0, c1, ... so the SQL keeps their order."""
    return {f"c{n}": F(lookup) for n, (_heading, lookup, _kind) in enumerate(COLUMNS)}


def _cell(n: int, kind: str) -> tuple[str, list]:
    column = f"r.c{n}"
    if kind == "text":
        return SAFE_TEXT.format(c=column), []
    if kind == "list":
        # The import reads pain points split at semicolons.
        return SAFE_TEXT.format(c=f"array_to_string({column}, '; ')"), []
    if kind == "time":
        return f"to_char({column} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')", ["zone"]
    if kind == "status":
        return STATUS_LABEL.format(c=column), [str(part) for choice in Lead.Status.choices for part in choice]
    if kind == "score":
        return f"round({column}::numeric, 1)", []
    return column, []


def headings(zone_name: str) -> list[str]:
    return [f"{heading} ({zone_name})" if kind == "time" else heading for heading, _lookup, kind in COLUMNS]


def stream_leads_csv(leads: QuerySet, *, zone_name: str) -> Iterator[bytes]:
    """CSV bytes (UTF-8 with a BOM, so Excel reads accents right) of `leads`, a queryset of
    `export_values()` with its filters and order, header first."""
    inner, inner_params = leads.query.sql_with_params()
    cells, params = [], []
    for n, (_heading, _lookup, kind) in enumerate(COLUMNS):
        sql, extra = _cell(n, kind)
        cells.append(sql)
        params.extend(zone_name if value == "zone" else value for value in extra)
    # The cells are fixed SQL of this module and the inner query is Django's, values bound.
    statement = f"COPY (SELECT {', '.join(cells)} FROM ({inner}) AS r) TO STDOUT WITH (FORMAT csv)"  # noqa: S608
    header = ",".join(f'"{heading}"' for heading in headings(zone_name))
    yield ("\ufeff" + header + "\n").encode()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, [*params, *inner_params]) as copy:
        pending, size = [], 0
        for row in copy:
            pending.append(row)
            size += len(row)
            if size >= CHUNK_BYTES:
                yield b"".join(pending)
                pending, size = [], 0
        if pending:
            yield b"".join(pending)
