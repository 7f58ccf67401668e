"""SLA clock: due time and counted time of a business-time clock that is paused while on hold."""

import random
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from app.domain.calendar import BusinessCalendar, due_at, elapsed

CST = timezone(timedelta(hours=8))
CALENDAR = BusinessCalendar.default()
MON, TUE, WED, FRI, SAT, SUN = (date(2026, 3, d) for d in (2, 3, 4, 6, 7, 8))
NEXT_MON = date(2026, 3, 9)
LAST_FRI, LAST_SUN = date(2026, 2, 27), date(2026, 3, 1)
TICK = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def _empty_tables() -> None:
    """Pure arithmetic: replace the harness's per-test database wipe with nothing."""


def at(day: date, hour: int = 0, minute: int = 0, tz=CST) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- due_at ---------------------------------------------------------------------------------


def test_without_pauses_the_due_time_is_plain_business_time():
    due = due_at(CALENDAR, at(MON, 9), hours(4), [])
    assert due == at(MON, 15) == CALENDAR.add(at(MON, 9), hours(4))
    assert due is not None
    assert due.tzinfo is UTC


def test_a_pause_within_a_day_pushes_the_due_time_back_by_its_business_time():
    # 09-10 counts, 10-11 paused, 11-12 counts, lunch, 14-16 counts.
    assert due_at(CALENDAR, at(MON, 9), hours(4), [(at(MON, 10), at(MON, 11))]) == at(MON, 16)


def test_a_pause_over_lunch_only_costs_its_working_part():
    # Paused 11:30-14:30: only 30 + 30 minutes of it were working time, so 15:00 becomes 16:00.
    assert due_at(CALENDAR, at(MON, 9), hours(4), [(at(MON, 11, 30), at(MON, 14, 30))]) == at(
        MON, 16
    )


def test_a_pause_outside_working_time_changes_nothing():
    pauses = [(at(MON, 12), at(MON, 14)), (at(MON, 18), at(TUE, 8)), (at(SAT, 9), at(SUN, 20))]
    assert due_at(CALENDAR, at(MON, 9), hours(20), pauses) == CALENDAR.add(at(MON, 9), hours(20))


def test_a_pause_across_days():
    # Counted Mon 09-12, 14-16 (5 h); paused until Tue 10:00; then 10-12, 14-15.
    assert due_at(CALENDAR, at(MON, 9), hours(8), [(at(MON, 16), at(TUE, 10))]) == at(TUE, 15)


def test_a_pause_across_a_weekend_ending_exactly_at_noon():
    # Fri 09-12, 14-17 counted (6 h); paused Fri 17:00 to Mon 10:00; Mon 10-12 makes 8 h.
    due = due_at(CALENDAR, at(FRI, 9), hours(8), [(at(FRI, 17), at(NEXT_MON, 10))])
    assert due == at(NEXT_MON, 12)


def test_overlapping_and_unsorted_pauses_count_once():
    merged = [(at(MON, 10), at(MON, 11, 30))]
    messy = [
        (at(MON, 10, 30), at(MON, 11, 30)),
        (at(MON, 10), at(MON, 11)),
        (at(MON, 10, 15), at(MON, 10, 45)),  # inside both
        (at(MON, 11, 30), at(MON, 11, 30)),  # empty
    ]
    expected = at(MON, 16, 30)  # 09-10, 11:30-12, 14-16:30
    assert due_at(CALENDAR, at(MON, 9), hours(4), merged) == expected
    assert due_at(CALENDAR, at(MON, 9), hours(4), messy) == expected
    rng = random.Random("shuffle")
    for _ in range(10):
        rng.shuffle(messy)
        assert due_at(CALENDAR, at(MON, 9), hours(4), messy) == expected


def test_touching_pauses_behave_as_one():
    touching = [(at(MON, 10), at(MON, 11)), (at(MON, 11), at(TUE, 9))]
    assert due_at(CALENDAR, at(MON, 9), hours(2), touching) == at(TUE, 10)


def test_a_pause_that_began_before_the_clock_only_counts_from_the_start():
    pauses = [(at(LAST_SUN, 10), at(MON, 10))]
    assert due_at(CALENDAR, at(MON, 9), hours(1), pauses) == at(MON, 11)
    # and one that ended before the clock started is ignored
    assert due_at(CALENDAR, at(MON, 9), hours(1), [(at(LAST_FRI, 9), at(LAST_FRI, 17))]) == at(
        MON, 10
    )


def test_an_open_pause_leaves_no_due_time():
    assert due_at(CALENDAR, at(MON, 9), hours(4), [(at(MON, 10), None)]) is None
    # later pauses lie inside the open one
    pauses = [(at(TUE, 9), at(TUE, 10)), (at(MON, 10), None), (at(MON, 11), at(MON, 12))]
    assert due_at(CALENDAR, at(MON, 9), hours(4), pauses) is None
    # an open pause since before the clock started: never counts at all
    assert due_at(CALENDAR, at(MON, 9), hours(4), [(at(LAST_SUN, 10), None)]) is None


def test_a_breach_before_an_open_pause_is_still_reported():
    assert due_at(CALENDAR, at(MON, 9), hours(1), [(at(MON, 11), None)]) == at(MON, 10)
    # used up exactly when the pause begins
    assert due_at(CALENDAR, at(MON, 9), hours(2), [(at(MON, 11), None)]) == at(MON, 11)
    # used up at noon, the pause began after lunch
    assert due_at(CALENDAR, at(MON, 9), hours(3), [(at(MON, 14), None)]) == at(MON, 12)
    # one minute short
    assert due_at(CALENDAR, at(MON, 9), hours(3), [(at(MON, 11, 59), None)]) is None
    # after an earlier closed pause
    pauses = [(at(MON, 9, 30), at(MON, 10)), (at(TUE, 9), None)]
    assert due_at(CALENDAR, at(MON, 9), hours(2), pauses) == at(MON, 11, 30)


def test_a_zero_allowance_is_due_at_the_start():
    assert due_at(CALENDAR, at(SAT, 9), timedelta(0), []) == at(SAT, 9)
    assert due_at(CALENDAR, at(MON, 9), timedelta(0), [(at(MON, 9), None)]) == at(MON, 9)


def test_holidays_and_pauses_together():
    calendar = BusinessCalendar(
        holidays=frozenset(date(2026, 10, 1) + timedelta(days=n) for n in range(7)),
        extra_workdays=frozenset({date(2026, 10, 10)}),
    )
    start = at(date(2026, 9, 30), 9)  # Wednesday before National Day
    # 09-12 + 14-17 counted (6 h), paused until Thursday 8 Oct 10:00, then 10-12.
    pauses = [(at(date(2026, 9, 30), 17), at(date(2026, 10, 8), 10))]
    assert due_at(calendar, start, hours(8), pauses) == at(date(2026, 10, 8), 12)
    # The make-up Saturday counts: 24 h from Thursday 8 Oct 08:00 end on Saturday at 18:00.
    assert due_at(calendar, at(date(2026, 10, 8), 8), hours(24), []) == at(date(2026, 10, 10), 18)


def test_the_offsets_of_the_inputs_do_not_matter():
    minus_five = timezone(timedelta(hours=-5))
    expected = due_at(CALENDAR, at(FRI, 9), hours(8), [(at(FRI, 17), at(NEXT_MON, 10))])
    for zone in (UTC, minus_five):
        start = at(FRI, 9).astimezone(zone)
        pauses = [(at(FRI, 17).astimezone(zone), at(NEXT_MON, 10).astimezone(minus_five))]
        assert due_at(CALENDAR, start, hours(8), pauses) == expected


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        due_at(CALENDAR, at(MON, 9), hours(-1), [])
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        due_at(CALENDAR, at(MON, 9), hours(1), [(at(MON, 11), at(MON, 10))])
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(CALENDAR, datetime(2026, 3, 2, 9), hours(1), [])
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(CALENDAR, at(MON, 9), hours(1), [(datetime(2026, 3, 2, 10), None)])
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(CALENDAR, at(MON, 9), hours(1), [(at(MON, 10), datetime(2026, 3, 2, 11))])
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed(CALENDAR, at(MON, 9), datetime(2026, 3, 2, 11), [])


# --- elapsed --------------------------------------------------------------------------------


def test_elapsed_counts_business_time_outside_pauses():
    pauses = [(at(MON, 10), at(MON, 11))]
    assert elapsed(CALENDAR, at(MON, 9), at(MON, 9), pauses) == hours(0)
    assert elapsed(CALENDAR, at(MON, 9), at(MON, 10, 30), pauses) == hours(1)
    assert elapsed(CALENDAR, at(MON, 9), at(MON, 15), pauses) == hours(3)
    assert elapsed(CALENDAR, at(MON, 9), at(TUE, 9), pauses) == hours(7)
    assert elapsed(CALENDAR, at(MON, 9), at(SUN, 9), []) == hours(5 * 8 - 1)
    assert elapsed(CALENDAR, at(MON, 9), at(MON, 8), pauses) == hours(0)  # before the start


def test_elapsed_during_an_open_pause_stops_where_the_pause_began():
    pauses = [(at(MON, 10), at(MON, 11)), (at(MON, 15), None)]
    assert elapsed(CALENDAR, at(MON, 9), at(WED, 9), pauses) == hours(3)
    assert elapsed(CALENDAR, at(MON, 9), at(MON, 14, 30), pauses) == hours(2.5)


def test_seventy_five_percent_of_the_allowance():
    allowance, start = hours(8), at(MON, 9)
    pauses = [(at(MON, 16), at(TUE, 10))]
    assert elapsed(CALENDAR, start, at(TUE, 10), pauses) == hours(5)
    assert elapsed(CALENDAR, start, at(TUE, 11), pauses) == allowance * 0.75
    due = due_at(CALENDAR, start, allowance, pauses)
    assert due is not None
    assert elapsed(CALENDAR, start, due, pauses) == allowance


# --- the exact rule, for random clocks --------------------------------------------------------


def counted(calendar, start, until, pauses) -> timedelta:
    """The rule spelled out: cut [start, until) at every pause boundary and add up the pieces
    whose middle lies in no pause. Shares no pause logic with the module."""
    if until <= start:
        return timedelta(0)
    cuts = {start, until}
    for pause_start, pause_end in pauses:
        cuts.update(p for p in (pause_start, pause_end) if p is not None and start < p < until)
    points = sorted(cuts)
    total = timedelta(0)
    for low, high in pairwise(points):
        middle = low + (high - low) / 2
        paused = any(s <= middle and (e is None or middle < e) for s, e in pauses)
        if not paused:
            total += calendar.between(low, high)
    return total


def random_clock(rng: random.Random):
    start = datetime(2026, 3, 2, tzinfo=CST) + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
    pauses: list[tuple[datetime, datetime | None]] = []
    for _ in range(rng.randrange(0, 6)):
        pause_start = start + timedelta(minutes=rng.randrange(-3 * 24 * 60, 10 * 24 * 60))
        if rng.random() < 0.15:
            pauses.append((pause_start, None))
        else:
            pauses.append((pause_start, pause_start + timedelta(minutes=rng.randrange(0, 3000))))
    allowance = timedelta(minutes=rng.randrange(0, 60 * 60))
    return start, allowance, pauses


def test_due_at_follows_the_exact_rule_for_random_clocks():
    rng = random.Random("sla-clock")
    outcomes = {"due": 0, "paused": 0}
    for _ in range(400):
        start, allowance, pauses = random_clock(rng)
        due = due_at(CALENDAR, start, allowance, pauses)
        if due is None:
            outcomes["paused"] += 1
            # Still paused, and what was counted before the open pause falls short.
            opens = [s for s, e in pauses if e is None]
            assert opens
            hold = max(min(opens), start)
            assert counted(CALENDAR, start, hold, pauses) < allowance
            assert counted(CALENDAR, start, hold + hours(24 * 365), pauses) < allowance
            continue
        outcomes["due"] += 1
        assert counted(CALENDAR, start, due, pauses) == allowance
        assert elapsed(CALENDAR, start, due, pauses) == allowance
        if allowance:
            assert counted(CALENDAR, start, due - TICK, pauses) < allowance
    assert min(outcomes.values()) > 20, outcomes  # both outcomes were exercised


def test_elapsed_follows_the_exact_rule_for_random_clocks():
    rng = random.Random("elapsed")
    for _ in range(300):
        start, _, pauses = random_clock(rng)
        now = start + timedelta(minutes=rng.randrange(-60, 15 * 24 * 60))
        assert elapsed(CALENDAR, start, now, pauses) == counted(CALENDAR, start, now, pauses)
