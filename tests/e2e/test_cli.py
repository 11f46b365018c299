"""`eks-sg-rule scan` end to end against the seeded emulated account: output shapes and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.cli import main
from tests.conftest import REGION


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def scan(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["scan", "--region", REGION, *args], out=out)
    return code, out.getvalue()


def test_json_output_has_the_documented_shape(account: SeededAccount) -> None:
    code, text = scan("--format", "json")

    document = json.loads(text)
    assert code == 1
    assert set(document) == {"level", "evaluations"}
    assert document["level"] == "minimum"
    for evaluation in document["evaluations"]:
        assert set(evaluation) == {"resource_type", "resource_id", "compliance_type", "annotation", "detail", "checks"}
        for check in evaluation["checks"]:
            assert set(check) == {"id", "status", "detail"}
            assert check["status"] in {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"}
    clusters = {e["resource_id"]: e for e in document["evaluations"] if e["resource_type"] == "AWS::EKS::Cluster"}
    assert [c["id"] for c in clusters["prod-managed"]["checks"]] == ["CP_SG_MINIMUM", "WORKER_SG_MINIMUM", "TAG_OWNED"]
    kubelet = {c["id"]: c for c in clusters["kubelet-blocked"]["checks"]}
    assert kubelet["WORKER_SG_MINIMUM"]["status"] == "NON_COMPLIANT"
    assert "TCP 10250" in kubelet["WORKER_SG_MINIMUM"]["detail"]
    two_owned = {c["id"]: c for c in clusters["two-owned"]["checks"]}
    assert two_owned["TAG_OWNED"]["status"] == "NON_COMPLIANT"
    assert "several SGs tagged" in two_owned["TAG_OWNED"]["detail"]


def test_recommended_level_runs_all_eight_checks(account: SeededAccount) -> None:
    _, text = scan("--format", "json", "--level", "recommended", "--cluster", "legacy-113")

    [cluster, *_] = json.loads(text)["evaluations"]
    statuses = {c["id"]: c["status"] for c in cluster["checks"]}
    assert len(statuses) == 8
    assert statuses["CLUSTER_SG_RULES"] == statuses["CLUSTER_SG_ON_WORKERS"] == "NOT_APPLICABLE"
    assert cluster["compliance_type"] == "COMPLIANT"


def test_exit_zero_when_nothing_is_non_compliant(account: SeededAccount) -> None:
    code, text = scan("--cluster", "prod-managed")

    assert code == 0
    assert "cluster prod-managed: COMPLIANT" in text
    assert "CP_SG_MINIMUM" in text


def test_unknown_cluster_is_not_applicable(account: SeededAccount) -> None:
    code, text = scan("--format", "json", "--cluster", "nope")

    assert code == 0
    assert json.loads(text)["evaluations"][0]["compliance_type"] == "NOT_APPLICABLE"


NOWHERE = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_MAX_ATTEMPTS": "1", "PATH": "/usr/bin:/bin"}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a fresh process; nothing listens on the endpoint used with it, so AWS calls fail."""
    command = [sys.executable, "-m", "eks_sg_rule", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=NOWHERE)


def test_usage_errors_exit_two_without_a_traceback() -> None:
    result = run_cli("scan", "--level", "strict")
    assert result.returncode == 2
    assert "invalid choice: 'strict'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["scan"], ["fix", "--cluster", "x"]], ids=["scan", "fix"])
def test_aws_errors_exit_two_with_one_line(command: list[str]) -> None:
    result = run_cli(*command, "--region", REGION, "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.startswith("eks-sg-rule: error:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def fix(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["fix", "--region", REGION, *args], out=out)
    return code, out.getvalue()


def test_fix_plans_then_applies_with_the_documented_json_and_exit_codes(account: SeededAccount) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]

    code, text = fix("--cluster", "kubelet-blocked", "--format", "json")
    plan = json.loads(text)
    assert code == 1
    assert set(plan) == {"cluster", "level", "changes", "applied", "remaining"}
    assert (plan["cluster"], plan["level"], plan["applied"]) == ("kubelet-blocked", "minimum", False)
    assert [(c["action"], c["security_group_id"], c["check"]) for c in plan["changes"]] == [
        ("authorize_ingress", node_sg, ["WORKER_SG_MINIMUM"])
    ]
    assert all(set(c) == {"action", "security_group_id", "check", "detail", "status"} for c in plan["changes"])

    code, text = fix("--cluster", "kubelet-blocked", "--format", "json", "--apply")
    assert code == 0
    assert json.loads(text)["applied"] is True
    code, text = fix("--cluster", "kubelet-blocked", "--format", "json")
    assert (code, json.loads(text)["changes"]) == (0, [])
