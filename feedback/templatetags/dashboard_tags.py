"""Formatting a figure's cells for its table: numbers with separators and aligned right, a dash for
"no figure", dates and yes/no in words. The CSV file and the API keep the raw values."""

from datetime import date

from django import template

from feedback.dashboards import Figures

register = template.Library()


def _text(key: str, value) -> tuple[str, bool]:
    if value is None:
        return "–", True
    if isinstance(value, bool):
        return ("Yes" if value else "No"), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return (f"{value:,.0f}" if key.endswith("_value") else f"{value:,.1f}"), True
    if isinstance(value, date):
        return f"{value:%-d %b %Y}", False
    return str(value), False


@register.filter
def table_rows(figures: Figures) -> list[list[tuple[str, bool]]]:
    """Each row as (text, is_number) cells."""
    keys = [c.key for c in figures.columns]
    return [[_text(key, value) for key, value in zip(keys, row, strict=True)] for row in figures.rows]


@register.filter
def number(value, decimals: int = 1) -> str:
    """A headline figure: "–" when there is none (also when the template found nothing to show,
    as for an objective signed a moment ago, before its first period is measured)."""
    if value is None or value == "":
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.{decimals}f}"
