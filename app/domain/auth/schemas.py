from pydantic import Field

from app.domain.schemas import ReadModel, WriteModel


class TokenResponse(ReadModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="access token lifetime in seconds")
    refresh_token: str | None = Field(
        default=None, description="single use; rotate with POST /auth/refresh"
    )
    refresh_expires_in: int | None = None


class RefreshRequest(WriteModel):
    # Roomy enough for any token a client might send by mistake (an access token is a ~300-byte
    # JWT): a wrong token is a 401 invalid_grant, not a 422 about its length.
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutRequest(WriteModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=200)
