"""T08 (the XML root names another sub-delivery) is decided by the XML parser: the portal and
the API give the same report as `datahub validate` for a valid file."""

from __future__ import annotations

import datetime as dt

from datahub.deliveries.models import Status
from datahub.dictionaries import services
from datahub.dictionaries.models import Method
from datahub.validation import generate_xsd, load_dictionary, validate_file
from tests.deliveries.conftest import FIXTURES, deliver
from tests.validation.helpers import cat_row, hip_row, hip_sheets, write_sheets


def _cat_xml(prolog: str) -> bytes:
    dictionary = load_dictionary(FIXTURES / "CAT_1.4.xlsx")
    row = cat_row(1)
    body = "".join(f"<{n}>{row[n]}</{n}>" for n in dictionary.field_names)
    xml = f"<?xml version='1.0'?>{prolog}<CAT versie='1.4'><record>{body}</record></CAT>"
    return xml.encode()


def test_a_comment_naming_a_tag_before_the_root_is_not_the_root(
    cataract, institution, submitter, django_capture_on_commit_callbacks
):
    data = _cat_xml("<!-- exported by <EPD-export> -->")
    cli = validate_file(load_dictionary(FIXTURES / "CAT_1.4.xlsx"), data, file_name="x.xml")
    assert cli.status == "Verwerkt"
    delivery = deliver(
        institution,
        submitter,
        data,
        capture=django_capture_on_commit_callbacks,
        file_name="11111111_0_CAT_1.4_1_20261128_PROD.xml",
    )
    assert list(delivery.findings.values_list("code", flat=True)) == []
    assert delivery.status == Status.PROCESSED


def test_the_root_of_a_code_starting_with_a_digit_is_the_published_one(
    operator, institution, submitter, django_capture_on_commit_callbacks, tmp_path
):
    sheets = hip_sheets()
    sheets["Aanleverspecificaties algemeen"][1][1] = "1HEUP"
    version = services.import_workbook(
        write_sheets(tmp_path / "h.xlsx", sheets).read_bytes(), "h.xlsx"
    )
    dictionary = version.dictionary
    assert b'name="_1HEUP"' in generate_xsd(dictionary)  # an XML name cannot start with 1
    services.set_participation(
        actor=operator,
        institution=institution,
        sub_delivery=version.sub_delivery,
        since=dt.date(2021, 1, 1),
    )
    services.set_method(
        actor=operator,
        institution=institution,
        registry=version.sub_delivery.registry,
        method=Method.PORTAL,
    )
    row = hip_row(1, Opnamedatum="2026-08-01", Ontslagdatum="2026-08-05")
    body = "".join(f"<{n}>{row[n]}</{n}>" for n in dictionary.field_names if row.get(n))
    data = f"<_1HEUP versie='3'><record>{body}</record></_1HEUP>".encode()
    assert validate_file(dictionary, data, file_name="x.xml").findings == ()
    delivery = deliver(
        institution,
        submitter,
        data,
        capture=django_capture_on_commit_callbacks,
        file_name="11111111_0_1HEUP_3_1_20261128_PROD.xml",
        code="1HEUP",
        version="3",
        period="2026K3",
    )
    assert list(delivery.findings.values_list("code", flat=True)) == []
