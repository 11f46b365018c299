"""`eks-sg-rule scan` for pipelines, end to end against the seeded demo account (moto): each check's
level and severity and each evaluation's account, region and ARN in the JSON; `--format csv` read back
with the standard library; `--format ocsf` validated, event by event, against the OCSF schema's models.

The OCSF validator: tests/ocsf_schema.py (py-ocsf-models).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import matplotlib
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.cli import _plans, main
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.report.csv_report import COLUMNS
from eks_sg_rule.report.html import render_html
from eks_sg_rule.report.markdown import render_markdown
from eks_sg_rule.report.scan import RegionScan, build_result
from eks_sg_rule.report.table import render_table
from eks_sg_rule.requirements import CHECKS_BY_ID, Level
from eks_sg_rule.settings import Settings
from tests.conftest import ACCOUNT, REGION
from tests.ocsf_schema import validate_ocsf


@pytest.fixture(scope="module")
def account(module_aws: None) -> SeededAccount:
    """The demo account, seeded once for the module: every scan here only reads."""
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def scan(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["scan", "--region", REGION, *args], out=out)
    return code, out.getvalue()


@pytest.mark.parametrize("level", ["minimum", "recommended"])
def test_json_checks_carry_level_and_severity_and_evaluations_their_account_region_and_arn(
    account: SeededAccount, level: str
) -> None:
    code, text = scan("--format", "json", "--level", level)

    document = json.loads(text)
    assert code == 1
    checks = 0
    for evaluation in document["evaluations"]:
        assert (evaluation["account_id"], evaluation["region"]) == (ACCOUNT, REGION)
        if evaluation["resource_type"] == "AWS::EKS::Cluster":
            assert evaluation["arn"] == f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{evaluation['resource_id']}"
        else:
            assert evaluation["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{evaluation['resource_id']}"
        for check in evaluation["checks"]:
            checks += 1
            wanted = CHECKS_BY_ID[check["id"]].level.value
            assert (check["level"], check["severity"]) == (wanted, {"minimum": "high", "recommended": "medium"}[wanted])
    assert checks > 0
    ids = {check["id"] for e in document["evaluations"] for check in e["checks"]}
    if level == "recommended":
        assert {"minimum", "recommended"} == {CHECKS_BY_ID[i].level.value for i in ids}


def test_json_with_no_account_has_null_account_and_arn(account: SeededAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("eks_sg_rule.cli.Target.account", lambda self, region: None)

    document = json.loads(scan("--format", "json", "--cluster", "kubelet-blocked")[1])

    assert document["account"] is None
    assert {(e["account_id"], e["arn"]) for e in document["evaluations"]} == {(None, None)}


def test_csv_reads_back_as_one_row_per_resource_and_check(account: SeededAccount) -> None:
    document = json.loads(scan("--format", "json", "--level", "recommended")[1])
    code, text = scan("--format", "csv", "--level", "recommended")

    assert code == 1
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == COLUMNS
    expected = [
        {
            "account_id": e["account_id"],
            "region": e["region"],
            "resource_type": e["resource_type"],
            "resource_id": e["resource_id"],
            "arn": e["arn"],
            "compliance_type": e["compliance_type"],
            "check_id": c["id"],
            "level": c["level"],
            "severity": c["severity"],
            "status": c["status"],
            "detail": c["detail"],
        }
        for e in document["evaluations"]
        for c in e["checks"]
    ]
    assert rows == expected
    # Whole details, commas and quotes included, survive the round trip.
    assert any("," in row["detail"] for row in rows)
    assert max(len(row["detail"]) for row in rows) > 256


def test_every_ocsf_event_of_the_demo_scan_is_a_valid_compliance_finding(account: SeededAccount) -> None:
    document = json.loads(scan("--format", "json", "--level", "recommended")[1])
    code, text = scan("--format", "ocsf", "--level", "recommended")

    events = json.loads(text)
    assert code == 1
    assert len(events) == sum(len(e["checks"]) for e in document["evaluations"]) > 0
    for event in events:
        validate_ocsf(event)
    assert {(e["class_uid"], e["category_uid"], e["type_uid"], e["activity_id"]) for e in events} == {
        (2003, 2, 200301, 1)
    }
    by_uid = {event["finding_info"]["uid"]: event for event in events}
    assert len(by_uid) == len(events)  # one finding per resource and check, each its own id
    evaluations = {e["resource_id"]: e for e in document["evaluations"]}
    blocked = by_uid[f"eks-sg-rule/{ACCOUNT}/{REGION}/kubelet-blocked/WORKER_SG_MINIMUM"]
    assert (blocked["severity_id"], blocked["severity"]) == (4, "High")
    assert (blocked["compliance"]["status_id"], blocked["compliance"]["status"]) == (3, "Fail")
    assert blocked["compliance"]["control"] == "WORKER_SG_MINIMUM"
    assert blocked["resources"] == [
        {
            "uid": evaluations["kubelet-blocked"]["arn"],
            "name": "kubelet-blocked",
            "type": "AWS::EKS::Cluster",
            "region": REGION,
            "cloud_partition": "aws",
        }
    ]
    assert blocked["cloud"] == {
        "provider": "AWS",
        "region": REGION,
        "account": {"uid": ACCOUNT, "name": ACCOUNT, "type_id": 10, "type": "AWS Account"},
    }
    passing = by_uid[f"eks-sg-rule/{ACCOUNT}/{REGION}/prod-managed/CP_SG_RECOMMENDED"]
    assert (passing["severity_id"], passing["compliance"]["status_id"]) == (3, 1)
    statuses = {(e["compliance"]["status_id"], e["compliance"]["status"]) for e in events}
    assert statuses == {(1, "Pass"), (2, "Warning"), (3, "Fail")}


def test_a_wrong_event_fails_the_validation(account: SeededAccount) -> None:
    """The validator judges: a class, severity or missing required attribute the schema refuses fails."""
    [event, *_] = json.loads(scan("--format", "ocsf", "--cluster", "kubelet-blocked")[1])
    validate_ocsf(event)
    for broken in (
        {**event, "type_uid": 200310},
        {**event, "severity_id": 7},
        {**event, "compliance": {**event["compliance"], "status_id": 4}},
        {key: value for key, value in event.items() if key != "finding_info"},
        {**event, "cloud": {"region": REGION}},
    ):
        with pytest.raises(ValueError, match="validation error"):
            validate_ocsf(broken)
    with pytest.raises(AssertionError, match="not validated by the models"):
        validate_ocsf({**event, "finding_info": {**event["finding_info"], "severity_typo": "x"}})


@pytest.mark.parametrize("form", ["csv", "ocsf"])
def test_output_file_for_the_standard_formats(account: SeededAccount, form: str, tmp_path: Any) -> None:
    target = tmp_path / f"report.{form}"
    code, printed = scan("--format", form, "--output", str(target), "--cluster", "kubelet-blocked")

    assert (code, printed) == (1, "")
    with target.open(newline="", encoding="utf-8") as written:
        text = written.read()
    if form == "csv":
        assert {row["resource_id"] for row in csv.DictReader(io.StringIO(text, newline=""))} >= {"kubelet-blocked"}
    else:
        assert {event["resources"][0]["name"] for event in json.loads(text)} >= {"kubelet-blocked"}


def test_table_markdown_and_html_do_not_show_the_new_fields(account: SeededAccount) -> None:
    """The account, ARN, level and severity are for the machine formats: the same scan renders the
    same table, Markdown and HTML whether or not its evaluations carry an account (and so an ARN)."""
    snapshot = Discovery(eks=boto3.client("eks", region_name=REGION), ec2=boto3.client("ec2", region_name=REGION))
    read = snapshot.snapshot()
    scans = [RegionScan(REGION, read, tuple(evaluate(read, Settings(level=Level.RECOMMENDED))))]
    result = build_result(Level.RECOMMENDED, scans, ACCOUNT, datetime(2026, 12, 1, tzinfo=UTC), "0.1.0")
    bare = replace(result, evaluations=tuple(replace(view, account=None) for view in result.evaluations))

    assert {view.account for view in result.evaluations} == {ACCOUNT}
    assert render_table(result) == render_table(bare)
    assert render_table(result, only_failures=True) == render_table(bare, only_failures=True)
    assert render_markdown(result) == render_markdown(bare)
    assert "arn:aws" not in render_table(result) + render_markdown(result)
    with matplotlib.rc_context({"svg.hashsalt": "fixed"}):  # the pictures' clip-path ids, else random
        page = render_html(result, _plans(result))
        assert page == render_html(bare, _plans(bare))
    assert "arn:aws" not in page
