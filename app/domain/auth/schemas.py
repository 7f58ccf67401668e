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
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutRequest(WriteModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=200)
