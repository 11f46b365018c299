"""OCSF validation for the tests: py-ocsf-models (Prowler's pydantic models of OCSF 1.5.0, a test
dependency only), strict JSON-mode validation of the Compliance Finding class (enumerations such as
class_uid, type_uid, severity_id and the compliance status must be the schema's values, each required
attribute present and typed). Two things it does not model: the `cloud` profile's `cloud` attribute on
this class (validated with the library's Cloud object) and the compliance object's `status` caption
(OCSF 1.5.0 defines it beside `status_id`). No other attribute may be silently dropped by the models.
"""

from __future__ import annotations

import json
from typing import Any

from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud

# What py-ocsf-models 0.10.0 does not model (see the module's docstring): checked apart, or allowed.
NOT_MODELLED = {"cloud", "compliance.status"}


def leaves(document: Any, prefix: str = "") -> set[str]:
    """The dotted paths of a JSON document's keys (list items share their list's path)."""
    if isinstance(document, dict):
        found = set()
        for key, value in document.items():
            found.add(prefix + key)
            found |= leaves(value, f"{prefix}{key}.")
        return found
    if isinstance(document, list):
        return set().union(*(leaves(item, prefix) for item in document)) if document else set()
    return set()


def validate_ocsf(event: dict[str, Any]) -> None:
    """Validate one event through py-ocsf-models; raise (pydantic's ValidationError) when it is not a
    Compliance Finding, and fail when the models would drop an attribute they should have judged."""
    model = ComplianceFinding.model_validate_json(json.dumps(event), strict=True)
    Cloud.model_validate_json(json.dumps(event["cloud"]), strict=True)
    kept = leaves(model.model_dump(mode="json", exclude_unset=True))
    dropped = {path for path in leaves(event) - kept if not path.startswith("cloud.")}
    assert dropped <= NOT_MODELLED, f"not validated by the models: {sorted(dropped - NOT_MODELLED)}"
