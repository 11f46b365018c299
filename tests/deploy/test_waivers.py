"""WaiversParameterName in the templates (issue 18 item 3): the rule function may read exactly the one
SSM parameter the stack names, with ssm:GetParameter (the one SSM call the code makes), and nothing
without one; every template passes the name to its rule only when it has a value; the member
account grants nothing (the function reads the parameter in its own account, with its own role)."""

from __future__ import annotations

from typing import Any

import pytest
from deploy.render_pack import render

from eks_sg_rule.parameters import SSM_PARAMETER_NAME_MAX
from tests.conftest import ROOT
from tests.deploy.resolve import Stack
from tests.deploy.test_lockdown import CENTRAL, MEMBER, PACK_SOURCE, REGIONS, ROLES, RULE, TEMPLATE, member_roles
from tests.deploy.test_lockdown import statements as all_statements
from tests.deploy.test_templates import actions, operations_called

READS = ROOT / "src" / "eks_sg_rule" / "aws" / "reads.py"


def ssm_grants(stack: Stack) -> list[tuple[list[str], Any]]:
    policies = stack.resources["RuleFunction"]["Properties"]["Policies"]
    return [
        (actions(s), s["Resource"]) for s in all_statements(policies) if any(a.startswith("ssm:") for a in actions(s))
    ]


@pytest.mark.parametrize(
    ("name", "arn"),
    [
        ("/eks-sg-rule/waivers", f"arn:aws:ssm:{REGIONS[0]}:{CENTRAL}:parameter/eks-sg-rule/waivers"),
        ("eks-sg-rule-waivers", f"arn:aws:ssm:{REGIONS[0]}:{CENTRAL}:parameter/eks-sg-rule-waivers"),
    ],
)
def test_the_rule_function_reads_exactly_the_named_parameter(name: str, arn: str) -> None:
    stack = Stack(TEMPLATE, {"WaiversParameterName": name}, CENTRAL, REGIONS[0])
    assert ssm_grants(stack) == [(["ssm:GetParameter"], arn)]
    assert {"ssm:GetParameter"} == {f"ssm:{op}" for op in operations_called(READS, "ssm")}
    assert stack.resources["ConfigRule"]["Properties"]["InputParameters"]["WaiversParameterName"] == name


def test_without_a_name_there_is_no_permission_and_no_rule_parameter() -> None:
    stack = Stack(TEMPLATE, {}, CENTRAL, REGIONS[0])
    assert ssm_grants(stack) == []
    assert "WaiversParameterName" not in stack.resources["ConfigRule"]["Properties"]["InputParameters"]
    assert not [a for s in all_statements(stack.resources) for a in actions(s) if a.startswith("ssm:Get")]


def test_the_stack_parameter_accepts_what_the_rule_accepts() -> None:
    for template in (TEMPLATE, RULE):
        spec = template["Parameters"]["WaiversParameterName"]
        assert (spec["Default"], spec["MaxLength"]) == ("", SSM_PARAMETER_NAME_MAX)


def test_the_member_rule_and_the_pack_pass_the_name_only_when_set() -> None:
    bare = Stack(RULE, {"CentralAccountId": CENTRAL}, MEMBER, REGIONS[0]).resources["ConfigRule"]["Properties"]
    assert "WaiversParameterName" not in bare["InputParameters"]
    given = {"CentralAccountId": CENTRAL, "WaiversParameterName": "/eks-sg-rule/waivers"}
    rule = Stack(RULE, given, MEMBER, REGIONS[0]).resources["ConfigRule"]["Properties"]["InputParameters"]
    assert rule["WaiversParameterName"] == "/eks-sg-rule/waivers"
    # The member roles grant no SSM read: the function reads the parameter with its own role.
    member = Stack(ROLES, member_roles(), MEMBER, REGIONS[0]).resources
    assert not [a for s in all_statements(member) for a in actions(s) if a.startswith("ssm:Get")]
    function = f"arn:aws:lambda:{REGIONS[0]}:{CENTRAL}:function:eks-sg-rule"
    pack = render(
        PACK_SOURCE,
        {"RuleFunctionArn": function, "OldestVersionSupported": "1.31", "WaiversParameterName": "/eks-sg-rule/w"},
    )
    assert pack["Resources"]["EksSecurityGroupRequirements"]["Properties"]["InputParameters"] == {
        "ComplianceLevel": "minimum",
        "WaiversParameterName": "/eks-sg-rule/w",
    }
