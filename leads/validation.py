"""Validation of incoming leads and engagement events, one item at a time, fast and ORM-free.

The API, bulk batches and CSV import all pass through here, so every way in accepts and refuses
the same things with the same words. A cleaned item holds only the fields the client sent: absent
fields leave stored values alone.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django_countries import countries

from leads.models import ContentAsset, EngagementEvent, Lead

Errors = dict[str, list[str]]
_email = EmailValidator()
_domain = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_PAIN_POINTS = 20
MAX_METADATA_KEYS = 50
FUTURE_TOLERANCE = timedelta(days=1)

TEXT_LIMITS = {
    "external_id": 100,
    "source": 80,
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "job_title": 150,
    "company_name": 200,
    "industry": 100,
    "region": 100,
    "current_supplier": 200,
    "notes": 5000,
    "campaign_external_id": 100,
}
LEAD_FIELDS = frozenset(
    {
        *TEXT_LIMITS,
        "email", "company_domain", "employees", "annual_revenue", "country", "buying_authority",
        "budget", "timeline", "pain_points", "campaign",
    }
)  # fmt: skip


@dataclass
class LeadInput:
    values: dict = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return self.values.get("external_id", "")

    @property
    def email(self) -> str:
        return self.values.get("email", "")


@dataclass
class EventInput:
    kind: str
    occurred_at: datetime
    external_id: str = ""
    source: str = ""
    metadata: dict = field(default_factory=dict)
    lead_id: int | None = None
    lead_external_id: str = ""
    lead_email: str = ""
    asset_id: int | None = None
    asset_external_id: str = ""
    asset_title: str = ""
    asset_url: str = ""
    asset_kind: str = ""


def _text(value, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("Must be text.")
    value = str(value)
    # Measured as sent, so the limit the API schema states (maxLength) is the one applied.
    if len(value) > limit:
        raise ValueError(f"At most {limit} characters.")
    value = value.strip()
    if "\x00" in value:
        raise ValueError("Contains a NUL character.")
    return value


def clean_email(value) -> str:
    value = _text(value, 254).lower()
    if value:
        try:
            _email(value)
        except ValidationError:
            raise ValueError("Enter a valid e-mail address.") from None
    return value


def clean_domain(value) -> str:
    value = _text(value, 253).lower().removeprefix("http://").removeprefix("https://").removeprefix("www.")
    value = value.rstrip("/")
    if value and not _domain.match(value):
        raise ValueError("Enter a domain like example.com.")
    return value


def clean_count(value, *, limit: int = 10_000_000) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("Must be a whole number.")
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("_", "").replace(" ", "")
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ValueError("Must be a whole number.")
    if not 0 <= number <= limit:
        raise ValueError(f"Must be between 0 and {limit:,}.")
    return number


def clean_amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("Must be an amount.")
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("_", "").replace(" ", "")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError("Must be an amount.") from None
    # Rounded to cents before the range check: 99,999,999,999,999.995 rounds up past what is stored.
    if not amount.is_finite() or not 0 <= (amount := amount.quantize(Decimal("0.01"))) < Decimal("1e14"):
        raise ValueError("Must be an amount between 0 and 99,999,999,999,999.99.")
    return amount


def clean_country(value) -> str:
    value = _text(value, 100)
    if not value:
        return ""
    code = value.upper()
    if len(code) == 2 and code in countries:
        return code
    by_name = _country_code_by_name(value.lower())
    if by_name:
        return by_name
    raise ValueError(f"“{value}” is not an ISO 3166 country code (such as DE) or a country name.")


@lru_cache(maxsize=4096)
def _country_code_by_name(name: str) -> str:
    # django-countries translates every country's name on each lookup (about 1 ms); a CSV import
    # or a bulk batch repeats the same few names thousands of times.
    return countries.by_name(name)


def clean_choice(value, choices: type) -> str:
    value = _text(value, 40).lower().replace(" ", "_").replace("-", "_")
    if value not in choices.values:
        raise ValueError(f"Must be one of: {', '.join(choices.values)}.")
    return value


def clean_pain_points(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[;\n]", value)
    if not isinstance(value, list):
        raise ValueError("Must be a list of texts.")
    if len(value) > MAX_PAIN_POINTS:
        raise ValueError(f"At most {MAX_PAIN_POINTS} pain points.")
    cleaned = [_text(item, 200) for item in value]
    return list(dict.fromkeys(item for item in cleaned if item))


def clean_url(value) -> str:
    value = _text(value, 500)
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError("Must be an http or https address.")
    return value


def clean_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("Must be an id (a whole number).")
    try:
        number = int(value)
    except ValueError:
        raise ValueError("Must be an id (a whole number).") from None
    if not 0 < number < 2**63:
        raise ValueError("Must be a positive id.")
    return number


_LEAD_CLEANERS = {
    "email": clean_email,
    "company_domain": clean_domain,
    "employees": clean_count,
    "annual_revenue": clean_amount,
    "budget": clean_amount,
    "country": clean_country,
    "buying_authority": lambda v: clean_choice(v, Lead.BuyingAuthority),
    "timeline": lambda v: clean_choice(v, Lead.Timeline),
    "pain_points": clean_pain_points,
    "campaign": lambda v: None if v is None or v == "" else clean_id(v),
}


def clean_lead(raw) -> tuple[LeadInput | None, Errors]:
    """One incoming lead. Returns the cleaned input, or None and the errors by field."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": ["Each lead must be a JSON object."]}
    values, errors = {}, {}
    for name, value in raw.items():
        if name not in LEAD_FIELDS:
            continue
        try:
            cleaner = _LEAD_CLEANERS.get(name)
            values[name] = cleaner(value) if cleaner else _text(value, TEXT_LIMITS[name])
        except ValueError as error:
            errors[name] = [str(error)]
    if not errors and not values.get("email") and not values.get("external_id"):
        errors["email"] = ["Send an e-mail address or an external_id to identify the lead."]
    if values.get("campaign") is not None and values.get("campaign_external_id"):
        errors["campaign"] = ["Send campaign or campaign_external_id, not both."]
    return (None, errors) if errors else (LeadInput(values), {})


def clean_occurred_at(value, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise ValueError("Must be an ISO 8601 date-time with a UTC offset, like 2026-03-01T14:30:00+01:00.")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("Must be an ISO 8601 date-time with a UTC offset, like 2026-03-01T14:30:00+01:00.") from None
    if moment.tzinfo is None:
        raise ValueError("Add the UTC offset (like +01:00 or Z): without it the moment is ambiguous.")
    if moment > now + FUTURE_TOLERANCE:
        raise ValueError("Lies in the future.")
    if moment.year < 2000:
        raise ValueError("Lies too far in the past.")
    return moment.astimezone(UTC)


EVENT_KINDS = frozenset(EngagementEvent.Kind.values)
ASSET_KINDS = frozenset(ContentAsset.Kind.values)
_KIND_ERROR = f"Must be one of: {', '.join(EngagementEvent.Kind.values)}."
_ASSET_KIND_ERROR = f"Must be one of: {', '.join(ContentAsset.Kind.values)}."
# Optional event fields: name, cleaner, attribute of EventInput.
_EVENT_OPTIONAL = [
    ("external_id", lambda v: _text(v, 100), "external_id"),
    ("source", lambda v: _text(v, 80), "source"),
    ("lead", clean_id, "lead_id"),
    ("lead_external_id", lambda v: _text(v, 100), "lead_external_id"),
    ("lead_email", clean_email, "lead_email"),
    ("asset", clean_id, "asset_id"),
    ("asset_external_id", lambda v: _text(v, 100), "asset_external_id"),
    ("asset_title", lambda v: _text(v, 200), "asset_title"),
    ("asset_url", clean_url, "asset_url"),
]


def clean_event(raw, now: datetime) -> tuple[EventInput | None, Errors]:
    """One incoming engagement event: which lead, which asset, what happened and when."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": ["Each event must be a JSON object."]}
    errors: Errors = {}
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in EVENT_KINDS:
        errors["kind"] = [_KIND_ERROR]
    try:
        occurred_at = clean_occurred_at(raw.get("occurred_at"), now)
    except ValueError as error:
        occurred_at = None
        errors["occurred_at"] = [str(error)]
    event = EventInput(kind=kind, occurred_at=occurred_at)
    for name, cleaner, attribute in _EVENT_OPTIONAL:
        value = raw.get(name)
        if value is None or value == "":
            continue
        try:
            setattr(event, attribute, cleaner(value))
        except ValueError as error:
            errors[name] = [str(error)]
    named = (event.lead_id is not None) + bool(event.lead_external_id) + bool(event.lead_email)
    if named != 1 and not {"lead", "lead_external_id", "lead_email"} & errors.keys():
        errors["lead"] = ["Name the lead by exactly one of lead (id), lead_external_id or lead_email."]
    if event.asset_id is not None and event.asset_external_id:
        errors["asset"] = ["Send asset or asset_external_id, not both."]
    asset_kind = raw.get("asset_kind")
    if asset_kind is None:
        asset_kind = ""
    if not isinstance(asset_kind, str) or (asset_kind and asset_kind not in ASSET_KINDS):
        errors["asset_kind"] = [_ASSET_KIND_ERROR]
    event.asset_kind = asset_kind if isinstance(asset_kind, str) else ""
    metadata = raw.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            errors["metadata"] = ["Must be a JSON object."]
        elif len(metadata) > MAX_METADATA_KEYS or len(str(metadata)) > 4000:
            errors["metadata"] = ["Too large: at most 50 keys and 4,000 characters."]
        else:
            event.metadata = metadata
    return (None, errors) if errors else (event, {})
