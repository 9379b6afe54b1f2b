"""Fixtures of the validation tests: the sample dictionaries and a made-up registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from datahub.validation import DataDictionary, load_dictionary

from .helpers import FIXTURES, HIP_SHEETS, write_sheets


@pytest.fixture(scope="session")
def cat() -> DataDictionary:
    return load_dictionary(FIXTURES / "CAT_1.4.xlsx")


@pytest.fixture(scope="session")
def iknl() -> DataDictionary:
    return load_dictionary(FIXTURES / "MMYIKNL_2.1.xlsx")


@pytest.fixture(scope="session")
def proms() -> DataDictionary:
    return load_dictionary(FIXTURES / "MMYPROMS_2.1.xlsx")


@pytest.fixture(scope="session")
def hip_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sheets(tmp_path_factory.mktemp("hip") / "HEUP_3.xlsx", HIP_SHEETS)


@pytest.fixture(scope="session")
def hip(hip_path: Path) -> DataDictionary:
    return load_dictionary(hip_path)
