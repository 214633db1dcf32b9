"""CSV import of leads in the browser: upload, columns, preview, background run, report."""

import random
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role
from leads.csv_import import (
    FIELD_LABELS,
    IGNORE,
    CsvFileError,
    data_records,
    guess_mapping,
    inspect_file,
    normalize_number,
    row_problem,
    row_to_item,
)
from leads.models import Campaign, ImportColumnChoice, Lead, LeadImport, LeadImportRejection
from leads.services import imports as import_services
from leads.services.imports import run_lead_import, sweep_stuck_imports
from leads.tasks import run_lead_import_task
from leads.validation import LEAD_FIELDS, clean_lead
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
START = reverse("leads:import_start")


def csv_bytes(lines: list[str], *, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return newline.join(lines).encode(encoding) + newline.encode(encoding)


def upload(client, content: bytes, name: str = "leads.csv"):
    return client.post(START, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def uploaded(client, content: bytes, name: str = "leads.csv") -> LeadImport:
    response = upload(client, content, name)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return LeadImport.objects.latest("id")


def guessed(client, lead_import: LeadImport) -> list[str]:
    form = client.get(reverse("leads:import_mapping", args=[lead_import.pk])).context["form"]
    return [form.fields[f"col_{i}"].initial for i in range(len(lead_import.headers))]


def confirm(client, lead_import: LeadImport, mapping: list[str] | None = None):
    mapping = mapping or guessed(client, lead_import)
    data = {f"col_{i}": name for i, name in enumerate(mapping)}
    return client.post(reverse("leads:import_mapping", args=[lead_import.pk]), data)


def imported(client, content: bytes, mapping: list[str] | None = None, name: str = "leads.csv") -> LeadImport:
    """Upload, confirm the columns, start, and run the background job as a worker would."""
    lead_import = uploaded(client, content, name)
    assert confirm(client, lead_import, mapping).status_code == 302
    assert client.post(reverse("leads:import_run", args=[lead_import.pk])).status_code == 302
    assert run_lead_import_task(lead_import.pk) == "done"
    lead_import.refresh_from_db()
    return lead_import


def counts(lead_import: LeadImport) -> tuple[int, int, int, int]:
    i = lead_import
    return (i.created_count, i.updated_count, i.unchanged_count, i.rejected_count)


BAD_ROWS = [
    "First Name,Last Name,Email,Company Name,Notes",  # line 1
    "Ada,Lovelace,ada@analytical.test,Analytical Engines,",  # 2
    "Bob,Broken,not-an-email,Initech,",  # 3: bad e-mail
    'Cy,Quoted,cy@initech.test,Initech,"Met at the fair,',  # 4: a record over two lines
    'wants a demo"',  # 5
    "Dee,Bad,dee@nodot,Globex,",  # 6: bad e-mail, after the two-line record
    "",  # 7: empty, ignored
    ",,,,",  # 8: blank cells only, ignored
    "Eve,Nobody,,Hooli,",  # 9: nothing identifies the lead
    "Fay,Fine,fay@hooli.test,Hooli,Asked for pricing",  # 10
    "Gus,Extra,gus@hooli.test,Hooli,note,surplus",  # 11: one value too many
]


def test_a_file_with_bad_rows_reports_each_by_its_physical_line_and_stores_the_good_ones(client_for, marketer):
    lead_import = imported(client_for(marketer), csv_bytes(BAD_ROWS))
    assert lead_import.status == LeadImport.Status.DONE
    assert lead_import.total_rows == lead_import.processed_rows == 7
    assert counts(lead_import) == (3, 0, 0, 4)
    assert sum(counts(lead_import)) == lead_import.total_rows
    rejections = list(LeadImportRejection.objects.filter(lead_import=lead_import).order_by("line_number"))
    assert [r.line_number for r in rejections] == [3, 6, 9, 11]
    assert rejections[0].reason == "Email: Enter a valid e-mail address."
    assert rejections[0].values == ["Bob", "Broken", "not-an-email", "Initech", ""]
    assert rejections[2].reason.startswith("Email: ")
    assert "6 values but the file has 5 columns" in rejections[3].reason
    assert set(Lead.objects.filter(org=marketer.org).values_list("email", flat=True)) == {
        "ada@analytical.test",
        "cy@initech.test",
        "fay@hooli.test",
    }
    assert Lead.objects.get(email="cy@initech.test").notes == "Met at the fair,\nwants a demo"


def test_the_report_lists_each_rejected_line_with_its_reason(client_for, marketer):
    client = client_for(marketer)
    lead_import = imported(client, csv_bytes(BAD_ROWS))
    page = client.get(reverse("leads:import_detail", args=[lead_import.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'hx-trigger="every 1s"' not in text, "a finished import stops polling"
    for line in (3, 6, 9, 11):
        assert f'<td class="fw-semibold">{line}</td>' in text
    assert "Email: Enter a valid e-mail address." in text
    assert client.get(START).context["page"].object_list[0] == lead_import


def test_utf8_with_bom_crlf_semicolons_and_thousands_separators_are_read_right(client_for, marketer):
    lines = [
        "\ufeffFirst Name;Last Name;Email;Company Name;Number of Employees;Annual Revenue;Country",
        'Jürgen;Größe;jurgen@baecker.test;"Bäcker; Söhne";1.200;1.200.000;Germany',
        "Ana;Lima;ana@lima.test;Lima SA;1,500;2.500.000,50;BR",
    ]
    lead_import = imported(client_for(marketer), csv_bytes(lines, newline="\r\n"))
    assert (lead_import.encoding, lead_import.delimiter) == ("utf-8-sig", ";")
    assert lead_import.headers[0] == "First Name"
    assert counts(lead_import) == (2, 0, 0, 0)
    jurgen = Lead.objects.get(email="jurgen@baecker.test")
    assert (jurgen.last_name, jurgen.company_name, jurgen.country) == ("Größe", "Bäcker; Söhne", "DE")
    assert (jurgen.employees, jurgen.annual_revenue) == (1200, Decimal("1200000.00"))
    ana = Lead.objects.get(email="ana@lima.test")
    assert (ana.employees, ana.annual_revenue) == (1500, Decimal("2500000.50"))


def test_a_latin1_file_keeps_its_accents_and_quoted_commas(client_for, marketer):
    lines = [
        "Email Address,First Name,Last Name,Company,Employees,Annual Revenue",
        'hans@mueller.test,Hans,Müller,"Société Générale, Paris","1,200","$3,400,000"',
        "zoe@cafe.test,Zoé,Deschênes,Café Crème,12,",
    ]
    lead_import = imported(client_for(marketer), csv_bytes(lines, encoding="latin-1"))
    assert lead_import.encoding in {"cp1252", "latin-1"}
    hans = Lead.objects.get(email="hans@mueller.test")
    assert (hans.last_name, hans.company_name) == ("Müller", "Société Générale, Paris")
    assert (hans.employees, hans.annual_revenue) == (1200, Decimal("3400000.00"))
    zoe = Lead.objects.get(email="zoe@cafe.test")
    assert (zoe.first_name, zoe.last_name, zoe.company_name) == ("Zoé", "Deschênes", "Café Crème")


def test_windows_1252_quotes_and_dashes_and_tab_separated_files_are_read_right():
    company = "O\u2019Brien \u2013 \u201cBest\u201d Ltd"
    content = csv_bytes(["Email\tCompany Name\tNotes", f"a@b.test\t{company}\tGrüße"], encoding="cp1252")
    inspected = inspect_file(content)
    assert (inspected.encoding, inspected.delimiter) == ("cp1252", "\t")
    assert inspected.sample[0].cells == ["a@b.test", company, "Grüße"]
    # Excel's "Unicode text": UTF-16 with a BOM, tab separated.
    unicode_text = "\ufeffEmail\tLast Name\r\nz@b.test\tŻółć\r\n".encode("utf-16-le")
    inspected = inspect_file(unicode_text)
    assert (inspected.encoding, inspected.headers, inspected.sample[0].cells) == (
        "utf-16",
        ["Email", "Last Name"],
        ["z@b.test", "Żółć"],
    )


@pytest.mark.parametrize(
    ("value", "whole", "expected"),
    [
        ("1,200", True, "1200"),
        ("1.200", True, "1200"),
        ("1.200.000", False, "1200000"),
        ("1,200,000.50", False, "1200000.50"),
        ("1.200.000,50", False, "1200000.50"),
        ("$ 1,200", False, "1200"),
        ("1 200 000 €", False, "1200000"),
        ("1200,5", False, "1200.5"),
        ("1.5", False, "1.5"),
        ("1.200", False, "1.200"),  # an amount with three decimals: not clearly thousands
        ("25-50", True, "25-50"),  # left for the validator to refuse
    ],
)
def test_numbers_lose_their_thousands_separators_only_where_clearly_meant(value, whole, expected):
    assert normalize_number(value, whole=whole) == expected


HUBSPOT = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name", "Country/Region",
    "State/Region", "Number of Employees", "Annual Revenue", "Industry", "Lead Status", "Website URL",
]  # fmt: skip
MARKETO = [
    "Id", "First Name", "Last Name", "Email Address", "Company Name", "Job Title", "Phone Number", "Country",
    "State", "Lead Source", "Annual Revenue", "Industry", "Pain points", "Budget", "Purchase timeline", "Campaign",
]  # fmt: skip
SALESFORCE = [
    "Lead ID", "FirstName", "LastName", "Title", "Company / Account", "Email", "Phone", "Country", "State/Province",
    "NumberOfEmployees", "AnnualRevenue", "LeadSource", "Website", "Description",
]  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (HUBSPOT, [
            "external_id", "first_name", "last_name", "email", "phone", "job_title", "company_name", "country",
            "region", "employees", "annual_revenue", "industry", IGNORE, "company_domain",
        ]),
        (MARKETO, [
            "external_id", "first_name", "last_name", "email", "company_name", "job_title", "phone", "country",
            "region", "source", "annual_revenue", "industry", "pain_points", "budget", "timeline",
            "campaign_external_id",
        ]),
        (SALESFORCE, [
            "external_id", "first_name", "last_name", "job_title", "company_name", "email", "phone", "country",
            "region", "employees", "annual_revenue", "source", "company_domain", "notes",
        ]),
    ],
    ids=["hubspot", "marketo", "salesforce"],
)  # fmt: skip
def test_columns_of_typical_marketing_tool_exports_are_guessed(headers, expected):
    assert guess_mapping(headers) == expected


def test_a_header_used_twice_is_guessed_once_and_every_field_has_a_label():
    assert guess_mapping(["Email", "E-mail", "Contact ID"]) == ["email", IGNORE, "external_id"]
    assert set(FIELD_LABELS) == LEAD_FIELDS


def test_the_last_confirmed_columns_win_over_the_guess_next_time(client_for, marketer, marketing_manager):
    content = csv_bytes(["Email,Title,Organisation Name,Source", "a@b.test,CTO,Initech,Fair"])
    client = client_for(marketer)
    first = uploaded(client, content)
    assert guessed(client, first) == ["email", "job_title", IGNORE, "source"]
    assert confirm(client, first, ["email", IGNORE, "company_name", "source"]).status_code == 302
    assert set(ImportColumnChoice.objects.values_list("header_key", "field")) == {
        ("email", "email"),
        ("title", IGNORE),
        ("organisationname", "company_name"),
        ("source", "source"),
    }
    # Another member of the organization, another file with these headers in another order and case.
    other = client_for(marketing_manager)
    second = uploaded(other, csv_bytes(["ORGANISATION NAME;title;email", "Initech;CTO;a@b.test"]))
    assert guessed(other, second) == ["company_name", IGNORE, "email"]


def test_remembered_columns_stay_within_their_organization(client_for, marketer, globex):
    content = csv_bytes(["Email,Organisation Name", "a@b.test,Initech"])
    client = client_for(marketer)
    confirm(client, uploaded(client, content), ["email", "company_name"])
    outsider = client_for(MembershipFactory(org=globex, role=Role.MARKETER))
    assert guessed(outsider, uploaded(outsider, content)) == ["email", IGNORE]


def test_the_preview_shows_rows_as_they_will_be_stored_and_writes_nothing(client_for, marketer):
    client = client_for(marketer)
    lines = [
        "Email,Country,Number of Employees,Annual Revenue",
        'ok@initech.test,Germany,1.200,"1,500,000"',
        "broken,Atlantis,many,",
    ]
    lead_import = uploaded(client, csv_bytes(lines))
    confirm(client, lead_import)
    page = client.get(reverse("leads:import_preview", args=[lead_import.pk]))
    assert page.status_code == 200
    good, bad = page.context["rows"]
    assert (good.line, good.ok) == (2, True)
    assert [cell.value for cell in good.cells] == ["ok@initech.test", "DE", "1200", "1500000.00"]
    assert (bad.line, bad.ok) == (3, False)
    assert bad.cells[0].errors == ["Enter a valid e-mail address."]
    assert "Number of Employees: Must be a whole number." in bad.reason
    assert "1 of the first 2 rows will be rejected" in page.content.decode()
    assert not Lead.objects.exists()
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.UPLOADED


def test_campaigns_are_found_by_external_id_or_name_and_unknown_ones_rejected(client_for, marketer):
    spring = Campaign.objects.create(org=marketer.org, name="Spring Webinar", external_id="")
    autumn = Campaign.objects.create(org=marketer.org, name="Autumn fair", external_id="cmp-9")
    lines = ["Email,Campaign", "a@x.test,spring webinar", "b@x.test,cmp-9", "c@x.test,Winter gala"]
    client = client_for(marketer)
    lead_import = uploaded(client, csv_bytes(lines))
    confirm(client, lead_import)
    rows = client.get(reverse("leads:import_preview", args=[lead_import.pk])).context["rows"]
    assert [row.ok for row in rows] == [True, True, False]
    client.post(reverse("leads:import_run", args=[lead_import.pk]))
    run_lead_import_task(lead_import.pk)
    assert Lead.objects.get(email="a@x.test").campaign == spring
    assert Lead.objects.get(email="b@x.test").campaign == autumn
    rejection = LeadImportRejection.objects.get()
    assert (rejection.line_number, "Winter gala" in rejection.reason) == (4, True)


def test_importing_the_same_file_again_changes_nothing_and_says_unchanged(client_for, marketer):
    client = client_for(marketer)
    content = csv_bytes(BAD_ROWS)
    first = imported(client, content)
    leads = set(Lead.objects.values_list("id", "updated_at"))
    again = imported(client, content)
    assert counts(again) == (0, 0, first.created_count + first.updated_count, first.rejected_count)
    assert set(Lead.objects.values_list("id", "updated_at")) == leads


def test_a_second_file_updates_known_leads_and_empty_cells_erase_nothing(client_for, marketer):
    client = client_for(marketer)
    imported(client, csv_bytes(["Email,Job Title,Phone", "ada@x.test,CTO,+49 30 1"]))
    second = imported(client, csv_bytes(["Email,Job Title,Phone", "ada@x.test,CEO,", "new@x.test,,"]))
    assert counts(second) == (1, 1, 0, 0)
    ada = Lead.objects.get(email="ada@x.test")
    assert (ada.job_title, ada.phone) == ("CEO", "+49 30 1")


class WorkerKilled(BaseException):
    """Like SIGKILL: nothing in the service catches it, the open transaction is simply gone."""


def big_file(rows: int = 1200) -> bytes:
    lines = ["Contact ID,Email,First Name,Number of Employees"]
    for n in range(rows):
        email = f"lead{n}@example.test" if n % 97 else f"broken-{n}"
        lines.append(f"c-{n},{email},Name {n},{n % 5000}")
    return csv_bytes(lines)


def test_a_worker_killed_half_way_resumes_where_it_stopped_with_the_same_counts(
    client_for, marketer, globex, monkeypatch
):
    content = big_file()
    outsider = client_for(MembershipFactory(org=globex, role=Role.MARKETER))
    uninterrupted = imported(outsider, content)

    client = client_for(marketer)
    lead_import = uploaded(client, content)
    confirm(client, lead_import)
    client.post(reverse("leads:import_run", args=[lead_import.pk]))
    real_upsert, calls = import_services.upsert_leads, []

    def dies_in_the_second_chunk(**kwargs):
        calls.append(1)
        result = real_upsert(**kwargs)
        if len(calls) == 2:
            raise WorkerKilled  # after the chunk's leads were written, before its commit
        return result

    monkeypatch.setattr(import_services, "upsert_leads", dies_in_the_second_chunk)
    with pytest.raises(WorkerKilled):
        run_lead_import_task(lead_import.pk)
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.processed_rows) == (LeadImport.Status.RUNNING, 500)
    assert Lead.objects.filter(org=marketer.org).count() == lead_import.created_count
    monkeypatch.setattr(import_services, "upsert_leads", real_upsert)

    # The redelivered message finds the dead worker's fresh heartbeat: not yet taken over.
    assert run_lead_import_task(lead_import.pk) == "not claimed"
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert run_lead_import_task(lead_import.pk) == "done"
    lead_import.refresh_from_db()
    assert counts(lead_import) == counts(uninterrupted)
    assert lead_import.processed_rows == lead_import.total_rows == 1200
    leads = Lead.objects.filter(org=marketer.org)
    assert leads.count() == leads.values("external_id").distinct().count() == lead_import.created_count
    assert LeadImportRejection.objects.filter(lead_import=lead_import).count() == lead_import.rejected_count == 13


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_import_process_it_once(client_for, marketer, monkeypatch):
    # The test calls the workers itself; nothing goes to the broker.
    monkeypatch.setattr(import_services, "enqueue_on_commit", lambda task, *args: None)
    client = client_for(marketer)
    lead_import = uploaded(client, big_file(600))
    confirm(client, lead_import)
    client.post(reverse("leads:import_run", args=[lead_import.pk]))
    outcomes, barrier = [], threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            outcomes.append(run_lead_import(lead_import_id=lead_import.pk, chunk_size=100))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "not claimed"]
    lead_import.refresh_from_db()
    assert lead_import.processed_rows == 600 and sum(counts(lead_import)) == 600
    assert Lead.objects.count() == lead_import.created_count


def test_a_stuck_import_is_sent_to_the_workers_again(client_for, marketer, monkeypatch):
    client = client_for(marketer)
    sent = []
    monkeypatch.setattr(import_services, "enqueue_on_commit", lambda task, *args: sent.append(args))
    stuck = uploaded(client, big_file(10))
    confirm(client, stuck)
    client.post(reverse("leads:import_run", args=[stuck.pk]))
    assert sent == [(stuck.pk,)]
    fresh = uploaded(client, big_file(10))
    confirm(client, fresh)
    client.post(reverse("leads:import_run", args=[fresh.pk]))
    assert sweep_stuck_imports() == 0
    sent.clear()
    LeadImport.objects.filter(pk=stuck.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert sweep_stuck_imports() == 1
    assert sent == [(stuck.pk,)]


def test_rejected_rows_download_as_csv_with_bom_headers_and_no_formulas(client_for, marketer):
    client = client_for(marketer)
    lines = ["Email,Company Name,Notes", 'nobody,Evil Corp,"=HYPERLINK(""http://evil.test"",""Click"")"']
    lead_import = imported(client, csv_bytes(lines))
    response = client.get(reverse("leads:import_rejections", args=[lead_import.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="leads-rejected-rows.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig").splitlines()
    assert text[0] == "Line,Reason,Email,Company Name,Notes"
    assert text[1].startswith("2,Email: Enter a valid e-mail address.,nobody,Evil Corp,")
    assert "'=HYPERLINK" in text[1] and ',"=HYPERLINK' not in text[1]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REJECTIONS_EXPORTED, org=marketer.org).count() == 1


def test_starting_and_finishing_an_import_is_audited_once_even_when_start_is_clicked_twice(client_for, marketer):
    client = client_for(marketer)
    lead_import = uploaded(client, csv_bytes(["Email", "a@x.test"]))
    confirm(client, lead_import)
    run = reverse("leads:import_run", args=[lead_import.pk])
    client.post(run)
    second = client.post(run, follow=True)
    assert "already started" in second.content.decode()
    run_lead_import_task(lead_import.pk)
    kinds = list(AuditEvent.objects.filter(org=marketer.org).values_list("kind", "target", "details"))
    assert kinds.count((AuditEvent.Kind.IMPORT_STARTED, "leads.csv", {"import": lead_import.pk, "rows": 1})) == 1
    finished = AuditEvent.objects.get(kind=AuditEvent.Kind.IMPORT_FINISHED)
    assert finished.details["created"] == 1 and finished.actor == marketer.user


def test_the_progress_region_polls_while_running_and_shows_the_counts(client_for, marketer):
    client = client_for(marketer)
    lead_import = uploaded(client, csv_bytes(["Email", "a@x.test", "b@x.test"]))
    confirm(client, lead_import)
    client.post(reverse("leads:import_run", args=[lead_import.pk]))
    url = reverse("leads:import_detail", args=[lead_import.pk])
    waiting = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert waiting.lstrip().startswith('<div id="import-status"') and 'hx-trigger="every 1s"' in waiting
    assert '<progress class="import-progress" max="2" value="0"' in waiting
    run_lead_import_task(lead_import.pk)
    finished = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in finished and "<progress" not in finished
    assert "Import finished" in finished


BAD_FILES = {
    "empty": (b"", "The submitted file is empty."),
    "blank": (b"\n\n  \r\n", "The file is empty."),
    "header only": (b"Email,First Name\r\n", "a header but no rows"),
    "binary junk": (random.Random(7).randbytes(4000), "does not look like a CSV file"),
    "excel workbook": (b"PK\x03\x04" + b"\x00" * 200, "This is an Excel workbook"),
    "unterminated quote": (b'Email,Notes\na@b.test,"' + b"x" * 140_000 + b"\n", "cannot be read as CSV"),
}


CSV_ISH = st.text(alphabet=',;\t|"\r\n \x00ab1.@xé€', max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=600), CSV_ISH.map(lambda t: ("Email,Employees,Country\n" + t).encode("utf-8"))))
def test_any_upload_is_read_or_refused_with_a_reason_never_an_error(data):
    try:
        inspected = inspect_file(data)
    except CsvFileError:
        return  # refused, with a message the upload page shows
    mapping = guess_mapping(inspected.headers)
    seen = 0
    for record in data_records(data, encoding=inspected.encoding, delimiter=inspected.delimiter):
        row_problem(record.cells, inspected.headers)
        clean_lead(row_to_item(record.cells, mapping))
        seen += 1
    assert seen == inspected.total_rows


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_file_that_cannot_be_imported_gets_a_clear_error_and_changes_nothing(client_for, marketer, kind):
    content, message = BAD_FILES[kind]
    response = upload(client_for(marketer), content)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not LeadImport.objects.exists()


def test_a_file_over_the_limits_is_refused(client_for, marketer, monkeypatch):
    monkeypatch.setattr("leads.csv_import.MAX_ROWS", 5)
    client = client_for(marketer)
    response = upload(client, csv_bytes(["Email"] + [f"a{n}@x.test" for n in range(6)]))
    assert "more than 5 rows" in " ".join(response.context["form"].errors["file"])
    response = upload(client, b"Email\n" + b"a@x.test\n" * (20 * 1024 * 1024 // 9 + 1))
    assert "at most 20 MB" in " ".join(response.context["form"].errors["file"])
    assert not LeadImport.objects.exists()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ([IGNORE, IGNORE, IGNORE], "Choose a lead field for at least one column."),
        ([IGNORE, "first_name", "company_name"], "the e-mail address or the external id"),
        (["email", "email", IGNORE], "E-mail is already chosen for “Email”."),
        (["email", "no_such_field", IGNORE], "Select a valid choice."),
    ],
)
def test_a_mapping_without_a_way_to_tell_leads_apart_is_refused(client_for, marketer, mapping, message):
    client = client_for(marketer)
    lead_import = uploaded(client, csv_bytes(["Email,First Name,Company", "a@x.test,Ann,Initech"]))
    response = confirm(client, lead_import, mapping)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    lead_import.refresh_from_db()
    assert lead_import.mapping == []
    assert not ImportColumnChoice.objects.exists()
    start = client.post(reverse("leads:import_run", args=[lead_import.pk]))
    assert start.url == reverse("leads:import_mapping", args=[lead_import.pk])
    assert LeadImport.objects.get().status == LeadImport.Status.UPLOADED


def test_another_organizations_import_answers_404_on_every_page(client_for, marketer, globex):
    outsider = client_for(MembershipFactory(org=globex, role=Role.MARKETER))
    theirs = imported(outsider, csv_bytes(BAD_ROWS))
    client = client_for(marketer)
    for name in ("import_detail", "import_mapping", "import_preview", "import_rejections"):
        assert client.get(reverse(f"leads:{name}", args=[theirs.pk])).status_code == 404, name
    assert client.post(reverse("leads:import_run", args=[theirs.pk])).status_code == 404
    assert theirs not in client.get(START).context["page"].object_list


def test_a_sales_rep_may_not_import(client_for, rep):
    client = client_for(rep)
    assert client.get(START).status_code == 403
    assert upload(client, csv_bytes(["Email", "a@x.test"])).status_code == 403
    assert not LeadImport.objects.exists()


def test_import_pages_need_no_inline_styles_or_scripts(client_for, marketer):
    client = client_for(marketer)
    lead_import = imported(client, csv_bytes(BAD_ROWS))
    pending = uploaded(client, csv_bytes(BAD_ROWS))
    confirm(client, pending)
    pages = [
        START,
        reverse("leads:import_mapping", args=[pending.pk]),
        reverse("leads:import_preview", args=[pending.pk]),
        reverse("leads:import_detail", args=[lead_import.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "style=" not in response.text, url
        assert all("nonce=" in tag for tag in re.findall(r"<script[^>]*>", response.text)), url
