"""`scan --format ocsf`: OCSF Compliance Finding events (class 2003, category Findings), one per
resource and check, as one JSON array.

Pure: no AWS. Built as plain dicts from the same `ScanResult` as every other format; tests validate
every event of a demo scan against the OCSF schema's models (py-ocsf-models, a test dependency only).
Schema: OCSF 1.5.0, "Compliance Finding" (2003) with the `cloud` profile; the values below are the
schema's enumerations (captions as the schema spells them):

- activity: 1 Create, so type_uid = 2003 * 100 + 1.
- severity_id/severity: the check's severity (severity.py): high -> 4 High, medium -> 3 Medium;
  0 Unknown for an evaluation that has no check.
- status_id/status (the finding's workflow state, set by whoever triages it): 1 New; 3 Suppressed for a
  failing check a waiver covers (waivers.py: the compliance stays Fail, the message says until when).
- compliance.status_id/status (the verdict): COMPLIANT -> 1 Pass, NON_COMPLIANT -> 3 Fail,
  NOT_APPLICABLE -> 2 Warning (the check yielded no result: missing information, or not applicable to
  this configuration, as AWS Security Hub's WARNING says).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..arns import partition
from ..requirements import CHECKS_BY_ID
from ..results import Status
from ..severity import Severity, grading
from .scan import CheckView, EvaluationView, ScanResult

OCSF_VERSION = "1.5.0"
CLASS_UID, CLASS_NAME = 2003, "Compliance Finding"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
ACTIVITY_ID, ACTIVITY_NAME = 1, "Create"
TYPE_UID = CLASS_UID * 100 + ACTIVITY_ID
PRODUCT = "eks-sg-rule"
STANDARD = "Amazon EKS security group requirements (AWS EKS User Guide: Amazon EKS security group considerations)"
SEVERITY_IDS: dict[Severity | None, tuple[int, str]] = {
    Severity.HIGH: (4, "High"),
    Severity.MEDIUM: (3, "Medium"),
    None: (0, "Unknown"),
}
COMPLIANCE_STATUS_IDS: dict[Status, tuple[int, str]] = {
    Status.COMPLIANT: (1, "Pass"),
    Status.NOT_APPLICABLE: (2, "Warning"),
    Status.NON_COMPLIANT: (3, "Fail"),
}
FINDING_STATUS_ID, FINDING_STATUS = 1, "New"
SUPPRESSED_STATUS_ID, SUPPRESSED_STATUS = 3, "Suppressed"
AWS_ACCOUNT_TYPE_ID, AWS_ACCOUNT_TYPE = 10, "AWS Account"


def epoch_millis(moment: datetime) -> int:
    """OCSF's timestamp_t: milliseconds since the Unix epoch."""
    return int(moment.timestamp() * 1000)


def finding_uid(view: EvaluationView, check_id: str) -> str:
    """A stable id of one resource's check across runs (a consumer updates the same finding):
    eks-sg-rule/<account or unknown-account>/<region>/<resource id>/<check id or "evaluation">."""
    account = view.account or "unknown-account"
    return f"{PRODUCT}/{account}/{view.region}/{view.evaluation.resource_id}/{check_id or 'evaluation'}"


def _cloud(view: EvaluationView) -> dict[str, Any]:
    """OCSF `cloud`: provider AWS, the region, and the account when known. AWS Organizations'
    account names are not read by the scan: the account id stands for the name."""
    cloud: dict[str, Any] = {"provider": "AWS", "region": view.region}
    if view.account:
        cloud["account"] = {
            "uid": view.account,
            "name": view.account,
            "type_id": AWS_ACCOUNT_TYPE_ID,
            "type": AWS_ACCOUNT_TYPE,
        }
    return cloud


def _resource(view: EvaluationView) -> dict[str, Any]:
    """OCSF `resource_details`: uid the ARN (when known), name the id, type AWS Config's type."""
    resource: dict[str, Any] = {
        "name": view.evaluation.resource_id,
        "type": view.evaluation.resource_type,
        "region": view.region,
        "cloud_partition": partition(view.region),
    }
    if view.arn:
        resource["uid"] = view.arn
    if view.group_name:
        resource["labels"] = [f"group_name:{view.group_name}"]
    return resource


def _workflow(check: CheckView | None) -> dict[str, Any]:
    """The finding's status: Suppressed when a waiver covers the check's failure, else New."""
    if check and check.result.waived:
        return {"status_id": SUPPRESSED_STATUS_ID, "status": SUPPRESSED_STATUS}
    return {"status_id": FINDING_STATUS_ID, "status": FINDING_STATUS}


def _event(result: ScanResult, view: EvaluationView, check: CheckView | None) -> dict[str, Any]:
    check_id = check.result.check_id if check else ""
    status = check.result.status if check else view.status
    detail = check.result.detail if check else view.evaluation.detail
    _, severity = grading(check_id)
    severity_id, severity_caption = SEVERITY_IDS[severity]
    compliance_id, compliance_caption = COMPLIANCE_STATUS_IDS[status]
    known = CHECKS_BY_ID.get(check_id)
    subject = f"{view.evaluation.resource_type} {view.evaluation.resource_id}"
    compliance: dict[str, Any] = {
        "standards": [STANDARD],
        "status_id": compliance_id,
        "status": compliance_caption,
    }
    if check:
        compliance["control"] = check_id
    if known:
        compliance["requirements"] = [known.doc_section]
        compliance["desc"] = known.passes_when
    finding_info: dict[str, Any] = {
        "uid": finding_uid(view, check_id),
        "title": f"{check.title}: {subject}" if check else f"{subject}: {view.status.value}",
        "desc": detail,
    }
    if check and check.doc_url:
        finding_info["src_url"] = check.doc_url
    return {
        "activity_id": ACTIVITY_ID,
        "activity_name": ACTIVITY_NAME,
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "type_uid": TYPE_UID,
        "type_name": f"{CLASS_NAME}: {ACTIVITY_NAME}",
        "time": epoch_millis(result.generated_at),
        "severity_id": severity_id,
        "severity": severity_caption,
        **_workflow(check),
        "message": f"{subject}: {check_id + ' ' if check_id else ''}{status.value}: {detail}",
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": PRODUCT, "vendor_name": PRODUCT, "version": result.tool_version},
            "profiles": ["cloud"],
        },
        "cloud": _cloud(view),
        "compliance": compliance,
        "finding_info": finding_info,
        "resources": [_resource(view)],
    }


def ocsf_events(result: ScanResult) -> list[dict[str, Any]]:
    """One Compliance Finding per evaluation and check, in scan order; an evaluation with no check
    (a cluster not found, an exempted SG) is one finding of its own, so no judged resource is left out."""
    events: list[dict[str, Any]] = []
    for view in result.evaluations:
        if not view.checks:
            events.append(_event(result, view, None))
        events.extend(_event(result, view, check) for check in view.checks)
    return events
