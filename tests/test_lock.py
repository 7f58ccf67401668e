"""Dependencies are locked: make, Docker and CI install the pinned set, and the pins cover
everything pyproject.toml asks for (`make lock` regenerates both files)."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)")


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        found = _PIN.match(line)
        if found:
            pins[canonicalize_name(found[1])] = found[2]
    return pins


def _declared(group: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(spec) for spec in declared]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    for lock, groups in (("requirements.lock", [None]), ("requirements-dev.lock", [None, "dev"])):
        pins = _pins(lock)
        for group in groups:
            for req in _declared(group):
                name = canonicalize_name(req.name)
                assert name in pins, f"{req.name} missing from {lock}: run `make lock`"
                assert req.specifier.contains(pins[name], prereleases=True), (lock, req, pins[name])


def test_runtime_lock_agrees_with_the_dev_lock() -> None:
    dev = _pins("requirements-dev.lock")
    for name, version in _pins("requirements.lock").items():
        assert dev.get(name) == version, (name, version, dev.get(name))


def test_the_environment_runs_the_locked_versions() -> None:
    for name, version in _pins("requirements-dev.lock").items():
        if name in {"pip", "setuptools"}:
            continue  # the installer's own tools
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}"
