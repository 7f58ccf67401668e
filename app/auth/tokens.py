"""Access tokens. The only module that imports the JWT library.

Decoding is strict: one fixed algorithm, and `exp`, `iat`, `sub`, `aud`, `iss` all required.
"""

import uuid
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import JWTError, jwt

from app.config import Settings
from app.db.types import utcnow

ALGORITHM = "HS256"
_ACCESS = "access"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    family_id: uuid.UUID | None


class InvalidToken(Exception):
    pass


# Verified tokens by (key, issuer, audience, token): a client sends the same token with every
# request until it expires, and checking its signature and claims again is a quarter of a read's
# authentication cost. Only the time-dependent claims can change their answer; they are checked
# again on every use, exactly as the full decoding checks them (leeway 0).
_VERIFIED: dict[tuple[str, str, str, str], tuple[AccessClaims, int]] = {}
_MAX_VERIFIED = 10_000


def create_access_token(
    settings: Settings, user_id: uuid.UUID, family_id: uuid.UUID | None
) -> tuple[str, int]:
    """Return a signed access token and its lifetime in seconds."""
    lifetime = timedelta(minutes=settings.access_token_minutes)
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "typ": _ACCESS,
        "jti": uuid.uuid4().hex,
    }
    if family_id is not None:
        claims["sid"] = str(family_id)
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), int(
        lifetime.total_seconds()
    )


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    key = (settings.secret_key, settings.token_issuer, settings.token_audience, token)
    known = _VERIFIED.get(key)
    if known is not None and known[1] >= timegm(datetime.now(UTC).utctimetuple()):
        return known[0]
    claims, expires = _decode(settings, token)
    if len(_VERIFIED) >= _MAX_VERIFIED:
        _VERIFIED.clear()
    _VERIFIED[key] = (claims, expires)
    return claims


def _decode(settings: Settings, token: str) -> tuple[AccessClaims, int]:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "require_aud": True,
                "require_iss": True,
                "leeway": 0,
            },
        )
        if claims.get("typ") != _ACCESS:
            raise InvalidToken("not an access token")
        if "nbf" in claims:
            raise InvalidToken("access tokens carry no nbf")
        sid = claims.get("sid")
        access = AccessClaims(
            user_id=uuid.UUID(claims["sub"]), family_id=uuid.UUID(sid) if sid else None
        )
        return access, int(claims["exp"])
    except (JWTError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidToken(str(exc)) from exc
