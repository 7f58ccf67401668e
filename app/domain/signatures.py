"""Signature images: a PNG sent as a `data:image/png;base64,…` URL, checked to be a whole, real
PNG of a possible size. Any workflow that takes a customer's signature (a service order's
confirmation today; repair orders and callback visits next) validates it with `SignatureDataUrl`
and stores the bytes `decode_png_data_url` returns."""

import base64
import binascii
import struct
import zlib
from typing import Annotated

from pydantic import AfterValidator

MAX_SIGNATURE_BYTES = 256 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL_PREFIX = "data:image/png;base64,"


def decode_png_data_url(value: str) -> bytes:
    """Return the PNG bytes of a `data:image/png;base64,…` URL, or raise ValueError."""
    if not value.startswith(_DATA_URL_PREFIX):
        raise ValueError("must be a data URL starting with 'data:image/png;base64,'")
    encoded = value[len(_DATA_URL_PREFIX) :]
    too_large = f"signature is larger than {MAX_SIGNATURE_BYTES // 1024} KiB"
    if len(encoded) > 4 * -(-MAX_SIGNATURE_BYTES // 3):  # cheap check before decoding
        raise ValueError(too_large)
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("signature is not valid base64") from None
    if len(png) > MAX_SIGNATURE_BYTES:
        raise ValueError(too_large)
    _check_png_structure(png)
    return png


def _check_png_structure(png: bytes) -> None:
    """A real PNG: the magic bytes, an IHDR chunk first with a possible size, image data, and
    every chunk whole (length and CRC) up to IEND at the very end."""
    if not png.startswith(_PNG_MAGIC):
        raise ValueError("signature is not a PNG image")
    position, first, has_data = len(_PNG_MAGIC), True, False
    while position + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        data_end = position + 8 + length
        if data_end + 4 > len(png):
            break
        (crc,) = struct.unpack(">I", png[data_end : data_end + 4])
        if zlib.crc32(png[position + 4 : data_end]) != crc:
            raise ValueError("signature PNG is damaged (chunk checksum)")
        if first:
            if kind != b"IHDR" or length != 13:
                raise ValueError("signature is not a PNG image")
            width, height = struct.unpack(">II", png[position + 8 : position + 16])
            if not (0 < width <= 10_000 and 0 < height <= 10_000):
                raise ValueError("signature image has an impossible size")
            first = False
        has_data = has_data or kind == b"IDAT"
        position = data_end + 4
        if kind == b"IEND":
            if position != len(png) or not has_data:
                raise ValueError("signature PNG is malformed")
            return
    raise ValueError("signature is not a PNG image" if first else "signature PNG is truncated")


def _check_png(value: str) -> str:
    decode_png_data_url(value)
    return value


SignatureDataUrl = Annotated[str, AfterValidator(_check_png)]
