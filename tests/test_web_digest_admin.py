"""/admin/digests through the real app: admins see the outbox and can queue a run; nobody else."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from paperboy.app import Deps, build_deps
from paperboy.config import Settings
from paperboy.domain.accounts import Role
from paperboy.domain.digest_schedule import latest_slot
from paperboy.domain.digests import Preferences
from paperboy.services.digest_outbox import run_digests
from paperboy.web.app import create_app
from tests.support.community import listed
from tests.support.members import add_member, log_in
from tests.support.smtp import SmtpSink
from tests.support.subscribers import add_subscriber

HOSTILE = "550 5.1.1 <script>alert(1)</script> no such user"


@pytest.fixture
def deps(smtp_settings: Settings, smtp_sink: SmtpSink) -> Deps:
    """An admin, a member, three subscribers (one refused by the server) after one run."""
    deps = build_deps(smtp_settings)
    add_member(deps, "grace", role=Role.ADMIN)
    add_member(deps, "ada")
    now = deps.clock()
    slot = latest_slot(Preferences(), now)
    assert slot is not None
    deps.store.upsert_entries([listed("2603.00001", date.fromisoformat(slot.period))])
    for name in ("alan", "barbara", "bounce"):
        add_subscriber(deps, f"{name}@example.org", now=now - timedelta(days=8))
    add_subscriber(deps, "later@example.org", active=False)
    smtp_sink.refusals["bounce@example.org"] = HOSTILE
    run_digests(deps)
    return deps


def client_as(deps: Deps, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(deps), follow_redirects=False)
    return client, log_in(client, username)


def cells(tree: LexborHTMLParser, table: str) -> dict[str, str]:
    return {
        td.attributes["data-status"] or "": td.text(strip=True)
        for td in tree.css(f"#{table} td[data-status]")
    }


def test_the_admin_sees_subscribers_outbox_runs_and_failures(deps: Deps) -> None:
    client, _ = client_as(deps, "grace")
    page = client.get("/admin/digests")
    assert page.status_code == 200
    tree = LexborHTMLParser(page.text)
    assert cells(tree, "subscriber-counts")["active"] == "3"
    assert cells(tree, "subscriber-counts")["pending"] == "1"
    assert cells(tree, "delivery-counts")["sent"] == "2"
    assert cells(tree, "delivery-counts")["failed"] == "1"
    [run] = tree.css("#runs tr[data-run]")
    assert [td.text(strip=True) for td in run.css("td")][3:8] == ["3", "2", "0", "0", "1"]
    [failure] = tree.css("#failures tbody tr")
    assert "bounce@example.org" in failure.text()
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_run_now_queues_a_digest_run(deps: Deps) -> None:
    client, csrf = client_as(deps, "grace")
    done = client.post("/admin/digests/run", data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"].startswith("/admin/digests")
    assert [(j.task, j.status) for j in deps.jobs.recent(5)] == [("digest.run", "queued")]
    assert "1 run(s) queued" in client.get("/admin/digests").text


def test_run_now_without_the_form_token_is_refused(deps: Deps) -> None:
    client, _ = client_as(deps, "grace")
    assert client.post("/admin/digests/run").status_code == 403
    assert deps.jobs.recent(5) == []


def test_members_and_visitors_cannot_see_the_digest_admin(deps: Deps) -> None:
    member, csrf = client_as(deps, "ada")
    assert member.get("/admin/digests").status_code == 403
    assert member.post("/admin/digests/run", data={"csrf_token": csrf}).status_code == 403
    visitor = TestClient(create_app(deps), follow_redirects=False)
    assert visitor.get("/admin/digests").status_code in {303, 401}
    assert deps.jobs.recent(5) == []


def test_the_json_twin_says_the_same_for_admins_only(deps: Deps) -> None:
    client, _ = client_as(deps, "grace")
    state = client.get("/api/admin/digests").json()
    assert state["subscribers"]["active"] == 3
    assert (state["deliveries"]["sent"], state["deliveries"]["failed"]) == (2, 1)
    assert [f["email"] for f in state["failures"]] == ["bounce@example.org"]
    member, _ = client_as(deps, "ada")
    refused = member.get("/api/admin/digests")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admins_only"
