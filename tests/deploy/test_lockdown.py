"""The deployment a security review passes (issue 14), on the templates as parsed and resolved with
given parameter values (tests/deploy/resolve.py), never grepped: no writer unless asked, no wildcard
principal, Config admitted only with a source condition, member accounts in several regions without
colliding global names, the remediation's ceiling wired from the parameters, and rule parameters
sent only when they have a value (issue 15, point 4)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from deploy.render_pack import render

from eks_sg_rule import remediation_handler as handler
from tests.conftest import ROOT
from tests.deploy.resolve import Stack, load

CENTRAL = "111122223333"
MEMBER = "444455556666"
OTHER_MEMBER = "777788889999"
ORG = "o-abcdefghij"
REGIONS = ("eu-west-1", "us-east-1")
TEMPLATE = load(ROOT / "template.yaml")
ROLES = load(ROOT / "deploy" / "member-account-roles.yaml")
RULE = load(ROOT / "deploy" / "member-account-rule.yaml")
PERMISSIONS = load(ROOT / "deploy" / "organization-permissions.yaml")
PACK_SOURCE = ROOT / "conformance-packs" / "source" / "eks-security-groups.yaml"
ROLE_ARNS = ",".join(f"arn:aws:iam::{CENTRAL}:role/eks-sg-rule-RuleFunctionRole-{r}" for r in REGIONS)
REMEDIATION_ROLE_ARNS = ",".join(
    f"arn:aws:iam::{CENTRAL}:role/eks-sg-rule-RemediationFunctionRole-{r}" for r in REGIONS
)
# Named resources IAM holds once per account, whatever the region of the stack that creates them.
GLOBAL_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
}


def central(region: str = REGIONS[0], **parameters: Any) -> Stack:
    return Stack(TEMPLATE, parameters, CENTRAL, region)


def member_roles(**parameters: Any) -> dict[str, Any]:
    return {"CentralAccountId": CENTRAL, "RuleFunctionRoleArns": ROLE_ARNS} | parameters


def statements(node: Any) -> list[dict[str, Any]]:
    """Every IAM policy statement anywhere under node (identity and trust policies alike)."""
    if isinstance(node, dict):
        here = [node] if "Effect" in node and ("Action" in node or "NotAction" in node) else []
        return here + [s for value in node.values() for s in statements(value)]
    if isinstance(node, list):
        return [s for item in node for s in statements(item)]
    return []


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def ec2_writes(stack: Stack) -> list[tuple[str, str]]:
    """(resource, action) for every grant of an EC2 action that is not a read."""
    return [
        (name, action)
        for name, resource in stack.resources.items()
        for statement in statements(resource["Properties"])
        for action in actions(statement)
        if statement["Effect"] == "Allow"
        and action.lower().startswith("ec2:")
        and not action.split(":")[1].startswith(("Describe", "Get", "List"))
    ]


def types(stack: Stack) -> Counter[str]:
    return Counter(resource["Type"] for resource in stack.resources.values())


# --- 1. no writer unless asked -----------------------------------------------------------------


@pytest.mark.parametrize("organisation", [False, True])
def test_without_remediation_nothing_that_can_write_exists(organisation: bool) -> None:
    extra = {"OrganizationId": ORG, "ExecutionRoleName": "eks-sg-rule-execution"} if organisation else {}
    off = central(**extra)
    assert ec2_writes(off) == []
    assert set(off.resources) == {"RuleFunction", "RuleLogGroup", "ConfigInvokePermission", "ConfigRule"}
    assert "Outputs" in TEMPLATE
    outputs = {
        name
        for name, output in TEMPLATE["Outputs"].items()
        if "Condition" not in output or off.condition(output["Condition"])
    }
    assert not any("Remediation" in name for name in outputs)
    # The same stack with remediation holds the writer: the check above can fail.
    on = central(EnableRemediation="true", **extra)
    assert {action for _, action in ec2_writes(on)} == {
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
    }
    assert types(on)["AWS::SSM::Document"] == 1 and types(on)["AWS::IAM::Role"] == 1


def test_a_member_account_without_remediation_holds_no_writer() -> None:
    roles = Stack(ROLES, member_roles(), MEMBER, REGIONS[0])
    rule = Stack(RULE, {"CentralAccountId": CENTRAL}, MEMBER, REGIONS[0])
    permissions = Stack(PERMISSIONS, {"MemberAccountIds": MEMBER, "OrganizationId": ORG}, CENTRAL, REGIONS[0])
    for stack in (roles, rule, permissions):
        assert ec2_writes(stack) == []
    assert set(roles.resources) == {"ExecutionRole"} and set(rule.resources) == {"ConfigRule"}
    assert [r["Properties"]["Principal"] for r in permissions.resources.values()] == ["config.amazonaws.com"]
    with_remediation = Stack(
        ROLES, member_roles(EnableRemediation="true", RemediationFunctionRoleArns=REMEDIATION_ROLE_ARNS), MEMBER, "x"
    )
    assert ec2_writes(with_remediation) != []


def test_create_config_rule_false_deploys_the_functions_only() -> None:
    stack = central(CreateConfigRule="false", EnableRemediation="true")
    assert types(stack)["AWS::Config::ConfigRule"] == 0
    assert types(stack)["AWS::Config::RemediationConfiguration"] == 0
    # A pack's rule in this account still invokes the function, from this account only.
    assert stack.resources["ConfigInvokePermission"]["Properties"]["SourceAccount"] == CENTRAL
    assert "RemediationFunction" in stack.resources and "RemediationDocument" in stack.resources


# --- 2. who may invoke --------------------------------------------------------------------------


def principals(node: Any) -> list[Any]:
    if isinstance(node, dict):
        here = [node["Principal"]] if "Principal" in node else []
        return here + [p for value in node.values() for p in principals(value)]
    if isinstance(node, list):
        return [p for item in node for p in principals(item)]
    return []


def flatten(principal: Any) -> list[str]:
    if isinstance(principal, dict):
        return [p for value in principal.values() for p in flatten(value)]
    if isinstance(principal, list):
        return [p for item in principal for p in flatten(item)]
    return [str(principal)]


def every_instance() -> list[Stack]:
    both = {"EnableRemediation": "true"}
    return [
        central(),
        central(**both, OrganizationId=ORG, ExecutionRoleName="x", RemediationExecutionRoleName="y"),
        Stack(ROLES, member_roles(**both, RemediationFunctionRoleArns=REMEDIATION_ROLE_ARNS), MEMBER, REGIONS[0]),
        Stack(RULE, {"CentralAccountId": CENTRAL, **both}, MEMBER, REGIONS[0]),
        Stack(
            PERMISSIONS, {"MemberAccountIds": f"{MEMBER},{OTHER_MEMBER}", "OrganizationId": ORG, **both}, CENTRAL, "x"
        ),
    ]


def test_no_principal_is_a_wildcard() -> None:
    for template in (TEMPLATE, ROLES, RULE, PERMISSIONS, load(PACK_SOURCE)):
        for principal in principals(template):
            assert "*" not in json.dumps(principal), principal
    found = [
        p
        for stack in every_instance()
        for resource in stack.resources.values()
        for p in flatten(principals(resource["Properties"]))
    ]
    assert len(found) == 10 and all("*" not in p for p in found), found


def test_config_is_admitted_only_with_a_source_condition() -> None:
    checked = 0
    for stack in every_instance():
        for name, resource in stack.resources.items():
            properties = resource["Properties"]
            if resource["Type"] == "AWS::Lambda::Permission" and properties["Principal"] == "config.amazonaws.com":
                assert properties.get("SourceAccount") or properties.get("SourceArn"), name
                checked += 1
    assert checked == 1 + 1 + 2  # each central stack's own account, then one per listed member account


def test_only_the_member_accounts_automation_role_may_invoke_the_remediation() -> None:
    parameters = {"MemberAccountIds": f"{MEMBER},{OTHER_MEMBER}", "OrganizationId": ORG, "EnableRemediation": "true"}
    permissions = Stack(PERMISSIONS, parameters, CENTRAL, REGIONS[0])
    # Each on its account's alias (tests/deploy/test_deputy_templates.py), never on the function itself.
    remediation = [
        r["Properties"]
        for r in permissions.resources.values()
        if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["FunctionName"].startswith("<RemediationAlias")
    ]
    assert len(remediation) == 2
    roles = Stack(
        ROLES, member_roles(EnableRemediation="true", RemediationFunctionRoleArns=REMEDIATION_ROLE_ARNS), MEMBER, "x"
    )
    automation_role = roles.resources["RemediationAutomationRole"]["Properties"]["RoleName"]
    assert sorted(p["Principal"] for p in remediation) == [
        f"arn:aws:iam::{account}:role/{automation_role}" for account in (MEMBER, OTHER_MEMBER)
    ]
    assert all(p["PrincipalOrgID"] == ORG and p["Action"] == "lambda:InvokeFunction" for p in remediation)
    # The name the permission admits is the role the member's remediation configuration names.
    rule = Stack(RULE, {"CentralAccountId": CENTRAL, "EnableRemediation": "true"}, MEMBER, REGIONS[1])
    passed = rule.resources["RemediationConfiguration"]["Properties"]["Parameters"]
    assert passed["AutomationAssumeRole"]["StaticValue"]["Values"] == [f"arn:aws:iam::{MEMBER}:role/{automation_role}"]
    # The central stack grants nobody a resource-policy statement on its remediation function: in its
    # own account the automation role's IAM policy is what lets it invoke.
    stack = central(EnableRemediation="true", OrganizationId=ORG)
    assert [
        name
        for name, r in stack.resources.items()
        if r["Type"] == "AWS::Lambda::Permission" and "RemediationFunction" in json.dumps(r["Properties"])
    ] == []
    invokers = [
        name
        for name, r in stack.resources.items()
        for s in statements(r["Properties"])
        if "lambda:InvokeFunction" in actions(s)
    ]
    assert invokers == ["RemediationAutomationRole"]


# --- 3. the ceiling comes from the parameters -----------------------------------------------------


def test_the_remediation_function_reads_its_ceiling_from_the_stack_parameters() -> None:
    stack = central(
        EnableRemediation="true",
        RemediationDryRun="false",
        TrustNodeTags="true",
        AllowTagRemoval="false",
        ComplianceLevel="recommended",
        ExemptSecurityGroupIds="sg-0123456789abcdef0",
        ClusterNamePattern="prod-.*",
        OrganizationId=ORG,
        RemediationExecutionRoleName="eks-sg-rule-remediation",
        RequirementSet="2026",
    )
    environment = stack.resources["RemediationFunction"]["Properties"]["Environment"]["Variables"]
    assert {k: v for k, v in environment.items() if k != "POWERTOOLS_SERVICE_NAME"} == {
        handler.ENV_DRY_RUN: "false",
        handler.ENV_TRUST_NODE_TAGS: "true",
        handler.ENV_ALLOW_TAG_REMOVAL: "false",
        handler.ENV_COMPLIANCE_LEVEL: "recommended",
        handler.ENV_EXEMPT_SECURITY_GROUP_IDS: "sg-0123456789abcdef0",
        handler.ENV_CLUSTER_NAME_PATTERN: "prod-.*",
        handler.ENV_EXECUTION_ROLE_NAME: "eks-sg-rule-remediation",
        handler.ENV_REQUIREMENT_SET: "2026",
    }
    deployment = handler.Deployment.from_environment(environment)
    assert deployment.may_write and deployment.trust_node_tags and not deployment.allow_tag_removal
    # The remediation repairs and verifies the checks of the rule's requirement set (issue 19).
    assert handler.parse_request({"ResourceId": "c1"}, deployment).scope.requirement_set.value == "2026"
    with pytest.raises(handler.DeploymentInvalid, match="REQUIREMENT_SET must be 2020, 2026 or latest"):
        handler.Deployment.from_environment({handler.ENV_REQUIREMENT_SET: "2019"})
    # The template's defaults are the narrowest ceiling, the same as a function without the variables.
    defaults = central(EnableRemediation="true").resources["RemediationFunction"]["Properties"]["Environment"]
    assert handler.Deployment.from_environment(defaults["Variables"]) == handler.Deployment.from_environment({})
    # Config passes what the deployment allows, never a tag removal.
    passed = stack.resources["RemediationConfiguration"]["Properties"]["Parameters"]
    assert passed["DryRun"]["StaticValue"]["Values"] == ["false"]
    assert passed["TrustNodeTags"]["StaticValue"]["Values"] == ["true"]
    assert passed["AllowTagRemoval"]["StaticValue"]["Values"] == ["false"]


# --- 5. every region ------------------------------------------------------------------------------


def global_names(stacks: list[Stack]) -> Counter[tuple[str, str]]:
    """(type, name) of every named global resource the stacks create in one account."""
    return Counter(
        (resource["Type"], str(resource["Properties"][GLOBAL_NAMES[resource["Type"]]]))
        for stack in stacks
        for resource in stack.resources.values()
        if resource["Type"] in GLOBAL_NAMES and GLOBAL_NAMES[resource["Type"]] in resource["Properties"]
    )


def test_a_member_account_in_two_regions_creates_no_global_name_twice() -> None:
    both = {"EnableRemediation": "true"}
    roles = Stack(ROLES, member_roles(**both, RemediationFunctionRoleArns=REMEDIATION_ROLE_ARNS), MEMBER, REGIONS[0])
    rules = [Stack(RULE, {"CentralAccountId": CENTRAL, **both}, MEMBER, region) for region in REGIONS]
    names = global_names([roles, *rules])
    assert names and max(names.values()) == 1, names
    # The regional stack creates nothing global at all, named or not (IAM names itself otherwise).
    assert all(not r["Type"].startswith("AWS::IAM::") for stack in rules for r in stack.resources.values())
    # Regional names differ by region only: the rule and the document exist once per region.
    for stack in rules:
        assert stack.resources["ConfigRule"]["Properties"]["Source"]["SourceIdentifier"] == (
            f"arn:aws:lambda:{stack.region}:{CENTRAL}:function:eks-sg-rule"
        )
        invoked = stack.resources["RemediationDocument"]["Properties"]["Content"]["mainSteps"][0]["inputs"]
        assert invoked["FunctionName"] == (
            f"arn:aws:lambda:{stack.region}:{CENTRAL}:function:eks-sg-rule-remediation:acct-{MEMBER}"
        )
    # The roles stack is the one to deploy once: two regions of it would collide (the check can fail).
    twice = global_names([Stack(ROLES, member_roles(), MEMBER, region) for region in REGIONS])
    assert max(twice.values()) == 2


def test_one_set_of_roles_serves_every_region() -> None:
    roles = Stack(
        ROLES, member_roles(EnableRemediation="true", RemediationFunctionRoleArns=REMEDIATION_ROLE_ARNS), MEMBER, "x"
    )
    writes = [
        s
        for s in statements(roles.resources["RemediationExecutionRole"]["Properties"])
        if "ec2:CreateTags" in actions(s)
    ]
    assert [s["Resource"] for s in writes] == [f"arn:aws:ec2:*:{MEMBER}:security-group/*"]
    trust = roles.resources["ExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"]["ArnEquals"]["aws:PrincipalArn"] == ROLE_ARNS.split(",")
    invoke = statements(roles.resources["RemediationAutomationRole"]["Properties"]["Policies"])
    assert [s["Resource"] for s in invoke] == [
        f"arn:aws:lambda:*:{CENTRAL}:function:eks-sg-rule-remediation:acct-{MEMBER}"
    ]


# --- issue 15, point 4: rule parameters only with a value --------------------------------------------


def empty_values(parameters: Any) -> list[str]:
    text = json.dumps(parameters)  # what CloudFormation sends Config: the rendered JSON
    return [key for key, value in json.loads(text).items() if value in ("", None) or str(value).strip() == ""]


@pytest.mark.parametrize(
    ("given", "keys"),
    [
        ({}, {"ComplianceLevel", "ReportUnchanged"}),
        (
            {
                "ExemptSecurityGroupIds": "sg-0123456789abcdef0",
                "ClusterNamePattern": "prod-.*",
                "ExecutionRoleName": "eks-sg-rule-execution",
                "OrganizationId": ORG,
            },
            # No ExecutionRoleName: the central account's own rule uses the function's own role (the
            # member role exists only in member accounts).
            {"ComplianceLevel", "ReportUnchanged", "ExemptSecurityGroupIds", "ClusterNamePattern"},
        ),
    ],
)
def test_the_stacks_rule_gets_only_parameters_with_a_value(given: dict[str, str], keys: set[str]) -> None:
    parameters = central(**given).resources["ConfigRule"]["Properties"]["InputParameters"]
    assert empty_values(parameters) == [] and set(parameters) == keys


def test_the_member_rule_gets_only_parameters_with_a_value() -> None:
    bare = Stack(RULE, {"CentralAccountId": CENTRAL}, MEMBER, REGIONS[0]).resources["ConfigRule"]["Properties"]
    assert empty_values(bare["InputParameters"]) == []
    assert set(bare["InputParameters"]) == {"ComplianceLevel", "ReportUnchanged", "ExecutionRoleName"}
    given = {"CentralAccountId": CENTRAL, "ClusterNamePattern": "prod-.*"}
    full = Stack(RULE, given, MEMBER, REGIONS[0]).resources["ConfigRule"]["Properties"]["InputParameters"]
    assert full["ClusterNamePattern"] == "prod-.*" and empty_values(full) == []


def test_the_pack_gets_only_parameters_with_a_value() -> None:
    function = f"arn:aws:lambda:{REGIONS[0]}:{CENTRAL}:function:eks-sg-rule"
    pack = render(PACK_SOURCE, {"RuleFunctionArn": function, "OldestVersionSupported": "1.31"})
    for resource in pack["Resources"].values():
        if "InputParameters" in resource["Properties"]:
            assert empty_values(resource["Properties"]["InputParameters"]) == [], resource
    rule = pack["Resources"]["EksSecurityGroupRequirements"]["Properties"]["InputParameters"]
    assert rule == {"ComplianceLevel": "minimum"}
    # Without a remediation document the pack declares no remediation, and the default-SG rule is opt-in.
    assert {r["Type"] for r in pack["Resources"].values()} == {"AWS::Config::ConfigRule"}
    assert "VpcDefaultSecurityGroupClosed" not in pack["Resources"]
    opted = render(
        PACK_SOURCE,
        {"RuleFunctionArn": function, "OldestVersionSupported": "1.31", "IncludeVpcDefaultSecurityGroupClosed": "true"},
    )
    assert "VpcDefaultSecurityGroupClosed" in opted["Resources"]
