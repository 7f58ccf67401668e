"""Settings refuse unsafe production configurations. (The suite itself runs with
PASSWORD_HASH_PROFILE=fast in the environment, so tests that need another profile say so.)"""

import pytest
from pydantic import ValidationError

from app.config import DEV_SECRET_KEY, Settings

RANDOM_KEY = "q5VJ0nJ0y2T1t9vR-8gK3wLzXc7mBfA4"


def test_production_refuses_a_missing_secret_key():
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(AFTERCARE_ENV="prod", secret_key="")


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(AFTERCARE_ENV="prod", secret_key="x" * 31)


def test_production_accepts_a_long_random_secret_key():
    settings = Settings(
        AFTERCARE_ENV="prod", secret_key=RANDOM_KEY, password_hash_profile="standard"
    )
    assert settings.secret_key == RANDOM_KEY


@pytest.mark.parametrize(
    "key",
    [DEV_SECRET_KEY, f" {DEV_SECRET_KEY}", f"{DEV_SECRET_KEY}-prod"],
    ids=["as-published", "padded", "suffixed"],
)
def test_production_refuses_the_published_development_key(key):
    with pytest.raises(ValidationError, match="published development key"):
        Settings(AFTERCARE_ENV="prod", secret_key=key, password_hash_profile="standard")


@pytest.mark.parametrize("key", ["x" * 40, "ab" * 20])
def test_production_refuses_a_placeholder_key(key):
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(AFTERCARE_ENV="prod", secret_key=key, password_hash_profile="standard")


@pytest.mark.parametrize("env", ["dev", "test"])
def test_dev_and_test_fall_back_to_the_development_key(env):
    settings = Settings(AFTERCARE_ENV=env, secret_key="", password_hash_profile="standard")
    assert settings.secret_key == DEV_SECRET_KEY


def test_fast_password_hashing_only_in_tests():
    with pytest.raises(ValidationError, match="fast"):
        Settings(AFTERCARE_ENV="dev", password_hash_profile="fast")


def test_unknown_environment_is_refused():
    with pytest.raises(ValidationError):
        Settings(AFTERCARE_ENV="staging", secret_key=RANDOM_KEY)
