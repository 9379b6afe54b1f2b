"""The schedule a sub-delivery's dictionary versions make (unit tests of the dense logic)."""

from __future__ import annotations

import datetime as dt

from datahub.schedule.periods import periods_between
from datahub.schedule.services import Deadline, VersionSpec, delivered_on, schedule_from

D = dt.date


def test_the_frequency_rule_makes_every_period_with_its_deadline_after_the_period():
    spec = VersionSpec(D(2020, 1, 1), None, "halfjaar", 32, ())
    assert schedule_from([spec], D(2021, 8, 31)) == [
        Deadline("2020H1", D(2020, 8, 1)),
        Deadline("2020H2", D(2021, 2, 1)),
        Deadline("2021H1", D(2021, 8, 1)),
    ]


def test_an_explicit_deadline_replaces_the_rule_and_adds_periods_the_rule_does_not_make():
    spec = VersionSpec(
        D(2020, 1, 1), None, "halfjaar", 32, (("2020H1", D(2020, 9, 1)), ("2020", D(2021, 3, 1)))
    )
    assert schedule_from([spec], D(2021, 3, 1)) == [
        Deadline("2020H1", D(2020, 9, 1)),
        Deadline("2020H2", D(2021, 2, 1)),
        Deadline("2020", D(2021, 3, 1)),
    ]


def test_a_later_version_replaces_the_deadline_of_the_same_period():
    old = VersionSpec(D(2020, 1, 1), D(2020, 12, 31), "jaar", 31, ())
    new = VersionSpec(D(2021, 1, 1), None, "jaar", 60, (("2020", D(2021, 3, 15)),))
    assert schedule_from([old, new], D(2022, 3, 31)) == [
        Deadline("2020", D(2021, 3, 15)),
        Deadline("2021", D(2022, 3, 1)),
    ]


def test_the_rule_stops_at_the_end_of_a_version_and_at_the_horizon():
    spec = VersionSpec(D(2020, 1, 1), D(2020, 6, 30), "kwartaal", 31, ())
    assert [d.period for d in schedule_from([spec], D(2030, 1, 1))] == ["2020K1", "2020K2"]
    spec = VersionSpec(D(2020, 1, 1), None, "maand", 10, ())
    assert [d.period for d in schedule_from([spec], D(2020, 3, 10))] == ["2020M01", "2020M02"]


def test_totaal_deadlines_each_open_after_the_previous_one():
    spec = VersionSpec(
        D(2020, 1, 1),
        None,
        "totaal",
        None,
        (("TOTAAL", D(2020, 7, 10)), ("TOTAAL", D(2020, 4, 10))),
    )
    assert schedule_from([spec], D(2021, 1, 1)) == [
        Deadline("TOTAAL", D(2020, 4, 10), None),
        Deadline("TOTAAL", D(2020, 7, 10), D(2020, 4, 10)),
    ]


def test_a_totaal_delivery_counts_only_for_deadlines_after_the_one_before_it():
    second = Deadline("TOTAAL", D(2020, 7, 10), D(2020, 4, 10))
    assert delivered_on(second, D(2020, 4, 10)) is None
    assert delivered_on(second, D(2020, 4, 11)) == D(2020, 4, 11)
    assert delivered_on(second, D(2020, 9, 1)) == D(2020, 9, 1)  # late still fills it
    assert delivered_on(Deadline("2020K1", D(2020, 5, 1)), D(2019, 1, 1)) == D(2019, 1, 1)


def test_periods_of_every_frequency():
    assert list(periods_between("maand", D(2020, 11, 5), D(2021, 1, 1))) == [
        "2020M11",
        "2020M12",
        "2021M01",
    ]
    assert list(periods_between("kwartaal", D(2020, 11, 5), D(2021, 1, 1))) == [
        "2020K4",
        "2021K1",
    ]
    assert list(periods_between("jaar", D(2020, 11, 5), D(2021, 1, 1))) == ["2020", "2021"]


def test_shorter_periods_that_cover_an_expected_period_count_as_its_delivery():
    from datahub.schedule.services import latest_for

    quarters = {(1, f"2020K{n}"): D(2021, 1, n) for n in range(1, 5)}
    assert latest_for(quarters, 1, "2020") == D(2021, 1, 4)
    assert latest_for(quarters, 1, "2020H2") == D(2021, 1, 4)
    assert latest_for(quarters, 2, "2020") is None  # another sub-delivery's quarters
    gap = {key: day for key, day in quarters.items() if key[1] != "2020K3"}
    assert latest_for(gap, 1, "2020") is None
    months = {(1, f"2020M{n:02d}"): D(2020, 7, 1) for n in range(1, 7)}
    assert latest_for({**months, (1, "2020K1"): D(2020, 5, 1)}, 1, "2020H1") == D(2020, 7, 1)
    assert latest_for({(1, "2020"): D(2021, 2, 1)}, 1, "2020") == D(2021, 2, 1)
    assert latest_for({(1, "2020"): D(2021, 2, 1)}, 1, "2020H1") is None


def test_a_later_version_replaces_a_deadline_also_when_it_moves_beyond_the_limit():
    old = VersionSpec(D(2025, 1, 1), None, "halfjaar", 31, (("2026H1", D(2026, 8, 1)),))
    new = VersionSpec(D(2026, 1, 1), None, "halfjaar", 200, ())
    assert schedule_from([old, new], D(2026, 9, 1)) == [
        Deadline("2025H1", D(2025, 7, 31)),
        Deadline("2025H2", D(2026, 1, 31)),
    ]  # 2026H1 is now due on 16 January 2027: not on its old deadline of 1 August
    assert Deadline("2026H1", D(2027, 1, 16)) in schedule_from([old, new], D(2027, 1, 16))
