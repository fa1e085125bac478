"""Offline dependency audit: every requirement is pinned with ==, once, and the installed version is the pinned one.

pip-audit needs the network for its vulnerability database, which CI does not have; pins make an audit on a
connected machine (`pip-audit -r requirements.txt -r requirements-dev.txt`) reproducible (docs/reliability.md).
"""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(ROOT.glob("requirements*.txt"))
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?==(?P<version>[0-9][A-Za-z0-9.+!-]*)$")


def requirement_lines():
    for path in FILES:
        for number, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if line and not line.startswith("-r "):
                yield f"{path.name}:{number}", line


def test_the_requirement_files_exist():
    assert {p.name for p in FILES} >= {"requirements.txt", "requirements-dev.txt"}


@pytest.mark.parametrize("where,line", list(requirement_lines()))
def test_every_requirement_is_pinned_exactly(where, line):
    assert PIN.match(line), f"{where}: {line!r} is not pinned as name==version"


def test_no_package_is_pinned_twice():
    names = [PIN.match(line)["name"].lower().replace("_", "-") for _, line in requirement_lines()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_the_installed_versions_are_the_pinned_ones():
    wrong = []
    for where, line in requirement_lines():
        match = PIN.match(line)
        try:
            installed = metadata.version(match["name"])
        except metadata.PackageNotFoundError:
            continue  # e.g. a benchmark tool not installed here; the pin itself is checked above
        if installed != match["version"]:
            wrong.append(f"{where}: {match['name']} pinned {match['version']}, installed {installed}")
    assert not wrong, wrong
