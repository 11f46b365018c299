"""RequirementSet through the real rule handler (issue 19), driven by the events in events/ (the
scheduled sweep, and a cluster's configuration item change) against the demo's 2026 clusters
(demo/seed2026.py) in an emulated account: each 2026 check fails on its demo cluster with its
annotation and passes once the rule is there; without the parameter, or with 2020, the verdicts are
the 2020 text's. What the rule sends to AWS Config is read back from PutEvaluations (TESTMODE).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from demo.moto_gaps2026 import fill_2026_gaps
from demo.seed import SeededAccount
from demo.seed2026 import REMOTE_POD_CIDR, seed_2026

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, LambdaContext, PutEvaluationsRecorder, load_event
from tests.e2e.test_handler import with_item, with_parameters

# Each failing demo cluster: the check that fails it and the start of what the SG's annotation says.
FAILING = {
    "efa-training": ("CLUSTER_SG_DEFAULT_RULES", "does not allow all outbound traffic to itself"),
    "hybrid-edge": ("HYBRID_NODES_NETWORK", f"do not admit TCP 443 from remote pod CIDR {REMOTE_POD_CIDR}"),
    "pods-sg-dns": ("POD_SG_MINIMUM", "cannot send TCP and UDP 53 (DNS)"),
}


@pytest.fixture
def account(aws: None) -> SeededAccount:
    fill_2026_gaps()
    return seed_2026(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def cluster_change(cluster: str, **parameters: str) -> dict[str, Any]:
    return with_parameters(with_item(load_event("cluster-change.json"), cluster), **parameters)


def test_the_2026_sweep_fails_each_broken_cluster_on_its_check_and_passes_the_others(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    lambda_handler(with_parameters(load_event("scheduled.json"), RequirementSet="2026"), lambda_context)

    sent = put_evaluations.by_id()
    for name in ("shared-tag", "restricted-cluster-sg"):
        assert sent[name]["ComplianceType"] == "COMPLIANT", sent[name]
    for name, (check, words) in FAILING.items():
        assert sent[name]["ComplianceType"] == "NON_COMPLIANT"
        assert check in sent[name]["Annotation"]
        failing_sgs = [
            e for e in sent.values() if e["ComplianceType"] == "NON_COMPLIANT" and e["ComplianceResourceId"] != name
        ]
        assert any(e["Annotation"].startswith(f"{check}:") and words in e["Annotation"] for e in failing_sgs), name
    assert all(0 < len(e["Annotation"]) <= 256 for e in put_evaluations.evaluations)


@pytest.mark.parametrize("parameters", [{}, {"RequirementSet": "2020"}], ids=["absent", "2020"])
def test_without_the_parameter_or_with_2020_the_verdicts_are_the_2020_texts(
    account: SeededAccount,
    put_evaluations: PutEvaluationsRecorder,
    lambda_context: LambdaContext,
    parameters: dict[str, str],
) -> None:
    lambda_handler(with_parameters(load_event("scheduled.json"), **parameters), lambda_context)

    sent = put_evaluations.by_id()
    failing = {key for key, e in sent.items() if e["ComplianceType"] == "NON_COMPLIANT"}
    shared_node_sg = account.clusters["shared-tag"].node_sg_ids[0]
    assert failing == {"shared-tag", shared_node_sg}
    assert sent[shared_node_sg]["Annotation"].startswith("TAG_OWNED:")
    assert not any("NODE_TAG" in e["Annotation"] or "POD_SG" in e["Annotation"] for e in sent.values())


def test_latest_is_the_2026_set(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    lambda_handler(cluster_change("shared-tag", RequirementSet="latest"), lambda_context)
    sent = put_evaluations.by_id()
    assert sent["shared-tag"]["ComplianceType"] == "COMPLIANT"
    assert all(e["ComplianceType"] == "COMPLIANT" for e in sent.values())


def test_an_unknown_set_fails_the_invocation_naming_the_accepted_values(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    with pytest.raises(RuleEvaluationError, match="RequirementSet must be one of: 2020, 2026, latest"):
        lambda_handler(with_parameters(load_event("scheduled.json"), RequirementSet="2024"), lambda_context)
    assert put_evaluations.calls == []


def _repair(account: SeededAccount, name: str) -> None:
    """The rule each broken cluster lacks, added as an operator would."""
    seeded = account.clusters[name]
    cluster_sg = str(seeded.cluster_sg_id)
    if name == "efa-training":
        pairs = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": cluster_sg}]}]
        ec2().authorize_security_group_egress(GroupId=cluster_sg, IpPermissions=pairs)
    elif name == "hybrid-edge":
        cidr = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": REMOTE_POD_CIDR}]}]
        ec2().authorize_security_group_ingress(GroupId=seeded.additional_sg_ids[0], IpPermissions=cidr)
    else:
        dns = [
            {"IpProtocol": protocol, "FromPort": 53, "ToPort": 53, "UserIdGroupPairs": [{"GroupId": cluster_sg}]}
            for protocol in ("tcp", "udp")
        ]
        ec2().authorize_security_group_egress(GroupId=seeded.node_sg_ids[0], IpPermissions=dns)


@pytest.mark.parametrize("name", list(FAILING))
def test_a_cluster_change_fails_then_passes_once_the_rule_is_there(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext, name: str
) -> None:
    check, words = FAILING[name]
    lambda_handler(cluster_change(name, RequirementSet="2026"), lambda_context)
    sent = put_evaluations.by_id()
    assert sent[name]["ComplianceType"] == "NON_COMPLIANT"
    assert any(e["Annotation"].startswith(f"{check}:") and words in e["Annotation"] for e in sent.values())

    _repair(account, name)
    lambda_handler(cluster_change(name, RequirementSet="2026"), lambda_context)
    # Config keeps the latest result per resource (the rule writes changed ones only).
    latest = {key: e["ComplianceType"] for (_, key), e in put_evaluations.results.items()}
    assert {key: latest[key] for key in sent} == dict.fromkeys(sent, "COMPLIANT")


def test_node_tag_fails_a_second_tagged_sg_on_a_cluster_change(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    monitoring = account.clusters["shared-tag"].node_sg_ids[1]
    ec2().create_tags(Resources=[monitoring], Tags=[{"Key": "kubernetes.io/cluster/shared-tag", "Value": "owned"}])

    lambda_handler(cluster_change("shared-tag", RequirementSet="2026"), lambda_context)

    sent = put_evaluations.by_id()
    assert sent["shared-tag"]["ComplianceType"] == "NON_COMPLIANT"
    # The key stays on one of the two (the first by id) and is to be removed from the other.
    [blamed] = [
        sg for sg in account.clusters["shared-tag"].node_sg_ids if sent[sg]["ComplianceType"] == "NON_COMPLIANT"
    ]
    assert sent[blamed]["Annotation"].startswith("NODE_TAG:")
    assert "several SGs tagged kubernetes.io/cluster/shared-tag" in sent[blamed]["Annotation"]


def test_the_restricted_cluster_sg_passes_2026_and_fails_cluster_sg_rules_under_2020(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    name = "restricted-cluster-sg"
    cluster_sg = str(account.clusters[name].cluster_sg_id)
    lambda_handler(cluster_change(name, RequirementSet="2026"), lambda_context)
    assert put_evaluations.by_id()[cluster_sg]["ComplianceType"] == "COMPLIANT"

    lambda_handler(cluster_change(name, ComplianceLevel="recommended"), lambda_context)
    latest = put_evaluations.results[("AWS::EC2::SecurityGroup", cluster_sg)]
    assert latest["ComplianceType"] == "NON_COMPLIANT"
    # Both annotations lead with CP_SG_RECOMMENDED and are cut at 256 characters before CLUSTER_SG_RULES:
    # that check's own failure is shown through the CLI (tests/e2e/test_cli_requirements.py).
    assert put_evaluations.results[("AWS::EKS::Cluster", name)]["ComplianceType"] == "NON_COMPLIANT"
    assert "egress" in latest["Annotation"]
