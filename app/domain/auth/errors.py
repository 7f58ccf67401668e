"""Errors of the login area that other areas never raise."""

from app.domain.errors import DomainError


class LoginBusy(DomainError):
    status, code, title = 503, "unavailable", "Too many logins at once"

    def __init__(self, retry_after: int) -> None:
        super().__init__("The service is checking too many logins at once; retry in a moment")
        self.headers = {"Retry-After": str(max(1, retry_after))}
