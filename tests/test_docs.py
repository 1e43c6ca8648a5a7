"""The settings reference cannot drift from the code."""

from __future__ import annotations

from dataclasses import fields

import pytest

from paperboy.config import Settings
from tests.support.docs import CONFIGURATION, generated_block, settings_table

FIX = "run `.venv/bin/python -m tests.support.docs` and commit docs/configuration.md"


@pytest.fixture(scope="module")
def configuration_md() -> str:
    return CONFIGURATION.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_docs_configuration_lists_every_setting(configuration_md: str, name: str) -> None:
    row = f"| `PAPERBOY_{name.upper()}` | `{name}` |"
    assert row in generated_block(configuration_md), f"{name} is not documented: {FIX}"


def test_docs_configuration_table_is_current(configuration_md: str) -> None:
    assert generated_block(configuration_md) == settings_table(), f"the table is stale: {FIX}"
