"""The language catalogue is complete, and Accept-Language picks the language (q-values)."""

import pytest

from app.domain import errors
from app.domain.i18n import ENUM_LABELS, MESSAGES, PROBLEM_TITLES, Language, render_message
from app.domain.notifications.kinds import NotificationKind
from app.domain.service_orders.booking import AppointmentConflict
from app.http import deps, problems
from app.http.language import negotiate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN", Language.zh_CN),
        ("zh", Language.zh_CN),
        ("zh-cn", Language.zh_CN),
        ("zh-Hans-CN", Language.zh_CN),
        ("zh-TW,en;q=0.5", Language.zh_CN),
        ("en", Language.en),
        ("en-US,en;q=0.9", Language.en),
        ("en;q=0.5, zh-CN;q=0.9", Language.zh_CN),
        ("zh-CN;q=0.4, en;q=0.8", Language.en),
        ("fr, zh;q=0.1", Language.zh_CN),
        ("zh-CN;q=0, en;q=0.1", Language.en),
    ],
)
def test_the_highest_q_language_we_serve_wins(header, expected):
    assert negotiate(header, Language.en) == expected
    assert negotiate(header, Language.zh_CN) == expected


@pytest.mark.parametrize("header", [None, "", "*", "fr", "de-DE;q=0.9", "zh-CN;q=0", ";;q=x"])
def test_nothing_we_serve_gives_the_default(header):
    assert negotiate(header, Language.en) == Language.en
    assert negotiate(header, Language.zh_CN) == Language.zh_CN


def test_every_enum_value_has_both_labels():
    for name, (enum, labels) in ENUM_LABELS.items():
        assert set(labels) == set(enum), name
        for member in enum:
            assert labels[member].en.strip() and labels[member].zh_CN.strip(), (name, member)


def _domain_errors(cls: type) -> list[type]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _domain_errors(sub))]


def test_every_problem_code_has_a_title_in_both_languages():
    codes = {e.code for e in _domain_errors(errors.DomainError)}
    assert {deps.WeakETag, deps.UnsupportedMediaType, AppointmentConflict} <= set(
        _domain_errors(errors.DomainError)
    )
    codes |= set(problems._CODES.values())
    codes |= {"invalid_json", "version_conflict", "idempotency_in_flight"}
    codes |= {"invalid_idempotency_key", "idempotency_key_reused"}
    assert codes - set(PROBLEM_TITLES) == set()
    for code, label in PROBLEM_TITLES.items():
        assert label.en.strip() and label.zh_CN.strip(), code
        assert label.en != label.zh_CN, code


def test_every_notification_kind_renders_in_both_languages():
    params = {
        "number": "SO-2026-000001",
        "subject": "Printer {jams}",  # braces in data are data, not placeholders
        "resolution": "Fixed",
        "response_due": "2026-12-02 10:00 (Asia/Shanghai)",
        "resolve_due": "2026-12-03 10:00 (Asia/Shanghai)",
        # complaints
        "by": "Supervisor Zhang",
        "complainant": "Ms Li",
        "reason": "Not our product",
        "cause": "Late dispatch",
        "feedback": "Discussed with the team",
        "actions": "Apologised, free visit",
        "vendor": "Station {A}",
        "attempt": "2",
        "due": "2026-12-04T09:00+00:00",
    }
    assert set(MESSAGES) == set(NotificationKind)
    for kind in NotificationKind:
        en = render_message(kind, params, Language.en)
        zh = render_message(kind, params, Language.zh_CN)
        assert en is not None and zh is not None, kind
        assert en != zh, kind
        assert "SO-2026-000001" in en[0] and "SO-2026-000001" in zh[0]
        assert "Printer {jams}" in en[1] and "Printer {jams}" in zh[1]
    assert render_message("unknown_kind", params, Language.zh_CN) is None
    assert render_message(NotificationKind.completion_notice, {}, Language.zh_CN) is None
