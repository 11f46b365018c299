"""`eks-sg-rule fix` with the rule's scope (issue 18 item 3): an SG in --exempt-sg is never written, even
with --apply; a cluster outside --cluster-name-pattern is refused before anything changes; and fix
works in another account through --role-name and --account. Through the real CLI against moto."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from demo.seed import Seeder

from eks_sg_rule.cli import main
from tests.conftest import ACCOUNT, REGION, kubelet_gap_cluster, rules_of

ACCOUNT_B = "210987654321"
ROLE = "eks-sg-rule-execution"


def fix(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["fix", "--region", REGION, "--format", "json", *args], out=out)
    return code, out.getvalue()


def test_apply_never_writes_an_exempted_sg(seeder: Seeder) -> None:
    cluster_sg, node = kubelet_gap_cluster(seeder)
    before = {sg: rules_of(seeder, sg) for sg in (cluster_sg, node)}
    code, text = fix("--cluster", "c1")
    planned = json.loads(text)["changes"]
    assert code == 1
    assert node in {c["security_group_id"] for c in planned if c["status"] == "planned"}  # without the flag

    code, text = fix("--cluster", "c1", "--exempt-sg", node, "--exempt-sg", cluster_sg, "--apply")

    document = json.loads(text)
    assert code == 1  # what is needed is still needed
    assert {sg: rules_of(seeder, sg) for sg in (cluster_sg, node)} == before
    on_exempt = [c for c in document["changes"] if c["security_group_id"] in (node, cluster_sg)]
    assert on_exempt
    assert all(c["status"] == "manual" and "is in ExemptSecurityGroupIds" in c["detail"] for c in on_exempt)


def test_apply_writes_what_is_not_exempted(seeder: Seeder) -> None:
    cluster_sg, node = kubelet_gap_cluster(seeder)
    before = rules_of(seeder, cluster_sg)

    code, text = fix("--cluster", "c1", "--exempt-sg", cluster_sg, "--apply")

    changes = json.loads(text)["changes"]
    assert rules_of(seeder, cluster_sg) == before
    assert {c["security_group_id"] for c in changes if c["status"] == "applied"} == {node}
    assert [c["status"] for c in changes if c["security_group_id"] == cluster_sg] == ["manual"]
    assert code == 1


def test_a_cluster_outside_the_pattern_is_refused(seeder: Seeder, capsys: pytest.CaptureFixture[str]) -> None:
    _, node = kubelet_gap_cluster(seeder)
    before = rules_of(seeder, node)

    code, text = fix("--cluster", "c1", "--cluster-name-pattern", "prod-.*", "--apply")

    assert (code, text) == (2, "")
    assert capsys.readouterr().err == (
        "eks-sg-rule: error: cluster c1 does not match ClusterNamePattern: nothing was changed\n"
    )
    assert rules_of(seeder, node) == before


def test_fix_in_another_account_by_role(aws: None) -> None:
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/{ROLE}", RoleSessionName="seeding"
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    seeder = Seeder(session.client("ec2"), session.client("eks"), ACCOUNT_B, REGION)
    _, node = kubelet_gap_cluster(seeder)
    before = rules_of(seeder, node)
    # Account A (the base credentials') has no such cluster.
    assert fix("--cluster", "c1")[0] == 2

    code, text = fix("--cluster", "c1", "--role-name", ROLE, "--account", ACCOUNT_B, "--apply")

    document: dict[str, Any] = json.loads(text)
    assert code == 0
    assert document["applied"] is True
    assert rules_of(seeder, node) != before
    assert ACCOUNT != ACCOUNT_B
