"""The remediation and network-path findings (issue 17): even when a plan holds path findings (the
Lambda keeps NetworkPath off, so it never judges them), they stay `manual` with their AWS CLI command,
and no AWS API but the SG writes is ever called: no network ACL, route, VPC endpoint, NAT gateway or
publicAccessCidrs write. The path results are injected by hand (tests/engine/path_builders.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from eks_sg_rule.plan import MANUAL, Planner
from eks_sg_rule.remediation import remediate
from eks_sg_rule.remediation_handler import RemediationFailed, lambda_handler
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import CheckResult, Status
from eks_sg_rule.settings import Scope
from tests.aws.accounts import Account
from tests.aws.test_remediation import kubelet_blocked
from tests.conftest import ApiCalls, LambdaContext, iam_client
from tests.deploy.deployment import deploy_widest
from tests.engine.path_builders import NACL_COMMAND, api_failures, endpoint_sg_gap, nacl_failure

# What the remediation may change: SG rules and the cluster tag; everything else it calls only reads.
SG_WRITES = {"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "CreateTags", "DeleteTags"}
READS = ("Describe", "List", "Get")


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


def with_path_findings(monkeypatch: pytest.MonkeyPatch, node_sg: str) -> None:
    """Every plan also gets failing path results, as the path engine would give them."""
    endpoint = endpoint_sg_gap(node_sg, "sg-0e0e0e0e0e0e0e0e0")
    extra = [
        nacl_failure(),
        api_failures(),
        CheckResult("NODE_EGRESS_AWS_APIS", Status.NON_COMPLIANT, endpoint.message, (endpoint,)),
    ]
    original: Callable[[Planner], list[CheckResult]] = Planner.results
    monkeypatch.setattr(Planner, "results", lambda self: [*original(self), *extra])


def writes(api_calls: ApiCalls) -> set[str]:
    return {name for name, _, _ in api_calls.calls if not name.startswith(READS)}


def test_path_findings_stay_manual_and_only_sg_rules_are_written(
    account: Account, monkeypatch: pytest.MonkeyPatch, api_calls: ApiCalls
) -> None:
    _, _, node = kubelet_blocked(account)
    with_path_findings(monkeypatch, node)
    api_calls.clear()  # the seeding's own calls

    outcome = remediate(
        account.discovery().snapshot,
        account.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, trust_node_tags=True),
        apply_changes=True,
    )

    manual = [c for c in outcome.changes if c.action == MANUAL]
    assert [c.component_id for c in manual] == ["acl-0a1", "rtb-0r1", "c1", "vpce-0e1"]
    assert manual[0].command == NACL_COMMAND and manual[0].detail.endswith(f"AWS CLI: {NACL_COMMAND}")
    assert all(c.status == MANUAL for c in manual)
    assert [c.action for c in outcome.changes if c.automatic] == ["authorize_ingress"]
    assert writes(api_calls) == {"AuthorizeSecurityGroupIngress"}


def test_the_remediation_lambda_never_writes_a_path_finding(
    account: Account, monkeypatch: pytest.MonkeyPatch, api_calls: ApiCalls, lambda_context: LambdaContext
) -> None:
    deploy_widest(monkeypatch)
    _, _, node = kubelet_blocked(account)
    with_path_findings(monkeypatch, node)
    api_calls.clear()  # the seeding's own calls

    with pytest.raises(RemediationFailed, match=r"c1: 4 manual change\(s\) left: NACL acl-0a1"):
        lambda_handler({"ResourceId": "c1", "DryRun": False, "TrustNodeTags": True}, lambda_context)

    assert writes(api_calls) <= SG_WRITES
    assert writes(api_calls) == {"AuthorizeSecurityGroupIngress"}
