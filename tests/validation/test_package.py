"""The package is framework-free, its public surface is listed, and its examples run."""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import datahub.validation as validation

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_engine_loads_no_django() -> None:
    code = (
        "import sys, datahub.validation, datahub.validation.cli; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


def test_all_lists_every_public_name_and_only_existing_ones() -> None:
    public = {
        name
        for name, value in vars(validation).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert set(validation.__all__) == public
    assert len(validation.__all__) == len(set(validation.__all__))


def test_every_public_function_and_class_has_a_docstring_with_an_example() -> None:
    missing = [
        name
        for name in validation.__all__
        if (
            inspect.isfunction(getattr(validation, name))
            or inspect.isclass(getattr(validation, name))
        )
        and ">>>" not in (getattr(validation, name).__doc__ or "")
    ]
    assert missing == []


def test_docstring_examples_run(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    failures = 0
    for module_info in pkgutil.iter_modules(validation.__path__):
        module = importlib.import_module(f"datahub.validation.{module_info.name}")
        failures += doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed
    failures += doctest.testmod(validation).failed
    assert failures == 0
