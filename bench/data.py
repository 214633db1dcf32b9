"""Benchmark data: people through the ORM (few), everything large in SQL with setseed + generate_series."""

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from accounts.middleware import SESSION_ORG_KEY
from accounts.models import Membership, Organization, User
from accounts.roles import Role

SCALES = {"small": {"leads": 100_000, "events": 500_000}, "full": {"leads": 1_000_000, "events": 5_000_000}}


def bench_org() -> Membership:
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench Corp"})
    user = User.objects.filter(email="bench-admin@bench.test").first() or User.objects.create_user(
        "bench-admin@bench.test", None, full_name="Bench Admin"
    )
    member, _ = Membership.objects.get_or_create(org=org, user=user, defaults={"role": Role.ADMIN, "side": "marketing"})
    return member


def session_cookie(member: Membership) -> str:
    """A signed-in session for wrk's Cookie header, made the way Django's login makes one."""
    session = SessionStore()
    session["_auth_user_id"] = str(member.user.pk)
    session["_auth_user_backend"] = "accounts.backends.MemberBackend"
    session["_auth_user_hash"] = member.user.get_session_auth_hash()
    session[SESSION_ORG_KEY] = member.org_id
    session.create()
    return f"sessionid={session.session_key}"


def generate_leads(*, scale: str) -> Membership:
    """The bench org's leads and events in SQL (setseed + generate_series), plus other tenants' at full scale.

    small: 100k leads and 500k events, all in the bench org; full: 1M leads (100k in the bench org,
    the rest spread over nine other orgs) and 5M events.
    """
    member = bench_org()
    sizes = SCALES[scale]
    orgs = [member.org_id]
    for n in range(1, sizes["leads"] // 100_000):
        other, _ = Organization.objects.get_or_create(slug=f"filler-{n}", defaults={"name": f"Filler {n}"})
        orgs.append(other.pk)
    per_org = sizes["leads"] // len(orgs)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        for org_id in orgs:
            cursor.execute(
                """
                INSERT INTO leads_campaign (org_id, name, external_id, channel, description, is_active, created_at)
                SELECT %s, 'Campaign ' || n, 'cmp-' || n, 'Paid search', '', true, now()
                FROM generate_series(1, 20) AS n
                """,
                [org_id],
            )
            cursor.execute(
                """
                INSERT INTO leads_lead (org_id, external_id, email, first_name, last_name, phone, job_title,
                    company_name, industry, employees, country, region, source, buying_authority, timeline,
                    pain_points, current_supplier, notes, status, engagement_score, fit_score, campaign_id,
                    created_at, updated_at)
                SELECT %s, 'ext-' || n, 'person' || n || '@company' || (n %% 5000) || '.example',
                    (ARRAY['Anna','Ben','Clara','David','Elena','Felix'])[1 + (n %% 6)],
                    (ARRAY['Müller','Smith','Rossi','Jansen','Nowak'])[1 + (n %% 5)], '', 'Manager',
                    'Company ' || (n %% 5000), 'Software', 10 + (random() * 5000)::int, 'DE', '', 'Paid search',
                    'unknown', 'unknown', '{}', '', '',
                    (ARRAY['new','nurturing','mql','handed_off','accepted','working','won','lost'])[1 + (n %% 8)],
                    round((random() * 80)::numeric, 1), (random() * 100)::int,
                    (SELECT min(id) FROM leads_campaign WHERE org_id = %s) + (n %% 20),
                    now() - random() * interval '180 days', now()
                FROM generate_series(1, %s) AS n
                """,
                [org_id, org_id, per_org],
            )
        cursor.execute("SELECT min(id), max(id) FROM leads_lead WHERE org_id = %s", [member.org_id])
        low, high = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO leads_engagementevent (org_id, lead_id, kind, occurred_at, source, external_id, metadata,
                received_at)
            SELECT l.org_id, l.id,
                (ARRAY['view','click','email_open','download','attend'])[1 + (n %% 5)],
                now() - random() * interval '180 days', 'generator', 'gen-' || n, '{}', now()
            FROM generate_series(1, %s) AS n
            JOIN leads_lead AS l ON l.id = %s + (n %% %s)
            """,
            [sizes["events"], low, high - low + 1],
        )
    return member


def vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
