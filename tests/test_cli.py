"""The `aftercare` command, run in-process against its own SQLite file."""

import argparse
import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.auth.passwords import verify_password
from app.cli import build_parser, main
from app.config import get_settings
from app.seed import DEMO_PASSWORD, DEMO_USERS
from tests.servers import free_port, wait_until_answering

ROOT = Path(__file__).resolve().parents[1]


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


# --- The command helps before anything is configured -------------------------------------

COMMANDS = ["serve", "migrate", "create-user", "seed-demo", "worker", "openapi"]
PROD_KEY = "Zr8t1mQ2vX9pL4kW7nC3bH6yJ0dF5sGa"


def _unconfigured_env(tmp_path, **extra):
    """The environment of a fresh shell: no AFTERCARE_ENV, no SECRET_KEY, no .env file."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
    return {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", **extra}


_SETTING_NAMES = {"AFTERCARE_ENV", "SECRET_KEY", "PASSWORD_HASH_PROFILE", "DATABASE_URL"}


def _aftercare(tmp_path, *argv, **env):
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no ./.env here
        env={**_unconfigured_env(tmp_path, **env), "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("argv", [["--help"], *([c, "--help"] for c in COMMANDS)])
def test_help_works_without_any_settings(tmp_path, argv):
    result = _aftercare(tmp_path, *argv)
    assert result.returncode == 0, result.stderr
    assert "usage: aftercare" in result.stdout
    assert "Traceback" not in result.stderr


def test_every_option_says_what_it_does():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, f"aftercare {name} {action.option_strings}"
    assert set(subparsers.choices) == set(COMMANDS)


@pytest.mark.parametrize(
    ("env", "variable"),
    [({}, "SECRET_KEY"), ({"AFTERCARE_ENV": "staging"}, "AFTERCARE_ENV")],
    ids=["no-secret-key", "unknown-environment"],
)
@pytest.mark.parametrize("command", ["migrate", "seed-demo", "worker", "openapi"])
def test_a_missing_setting_is_one_clear_line(tmp_path, command, env, variable):
    result = _aftercare(tmp_path, command, **env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr


def test_an_unreachable_database_is_one_line(tmp_path):
    result = _aftercare(
        tmp_path, "migrate", AFTERCARE_ENV="dev", DATABASE_URL="postgresql+asyncpg://127.0.0.1:1/x"
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("aftercare: cannot use the database")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- seed-demo never gives production the public password ---------------------------------


@pytest.fixture
def prod_cli_db(cli_db, monkeypatch):
    monkeypatch.setenv("AFTERCARE_ENV", "prod")
    monkeypatch.setenv("SECRET_KEY", PROD_KEY)
    monkeypatch.delenv("PASSWORD_HASH_PROFILE", raising=False)  # "fast" is for tests only
    get_settings.cache_clear()
    return cli_db


def _user_count(path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])


def test_seed_demo_is_refused_in_production(prod_cli_db, capsys):
    assert _run(["migrate"], capsys)[0] == 0
    code, out = _run(["seed-demo"], capsys)
    assert code == 2
    assert "--force" in out.err and "dev/test" in out.err
    assert _user_count(prod_cli_db) == 0


def test_forced_seed_demo_in_production_prints_random_passwords_once(prod_cli_db, capsys):
    assert _run(["migrate"], capsys)[0] == 0
    code, out = _run(["seed-demo", "--force"], capsys)
    assert code == 0, out.err
    assert DEMO_PASSWORD not in out.out
    passwords = dict(re.findall(r"(\S+@demo\.local)\s+password: (\S+)", out.out))
    assert len(passwords) == len(DEMO_USERS) == len(set(passwords.values()))
    with sqlite3.connect(prod_cli_db) as conn:
        hashes = dict(conn.execute("SELECT email, password_hash FROM users").fetchall())
    for email, password in passwords.items():
        assert password not in hashes[email]
        assert asyncio.run(verify_password(password, hashes[email]))
        assert not asyncio.run(verify_password(DEMO_PASSWORD, hashes[email]))


def test_seed_demo_in_dev_keeps_the_readme_password(cli_db, capsys, monkeypatch):
    monkeypatch.setenv("AFTERCARE_ENV", "dev")
    monkeypatch.delenv("PASSWORD_HASH_PROFILE", raising=False)
    get_settings.cache_clear()
    assert _run(["migrate"], capsys)[0] == 0
    code, out = _run(["seed-demo"], capsys)
    assert code == 0 and out.out.count(f"password: {DEMO_PASSWORD}") == len(DEMO_USERS)


def test_serve_runs_the_given_number_of_worker_processes(cli_db, tmp_path):
    assert main(["migrate"]) == 0
    port = free_port()
    env = {**os.environ, "SLA_WORKER_IN_PROCESS": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("wb"),
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/healthz", server, log=tmp_path / "serve.log")
        children = [
            p
            for p in Path("/proc").glob("[0-9]*/stat")
            if _parent_of(p) == server.pid and "spawn_main" in _command_of(p.parent)
        ]
        assert len(children) == 2
    finally:
        server.terminate()
        server.wait(15)


def _parent_of(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return -1


def _command_of(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
