"""Dutch by default, English on request, dates as 15-12-2020, every string translated."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from django.urls import reverse

from datahub.audit.models import Action
from datahub.audit.services import record
from tests.conftest import logged_in

LOCALE = Path(__file__).resolve().parents[2] / "datahub" / "locale" / "nl" / "LC_MESSAGES"


def test_the_portal_is_dutch_by_default(submitter):
    page = logged_in(submitter).get(reverse("portal:overview")).content.decode()
    assert 'lang="nl"' in page
    for word in ("Overzicht", "Aangeleverd", "Verwacht", "Bestanden aanleveren", "Afnameoverzicht"):
        assert word in page


def test_the_language_switch_turns_the_portal_english_and_back(submitter):
    client = logged_in(submitter)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("portal:overview")}
    )
    assert response.status_code == 302
    page = client.get(reverse("portal:overview")).content.decode()
    assert 'lang="en"' in page
    assert "Deliver files" in page and "Bestanden aanleveren" not in page
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert "Bestanden aanleveren" in client.get(reverse("portal:overview")).content.decode()


def test_dates_are_shown_day_month_year_with_dashes(local_admin, institution):
    record(Action.CHANGE, actor=local_admin, institution=institution)
    page = logged_in(local_admin).get(reverse("portal:audit_log")).content.decode()
    assert re.search(r"<td[^>]*>\d{2}-\d{2}-\d{4} \d{2}:\d{2}</td>", page)


def test_every_dutch_message_is_translated():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and '\n"' not in e.split("msgstr")[1]]
    assert not untranslated
    assert "#, fuzzy" not in po


def test_the_compiled_translations_match_the_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), "run `make messages`"
