"""The lock (constraints.txt): every dependency the project declares is pinned there, and the
environment the tests run in holds exactly the pinned versions (make install and make test
install from it, so a drift means the lock or the install is stale)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip()).groups()
            pins[canonicalize_name(name)] = version
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    every = project["dependencies"] + [r for group in project["optional-dependencies"].values()
                                       for r in group]  # fmt: skip
    return [Requirement(text) for text in every]


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = pinned()
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in constraints.txt: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement}"
        )


def test_the_environment_holds_the_pinned_versions():
    pins = pinned()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    stale = {
        name: (version, installed[name])
        for name, version in pins.items()
        if name in installed and installed[name] != version
    }
    assert not stale, f"installed versions differ from the lock (lock, installed): {stale}"
    missing = [name for name in pins if name not in installed and name != "pip"]
    assert not missing, f"pinned but not installed: {missing}"
