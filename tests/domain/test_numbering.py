"""When `q` is a whole number that no other number can contain (numbering.py)."""

import pytest

from app.domain.numbering import sole_number_containing


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("SO-2026-000123", "SO-2026-000123"),
        ("so-2026-000123", "SO-2026-000123"),  # any case, as the substring search
        ("SO-2026-0001234", "SO-2026-0001234"),  # seven digits with a 0 first: no longer one
        ("SO-2026-123456", None),  # the beginning of SO-2026-1234567
        ("SO-2026-00012", None),  # part of a number
        ("SO-2026-000123 ", None),
        ("RO-2026-000123", None),  # another kind of order's number
        ("\u017fo-2026-000123", None),  # long s: upper-cases to S, but S lower-cases to s
        ("SO-2026-٠٠٠١٢٣", None),  # digits, but not the ASCII ones numbers are made of
        ("SO-26-000123", None),
    ],
)
def test_a_whole_number_is_the_only_one_containing_it(q, expected):
    assert sole_number_containing(q, "SO") == expected
