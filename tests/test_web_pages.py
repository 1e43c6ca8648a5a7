"""The HTML pages over real recorded daily lists, through the whole app in process.

Pages are parsed and checked with CSS selectors. "Today" comes from a clock passed to
`build_deps`, never from the machine's.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser, LexborNode

from paperboy.app import Deps, build_deps
from paperboy.domain.models import EntryRecord, PaperRecord, PaperVersion, Submitter
from paperboy.web.app import create_app
from tests.conftest import make_settings
from tests.support.recorded_days import (
    CODE_PAPER,
    DAILY,
    MATH_PAPER,
    recorded,
    write_recorded_days,
)

# Saturday in New York: no list today, so "/" falls back to Tuesday 2024-12-03.
SATURDAY = datetime(2024, 12, 7, 15, 0, tzinfo=UTC)


@dataclass
class Site:
    """The app over a database holding the recorded days, and a client of it."""

    deps: Deps
    client: TestClient

    def page(self, url: str, status: int = 200) -> LexborHTMLParser:
        response = self.client.get(url)
        assert response.status_code == status, response.text[:500]
        assert response.headers["content-type"].startswith("text/html")
        return LexborHTMLParser(response.text)


def upvote_order(*days: str) -> list[str]:
    """Ids as the list orders them: most upvotes first, then the later submission."""
    items = [item for day in days for item in recorded(day)]
    items.sort(key=lambda i: (i["paper"]["upvotes"], i["publishedAt"]), reverse=True)
    return [i["paper"]["id"] for i in items]


def newest_order(*days: str) -> list[str]:
    items = [item for day in days for item in recorded(day)]
    items.sort(key=lambda i: i["publishedAt"], reverse=True)
    return [i["paper"]["id"] for i in items]


def card_ids(tree: LexborHTMLParser) -> list[str]:
    return [str(card.attributes["data-arxiv-id"]) for card in tree.css("li.card")]


def href(tree: LexborHTMLParser | LexborNode, selector: str) -> str | None:
    node = tree.css_first(selector)
    return None if node is None else node.attributes.get("href")


def node(tree: LexborHTMLParser | LexborNode, selector: str) -> LexborNode:
    found = tree.css_first(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def text(tree: LexborHTMLParser | LexborNode, selector: str) -> str:
    return " ".join(node(tree, selector).text().split())


@pytest.fixture(scope="session")
def loaded_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the recorded days, copied for each test."""
    return write_recorded_days(sqlite_template, tmp_path_factory.mktemp("pages") / "days.sqlite3")


@pytest.fixture
def make_site(loaded_database: Path, tmp_path: Path) -> Callable[..., Site]:
    """Build the site with a given "now" and settings over a fresh copy of the database."""
    path = tmp_path / "site.sqlite3"
    shutil.copy(loaded_database, path)

    def make(now: datetime = SATURDAY, **settings: Any) -> Site:
        deps = build_deps(make_settings(f"sqlite:///{path}", **settings), clock=lambda: now)
        return Site(deps, TestClient(create_app(deps)))

    return make


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site()


def test_home_falls_back_to_the_latest_day_with_papers(site: Site) -> None:
    tree = site.page("/")
    assert text(tree, ".period-title") == "Tue, Dec 3, 2024"
    assert "Dec 7, 2024" in text(tree, ".notice.fallback")
    assert card_ids(tree) == upvote_order("2024-12-03")


def test_home_shows_today_in_the_site_time_zone(make_site: Callable[..., Site]) -> None:
    # 03:00 UTC on Dec 3 is still Monday Dec 2 in New York.
    tree = make_site(now=datetime(2024, 12, 3, 3, 0, tzinfo=UTC)).page("/")
    assert text(tree, ".period-title") == "Mon, Dec 2, 2024"
    assert tree.css_first(".notice.fallback") is None
    assert card_ids(tree) == upvote_order("2024-12-02")


@pytest.mark.parametrize(
    ("url", "days"),
    [
        ("/date/2024-12-02", ["2024-12-02"]),
        ("/week/2024-W49", ["2024-12-02", "2024-12-03"]),
        ("/week/2024-W48", ["2024-11-29"]),
        ("/month/2024-12", ["2024-12-02", "2024-12-03"]),
        ("/month/2025-09", ["2025-09-04"]),
    ],
)
def test_list_pages_order_papers_by_upvotes(site: Site, url: str, days: list[str]) -> None:
    tree = site.page(url)
    assert card_ids(tree) == upvote_order(*days)
    counts = [int(text(card, ".votes .count")) for card in tree.css("li.card")]
    assert counts == sorted(counts, reverse=True)
    assert text(tree, ".sort a[aria-current=page]") == "Most upvoted"


@pytest.mark.parametrize(
    ("url", "days"),
    [("/date/2024-12-03", ["2024-12-03"]), ("/week/2024-W49", ["2024-12-02", "2024-12-03"])],
)
def test_list_pages_order_papers_by_newest(site: Site, url: str, days: list[str]) -> None:
    tree = site.page(f"{url}?sort=newest")
    assert card_ids(tree) == newest_order(*days)
    assert text(tree, ".sort a[aria-current=page]") == "Newest"


def test_week_cards_link_the_day_each_paper_was_listed(site: Site) -> None:
    tree = site.page("/week/2024-W49")
    days = {card.attributes["href"] for card in tree.css("li.card a.listed-on")}
    assert days == {"/date/2024-12-02", "/date/2024-12-03"}
    assert site.page("/date/2024-12-02").css_first("li.card a.listed-on") is None


@pytest.mark.parametrize(
    ("url", "previous", "following"),
    [
        ("/date/2024-12-02", "/date/2024-11-29", "/date/2024-12-03"),  # over the weekend
        ("/date/2024-12-03", "/date/2024-12-02", "/date/2025-09-04"),  # over nine empty months
        ("/date/2024-11-29", None, "/date/2024-12-02"),
        ("/date/2025-09-04", "/date/2024-12-03", None),
        ("/week/2024-W49", "/week/2024-W48", "/week/2025-W36"),
        ("/month/2024-12", "/month/2024-11", "/month/2025-09"),
        (
            "/date/2024-12-03?sort=newest",
            "/date/2024-12-02?sort=newest",
            "/date/2025-09-04?sort=newest",
        ),
    ],
)
def test_previous_and_next_skip_empty_periods(
    site: Site, url: str, previous: str | None, following: str | None
) -> None:
    tree = site.page(url)
    assert href(tree, ".period-nav a[rel=prev]") == previous
    assert href(tree, ".period-nav a[rel=next]") == following


def test_empty_day_says_so_and_links_its_neighbours(site: Site) -> None:
    tree = site.page("/date/2024-11-30")
    assert tree.css("li.card") == []
    assert "No papers" in text(tree, ".empty")
    assert [a.attributes["href"] for a in tree.css(".empty a")] == [
        "/date/2024-11-29",
        "/date/2024-12-02",
    ]


@pytest.mark.parametrize(
    ("url", "day", "week", "month"),
    [
        ("/date/2024-12-03", "/date/2024-12-03", "/week/2024-W49", "/month/2024-12"),
        ("/week/2024-W49", "/date/2024-12-03", "/week/2024-W49", "/month/2024-12"),
        ("/month/2024-11", "/date/2024-11-29", "/week/2024-W48", "/month/2024-11"),
    ],
)
def test_period_switches_lead_to_the_latest_day_shown(
    site: Site, url: str, day: str, week: str, month: str
) -> None:
    tree = site.page(url)
    links = {a.text(): a.attributes["href"] for a in tree.css(".switch a")}
    assert links == {"Day": day, "Week": week, "Month": month}


def test_pages_split_long_lists(make_site: Callable[..., Site]) -> None:
    site = make_site(page_size=10)
    seen: list[str] = []
    url: str | None = "/date/2024-12-03?sort=newest"
    while url is not None:
        tree = site.page(url)
        seen += card_ids(tree)
        url = href(tree, ".pager a.older")
    assert seen == newest_order("2024-12-03")
    assert href(tree, ".pager a.newer") == "/date/2024-12-03?sort=newest&p=1"
    assert text(tree, ".pager .where") == "Page 3 of 3"


def test_page_past_the_end_is_a_404_page(make_site: Callable[..., Site]) -> None:
    tree = make_site(page_size=10).page("/date/2024-12-03?p=3", status=404)
    assert "p=3" in text(tree, ".error-page .message")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/date/2024-13-01", "2024-13-01"),
        ("/date/yesterday", "yesterday"),
        ("/week/2024-W60", "2024-W60"),
        ("/month/2024-13", "2024-13"),
    ],
)
def test_bad_period_is_a_404_page_naming_it(site: Site, url: str, problem: str) -> None:
    tree = site.page(url, status=404)
    assert problem in text(tree, ".error-page .message")
    assert href(tree, ".error-page a") == "/"


@pytest.mark.parametrize(("query", "parameter"), [("p=-1", "p:"), ("sort=best", "sort:")])
def test_bad_query_is_a_400_page_naming_the_parameter(
    site: Site, query: str, parameter: str
) -> None:
    tree = site.page(f"/date/2024-12-03?{query}", status=400)
    assert text(tree, ".error-page .message").startswith(parameter)


def test_card_shows_the_entry(site: Site) -> None:
    (item,) = [i for i in recorded("2025-09-04") if i["paper"]["id"] == CODE_PAPER]
    card = site.page("/date/2025-09-04").css_first(f"li.card[data-arxiv-id='{CODE_PAPER}']")
    assert card is not None
    authors = [a["name"] for a in item["paper"]["authors"]]
    assert text(card, ".card-title a") == " ".join(item["paper"]["title"].split())
    assert href(card, ".card-title a") == f"/papers/{CODE_PAPER}"
    assert text(card, ".authors") == f"{', '.join(authors[:3])} et al. ({len(authors)} authors)"
    assert text(card, "details.abstract .abstract-text") == " ".join(
        item["paper"]["summary"].split()
    )
    assert node(card, "details.abstract").attributes.get("open") is None
    assert text(card, ".votes .count") == str(item["paper"]["upvotes"])
    assert text(card, ".comments") == "1 comment"
    assert href(card, "a.code") == item["paper"]["githubRepo"]
    assert text(card, "a.code .stars") == "★ 272"
    assert href(card, "a.project") == item["paper"]["projectPage"]
    assert text(card, ".submitter .name") == item["paper"]["submittedOnDailyBy"]["fullname"]


def test_card_lists_every_author_of_a_short_list(site: Site) -> None:
    (item,) = [i for i in recorded("2025-09-04") if len(i["paper"]["authors"]) == 4]
    card = site.page("/date/2025-09-04").css_first(
        f"li.card[data-arxiv-id='{item['paper']['id']}']"
    )
    assert card is not None
    assert text(card, ".authors") == ", ".join(a["name"] for a in item["paper"]["authors"])


def arxiv_record(arxiv_id: str, title: str, abstract: str) -> PaperRecord:
    """What the arXiv API would say about a paper: the fields the daily list lacks."""
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=2,
        title=title,
        abstract=abstract,
        authors=("Zhuofeng Wang", "Zhe Xu"),
        categories=("cs.CV", "cs.LG", "cs.AI"),
        primary_category="cs.LG",
        comments="12 pages, 5 figures",
        doi="10.1234/example.5678",
        journal_ref="Proc. Example 2025",
        license="http://creativecommons.org/licenses/by/4.0/",
        published_at=datetime(2025, 9, 1, 17, 0, tzinfo=UTC),
        updated_at=datetime(2025, 9, 3, 12, 0, tzinfo=UTC),
        versions=(
            PaperVersion(1, datetime(2025, 9, 1, 17, 0, tzinfo=UTC)),
            PaperVersion(2, datetime(2025, 9, 3, 12, 0, tzinfo=UTC)),
        ),
    )


def test_paper_page_shows_fields_links_and_lists(site: Site) -> None:
    (item,) = [i for i in recorded("2025-09-04") if i["paper"]["id"] == CODE_PAPER]
    paper = item["paper"]
    site.deps.store.upsert_papers([arxiv_record(CODE_PAPER, paper["title"], paper["summary"])])
    tree = site.page(f"/papers/{CODE_PAPER}")
    assert text(tree, "h1.paper-title") == " ".join(paper["title"].split())
    assert [li.text() for li in tree.css(".author-list li")] == ["Zhuofeng Wang", "Zhe Xu"]
    assert text(tree, ".abstract-section .abstract-text") == " ".join(paper["summary"].split())
    assert [li.text() for li in tree.css(".categories li")] == ["cs.LG", "cs.CV", "cs.AI"]
    assert text(tree, ".categories li.primary") == "cs.LG"
    assert text(tree, ".published-on") == "Sep 1, 2025"
    assert text(tree, ".updated-on") == "Sep 3, 2025"
    assert [text(li, "a") for li in tree.css(".versions li")] == ["v1", "v2"]
    assert href(tree, ".versions li a") == f"https://arxiv.org/abs/{CODE_PAPER}v1"
    assert text(tree, ".arxiv-comments") == "12 pages, 5 figures"
    assert text(tree, ".journal-ref") == "Proc. Example 2025"
    assert href(tree, ".doi a") == "https://doi.org/10.1234/example.5678"
    assert href(tree, ".links a.abs") == f"https://arxiv.org/abs/{CODE_PAPER}"
    assert href(tree, ".links a.pdf") == f"https://arxiv.org/pdf/{CODE_PAPER}"
    assert href(tree, ".links a.code") == paper["githubRepo"]
    assert text(tree, ".links a.code .stars") == "★ 272"
    assert href(tree, ".links a.project") == paper["projectPage"]
    assert text(tree, ".ai-summary") == paper["ai_summary"]
    assert [li.text() for li in tree.css(".keywords li")] == paper["ai_keywords"]
    (entry,) = tree.css(".lists .entries li")
    assert href(entry, "a") == "/date/2025-09-04"
    assert text(entry, ".upvotes") == f"▲ {paper['upvotes']}"
    assert text(entry, ".submitter .name") == paper["submittedOnDailyBy"]["fullname"]


@pytest.mark.parametrize(
    "form",
    [
        MATH_PAPER,
        f"{MATH_PAPER}v2",
        f"arXiv:{MATH_PAPER}",
        f"https://arxiv.org/abs/{MATH_PAPER}",
        f"https://arxiv.org/pdf/{MATH_PAPER}v1",
        f"http:/arxiv.org/abs/{MATH_PAPER}",  # a proxy squeezed the double slash
    ],
)
def test_paper_page_resolves_every_id_form(site: Site, form: str) -> None:
    tree = site.page(f"/papers/{form}")
    assert text(tree, ".arxiv-id") == MATH_PAPER
    assert node(tree, "link[rel=canonical]").attributes["href"] == f"/papers/{MATH_PAPER}"


@pytest.mark.parametrize("form", ["2412.99999", "not-an-id", "https://example.org/abs/2411.19477"])
def test_unknown_paper_is_a_404_page(site: Site, form: str) -> None:
    tree = site.page(f"/papers/{form}", status=404)
    assert text(tree, ".error-page .status") == "404"
    assert text(tree, ".error-page h1") == "Not Found"


def test_paper_with_math_loads_the_bundled_katex(site: Site) -> None:
    tree = site.page(f"/papers/{MATH_PAPER}")
    assert "$P(final output is incorrect)" in text(tree, ".abstract-section .abstract-text")
    scripts = [str(s.attributes["src"]) for s in tree.css("script")]
    styles = [str(s.attributes["href"]) for s in tree.css("link[rel=stylesheet]")]
    assert any("/katex/contrib/auto-render.min.js" in src for src in scripts)
    for url in scripts + styles:
        assert url.startswith("/static/")
        assert site.client.get(url).status_code == 200


def test_page_without_math_skips_katex(site: Site) -> None:
    tree = site.page("/date/2025-09-04")
    assert not [s for s in tree.css("script") if "katex" in str(s.attributes["src"])]


HOSTILE_TITLE = '<script>alert("title")</script> & <b>bold</b>'
HOSTILE_ABSTRACT = '</p><img src=x onerror=alert(1)><script>alert("abstract")</script> $a<b$'


@pytest.fixture
def hostile_site(site: Site) -> Site:
    """The site with one crafted entry whose every text and URL field is an attack."""
    paper = PaperRecord(
        arxiv_id="2412.00001",
        title=HOSTILE_TITLE,
        abstract=HOSTILE_ABSTRACT,
        authors=("<script>alert('author')</script>",),
        comments="<script>alert('comments')</script>",
        doi='"><script>alert(1)</script>',
        license="javascript:alert('license')",
        code_url="javascript:alert('code')",
        project_url="data:text/html,<script>alert('project')</script>",
        ai_summary="<script>alert('summary')</script>",
        ai_keywords=("<script>",),
    )
    entry = EntryRecord(
        paper=paper,
        listed_on=date(2024, 12, 3),
        submitter=Submitter("mallory", "<script>alert('submitter')</script>"),
        upvote_count=99,
    )
    site.deps.store.upsert_entries([entry])
    return site


@pytest.mark.parametrize("url", ["/date/2024-12-03", "/papers/2412.00001"])
def test_untrusted_text_is_escaped(hostile_site: Site, url: str) -> None:
    tree = hostile_site.page(url)
    assert all(str(s.attributes.get("src", "")).startswith("/static/") for s in tree.css("script"))
    assert tree.css("img") == []
    assert tree.css("main b") == []
    title = tree.css_first(".card-title a, h1.paper-title")
    assert title is not None and title.text() == HOSTILE_TITLE


@pytest.mark.parametrize("url", ["/date/2024-12-03", "/papers/2412.00001"])
def test_only_http_urls_become_links(hostile_site: Site, url: str) -> None:
    tree = hostile_site.page(url)
    for link in tree.css("a[href]"):
        target = str(link.attributes["href"])
        assert target.startswith(("/", "#", "http://", "https://")), target
    assert tree.css("a.code, a.project") == []


@pytest.mark.parametrize(
    "url", ["/", "/date/2024-12-03", f"/papers/{MATH_PAPER}", "/static/style.css", "/nowhere"]
)
def test_security_headers_are_present(site: Site, url: str) -> None:
    headers = site.client.get(url).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = {
        part.split()[0]: part.split()[1:] for part in headers["content-security-policy"].split("; ")
    }
    for directive in ("default-src", "script-src", "style-src", "font-src"):
        assert policy[directive] == ["'self'"]


def test_static_files_are_cached_by_version(site: Site) -> None:
    tree = site.page("/")
    stylesheet = str(node(tree, "link[rel=stylesheet]").attributes["href"])
    assert "?v=" in stylesheet
    assert "immutable" in site.client.get(stylesheet).headers["cache-control"]


def test_large_pages_are_compressed(site: Site) -> None:
    response = site.client.get("/week/2024-W49", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert LexborHTMLParser(response.text).css("li.card")  # httpx decoded it


def test_list_page_links_its_json_and_feeds(site: Site) -> None:
    tree = site.page("/date/2024-12-02")
    alternates = {
        (a.attributes["type"], a.attributes["href"]) for a in tree.css("link[rel=alternate]")
    }
    assert alternates == {
        ("application/json", "/api/daily_papers?date=2024-12-02"),
        ("application/rss+xml", "/feeds/date/2024-12-02.rss"),
        ("application/rss+xml", "/feeds/daily.rss"),
        ("application/atom+xml", "/feeds/daily.atom"),
    }
    week = site.page("/week/2024-W49?p=0")
    assert href(week, "link[type='application/json']") == "/api/daily_papers?week=2024-W49"


def test_paper_page_links_its_json(site: Site) -> None:
    tree = site.page(f"/papers/{MATH_PAPER}")
    assert href(tree, "link[rel=alternate][type='application/json']") == f"/api/papers/{MATH_PAPER}"


def test_unknown_page_is_a_404_page(site: Site) -> None:
    tree = site.page("/no/such/page", status=404)
    assert text(tree, ".error-page h1") == "Not Found"


def test_unknown_api_path_is_a_json_404(site: Site) -> None:
    response = site.client.get("/api/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


class BrokenStore:
    """A store whose every read fails, as a lost database connection would."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("database is gone")

        return fail


@pytest.fixture
def broken_client(site: Site) -> TestClient:
    deps = dataclasses.replace(site.deps, store=BrokenStore())
    return TestClient(create_app(deps), raise_server_exceptions=False)


def test_server_error_is_an_html_page(broken_client: TestClient) -> None:
    response = broken_client.get("/")
    assert response.status_code == 500
    tree = LexborHTMLParser(response.text)
    assert text(tree, ".error-page .status") == "500"
    assert "database" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_server_error_under_api_is_json(broken_client: TestClient) -> None:
    response = broken_client.get(f"/api/papers/{MATH_PAPER}")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": response.json()["error"]["message"]}
    }
    assert "database" not in response.text


def test_app_runs_queued_jobs_while_up_when_asked(deps: Deps) -> None:
    deps.jobs.enqueue("ingest.daily_papers_files", {"paths": [str(DAILY / "2024-11-29.json")]})
    with TestClient(create_app(deps, run_jobs=True)) as client:
        deadline = time.monotonic() + 30
        while deps.jobs.recent()[0].status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = LexborHTMLParser(client.get("/date/2024-11-29").text)
    assert card_ids(tree) == upvote_order("2024-11-29")


def test_app_runs_no_jobs_unless_asked(deps: Deps) -> None:
    deps.jobs.enqueue("ingest.daily_papers_files", {"paths": [str(DAILY / "2024-11-29.json")]})
    with TestClient(create_app(deps)) as client:
        assert client.get("/date/2024-11-29").status_code == 200
    assert deps.jobs.recent()[0].status == "queued"


def test_empty_site_says_how_to_load_papers(deps: Deps) -> None:
    response = TestClient(create_app(deps)).get("/")
    tree = LexborHTMLParser(response.text)
    assert response.status_code == 200
    assert "paperboy sample load" in text(tree, ".empty .empty-site")


def test_api_docs_go_without_the_policy_they_cannot_meet(site: Site) -> None:
    # Swagger UI sets inline style attributes as it renders: a strict policy would break it.
    headers = site.client.get("/docs").headers
    assert "content-security-policy" not in headers
    assert headers["x-content-type-options"] == "nosniff"


def test_api_docs_load_every_asset_from_this_site(site: Site) -> None:
    tree = LexborHTMLParser(site.client.get("/docs").text)
    assets = [n.attributes.get("src") or n.attributes.get("href") for n in tree.css("script, link")]
    assert assets and all(str(a).startswith("/static/swagger/") for a in assets)
    assert all(site.client.get(str(a)).status_code == 200 for a in assets)
    assert site.client.get("/redoc").status_code == 404
