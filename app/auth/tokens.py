"""Access tokens. The only module that imports the JWT library.

Decoding is strict: one fixed algorithm, and `exp`, `iat`, `sub`, `aud`, `iss` all required.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
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
        sid = claims.get("sid")
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]), family_id=uuid.UUID(sid) if sid else None
        )
    except (JWTError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidToken(str(exc)) from exc
