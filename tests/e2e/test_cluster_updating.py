"""A cluster in UPDATING: the rule judges it as if ACTIVE; the remediation refuses to write to it.

EKS reports UPDATING during a version upgrade and during configuration, logging or endpoint updates
(DescribeCluster's `status`: CREATING, ACTIVE, DELETING, FAILED, UPDATING, PENDING). Judging it
keeps compliance from flapping to NOT_APPLICABLE on every upgrade; writing rules or tags while EKS
changes the cluster is left until it is ACTIVE again. Both sides through the real handlers (moto
sets every cluster ACTIVE, so the status is set in its backend, as a test double of an update).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, seed_account
from moto.eks.models import eks_backends

from eks_sg_rule.cli import main as cli_main
from eks_sg_rule.handler import lambda_handler as rule_handler
from eks_sg_rule.plan import MANUAL
from eks_sg_rule.remediation_handler import RemediationFailed
from eks_sg_rule.remediation_handler import lambda_handler as remediation_handler
from tests.conftest import ACCOUNT, REGION, ConfigResultStore, LambdaContext, load_event
from tests.deploy.deployment import deploy_widest
from tests.e2e.test_handler import with_item


@pytest.fixture(autouse=True)
def widest_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The remediation inputs here ask for TrustNodeTags and writes: the deployment allows them, so
    the refusal under test is the cluster status's, not the deploy-time ceiling's."""
    deploy_widest(monkeypatch)


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def set_status(cluster: str, status: str) -> None:
    eks_backends[ACCOUNT][REGION].clusters[cluster].status = status


def rules_and_tags(sg_ids: list[str]) -> list[Any]:
    groups = boto3.client("ec2", region_name=REGION).describe_security_groups(GroupIds=sg_ids)["SecurityGroups"]
    return sorted(
        ((g["GroupId"], g["IpPermissions"], g["IpPermissionsEgress"], g.get("Tags", [])) for g in groups), key=str
    )


@pytest.mark.parametrize(("cluster", "verdict"), [("kubelet-blocked", "NON_COMPLIANT"), ("prod-managed", "COMPLIANT")])
def test_a_cluster_change_judges_an_updating_cluster(
    cluster: str,
    verdict: str,
    account: SeededAccount,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
) -> None:
    set_status(cluster, "UPDATING")

    rule_handler(with_item(load_event("cluster-change.json"), cluster), lambda_context)

    sent = put_evaluations.by_id()
    assert sent[cluster]["ComplianceType"] == verdict, sent[cluster]
    assert "UPDATING" not in sent[cluster]["Annotation"]
    for sg_id in account.clusters[cluster].node_sg_ids:
        assert sent[sg_id]["ComplianceType"] == verdict


def test_the_sweep_judges_an_updating_cluster_and_not_a_creating_one(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    set_status("kubelet-blocked", "UPDATING")
    set_status("prod-managed", "CREATING")

    rule_handler(load_event("scheduled.json"), lambda_context)

    sent = put_evaluations.by_id()
    assert sent["kubelet-blocked"]["ComplianceType"] == "NON_COMPLIANT"
    assert sent["kubelet-blocked"]["Annotation"].startswith("WORKER_SG_MINIMUM:")
    assert sent["prod-managed"]["ComplianceType"] == "NOT_APPLICABLE"
    assert sent["prod-managed"]["Annotation"] == "cluster prod-managed is CREATING: judged once ACTIVE"


@pytest.mark.parametrize("by", ["cluster", "security group"])
def test_the_remediation_refuses_to_write_to_an_updating_cluster(
    by: str, account: SeededAccount, lambda_context: LambdaContext
) -> None:
    cluster = account.clusters["kubelet-blocked"]
    resource_id = "kubelet-blocked" if by == "cluster" else cluster.node_sg_ids[0]
    request = {"ResourceId": resource_id, "DryRun": False, "TrustNodeTags": True}
    # Outside an update the same request plans automatic changes: the refusal below is the status's.
    preview = remediation_handler({**request, "DryRun": True}, lambda_context)
    assert any(change["action"] != MANUAL for outcome in preview["clusters"] for change in outcome["changes"])
    sgs = [cluster.cluster_sg_id, *cluster.additional_sg_ids, *cluster.node_sg_ids]
    before = rules_and_tags(sgs)
    set_status("kubelet-blocked", "UPDATING")

    expected = "kubelet-blocked is UPDATING, not ACTIVE" if by == "cluster" else "all outside the scope"
    with pytest.raises(RemediationFailed, match=expected):
        remediation_handler(request, lambda_context)

    assert rules_and_tags(sgs) == before


def test_the_html_report_of_an_updating_non_compliant_cluster_shows_its_findings_without_a_plan(
    account: SeededAccount, tmp_path: Path
) -> None:
    set_status("kubelet-blocked", "UPDATING")
    report = tmp_path / "report.html"

    code = cli_main(["scan", "--region", REGION, "--format", "html", "--output", str(report)], out=io.StringIO())

    # Judged (exit 1: NON_COMPLIANT), not an error (2): the preview leaves out what the remediation
    # would refuse to write to.
    assert code == 1
    assert "kubelet-blocked" in report.read_text()
