"""Reading lead CSV files the way marketing tools write them. Pure: no ORM, exhaustively testable.

Everything the upload, the mapping page, the preview and the background import share lives here:
decoding (UTF-8 with or without BOM, UTF-16, Windows-1252/Latin-1 and the like), the delimiter,
records with the physical line each starts on, guessing which lead field a column holds, turning a
row into the dict `leads.validation.clean_lead` takes, and writing rejected rows back out as CSV.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import charset_normalizer
from charset_normalizer.md import mess_ratio
from defusedcsv import csv as defused_csv

from leads.validation import LEAD_FIELDS

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 200
PREVIEW_ROWS = 10
IGNORE = "ignore"
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}

# What each lead field is called on the mapping page and in reasons for rejection.
FIELD_LABELS = {
    "email": "E-mail",
    "external_id": "External ID (the id in your tool)",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "job_title": "Job title",
    "company_name": "Company name",
    "company_domain": "Company domain or website",
    "industry": "Industry",
    "employees": "Employees",
    "annual_revenue": "Annual revenue",
    "country": "Country",
    "region": "Region or state",
    "source": "Lead source",
    "campaign_external_id": "Campaign (external id or name)",
    "campaign": "Campaign (Smarketing id)",
    "buying_authority": "Buying authority",
    "budget": "Budget",
    "timeline": "Purchase timeline",
    "pain_points": "Pain points",
    "current_supplier": "Current supplier",
    "notes": "Notes",
}

# Headers of HubSpot, Marketo, Salesforce (labels and API names) and hand-made sheets, compared
# after dropping case, spaces and punctuation ("Country/Region" is "countryregion").
HEADER_ALIASES = {
    "email": ["Email", "Email Address", "E-mail", "E-mail address", "Work email", "Business email", "Mail"],
    "external_id": [
        "Record ID", "Contact ID", "Lead ID", "ID", "External ID", "Marketo ID", "HubSpot ID", "Salesforce ID",
        "CRM ID", "Person ID",
    ],
    "first_name": ["First Name", "FirstName", "Given name", "Forename", "First"],
    "last_name": ["Last Name", "LastName", "Surname", "Family name", "Last"],
    "phone": [
        "Phone", "Phone Number", "Business Phone", "Work Phone", "Telephone", "Mobile Phone", "MobilePhone",
        "Mobile Phone Number", "Mobile",
    ],
    "job_title": ["Job Title", "Title", "JobTitle", "Position"],
    "company_name": ["Company Name", "Company", "Account Name", "Company / Account", "Organization", "Organisation"],
    "company_domain": [
        "Website URL", "Website", "Company Domain", "Company Domain Name", "Domain", "Company Website", "Web site",
    ],
    "industry": ["Industry", "Sector"],
    "employees": [
        "Number of Employees", "NumberOfEmployees", "Employees", "No. of Employees", "Employee Count",
        "Company Size", "Num Employees",
    ],
    "annual_revenue": ["Annual Revenue", "AnnualRevenue", "Revenue", "Turnover", "Annual Turnover"],
    "country": ["Country/Region", "Country", "Country Code", "Country Name"],
    "region": ["State/Region", "State", "Region", "State/Province", "Province", "State or Province"],
    "source": ["Lead Source", "LeadSource", "Source", "Original Source", "Source Channel", "Channel"],
    "campaign_external_id": ["Campaign", "Campaign Name", "Campaign ID", "Campaign External ID"],
    "buying_authority": ["Buying Authority", "Buying Role", "Authority", "Decision Role"],
    "budget": ["Budget"],
    "timeline": ["Purchase timeline", "Timeline", "Purchase Timeframe", "Timeframe", "Buying Timeline"],
    "pain_points": ["Pain points", "Pain point", "Challenges", "Needs"],
    "current_supplier": ["Current Supplier", "Current Vendor", "Incumbent"],
    "notes": ["Notes", "Note", "Description", "Comments", "Comment"],
}  # fmt: skip
NUMBER_FIELDS = {"employees": True, "annual_revenue": False, "budget": False}  # field: whole number?


class CsvFileError(ValueError):
    """The file cannot be imported at all; the message says why and what to do."""


def header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())[:200]


_ALIASES = {header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Record:
    line: int  # the physical line the record starts on; the header is line 1
    cells: list[str]


@dataclass
class CsvFile:
    encoding: str
    delimiter: str
    headers: list[str]
    total_rows: int
    sample: list[Record] = field(default_factory=list)


def inspect_file(data: bytes) -> CsvFile:
    """Everything the mapping page needs, or a CsvFileError saying why the file cannot be imported."""
    if not data.strip():
        raise CsvFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise CsvFileError(f"The file has {len(data) / 1024 / 1024:.1f} MB; at most 20 MB per import. Split it.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CsvFileError(
            "This is an Excel workbook, not a CSV file. In Excel choose File, Save as, “CSV UTF-8”, and upload that."
        )
    encoding = detect_encoding(data)
    text = decode(data, encoding)
    if not looks_like_text(text):
        raise CsvFileError("This does not look like a CSV file (it contains binary data). Export the leads as CSV.")
    delimiter = sniff_delimiter(text)
    rows = records(text, delimiter)
    try:
        header = next(rows, None)
        if header is None:
            raise CsvFileError("The file is empty.")
        if len(header.cells) > MAX_COLUMNS:
            raise CsvFileError(f"The file has {len(header.cells)} columns; at most {MAX_COLUMNS}.")
        sample = list(islice(rows, PREVIEW_ROWS))
        total = len(sample) + sum(1 for _ in islice(rows, max(0, MAX_ROWS - len(sample))))
        if total > MAX_ROWS or next(rows, None) is not None:
            raise CsvFileError(f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} per import. Split it.")
    except csv.Error as error:
        raise CsvFileError(f"The file cannot be read as CSV: {error}. A quoted value may never end.") from None
    if total == 0:
        raise CsvFileError("The file has a header but no rows of leads.")
    headers = [cell.strip() or f"Column {n}" for n, cell in enumerate(header.cells, start=1)]
    return CsvFile(encoding=encoding, delimiter=delimiter, headers=headers, total_rows=total, sample=sample)


def detect_encoding(data: bytes) -> str:
    """A codec name for `decode`. UTF-8 first; else the likeliest 8-bit or East Asian one."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    sample = data[: 256 * 1024]
    western = "cp1252"
    try:
        western_text = sample.decode(western)
    except UnicodeDecodeError:
        western, western_text = "latin-1", sample.decode("latin-1")
    # Short Western files are ambiguous to a detector (it may call "Müller" Baltic cp775), and
    # Windows-1252 is what Excel writes in most offices: other guesses must read clearly better.
    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and codecs.lookup(best.encoding).name not in {"cp1252", "iso8859-1"}:
        try:
            guessed_text = sample.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            return western
        if mess_ratio(guessed_text) + 0.1 < mess_ratio(western_text):
            return best.encoding
    return western


def decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        # Bytes Windows-1252 leaves undefined (0x81, 0x8d ...) appear past the sample: Latin-1 reads all.
        return data.decode("latin-1")


def looks_like_text(text: str) -> bool:
    sample = text[:200_000]
    if "\x00" in sample:
        return False
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\r\n\t\f")
    return controls <= len(sample) / 1000


def sniff_delimiter(text: str) -> str:
    """The delimiter that gives the header most columns with rows of the same width."""
    sample = text[: 64 * 1024]
    truncated = len(text) > len(sample)
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r.cells for r in islice(records(sample, delimiter), 50)]
        except csv.Error:
            continue
        if truncated:
            rows = rows[:-1]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:]
        consistent = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def records(text: str, delimiter: str) -> Iterator[Record]:
    """Non-blank records with the physical line each starts on (a quoted newline spans lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if any(cell.strip() for cell in cells):
            yield Record(line, cells)


def data_records(data: bytes, *, encoding: str, delimiter: str) -> Iterator[Record]:
    """The rows of leads: every record after the header."""
    rows = records(decode(data, encoding), delimiter)
    next(rows, None)
    return rows


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> list[str]:
    """A lead field (or IGNORE) per column: what this organization chose last time, else the header's usual meaning."""
    remembered = remembered or {}
    mapping, taken = [], set()
    for header in headers:
        key = header_key(header)
        guess = remembered.get(key) or _ALIASES.get(key) or IGNORE
        if guess not in LEAD_FIELDS or guess in taken:
            guess = IGNORE
        taken.add(guess)
        mapping.append(guess)
    return mapping


def mapping_problems(headers: list[str], mapping: list[str]) -> dict[int | None, str]:
    """What is wrong with a mapping, by column index (None: the mapping as a whole). Empty when fine."""
    if len(mapping) != len(headers):
        return {None: "Choose a lead field (or “Don't import”) for every column."}
    problems: dict[int | None, str] = {}
    first_column: dict[str, int] = {}
    for index, name in enumerate(mapping):
        if name != IGNORE and name not in LEAD_FIELDS:
            problems[index] = "Choose one of the lead fields."
        elif name != IGNORE and name in first_column:
            problems[index] = f"{FIELD_LABELS[name]} is already chosen for “{headers[first_column[name]]}”."
        else:
            first_column.setdefault(name, index)
    chosen = set(mapping) - {IGNORE}
    if not chosen:
        problems[None] = "Choose a lead field for at least one column."
    elif not chosen & {"email", "external_id"}:
        problems[None] = "Choose the column holding the e-mail address or the external id: they tell leads apart."
    if "campaign" in chosen and "campaign_external_id" in chosen:
        problems[None] = "Choose one campaign column: by Smarketing id, or by external id or name."
    return problems


def normalize_number(value: str, *, whole: bool) -> str:
    """Thousands separators and currency signs out, a decimal comma made a point: "1.200.000" → "1200000"."""
    value = re.sub(r"[\s\u00a0\u202f'\u2019$€£¥]|\b(?:USD|EUR|GBP|CHF)\b", "", value.strip(), flags=re.IGNORECASE)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", value):
        return value.replace(",", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", value):
        # "1.200" alone may be 1.2 as an amount; as a count of employees it can only be 1200.
        if whole or "," in value or value.count(".") > 1:
            return value.replace(".", "").replace(",", ".")
        return value
    if re.fullmatch(r"\d+,\d{1,2}", value):
        return value.replace(",", ".")
    return value


def row_problem(cells: list[str], headers: list[str]) -> str:
    """A reason when the row's shape is broken; values past the header's columns are not silently dropped."""
    extra = [cell for cell in cells[len(headers) :] if cell.strip()]
    if extra:
        return (
            f"The row has {len(cells)} values but the file has {len(headers)} columns: "
            "a value may hold an unquoted separator."
        )
    return ""


# A cell an export defused against formulas ("'=Sum", "'+49 30…", with "|" escaped): the apostrophe and
# the escape are ours, not the user's, so an exported file re-imports unchanged.
DEFUSED_CELL = re.compile(r"'(?=[-@+=|%])")


def undefuse(value: str) -> str:
    return value[1:].replace("\\|", "|") if DEFUSED_CELL.match(value) else value


def row_to_item(cells: list[str], mapping: list[str]) -> dict:
    """The lead dict for clean_lead. Empty cells are left out, so they never erase what a lead has."""
    item = {}
    for name, cell in zip(mapping, cells, strict=False):
        value = undefuse(cell.strip().replace("\r\n", "\n"))
        if name == IGNORE or not value:
            continue
        if name in NUMBER_FIELDS:
            value = normalize_number(value, whole=NUMBER_FIELDS[name])
        item[name] = value
    return item


def resolve_campaign(item: dict, campaigns: dict[str, int]) -> dict:
    """Swap a campaign reference (external id or name) for the id of the campaign it names, when known."""
    reference = item.get("campaign_external_id")
    if not reference or "campaign" in item or reference not in campaigns:
        return item
    return {name: value for name, value in item.items() if name != "campaign_external_id"} | {
        "campaign": campaigns[reference]
    }


def describe_errors(errors: dict[str, list[str]], headers: list[str], mapping: list[str]) -> str:
    """Reasons like "Email: Enter a valid e-mail address.", each field named by the user's own column header."""
    column = {name: headers[i] for i, name in enumerate(mapping) if name != IGNORE}
    parts = []
    for name, messages in errors.items():
        text = " ".join(messages)
        if name == "non_field_errors":
            parts.append(text)
        else:
            parts.append(f"{column.get(name) or FIELD_LABELS.get(name, name)}: {text}")
    return " ".join(parts)


class _Echo:
    def write(self, value: str) -> str:
        return value


def rejections_csv(headers: list[str], rejections: Iterable[tuple[int, str, list[str]]]) -> Iterator[str]:
    """Rejected rows as UTF-8 CSV with a BOM (Excel reads it right), cells safe from formula injection."""
    writer = defused_csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(["Line", "Reason", *headers])
    width = len(headers)
    for line, reason, cells in rejections:
        yield writer.writerow([line, reason, *cells, *[""] * (width - len(cells))])


def column_examples(headers: list[str], sample: list[list], limit: int = 3) -> list[list[str]]:
    """Up to `limit` distinct non-empty values per column from the sample rows, for the mapping page."""
    examples: list[list[str]] = [[] for _ in headers]
    for _line, cells in sample:
        for index, cell in enumerate(cells[: len(headers)]):
            value = cell.strip()
            if value and value not in examples[index] and len(examples[index]) < limit:
                examples[index].append(value)
    return examples
