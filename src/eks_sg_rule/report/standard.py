"""The formats other tools read, for `scan --format csv|ocsf`: one entry point for the command line.

Pure: no AWS. csv: report/csv_report.py; ocsf: report/ocsf.py.
"""

from __future__ import annotations

import json

from .csv_report import render_csv
from .ocsf import ocsf_events
from .scan import ScanResult

STANDARD_FORMATS = ("csv", "ocsf")


def render_standard(result: ScanResult, form: str) -> str:
    """The scan as `csv` (text with a header row) or `ocsf` (a JSON array of Compliance Findings).

    Raises ValueError for any other format name (the command line offers only these two here)."""
    if form == "csv":
        return render_csv(result)
    if form == "ocsf":
        return json.dumps(ocsf_events(result), indent=2) + "\n"
    raise ValueError(f"not a standard format: {form!r} (expected one of {', '.join(STANDARD_FORMATS)})")
