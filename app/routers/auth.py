from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import AfterValidator

from app.auth.dependencies import CurrentUser, no_store, token_family
from app.domain.auth import refresh, service
from app.domain.auth.gate import LoginGate
from app.domain.auth.schemas import LogoutRequest, RefreshRequest, TokenResponse
from app.domain.errors import ValidationFailed
from app.http.deps import Session, UnsupportedMediaType, require_json_body

router = APIRouter(prefix="/auth", tags=["auth"])
_basic = HTTPBasic(auto_error=False)


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL cannot compare text holding U+0000 (the login lookup would fail with a 500).
    if value is not None and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


NoNul = AfterValidator(_no_nul)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def require_form_body(request: Request) -> None:
    """OAuth2 sends credentials as a form: tell a client that sent JSON so (415), rather than
    reporting the fields it did send as missing."""
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if has_body and media not in _FORM_TYPES:
        raise UnsupportedMediaType(
            f"Send the login as application/x-www-form-urlencoded (got '{media or 'none'}')"
        )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of the process's few login slots for the whole login, commit included (this
    dependency is set up before the session's, so it is released after it): logins then never
    hold more than that many database connections, however many arrive (503 beyond)."""
    state = request.app.state
    if not hasattr(state, "login_gate"):
        settings = state.settings
        state.login_gate = LoginGate(settings.login_max_concurrent, settings.login_queue_seconds)
    async with state.login_gate.slot():
        yield


@router.post(
    "/token",
    dependencies=[
        Depends(require_form_body),
        Depends(no_store),
        Depends(login_slot, scope="function"),
    ],
)
async def issue_token(
    request: Request,
    session: Session,
    grant_type: Annotated[str, Form(pattern="^(password|client_credentials)$")] = "password",
    username: Annotated[str | None, Form(max_length=254), NoNul] = None,
    password: Annotated[str | None, Form(max_length=200), NoNul] = None,
    client_id: Annotated[str | None, Form(max_length=100), NoNul] = None,
    client_secret: Annotated[str | None, Form(max_length=200), NoNul] = None,
    scope: Annotated[str, Form(max_length=500), NoNul] = "",
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)] = None,
) -> TokenResponse:
    """Log in: OAuth2 password grant for people, client-credentials grant for integrations."""
    settings = request.app.state.settings
    sessionmaker = request.app.state.sessionmaker
    address = _client_address(request)
    if grant_type == "password":
        if not username or not password:
            missing = [("username", username), ("password", password)]
            raise ValidationFailed(
                [(name, "required for grant_type=password") for name, v in missing if not v]
            )
        attempt = service.LoginAttempt(identity=username, secret=password, address=address)
        return await service.login_with_password(session, sessionmaker, settings, attempt)
    if basic is not None:
        if len(basic.username) > 100 or len(basic.password) > 200:
            raise ValidationFailed([("Authorization", "client id or secret is too long")])
        if "\x00" in basic.username + basic.password:
            raise ValidationFailed([("Authorization", "NUL characters are not allowed")])
        client_id, client_secret = basic.username, basic.password
    if not client_id or not client_secret:
        raise ValidationFailed([("client_id", "client_id and client_secret are required")])
    attempt = service.LoginAttempt(identity=client_id, secret=client_secret, address=address)
    return await service.login_with_client_credentials(session, sessionmaker, settings, attempt)


@router.post("/refresh", dependencies=[Depends(require_json_body), Depends(no_store)])
async def refresh_token(request: Request, session: Session, body: RefreshRequest) -> TokenResponse:
    """Trade a refresh token for a new access and refresh token (the old one stops working)."""
    return await refresh.rotate_refresh_token(
        session,
        request.app.state.sessionmaker,
        request.app.state.settings,
        body.refresh_token,
        client=_refresh_client(request),
    )


def _refresh_client(request: Request) -> str:
    """Who is refreshing, for the reuse grace: the Idempotency-Key when the client sends one
    (it survives a change of network between a try and its retry), else address and agent."""
    key = request.headers.get("idempotency-key")
    if key:
        return f"key:{key}"
    return f"agent:{_client_address(request)}|{request.headers.get('user-agent', '')}"


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_json_body)]
)
async def logout(
    request: Request, session: Session, user: CurrentUser, body: LogoutRequest | None = None
) -> None:
    """End this login session: its refresh tokens and access tokens stop working at once."""
    await service.logout(session, user, token_family(request), body.refresh_token if body else None)
