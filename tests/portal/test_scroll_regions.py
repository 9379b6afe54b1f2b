"""Every box that scrolls sideways (a wide table, a chart) is a focusable, named region, so a
keyboard can scroll it at 375 px (axe's ``scrollable-region-focusable``), and no two landmarks of a
page share a name (axe's ``landmark-unique``): the box is named "<caption>: tabel", its section by
its heading."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from lxml import html

from datahub.institutions.models import Institution
from tests.conftest import logged_in
from tests.deliveries.conftest import cat_csv, cataract, deliver  # noqa: F401

TEMPLATES = Path(__file__).resolve().parents[2] / "datahub"


def _regions(response) -> list[str]:
    """The names of the page's scroll boxes; each must be focusable and a named region."""
    document = html.fromstring(response.content)
    names = []
    for box in document.find_class("scroll-region"):
        assert box.get("tabindex") == "0", html.tostring(box)[:120]
        assert box.get("role") == "region", html.tostring(box)[:120]
        assert box.get("aria-label"), html.tostring(box)[:120]
        names.append(box.get("aria-label"))
    return names


def _landmark_names(response) -> Counter[str]:
    """The names of the page's regions: sections named by a heading and the scroll boxes."""
    document = html.fromstring(response.content)
    names: Counter[str] = Counter()
    for node in document.xpath("//section[@aria-labelledby] | //*[@role='region']"):
        if node.get("aria-label"):
            names[node.get("aria-label")] += 1
        else:
            ids = node.get("aria-labelledby").split()
            text = " ".join(" ".join(document.get_element_by_id(i).itertext()) for i in ids)
            names[" ".join(text.split())] += 1
    return names


def _assert_unique_landmarks(response) -> None:
    twice = {name: n for name, n in _landmark_names(response).items() if n > 1}
    assert twice == {}


def test_the_tag_gives_a_focusable_region_named_after_its_content(db):
    template = Template(
        '{% load regions %}{% table_region "Logboek" %}<table></table>{% endtable_region %}'
        "{% chart_region heading %}<svg></svg>{% endchart_region %}"
    )
    rendered = template.render(Context({"heading": "Volledigheid <per> veld"}))
    assert rendered == (
        '<div class="scroll-region" tabindex="0" role="region" aria-label="Logboek: tabel">'
        "<table></table></div>"
        '<div class="scroll-region scroll-region--chart" tabindex="0" role="region" '
        'aria-label="Volledigheid &lt;per&gt; veld: grafiek"><svg></svg></div>'
    )


def test_a_name_made_safe_already_is_escaped_once(db):
    """``blocktranslate … asvar`` gives an escaped, safe name: escaped again it read "amp" (a
    review)."""
    template = Template(
        "{% load i18n regions %}{% blocktranslate asvar caption %}Personen van {{ name }}"
        "{% endblocktranslate %}{% table_region caption %}<table></table>{% endtable_region %}"
    )
    rendered = template.render(Context({"name": 'Zorg & "Co"'}))
    assert 'aria-label="Personen van Zorg &amp; &quot;Co&quot;: tabel"' in rendered


def test_no_template_draws_a_scroll_box_by_hand():
    """One pattern everywhere: the ``table_region`` and ``chart_region`` tags."""
    by_hand = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("templates/**/*.html")
        if "table-scroll" in path.read_text() or 'class="scroll-region' in path.read_text()
    ]
    assert by_hand == []


def test_the_local_administrators_tables_are_focusable_regions(local_admin):
    client = logged_in(local_admin)
    for page, name in [
        ("portal:audit_log", "Logboek: tabel"),
        ("portal:api_tokens", "API-tokens: tabel"),
        ("portal:people", "Gebruikers: tabel"),
        ("portal:forwarding", "Registraties: tabel"),
    ]:
        response = client.get(reverse(page))
        assert name in _regions(response), page
        _assert_unique_landmarks(response)


@pytest.mark.usefixtures("cataract")
def test_the_overview_and_the_reports_tables_are_focusable_regions(
    institution, submitter, django_capture_on_commit_callbacks
):
    client = logged_in(submitter)
    overview = client.get(reverse("portal:overview"))
    assert "Missende aanleveringen: tabel" in _regions(overview)
    _assert_unique_landmarks(overview)
    delivery = deliver(
        institution,
        submitter,
        cat_csv(2, **{"1": {"Geboortejaar": "x"}}),
        capture=django_capture_on_commit_callbacks,
    )
    url = reverse("portal:delivery", args=[delivery.pk])
    assert _regions(client.get(url, {"tab": "voortgang"})) == ["Voortgang: tabel"]
    assert _regions(client.get(url, {"tab": "verslag"})) == ["Verwerkingsverslag: tabel"]


@pytest.mark.usefixtures("cataract")
def test_the_hubs_tables_are_focusable_regions(operator, institution: Institution):
    client = logged_in(operator)
    participation = client.get(reverse("portal:participation"))
    assert _regions(participation) == [
        "Aanlevermethode per registratie: tabel",
        "Deelname per deelaanlevering: tabel",
    ]
    edit = client.get(reverse("portal:institution_edit", args=[institution.pk]))
    assert _regions(edit) == ["Contactpersonen per registratie: tabel"]


@pytest.mark.usefixtures("cataract")
def test_a_data_dictionarys_sections_and_their_tables_have_names_of_their_own(submitter):
    response = logged_in(submitter).get(reverse("portal:dictionary", args=["CAT", "1.4"]))
    regions = _regions(response)
    assert "Bestandsinhoud: tabel" in regions
    assert "Validaties: tabel" in regions
    names = _landmark_names(response)
    assert names["Bestandsinhoud"] == 1  # the section, named by its heading
    _assert_unique_landmarks(response)
