"""`paperboy db copy`: every row from the embedded SQLite into PostgreSQL (and back), resumable."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from paperboy.app import Deps, build_deps, copy_database_to
from paperboy.cli import cli
from paperboy.config import load_settings
from paperboy.embeddings.hashing import HashingEmbedder
from paperboy.services.embedding import embed_new_papers
from paperboy.services.ports import SilentProgress
from paperboy.services.votes import set_upvote
from paperboy.storage.copy import CopyRefused, check_copyable, copied_tables, copy_database
from paperboy.storage.engine import make_engine
from tests.support.members import add_member
from tests.support.web_client import BASE_URL, loaded_deps

Rows = dict[str, list[dict[str, Any]]]


def everything(engine: Engine) -> Rows:
    """Every copied table's rows in key order, vectors as lists so they compare."""
    tables: Rows = {}
    with engine.connect() as connection:
        for table in copied_tables():
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [
                {
                    k: v.tolist() if isinstance(v, np.ndarray) else v
                    for k, v in row._asdict().items()
                }
                for row in rows
            ]
    return tables


def _comparable(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


@pytest.fixture
def source(sqlite_url: str) -> Deps:
    """The demo's SQLite with papers, vectors, a member, an upvote and a comment."""
    deps = loaded_deps(sqlite_url)
    embed_new_papers(deps.embeddings, HashingEmbedder())
    ada = add_member(deps, "ada")
    day = deps.store.latest_list_day()
    assert day is not None
    paper = deps.store.entries_between(day, day)[0].paper.arxiv_id
    set_upvote(deps.votes, ada, paper, True, deps.clock())
    deps.comments.add_comment(paper, ada.id, "A first <b>thought</b>", deps.clock())
    return deps


def test_a_copy_to_postgresql_holds_every_row_and_new_ids_follow_the_copied_ones(
    source: Deps, postgres_url: str
) -> None:
    report = copy_database_to(source.settings, postgres_url, SilentProgress())
    source_engine, target_engine = (
        make_engine(source.settings.database_url),
        make_engine(postgres_url),
    )
    copied, original = everything(target_engine), everything(source_engine)
    [ours], [theirs] = copied.pop("revisions"), original.pop("revisions")
    assert ours["value"] > theirs["value"]  # caches keyed on either database's count are stale
    assert copied == original
    assert {t.table: t.copied for t in report if t.copied}["paper_embeddings"] > 0
    assert len(copied["votes"]) == 1 and len(copied["comments"]) == 1
    target = build_deps(load_settings(environ={}, database_url=postgres_url, base_url=BASE_URL))
    newcomer = add_member(target, "alan")  # the users id sequence was moved past the copy
    assert newcomer.id > max(row["id"] for row in copied["users"])
    source_engine.dispose()
    target_engine.dispose()


def test_a_rerun_copies_nothing_and_changes_nothing(source: Deps, postgres_url: str) -> None:
    copy_database_to(source.settings, postgres_url, SilentProgress())
    target_engine = make_engine(postgres_url)
    first = everything(target_engine)
    again = copy_database_to(source.settings, postgres_url, SilentProgress())
    assert sum(t.copied for t in again) == 0
    assert sum(t.already_there for t in again) == sum(len(rows) for rows in first.values())
    after = everything(target_engine)
    assert after.pop("revisions") != first.pop("revisions")  # the caches are told, nothing else
    assert after == first
    target_engine.dispose()


class Interrupted(Exception):
    pass


def test_an_interrupted_copy_run_again_completes_it(source: Deps, postgres_url: str) -> None:
    source_engine, target = make_engine(source.settings.database_url), make_engine(postgres_url)
    batches: list[int] = []

    def stop_after_three_batches(table: str, rows: int) -> None:
        batches.append(rows)
        if len(batches) == 3:
            raise Interrupted(table)

    with pytest.raises(Interrupted):
        copy_database(source_engine, target, stop_after_three_batches, batch=40)
    partial = sum(len(rows) for rows in everything(target).values())
    assert 1 < partial < sum(len(rows) for rows in everything(source_engine).values())
    report = copy_database(source_engine, target, batch=40)
    assert sum(t.already_there for t in report) == partial  # what had landed is kept, not redone
    everywhere: Rows = {"revisions": []}
    assert everything(target) | everywhere == everything(source_engine) | everywhere
    source_engine.dispose()
    target.dispose()


def test_a_target_without_the_sources_migrations_or_the_same_database_is_refused(
    source: Deps, tmp_path: Any
) -> None:
    source_engine = make_engine(source.settings.database_url)
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(CopyRefused, match="paperboy db upgrade"):
        check_copyable(source_engine, empty)
    with pytest.raises(CopyRefused, match="no paperboy schema"):
        check_copyable(empty, source_engine)
    with pytest.raises(CopyRefused, match="same database"):
        check_copyable(source_engine, source_engine)
    source_engine.dispose()
    empty.dispose()


def test_the_cli_copies_and_says_what_to_do_next(source: Deps, tmp_path: Any) -> None:
    target = f"sqlite:///{tmp_path / 'moved.sqlite3'}"
    source_url = source.settings.database_url
    result = CliRunner().invoke(cli, ["--database-url", source_url, "db", "copy", target])
    assert result.exit_code == 0, result.output
    assert "paperboy index rebuild" in result.output
    assert "papers" in result.output
    refused = CliRunner().invoke(cli, ["--database-url", source_url, "db", "copy", source_url])
    assert refused.exit_code == 1 and "same database" in refused.output
