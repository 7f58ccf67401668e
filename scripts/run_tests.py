"""Run the test suite on SQLite, then on PostgreSQL when one answers.

PostgreSQL is found at TEST_DATABASE_URL or, by default, 127.0.0.1:5432 as the current OS user;
its database name is a prefix: the run creates `aftercare_test_<random>` there and drops only
that database when it ends (tests/conftest.py), so parallel runs never meet. Under CI=true a missing
PostgreSQL is a failure; elsewhere it is skipped with a loud notice.
"""

import asyncio
import os
import subprocess
import sys

DEFAULT_PG_URL = "postgresql+asyncpg://127.0.0.1:5432/aftercare_test"


async def _postgres_answers(url: str) -> str | None:
    import asyncpg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    try:
        conn = await asyncpg.connect(
            host=target.host,
            port=target.port or 5432,
            user=target.username,
            password=target.password,
            database="postgres",
            timeout=5,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def _pytest(label: str, database_url: str | None, extra: list[str]) -> int:
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    print(f"\n=== test suite on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *extra], env=env)


def main() -> int:
    extra = sys.argv[1:]
    pg_url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
    sqlite_status = _pytest("SQLite", None, extra)
    problem = asyncio.run(_postgres_answers(pg_url))
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            print(f"\nPostgreSQL is required under CI=true but did not answer: {problem}")
            return 1
        print(f"\n*** PostgreSQL SKIPPED: nothing answered at {pg_url} ({problem}).")
        print("*** Only SQLite was tested. Set TEST_DATABASE_URL to test PostgreSQL too.")
        return sqlite_status
    pg_status = _pytest("PostgreSQL", pg_url, extra)
    print(
        f"\nSQLite: {'passed' if sqlite_status == 0 else 'FAILED'}; "
        f"PostgreSQL: {'passed' if pg_status == 0 else 'FAILED'}"
    )
    return sqlite_status or pg_status


if __name__ == "__main__":
    sys.exit(main())
