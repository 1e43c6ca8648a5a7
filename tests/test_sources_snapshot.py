"""JSON-lines sources: the arXiv metadata snapshot and the daily-listing dump."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from paperboy.domain.models import PaperRecord, Rejection
from paperboy.sources.snapshot import JsonLinesPapers

from .conftest import DATA

SNAPSHOT = DATA / "jsonl" / "arxiv-snapshot.head60.jsonl"
LISTING = DATA / "jsonl" / "arxiv-daily.head40.jsonl.gz"


def papers(path: Path) -> list[PaperRecord]:
    items = [item for item, _ in JsonLinesPapers(path).records(None)]
    assert not [i for i in items if isinstance(i, Rejection)]
    return [i for i in items if isinstance(i, PaperRecord)]


def test_snapshot_line_becomes_a_full_record() -> None:
    first = papers(SNAPSHOT)[0]
    assert first.arxiv_id == "0704.0001"
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert first.version == 2
    assert [v.version for v in first.versions] == [1, 2]
    assert first.published_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.categories == ("hep-ph",) and first.primary_category == "hep-ph"
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"


def test_snapshot_reads_every_line() -> None:
    assert len(papers(SNAPSHOT)) == 60


def test_listing_dump_reads_gzip_with_listing_date_as_published() -> None:
    records = papers(LISTING)
    assert len(records) == 40
    first = records[0]
    assert first.arxiv_id == "2503.11731"
    assert first.version is None
    assert first.categories == ("cs.CV", "cs.RO")
    assert first.published_at == datetime(2025, 3, 18, tzinfo=UTC)
    assert "\n" not in first.abstract


def test_broken_lines_are_rejected_by_line_number_and_the_rest_land(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = SNAPSHOT.read_text().splitlines()
    path.write_text("\n".join([good[0], "{broken", '{"id": "x"}', "[1]", good[1]]) + "\n")
    items = [item for item, _ in JsonLinesPapers(path).records(None)]
    rejections = [str(i) for i in items if isinstance(i, Rejection)]
    assert [type(i).__name__ for i in items].count("PaperRecord") == 2
    assert "line 2" in rejections[0]
    assert "line 3 (x)" in rejections[1]
    assert "line 4" in rejections[2] and "expected an object" in rejections[2]


def test_resume_position_skips_lines_already_imported(tmp_path: Path) -> None:
    source = JsonLinesPapers(SNAPSHOT)
    positions = [position for _, position in source.records(None)]
    resumed = list(source.records(positions[9]))
    assert len(resumed) == 50
    assert isinstance(resumed[0][0], PaperRecord)
    assert resumed[0][0].arxiv_id == papers(SNAPSHOT)[10].arxiv_id


def test_resume_position_of_a_changed_file_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    shutil.copy(SNAPSHOT, path)
    position = [p for _, p in JsonLinesPapers(path).records(None)][9]
    path.write_text(path.read_text() + SNAPSHOT.read_text().splitlines()[0] + "\n")
    assert len(list(JsonLinesPapers(path).records(position))) == 61
