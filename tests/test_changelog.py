"""The CHANGELOG's newest version is the package's, and `eks-sg-rule --version` prints it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from eks_sg_rule.cli import main, tool_version

ROOT = Path(__file__).resolve().parents[1]
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def test_the_newest_changelog_entry_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    releases = RELEASE.findall((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert releases, "CHANGELOG.md has no '## [x.y.z] - YYYY-MM-DD' release heading"
    newest = releases[0][0]
    assert newest == project["version"] == tool_version() == "0.2.0"
    versions = [tuple(int(part) for part in version.split(".")) for version, _ in releases]
    assert versions == sorted(versions, reverse=True)  # newest first
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"eks-sg-rule {newest}\n"


def test_the_version_falls_back_to_the_installed_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Away from the source tree (no pyproject.toml beside the package) the metadata's version, or
    `unknown` when the package is not installed (the Lambda artifact)."""
    import importlib.metadata

    from eks_sg_rule import version as cli

    monkeypatch.setattr(cli.tomllib, "loads", lambda _text: {"project": {"name": "another-project"}})
    monkeypatch.setattr(importlib.metadata, "version", lambda _name: "9.9.9")
    assert cli.tool_version() == "9.9.9"

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert cli.tool_version() == "unknown"
    monkeypatch.setattr(cli.tomllib, "loads", lambda _text: (_ for _ in ()).throw(cli.tomllib.TOMLDecodeError("x")))
    assert cli.tool_version() == "unknown"
