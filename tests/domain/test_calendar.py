"""Business calendar: adding and measuring business time, time zones, DST, validation, JSON."""

import json
import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.calendar import BusinessCalendar

CST = timezone(timedelta(hours=8))  # Asia/Shanghai has no DST
BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT = BusinessCalendar.default()
Hours = tuple[tuple[time, time], ...]
OFFICE: Hours = ((time(8), time(12)), (time(14), time(18)))
NATIONAL_DAY = frozenset(date(2026, 10, 1) + timedelta(days=n) for n in range(7))  # Thu-Wed
MAKE_UP_SATURDAY = date(2026, 10, 10)


@pytest.fixture(autouse=True)
def _empty_tables() -> None:
    """Pure arithmetic: replace the harness's per-test database wipe with nothing."""


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0, tz=CST):
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=tz)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def national_day_calendar() -> BusinessCalendar:
    return BusinessCalendar(holidays=NATIONAL_DAY, extra_workdays=frozenset({MAKE_UP_SATURDAY}))


MON, TUE, FRI, SAT, SUN = (date(2026, 3, d) for d in (2, 3, 6, 7, 8))
NEXT_MON = date(2026, 3, 9)


# --- add: one day ---------------------------------------------------------------------------


def test_lunch_break_is_skipped():
    assert DEFAULT.add(at(MON, 11, 30), hours(1)) == at(MON, 14, 30)


def test_budget_ending_at_noon_ends_at_noon_not_after_lunch():
    assert DEFAULT.add(at(MON, 11), hours(1)) == at(MON, 12)
    assert DEFAULT.add(at(MON, 8), hours(4)) == at(MON, 12)


def test_budget_ending_at_close_ends_at_close_not_next_morning():
    assert DEFAULT.add(at(MON, 8), hours(8)) == at(MON, 18)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(MON, 7), at(MON, 9)),  # before opening
        (at(MON, 0), at(MON, 9)),  # midnight
        (at(MON, 8), at(MON, 9)),  # exactly at opening
        (at(MON, 12), at(MON, 15)),  # exactly at the start of lunch
        (at(MON, 13), at(MON, 15)),  # during lunch
        (at(MON, 14), at(MON, 15)),  # exactly after lunch
        (at(MON, 17, 30), at(TUE, 8, 30)),  # the rest spills into tomorrow
        (at(MON, 18), at(TUE, 9)),  # exactly at close
        (at(MON, 19), at(TUE, 9)),  # after close
        (at(FRI, 17, 30), at(NEXT_MON, 8, 30)),  # Friday evening -> Monday
        (at(FRI, 19), at(NEXT_MON, 9)),
        (at(SAT, 10), at(NEXT_MON, 9)),  # weekend
        (at(SUN, 23, 59, 59), at(NEXT_MON, 9)),
    ],
)
def test_one_hour_from_anywhere_in_the_week(start, due):
    assert DEFAULT.add(start, hours(1)) == due


def test_a_working_week_is_forty_hours_over_five_days():
    assert DEFAULT.add(at(MON, 8), hours(40)) == at(FRI, 18)
    assert DEFAULT.add(at(MON, 8), hours(41)) == at(NEXT_MON, 9)
    assert DEFAULT.add(at(SAT, 9), hours(40)) == at(date(2026, 3, 13), 18)


def test_zero_duration_is_the_start_itself_even_outside_work_time():
    assert DEFAULT.add(at(SUN, 3, 4, 5, 6), timedelta(0)) == at(SUN, 3, 4, 5, 6)
    assert DEFAULT.add(at(MON, 12, 30), timedelta(0)).tzinfo is UTC


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        DEFAULT.add(at(MON, 9), timedelta(seconds=-1))


def test_seconds_and_microseconds_are_kept():
    assert DEFAULT.add(at(MON, 11, 59, 59, 500_000), timedelta(seconds=1)) == at(
        MON, 14, 0, 0, 500_000
    )
    assert DEFAULT.add(at(MON, 8), timedelta(microseconds=1)) == at(MON, 8, 0, 0, 1)
    assert DEFAULT.between(at(MON, 11, 59, 59, 999_999), at(MON, 14, 0, 0, 1)) == timedelta(
        microseconds=2
    )


def test_results_are_in_utc():
    due = DEFAULT.add(at(MON, 9), hours(1))
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 2, 2, tzinfo=UTC)


# --- between and is_business_time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(MON, 9), at(MON, 11), hours(2)),
        (at(MON, 11), at(MON, 15), hours(2)),  # lunch does not count
        (at(MON, 12), at(MON, 14), hours(0)),
        (at(MON, 0), at(TUE, 0), hours(8)),
        (at(MON, 17), at(TUE, 9), hours(2)),
        (at(FRI, 17), at(NEXT_MON, 9), hours(2)),  # the weekend does not count
        (at(SAT, 0), at(NEXT_MON, 0), hours(0)),
        (at(MON, 0), at(NEXT_MON, 0), hours(40)),
        (at(MON, 10), at(MON, 10), hours(0)),  # empty
        (at(MON, 11), at(MON, 10), hours(0)),  # reversed
    ],
)
def test_between(start, end, expected):
    assert DEFAULT.between(start, end) == expected


def test_is_business_time_includes_the_start_and_excludes_the_end_of_an_interval():
    assert DEFAULT.is_business_time(at(MON, 8))
    assert DEFAULT.is_business_time(at(MON, 11, 59, 59, 999_999))
    assert not DEFAULT.is_business_time(at(MON, 12))
    assert not DEFAULT.is_business_time(at(MON, 13, 59, 59))
    assert DEFAULT.is_business_time(at(MON, 14))
    assert not DEFAULT.is_business_time(at(MON, 18))
    assert not DEFAULT.is_business_time(at(MON, 7, 59, 59))
    assert not DEFAULT.is_business_time(at(SAT, 10))
    assert not DEFAULT.is_business_time(at(SUN, 10))


# --- holidays and make-up days --------------------------------------------------------------


def test_national_day_week_is_skipped_and_the_make_up_saturday_is_worked():
    calendar = national_day_calendar()
    eve = date(2026, 9, 30)  # Wednesday
    assert calendar.add(at(eve, 17), hours(1)) == at(eve, 18)
    assert calendar.add(at(eve, 17), hours(2)) == at(date(2026, 10, 8), 9)
    assert calendar.add(at(date(2026, 10, 3), 10), hours(1)) == at(date(2026, 10, 8), 9)
    # Friday evening runs into the make-up Saturday, then on to Monday.
    assert calendar.add(at(date(2026, 10, 9), 17), hours(2)) == at(MAKE_UP_SATURDAY, 9)
    assert calendar.add(at(date(2026, 10, 9), 18), hours(8)) == at(MAKE_UP_SATURDAY, 18)
    assert calendar.add(at(date(2026, 10, 9), 18), hours(9)) == at(date(2026, 10, 12), 9)
    assert not calendar.is_business_time(at(date(2026, 10, 1), 10))
    assert calendar.is_business_time(at(MAKE_UP_SATURDAY, 10))
    assert not calendar.is_business_time(at(MAKE_UP_SATURDAY, 13))


def test_between_across_national_day_counts_seven_working_days():
    # Mon-Wed 28-30 Sep, Thu-Fri 8-9 Oct, the make-up Saturday 10 Oct and Monday 12 Oct.
    calendar = national_day_calendar()
    assert calendar.between(at(date(2026, 9, 28)), at(date(2026, 10, 13))) == hours(7 * 8)
    assert calendar.between(at(date(2026, 10, 1)), at(date(2026, 10, 8))) == hours(0)


def test_a_holiday_on_a_weekend_changes_nothing():
    with_weekend_holidays = BusinessCalendar(holidays=frozenset({SAT, SUN}))
    for start in (at(FRI, 17), at(SAT, 9), at(SUN, 12)):
        for duration in (hours(1), hours(9), hours(45)):
            assert with_weekend_holidays.add(start, duration) == DEFAULT.add(start, duration)
    assert with_weekend_holidays.between(at(MON), at(date(2026, 3, 16))) == hours(80)


def test_a_make_up_day_uses_mondays_hours():
    calendar = BusinessCalendar(
        work_hours={0: ((time(9), time(11)),), 1: OFFICE},
        extra_workdays=frozenset({SAT}),
    )
    assert calendar.between(at(SAT), at(SUN)) == hours(2)
    assert calendar.add(at(SAT, 7), hours(1)) == at(SAT, 10)
    assert calendar.add(at(SAT, 10), hours(2)) == at(NEXT_MON, 10)


# --- time zones -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset_zone",
    [UTC, CST, timezone(timedelta(hours=-5)), ZoneInfo("America/New_York"), BERLIN],
)
def test_the_offset_of_the_input_does_not_matter(offset_zone):
    # Friday 17:30 in Shanghai is 09:30 UTC and 04:30 at -05:00.
    start = at(FRI, 17, 30).astimezone(offset_zone)
    due = DEFAULT.add(start, hours(1))
    assert due == at(NEXT_MON, 8, 30)
    assert due.tzinfo is UTC
    assert DEFAULT.between(start, at(NEXT_MON, 8, 30).astimezone(offset_zone)) == hours(1)
    assert DEFAULT.is_business_time(start)


def test_inputs_in_utc_plus_8_and_minus_5_give_the_same_instant():
    in_utc = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)
    in_cst = datetime(2026, 3, 6, 17, 30, tzinfo=CST)
    in_est = datetime(2026, 3, 6, 4, 30, tzinfo=timezone(timedelta(hours=-5)))
    results = {DEFAULT.add(start, hours(3)) for start in (in_utc, in_cst, in_est)}
    assert results == {datetime(2026, 3, 9, 2, 30, tzinfo=UTC)}


def test_local_day_boundaries_follow_the_calendar_zone_not_the_input():
    # 2026-03-06 20:00 at -05:00 is already Saturday 09:00 in Shanghai.
    start = datetime(2026, 3, 6, 20, tzinfo=timezone(timedelta(hours=-5)))
    assert not DEFAULT.is_business_time(start)
    assert DEFAULT.add(start, hours(1)) == at(NEXT_MON, 9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: DEFAULT.add(datetime(2026, 3, 2, 9), hours(1)),
        lambda: DEFAULT.between(datetime(2026, 3, 2, 9), at(MON, 10)),
        lambda: DEFAULT.between(at(MON, 9), datetime(2026, 3, 2, 10)),
        lambda: DEFAULT.is_business_time(datetime(2026, 3, 2, 9)),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# --- daylight saving time (Europe/Berlin) ---------------------------------------------------


def berlin(day: date, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    """A Berlin wall time as a UTC instant (an ambiguous local time never compares equal)."""
    local = datetime(day.year, day.month, day.day, hour, minute, fold=fold, tzinfo=BERLIN)
    return local.astimezone(UTC)


SPRING_FORWARD = date(2026, 3, 29)  # Sunday: 02:00 CET -> 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # Sunday: 03:00 CEST -> 02:00 CET


def night_shift_calendar(**fields) -> BusinessCalendar:
    """Berlin office hours on weekdays plus a Sunday night shift 00:00-06:00."""
    work_hours: dict[int, Hours] = {day: OFFICE for day in range(5)}
    work_hours[6] = ((time(0), time(6)),)
    return BusinessCalendar(timezone="Europe/Berlin", work_hours=work_hours, **fields)


def test_an_interval_spanning_spring_forward_lasts_one_hour_less():
    calendar = night_shift_calendar()
    assert calendar.between(berlin(SPRING_FORWARD), berlin(SPRING_FORWARD, 12)) == hours(5)
    assert calendar.between(berlin(SUN), berlin(SUN, 12)) == hours(6)  # an ordinary Sunday
    # 4 h of real time from 00:00 CET (23:00 UTC) ends at 03:00 UTC, 05:00 on the wall.
    due = calendar.add(berlin(SPRING_FORWARD), hours(4))
    assert due == datetime(2026, 3, 29, 3, tzinfo=UTC) == berlin(SPRING_FORWARD, 5)
    assert calendar.add(berlin(SPRING_FORWARD), hours(5)) == berlin(SPRING_FORWARD, 6)
    assert calendar.add(berlin(SPRING_FORWARD), hours(6)) == berlin(date(2026, 3, 30), 9)


def test_an_interval_spanning_fall_back_lasts_one_hour_more():
    calendar = night_shift_calendar()
    assert calendar.between(berlin(FALL_BACK), berlin(FALL_BACK, 12)) == hours(7)
    assert calendar.add(berlin(FALL_BACK), hours(2)) == berlin(FALL_BACK, 2)  # CEST
    assert calendar.add(berlin(FALL_BACK), hours(3)) == berlin(FALL_BACK, 2, fold=1)  # CET
    assert berlin(FALL_BACK, 2, fold=1) - berlin(FALL_BACK, 2) == hours(1)
    assert calendar.add(berlin(FALL_BACK), hours(7)) == berlin(FALL_BACK, 6)
    assert calendar.is_business_time(berlin(FALL_BACK, 2, 30, fold=1))


def test_office_hours_keep_their_wall_times_across_a_dst_weekend():
    calendar = BusinessCalendar(timezone="Europe/Berlin")
    friday = date(2026, 3, 27)
    due = calendar.add(berlin(friday, 17), hours(2))
    assert due == berlin(date(2026, 3, 30), 9)
    assert due == datetime(2026, 3, 30, 7, tzinfo=UTC)  # CEST, one hour less than in winter
    assert calendar.add(berlin(date(2026, 10, 23), 17), hours(2)) == datetime(
        2026, 10, 26, 8, tzinfo=UTC
    )
    # A whole year has no DST effect on 08:00-18:00 work: every weekday is still 8 hours.
    weekdays = sum(1 for n in range(365) if (date(2026, 1, 1) + timedelta(n)).weekday() < 5)
    assert calendar.between(berlin(date(2026, 1, 1)), berlin(date(2027, 1, 1))) == hours(
        8 * weekdays
    )


def test_a_boundary_in_the_skipped_hour_is_the_moment_of_the_change():
    # Sunday 01:00-02:30 and 02:30-04:00: on 29 March the clocks jump from 02:00 to 03:00.
    calendar = BusinessCalendar(
        timezone="Europe/Berlin",
        work_hours={6: ((time(1), time(2, 30)), (time(2, 30), time(4))), 0: OFFICE},
    )
    change = datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert calendar.between(berlin(SPRING_FORWARD), berlin(SPRING_FORWARD, 12)) == hours(2)
    assert calendar.add(berlin(SPRING_FORWARD), hours(1)) == change
    assert calendar.add(berlin(SPRING_FORWARD), hours(1.5)) == berlin(SPRING_FORWARD, 3, 30)
    assert calendar.is_business_time(change)
    # An interval wholly inside the skipped hour does not happen that day.
    skipped = BusinessCalendar(
        timezone="Europe/Berlin", work_hours={6: ((time(2, 15), time(2, 45)),)}
    )
    assert skipped.between(berlin(SPRING_FORWARD), berlin(date(2026, 3, 30))) == hours(0)
    assert skipped.add(berlin(SPRING_FORWARD), hours(0.25)) == berlin(date(2026, 4, 5), 2, 30)


def test_a_zone_that_skipped_a_whole_day():
    # Samoa jumped from 29 to 31 December 2011; a 24-hour calendar loses that day entirely.
    every_day: dict[int, Hours] = {day: ((time(0), time(0)),) for day in range(7)}
    calendar = BusinessCalendar(timezone="Pacific/Apia", work_hours=every_day)
    apia = ZoneInfo("Pacific/Apia")
    start = datetime(2011, 12, 29, tzinfo=apia)
    end = datetime(2012, 1, 1, tzinfo=apia)
    assert calendar.between(start, end) == hours(48) == end.astimezone(UTC) - start
    assert calendar.add(start, hours(30)) == datetime(2011, 12, 31, 6, tzinfo=apia)


# --- add and between are inverse: random cases against a plain reference ---------------------


def reference_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Day by day with zoneinfo conversions at every boundary: slow, obvious, independent."""
    zone = ZoneInfo(calendar.timezone)
    total = timedelta(0)
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        if day not in calendar.holidays:
            weekday = 0 if day in calendar.extra_workdays else day.weekday()
            for begin, finish in calendar.work_hours.get(weekday, ()):
                finish_day = day + timedelta(days=1) if finish == time(0) else day
                low = max(datetime.combine(day, begin, tzinfo=zone).astimezone(UTC), start)
                high = min(datetime.combine(finish_day, finish, tzinfo=zone).astimezone(UTC), end)
                if high > low:
                    total += high - low
        day += timedelta(days=1)
    return total


RANDOM_CALENDARS = {
    "shanghai": DEFAULT,
    "national-day": national_day_calendar(),
    "berlin": BusinessCalendar(timezone="Europe/Berlin"),
    "berlin-night-shift": night_shift_calendar(
        holidays=frozenset({date(2026, 4, 3), date(2026, 12, 25)}),
        extra_workdays=frozenset({date(2026, 10, 24)}),
    ),
    "new-york-odd-hours": BusinessCalendar(
        timezone="America/New_York",
        work_hours={
            1: ((time(7, 15, 30), time(11, 59, 59, 250_000)), (time(12, 0, 1), time(0))),
            3: ((time(0), time(1, 30)), (time(22), time(23))),
            6: ((time(0, 30), time(4)),),
        },
    ),
}


def random_instant(rng: random.Random) -> datetime:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    instant = base + timedelta(microseconds=rng.randrange(366 * 86_400 * 10**6))
    if rng.random() < 0.3:  # land exactly on a quarter hour now and then: boundaries matter
        instant = instant.replace(minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0)
    return instant.astimezone(timezone(timedelta(minutes=rng.randrange(-12 * 60, 14 * 60, 15))))


def random_duration(rng: random.Random) -> timedelta:
    kind = rng.random()
    if kind < 0.2:
        return timedelta(hours=rng.randrange(0, 60))  # whole hours hit interval ends exactly
    if kind < 0.3:
        return timedelta(microseconds=rng.randrange(1, 1000))
    return timedelta(microseconds=rng.randrange(0, 300 * 3600 * 10**6))


@pytest.mark.parametrize("name", sorted(RANDOM_CALENDARS))
def test_add_and_between_are_inverse_for_random_starts_and_durations(name):
    calendar = RANDOM_CALENDARS[name]
    rng = random.Random(f"add-between-{name}")
    tick = timedelta(microseconds=1)
    for _ in range(300):
        start, duration = random_instant(rng), random_duration(rng)
        due = calendar.add(start, duration)
        assert calendar.between(start, due) == duration, (start, duration, due)
        assert reference_between(calendar, start, due) == duration, (start, duration, due)
        if duration:
            # The earliest such instant: one microsecond before, the budget was not spent,
            # and that microsecond was working time.
            assert calendar.between(start, due - tick) < duration
            assert calendar.is_business_time(due - tick)


@pytest.mark.parametrize("name", sorted(RANDOM_CALENDARS))
def test_between_matches_the_reference_for_random_spans(name):
    calendar = RANDOM_CALENDARS[name]
    rng = random.Random(f"between-{name}")
    for _ in range(200):
        start = random_instant(rng)
        end = start + timedelta(microseconds=rng.randrange(-86_400 * 10**6, 40 * 86_400 * 10**6))
        assert calendar.between(start, end) == reference_between(calendar, start, end)


def test_is_business_time_agrees_with_between_for_random_instants():
    rng = random.Random("is-business-time")
    tick = timedelta(microseconds=1)
    for calendar in RANDOM_CALENDARS.values():
        for _ in range(200):
            instant = random_instant(rng)
            expected = calendar.between(instant, instant + tick) == tick
            assert calendar.is_business_time(instant) is expected, instant


# --- long spans: results and timing -----------------------------------------------------------


def best_of(runs: int, call):
    timings = []
    for _ in range(runs):
        began = clock.perf_counter()
        result = call()
        timings.append(clock.perf_counter() - began)
    return result, min(timings) * 1000


def test_long_spans_are_exact_and_fast():
    start = at(date(2026, 1, 5), 8)  # a Monday
    # 10,000 business hours are exactly 250 working weeks: they end on a Friday at 18:00.
    due, add_ms = best_of(20, lambda: DEFAULT.add(start, hours(10_000)))
    assert due == at(date(2026, 1, 5) + timedelta(weeks=250, days=-3), 18)

    two_years, between_ms = best_of(20, lambda: DEFAULT.between(at(date(2026, 1, 1)), due))
    days = (due.date() - date(2026, 1, 1)).days + 1  # the last day is worked to 18:00
    weekdays = sum(1 for n in range(days) if n % 7 not in (2, 3))
    assert date(2026, 1, 1).weekday() == 3  # Thursday: days 2 and 3 of each week are Sat, Sun
    assert two_years == hours(8 * weekdays)

    holidays = national_day_calendar()
    year, year_ms = best_of(
        20, lambda: holidays.between(at(date(2026, 1, 1)), at(date(2027, 1, 1)))
    )
    assert year == hours(8 * (261 - 5 + 1))  # 2026: 261 weekdays, 5 of them in the holidays

    berlin_calendar = RANDOM_CALENDARS["berlin-night-shift"]
    _, dst_ms = best_of(
        20, lambda: berlin_calendar.between(berlin(date(2026, 1, 1)), berlin(date(2027, 1, 1)))
    )
    print(
        f"\nadd 10,000 h: {add_ms:.2f} ms; between over {due.date() - date(2026, 1, 1)}: "
        f"{between_ms:.2f} ms; one year with holidays: {year_ms:.2f} ms; "
        f"one year in Europe/Berlin with a DST night shift: {dst_ms:.2f} ms"
    )


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"timezone": ""}, "unknown time zone"),
        ({"timezone": "../../etc/passwd"}, "unknown time zone"),
        ({"work_hours": {0: ((time(12), time(8)),)}}, r"mon: 12:00-08:00 does not end after"),
        ({"work_hours": {2: ((time(9), time(9)),)}}, r"wed: 09:00-09:00 does not end after"),
        (
            {"work_hours": {0: ((time(8), time(12)), (time(11), time(13)))}},
            r"mon: 11:00-13:00 overlaps or comes before",
        ),
        (
            {"work_hours": {4: ((time(14), time(18)), (time(8), time(12)))}},
            r"fri: 08:00-12:00 overlaps or comes before",
        ),
        (
            {
                "holidays": frozenset({date(2026, 10, 1)}),
                "extra_workdays": frozenset({date(2026, 10, 1)}),
            },
            "2026-10-01: both a holiday and an extra workday",
        ),
        ({"work_hours": {}}, "no working time at all"),
        ({"work_hours": {n: () for n in range(7)}}, "no working time at all"),
        ({"work_hours": {7: OFFICE}}, "weekday must be 0 .Monday. to 6 .Sunday., got 7"),
        ({"work_hours": {0: (("08:00", "12:00"),)}}, "mon: expected .start, end. local times"),
        ({"work_hours": {0: ((time(8, tzinfo=UTC), time(12)),)}}, "local times"),
        ({"holidays": frozenset({datetime(2026, 10, 1)})}, "holidays: expected dates"),
    ],
)
def test_validate_rejects_a_bad_calendar_with_a_clear_message(fields, message):
    calendar = BusinessCalendar(**fields)
    with pytest.raises(ValueError, match=message):
        calendar.validate()
    with pytest.raises(ValueError, match=message):  # and arithmetic refuses to run on it
        calendar.add(at(MON, 9), hours(1))


def test_equal_calendars_are_equal_and_hash_alike():
    copy = BusinessCalendar.from_json(national_day_calendar().to_json())
    assert copy == national_day_calendar()
    assert hash(copy) == hash(national_day_calendar())
    assert len({DEFAULT, BusinessCalendar(), copy, national_day_calendar()}) == 2


def test_validate_accepts_good_calendars():
    DEFAULT.validate()
    national_day_calendar().validate()
    for calendar in RANDOM_CALENDARS.values():
        calendar.validate()
    # Touching intervals are fine, and an end of 00:00 means midnight.
    BusinessCalendar(work_hours={5: ((time(8), time(12)), (time(12), time(0)))}).validate()


# --- JSON -----------------------------------------------------------------------------------


def test_default_to_json():
    assert DEFAULT.to_json() == {
        "timezone": "Asia/Shanghai",
        "work_hours": {
            **{day: [["08:00", "12:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed")},
            **{day: [["08:00", "12:00"], ["14:00", "18:00"]] for day in ("thu", "fri")},
            "sat": [],
            "sun": [],
        },
        "holidays": [],
        "extra_workdays": [],
    }


@pytest.mark.parametrize("name", sorted(RANDOM_CALENDARS))
def test_json_round_trip(name):
    calendar = RANDOM_CALENDARS[name]
    data = json.loads(json.dumps(calendar.to_json()))
    assert BusinessCalendar.from_json(data) == calendar
    assert BusinessCalendar.from_json(data).to_json() == data


def test_json_writes_dates_sorted_and_seconds_and_midnight_readably():
    data = RANDOM_CALENDARS["new-york-odd-hours"].to_json()
    assert data["work_hours"]["tue"] == [
        ["07:15:30", "11:59:59.250000"],
        ["12:00:01", "24:00"],
    ]
    assert national_day_calendar().to_json()["holidays"] == [
        "2026-10-01",
        "2026-10-02",
        "2026-10-03",
        "2026-10-04",
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
    ]


def test_from_json_fills_missing_fields_with_the_defaults():
    assert BusinessCalendar.from_json({}) == DEFAULT
    calendar = BusinessCalendar.from_json({"holidays": ["2026-10-01"]})
    assert calendar.work_hours == DEFAULT.work_hours
    assert calendar.holidays == {date(2026, 10, 1)}
    assert BusinessCalendar.from_json({"work_hours": {"sat": [["09:00", "12:00"]]}}).work_hours == {
        5: ((time(9), time(12)),)
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected an object"),
        ({"timezone": "Asia/Shanghai", "lunch": "12:00"}, "unknown field.s. lunch"),
        ({"timezone": 8}, "timezone: expected a string"),
        ({"timezone": "Asia/Nowhere"}, "unknown time zone"),
        ({"work_hours": []}, "work_hours: expected an object"),
        ({"work_hours": {"monday": []}}, "unknown day 'monday'"),
        ({"work_hours": {"mon": "08:00-12:00"}}, "mon: expected a list"),
        ({"work_hours": {"mon": [["08:00"]]}}, r"mon: expected \[start, end\]"),
        ({"work_hours": {"mon": [["8 am", "12:00"]]}}, "expected a time such as '08:00'"),
        ({"work_hours": {"mon": [["24:00", "12:00"]]}}, "got '24:00'"),
        ({"work_hours": {"mon": [[8, 12]]}}, "expected a time"),
        ({"work_hours": {"mon": [["08:00+08:00", "12:00"]]}}, "without an offset"),
        ({"work_hours": {"mon": [["12:00", "08:00"]]}}, "does not end after it starts"),
        ({"holidays": "2026-10-01"}, "holidays: expected a list"),
        ({"extra_workdays": ["10/10/2026"]}, "extra_workdays: expected a date"),
        ({"extra_workdays": [20261010]}, "extra_workdays: expected a date"),
        ({"work_hours": {"sat": []}}, "no working time at all"),
    ],
)
def test_from_json_rejects_bad_input(data, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_json(data)
