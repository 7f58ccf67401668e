"""The `aftercare` command, run in-process against its own SQLite file."""

import json
import sqlite3

import pytest

from app.cli import main
from app.config import get_settings


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _run(argv, capsys):
    code = main(argv)
    return code, capsys.readouterr()


def test_migrate_seed_and_create_user(cli_db, capsys):
    assert _run(["migrate"], capsys)[0] == 0
    code, out = _run(["seed-demo"], capsys)
    assert code == 0 and "clerk@demo.local" in out.out
    code, out = _run(["seed-demo"], capsys)
    assert code == 0 and "already has users" in out.out
    code, out = _run(
        [
            "create-user",
            "--email",
            "New@Example.com",
            "--password",
            "long-enough-1",
            "--role",
            "engineer",
            "--name",
            "New Engineer",
        ],
        capsys,
    )
    assert code == 0, out.err
    with sqlite3.connect(cli_db) as conn:
        row = conn.execute(
            "SELECT role, active FROM users WHERE email = 'new@example.com'"
        ).fetchone()
        actions = conn.execute(
            "SELECT action, actor_id FROM events WHERE object_type = 'user'"
        ).fetchall()
    assert row == ("engineer", 1)
    assert actions == [("created", None)]  # the command line acts as the system


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--email", "x@y.zz", "--password", "short", "--role", "clerk", "--name", "X"],
            "invalid user",
        ),
        (
            [
                "--email",
                "not-an-email",
                "--password",
                "long-enough-1",
                "--role",
                "clerk",
                "--name",
                "X",
            ],
            "invalid user",
        ),
        (
            [
                "--email",
                "c@y.zz",
                "--password",
                "long-enough-1",
                "--role",
                "customer",
                "--name",
                "X",
            ],
            "customer_id",
        ),
        (
            [
                "--email",
                "c@y.zz",
                "--password",
                "long-enough-1",
                "--role",
                "customer",
                "--name",
                "X",
                "--customer-id",
                "not-a-uuid",
            ],
            "invalid user",
        ),
    ],
)
def test_create_user_refuses_bad_input(cli_db, capsys, argv, message):
    assert _run(["migrate"], capsys)[0] == 0
    code, out = _run(["create-user", *argv], capsys)
    assert code == 2
    assert message in out.err


def test_duplicate_email_is_refused(cli_db, capsys):
    _run(["migrate"], capsys)
    argv = [
        "create-user",
        "--email",
        "a@b.cc",
        "--password",
        "long-enough-1",
        "--role",
        "clerk",
        "--name",
        "A",
    ]
    assert _run(argv, capsys)[0] == 0
    code, out = _run(argv, capsys)
    assert code == 2 and "already used" in out.err


def test_openapi_check_detects_a_stale_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _run(["openapi", "--check"], capsys)[0] == 1
    assert _run(["openapi"], capsys)[0] == 0
    assert json.loads((tmp_path / "openapi" / "openapi.json").read_text())["openapi"] == "3.1.0"
    assert _run(["openapi", "--check"], capsys)[0] == 0
