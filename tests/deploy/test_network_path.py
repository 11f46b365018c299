"""NetworkPath as deployed (issue 17): the stack, the member rule and the conformance pack take it
(true/false, default false), pass it to the rule only when true, and add the network components to
the rule's scope only then; the function reads what a component change needs with what it has."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from deploy.render_pack import RenderError, render

from eks_sg_rule.config_items import VPC_COMPONENT_TYPES
from eks_sg_rule.rule import APPLICABLE_RESOURCES
from tests.conftest import ROOT
from tests.deploy.resolve import Stack, load

CENTRAL = "111122223333"
MEMBER = "444455556666"
REGION = "eu-west-1"
TEMPLATE = load(ROOT / "template.yaml")
MEMBER_RULE = load(ROOT / "deploy" / "member-account-rule.yaml")
MEMBER_ROLES = load(ROOT / "deploy" / "member-account-roles.yaml")
PACK_SOURCE = ROOT / "conformance-packs" / "source" / "eks-security-groups.yaml"
PACK = load(PACK_SOURCE)
FUNCTION = f"arn:aws:lambda:{REGION}:{CENTRAL}:function:eks-sg-rule"
BASE_TYPES = ["AWS::EKS::Cluster", "AWS::EC2::SecurityGroup"]
PATH_TYPES = ["AWS::EC2::NetworkAcl", "AWS::EC2::RouteTable", "AWS::EC2::VPCEndpoint", "AWS::EC2::NatGateway"]


def central_rule(**parameters: str) -> dict[str, Any]:
    return dict(Stack(TEMPLATE, parameters, CENTRAL, REGION).resources["ConfigRule"]["Properties"])


def member_rule(**parameters: str) -> dict[str, Any]:
    given = {"CentralAccountId": CENTRAL, **parameters}
    return dict(Stack(MEMBER_RULE, given, MEMBER, REGION).resources["ConfigRule"]["Properties"])


def pack_rule(**parameters: str) -> dict[str, Any]:
    given = {"RuleFunctionArn": FUNCTION, "OldestVersionSupported": "1.31", **parameters}
    return dict(render(PACK_SOURCE, given)["Resources"]["EksSecurityGroupRequirements"]["Properties"])


RULES = {"stack": central_rule, "member rule": member_rule, "pack": pack_rule}


@pytest.mark.parametrize("template", [TEMPLATE, MEMBER_RULE, PACK], ids=["stack", "member rule", "pack"])
def test_the_parameter_is_true_or_false_and_off_by_default(template: dict[str, Any]) -> None:
    spec = template["Parameters"]["NetworkPath"]
    assert spec["Type"] == "String" and spec["Default"] == "false"
    assert sorted(spec["AllowedValues"]) == ["false", "true"]


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_off_by_default_the_rule_and_its_scope_are_todays(rule: Any) -> None:
    properties = rule()
    assert properties["Scope"]["ComplianceResourceTypes"] == BASE_TYPES
    assert "NetworkPath" not in properties["InputParameters"]
    off = rule(NetworkPath="false")
    assert off["Scope"] == properties["Scope"] and off["InputParameters"] == properties["InputParameters"]


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_on_it_reaches_the_rule_and_the_scope_gains_the_network_components(rule: Any) -> None:
    properties = rule(NetworkPath="true")
    assert properties["InputParameters"]["NetworkPath"] == "true"
    assert properties["Scope"]["ComplianceResourceTypes"] == BASE_TYPES + PATH_TYPES


def test_the_pack_refuses_any_other_value() -> None:
    with pytest.raises(RenderError, match="NetworkPath must be one of"):
        pack_rule(NetworkPath="yes")


def test_every_scope_type_is_a_config_resource_type_the_function_handles() -> None:
    """botocore's Config model lists each type (AWS Config records all four: README, Network
    paths); the function's Evaluator expects each, so none gets rdklib's bare NOT_APPLICABLE."""
    enum = set(botocore.session.get_session().get_service_model("config").shape_for("ResourceType").enum)
    assert list(VPC_COMPONENT_TYPES) == PATH_TYPES
    assert set(BASE_TYPES + PATH_TYPES) <= enum
    assert set(BASE_TYPES + PATH_TYPES) <= set(APPLICABLE_RESOURCES)


def test_the_vpc_lookup_is_a_read_the_rule_roles_already_have() -> None:
    """A component change finds the VPC's clusters with ec2:DescribeNetworkInterfaces (vpc-id and
    description filters): the rule function's role and the member execution role grant it."""
    function = Stack(TEMPLATE, {}, CENTRAL, REGION).resources["RuleFunction"]["Properties"]["Policies"][0]
    granted = {
        a for s in function["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "ec2:DescribeNetworkInterfaces" in granted
    given = {"CentralAccountId": CENTRAL, "RuleFunctionRoleArns": f"arn:aws:iam::{CENTRAL}:role/r"}
    role = Stack(MEMBER_ROLES, given, MEMBER, REGION).resources["ExecutionRole"]["Properties"]
    member_granted = {
        a
        for policy in role["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "ec2:DescribeNetworkInterfaces" in member_granted
