"""The dashboard's figures computed again, independently, straight from the raw rows (leads, hand-offs,
outcomes, verdicts) in plain Python: no snapshot table and no code of feedback.dashboards is used.
What they must agree with is described in the functions' docstrings, in the product's words.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import Membership
from feedback.models import Outcome, QualityFeedback
from leads.models import Campaign, CriteriaVersion, HandOff, Lead

STAGES = [("New", "created_at"), ("MQL", "qualified_at"), ("Handed off", "handed_off_at"),
          ("Accepted", "accepted_at"), ("Working", "first_touch_at"), ("Opportunity", "opportunity_at"),
          ("Won", None)]  # fmt: skip
BANDS = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]


@dataclass(frozen=True)
class Ask:
    """What a figure is asked for: the org, the days, and the narrowing filters (reps: owners/receivers)."""

    org_id: int
    start: date
    end: date
    campaign: int | None = None
    source: str = ""
    reps: tuple[int, ...] | None = None


def _day(moment, zone) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


def _zone(ask: Ask):
    from accounts.models import Organization

    return Organization.objects.get(pk=ask.org_id).zone


def _lead_matches(lead: Lead, ask: Ask, *, owner: bool = True) -> bool:
    if ask.campaign is not None and lead.campaign_id != ask.campaign:
        return False
    if ask.source and lead.source != ask.source:
        return False
    return not (owner and ask.reps is not None and lead.owner_id not in ask.reps)


def _one_decimal(value: Decimal) -> float:
    """Halves up, as a person rounds."""
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def rate(part, whole):
    return _one_decimal(Decimal(100 * part) / whole) if whole else None


def average(values: list) -> float | None:
    return _one_decimal(Decimal(sum(values)) / len(values)) if values else None


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours(seconds):
    return None if seconds is None else _one_decimal(Decimal(str(seconds)) / 3600)


def funnel(ask: Ask) -> list[list]:
    """Leads that entered each stage on a day of the period (by the lead's stage time), owned now by the reps."""
    zone = _zone(ask)
    counts = dict.fromkeys((label for label, _ in STAGES), 0)
    for lead in Lead.objects.filter(org_id=ask.org_id):
        if not _lead_matches(lead, ask):
            continue
        for label, stamp in STAGES:
            if stamp is None:  # won: the day it closed, when it closed as won
                moment = lead.closed_at if lead.status == Lead.Status.WON else None
            else:
                moment = getattr(lead, stamp)
            day = _day(moment, zone)
            if day is not None and ask.start <= day <= ask.end:
                counts[label] += 1
    values = list(counts.values())
    return [[label, n, rate(n, values[i - 1]) if i else None] for i, (label, n) in enumerate(counts.items())]


def _handoffs(ask: Ask, *, start=None, end=None) -> list[HandOff]:
    zone = _zone(ask)
    found = []
    for handoff in HandOff.objects.filter(org_id=ask.org_id).select_related("lead"):
        day = _day(handoff.handed_off_at, zone)
        if not ((start or ask.start) <= day <= (end or ask.end)):
            continue
        if not _lead_matches(handoff.lead, ask, owner=False):
            continue
        if ask.reps is not None and handoff.rep_id not in ask.reps:
            continue
        found.append(handoff)
    return found


def _worked(handoff: HandOff) -> bool:
    return handoff.accepted_at is not None and handoff.first_touch_seconds is not None


def acceptance(ask: Ask) -> list[list]:
    """Hand-offs made in the period: answered, accepted, rejected per reason, accepted ones worked."""
    handoffs = _handoffs(ask)
    answered = [h for h in handoffs if h.accepted_at or h.rejected_at]
    accepted = [h for h in handoffs if h.accepted_at]
    worked = [h for h in accepted if _worked(h)]
    rows = [
        ["Handed off", len(handoffs), None, ""],
        ["Answered", len(answered), rate(len(answered), len(handoffs)), "handed off"],
        ["Accepted", len(accepted), rate(len(accepted), len(answered)), "answered"],
    ]
    for value, label in HandOff.RejectReason.choices:
        n = sum(1 for h in handoffs if h.rejected_at and h.reject_reason == value)
        rows.append([f"Rejected: {label.lower()}", n, rate(n, len(answered)), "answered"])
    rows.append(["Accepted and worked", len(worked), rate(len(worked), len(accepted)), "accepted"])
    return rows


def timings(ask: Ask) -> list[list]:
    """Median and 90th percentile of the business time to answer and, for accepted leads, to first touch."""
    handoffs = _handoffs(ask)
    answers = [h.response_seconds for h in handoffs if h.response_seconds is not None]
    touches = [h.first_touch_seconds for h in handoffs if h.accepted_at and h.first_touch_seconds is not None]
    return [
        ["Answer (accept or reject)", hours(percentile(answers, 0.5)), hours(percentile(answers, 0.9)), len(answers)],
        ["First touch after accepting", hours(percentile(touches, 0.5)), hours(percentile(touches, 0.9)), len(touches)],
    ]


def close_rates(ask: Ask, by: str) -> list[list]:
    """Leads won and lost on a day of the period, grouped; most closed first, then by name."""
    zone = _zone(ask)
    names = {c.pk: c.name for c in Campaign.objects.filter(org_id=ask.org_id)}
    numbers = {v.pk: v.number for v in CriteriaVersion.objects.filter(org_id=ask.org_id)}
    values = dict(Outcome.objects.filter(org_id=ask.org_id).values_list("lead_id", "won_value"))
    groups: dict[str, list] = {}
    for lead in Lead.objects.filter(org_id=ask.org_id, status__in=[Lead.Status.WON, Lead.Status.LOST]):
        day = _day(lead.closed_at, zone)
        if not (ask.start <= day <= ask.end) or not _lead_matches(lead, ask):
            continue
        key = {
            "source": lead.source or "(no source)",
            "campaign": names.get(lead.campaign_id, "(no campaign)"),
            "version": f"Version {numbers[lead.criteria_version_id]}" if lead.criteria_version_id else "(no version)",
        }[by]
        group = groups.setdefault(key, [0, 0, 0.0])
        if lead.status == Lead.Status.WON:
            group[0] += 1
            group[2] += float(values.get(lead.pk) or 0)
        else:
            group[1] += 1
    rows = [[k, w, lost, rate(w, w + lost), v] for k, (w, lost, v) in groups.items()]
    return sorted(rows, key=lambda r: (-(r[1] + r[2]), r[0]))


def mql(ask: Ask, *, this_month: date, last_month: date) -> list[list]:
    """Per month (the month before in full, the end's month up to the end): MQLs by qualified day, and of
    the hand-offs made that month: how many, accepted of answered, average fit at hand-off, average verdict."""
    zone = _zone(ask)
    months = []
    for start, end in ((last_month, date.fromordinal(this_month.toordinal() - 1)), (this_month, ask.end)):
        mqls = sum(
            1 for lead in Lead.objects.filter(org_id=ask.org_id)
            if _lead_matches(lead, ask) and lead.qualified_at and start <= _day(lead.qualified_at, zone) <= end
        )  # fmt: skip
        handoffs = _handoffs(ask, start=start, end=end)
        answered = [h for h in handoffs if h.accepted_at or h.rejected_at]
        accepted = [h for h in handoffs if h.accepted_at]
        fits = [h.brief.get("fit_score") for h in handoffs if h.brief.get("fit_score") is not None]
        verdicts = []
        for h in handoffs:
            marks = list(QualityFeedback.objects.filter(handoff=h).values_list("fit", flat=True))
            if marks:
                verdicts.append(int((Decimal(sum(marks)) / len(marks)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        months.append((mqls, len(handoffs), rate(len(accepted), len(answered)), average(fits), average(verdicts)))
    labels = ["MQLs", "Handed off", "Accepted by sales (%)", "Fit score at hand-off (average)",
              "Fit rated by reps (1-5, average)"]  # fmt: skip
    return [[label, months[0][n], months[1][n]] for n, label in enumerate(labels)]


def reps(ask: Ask, *, active_reps: list[Membership]) -> list[list]:
    """Per rep who received hand-offs in the period, and every active sales rep in scope: the leaderboard."""
    handoffs = _handoffs(ask)
    people = {m.pk: m for m in active_reps}
    for handoff in handoffs:
        people.setdefault(handoff.rep_id, handoff.rep)
    rows = []
    for pk, member in people.items():
        if ask.reps is not None and pk not in ask.reps:
            continue
        mine = [h for h in handoffs if h.rep_id == pk]
        accepted = [h for h in mine if h.accepted_at]
        rejected = [h for h in mine if h.rejected_at]
        won = [h for h in accepted if h.lead.status == Lead.Status.WON]
        lost = [h for h in accepted if h.lead.status == Lead.Status.LOST]
        answers = [h.response_seconds for h in mine if h.response_seconds is not None]
        touches = [h.first_touch_seconds for h in accepted if h.first_touch_seconds is not None]
        rows.append([
            member.user.full_name or member.user.email, len(mine), len(accepted), len(rejected),
            rate(len(accepted), len(accepted) + len(rejected)), hours(percentile(answers, 0.5)),
            hours(percentile(touches, 0.5)), rate(sum(1 for h in accepted if _worked(h)), len(accepted)),
            len(won), len(lost), rate(len(won), len(won) + len(lost)),
        ])  # fmt: skip
    return sorted(rows, key=lambda r: (-r[8], -r[1], r[0]))


def calibration(ask: Ask, versions: list[CriteriaVersion]) -> list[list]:
    """Per version (newest first as given) and fit band of the score at hand-off: answers and outcomes."""
    handoffs = _handoffs(ask)
    rows = []
    for version in versions:
        for low, high in BANDS:
            mine = [
                h
                for h in handoffs
                if h.brief.get("criteria_version_id") == version.pk
                and h.brief.get("fit_score") is not None
                and low <= h.brief["fit_score"] <= high
            ]
            answered = [h for h in mine if h.accepted_at or h.rejected_at]
            accepted = [h for h in mine if h.accepted_at]
            closed = [h for h in accepted if h.lead.status in (Lead.Status.WON, Lead.Status.LOST)]
            won = [h for h in closed if h.lead.status == Lead.Status.WON]
            rows.append(
                [
                    f"Version {version.number}",
                    f"{low}–{high}",
                    len(mine),
                    len(answered),
                    len(accepted),
                    rate(len(accepted), len(answered)),
                    len(closed),
                    len(won),
                    rate(len(won), len(closed)),
                ]
            )
    return rows
