"""How much a check's failure matters, in one place: the check's level decides its severity.

Pure: no AWS. A minimum-level check is what AWS requires (without it the cluster, its nodes or its
load balancers do not work as EKS expects): `high`. A recommended-level check is AWS's recommended
rules (the cluster works without it, with traffic it may need blocked or less isolation): `medium`. The README's table
"Severity" is this mapping; the JSON, CSV and OCSF outputs all read it from here.
"""

from __future__ import annotations

from enum import StrEnum

from .requirements import CHECKS_BY_ID, Level


class Severity(StrEnum):
    """A check's severity, in OCSF's words (severity captions High and Medium, lower-cased)."""

    HIGH = "high"
    MEDIUM = "medium"


SEVERITY_BY_LEVEL: dict[Level, Severity] = {Level.MINIMUM: Severity.HIGH, Level.RECOMMENDED: Severity.MEDIUM}


def grading(check_id: str) -> tuple[Level | None, Severity | None]:
    """(level, severity) of a check id of requirements.CHECKS_BY_ID; (None, None) for an id it does
    not know (never raised: a report must not fail on a result it can still show)."""
    check = CHECKS_BY_ID.get(check_id)
    if check is None:
        return None, None
    return check.level, SEVERITY_BY_LEVEL[check.level]


def severity_table() -> str:
    """The README's level -> severity table (a test keeps the README equal to this)."""
    rows = ["| check level | severity | meaning |", "| --- | --- | --- |"]
    meaning = {
        Level.MINIMUM: "AWS requires it: the cluster, its nodes or its load balancers fail without it",
        Level.RECOMMENDED: "AWS recommends it: traffic may be blocked, or isolation looser",
    }
    rows += [f"| {level.value} | {grade.value} | {meaning[level]} |" for level, grade in SEVERITY_BY_LEVEL.items()]
    return "\n".join(rows)
