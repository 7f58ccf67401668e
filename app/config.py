"""Settings, read once from the environment (and an optional .env file)."""

from datetime import date, datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-secret-key-change-me-0123456789abcdef"
# Keys printed in this repository: anyone who has read it can sign tokens with them.
PUBLISHED_SECRET_KEYS = frozenset({DEV_SECRET_KEY})
MIN_SECRET_KEY_LENGTH = 32
# "xxxx…" or "aaaa…" is a placeholder, not a secret; a random key of 32+ characters has far more.
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10


def _refuse_weak_secret_key(key: str) -> None:
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(
            f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} characters "
            "(or run with AFTERCARE_ENV=dev)"
        )
    if key in PUBLISHED_SECRET_KEYS or DEV_SECRET_KEY in key:
        raise ValueError(
            "SECRET_KEY is the published development key; generate one, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        raise ValueError(
            f"SECRET_KEY looks like a placeholder (fewer than {MIN_SECRET_KEY_DISTINCT_CHARACTERS}"
            " different characters); generate a random one"
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = Field(default="prod", alias="AFTERCARE_ENV")
    database_url: str = "sqlite+aiosqlite:///./var/aftercare.db"
    # How long a request waits on the database before it is answered 503 (docs/reliability.md).
    db_pool_timeout_seconds: float = Field(default=2, gt=0, le=30)
    db_connect_timeout_seconds: float = Field(default=3, gt=0, le=60)
    db_statement_timeout_seconds: float = Field(default=10, gt=0, le=600)
    # Connections per API process (docs/operations.md): up to `db_pool_size`, opened as needed
    # and then kept. No overflow by default: SQLAlchemy closes an overflow connection as soon as
    # it is returned to a full pool, so under load every request past the pool paid for a new
    # connection (45 connects a second at 32 clients with 10 + 10; 10 % of a GET's CPU).
    db_pool_size: int = Field(default=20, ge=1, le=100)
    db_max_overflow: int = Field(default=0, ge=0, le=100)
    secret_key: str = ""
    token_issuer: str = "aftercare"
    token_audience: str = "aftercare-api"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    cors_origins: list[str] = []
    # Login throttling (docs/security.md): failures in a sliding window per account+address,
    # per address, and a larger per-account budget that does not apply at known addresses.
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_max_failures_per_account_address: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_max_failures_per_account: int = Field(default=30, ge=1)
    # Password checks running at once per process, and how long a login waits for a turn (503).
    login_max_concurrent: int = Field(default=4, ge=1)
    login_queue_seconds: float = Field(default=2.0, ge=0)
    # A refresh token retried by the same client this soon after use answers the same new pair.
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=300)
    idempotency_ttl_hours: int = Field(default=24, ge=24)
    # "fast" lowers argon2's cost for the test suite only; never use it in production.
    password_hash_profile: Literal["standard", "fast"] = "standard"
    log_json: bool = True
    business_timezone: str = "Asia/Shanghai"
    # Labels, notification texts and problem titles when Accept-Language names neither language.
    default_language: Literal["en", "zh-CN"] = "en"
    # The SLA watcher runs inside the API process unless switched off (then run `aftercare worker`).
    sla_worker_in_process: bool = True
    sla_worker_interval_seconds: float = Field(default=60, gt=0)
    # What a customer may write into records (messages): characters per record, records per hour.
    customer_record_max_chars: int = Field(default=2000, ge=1, le=10_000)
    customer_records_per_hour: int = Field(default=30, ge=1)
    # Plan an online-survey callback visit for the customer whenever an order closes.
    visits_survey_on_close: bool = False
    # Allow more than one origin with a JSON list: CORS_ORIGINS='["https://spa.example"]'

    @model_validator(mode="after")
    def _require_secret_outside_dev(self) -> "Settings":
        if self.env in ("dev", "test"):
            if not self.secret_key:
                self.secret_key = DEV_SECRET_KEY
        else:
            _refuse_weak_secret_key(self.secret_key)
        if self.env != "test" and self.password_hash_profile == "fast":
            raise ValueError("PASSWORD_HASH_PROFILE=fast is only allowed with AFTERCARE_ENV=test")
        return self

    def business_today(self) -> date:
        return datetime.now(ZoneInfo(self.business_timezone)).date()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
