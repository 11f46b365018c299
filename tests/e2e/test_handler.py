"""The real Lambda handler, driven by the events in events/ against a seeded emulated account.

What the rule sends to AWS Config is read back from the PutEvaluations requests (TESTMODE token).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, LambdaContext, PutEvaluationsRecorder, load_event

CLUSTER = "AWS::EKS::Cluster"
SG = "AWS::EC2::SecurityGroup"


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def with_parameters(event: dict[str, Any], **parameters: str) -> dict[str, Any]:
    return {**event, "ruleParameters": json.dumps(parameters)}


def with_item(event: dict[str, Any], resource_id: str, **changes: Any) -> dict[str, Any]:
    """The event with its configuration item (or oversized summary) pointed at `resource_id`."""
    invoking = json.loads(event["invokingEvent"])
    key = "configurationItem" if "configurationItem" in invoking else "configurationItemSummary"
    item = {**invoking[key], "resourceId": resource_id, **changes}
    configuration = item.get("configuration")
    if isinstance(configuration, dict):
        if item["resourceType"] == SG:
            item["configuration"] = {**configuration, "groupId": resource_id}
        else:
            # The sample item's cluster SG id belongs to the sample: items of other clusters carry their own.
            item["configuration"] = {**configuration, "Name": resource_id}
            item["configuration"].pop("ClusterSecurityGroupId", None)
    return {**event, "invokingEvent": json.dumps({**invoking, key: item})}


def test_sg_change_reevaluates_the_cluster_using_it(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    cluster = account.clusters["kubelet-blocked"]
    node_sg = cluster.node_sg_ids[0]
    event = with_item(load_event("sg-change.json"), node_sg)

    returned = lambda_handler(event, lambda_context)

    sent = put_evaluations.by_id()
    # The rule's own write, then rdklib's closing empty PutEvaluations.
    assert [len(call["Evaluations"]) for call in put_evaluations.calls] == [len(sent), 0]
    assert all(call["TestMode"] is True for call in put_evaluations.calls)
    assert returned == {"evaluations_written": len(sent)}
    assert sent[node_sg]["ComplianceType"] == "NON_COMPLIANT"
    assert sent[node_sg]["Annotation"].startswith("WORKER_SG_MINIMUM:")
    assert "TCP 10250" in sent[node_sg]["Annotation"]
    assert f"allow ingress on {node_sg}" in sent[node_sg]["Annotation"]
    assert sent["kubelet-blocked"]["ComplianceType"] == "NON_COMPLIANT"
    assert sent["kubelet-blocked"]["ComplianceResourceType"] == CLUSTER
    # The other SGs of the cluster are reported too; none of them is where the missing rule belongs.
    for sg_id in (cluster.cluster_sg_id, *cluster.additional_sg_ids):
        assert sent[sg_id]["ComplianceType"] == "COMPLIANT", sent[sg_id]
    # Ordering timestamps are the configuration item's capture time, for every evaluation.
    assert {e["OrderingTimestamp"] for e in put_evaluations.evaluations} == {"2026-11-20T09:14:03.512Z"}
    assert all(0 < len(e["Annotation"]) <= 256 for e in put_evaluations.evaluations)


def test_cluster_change_reevaluates_its_sgs(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    cluster = account.clusters["prod-managed"]
    event = with_parameters(with_item(load_event("cluster-change.json"), "prod-managed"), ComplianceLevel="recommended")

    lambda_handler(event, lambda_context)

    sent = put_evaluations.by_id()
    assert sent["prod-managed"]["ComplianceType"] == "COMPLIANT"
    assert "recommended level" in sent["prod-managed"]["Annotation"]
    assert sent[cluster.cluster_sg_id]["ComplianceType"] == "COMPLIANT"
    for sg_id in cluster.additional_sg_ids:
        assert sent[sg_id]["ComplianceType"] == "COMPLIANT"
    assert set(sent) == {"prod-managed", cluster.cluster_sg_id, *cluster.additional_sg_ids}


def test_oversized_notification_without_creation_time_is_evaluated_from_live_state(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]
    event = with_item(load_event("sg-oversized.json"), node_sg)
    assert "notificationCreationTime" not in json.loads(event["invokingEvent"])

    lambda_handler(event, lambda_context)

    sent = put_evaluations.by_id()
    assert sent[node_sg]["ComplianceType"] == "NON_COMPLIANT"
    assert sent["kubelet-blocked"]["ComplianceType"] == "NON_COMPLIANT"
    assert {e["OrderingTimestamp"] for e in put_evaluations.evaluations} == {"2026-11-20T11:20:00.261Z"}


def test_scheduled_sweep_reports_every_cluster_and_only_role_sgs(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    lambda_handler(load_event("scheduled.json"), lambda_context)

    sent = put_evaluations.by_id()
    clusters = {k: v["ComplianceType"] for k, v in sent.items() if v["ComplianceResourceType"] == CLUSTER}
    assert clusters == {
        "prod-managed": "COMPLIANT",
        "kubelet-blocked": "NON_COMPLIANT",
        "two-owned": "NON_COMPLIANT",
        "legacy-113": "COMPLIANT",
        "dual-stack-v4": "COMPLIANT",
        "custom-networking": "NON_COMPLIANT",
        "fargate-only": "NOT_APPLICABLE",
        "no-nodes": "NOT_APPLICABLE",
    }
    assert "pods run on Fargate" in sent["fargate-only"]["Annotation"]
    assert "pod interfaces" in sent["custom-networking"]["Annotation"]
    assert "TAG_OWNED" in sent["two-owned"]["Annotation"]
    assert "several SGs tagged" in sent["two-owned"]["Annotation"]
    assert "no worker nodes" in sent["no-nodes"]["Annotation"]
    for sg_id in account.unrelated_sg_ids:
        assert sg_id not in sent
    assert {e["OrderingTimestamp"] for e in put_evaluations.evaluations} == {"2026-11-20T12:00:00.373Z"}


def test_deleted_cluster_is_not_applicable(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    lambda_handler(load_event("cluster-deleted.json"), lambda_context)

    # Written by the rule itself (rdklib no longer sees any item status): one write, no read.
    assert put_evaluations.evaluations == [
        {
            "ComplianceResourceId": "old-cluster",
            "ComplianceResourceType": CLUSTER,
            "ComplianceType": "NOT_APPLICABLE",
            "Annotation": "deleted (configurationItemStatus ResourceDeleted)",
            "OrderingTimestamp": "2026-11-21T16:45:12.880Z",
        }
    ]


def test_sg_used_by_no_cluster_is_not_applicable(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    unrelated = account.unrelated_sg_ids[0]

    lambda_handler(with_item(load_event("sg-change.json"), unrelated), lambda_context)

    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in put_evaluations.evaluations] == [
        (unrelated, "NOT_APPLICABLE")
    ]


def test_event_that_left_scope_is_not_applicable(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]
    event = {**with_item(load_event("sg-change.json"), node_sg), "eventLeftScope": True}

    lambda_handler(event, lambda_context)

    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in put_evaluations.evaluations] == [
        (node_sg, "NOT_APPLICABLE")
    ]


def test_recommended_level_on_the_legacy_cluster_skips_cluster_sg_checks(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    event = with_parameters(with_item(load_event("cluster-change.json"), "legacy-113"), ComplianceLevel="recommended")

    lambda_handler(event, lambda_context)

    sent = put_evaluations.by_id()
    assert sent["legacy-113"]["ComplianceType"] == "COMPLIANT", sent["legacy-113"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"ComplianceLevel": "strict"}, "ComplianceLevel must be one of: minimum, recommended"),
        ({"Colour": "blue"}, "unknown rule parameter Colour"),
        ({"ExemptSecurityGroupIds": "sg-12345678,web"}, "not ids: web"),
        ({"ClusterNamePattern": "prod-("}, "ClusterNamePattern is not a valid regular expression"),
    ],
)
def test_invalid_parameters_fail_the_invocation_and_report_nothing(
    account: SeededAccount,
    put_evaluations: PutEvaluationsRecorder,
    lambda_context: LambdaContext,
    parameters: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(RuleEvaluationError, match=message):
        lambda_handler(with_parameters(load_event("scheduled.json"), **parameters), lambda_context)
    assert put_evaluations.calls == []


def test_cluster_name_pattern_limits_the_sweep(
    account: SeededAccount, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    lambda_handler(with_parameters(load_event("scheduled.json"), ClusterNamePattern="prod-.*"), lambda_context)

    sent = put_evaluations.by_id()
    assert sent["prod-managed"]["ComplianceType"] == "COMPLIANT"
    assert sent["kubelet-blocked"]["ComplianceType"] == "NOT_APPLICABLE"
    assert "ClusterNamePattern" in sent["kubelet-blocked"]["Annotation"]


def test_the_items_cluster_sg_id_fills_in_when_describe_cluster_lacks_it(
    aws: None, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    cluster_sg = ec2.create_security_group(GroupName="eks-cluster-sg-c9", Description="x", VpcId=vpc)["GroupId"]
    # Left out on purpose: moto's record has no clusterSecurityGroupId, as an older API answer would not.
    boto3.client("eks", region_name=REGION).create_cluster(
        name="c9", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )
    event = with_item(load_event("cluster-change.json"), "c9")
    invoking = json.loads(event["invokingEvent"])
    invoking["configurationItem"]["configuration"]["ClusterSecurityGroupId"] = cluster_sg
    event = with_parameters({**event, "invokingEvent": json.dumps(invoking)}, ComplianceLevel="recommended")

    lambda_handler(event, lambda_context)

    sent = put_evaluations.by_id()
    # Read and judged as the cluster's SG: a plain new SG lacks the cluster SG's self rule.
    assert sent[cluster_sg]["ComplianceType"] == "NON_COMPLIANT"
    assert sent[cluster_sg]["Annotation"].startswith(f"CLUSTER_SG_RULES: cluster SG {cluster_sg} does not admit self")
    assert "could not read" not in sent[cluster_sg]["Annotation"]
