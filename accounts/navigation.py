"""The navigation: which entries each role sees, in the users' own words (SPEC section 9).

Each app adds its pages here. An entry without a capability is for every member; entries sharing
a section are shown together under that section's dropdown.
"""

from dataclasses import dataclass
from functools import cache, lru_cache

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from accounts.models import Membership
from accounts.roles import Capability, role_can


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str
    capability: Capability | None = None
    description: str = ""
    section: str = ""

    def visible_to(self, member: Membership) -> bool:
        return self.visible_to_role(member.role, member.is_active)

    def visible_to_role(self, role: str, is_active: bool) -> bool:
        # Membership.can, from the two fields it reads: the menu is cached by them.
        return self.capability is None or (is_active and role_can(role, self.capability))


SECTION_ICONS = {"Leads": "people", "Content": "collection", "Reports": "graph-up", "Organization": "building-gear"}

MAIN: list[NavEntry] = [
    NavEntry("Home", "home", "house"),
    NavEntry(
        "Inbox", "leads:inbox", "inbox", Capability.WORK_SALES_LEADS,
        "Leads marketing handed to you: open the brief, accept or reject, log every follow-up.",
    ),
    NavEntry(
        "Qualified leads", "leads:qualified", "patch-check", Capability.WORK_MARKETING_LEADS,
        "MQLs waiting for the hand-off, best fit first, with the rules each one met.", "Leads",
    ),
    NavEntry(
        "Returned by sales", "leads:returned", "arrow-return-left", Capability.WORK_MARKETING_LEADS,
        "Leads sales sent back, with the reason: nurture them again or hand them off again.", "Leads",
    ),
    NavEntry(
        "All leads", "leads:list", "person-lines-fill", Capability.WORK_MARKETING_LEADS,
        "Every lead with its source, campaign, scores and status; filter and search.", "Leads",
    ),
    NavEntry(
        "Companies", "leads:companies", "buildings", Capability.WORK_MARKETING_LEADS,
        "The accounts your leads work at, found from their e-mail domains.", "Leads",
    ),
    NavEntry(
        "Import leads", "leads:import_start", "upload", Capability.WORK_MARKETING_LEADS,
        "Bring leads in from a CSV export of any marketing tool.", "Leads",
    ),
    NavEntry(
        "Campaigns", "leads:campaigns", "megaphone", Capability.WORK_MARKETING_LEADS,
        "What marketing runs, and the leads each campaign brought.", "Content",
    ),
    NavEntry(
        "Content", "leads:assets", "file-earmark-richtext", Capability.WORK_MARKETING_LEADS,
        "Whitepapers, webinars, case studies: what leads engage with, and how much.", "Content",
    ),
    NavEntry(
        "Criteria", "leads:criteria", "clipboard-check", None,
        "What makes a qualified lead, as marketing and sales signed it; drafts, impact and history.",
    ),
    NavEntry(
        "SLA", "sla:sla", "speedometer2", None,
        "What marketing and sales promised each other, and whether each promise is kept this month.",
    ),
    NavEntry(
        "Dashboard", "feedback:dashboard", "graph-up", None,
        "The funnel, acceptance, speed, close rates, the agreement and the rep table, with filters and CSV.",
        "Reports",
    ),
    NavEntry(
        "Score calibration", "feedback:calibration", "bullseye", None,
        "Acceptance and close rate per fit-score band: do the criteria predict?", "Reports",
    ),
    NavEntry(
        "Voice of sales", "feedback:voice_of_sales", "chat-square-quote", None,
        "Objections and pain points reps hear, their verdicts on lead quality, and the criteria they mark wrong.",
        "Reports",
    ),
    NavEntry(
        "Campaign check-in", "feedback:check_in", "calendar-check", None,
        "The monthly review: which campaigns and content brought good leads, with the meeting's notes.", "Reports",
    ),
    NavEntry(
        "Win/loss", "feedback:win_loss", "trophy", None,
        "The quarterly rundown: why deals were lost, and the tactics and content in the won ones.", "Reports",
    ),
]  # fmt: skip

ADMIN: list[NavEntry] = [
    NavEntry(
        "Members", "accounts:members", "people", Capability.MANAGE_ORGANIZATION,
        "Invite marketers and reps, set roles, add integrations.", "Organization",
    ),
    NavEntry(
        "Settings", "accounts:settings", "sliders", Capability.MANAGE_ORGANIZATION,
        "Time zone, business hours and holidays that drive the SLA clocks.", "Organization",
    ),
    NavEntry(
        "Routing rules", "leads:routing_rules", "signpost-split", Capability.MANAGE_HANDOFF_RULES,
        "Which rep gets which lead: territories, round-robin, reps away or at capacity.", "Organization",
    ),
    NavEntry(
        "Objections and loss reasons", "feedback:lists", "chat-left-quote", Capability.MANAGE_HANDOFF_RULES,
        "The lists reps pick from when they log objections and lost deals.", "Organization",
    ),
    NavEntry(
        "Audit log", "accounts:audit_log", "journal-text", Capability.VIEW_AUDIT_LOG,
        "Every sign-in, role change, token and signature, as it happened.", "Organization",
    ),
]  # fmt: skip


@dataclass(frozen=True)
class ShownEntry:
    label: str
    url: str
    icon: str
    active: bool
    description: str


@dataclass(frozen=True)
class ShownGroup:
    """A plain link (no label, one entry) or a dropdown (a section with its entries)."""

    label: str
    icon: str
    entries: list[ShownEntry]

    @property
    def active(self) -> bool:
        return any(entry.active for entry in self.entries)


@cache
def _url(name: str) -> str:
    # The navigation's URLs never change while a process runs; reversing them on every page is waste.
    return reverse(name)


def _current(urls: list[str], path: str) -> str | None:
    """The entry the page belongs to: the longest URL the path starts with (/leads/qualified/ is
    "Qualified leads", not "All leads" at /leads/)."""
    matches = [url for url in urls if (path == url if url == "/" else path.startswith(url))]
    return max(matches, key=len) if matches else None


def _shown(entries: list[NavEntry], role: str, is_active: bool, current: str | None) -> list[ShownGroup]:
    groups: list[ShownGroup] = []
    by_section: dict[str, ShownGroup] = {}
    for entry in entries:
        if not entry.visible_to_role(role, is_active):
            continue
        url = _url(entry.url_name)
        shown = ShownEntry(entry.label, url, entry.icon, url == current, entry.description)
        if not entry.section:
            groups.append(ShownGroup("", entry.icon, [shown]))
        elif entry.section in by_section:
            by_section[entry.section].entries.append(shown)
        else:
            by_section[entry.section] = ShownGroup(entry.section, SECTION_ICONS.get(entry.section, "list"), [shown])
            groups.append(by_section[entry.section])
    return groups


@cache
def _visible_urls(role: str, is_active: bool) -> tuple[str, ...]:
    return tuple(_url(e.url_name) for e in MAIN + ADMIN if e.visible_to_role(role, is_active))


@lru_cache(maxsize=512)
def _groups(role: str, is_active: bool, current: str | None) -> tuple[ShownGroup, ...]:
    return tuple(_shown(MAIN, role, is_active, current) + _shown(ADMIN, role, is_active, current))


@lru_cache(maxsize=64)
def _cards(role: str, is_active: bool) -> SafeString:
    entries = [e for g in _groups(role, is_active, "/") for e in g.entries if e.url != "/"]
    return render_to_string("includes/nav_cards.html", {"entries": entries})


def navigation_cards(member: Membership) -> SafeString:
    """Home's cards, one per page the member may open (Home itself aside), as HTML rendered once per
    role: like the menu, they are the same for everyone of a role."""
    return _cards(member.role, member.is_active)


@lru_cache(maxsize=512)
def _menu(role: str, is_active: bool, current: str | None) -> SafeString:
    return render_to_string("includes/nav_menu.html", {"groups": _groups(role, is_active, current)})


def navigation_menu(member: Membership, path: str) -> SafeString:
    """The navigation bar's entries as HTML. They depend only on the role and the page's entry, so
    each of those few combinations is rendered once per process instead of on every page view."""
    current = _current(list(_visible_urls(member.role, member.is_active)), path)
    return _menu(member.role, member.is_active, current)
