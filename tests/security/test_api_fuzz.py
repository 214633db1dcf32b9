"""The whole API, attacked by Schemathesis on a real server with two organizations' tokens (issue 8, part 1).

gunicorn serves the test database; Schemathesis reads /api/schema/ and runs its four phases
(examples, coverage, fuzzing, stateful) with the checks below. Every member of both organizations
has a token (Web Fuzzing Commons auth file): each operation runs as the first identity its role rules
admit, and the two organizations' marketers are peers, so each object one of them reads is asked for
again with the other one's token (`object_level_authorization`). A separate test walks every object
address in the schema with one organization's ids and the other one's tokens.

The CI run is bounded (a fixed seed, API_FUZZ_EXAMPLES cases per operation and phase); the full
size is `API_FUZZ_EXAMPLES=100 ./dev test tests/security/test_api_fuzz.py -n0` (see the README).
Figures and Schemathesis' own report land in test-artifacts/api-fuzz/.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from bench.http import free_port
from leads.models import Campaign, ContentAsset, CriteriaVersion, Lead
from tests.conftest import api_client, database_url_for_subprocesses
from tests.security.tenants import Tenant, build_tenant

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts" / "api-fuzz"
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("API_FUZZ_SEED", "8108"))
WORKERS = int(os.environ.get("API_FUZZ_WORKERS", "4"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "object_level_authorization",
]
# Refusals of schema-violating input: Schemathesis' list, plus 413 (a batch over its limit) and 414
# (a query longer than gunicorn reads), which the schema documents.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]
# The order in which an operation tries identities: the first one its role rules admit keeps it.
IDENTITY_ORDER = [Role.MARKETER, Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETING_MANAGER, Role.ADMIN]
PEERS = ["acme-marketer", "globex-marketer"]
# Which ids an object address takes, by the path's first segment.
KIND_OF_PATH = {"leads": "leads", "campaigns": "campaigns", "content-assets": "content-assets",
                "criteria-versions": "criteria-versions"}  # fmt: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def tenants(transactional_db) -> tuple[Tenant, Tenant]:
    return build_tenant("acme", "Acme"), build_tenant("globex", "Globex")


@pytest.fixture
def api_server(tenants, collected_static, tmp_path):
    """gunicorn on a free loopback port, serving the test database with production settings."""
    port = free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "smarketing.settings",
        "DATABASE_URL": database_url_for_subprocesses(),
        "REDIS_URL": settings.REDIS_URL,
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # The fuzzer is one client sending thousands of requests a minute; 429 is documented, not the subject.
        "API_RATE_MEMBER": "1000000/min",
        "API_RATE_ANONYMOUS": "1000000/min",
    }
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "smarketing.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "3", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, f"{base}/healthz")
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 -- our own loopback http URL
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.3)


def _wfc_auth(tenants: tuple[Tenant, Tenant]) -> dict:
    users = []
    for tenant in tenants:
        for role in IDENTITY_ORDER:
            header = {"name": "Authorization", "value": f"Bearer {tenant.tokens[role]}"}
            users.append({"name": f"{tenant.org.slug}-{role}", "fixedHeaders": [header]})
    return {"schemaVersion": "0.1.0", "auth": users}


def _toml(value) -> str:
    return json.dumps(value)  # JSON strings, numbers and arrays are valid TOML


def _config(tmp_path: Path, tenants: tuple[Tenant, Tenant]) -> Path:
    acme = tenants[0]
    auth = tmp_path / "wfc-auth.json"
    auth.write_text(json.dumps(_wfc_auth(tenants)))
    # Most of the time an object address names a real object of the first organization, in whatever
    # state the run has left it; otherwise the fuzzer makes ids up.
    dictionaries = {kind: kind.replace("-", "_") for kind in acme.ids}
    lines = [
        f"seed = {SEED}",
        f"workers = {WORKERS}",
        *(f"dictionaries.{name}.values = {_toml(acme.ids[kind])}" for kind, name in dictionaries.items()),
        "[generation]",
        f"max-examples = {EXAMPLES}",
        "[phases.examples]",
        "fill-missing = true",
        "[checks]",
        "enabled = false",
        *(f"{check}.enabled = true" for check in CHECKS),
        f"negative_data_rejection.expected-statuses = {_toml(REJECTIONS)}",
        "[auth.wfc]",
        f"path = {_toml(str(auth))}",
        f"peers = {_toml(PEERS)}",
        "[reports.json]",
        "enabled = true",
        f"path = {_toml(str(ARTIFACTS / 'report.json'))}",
    ]
    for kind, name in dictionaries.items():
        lines += [
            "[[operations]]",
            f"include-path-regex = {_toml(f'^/api/v1/{kind}/' + re.escape('{id}') + '/')}",
            f'parameters."path.id" = {{ dictionary = {_toml(name)}, probability = 0.8 }}',
        ]
    config = tmp_path / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_schemathesis_finds_nothing_wrong_in_any_operation(tenants, api_server, tmp_path):
    base, server_log = api_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    config = _config(tmp_path, tenants)
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run",
         f"{base}/api/schema/", "--output-truncate", "false"],
        cwd=tmp_path, capture_output=True, text=True, timeout=840, check=False,
    )  # fmt: skip
    seconds = round(time.monotonic() - started)
    (ARTIFACTS / "output.txt").write_text(run.stdout + run.stderr)
    report = json.loads((ARTIFACTS / "report.json").read_text())
    figure = {
        "seed": SEED,
        "max_examples": EXAMPLES,
        "seconds": seconds,
        "operations_total": report["operations"]["total"],
        "operations_tested": report["operations"]["tested"],
        "cases_generated": report["test_cases"]["generated"],
        "cases_with_failures": report["test_cases"]["with_failures"],
        "unique_failures": report["test_cases"]["unique_failures"],
        "errored": report["test_cases"]["errored"] + report["operations"]["errored"],
        "phases": {name: phase["status"] for name, phase in report["phases"].items()},
    }
    (ARTIFACTS / "figure.json").write_text(json.dumps(figure, indent=2) + "\n")
    print(f"\nAPI fuzz: {json.dumps(figure)}")

    output = run.stdout[run.stdout.find("FAILURES") :] if "FAILURES" in run.stdout else run.stdout[-4000:]
    assert figure["unique_failures"] == 0 and figure["errored"] == 0 and run.returncode == 0, output
    assert figure["operations_tested"] == figure["operations_total"] >= 30
    assert all(status == "success" for status in figure["phases"].values()), figure["phases"]
    # Probes Schemathesis sends beside its cases (odd paths, odd headers) are not judged by its
    # checks; the server's log shows whether any of them broke something.
    assert "Internal Server Error" not in server_log.read_text(), server_log.read_text()[-4000:]


def _object_operations(schema: dict) -> list[tuple[str, str, str]]:
    """(method, path, kind of id) of every operation on one object of the API."""
    operations = []
    for path, item in schema["paths"].items():
        if "{id}" not in path:
            continue
        kind = KIND_OF_PATH[path.removeprefix("/api/v1/").split("/")[0]]
        operations += [(method.upper(), path, kind) for method in item if method != "parameters"]
    return operations


def _state(org) -> list:
    return [
        sorted(Lead.objects.filter(org=org).values_list("id", "status", "owner_id", "updated_at")),
        sorted(Campaign.objects.filter(org=org).values_list("id", "name", "is_active")),
        sorted(ContentAsset.objects.filter(org=org).values_list("id", "title")),
        sorted(CriteriaVersion.objects.filter(org=org).values_list("id", "status", "name")),
    ]


def test_every_object_address_answers_404_to_the_other_organization(tenants, client):
    acme, globex = tenants
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    operations = _object_operations(schema)
    assert len(operations) >= 14, operations
    before = _state(acme.org)
    outsiders = {role: api_client(member) for role, member in globex.members.items()}
    owner = api_client(acme.members[Role.ADMIN])
    for method, path, kind in operations:
        for object_id in acme.ids[kind]:
            url = path.replace("{id}", str(object_id))
            if method == "GET":
                assert owner.get(url).status_code == 200, url  # the id is real: its own organization reads it
            for role, outsider in outsiders.items():
                answer = outsider.generic(method, url, data="{}", content_type="application/json")
                # A role that may not do this at all hears so first; every other role hears "not found".
                expected = {404} if role == Role.ADMIN else {403, 404}
                assert answer.status_code in expected, (method, url, role, answer.status_code, answer.content)
                assert answer.json()["code"] in ("not_found", "permission_denied"), (method, url, answer.json())
    assert _state(acme.org) == before
