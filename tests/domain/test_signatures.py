"""The shared signature check, used by every workflow that takes a customer's signature."""

import base64

import pytest
from pydantic import TypeAdapter, ValidationError

from app.domain.signatures import SignatureDataUrl, decode_png_data_url
from tests.service_orders.helpers import png_data_url


def test_a_real_png_data_url_decodes_to_its_bytes():
    url = png_data_url()
    assert decode_png_data_url(url) == base64.b64decode(url.split(",", 1)[1])
    assert TypeAdapter(SignatureDataUrl).validate_python(url) == url


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("data:image/jpeg;base64,AAAA", "must be a data URL"),
        ("data:image/png;base64,not base64!", "not valid base64"),
        (png_data_url()[:-8], "signature"),  # cut short: no whole IEND chunk
    ],
)
def test_anything_else_is_refused_with_a_reason(value: str, problem: str):
    with pytest.raises(ValueError, match=problem):
        decode_png_data_url(value)
    with pytest.raises(ValidationError):
        TypeAdapter(SignatureDataUrl).validate_python(value)
