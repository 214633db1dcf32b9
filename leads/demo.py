"""Demo leads for "Acme Demo": campaigns, content, ~3,000 leads at ~300 companies, six months of
engagement shaped like real funnels (most leads touch a little, a few a lot). Deterministic, and
skipped when the organization already has leads.
"""

import random
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from accounts.models import Organization
from leads.models import Campaign, ContentAsset, Lead
from leads.services.events import record_engagement_events
from leads.services.leads import upsert_leads
from leads.services.qualification import evaluate_pending

COUNTRIES = {
    "DE": ".de",
    "AT": ".at",
    "CH": ".ch",
    "NL": ".nl",
    "FR": ".fr",
    "GB": ".co.uk",
    "US": ".com",
    "SE": ".se",
    "DK": ".dk",
    "ES": ".es",
    "IT": ".it",
    "PL": ".pl",
}
COUNTRY_WEIGHTS = [30, 8, 7, 8, 7, 10, 14, 4, 3, 3, 3, 3]
INDUSTRIES = [
    "Software",
    "Manufacturing",
    "Retail",
    "Financial services",
    "Healthcare",
    "Logistics",
    "Education",
    "Energy",
]
NAME_PARTS = (
    [
        "Nord",
        "Alpen",
        "Blue",
        "Silver",
        "Rhein",
        "Nova",
        "Cedar",
        "Iron",
        "Bright",
        "Polar",
        "Summit",
        "Delta",
        "Harbor",
        "Falcon",
        "Granite",
        "Orbit",
        "Pioneer",
        "Quantum",
        "Vista",
        "Willow",
    ],
    ["wind", "stone", "field", "bridge", "gate", "line", "point", "works", "light", "wave", "peak", "core"],
    [
        "Logistics",
        "Systems",
        "Analytics",
        "Foods",
        "Health",
        "Energy",
        "Robotics",
        "Finance",
        "Labs",
        "Retail",
        "Learning",
        "Components",
    ],
)
FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
    "Kira",
    "Lukas",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Rosa",
    "Sven",
    "Tara",
    "Uwe",
    "Vera",
    "Will",
    "Yara",
    "Zoe",
    "Emma",
    "Liam",
    "Sofia",
    "Mateo",
    "Chloé",
    "Lars",
]
LAST = [
    "Müller",
    "Schmidt",
    "Smith",
    "Johnson",
    "Dubois",
    "Rossi",
    "Jansen",
    "Nowak",
    "Berg",
    "Garcia",
    "Larsen",
    "Weber",
    "Fischer",
    "Brown",
    "Martin",
    "Bianchi",
    "de Vries",
    "Kowalski",
    "Andersson",
    "Lopez",
]
TITLES = [
    ("Chief Executive Officer", "decision_maker"),
    ("Head of Operations", "decision_maker"),
    ("VP Sales", "decision_maker"),
    ("IT Director", "decision_maker"),
    ("Procurement Manager", "influencer"),
    ("Operations Manager", "influencer"),
    ("Team Lead Customer Success", "influencer"),
    ("Business Analyst", "user"),
    ("Sales Operations Specialist", "user"),
    ("Marketing Coordinator", "user"),
]
PAIN_POINTS = [
    "cost of churn",
    "slow onboarding",
    "manual reporting",
    "poor lead quality",
    "long sales cycles",
    "data silos",
    "forecast accuracy",
    "compliance effort",
    "team productivity",
    "customer visibility",
]
SUPPLIERS = ["", "", "", "Salesforce", "HubSpot", "Pipedrive", "Zoho", "spreadsheets", "in-house tool"]
PERSONAL = ["gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "icloud.com"]
CAMPAIGNS = [
    ("Spring product webinar series", "Webinar", "cmp-webinars"),
    ("Churn whitepaper launch", "Content syndication", "cmp-churn"),
    ("Paid search: lead quality", "Paid search", "cmp-sem"),
    ("LinkedIn ABM: DACH manufacturing", "Social", "cmp-abm-dach"),
    ("SaaS Summit trade show", "Event", "cmp-summit"),
    ("Customer referral programme", "Referral", "cmp-referral"),
    ("Nurture e-mail track", "E-mail", "cmp-nurture"),
    ("Partner co-marketing", "Partner", "cmp-partner"),
]
SOURCES = {
    "Webinar": "Webinar",
    "Content syndication": "Content",
    "Paid search": "Paid search",
    "Social": "LinkedIn",
    "Event": "Trade show",
    "Referral": "Referral",
    "E-mail": "E-mail",
    "Partner": "Partner",
}
ASSET_KINDS = {
    "whitepaper": [
        "The real cost of churn",
        "Forecasting without guesswork",
        "Data silos in sales",
        "Compliance by design",
    ],
    "ebook": ["Lead quality playbook", "Onboarding in 30 days", "The SLA handbook", "Reporting that runs itself"],
    "webinar": [
        "Spring webinar: pipeline hygiene",
        "Spring webinar: closing the loop",
        "Webinar: forecast accuracy",
        "Webinar: ABM for manufacturing",
        "Webinar: churn signals",
    ],
    "case_study": [
        "How Nordline cut churn 30%",
        "Polar Foods: faster onboarding",
        "Granite Labs: one pipeline",
        "Vista Retail: reports in minutes",
        "Summit Energy: compliance",
    ],
    "blog_post": [
        "5 signs a lead is ready",
        "Why MQL definitions fail",
        "Reps and marketers: one table",
        "Business hours for SLAs",
        "Scoring engagement fairly",
        "Objections worth hearing",
        "Win/loss without blame",
        "Campaign check-ins that work",
    ],
    "pricing_page": ["Pricing"],
    "product_page": ["Product tour", "Integrations", "Security"],
    "demo_video": ["3-minute demo", "Admin walkthrough", "Reporting demo"],
    "email": ["Nurture 1: welcome", "Nurture 2: the churn guide", "Nurture 3: case study", "Nurture 4: book a demo"],
    "event": ["SaaS Summit booth visit"],
}
EVENT_KIND = {
    "whitepaper": "download",
    "ebook": "download",
    "webinar": "attend",
    "case_study": "download",
    "blog_post": "view",
    "pricing_page": "view",
    "product_page": "view",
    "demo_video": "view",
    "email": "email_open",
    "event": "attend",
}
LEADS = 3000
COMPANIES = 300


def seed_leads(org: Organization, *, now: datetime | None = None) -> None:
    if Lead.objects.filter(org=org).exists():
        return
    now = now or timezone.now()
    rng = random.Random(20260601)
    campaigns = _campaigns(org, now)
    assets = _assets(org, campaigns, rng)
    companies = _companies(rng)
    items, born = [], {}
    for n in range(LEADS):
        lead, created = _lead(n, rng, companies, campaigns, now)
        items.append(lead)
        born[lead["external_id"]] = created
    for start in range(0, len(items), 1000):
        upsert_leads(org=org, items=items[start : start + 1000])
    _backdate(org, born)
    events = _events(rng, items, born, assets, now)
    for start in range(0, len(events), 5000):
        record_engagement_events(org=org, items=events[start : start + 5000])
    evaluate_pending(org_id=org.pk)


def _campaigns(org: Organization, now: datetime) -> list[Campaign]:
    campaigns = []
    for n, (name, channel, external_id) in enumerate(CAMPAIGNS):
        starts = (now - timedelta(days=180 - n * 15)).date()
        campaigns.append(
            Campaign.objects.create(
                org=org,
                name=name,
                channel=channel,
                external_id=external_id,
                starts_on=starts,
                ends_on=starts + timedelta(days=120),
                is_active=n >= 2,
            )
        )
    return campaigns


def _assets(org: Organization, campaigns: list[Campaign], rng: random.Random) -> list[ContentAsset]:
    assets = []
    for kind, titles in ASSET_KINDS.items():
        for title in titles:
            slug = "-".join(title.lower().replace(":", "").replace("%", "").split())[:60]
            assets.append(
                ContentAsset.objects.create(
                    org=org,
                    title=title,
                    kind=kind,
                    url=f"https://acme-demo.example/{kind}/{slug}",
                    topics=rng.sample(PAIN_POINTS, 2),
                    campaign=rng.choice([None, *campaigns]),
                    external_id=f"web-{slug}",
                )
            )
    return assets


def _companies(rng: random.Random) -> list[dict]:
    companies, seen = [], set()
    while len(companies) < COMPANIES:
        first, second, third = (rng.choice(part) for part in NAME_PARTS)
        name = f"{first}{second} {third}"
        country = rng.choices(list(COUNTRIES), COUNTRY_WEIGHTS)[0]
        domain = f"{first}{second}-{third}".lower() + COUNTRIES[country]
        if domain in seen:
            continue
        seen.add(domain)
        employees = int(min(50_000, max(5, rng.lognormvariate(5.0, 1.4))))
        companies.append(
            {
                "name": name,
                "domain": domain,
                "country": country,
                "industry": rng.choice(INDUSTRIES),
                "employees": employees,
                "revenue": round(employees * rng.uniform(80_000, 260_000), -3),
            }
        )
    return companies


def _lead(n: int, rng: random.Random, companies: list[dict], campaigns: list[Campaign], now: datetime):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}".lower().replace(" ", "").replace("ü", "ue").replace("é", "e") + (
        "" if n < 2000 else str(n)
    )
    campaign = rng.choice(campaigns)
    title, authority = rng.choice(TITLES)
    created = now - timedelta(days=rng.triangular(0, 182, 40), hours=rng.uniform(0, 23))
    lead = {
        "external_id": f"demo-{n:05d}",
        "first_name": first,
        "last_name": last,
        "job_title": title,
        "buying_authority": authority if rng.random() < 0.8 else "unknown",
        "source": SOURCES[campaign.channel],
        "campaign": campaign.pk,
        "timeline": rng.choice(
            ["within_1_month", "within_3_months", "within_6_months", "within_12_months", "later", "unknown", "unknown"]
        ),
        "pain_points": rng.sample(PAIN_POINTS, rng.choice([0, 1, 1, 2, 3])),
        "current_supplier": rng.choice(SUPPLIERS),
        "phone": f"+49 30 {rng.randint(1000000, 9999999)}" if rng.random() < 0.6 else "",
    }
    if rng.random() < 0.12:
        lead["email"] = f"{local}@{rng.choice(PERSONAL)}"
        lead["country"] = rng.choice(list(COUNTRIES))
    else:
        company = companies[
            min(int(rng.paretovariate(1.2)) - 1, COMPANIES - 1) if rng.random() < 0.3 else rng.randrange(COMPANIES)
        ]
        lead |= {
            "email": f"{local}@{company['domain']}",
            "company_name": company["name"],
            "industry": company["industry"],
            "employees": company["employees"],
            "annual_revenue": company["revenue"],
            "country": company["country"],
        }
    if authority == "decision_maker" and rng.random() < 0.5:
        lead["budget"] = rng.choice([10_000, 25_000, 50_000, 100_000, 250_000])
    return lead, created


def _backdate(org: Organization, born: dict[str, datetime]) -> None:
    """The demo's leads arrived over six months; the API stamps them with today."""
    external_ids = list(born)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leads_lead AS l SET created_at = v.born, updated_at = v.born
            FROM unnest(%s::text[], %s::timestamptz[]) AS v(external_id, born)
            WHERE l.org_id = %s AND l.external_id = v.external_id
            """,
            [external_ids, [born[x] for x in external_ids], org.pk],
        )


def _events(rng: random.Random, leads: list[dict], born: dict, assets: list[ContentAsset], now: datetime) -> list[dict]:
    events = []
    for lead in leads:
        # Most leads touch a little, a few a lot: a Pareto tail.
        touches = min(int(rng.paretovariate(1.1)) - 1, 60)
        start = born[lead["external_id"]]
        span = max((now - start).total_seconds(), 3600)
        for k in range(touches):
            asset = rng.choice(assets)
            kind = EVENT_KIND[asset.kind]
            if kind == "email_open" and rng.random() < 0.3:
                kind = "click"
            if asset.kind == "pricing_page" and rng.random() < 0.15:
                kind = "demo_request"
            events.append(
                {
                    "external_id": f"{lead['external_id']}-e{k}",
                    "lead_external_id": lead["external_id"],
                    "asset": asset.pk,
                    "kind": kind,
                    "source": "demo",
                    "occurred_at": (start + timedelta(seconds=rng.uniform(0, span))).isoformat(),
                }
            )
    return events


CRITERIA_V1 = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH", "NL", "GB"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 50, "weight": 30},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker", "influencer"], "weight": 40},
    {"attribute": "engagement", "operator": "gte", "value": {"score": 5, "days": 60}, "weight": 30},
]
CRITERIA_V2 = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH", "NL", "GB", "SE", "DK"], "required": True},
    {"attribute": "employees", "operator": "between", "value": [100, 20000], "weight": 25},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker", "influencer"], "weight": 25},
    {
        "attribute": "timeline",
        "operator": "in",
        "value": ["within_1_month", "within_3_months", "within_6_months"],
        "weight": 20,
    },
    {"attribute": "pain_point", "operator": "known", "value": None, "weight": 15},
    {"attribute": "content", "operator": "engaged_with", "value": {"topic": "cost of churn", "days": 90}, "weight": 15},
]


def seed_criteria(org: Organization, *, now: datetime | None = None) -> None:
    """A retired first definition and the active second one, both signed by the two managers."""
    from accounts.models import Membership
    from leads.models import CriteriaVersion, ReevaluationChunk
    from leads.services import criteria, qualification

    if CriteriaVersion.objects.filter(org=org).exists():
        return
    now = now or timezone.now()
    people = {m.user.email: m for m in Membership.objects.filter(org=org).select_related("user")}
    author, marketing, sales = people["marketer@demo.test"], people["mmanager@demo.test"], people["smanager@demo.test"]
    versions = [
        ("Launch definition", "Our first shared definition: DACH and UK, mid-sized, engaged.", CRITERIA_V1, 50, 5),
        ("Q3 refresh", "Adds the Nordics, asks for a purchase timeline and a stated pain point; reps said small "
         "companies and students came through.", CRITERIA_V2, 55, 8),
    ]  # fmt: skip
    for number, (name, summary, rules, min_fit, min_engagement) in enumerate(versions, start=1):
        version = criteria.create_criteria_version(by=author)
        criteria.update_criteria_version(
            by=author, version=version, name=name, summary=summary, min_fit_score=min_fit,
            min_engagement_score=min_engagement, rules=rules,
        )  # fmt: skip
        criteria.propose_criteria_version(by=author, version=version, comment="Ready for sign-off")
        criteria.sign_criteria_version(by=marketing, version=version, comment="Matches what we can deliver")
        criteria.sign_criteria_version(by=sales, version=version, comment="Agreed with the team")
        qualification.reevaluate_chunks(
            chunk_ids=list(ReevaluationChunk.objects.filter(version=version).values_list("id", flat=True))
        )
        days_ago = 150 if number == 1 else 60
        CriteriaVersion.objects.filter(pk=version.pk).update(
            created_at=now - timedelta(days=days_ago + 5), proposed_at=now - timedelta(days=days_ago + 2),
            activated_at=now - timedelta(days=days_ago),
        )  # fmt: skip
    CriteriaVersion.objects.filter(org=org, number=1).update(retired_at=now - timedelta(days=60))
    # The demo's leads qualified over six months, soon after they arrived, not all today.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE leads_lead SET qualified_at = LEAST(created_at + (id %% 72) * interval '1 hour', %s)
            WHERE org_id = %s AND qualified_at IS NOT NULL
            """,
            [now, org.pk],
        )
