"""Remediation against moto: the plan, applying it, re-checking, and doing nothing the second time."""

from __future__ import annotations

from typing import Any

import pytest

from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.plan import MANUAL, RemediationError
from eks_sg_rule.remediation import remediate
from eks_sg_rule.remediation_handler import lambda_handler, parse_request
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope, Settings
from tests.aws.accounts import Account, self_all
from tests.conftest import LambdaContext, iam_client
from tests.deploy.deployment import deploy_widest


@pytest.fixture(autouse=True)
def widest_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs here ask for the switches themselves: the remediation's deployment allows them all."""
    deploy_widest(monkeypatch)


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


def kubelet_blocked(account: Account) -> tuple[str, str, str]:
    """Self-managed nodes whose own SG lacks kubelet access from the control plane."""
    cluster_sg = account.sg("csg")
    account.ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_all(cluster_sg)])
    control_plane = account.sg("cp")
    node = account.sg("node", tags={"kubernetes.io/cluster/c1": "owned"})
    account.ec2.authorize_security_group_ingress(
        GroupId=node,
        IpPermissions=[
            self_all(node),
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": control_plane}]},
        ],
    )
    account.ec2.authorize_security_group_ingress(
        GroupId=control_plane,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": node}]}],
    )
    account.minimal_cluster("c1", cluster_sg, [control_plane])
    account.nodes("c1", [node], count=2, **{"aws:autoscaling:groupName": "workers"})
    return cluster_sg, control_plane, node


def cluster_compliance(account: Account, level: Level) -> str:
    evaluations = evaluate(account.discovery().snapshot(), Settings(level=level), clusters=["c1"])
    return next(e.compliance_type.value for e in evaluations if e.resource_id == "c1")


def test_plan_adds_group_pair_rules_only_and_changes_nothing(account: Account) -> None:
    _, control_plane, node = kubelet_blocked(account)
    before = account.ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0]["IpPermissions"]

    outcome = remediate(
        account.discovery().snapshot,
        account.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, trust_node_tags=True),
        apply_changes=False,
    )

    assert not outcome.applied
    assert [c.to_json() for c in outcome.changes] == [
        {
            "action": "authorize_ingress",
            "security_group_id": node,
            "check": ["WORKER_SG_MINIMUM"],
            "detail": f"allow ingress TCP 10250 from {control_plane}",
            "status": "planned",
        }
    ]
    [permission] = outcome.changes[0].permissions
    assert permission["UserIdGroupPairs"][0]["GroupId"] == control_plane
    assert "IpRanges" not in permission
    assert account.ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0]["IpPermissions"] == before


def test_apply_fixes_the_cluster_and_a_second_run_changes_nothing(account: Account) -> None:
    kubelet_blocked(account)
    assert cluster_compliance(account, Level.MINIMUM) == "NON_COMPLIANT"

    first = remediate(
        account.discovery().snapshot,
        account.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, trust_node_tags=True),
        apply_changes=True,
    )
    second = remediate(
        account.discovery().snapshot,
        account.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, trust_node_tags=True),
        apply_changes=True,
    )

    assert first.applied and first.done
    assert cluster_compliance(account, Level.MINIMUM) == "COMPLIANT"
    assert second.changes == ()
    assert second.done


def test_recommended_level_merges_overlapping_needs_and_leaves_cidr_openings_to_people(account: Account) -> None:
    cluster_sg, control_plane, node = kubelet_blocked(account)
    account.ec2.revoke_security_group_egress(
        GroupId=node, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )

    outcome = remediate(
        account.discovery().snapshot,
        account.ec2,
        iam_client(),
        "c1",
        Scope(Level.RECOMMENDED, trust_node_tags=True),
        apply_changes=True,
    )

    by_action: dict[str, list[Any]] = {}
    for change in outcome.changes:
        by_action.setdefault(change.action, []).append(change)
    ingress = [c for c in by_action["authorize_ingress"] if c.security_group_id == node]
    # 10250 (minimum) and 1025-65535 (recommended; 443 is there) from the control plane: one merged change.
    [from_control_plane] = [c for c in ingress if control_plane in c.detail]
    assert from_control_plane.detail == f"allow ingress TCP 1025-65535 from {control_plane}"
    assert from_control_plane.checks == ("WORKER_SG_MINIMUM", "WORKER_SG_RECOMMENDED")
    manual = {check for c in by_action[MANUAL] for check in c.checks}
    assert "WORKER_SG_RECOMMENDED" in manual  # egress to 0.0.0.0/0 is never opened automatically
    assert "CLUSTER_SG_ON_WORKERS" in manual
    assert not outcome.done
    assert cluster_sg not in {c.security_group_id for c in by_action.get("authorize_egress", [])}


def test_duplicate_owned_tags_are_removed_only_when_allowed(account: Account) -> None:
    cluster_sg = account.sg("csg", tags={"kubernetes.io/cluster/c1": "owned"})
    account.ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_all(cluster_sg)])
    node = account.sg("node", tags={"kubernetes.io/cluster/c1": "owned"})
    account.ec2.authorize_security_group_ingress(GroupId=node, IpPermissions=[self_all(node), self_all(cluster_sg)])
    account.minimal_cluster("c1", cluster_sg)
    account.nodes("c1", [node, cluster_sg], **{"eks:nodegroup-name": "ng"})

    refused = remediate(
        account.discovery().snapshot, account.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True
    )
    assert [(c.action, c.security_group_id) for c in refused.changes] == [(MANUAL, node)]
    assert "--allow-tag-removal" in refused.changes[0].detail
    assert cluster_compliance(account, Level.MINIMUM) == "NON_COMPLIANT"

    allowed = remediate(
        account.discovery().snapshot,
        account.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, allow_tag_removal=True, trust_node_tags=True),
        apply_changes=True,
    )
    assert [(c.action, c.security_group_id) for c in allowed.changes] == [("delete_tags", node)]
    assert allowed.done
    assert cluster_compliance(account, Level.MINIMUM) == "COMPLIANT"
    tags = account.ec2.describe_security_groups(GroupIds=[cluster_sg])["SecurityGroups"][0]["Tags"]
    assert {"Key": "kubernetes.io/cluster/c1", "Value": "owned"} in tags


def test_unknown_cluster_is_a_clear_error(account: Account) -> None:
    with pytest.raises(RemediationError, match="cluster nope not found"):
        remediate(
            account.discovery().snapshot, account.ec2, iam_client(), "nope", Scope(Level.MINIMUM), apply_changes=False
        )


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"ResourceId": "i-0123456789abcdef0!"}, "ResourceId must be an EKS cluster name or a security group id"),
        ({"ResourceId": ""}, "ResourceId must be"),
        ({"ResourceId": "c1", "DryRun": "maybe"}, "DryRun must be true or false"),
        ({"ResourceId": "c1", "ComplianceLevel": "max"}, "ComplianceLevel must be minimum or recommended"),
        ([], "must be a JSON object"),
    ],
)
def test_remediation_input_is_validated_before_any_call(request_: Any, message: str) -> None:
    with pytest.raises(RemediationError, match=message):
        parse_request(request_)


def test_remediation_lambda_fixes_the_clusters_using_an_sg(account: Account, lambda_context: LambdaContext) -> None:
    _, _, node = kubelet_blocked(account)

    dry = lambda_handler({"ResourceId": node, "DryRun": "true", "TrustNodeTags": "true"}, lambda_context)
    assert dry["clusters"][0]["applied"] is False
    assert cluster_compliance(account, Level.MINIMUM) == "NON_COMPLIANT"

    done = lambda_handler({"ResourceId": node, "DryRun": False, "TrustNodeTags": True}, lambda_context)
    assert done["clusters"][0]["cluster"] == "c1"
    assert done["clusters"][0]["applied"] is True
    assert cluster_compliance(account, Level.MINIMUM) == "COMPLIANT"
