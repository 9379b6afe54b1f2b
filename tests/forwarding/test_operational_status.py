"""The hub operator's start page shows what is behind or failing: forwarding that keeps
failing, deliveries that wait for their processing, background tasks that failed. Before, only
the institution saw "not forwarded yet", and the hub retried every ten minutes in silence."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from datahub.deliveries.models import Delivery, Status
from datahub.forwarding.models import Package
from tests.conftest import logged_in
from tests.forwarding.conftest import (
    authorise,
    deliver,
    finished_ago,
    finished_deliveries,
    patient_rows,
)
from tests.work import counted, sqlite_only

HOME = reverse("portal:operator_home")
IN_ORDER = "In orde"
BEHIND = "Doorlevering loopt achter"


def _home(operator, lang: str = "nl") -> str:
    client = logged_in(operator)
    client.post(reverse("set_language"), {"language": lang, "next": "/"})
    return client.get(HOME).content.decode()


def test_a_delivery_whose_package_cannot_be_made_is_shown_until_it_is_forwarded(
    authorised,
    registered,
    institution,
    submitter,
    other_processor,
    operator,
    settings,
    django_capture_on_commit_callbacks,
):
    from datahub.forwarding.tasks import recover_forwarding_task

    authorise(institution, other_processor, registered)
    settings.PSEUDONYM_SECRETS = {"mrdm": "mrdm-test-secret"}  # IKNL's secret is missing
    delivery = deliver(
        institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks
    )
    finished_ago(institution, hours=2)
    recover_forwarding_task.call()  # retried: still no secret
    assert [p.processor for p in Package.objects.for_institution(institution)] == [other_processor]

    page = _home(operator)
    assert BEHIND in page and IN_ORDER not in page
    assert "1 afgeronde aanlevering mist al langer dan 15 minuten een pakket" in page
    assert delivery.file_name in page and "Ziekenhuis A" in page
    row = page[page.index(delivery.file_name) :]
    assert "<td>IKNL</td>" in row[: row.index("</tr>")]  # MRDM has its package
    per_processor = page[page.index("Per verwerker") : page.index(delivery.file_name)]
    assert '<th scope="row">IKNL</th><td>1</td>' in per_processor
    assert "MRDM" not in per_processor
    assert "Doorlevering loopt achter" not in _home(operator, "en")
    assert "Forwarding behind" in _home(operator, "en")

    settings.PSEUDONYM_SECRETS = {"iknl": "iknl-secret", "mrdm": "mrdm-test-secret"}
    recover_forwarding_task.call()
    page = _home(operator)
    assert BEHIND not in page and IN_ORDER in page


def test_a_delivery_finished_minutes_ago_is_left_to_its_own_task(
    authorised, institution, submitter, operator, settings, django_capture_on_commit_callbacks
):
    settings.PSEUDONYM_SECRETS = {}
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    finished_ago(institution, minutes=5)
    assert BEHIND not in _home(operator)
    finished_ago(institution, minutes=20)
    assert BEHIND in _home(operator)


@pytest.mark.parametrize("change", [{"is_test": True}, {"status": Status.REJECTED}, {"file": None}])
def test_test_rejected_and_fileless_deliveries_are_never_behind(
    authorised,
    institution,
    submitter,
    operator,
    settings,
    change,
    django_capture_on_commit_callbacks,
):
    settings.PSEUDONYM_SECRETS = {}
    deliver(institution, submitter, patient_rows(2), capture=django_capture_on_commit_callbacks)
    finished_ago(institution, hours=1)
    Delivery.objects.for_institution(institution).update(**change)
    page = _home(operator)
    assert BEHIND not in page and IN_ORDER in page


@pytest.fixture
def behind(
    authorised, cataract, institution, submitter, settings, django_capture_on_commit_callbacks
):
    """``behind(n)``: the institution's deliveries now ``n``, all of them an hour behind (the
    processor's secret is missing; the first delivered and processed, the rest written at
    once, with its file)."""
    settings.PSEUDONYM_SECRETS = {}
    capture = django_capture_on_commit_callbacks
    first = deliver(institution, submitter, patient_rows(1), capture=capture)

    def make(n: int) -> None:
        made = Delivery.objects.for_institution(institution).count()
        finished_deliveries(institution, cataract, n - made, start=made, file=first.file)
        finished_ago(institution, hours=1)

    return make


def test_only_the_oldest_fifty_are_listed_with_the_number_of_all(behind, operator):
    behind(60)
    page = _home(operator)
    assert "60 afgeronde aanleveringen missen" in page
    assert "De oudste 50 van 60 wachtende aanleveringen" in page
    assert page.count("_PROD.csv</td>") == 50


def _waiting(operator) -> list[int]:
    """Queries of the operator's page, and the number of rows it lists."""
    client = logged_in(operator)
    client.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(HOME).content.decode()
    return [len(queries), page.count("_PROD.csv</td>")]


def test_the_page_makes_as_many_queries_for_many_deliveries_behind_as_for_a_few(behind, operator):
    behind(1)
    few = _waiting(operator)
    behind(31)
    many = _waiting(operator)
    assert (few[1], many[1]) == (1, 31)
    assert many[0] == few[0]


@sqlite_only
def test_the_page_does_not_grow_with_the_deliveries_forwarded_before(
    authorised, cataract, institution, operator
):
    a_year_ago = timezone.now() - dt.timedelta(days=365)
    client = logged_in(operator)
    work, start = [], 0
    for n in (1_000, 10_000):
        finished_deliveries(
            institution, cataract, n, start, processed_at=a_year_ago, forwarding_done_at=a_year_ago
        )
        start += n
        client.get(HOME)
        with counted() as steps:
            assert IN_ORDER in client.get(HOME).content.decode()
        work.append(steps[0])
    assert work[1] < 2 * work[0], work


def test_deliveries_waiting_for_their_processing_are_shown(
    cataract, institution, submitter, operator, django_capture_on_commit_callbacks
):
    from datahub.deliveries import intake
    from tests.deliveries.conftest import metadata

    data = patient_rows(2)
    with django_capture_on_commit_callbacks(execute=False):  # the worker never takes it
        intake.submit(
            metadata(1),
            [data],
            size=len(data),
            institution=institution,
            channel="Webportaal",
            actor=submitter,
        )
    assert "Verwerking loopt achter" not in _home(operator)
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    Delivery.objects.for_institution(institution).update(submitted_at=two_hours_ago)
    page = _home(operator)
    assert "Verwerking loopt achter" in page and IN_ORDER not in page
    assert "1 aanlevering wacht al langer dan 30 minuten op verwerking" in page


def _result(path: str, days_ago: float, status: str = "FAILED", **fields: str) -> DBTaskResult:
    finished = timezone.now() - dt.timedelta(days=days_ago)
    return DBTaskResult(
        id=uuid.uuid4(),
        status=status,
        task_path=path,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=finished,
        started_at=finished,
        finished_at=finished,
        **fields,
    )


def _failed(path: str, days_ago: float, exception: str = "builtins.OSError") -> None:
    trace = "Traceback: value 'PAT0001' in record 7"
    _result(path, days_ago, exception_class_path=exception, traceback=trace).save()


def test_failed_background_tasks_of_the_last_week_are_shown_without_their_traceback(
    db, operator, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _failed("datahub.forwarding.tasks.purge_task", days_ago=3, exception="builtins.ValueError")
    _failed("datahub.forwarding.tasks.purge_task", days_ago=1)
    _failed("datahub.schedule.tasks.send_reminders_task", days_ago=8)  # too long ago
    page = _home(operator)
    assert "Mislukte achtergrondtaken" in page and IN_ORDER not in page
    row = page[page.index("purge_task</th>") :]
    row = row[: row.index("</tr>")]
    assert "<td>2</td>" in row and "builtins.OSError" in row  # the latest failure's class
    assert "send_reminders_task" not in page
    assert "PAT0001" not in page

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    page = _home(operator)  # another backend keeps no results: the page claims nothing of them
    assert IN_ORDER in page and "achtergrondtaak" not in page
    assert "is doorgeleverd, geen aanlevering wacht op verwerking en de afgelopen 7" in page


def test_old_task_results_are_pruned_so_the_page_does_not_grow_with_them(db, operator, settings):
    """Every worker queues a recovery job each minute: thousands of results a day, which the
    page's query of failed tasks would read for ever."""
    from datahub import periodic
    from datahub.operations import prune_task_results_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert periodic._task("datahub.operations.prune_task_results_task") is not None
    kept = [
        _result("a.recover", 0.5, "SUCCESSFUL"),
        _result("a.purge", 5, exception_class_path="builtins.OSError"),
    ]
    pruned = [_result("a.recover", 2, "SUCCESSFUL"), _result("a.purge", 40)]
    DBTaskResult.objects.bulk_create(kept + pruned)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert prune_task_results_task.call() == 0  # (another backend: nothing of its own to prune)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert prune_task_results_task.call() == 2
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {r.id for r in kept}

    DBTaskResult.objects.bulk_create(_result("a.recover", 200, "SUCCESSFUL") for _ in range(10_000))
    prune_task_results_task.call()
    page = _home(operator)  # reads what is kept: a day of successes, a month of failures
    assert "Mislukte achtergrondtaken" in page and "purge</th>" in page
    assert DBTaskResult.objects.count() == 2


@pytest.mark.parametrize("persona", ["submitter", "local_admin", "processor_user"])
def test_only_the_operator_sees_the_status(request, persona):
    assert logged_in(request.getfixturevalue(persona)).get(HOME).status_code == 403
