"""The organisation rollout binds each member account to its own path to the remediation function.

On the templates as parsed and resolved (tests/deploy/resolve.py), never grepped: the central
account's deploy/organization-permissions.yaml creates, per member account, one alias
`acct-<account id>` and one permission on that alias admitting only that account's Automation role;
a member's document invokes that alias, and its Automation role may invoke nothing else. The
function (eks_sg_rule.invocation) acts in the account the alias names: the last test checks that
what the templates wire up is what the function reads.

A permission on an alias admits its principal only through that alias's ARN (Lambda developer
guide, "Using Lambda aliases in event sources and permissions policies"); `Ref` of an
AWS::Lambda::Alias is the alias's ARN (CloudFormation reference, AWS::Lambda::Alias, return values).
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

from eks_sg_rule.invocation import invocation_target, member_alias
from tests.conftest import ROOT
from tests.deploy.resolve import Stack, load

CENTRAL = "111122223333"
MEMBERS = ("444455556666", "777788889999", "000011112222")
ORG = "o-abcdefghij"
REGIONS = ("eu-west-1", "us-east-1")
FUNCTION = "eks-sg-rule-remediation"
ROLE = "eks-sg-rule-remediation"  # RemediationExecutionRoleName's default, in all four templates
ROLES = load(ROOT / "deploy" / "member-account-roles.yaml")
RULE = load(ROOT / "deploy" / "member-account-rule.yaml")
PERMISSIONS = load(ROOT / "deploy" / "organization-permissions.yaml")
ALIAS_NAME = re.compile(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)")  # Lambda CreateAlias `Name`, 1-128 characters


def permissions(region: str = REGIONS[0], remediation: str = "true") -> Stack:
    parameters = {"MemberAccountIds": ",".join(MEMBERS), "OrganizationId": ORG, "EnableRemediation": remediation}
    return Stack(PERMISSIONS, parameters, CENTRAL, region)


def of_type(stack: Stack, kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in stack.resources.items() if r["Type"] == kind}


def alias_arn(stack: Stack, logical: str) -> str:
    """What `Ref` of the alias resolves to in the central account: the alias's ARN."""
    alias = of_type(stack, "AWS::Lambda::Alias")[logical]
    return f"arn:aws:lambda:{stack.region}:{stack.account}:function:{alias['FunctionName']}:{alias['Name']}"


def member_document_target(member: str, region: str) -> str:
    rule = Stack(RULE, {"CentralAccountId": CENTRAL, "EnableRemediation": "true"}, member, region)
    [remediate] = [s for s in rule.resources["RemediationDocument"]["Properties"]["Content"]["mainSteps"]
                   if s["name"] == "Remediate"]  # fmt: skip
    return str(remediate["inputs"]["FunctionName"])


def member_invoke_grants(member: str) -> list[dict[str, Any]]:
    parameters = {
        "CentralAccountId": CENTRAL,
        "RuleFunctionRoleArns": f"arn:aws:iam::{CENTRAL}:role/rule",
        "EnableRemediation": "true",
        "RemediationFunctionRoleArns": f"arn:aws:iam::{CENTRAL}:role/fix",
    }
    roles = Stack(ROLES, parameters, member, REGIONS[0])
    return [
        statement
        for resource in roles.resources.values()
        for policy in resource["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
        if "lambda:" in json.dumps(statement.get("Action"))
    ]


def test_the_organisation_template_creates_one_alias_and_one_permission_per_account() -> None:
    stack = permissions()
    aliases = of_type(stack, "AWS::Lambda::Alias")
    granted = {
        name: p
        for name, p in of_type(stack, "AWS::Lambda::Permission").items()
        if p["Principal"] != "config.amazonaws.com"
    }
    assert len(aliases) == len(granted) == len(MEMBERS)
    by_account: dict[str, str] = {}
    for name, alias in aliases.items():
        assert alias["FunctionName"] == FUNCTION and alias["FunctionVersion"] == "$LATEST"
        assert alias["Name"].startswith("acct-") and ALIAS_NAME.fullmatch(alias["Name"]) and len(alias["Name"]) <= 128
        by_account[alias["Name"].removeprefix("acct-")] = name
    assert sorted(by_account) == sorted(MEMBERS)
    for permission in granted.values():
        # The principal is one account's Automation role by exact ARN, never a wildcard, and the
        # statement sits on that same account's alias (Ref of the alias: its ARN), not on the function.
        found = re.fullmatch(r"arn:aws:iam::([0-9]{12}):role/eks-sg-rule-automation", permission["Principal"])
        assert found, permission["Principal"]
        assert "*" not in json.dumps(permission)
        assert permission["FunctionName"] == f"<{by_account[found[1]]}>"
        assert permission["PrincipalOrgID"] == ORG and permission["Action"] == "lambda:InvokeFunction"
        assert set(permission) == {"FunctionName", "Action", "Principal", "PrincipalOrgID"}
    assert sorted(p["FunctionName"] for p in granted.values()) == sorted(f"<{name}>" for name in aliases)
    # Without remediation, no alias and no remediation permission: only Config's, one per account.
    off = permissions(remediation="false")
    assert of_type(off, "AWS::Lambda::Alias") == {}
    assert [p["Principal"] for p in of_type(off, "AWS::Lambda::Permission").values()] == ["config.amazonaws.com"] * len(
        MEMBERS
    )


def test_the_member_document_invokes_its_own_alias() -> None:
    for region in REGIONS:
        stack = permissions(region)
        for member in MEMBERS:
            invoked = member_document_target(member, region)
            assert invoked == f"arn:aws:lambda:{region}:{CENTRAL}:function:{FUNCTION}:{member_alias(member)}"
            [logical] = [n for n, a in of_type(stack, "AWS::Lambda::Alias").items() if a["Name"] == f"acct-{member}"]
            assert invoked == alias_arn(stack, logical)


def test_the_member_automation_policy_names_only_its_own_alias() -> None:
    for member in MEMBERS:
        [grant] = member_invoke_grants(member)
        assert grant["Effect"] == "Allow" and grant["Action"] == "lambda:InvokeFunction"
        assert "Condition" not in grant and isinstance(grant["Resource"], str)
        resource = grant["Resource"]
        # IAM matches the resource as a pattern: the region is a wildcard (one role serves every region).
        assert resource == f"arn:aws:lambda:*:{CENTRAL}:function:{FUNCTION}:acct-{member}"
        unqualified = f"arn:aws:lambda:{REGIONS[0]}:{CENTRAL}:function:{FUNCTION}"
        for region in REGIONS:
            assert fnmatchcase(f"arn:aws:lambda:{region}:{CENTRAL}:function:{FUNCTION}:acct-{member}", resource)
        assert not fnmatchcase(unqualified, resource)
        assert not fnmatchcase(f"{unqualified}:$LATEST", resource)
        for other in MEMBERS:
            if other != member:
                assert not fnmatchcase(f"{unqualified}:acct-{other}", resource)


def test_what_the_templates_wire_is_what_the_function_reads() -> None:
    """The ARN a member's document invokes makes the function act in that member, through the role
    name the member's roles stack creates; the central document's unqualified ARN, in its own account."""
    for member in MEMBERS:
        target = invocation_target(member_document_target(member, REGIONS[1]), ROLE)
        assert (target.account_id, target.execution_role_name) == (member, ROLE)
    assert ROLES["Parameters"]["RemediationExecutionRoleName"]["Default"] == ROLE
    own = invocation_target(f"arn:aws:lambda:{REGIONS[1]}:{CENTRAL}:function:{FUNCTION}", ROLE)
    assert (own.account_id, own.execution_role_name) == (CENTRAL, None)
