"""Business-time arithmetic: the clock that SLA due times are measured on.

A calendar is local wall-clock work intervals per weekday in one time zone, minus holidays, plus
make-up working days (调休). Inputs must be timezone-aware (any offset); results are UTC.

Durations are real elapsed time: on a day when the zone's clocks change, a work interval spanning
the change lasts what a stopwatch shows, not what the wall clock says. An interval boundary is the
first instant at which the clocks read that time or later: a time repeated when the clocks fall
back is its first occurrence, a time skipped when they spring forward is the moment of the change.

Long spans are walked one local day at a time with constant work per ordinary day (a precomputed
total, no time-zone conversion); only the first and last day and days on which the UTC offset
changes are converted interval by interval. Ten years is about 3,650 cheap steps.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_MIDNIGHT = time(0)

# A work interval as offsets from local midnight; an end of 24 h means "until midnight".
_Span = tuple[timedelta, timedelta]
_UtcSpan = tuple[datetime, datetime]  # naive datetimes in UTC


def _default_work_hours() -> dict[int, tuple[tuple[time, time], ...]]:
    office = ((time(8), time(12)), (time(14), time(18)))
    return {weekday: office for weekday in range(5)}


@dataclass(frozen=True)
class _Plan:
    """What arithmetic needs from a validated calendar, computed once per calendar."""

    zone: ZoneInfo
    spans: tuple[tuple[_Span, ...], ...]  # by weekday
    totals: tuple[timedelta, ...]  # by weekday: wall-clock length of the spans


@dataclass(frozen=True)
class BusinessCalendar:
    """When the department works: weekly hours in a time zone, holidays and make-up days.

    An end time of 00:00 means midnight at the end of the day ("24:00" in JSON), so a calendar can
    say 00:00-24:00. Make-up working days (``extra_workdays``) use Monday's hours. Treat
    ``work_hours`` as read-only: derived data is cached on first use.
    """

    timezone: str = "Asia/Shanghai"
    work_hours: dict[int, tuple[tuple[time, time], ...]] = field(
        default_factory=_default_work_hours
    )
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __hash__(self) -> int:  # the dict field would make the generated hash fail
        return hash(
            (
                self.timezone,
                tuple(sorted(self.work_hours.items())),
                self.holidays,
                self.extra_workdays,
            )
        )

    @classmethod
    def default(cls) -> "BusinessCalendar":
        """Mon-Fri 08:00-12:00 and 14:00-18:00, Asia/Shanghai, no holidays."""
        return cls()

    # --- serialisation ---------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "work_hours": {
                name: [
                    [_format_time(start), _format_time(end, is_end=True)]
                    for start, end in self.work_hours.get(weekday, ())
                ]
                for weekday, name in enumerate(WEEKDAY_NAMES)
            },
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "extra_workdays": sorted(day.isoformat() for day in self.extra_workdays),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "BusinessCalendar":
        """Parse what :meth:`to_json` writes; missing keys take the defaults. Validates."""
        if not isinstance(data, dict):
            raise ValueError("calendar: expected an object")
        unknown = set(data) - {"timezone", "work_hours", "holidays", "extra_workdays"}
        if unknown:
            raise ValueError(f"calendar: unknown field(s) {', '.join(sorted(unknown))}")
        default = cls()
        timezone = data.get("timezone", default.timezone)
        if not isinstance(timezone, str):
            raise ValueError("timezone: expected a string such as 'Asia/Shanghai'")
        work_hours = (
            _parse_work_hours(data["work_hours"]) if "work_hours" in data else default.work_hours
        )
        calendar = cls(
            timezone=timezone,
            work_hours=work_hours,
            holidays=_parse_dates(data.get("holidays", []), "holidays"),
            extra_workdays=_parse_dates(data.get("extra_workdays", []), "extra_workdays"),
        )
        calendar.validate()
        return calendar

    # --- validation --------------------------------------------------------------------------

    def validate(self) -> None:
        """Raise ValueError naming the first thing wrong with this calendar."""
        _load_zone(self.timezone)
        if not isinstance(self.work_hours, dict):
            raise ValueError("work_hours: expected a dict of weekday -> intervals")
        for weekday in self.work_hours:
            if weekday not in range(7):
                raise ValueError(
                    f"work_hours: weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}"
                )
        for weekday in range(7):
            _spans_of(WEEKDAY_NAMES[weekday], self.work_hours.get(weekday, ()))
        for name, days in (("holidays", self.holidays), ("extra_workdays", self.extra_workdays)):
            for day in days:
                if not isinstance(day, date) or isinstance(day, datetime):
                    raise ValueError(f"{name}: expected dates, got {day!r}")
        both = self.holidays & self.extra_workdays
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ValueError(f"{listed}: both a holiday and an extra workday")
        if not any(self.work_hours.get(weekday) for weekday in range(7)):
            raise ValueError("work_hours: no working time at all in the week")

    @cached_property
    def _plan(self) -> _Plan:
        self.validate()
        spans = tuple(
            _spans_of(WEEKDAY_NAMES[weekday], self.work_hours.get(weekday, ()))
            for weekday in range(7)
        )
        totals = tuple(sum((end - start for start, end in day), _ZERO) for day in spans)
        return _Plan(zone=_load_zone(self.timezone), spans=spans, totals=totals)

    # --- arithmetic --------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (UTC) at which `duration` of business time has elapsed after `start`.

        Counting begins at `start` or at the next work interval. A budget that runs out exactly
        at the end of an interval ends there, not at the start of the next one.
        """
        _require_aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if not duration:
            return start.astimezone(UTC)
        floor = _naive_utc(start)
        remaining = duration
        first = True
        for day, offset, next_offset in self._days_from(self._local_date(start)):
            if not first and offset == next_offset:
                total = self._wall_total(day)
                if total < remaining:
                    remaining -= total
                    continue
            first = False
            for span_start, span_end in self._utc_spans(day, offset, next_offset):
                span_start = max(span_start, floor)
                if span_end <= span_start:
                    continue
                available = span_end - span_start
                if available >= remaining:
                    return (span_start + remaining).replace(tzinfo=UTC)
                remaining -= available
        raise AssertionError("unreachable: the day iterator never ends")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time inside [start, end); zero if `end` is not after `start`."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        low, high = _naive_utc(start), _naive_utc(end)
        if high <= low:
            return _ZERO
        first, last = self._local_date(start), self._local_date(end)
        total = _ZERO
        for day, offset, next_offset in self._days_from(first):
            if day > last:
                break
            if first < day < last and offset == next_offset:
                total += self._wall_total(day)
                continue
            for span_start, span_end in self._utc_spans(day, offset, next_offset):
                overlap = min(span_end, high) - max(span_start, low)
                if overlap > _ZERO:
                    total += overlap
        return total

    def is_business_time(self, instant: datetime) -> bool:
        """Whether `instant` falls inside a work interval (start included, end excluded)."""
        _require_aware(instant, "instant")
        moment = _naive_utc(instant)
        day = self._local_date(instant)
        zone = self._plan.zone
        spans = self._utc_spans(
            day, _midnight_offset(zone, day), _midnight_offset(zone, day + _DAY)
        )
        return any(span_start <= moment < span_end for span_start, span_end in spans)

    # --- internals ---------------------------------------------------------------------------

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._plan.zone).date()

    def _local_spans(self, day: date) -> tuple[_Span, ...]:
        if day in self.holidays:
            return ()
        plan = self._plan
        return plan.spans[0] if day in self.extra_workdays else plan.spans[day.weekday()]

    def _wall_total(self, day: date) -> timedelta:
        if day in self.holidays:
            return _ZERO
        plan = self._plan
        return plan.totals[0] if day in self.extra_workdays else plan.totals[day.weekday()]

    def _days_from(self, first: date) -> Iterator[tuple[date, timedelta, timedelta]]:
        """Local days from `first` on, each with the UTC offset at its midnight and the next's.

        Equal offsets mean the clocks do not change that day (no zone changes its offset twice
        within 24 hours), so its intervals are plain wall-clock lengths.
        """
        zone = self._plan.zone
        day, offset = first, _midnight_offset(zone, first)
        while True:
            following = day + _DAY
            next_offset = _midnight_offset(zone, following)
            yield day, offset, next_offset
            day, offset = following, next_offset

    def _utc_spans(self, day: date, offset: timedelta, next_offset: timedelta) -> list[_UtcSpan]:
        spans = self._local_spans(day)
        midnight = datetime(day.year, day.month, day.day)
        if offset == next_offset:
            base = midnight - offset
            return [(base + start, base + end) for start, end in spans]
        # The offset changes today: convert each boundary. The conversion never goes backwards,
        # so the spans stay ordered; one that lies wholly in a skipped hour vanishes.
        zone = self._plan.zone
        result: list[_UtcSpan] = []
        for start, end in spans:
            span_start = _wall_to_utc(zone, midnight + start)
            span_end = _wall_to_utc(zone, midnight + end)
            if span_end > span_start:
                result.append((span_start, span_end))
        return result


# --- the SLA clock ---------------------------------------------------------------------------

Pause = tuple[datetime, datetime | None]


def due_at(
    calendar: BusinessCalendar,
    start: datetime,
    allowance: timedelta,
    pauses: Sequence[Pause],
) -> datetime | None:
    """When a clock started at `start` has counted `allowance` of business time, or None.

    Business time inside any pause is not counted (pauses may overlap, be unsorted or begin
    before `start`; an end of None means "still paused"). The result is the earliest instant
    at which the counted time equals the allowance, so a breach that happened before an open
    pause began is still reported; if the allowance is not used up before an open pause, the
    clock has no due time while it stays paused.
    """
    _require_aware(start, "start")
    if allowance < _ZERO:
        raise ValueError(f"allowance must not be negative, got {allowance}")
    if not allowance:
        return start.astimezone(UTC)
    remaining = allowance
    counting_from = start
    for pause_start, pause_end in _merged_pauses(start, pauses):
        counted = calendar.between(counting_from, pause_start)
        if counted >= remaining:
            return calendar.add(counting_from, remaining)
        remaining -= counted
        if pause_end is None:
            return None
        counting_from = pause_end
    return calendar.add(counting_from, remaining)


def elapsed(
    calendar: BusinessCalendar,
    start: datetime,
    now: datetime,
    pauses: Sequence[Pause],
) -> timedelta:
    """Business time the clock has counted from `start` to `now`, pauses excluded."""
    _require_aware(start, "start")
    _require_aware(now, "now")
    total = calendar.between(start, now)
    for pause_start, pause_end in _merged_pauses(start, pauses):
        if pause_start >= now:
            break
        total -= calendar.between(pause_start, now if pause_end is None else min(pause_end, now))
    return total


def _merged_pauses(start: datetime, pauses: Sequence[Pause]) -> list[Pause]:
    """The pauses clipped to begin no earlier than `start`, sorted and merged, in UTC."""
    clock_start = start.astimezone(UTC)
    clipped: list[Pause] = []
    for pause_start, pause_end in pauses:
        _require_aware(pause_start, "pause start")
        if pause_end is not None:
            _require_aware(pause_end, "pause end")
            if pause_end < pause_start:
                raise ValueError(f"pause ends ({pause_end}) before it starts ({pause_start})")
            pause_end = pause_end.astimezone(UTC)
            if pause_end <= clock_start:
                continue
        clipped.append((max(pause_start.astimezone(UTC), clock_start), pause_end))
    clipped.sort(key=lambda pause: pause[0])
    merged: list[Pause] = []
    for pause_start, pause_end in clipped:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break  # everything after an open pause is inside it
            if pause_start <= last_end:
                merged[-1] = (last_start, None if pause_end is None else max(last_end, pause_end))
                continue
        if pause_end is None or pause_end > pause_start:
            merged.append((pause_start, pause_end))
    return merged


# --- helpers ---------------------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def _midnight_offset(zone: ZoneInfo, day: date) -> timedelta:
    offset = zone.utcoffset(datetime(day.year, day.month, day.day))
    assert offset is not None
    return offset


def _wall_to_utc(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant (naive UTC) at which the clocks in `zone` read `wall` or later."""
    offset = zone.utcoffset(wall)  # fold=0: the first occurrence of a repeated time
    assert offset is not None
    instant = wall - offset
    if _utc_to_wall(zone, instant) == wall:
        return instant
    # `wall` was skipped: the answer is the moment of the change, which lies between the two
    # readings of `wall` with the offsets before and after it. Bisect down to the microsecond.
    offset_after = zone.utcoffset(wall.replace(fold=1))
    assert offset_after is not None
    low, high = min(instant, wall - offset_after), max(instant, wall - offset_after)
    while high - low > _MICROSECOND:
        middle = low + (high - low) // 2
        if _utc_to_wall(zone, middle) >= wall:
            high = middle
        else:
            low = middle
    return high


def _utc_to_wall(zone: ZoneInfo, instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _load_zone(key: str) -> ZoneInfo:
    if not isinstance(key, str) or not key:
        raise ValueError(f"unknown time zone {key!r}")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {key!r}") from None


def _spans_of(day_name: str, intervals: Sequence[tuple[time, time]]) -> tuple[_Span, ...]:
    """Check one weekday's intervals and turn them into offsets from midnight."""
    spans: list[_Span] = []
    for interval in intervals:
        if (
            not isinstance(interval, tuple | list)
            or len(interval) != 2
            or not all(isinstance(bound, time) for bound in interval)
            or any(bound.tzinfo is not None for bound in interval)
        ):
            raise ValueError(f"work_hours {day_name}: expected (start, end) local times")
        start, end = interval
        span = (_since_midnight(start), _DAY if end == _MIDNIGHT else _since_midnight(end))
        label = f"{_format_time(start)}-{_format_time(end, is_end=True)}"
        if span[0] >= span[1]:
            raise ValueError(f"work_hours {day_name}: {label} does not end after it starts")
        if spans and span[0] < spans[-1][1]:
            raise ValueError(
                f"work_hours {day_name}: {label} overlaps or comes before the interval before it"
            )
        spans.append(span)
    return tuple(spans)


def _since_midnight(value: time) -> timedelta:
    return timedelta(
        hours=value.hour,
        minutes=value.minute,
        seconds=value.second,
        microseconds=value.microsecond,
    )


def _format_time(value: time, *, is_end: bool = False) -> str:
    if is_end and value == _MIDNIGHT:
        return "24:00"
    if value.second or value.microsecond:
        return value.isoformat()
    return value.strftime("%H:%M")


def _parse_time(text: Any, where: str, *, is_end: bool) -> time:
    if is_end and text == "24:00":
        return _MIDNIGHT
    if not isinstance(text, str):
        raise ValueError(f"{where}: expected a time such as '08:00', got {text!r}")
    try:
        value = time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: expected a time such as '08:00', got {text!r}") from None
    if value.tzinfo is not None:
        raise ValueError(f"{where}: work hours are local times, without an offset: {text!r}")
    return value


def _parse_work_hours(raw: Any) -> dict[int, tuple[tuple[time, time], ...]]:
    if not isinstance(raw, dict):
        raise ValueError("work_hours: expected an object keyed by 'mon' ... 'sun'")
    work_hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for name, intervals in raw.items():
        if name not in WEEKDAY_NAMES:
            raise ValueError(f"work_hours: unknown day {name!r}, expected 'mon' ... 'sun'")
        if not isinstance(intervals, list):
            raise ValueError(f"work_hours {name}: expected a list of [start, end] pairs")
        parsed: list[tuple[time, time]] = []
        for interval in intervals:
            if not isinstance(interval, list | tuple) or len(interval) != 2:
                raise ValueError(f"work_hours {name}: expected [start, end], got {interval!r}")
            where = f"work_hours {name}"
            parsed.append(
                (
                    _parse_time(interval[0], where, is_end=False),
                    _parse_time(interval[1], where, is_end=True),
                )
            )
        if parsed:
            work_hours[WEEKDAY_NAMES.index(name)] = tuple(parsed)
    return work_hours


def _parse_dates(raw: Any, name: str) -> frozenset[date]:
    if not isinstance(raw, list):
        raise ValueError(f"{name}: expected a list of dates such as '2026-10-01'")
    days: set[date] = set()
    for text in raw:
        try:
            days.add(date.fromisoformat(text))
        except (TypeError, ValueError):
            raise ValueError(
                f"{name}: expected a date such as '2026-10-01', got {text!r}"
            ) from None
    return frozenset(days)
