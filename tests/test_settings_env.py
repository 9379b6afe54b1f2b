"""Settings come from the environment through helpers that fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from datahub import env


def test_booleans_accept_only_clear_words(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env.env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env.env_bool("X_FLAG", False)


def test_integers_are_checked(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    assert env.env_int("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "-1")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("X_NUM", 1, minimum=0)


def test_a_secret_can_come_from_a_file_but_not_from_both(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret_file))
    assert env.env_secret("X_SECRET") == "s3cret"
    monkeypatch.setenv("X_SECRET", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env.env_secret("X_SECRET")


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env.env_list("X_LIST", []) == ["a.example", "b.example"]


def _start(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATAHUB_")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-c", "import datahub.settings"],
        env={**clean, **extra},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_with_the_default_secret_key(tmp_path):
    result = _start({"DATAHUB_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DATAHUB_SECRET_KEY" in result.stderr


FILE_KEY = "dGVzdHMtb25seS1maWxlLWtleS0zMi1ieXRlcyEhISE="
SMTP = {"DATAHUB_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
BASE_URL = {"DATAHUB_BASE_URL": "https://datahub.example.nl"}
SENDER = {"DATAHUB_FROM_EMAIL": "Datahub <datahub@datahub.example.nl>"}


def test_production_refuses_to_write_e_mail_with_password_links_to_the_console(tmp_path):
    keys = {"DATAHUB_SECRET_KEY": "k" * 50, "DATAHUB_FILE_KEY": FILE_KEY, **BASE_URL}
    result = _start({"DATAHUB_VAR_DIR": str(tmp_path), **keys})
    assert result.returncode != 0
    assert "DATAHUB_EMAIL_BACKEND" in result.stderr


def test_production_refuses_to_start_without_a_file_encryption_key(tmp_path):
    result = _start({"DATAHUB_VAR_DIR": str(tmp_path), "DATAHUB_SECRET_KEY": "k" * 50})
    assert result.returncode != 0
    assert "DATAHUB_FILE_KEY" in result.stderr
    bad = {
        "DATAHUB_VAR_DIR": str(tmp_path),
        "DATAHUB_SECRET_KEY": "k" * 50,
        "DATAHUB_FILE_KEY": "c2hvcnQ=",
    }
    assert "32 bytes" in _start(bad).stderr


@pytest.mark.parametrize("key", ["abc", "not base64!!", FILE_KEY + "$"])
def test_a_file_key_that_is_no_base64_is_refused_in_one_line(tmp_path, key):
    """Not a binascii traceback (a review)."""
    settings = {"DATAHUB_VAR_DIR": str(tmp_path), "DATAHUB_SECRET_KEY": "k" * 50}
    result = _start({**settings, "DATAHUB_FILE_KEY": key})
    assert result.returncode != 0
    assert "DATAHUB_FILE_KEY must be 32 bytes, base64-encoded" in result.stderr
    assert "binascii" not in result.stderr


def test_production_refuses_to_mail_links_to_127_0_0_1(tmp_path):
    """Without DATAHUB_BASE_URL every link in the mails (the password link too) pointed at
    http://127.0.0.1:8000 (a review)."""
    keys = {"DATAHUB_SECRET_KEY": "k" * 50, "DATAHUB_FILE_KEY": FILE_KEY, **SMTP}
    result = _start({"DATAHUB_VAR_DIR": str(tmp_path), **keys})
    assert result.returncode != 0
    assert "DATAHUB_BASE_URL must be set" in result.stderr
    wrong = _start({"DATAHUB_VAR_DIR": str(tmp_path), **keys, "DATAHUB_BASE_URL": "datahub.nl"})
    assert "DATAHUB_BASE_URL must start with https:// (or http://)" in wrong.stderr


def test_production_refuses_to_send_from_localhost(tmp_path):
    keys = {"DATAHUB_SECRET_KEY": "k" * 50, "DATAHUB_FILE_KEY": FILE_KEY, **SMTP, **BASE_URL}
    result = _start({"DATAHUB_VAR_DIR": str(tmp_path), **keys})
    assert result.returncode != 0
    assert "DATAHUB_FROM_EMAIL must be set" in result.stderr


def test_production_starts_with_its_keys_and_debug_may_use_the_defaults(tmp_path):
    keys = {
        "DATAHUB_SECRET_KEY": "k" * 50,
        "DATAHUB_FILE_KEY": FILE_KEY,
        **SMTP,
        **BASE_URL,
        **SENDER,
    }
    assert _start({"DATAHUB_VAR_DIR": str(tmp_path), **keys}).returncode == 0
    assert _start({"DATAHUB_VAR_DIR": str(tmp_path), "DATAHUB_DEBUG": "true"}).returncode == 0


def test_short_pseudonym_secrets_are_refused(tmp_path):
    base = {"DATAHUB_VAR_DIR": str(tmp_path), "DATAHUB_DEBUG": "true"}
    short = {**base, "DATAHUB_PSEUDONYM_SECRETS": "IKNL=" + "s" * 40 + ",PROMS=kort"}
    result = _start(short)
    assert result.returncode != 0
    assert "PROMS is shorter than 32 bytes" in result.stderr
    assert "IKNL" not in result.stderr.splitlines()[-1]
    long = {**base, "DATAHUB_PSEUDONYM_SECRETS": "IKNL=" + "s" * 40 + ",PROMS=" + "p" * 32}
    assert _start(long).returncode == 0


def test_every_setting_read_from_the_environment_is_listed_in_env_example():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    source = "\n".join(p.read_text() for p in (root / "datahub").rglob("*.py"))
    read = set(re.findall(r'env_\w+\(\s*"(DATAHUB_\w+)"', source))
    listed = set(re.findall(r"DATAHUB_\w+", (root / ".env.example").read_text()))
    assert len(read) > 20
    assert read - listed == set()


def test_the_command_refuses_a_missing_setting_in_one_line_without_a_traceback(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATAHUB_")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "datahub.cli", "serve", "--help"],
        env={**clean, "DATAHUB_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "datahub: DATAHUB_SECRET_KEY (or DATAHUB_SECRET_KEY_FILE) must be set when DATAHUB_DEBUG "
        "is off (see .env.example and docs/deployment.md)"
    ]


def test_the_var_directory_is_the_hubs_own_user_s_only(tmp_path):
    """The SQLite database there holds patient codes (the report's key fields) and was
    readable by every user of the machine (a review)."""
    import stat

    fresh = tmp_path / "new"
    wide = tmp_path / "wide"
    wide.mkdir(mode=0o755)
    wide.chmod(0o755)
    for directory in (fresh, wide):
        result = _start({"DATAHUB_VAR_DIR": str(directory), "DATAHUB_DEBUG": "true"})
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
