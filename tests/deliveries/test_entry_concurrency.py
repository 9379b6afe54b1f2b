"""Two Aanleveren at once (a button pressed twice, two clinicians) make one delivery: the second
waits for the first's row locks and is then told nothing changed (PostgreSQL: SQLite runs the
two transactions one after the other)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from datahub.deliveries import entry, intake
from datahub.deliveries.entry import EntryError
from datahub.deliveries.models import Delivery
from tests.validation.helpers import cat_row

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises the two transactions"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_aanleveren_at_once_make_one_delivery(
    cataract_entry, institution, clinician, monkeypatch
):
    sub_delivery = cataract_entry.sub_delivery
    entry.save_draft(institution, sub_delivery, cat_row(1), actor=clinician)
    submit = intake.submit

    def slow_submit(*args, **kwargs):  # the first holds its locks while the second asks
        delivery = submit(*args, **kwargs)
        time.sleep(1)
        return delivery

    monkeypatch.setattr(intake, "submit", slow_submit)
    answers: list[str] = []

    def click() -> None:
        try:
            delivery = entry.submit_batch(
                institution, sub_delivery, unit=0, period="", is_test=False, actor=clinician
            )
            answers.append(f"delivered {delivery.file_name}")
        except EntryError as refused:
            answers.append(f"refused {refused}")
        finally:
            connection.close()

    first = threading.Thread(target=click)
    second = threading.Thread(target=click)
    first.start()
    time.sleep(0.3)  # the first holds the rows' locks by now
    second.start()
    first.join()
    second.join()
    assert Delivery.objects.for_institution(institution).count() == 1
    delivered = Delivery.objects.for_institution(institution).get()
    assert sorted(a.split()[0] for a in answers) == ["delivered", "refused"], answers
    [refusal] = [a for a in answers if a.startswith("refused")]
    assert delivered.file_name in refusal  # "nothing changed since <that delivery>"
