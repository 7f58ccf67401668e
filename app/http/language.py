"""Which language a request reads: `Accept-Language` (with q-values), else DEFAULT_LANGUAGE."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import Headers
from starlette.types import Scope
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.domain.i18n import Language

# By primary subtag: any Chinese (zh, zh-CN, zh-Hans-CN, zh-TW) reads zh-CN, any English en.
_BY_PRIMARY = {"zh": Language.zh_CN, "en": Language.en}


def negotiate(header: str | None, default: Language) -> Language:
    """The best language for an Accept-Language value: the highest-q range we can serve,
    matched on its primary subtag; `*` or nothing we serve gives `default`."""
    # werkzeug parses the ranges and their q-values, best first; q=0 means "not this one".
    for value, quality in parse_accept_header(header or "", LanguageAccept):
        if quality <= 0:
            continue
        if value == "*":
            return default
        language = _BY_PRIMARY.get(value.replace("_", "-").split("-")[0].lower())
        if language is not None:
            return language
    return default


def scope_language(scope: Scope) -> Language:
    """The language of a raw ASGI request, for answers made outside any route (middleware)."""
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    default = Language(getattr(settings, "default_language", Language.en))
    return negotiate(Headers(scope=scope).get("accept-language"), default)


def request_language(request: Request) -> Language:
    return scope_language(request.scope)


RequestLanguage = Annotated[Language, Depends(request_language)]
