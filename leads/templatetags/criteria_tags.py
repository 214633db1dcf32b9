"""The qualified queue's rows and small figures of the criteria pages, built in Python.

Rows are built like lead_tables' (a template costs ~0.3 ms per row, most of a 50-row page); every
value passes through html.escape before the one mark_safe.
"""

from html import escape
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from leads.models.criteria import rule_outcomes

register = template.Library()
MISSED = {"failed": ("x-circle", "not met"), "unknown": ("question-circle", "unknown")}


@register.filter
def percent(share: float | None) -> str:
    """0.4567 → "46%"; no figure (nothing handed off yet) → "–"."""
    return "–" if share is None else f"{share * 100:.0f}%"


@register.simple_tag
def qualified_rows(leads, rules: dict[int, list], back: str = "") -> SafeString:
    """`rules`: the rules of each version that evaluated a row (rules_of_versions); `back`: the
    queue's address with its filters, where "Hand off" returns to."""
    paths = escape(reverse("leads:list")), escape(reverse("leads:companies"))
    zone = timezone.get_current_timezone()
    then = escape(f"?{urlencode({'next': back})}") if back else ""
    return mark_safe("".join(_row(lead, rules, paths, zone, then) for lead in leads))  # noqa: S308 -- every value escaped


def _row(lead: dict, rules: dict[int, list], paths: tuple[str, str], zone, then: str = "") -> str:
    """One row from a qualified_queue dict."""
    lead_path, company_path = paths
    name = f"{lead['first_name']} {lead['last_name']}".strip()
    label = escape(name or lead["email"] or lead["external_id"])
    person = f'<a class="fw-semibold" href="{lead_path}{lead["id"]}/">{label}</a>'
    if lead["email"] and name:
        person += f'<div class="small text-secondary">{escape(lead["email"])}</div>'
    if lead["company_id"]:
        company = f'<a href="{company_path}{lead["company_id"]}/">{escape(lead["company__name"])}</a>'
    else:
        company = escape(lead["company_name"])
    fit = "–" if lead["fit_score"] is None else int(lead["fit_score"])
    number = lead["criteria_version__number"]
    version = f"v{int(number)}" if number is not None else "–"
    qualified = "–"
    if lead["qualified_at"] is not None:
        at = lead["qualified_at"].astimezone(zone)
        qualified = f'<time datetime="{at.isoformat()}">{at.day} {at:%b %Y}</time>'
    # data-label: on a phone the row becomes a card, each figure under its name (see app.css).
    cells = [
        f'<td class="lead-cell">{person}</td>',
        f'<td class="company-cell">{company}</td>',
        f'<td class="text-end tabular fw-semibold" data-label="Fit">{fit}</td>',
        f'<td class="text-end tabular" data-label="Engagement">{float(lead["engagement_score"]):.1f}</td>',
        f'<td class="tabular" data-label="Criteria">{version}</td>',
        f'<td class="text-nowrap" data-label="Qualified">{qualified}</td>',
        f'<td class="reasons-cell">{_reasons(_outcomes(lead, rules))}</td>',
        f'<td class="actions-cell"><a class="btn btn-sm btn-primary text-nowrap" aria-label="Hand off {label}" '
        f'href="{lead_path}{lead["id"]}/hand-off/{then}"><i class="bi bi-send me-1" aria-hidden="true"></i>'
        "Hand off</a></td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _outcomes(lead: dict, rules: dict[int, list]) -> list[dict] | None:
    """The row's stored evaluation as outcomes, or None when the lead has none."""
    if lead["evaluation__version_id"] is None:
        return None
    return rule_outcomes(rules.get(lead["evaluation__version_id"], ()), lead["evaluation__results"],
                         lead["evaluation__reasons"])  # fmt: skip


def _reasons(outcomes: list[dict] | None) -> str:
    """Held rules as badges; failed and unknown ones after them, muted, each with its reason on hover."""
    if outcomes is None:
        return '<span class="small text-secondary">Not evaluated yet</span>'
    if not outcomes:
        return '<span class="small text-secondary">No rules to meet</span>'
    held = [
        f'<span class="badge reason-badge" title="{escape(o["reason"])}">'
        f'<i class="bi bi-check2 me-1" aria-hidden="true"></i>{escape(o["rule"])}</span>'
        for o in outcomes
        if o["result"] == "held"
    ]
    missed = []
    for o in outcomes:
        if o["result"] in MISSED:
            icon, said = MISSED[o["result"]]
            missed.append(
                f'<span class="reason-missed" title="{escape(o["reason"])}"><i class="bi bi-{icon} me-1" '
                f'aria-hidden="true"></i><span class="visually-hidden">{said}: </span>{escape(o["rule"])}</span>'
            )
    html = "".join(held)
    if missed:
        html += f'<div class="reasons-missed small">{"".join(missed)}</div>'
    return html
