"""The same data for a run that is interrupted and for the clean run it is compared with."""

import random

from leads.csv_import import guess_mapping
from leads.models import CriteriaVersion, LeadImport
from leads.services.criteria import (
    create_criteria_version,
    propose_criteria_version,
    sign_criteria_version,
    update_criteria_version,
)
from leads.services.imports import save_import_mapping, upload_lead_file
from leads.services.leads import upsert_leads

# Fit depends on the lead's own fields only (no touches): the same leads give the same result at any time.
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 40},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker"], "weight": 60},
]
COUNTRIES = ["DE", "AT", "CH", "US", "FR"]
AUTHORITIES = ["decision_maker", "influencer", "user"]


def proposed_criteria(author, rules=RULES, min_fit: int = 40) -> CriteriaVersion:
    version = create_criteria_version(by=author)
    update_criteria_version(
        by=author, version=version, name="DACH", summary="", min_fit_score=min_fit, min_engagement_score=0, rules=rules
    )
    propose_criteria_version(by=author, version=version)
    return version


def active_criteria(author, approvers) -> CriteriaVersion:
    version = proposed_criteria(author)
    for manager in approvers:
        sign_criteria_version(by=manager, version=version)
    version.refresh_from_db()
    assert version.status == CriteriaVersion.Status.ACTIVE
    return version


def lead_items(count: int, seed: int = 8) -> list[dict]:
    rnd = random.Random(seed)
    return [
        {"email": f"person{n}@company{n % 400}.test", "first_name": f"P{n}", "country": rnd.choice(COUNTRIES),
         "employees": rnd.randint(1, 3000), "buying_authority": rnd.choice(AUTHORITIES)}
        for n in range(count)
    ]  # fmt: skip


def create_leads(org, items: list[dict]) -> None:
    for start in range(0, len(items), 1000):
        upsert_leads(org=org, items=items[start : start + 1000])


def lead_file(rows: int, seed: int = 5) -> bytes:
    """A CSV export as marketing tools write them: new people, the same person twice (an update and an
    exact repeat), and rows the import must refuse (a bad e-mail, nothing that identifies the lead)."""
    lines = ["First Name,Last Name,Email,Company,Country,Employees,Job Title"]
    for n in range(rows):
        if n % 97 == 13:
            lines.append(f"Bad{n},Row,not-an-email-{n},Initech,DE,50,")
        elif n % 89 == 7:
            lines.append(f"No{n},Address,,Hooli,US,10,")
        elif n % 50 == 49:
            earlier = n - 40  # the same person again, with a new job title: an update
            lines.append(f"F{earlier},L{earlier},lead{earlier}@import{earlier % 300}.test,Co{earlier % 300},DE,"
                         f"{100 + earlier},Head of Sales")  # fmt: skip
        elif n % 50 == 48:
            earlier = n - 30  # an exact repeat of an earlier row: unchanged
            lines.append(_row(earlier, random.Random(seed * 100_000 + earlier)))
        else:
            lines.append(_row(n, random.Random(seed * 100_000 + n)))
    return ("\n".join(lines) + "\n").encode()


def _row(n: int, rnd: random.Random) -> str:
    country = rnd.choice(COUNTRIES)
    return f"F{n},L{n},lead{n}@import{n % 300}.test,Co{n % 300},{country},{100 + n},Buyer"


def mapped_import(member, content: bytes, name: str = "leads.csv") -> LeadImport:
    """Uploaded and its columns confirmed, ready to start: what the first two pages of an import do."""
    lead_import = upload_lead_file(by=member, file_name=name, data=content)
    return save_import_mapping(by=member, lead_import=lead_import, mapping=guess_mapping(lead_import.headers))
