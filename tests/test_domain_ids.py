"""arXiv identifiers in every form people paste them."""

from __future__ import annotations

import pytest

from paperboy.domain.ids import ArxivRef, InvalidArxivId, is_arxiv_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "arxiv_id", "version"),
    [
        ("2401.01234", "2401.01234", None),
        ("https://huggingface.co/papers/2608.19880", "2608.19880", None),
        ("hf.co/papers/2608.19880v2", "2608.19880", 2),
        ("https://www.alphaxiv.org/abs/2608.19880", "2608.19880", None),
        ("2401.01234v2", "2401.01234", 2),
        ("0704.0001", "0704.0001", None),
        ("0704.0001v1", "0704.0001", 1),
        ("2401.01234v12", "2401.01234", 12),
        ("  2401.01234\n", "2401.01234", None),
        ("arXiv:2401.01234", "2401.01234", None),
        ("arxiv:2401.01234v3", "2401.01234", 3),
        ("ARXIV:2401.01234", "2401.01234", None),
        ("oai:arXiv.org:2401.01234", "2401.01234", None),
        ("https://arxiv.org/abs/2401.01234", "2401.01234", None),
        ("https://arxiv.org/abs/2401.01234v2", "2401.01234", 2),
        ("http://arxiv.org/abs/2401.01234/", "2401.01234", None),
        ("https://www.arxiv.org/abs/2401.01234", "2401.01234", None),
        ("https://export.arxiv.org/abs/2401.01234v1", "2401.01234", 1),
        ("arxiv.org/abs/2401.01234", "2401.01234", None),
        ("https://arxiv.org/pdf/2401.01234", "2401.01234", None),
        ("https://arxiv.org/pdf/2401.01234v3", "2401.01234", 3),
        ("https://arxiv.org/pdf/2401.01234.pdf", "2401.01234", None),
        ("https://arxiv.org/pdf/2401.01234v3.pdf", "2401.01234", 3),
        ("HTTPS://ARXIV.ORG/PDF/2401.01234v3.pdf", "2401.01234", 3),
        ("https://arxiv.org/html/2401.01234v1", "2401.01234", 1),
        ("https://arxiv.org/abs/2401.01234?context=cs", "2401.01234", None),
        ("https://arxiv.org/abs/2401.01234v2#section", "2401.01234", 2),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v2", "hep-th/9901001", 2),
        ("math.AG/0601001", "math.AG/0601001", None),
        ("cond-mat/0101001v1", "cond-mat/0101001", 1),
        ("arXiv:hep-th/9901001", "hep-th/9901001", None),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
        ("https://arxiv.org/pdf/hep-th/9901001.pdf", "hep-th/9901001", None),
    ],
)
def test_parse_arxiv_id_accepts(text: str, arxiv_id: str, version: int | None) -> None:
    assert parse_arxiv_id(text) == ArxivRef(arxiv_id, version)
    assert is_arxiv_id(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2413.01234",
        "2400.01234",
        "hep-th/9913001",
        "   ",
        "hello",
        "2401",
        "2401.123",
        "2401.123456",
        "24011.01234",
        "2401-01234",
        "2401.01234v",
        "2401.01234vx",
        "2401.01234v2v3",
        "2401.01234 2401.01235",
        "v2401.01234",
        "https://example.org/abs/2401.01234",
        "https://arxiv.org/list/cs.CL/recent",
        "https://arxiv.org/abs/",
        "hep-th/990100",
        "hep-th/99010011",
        "HEP-TH/9901001",
        "hep-th9901001",
        "/hep-th/9901001",
        "../../etc/passwd",
        "2401.01234'; DROP TABLE papers; --",
    ],
)
def test_parse_arxiv_id_rejects_junk(text: str) -> None:
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(text)
    assert not is_arxiv_id(text)


def test_invalid_arxiv_id_is_a_value_error() -> None:
    assert issubclass(InvalidArxivId, ValueError)


def test_invalid_arxiv_id_message_quotes_a_bounded_text() -> None:
    with pytest.raises(InvalidArxivId, match="not an arXiv id") as raised:
        parse_arxiv_id("x" * 10_000)
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (ArxivRef("2401.01234"), "2401.01234"),
        (ArxivRef("2401.01234", 2), "2401.01234v2"),
        (ArxivRef("hep-th/9901001", 1), "hep-th/9901001v1"),
    ],
)
def test_arxiv_ref_str_round_trips(ref: ArxivRef, text: str) -> None:
    assert str(ref) == text
    assert parse_arxiv_id(str(ref)) == ref
