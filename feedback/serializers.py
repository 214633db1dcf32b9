"""API shapes of the meeting packs (GET /api/v1/reports/...): the filters a request may send and the
answers, documented for the OpenAPI schema.

A report table reads like its CSV file: the same rows (without the page's heading rows), the same
raw values, typed for JSON (numbers stay numbers, days are ISO dates, money is a number). Each
column has a stable key, its label as the page and the CSV name it, and its kind (count, percent,
money, ...); each row is an object keyed by column.
"""

from datetime import date
from decimal import Decimal

from django.http import QueryDict
from rest_framework import serializers

from accounts.models import Membership
from feedback.models import CheckInNote
from feedback.periods import Month, Quarter
from feedback.report_forms import VoiceOfSalesFilter
from feedback.reports.tables import Table
from leads.selectors import campaign_choices
from smarketing.errors import DomainError

# The check-in table's rows carry their level (campaign or content) and best/worst flag, as its CSV does.
MARKS = [("level", "Level", "campaign or asset"), ("flag", "Best or worst", "best, worst or empty")]


def _json(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_data(table: Table, *, marks: bool = False) -> dict:
    """A report table as the API sends it; `marks` adds each row's level and best/worst flag."""
    keys = [c.key for c in table.columns]
    columns = [{"key": key, "label": c.label, "kind": c.kind} for key, c in zip(keys, table.columns, strict=True)]
    rows = []
    for row in table.data_rows:
        record = {"level": row.level, "flag": row.flag} if marks else {}
        rows.append(record | {key: _json(value) for key, value in zip(keys, row.values, strict=True)})
    if marks:
        columns = [{"key": key, "label": label, "kind": "text"} for key, label, _ in MARKS] + columns
    return {"name": table.name, "title": table.title, "note": table.note, "columns": columns, "rows": rows}


def _whole_number(params: QueryDict, name: str) -> None:
    # The page's form would read " 6" or "+6" as 6; the API's schema promises a whole number, so
    # anything else is the client's mistake and answers 400.
    value = params.get(name) or ""
    if value and not (value.isascii() and value.isdigit()):
        raise DomainError(f"{name}: Must be a whole number.", fields={name: ["Not a whole number."]})


def voice_of_sales_filters(params: QueryDict, *, member: Membership) -> tuple[int, int | None]:
    """(months, campaign id or None), read by the page's own filter form; 400 with the field when the
    page would have fallen back to a default. Another organization's campaign is refused like one that
    does not exist."""
    for name in ("months", "campaign"):
        _whole_number(params, name)
    form = VoiceOfSalesFilter(params, campaigns=campaign_choices(member))
    months, campaign, _problems = form.values()
    if form.errors:
        fields = {name: list(errors) for name, errors in form.errors.items()}
        if "campaign" in fields:
            fields["campaign"] = ["Not one of your organization's campaigns."]
        first, errors = next(iter(fields.items()))
        raise DomainError(f"{first}: {errors[0]}", fields=fields)
    return months, campaign


def month_filter(params: QueryDict, *, default: Month) -> Month:
    text = params.get("month") or ""
    if not text:
        return default
    month = Month.parse(text)
    if month is None:
        raise DomainError(f"month: Not a month like {default.param}.", fields={"month": ["Not a month like 2026-05."]})
    return month


def quarter_filter(params: QueryDict, *, default: Quarter) -> Quarter:
    text = params.get("quarter") or ""
    if not text:
        return default
    quarter = Quarter.parse(text)
    if quarter is None:
        raise DomainError(
            f"quarter: Not a quarter like {default.param}.", fields={"quarter": ["Not a quarter like 2026-Q2."]}
        )
    return quarter


def note_data(note: CheckInNote | None) -> dict | None:
    if note is None:
        return None
    by = note.updated_by
    return {
        "text": note.text,
        "updated_at": note.updated_at,
        "updated_by": {"id": by.pk, "name": by.name} if by else None,
    }


# Shapes for the schema.


class ReportColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The rows' key for this column; objection reasons are `objection:<name>`")
    label = serializers.CharField(help_text="As the page and the CSV file name it")
    kind = serializers.ChoiceField(
        choices=["text", "count", "money", "percent", "average", "day"],
        help_text="percent: 0–100, one decimal; average: one decimal; day: an ISO date; money: a number",
    )


class ReportTableSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="As in the page's CSV link (`?export=<name>`)")
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True, help_text="How the table counts, in words")
    columns = ReportColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text="One object per row, keyed by column; null where the page shows –"
    )


class PeriodMonthsSerializer(serializers.Serializer):
    first = serializers.CharField(help_text="The first month, like 2026-02")
    last = serializers.CharField(help_text="The last month (today's), like 2026-07")
    label = serializers.CharField()


class CriteriaVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()


class VoiceOfSalesTablesSerializer(serializers.Serializer):
    objections_by_month = ReportTableSerializer()
    heard_by_campaign = ReportTableSerializer()
    heard_by_asset = ReportTableSerializer(help_text="By content the lead touched before its hand-off")
    pain_points = ReportTableSerializer()
    quality_by_version = ReportTableSerializer()
    quality_by_campaign = ReportTableSerializer()
    criteria_marked_wrong = ReportTableSerializer(help_text="Of the active criteria version, with a suggested change")


class VoiceOfSalesSerializer(serializers.Serializer):
    months = serializers.IntegerField()
    period = PeriodMonthsSerializer()
    campaign = serializers.IntegerField(allow_null=True)
    rep = serializers.IntegerField(allow_null=True, help_text="A rep's own id when a rep asks: their leads only")
    criteria_version = CriteriaVersionRefSerializer(allow_null=True, help_text="The active version")
    tables = VoiceOfSalesTablesSerializer()


class MemberRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CheckInNoteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()
    updated_by = MemberRefSerializer(allow_null=True)


class CheckInSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="Like 2026-05")
    label = serializers.CharField()
    rep = serializers.IntegerField(allow_null=True, help_text="A rep's own id when a rep asks: their leads only")
    ranking_rule = serializers.CharField(help_text="How the rows flagged best and worst were chosen")
    table = ReportTableSerializer(help_text="Campaign rows, each followed by its content rows (`level`, `flag`)")
    notes = CheckInNoteSerializer(allow_null=True, help_text="The meeting's saved decisions; null when none")


class WinLossTablesSerializer(serializers.Serializer):
    loss_reasons = ReportTableSerializer()
    by_source = ReportTableSerializer()
    by_campaign = ReportTableSerializer()
    by_competitor = ReportTableSerializer()
    by_objection = ReportTableSerializer()
    by_content = ReportTableSerializer(help_text="By content the lead touched before the outcome")
    present_in_won = ReportTableSerializer()


class WinLossSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="Like 2026-Q2")
    label = serializers.CharField()
    rep = serializers.IntegerField(allow_null=True, help_text="A rep's own id when a rep asks: their deals only")
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True, help_text="Percent of the deals closed; null without deals")
    won_value = serializers.FloatField()
    lost_value = serializers.FloatField()
    tables = WinLossTablesSerializer()
