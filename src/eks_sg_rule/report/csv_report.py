"""`scan --format csv`: one row per (resource, check), for spreadsheets and security tooling.

Pure: no AWS. Written with the standard library's csv module (RFC 4180 quoting, `\\r\\n` line ends),
from the same `ScanResult` as every other format.
"""

from __future__ import annotations

import csv
import io

from ..severity import grading
from .scan import EvaluationView, ScanResult

COLUMNS = (
    "account_id",
    "region",
    "resource_type",
    "resource_id",
    "arn",
    "compliance_type",
    "check_id",
    "level",
    "severity",
    "status",
    "detail",
)


def csv_rows(view: EvaluationView) -> list[dict[str, str]]:
    """The rows of one evaluation, keyed by COLUMNS: one per check (its status and whole detail).

    An evaluation with no check (a cluster not found, an exempted SG) still has one row: empty
    check_id, level and severity, its own compliance as status and its detail, so that no resource
    the scan judged is missing from the file. An unknown account or ARN is an empty cell."""
    base = {
        "account_id": view.account or "",
        "region": view.region,
        "resource_type": view.evaluation.resource_type,
        "resource_id": view.evaluation.resource_id,
        "arn": view.arn or "",
        "compliance_type": view.status.value,
    }
    if not view.checks:
        empty = {"check_id": "", "level": "", "severity": ""}
        return [{**base, **empty, "status": view.status.value, "detail": view.evaluation.detail}]
    rows: list[dict[str, str]] = []
    for check in view.checks:
        level, severity = grading(check.result.check_id)
        rows.append(
            {
                **base,
                "check_id": check.result.check_id,
                "level": level.value if level else "",
                "severity": severity.value if severity else "",
                "status": check.result.status.value,
                "detail": check.result.detail,
            }
        )
    return rows


def render_csv(result: ScanResult) -> str:
    """The whole scan as CSV text: a header row (COLUMNS), then every evaluation's rows in scan order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for view in result.evaluations:
        writer.writerows(csv_rows(view))
    return buffer.getvalue()
