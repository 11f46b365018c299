"""Security-review probes on the remediation's deploy-time ceiling (remediation_handler.parse_request):
can an invocation payload widen anything through types, casing, whitespace, Unicode, missing keys or
scope tricks? Pure: parse_request runs before any AWS call. Every probe here found the defence holding.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from eks_sg_rule.model import Cluster, Topology
from eks_sg_rule.plan import RemediationError
from eks_sg_rule.remediation_handler import Deployment, InputWidensDeployment, parse_request
from eks_sg_rule.requirements import Level

NARROW = Deployment()  # the template's defaults: plans only, no tag trust, no removal, minimum
SG_A = "sg-0a0a0a0a0a0a0a0a0"
SCOPED = Deployment(
    may_write=True,
    trust_node_tags=True,
    exempt_sg_ids=frozenset({SG_A}),
    cluster_name_pattern=re.compile("prod-.*"),
)


def topology(name: str) -> Topology:
    return Topology(cluster=Cluster(name, status="ACTIVE"), node_groups=(), security_groups={})


@pytest.mark.parametrize("value", [False, "false", "FALSE", "False", "fAlSe"])
def test_every_spelling_of_dry_run_false_is_a_widening(value: Any) -> None:
    with pytest.raises(InputWidensDeployment, match="DryRun=false"):
        parse_request({"ResourceId": "c1", "DryRun": value}, NARROW)


@pytest.mark.parametrize("key", ["DryRun", "TrustNodeTags", "AllowTagRemoval"])
@pytest.mark.parametrize(
    "value", [0, 1, None, "", " true", "true ", "yes", "1", ["true"], {"v": True}, "\uff54\uff52\uff55\uff45"]
)
def test_a_switch_that_is_not_exactly_a_boolean_fails(key: str, value: Any) -> None:
    """A switch must be a JSON boolean or the words true/false (any case); anything else fails
    rather than being read as its truthiness (None, 0 and "" included: a key present is a request)."""
    with pytest.raises(RemediationError):
        parse_request({"ResourceId": "c1", key: value}, NARROW)


@pytest.mark.parametrize("key", ["TrustNodeTags", "AllowTagRemoval"])
@pytest.mark.parametrize("value", [True, "true", "TRUE", "True"])
def test_every_spelling_of_a_trust_switch_is_a_widening(key: str, value: Any) -> None:
    with pytest.raises(InputWidensDeployment, match=key):
        parse_request({"ResourceId": "c1", key: value}, NARROW)


@pytest.mark.parametrize("value", ["recommended", "RECOMMENDED", "Recommended"])
def test_recommended_in_any_case_is_a_widening(value: str) -> None:
    with pytest.raises(InputWidensDeployment, match="ComplianceLevel=recommended"):
        parse_request({"ResourceId": "c1", "ComplianceLevel": value}, NARROW)


@pytest.mark.parametrize("value", ["recommended ", ["recommended"], "recommended\u200b", "maximum", 1])
def test_a_malformed_level_fails(value: Any) -> None:
    with pytest.raises(RemediationError):
        parse_request({"ResourceId": "c1", "ComplianceLevel": value}, NARROW)


@pytest.mark.parametrize("value", [None, "", 0, False])
def test_an_empty_level_is_the_narrowest(value: Any) -> None:
    assert parse_request({"ResourceId": "c1", "ComplianceLevel": value}, NARROW).scope.level is Level.MINIMUM


def test_missing_keys_take_the_narrowest_values() -> None:
    request = parse_request({"ResourceId": "c1"}, SCOPED)
    assert request.dry_run is True
    assert not request.scope.trust_node_tags and not request.scope.allow_tag_removal
    # Keys in another case are not the switches: ignored, so the narrow defaults stand.
    ignored = parse_request({"ResourceId": "c1", "dryrun": False, "DRYRUN": False, "trustnodetags": True}, SCOPED)
    assert ignored.dry_run is True and not ignored.scope.trust_node_tags


@pytest.mark.parametrize("value", ["", [], None, ",", " , ", [""]])
def test_the_deployments_exemptions_cannot_be_emptied(value: Any) -> None:
    request = parse_request({"ResourceId": "c1", "ExemptSecurityGroupIds": value}, SCOPED)
    assert SG_A in request.scope.exempt_sg_ids


@pytest.mark.parametrize("value", ["sg-0a0a0a0a0a0a0a0a0,*", ["sg-*"], "sg-0A0A0A0A", {"a": 1}, 7, ["sg-1", None]])
def test_malformed_exemptions_fail(value: Any) -> None:
    with pytest.raises(RemediationError):
        parse_request({"ResourceId": "c1", "ExemptSecurityGroupIds": value}, SCOPED)


@pytest.mark.parametrize("pattern", [".*", "(?s).*", "dev-.*|prod-.*", "(?i)DEV-.*", "", None])
def test_a_pattern_cannot_widen_the_deployments(pattern: Any) -> None:
    request = parse_request({"ResourceId": "dev-x", "ClusterNamePattern": pattern}, SCOPED)
    assert request.refusal(topology("dev-x")) is not None
    assert request.refusal(topology("prod-x")) is None or pattern == "(?i)DEV-.*"


def test_an_input_pattern_narrows_the_deployments() -> None:
    request = parse_request({"ResourceId": "prod-a", "ClusterNamePattern": "prod-a"}, SCOPED)
    assert request.refusal(topology("prod-a")) is None
    assert request.refusal(topology("prod-b")) is not None


@pytest.mark.parametrize(
    "resource_id",
    [
        "c1\u200b",
        "\u0441luster",
        "c1 ",
        " c1",
        "c1\n",
        "a" * 101,
        "sg-0a0a0a0a0a0a0a0a0,sg-1",
        "*",
        "",
        None,
        ["c1"],
        1,
    ],
)
def test_a_resource_id_must_be_a_cluster_name_or_an_sg_id(resource_id: Any) -> None:
    with pytest.raises(RemediationError, match="ResourceId"):
        parse_request({"ResourceId": resource_id}, SCOPED)


@pytest.mark.parametrize("event", [None, [], "c1", 1, [{"ResourceId": "c1"}]])
def test_an_input_that_is_not_an_object_fails(event: Any) -> None:
    with pytest.raises(RemediationError):
        parse_request(event, SCOPED)


@pytest.mark.parametrize("role", ["eks-sg-rule-remediation", "éks", "x" * 64, "OrganizationAccountAccessRole"])
def test_without_a_deployment_role_no_role_is_accepted(role: str) -> None:
    # A non-ASCII name is refused as no IAM role name at all (names.ROLE_NAME), the others as widening.
    refusal = RemediationError if not role.isascii() else InputWidensDeployment
    with pytest.raises(refusal, match="ExecutionRoleName"):
        parse_request({"ResourceId": "c1", "AccountId": "444455556666", "ExecutionRoleName": role}, SCOPED)


def test_the_account_and_role_come_from_the_invocation_path_not_the_payload() -> None:
    deployment = Deployment(execution_role_name="eks-sg-rule-remediation")
    function = "arn:aws:lambda:us-east-1:111122223333:function:eks-sg-rule-remediation"
    # Through a member's alias: that member, through the deployment's role, whether or not the payload repeats them.
    for payload in ({}, {"AccountId": "444455556666"}, {"ExecutionRoleName": "eks-sg-rule-remediation"}):
        request = parse_request({"ResourceId": "c1", **payload}, deployment, f"{function}:acct-444455556666")
        assert (request.account_id, request.execution_role_name) == ("444455556666", "eks-sg-rule-remediation")
    # Unqualified: the function's own account with its own role; a payload role or another account widens.
    request = parse_request({"ResourceId": "c1", "AccountId": "111122223333"}, deployment, function)
    assert (request.account_id, request.execution_role_name) == ("111122223333", None)
    with pytest.raises(InputWidensDeployment) as raised:
        parse_request({"ResourceId": "c1", "ExecutionRoleName": "eks-sg-rule-remediation"}, deployment, function)
    assert [w.split("=")[0] for w in raised.value.widened] == ["ExecutionRoleName"]
    # Without an invoked ARN (not a Lambda invocation), no AccountId is accepted at all.
    with pytest.raises(InputWidensDeployment, match="AccountId=111122223333"):
        parse_request({"ResourceId": "c1", "AccountId": "111122223333"}, deployment)


def test_a_widening_input_names_every_switch_at_once() -> None:
    event = {
        "ResourceId": "c1",
        "DryRun": False,
        "TrustNodeTags": True,
        "AllowTagRemoval": True,
        "ComplianceLevel": "recommended",
        "AccountId": "444455556666",
        "ExecutionRoleName": "x",
    }
    with pytest.raises(InputWidensDeployment) as raised:
        parse_request(event, NARROW)
    assert [w.split("=")[0] for w in raised.value.widened] == [
        "DryRun",
        "TrustNodeTags",
        "AllowTagRemoval",
        "ComplianceLevel",
        "ExecutionRoleName",
        "AccountId",
    ]
