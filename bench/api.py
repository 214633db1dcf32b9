"""A client's view of the API for benchmarks: an integration member, its token, and JSON posts."""

import json
import threading

import requests

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import create_api_token


def integration_token(member: Membership) -> str:
    email = f"bench-integration.{member.org.slug}@integrations.invalid"
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, None, full_name="Bench integration", is_integration=True
    )
    integration, _ = Membership.objects.get_or_create(
        org=member.org, user=user, defaults={"role": Role.MARKETER, "side": "marketing"}
    )
    _token, secret = create_api_token(by=integration, member=integration, name="bench")
    return secret


def post_all(url: str, token: str, bodies: list[bytes], *, clients: int = 2) -> list[dict]:
    """POST every body, `clients` connections in parallel; returns the JSON answers in order."""
    answers: list[dict | None] = [None] * len(bodies)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def work(offset: int) -> None:
        with requests.Session() as session:
            for index in range(offset, len(bodies), clients):
                response = session.post(url, data=bodies[index], headers=headers, timeout=300)
                response.raise_for_status()
                answers[index] = response.json()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    if any(answer is None for answer in answers):
        raise RuntimeError("a request failed")
    return answers


def encode(items: list[dict]) -> bytes:
    return json.dumps({"items": items}).encode()
