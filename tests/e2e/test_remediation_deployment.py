"""The remediation's deploy-time ceiling, through the real handler against moto (issue 14, point 3).

The function's environment (template.yaml sets it from the stack parameters) is the most an input
may ask for. The attack it stops: whoever can invoke the function tags an instance of their own
`eks:cluster-name=<cluster>` and asks `TrustNodeTags=true, DryRun=false`, to get rules that open the
cluster's SGs to that instance (seeded as in tests/aws/test_remediation_safety.py, test 1).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from demo.seed import Seeder

from eks_sg_rule.plan import RemediationError
from eks_sg_rule.remediation_handler import (
    ENV_ALLOW_TAG_REMOVAL,
    ENV_CLUSTER_NAME_PATTERN,
    ENV_COMPLIANCE_LEVEL,
    ENV_DRY_RUN,
    ENV_EXEMPT_SECURITY_GROUP_IDS,
    ENV_TRUST_NODE_TAGS,
    DeploymentInvalid,
    InputWidensDeployment,
    RemediationFailed,
    lambda_handler,
)
from tests.conftest import ACCOUNT, LambdaContext
from tests.deploy.deployment import DEFAULTS, WIDEST, deploy

ATTACK = {"ResourceId": "prod-managed", "DryRun": False, "TrustNodeTags": True}


def every_sg(seeder: Seeder) -> dict[str, Any]:
    """Every SG of the region: its rules both ways and its tags (what a write would change)."""
    return {
        group["GroupId"]: (
            group["IpPermissions"],
            group["IpPermissionsEgress"],
            sorted(map(str, group.get("Tags", []))),
        )
        for group in seeder.ec2.describe_security_groups()["SecurityGroups"]
    }


def forged_node(seeder: Seeder) -> tuple[set[str], str]:
    """prod-managed, and an instance outside it that carries `payments-db` and a forged cluster tag.
    Returns (the cluster's control-plane SGs, the database's SG)."""
    seeded = seeder.prod_managed()
    db = seeder.security_group("payments-db", "db")
    seeder.instances(1, [db], {"eks:cluster-name": "prod-managed", "Name": "payments-db"})
    return {seeded.cluster_sg_id, *seeded.additional_sg_ids}, db


@pytest.mark.parametrize(
    ("overrides", "widened"),
    [
        ({}, ["DryRun=false", "TrustNodeTags=true"]),  # the template's defaults
        ({ENV_DRY_RUN: "false"}, ["TrustNodeTags=true"]),  # may write, but not on tag evidence
    ],
)
def test_a_payload_asking_to_trust_forged_tags_fails_and_changes_nothing(
    seeder: Seeder,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    overrides: dict[str, str],
    widened: list[str],
) -> None:
    forged_node(seeder)
    deploy(monkeypatch, DEFAULTS, **overrides)
    before = every_sg(seeder)

    with pytest.raises(InputWidensDeployment, match="asks for more than this deployment allows") as raised:
        lambda_handler(ATTACK, lambda_context)

    assert [w.split(" ")[0] for w in raised.value.widened] == widened
    assert every_sg(seeder) == before
    # One structured ERROR line, with the switches it widened as a field.
    [line] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert line.getMessage() == "remediation input widens the deployment"
    assert [w.split(" ")[0] for w in line.__dict__["widened"]] == widened


def test_with_the_deployment_allowing_it_the_payload_behaves_as_before(
    seeder: Seeder, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TrustNodeTags is the operator's explicit choice: deployed with it, the tagged instance's SG is
    trusted and the repair writes rules naming it, exactly as the payload alone decided before."""
    control_plane, db = forged_node(seeder)
    deploy(monkeypatch, WIDEST)
    before = every_sg(seeder)

    result = lambda_handler(ATTACK, lambda_context)

    assert result["DryRun"] is False and result["clusters"][0]["applied"] is True
    after = every_sg(seeder)
    changed = {sg for sg in after if after[sg] != before[sg]}
    # The database's SG gains rules from the control plane: what trusting a forgeable tag means.
    assert db in changed and changed <= {*control_plane, db}
    assert any(sg in json.dumps(after[db][0]) for sg in control_plane)


def test_a_payload_may_narrow_the_deployment(
    seeder: Seeder, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged_node(seeder)
    deploy(monkeypatch, WIDEST)
    before = every_sg(seeder)

    dry = lambda_handler({**ATTACK, "DryRun": True}, lambda_context)  # a dry run: plans, writes nothing
    assert dry["DryRun"] is True and dry["clusters"][0]["applied"] is False
    # Without TrustNodeTags the forged instance's SG stays manual: the run fails, having written nothing to it.
    with pytest.raises(RemediationFailed, match="manual change"):
        lambda_handler({"ResourceId": "prod-managed", "DryRun": False}, lambda_context)
    assert every_sg(seeder) == before


def test_the_deployments_scope_always_applies(
    seeder: Seeder, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seeder.kubelet_blocked()
    [node] = seeded.node_sg_ids
    before = every_sg(seeder)
    allowed = {"ResourceId": "kubelet-blocked", "DryRun": False, "TrustNodeTags": True}

    # The deployment's exemption holds though the input names none (the input's would be added).
    deploy(monkeypatch, WIDEST, **{ENV_EXEMPT_SECURITY_GROUP_IDS: node})
    with pytest.raises(RemediationFailed, match="manual change"):
        lambda_handler(allowed, lambda_context)
    # The deployment's pattern holds though the input names another; the input's must match too.
    deploy(monkeypatch, WIDEST, **{ENV_CLUSTER_NAME_PATTERN: "prod-.*"})
    with pytest.raises(RemediationFailed, match="does not match ClusterNamePattern"):
        lambda_handler({**allowed, "ClusterNamePattern": ".*"}, lambda_context)
    deploy(monkeypatch, WIDEST, **{ENV_CLUSTER_NAME_PATTERN: "kubelet-.*"})
    with pytest.raises(RemediationFailed, match="does not match the input's ClusterNamePattern"):
        lambda_handler({**allowed, "ClusterNamePattern": "prod-.*"}, lambda_context)
    with pytest.raises(RemediationFailed, match="resolves to no cluster in scope"):
        lambda_handler({**allowed, "ResourceId": node, "ClusterNamePattern": "prod-.*"}, lambda_context)
    assert every_sg(seeder) == before


@pytest.mark.parametrize(
    ("deployment", "payload", "widened"),
    [
        ({ENV_COMPLIANCE_LEVEL: "minimum"}, {"ComplianceLevel": "recommended"}, "ComplianceLevel=recommended"),
        ({ENV_ALLOW_TAG_REMOVAL: "false"}, {"AllowTagRemoval": "true"}, "AllowTagRemoval=true"),
        ({}, {"ExecutionRoleName": "any-role", "AccountId": ACCOUNT}, "ExecutionRoleName=any-role"),
        # Invoked unqualified, the function acts in its own account: the payload cannot name another.
        ({}, {"AccountId": "444455556666"}, "AccountId=444455556666"),
    ],
)
def test_each_widening_switch_is_refused_before_any_call(
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    deployment: dict[str, str],
    payload: dict[str, str],
    widened: str,
) -> None:
    deploy(monkeypatch, WIDEST, **deployment)
    # No `aws` fixture: an AWS call here would fail for want of credentials and endpoint, not like this.
    with pytest.raises(InputWidensDeployment) as raised:
        lambda_handler({"ResourceId": "c1", "DryRun": True, **payload}, lambda_context)
    assert [w.split(" ")[0] for w in raised.value.widened] == [widened]


def test_a_function_without_its_settings_never_writes(
    lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InputWidensDeployment, match="DryRun=false"):
        lambda_handler({"ResourceId": "c1", "DryRun": False}, lambda_context)
    deploy(monkeypatch, DEFAULTS, **{ENV_TRUST_NODE_TAGS: "yes"})
    with pytest.raises(DeploymentInvalid, match="TRUST_NODE_TAGS must be true or false"):
        lambda_handler({"ResourceId": "c1"}, lambda_context)
    assert issubclass(DeploymentInvalid, RemediationError)


@pytest.mark.parametrize(
    "component", ["acl-0a1b2c3d4e5f60718", "rtb-0a1b2c3d", "vpce-0a1b2c3d4e5f60718", "nat-0a1b2c3d"]
)
def test_a_network_path_component_is_never_remediated(
    seeder: Seeder, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch, component: str
) -> None:
    """With NetworkPath, the rule reports network ACLs, route tables, VPC endpoints and NAT gateways;
    a remediation started on one of them fails naming it and changes nothing (issue 17)."""
    seeder.kubelet_blocked()
    deploy(monkeypatch, WIDEST)
    before = every_sg(seeder)
    with pytest.raises(RemediationFailed, match=f"{component} is no cluster here but a network-path component"):
        lambda_handler({"ResourceId": component, "DryRun": False}, lambda_context)
    assert every_sg(seeder) == before
