"""The csv and ocsf formats on hand-made results (no AWS): evaluations without checks, an unknown
account, an unknown check id, other partitions; every OCSF event still validates (py-ocsf-models)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from eks_sg_rule.evaluate import CLUSTER_TYPE, SECURITY_GROUP_TYPE, ResourceEvaluation
from eks_sg_rule.report.csv_report import COLUMNS, render_csv
from eks_sg_rule.report.ocsf import epoch_millis, ocsf_events
from eks_sg_rule.report.scan import CheckView, EvaluationView, ScanResult
from eks_sg_rule.report.standard import render_standard
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import CheckResult, Status
from tests.ocsf_schema import validate_ocsf

WHEN = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
ACCOUNT = "210987654321"


def view(
    resource_type: str,
    resource_id: str,
    status: Status,
    detail: str,
    checks: tuple[CheckResult, ...] = (),
    region: str = "us-east-1",
    account: str | None = ACCOUNT,
    group_name: str | None = None,
) -> EvaluationView:
    evaluation = ResourceEvaluation(resource_type, resource_id, status, detail, checks)
    shown = tuple(CheckView(c, c.check_id, "", (), False) for c in checks)
    return EvaluationView(region, evaluation, shown, group_name=group_name, account=account)


def result(*views: EvaluationView, account: str | None = ACCOUNT) -> ScanResult:
    regions = tuple(dict.fromkeys(v.region for v in views))
    return ScanResult(Level.MINIMUM, regions, account, WHEN, "0.1.0", views)


GONE = view(CLUSTER_TYPE, "gone", Status.NOT_APPLICABLE, "cluster gone not found in this account and region")
EXEMPT = view(
    SECURITY_GROUP_TYPE,
    "sg-0e1",
    Status.NOT_APPLICABLE,
    "exempted by the ExemptSecurityGroupIds rule parameter",
    region="cn-north-1",
    group_name='shared, "quoted"\nname',
)
ODD = view(
    CLUSTER_TYPE,
    "gov",
    Status.NON_COMPLIANT,
    "FUTURE_CHECK: something",
    (CheckResult("FUTURE_CHECK", Status.NON_COMPLIANT, 'a, "quoted"\nmulti-line detail'),),
    region="us-gov-west-1",
    account=None,
)


def test_csv_keeps_every_resource_even_without_checks_and_leaves_unknowns_empty() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(result(GONE, EXEMPT, ODD)), newline="")))

    assert [tuple(row) for row in rows] == [COLUMNS] * 3
    assert rows[0] == {
        "account_id": ACCOUNT,
        "region": "us-east-1",
        "resource_type": CLUSTER_TYPE,
        "resource_id": "gone",
        "arn": f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/gone",
        "compliance_type": "NOT_APPLICABLE",
        "check_id": "",
        "level": "",
        "severity": "",
        "status": "NOT_APPLICABLE",
        "detail": "cluster gone not found in this account and region",
    }
    assert rows[1]["arn"] == f"arn:aws-cn:ec2:cn-north-1:{ACCOUNT}:security-group/sg-0e1"
    assert (rows[2]["account_id"], rows[2]["arn"], rows[2]["level"], rows[2]["severity"]) == ("", "", "", "")
    assert rows[2]["detail"] == 'a, "quoted"\nmulti-line detail'


def test_ocsf_keeps_every_resource_and_validates_without_an_account_or_a_known_check() -> None:
    events = ocsf_events(result(GONE, EXEMPT, ODD, account=None))

    for event in events:
        validate_ocsf(event)
    gone, exempt, odd = events
    assert gone["finding_info"]["uid"] == f"eks-sg-rule/{ACCOUNT}/us-east-1/gone/evaluation"
    assert (gone["severity_id"], gone["severity"]) == (0, "Unknown")
    assert (gone["compliance"]["status_id"], gone["compliance"]["status"]) == (2, "Warning")
    assert "control" not in gone["compliance"]
    assert gone["time"] == epoch_millis(WHEN) == 1796106600000
    assert exempt["resources"][0]["cloud_partition"] == "aws-cn"
    assert exempt["resources"][0]["labels"] == ['group_name:shared, "quoted"\nname']
    assert odd["finding_info"]["uid"] == "eks-sg-rule/unknown-account/us-gov-west-1/gov/FUTURE_CHECK"
    assert "account" not in odd["cloud"]
    assert "uid" not in odd["resources"][0]
    assert odd["resources"][0]["cloud_partition"] == "aws-us-gov"
    assert (odd["severity_id"], odd["compliance"]["control"], odd["compliance"]["status_id"]) == (0, "FUTURE_CHECK", 3)
    assert "requirements" not in odd["compliance"]


def test_render_standard_writes_csv_and_an_ocsf_array_and_refuses_other_names() -> None:
    scanned = result(GONE)

    assert render_standard(scanned, "csv") == render_csv(scanned)
    assert json.loads(render_standard(scanned, "ocsf")) == ocsf_events(scanned)
    with pytest.raises(ValueError, match="not a standard format: 'xml'"):
        render_standard(scanned, "xml")
