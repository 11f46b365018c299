"""Security-review probes: is the central remediation function a confused deputy in the organisation rollout?

The organisation rollout admits each listed member account's Automation role to invoke the central
remediation function. Lambda gives a synchronous invocation no caller identity, and the payload is
whatever the caller wrote: whoever in member account A can run an Automation with A's automation
role (iam:PassRole on it, or an administrator of A) can call the function with their own payload.
Before the fix the function acted in the payload's `AccountId`: the three probes below each showed
it (A wrote in B; A read B's plan; a payload without ExecutionRoleName acted in the central account).

The fix binds the account to the invocation path (eks_sg_rule.invocation): each member account has
its own alias `acct-<account id>` whose only permission admits that account's Automation role
(deploy/organization-permissions.yaml; tests/deploy/test_deputy_templates.py checks the templates),
so a member invokes `<function>:acct-<its id>` and the context's `invoked_function_arn` says so.
The function acts in the account the alias names; a payload naming another account or role fails.

Each probe goes through the real handler against moto, with two accounts (moto maps credentials from
sts:AssumeRole to the role's account, as STS does). A probe raises `Broken` only at the defect it
names, after plain asserts that the set-up is what it says.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from demo.seed import Seeder

from eks_sg_rule.handler import lambda_handler as rule_handler
from eks_sg_rule.invocation import InvocationRefused
from eks_sg_rule.remediation_handler import (
    ENV_DRY_RUN,
    ENV_EXECUTION_ROLE_NAME,
    InputWidensDeployment,
    RemediationFailed,
    lambda_handler,
)
from eks_sg_rule.rule import ForeignAccountEvent
from tests.conftest import (
    ACCOUNT,
    REGION,
    ApiCalls,
    LambdaContext,
    PutEvaluationsRecorder,
    kubelet_gap_cluster,
    load_event,
)
from tests.deploy.deployment import DEFAULTS, deploy

CENTRAL = ACCOUNT  # the account the function runs in (moto's default credentials)
MEMBER_A = "444455556666"  # the caller: its Automation role is admitted to the function
MEMBER_B = "777788889999"  # the victim: another member account of the organisation
ROLE = "eks-sg-rule-remediation"  # RemediationExecutionRoleName, the same in every member account
TAG = "kubernetes.io/cluster/c1"
FUNCTION = "eks-sg-rule-remediation"


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


def seeder_in(account: str) -> Seeder:
    if account == CENTRAL:
        ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
        return Seeder(ec2, eks, account, REGION)
    session = session_in(account)
    return Seeder(session.client("ec2"), session.client("eks"), account, REGION)


def every_sg(seeder: Seeder) -> dict[str, Any]:
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
    """Invoked by its unqualified ARN: the central account's own Automation (its IAM policy names it)."""
    return LambdaContext.invoked(FUNCTION, CENTRAL)


def member_context(member: str) -> LambdaContext:
    """Invoked by `member`'s Automation role, through the one alias whose permission admits it."""
    return LambdaContext.invoked(FUNCTION, CENTRAL, f"acct-{member}")


@pytest.fixture
def organisation(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The central stack of the organisation rollout, as the README deploys it with remediation that
    may apply: RemediationExecutionRoleName set, RemediationDryRun=false (the ceiling; each member's
    own RemediationDryRun is only what its Config asks for)."""
    deploy(monkeypatch, DEFAULTS, **{ENV_EXECUTION_ROLE_NAME: ROLE, ENV_DRY_RUN: "false"})


def changed_sgs(seeder: Seeder, before: dict[str, Any]) -> list[str]:
    after = every_sg(seeder)
    return sorted(sg for sg in after if after[sg] != before.get(sg))


def test_member_a_cannot_make_the_function_write_in_member_b(
    organisation: None, caplog: pytest.LogCaptureFixture
) -> None:
    victim = seeder_in(MEMBER_B)
    _cluster_sg, node = kubelet_gap_cluster(victim)
    before = every_sg(victim)
    # What A's own document sends, but naming B. B's member stack may well say RemediationDryRun=true
    # and AutomaticRemediation=false: B never asked for this write. A can invoke only its own alias
    # (acct-A); the central account's own Automation invokes the function unqualified.
    event = {"ResourceId": "c1", "DryRun": False, "AccountId": MEMBER_B, "ExecutionRoleName": ROLE}

    for context in (member_context(MEMBER_A), central_context()):
        result = invoke(event, context)

        changed = changed_sgs(victim, before)
        if result is not None and changed:
            raise Broken(
                f"invoked from A, the function wrote in {MEMBER_B}: SGs {changed} changed; {result['clusters']}"
            )
        assert result is None and changed == [], context.invoked_function_arn
    assert node in every_sg(victim)
    # Refused before any AWS call, naming the account the path gives: one structured line each time.
    lines = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in lines] == ["remediation input widens the deployment"] * 2
    assert [w.split(" ")[0] for w in lines[0].__dict__["widened"]] == [f"AccountId={MEMBER_B}"]
    assert f"acts in account {MEMBER_A}" in lines[0].__dict__["widened"][0]


def test_member_a_cannot_read_member_bs_plan(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy(monkeypatch, DEFAULTS, **{ENV_EXECUTION_ROLE_NAME: ROLE})  # the default ceiling: plans only
    victim = seeder_in(MEMBER_B)
    _cluster_sg, node = kubelet_gap_cluster(victim)
    event = {"ResourceId": "c1", "AccountId": MEMBER_B, "ExecutionRoleName": ROLE}  # DryRun defaults to true

    result = invoke(event, member_context(MEMBER_A))

    if result is not None and node in json.dumps(result):
        raise Broken(f"A received B's plan: {json.dumps(result['clusters'][0]['changes'][:2])}")
    assert result is None
    # Without AccountId, A's invocation plans in A (which has no c1), never in B.
    with pytest.raises(RemediationFailed, match="cluster c1 not found") as raised:
        lambda_handler({"ResourceId": "c1"}, member_context(MEMBER_A))
    assert node not in str(raised.value)


def test_a_member_payload_without_execution_role_cannot_act_in_the_central_account(organisation: None) -> None:
    central = seeder_in(CENTRAL)
    kubelet_gap_cluster(central)
    before = every_sg(central)
    member = seeder_in(MEMBER_A)
    kubelet_gap_cluster(member)
    member_before = every_sg(member)
    # A member's payload, naming the member account but no role.
    event = {"ResourceId": "c1", "DryRun": False, "AccountId": MEMBER_A}

    # Through A's alias the function acts in A, through the deployment's role, whatever the payload omits.
    result = invoke(event, member_context(MEMBER_A))

    changed = changed_sgs(central, before)
    if result is not None and changed:
        raise Broken(f"payload AccountId={MEMBER_A}, yet the central account's SGs {changed} changed")
    assert changed == []
    assert result is not None and result["clusters"][0]["applied"] is True
    assert changed_sgs(member, member_before) != []
    # Unqualified (the central account's own path), a payload naming a member account is refused.
    with pytest.raises(InputWidensDeployment, match=f"AccountId={MEMBER_A}"):
        lambda_handler(event, central_context())
    assert changed_sgs(central, before) == []


def test_an_unqualified_invocation_acts_in_the_functions_own_account(organisation: None, api_calls: ApiCalls) -> None:
    """The central account's own remediation: its document invokes the unqualified ARN and passes
    AccountId = its own account and no ExecutionRoleName; the function acts there with its own role
    (no sts:AssumeRole), though the deployment has a RemediationExecutionRoleName."""
    central = seeder_in(CENTRAL)
    kubelet_gap_cluster(central)
    before = every_sg(central)
    api_calls.clear()
    result = lambda_handler({"ResourceId": "c1", "DryRun": False, "AccountId": CENTRAL}, central_context())
    assert api_calls.count("AssumeRole") == 0 and api_calls.count("AuthorizeSecurityGroupIngress") > 0
    assert result["clusters"][0]["applied"] is True
    assert changed_sgs(central, before) != []
    # $LATEST is the unqualified ARN's version: the same.
    latest = lambda_handler({"ResourceId": "c1"}, LambdaContext.invoked(FUNCTION, CENTRAL, "$LATEST"))
    assert latest["DryRun"] is True


@pytest.mark.parametrize(
    "qualifier",
    ["live", "1", f"acct-{CENTRAL}", "acct-44445555666", f"acct-{MEMBER_A}x", f"ACCT-{MEMBER_A}", "acct-٤٤٤٤٥٥٥٥٦٦٦٦"],
)
def test_a_foreign_qualifier_is_refused_before_any_call(
    organisation: None, qualifier: str, api_calls: ApiCalls, caplog: pytest.LogCaptureFixture
) -> None:
    """Only `acct-<12 digits>` of another account binds an invocation to an account; a version, another
    alias, the function's own account's id: refused, before any AWS call, with one structured line."""
    with pytest.raises(
        InvocationRefused, match=r"binds it to no account|its own account's id|not a Lambda function ARN"
    ):
        lambda_handler({"ResourceId": "c1", "AccountId": MEMBER_A}, LambdaContext.invoked(FUNCTION, CENTRAL, qualifier))
    assert api_calls.calls == []
    [line] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert line.getMessage() == "remediation invocation refused"


def test_a_member_alias_needs_the_deployments_role(
    aws: None, monkeypatch: pytest.MonkeyPatch, api_calls: ApiCalls
) -> None:
    """A deployment without RemediationExecutionRoleName acts in no other account, whatever alias exists."""
    deploy(monkeypatch, DEFAULTS)
    with pytest.raises(InvocationRefused, match="no RemediationExecutionRoleName"):
        lambda_handler({"ResourceId": "c1"}, member_context(MEMBER_A))
    # A context without an ARN (not Lambda's) is refused too, never taken for the function's own account.
    with pytest.raises(InvocationRefused, match="not a Lambda function ARN"):
        lambda_handler({"ResourceId": "c1"}, LambdaContext(invoked_function_arn=""))
    assert api_calls.calls == []


def test_a_member_payload_cannot_name_another_role(organisation: None) -> None:
    """Holds: the execution role is the deployment's; a payload naming any other role (for example
    the member's broader admin role, or the read-only execution role) fails before any AWS call."""
    victim = seeder_in(MEMBER_B)
    kubelet_gap_cluster(victim)
    before = every_sg(victim)
    for role in ("OrganizationAccountAccessRole", "eks-sg-rule-execution", ROLE.upper(), ROLE + " "):
        event = {"ResourceId": "c1", "DryRun": False, "AccountId": MEMBER_B, "ExecutionRoleName": role}
        assert invoke(event, member_context(MEMBER_B)) is None, role
    assert every_sg(victim) == before


def test_a_malformed_account_id_is_refused(organisation: None) -> None:
    """Holds: AccountId is twelve ASCII digits (no ARN, no wildcard, no Unicode digits)."""
    for account in (f"{MEMBER_B}:role/x", "*", "٤٤٤٤٥٥٥٥٦٦٦٦", MEMBER_B + "\n", 444455556666):
        event = {"ResourceId": "c1", "AccountId": account, "ExecutionRoleName": ROLE}
        assert invoke(event, member_context(MEMBER_B)) is None, account


# --- the rule function: an event from another account's rule -----------------------------------------


@pytest.mark.parametrize("parameters", [{}, {"ExecutionRoleName": "eks-sg-rule-execution", "AssumeRoleMode": "false"}])
def test_the_rule_refuses_another_accounts_event_it_would_judge_with_its_own_role(
    put_evaluations: PutEvaluationsRecorder,
    api_calls: ApiCalls,
    caplog: pytest.LogCaptureFixture,
    parameters: dict[str, str],
) -> None:
    """A Config rule in a listed member account that leaves ExecutionRoleName out would have the
    function judge its own (central) account and write those results into the member's rule: the
    invocation fails before any AWS call, with one structured line, and nothing is written."""
    kubelet_gap_cluster(seeder_in(CENTRAL))
    event = {**load_event("scheduled.json"), "accountId": MEMBER_A, "ruleParameters": json.dumps(parameters)}
    context = LambdaContext.invoked("eks-sg-rule", CENTRAL)
    api_calls.clear()

    with pytest.raises(ForeignAccountEvent, match=f"from account {MEMBER_A}, not this function's"):
        rule_handler(event, context)

    assert api_calls.calls == [] and put_evaluations.calls == []
    [line] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert line.getMessage() == "event from another account without ExecutionRoleName"
    assert (line.__dict__["event_account"], line.__dict__["function_account"]) == (MEMBER_A, CENTRAL)
    # The same event from the function's own account is evaluated and reported as before.
    assert rule_handler({**event, "accountId": CENTRAL}, context)["evaluations_written"] > 0
    assert put_evaluations.calls != []
