"""The package's version, as `eks-sg-rule --version` reports it."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path


def tool_version() -> str:
    """This package's version: pyproject.toml's `project.version` when the package runs from its source
    tree (an editable install's metadata keeps the version it was installed with until reinstalled),
    else the installed distribution's metadata, else `unknown` (a bare copy such as the Lambda artifact)."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    if project.get("name") == "eks-sg-rule" and isinstance(project.get("version"), str):
        return str(project["version"])
    try:
        return importlib.metadata.version("eks-sg-rule")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
