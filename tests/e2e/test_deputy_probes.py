"""Security-review probes: is the central remediation function a confused deputy in the organisation rollout?

The organisation rollout (deploy/organization-permissions.yaml) admits each listed member account's
Automation role, by name, to invoke the central remediation function. The member account's document
passes `AccountId: {{ global:ACCOUNT_ID }}` and its `ExecutionRoleName`, and the function assumes
`arn:aws:iam::<AccountId>:role/<ExecutionRoleName>` (remediation_handler._session). Nothing binds
`AccountId` to the caller: Lambda gives a synchronous invocation no caller identity, and the payload
is whatever the caller wrote. Whoever in member account A can run an Automation with A's automation
role (iam:PassRole on it, or an administrator of A, who can also create a role of that name when A
never deployed it: the permission admits the name in every listed account) can write their own
document or call the function with their own payload, as the attacker in the brief may.

Each probe goes through the real handler against moto, with two accounts (moto maps credentials from
sts:AssumeRole to the role's account, as STS does). A probe that shows a defect is `xfail(strict)`
and raises `Broken` only at the defect, after plain asserts that the set-up is what it says, so a
broken set-up fails the test instead of passing as "expected failure".
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from demo.seed import _Seeder

from eks_sg_rule.remediation_handler import ENV_DRY_RUN, ENV_EXECUTION_ROLE_NAME, lambda_handler
from tests.conftest import ACCOUNT, REGION, LambdaContext
from tests.deploy.deployment import DEFAULTS, deploy

CENTRAL = ACCOUNT  # the account the function runs in (moto's default credentials)
MEMBER_A = "444455556666"  # the caller: its Automation role is admitted to the function
MEMBER_B = "777788889999"  # the victim: another member account of the organisation
ROLE = "eks-sg-rule-remediation"  # RemediationExecutionRoleName, the same in every member account
TAG = "kubernetes.io/cluster/c1"


class Broken(AssertionError):
    """Raised only where a probe shows the defect it names (xfail(raises=Broken))."""


def session_in(account: str) -> boto3.session.Session:
    """Credentials in `account`, as the function gets them: sts:AssumeRole of the member role."""
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def seeder_in(account: str) -> _Seeder:
    if account == CENTRAL:
        ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
        return _Seeder(ec2, eks, account, REGION)
    session = session_in(account)
    return _Seeder(session.client("ec2"), session.client("eks"), account, REGION)


def kubelet_gap_cluster(seeder: _Seeder) -> tuple[str, str]:
    """c1: managed nodes (AWS-set membership) on their own SG `node`, which admits only itself: the
    minimum level needs rules between `node` and the cluster SG, which the remediation makes
    automatically. Returns (cluster SG, node SG)."""
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    node = seeder.security_group("node", "node", tags={TAG: "owned"})
    seeder.add_ingress(node, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": node}]})
    seeder.managed_nodegroup("c1", "ng", seeder.launch_template("c1-ng", [node]))
    seeder.managed_instances("c1", "ng", 2, [node])
    return cluster_sg, node


def every_sg(seeder: _Seeder) -> dict[str, Any]:
    return {
        g["GroupId"]: json.dumps([g["IpPermissions"], g["IpPermissionsEgress"], g.get("Tags", [])], sort_keys=True)
        for g in seeder.ec2.describe_security_groups()["SecurityGroups"]
    }


def invoke(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    """The function's result, or None when the invocation failed (raised)."""
    try:
        return lambda_handler(event, context)
    except Exception:  # any refusal is what a fixed function may do here
        return None


def central_context() -> LambdaContext:
    context = LambdaContext()
    context.invoked_function_arn = f"arn:aws:lambda:{REGION}:{CENTRAL}:function:eks-sg-rule-remediation"
    return context


@pytest.fixture
def organisation(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The central stack of the organisation rollout, as the README deploys it with remediation that
    may apply: RemediationExecutionRoleName set, RemediationDryRun=false (the ceiling; each member's
    own RemediationDryRun is only what its Config asks for)."""
    deploy(monkeypatch, DEFAULTS, **{ENV_EXECUTION_ROLE_NAME: ROLE, ENV_DRY_RUN: "false"})


@pytest.mark.xfail(
    strict=True,
    raises=Broken,
    reason="confused deputy: AccountId comes from the payload; member A makes the central function "
    "write in member B through B's remediation role",
)
def test_member_a_cannot_make_the_function_write_in_member_b(organisation: None) -> None:
    victim = seeder_in(MEMBER_B)
    _cluster_sg, node = kubelet_gap_cluster(victim)
    before = every_sg(victim)
    # What A's own document sends, but naming B. B's member stack may well say RemediationDryRun=true
    # and AutomaticRemediation=false: B never asked for this write.
    event = {"ResourceId": "c1", "DryRun": False, "AccountId": MEMBER_B, "ExecutionRoleName": ROLE}

    result = invoke(event, central_context())

    after = every_sg(victim)
    changed = sorted(sg for sg in after if after[sg] != before.get(sg))
    if result is not None and changed:
        raise Broken(f"invoked from A, the function wrote in {MEMBER_B}: SGs {changed} changed; {result['clusters']}")
    assert changed == []
    assert node in after


@pytest.mark.xfail(
    strict=True,
    raises=Broken,
    reason="confused deputy (read): a plan-only deployment still returns member B's topology and plan to member A",
)
def test_member_a_cannot_read_member_bs_plan(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy(monkeypatch, DEFAULTS, **{ENV_EXECUTION_ROLE_NAME: ROLE})  # the default ceiling: plans only
    victim = seeder_in(MEMBER_B)
    _cluster_sg, node = kubelet_gap_cluster(victim)
    event = {"ResourceId": "c1", "AccountId": MEMBER_B, "ExecutionRoleName": ROLE}  # DryRun defaults to true

    result = invoke(event, central_context())

    if result is not None and node in json.dumps(result):
        raise Broken(f"A received B's plan: {json.dumps(result['clusters'][0]['changes'][:2])}")
    assert result is None


@pytest.mark.xfail(
    strict=True,
    raises=Broken,
    reason="an organisation deployment acts in the central account with its own role when a member's "
    "payload leaves ExecutionRoleName out (AccountId says a member account)",
)
def test_a_member_payload_without_execution_role_cannot_act_in_the_central_account(organisation: None) -> None:
    central = seeder_in(CENTRAL)
    kubelet_gap_cluster(central)
    before = every_sg(central)
    # A member's payload, naming the member account but no role: _widened only checks a role given.
    event = {"ResourceId": "c1", "DryRun": False, "AccountId": MEMBER_A}

    result = invoke(event, central_context())

    after = every_sg(central)
    changed = sorted(sg for sg in after if after[sg] != before.get(sg))
    if result is not None and changed:
        raise Broken(f"payload AccountId={MEMBER_A}, yet the central account's SGs {changed} changed")
    assert changed == []


def test_a_member_payload_cannot_name_another_role(organisation: None) -> None:
    """Holds: the execution role is the deployment's; a payload naming any other role (for example
    the member's broader admin role, or the read-only execution role) fails before any AWS call."""
    victim = seeder_in(MEMBER_B)
    kubelet_gap_cluster(victim)
    before = every_sg(victim)
    for role in ("OrganizationAccountAccessRole", "eks-sg-rule-execution", ROLE.upper(), ROLE + " "):
        event = {"ResourceId": "c1", "DryRun": False, "AccountId": MEMBER_B, "ExecutionRoleName": role}
        assert invoke(event, central_context()) is None, role
    assert every_sg(victim) == before


def test_a_malformed_account_id_is_refused(organisation: None) -> None:
    """Holds: AccountId is twelve ASCII digits (no ARN, no wildcard, no Unicode digits)."""
    for account in (f"{MEMBER_B}:role/x", "*", "٤٤٤٤٥٥٥٥٦٦٦٦", MEMBER_B + "\n", 444455556666):
        event = {"ResourceId": "c1", "AccountId": account, "ExecutionRoleName": ROLE}
        assert invoke(event, central_context()) is None, account
