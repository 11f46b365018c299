"""Remediation and rollout as deployed: the SSM document fails when the function did not fix, the
remediation stays in the rule's scope, the pack is rendered literal, and a member account receives
every name it uses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from deploy.render_pack import RenderError, render

from tests.conftest import ROOT
from tests.deploy.test_templates import actions, assert_tag_writes_are_scoped, load, statements

MEMBER = ROOT / "deploy" / "member-account-rule.yaml"
MEMBER_ROLES = ROOT / "deploy" / "member-account-roles.yaml"
PACK_SOURCE = ROOT / "conformance-packs" / "source" / "eks-security-groups.yaml"
ROLE_ARN = "arn:aws:iam::111122223333:role/eks-sg-rule-RemediationAutomationRole-ABC"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:eks-sg-rule-RuleFunction-ABC"
# The remediation function's input (the contract with src/eks_sg_rule/remediation_handler.py).
FUNCTION_INPUT = {
    "ResourceId": "{{ ResourceId }}",
    "ComplianceLevel": "{{ ComplianceLevel }}",
    "DryRun": "{{ DryRun }}",
    "AllowTagRemoval": "{{ AllowTagRemoval }}",
    "TrustNodeTags": "{{ TrustNodeTags }}",
    "ExemptSecurityGroupIds": "{{ ExemptSecurityGroupIds }}",
    "ClusterNamePattern": "{{ ClusterNamePattern }}",
    "AccountId": "{{ global:ACCOUNT_ID }}",
    "ExecutionRoleName": "{{ ExecutionRoleName }}",
}
READS = {
    "eks:ListClusters",
    "eks:DescribeCluster",
    "eks:ListNodegroups",
    "eks:DescribeNodegroup",
    "eks:ListFargateProfiles",
    "eks:ListInsights",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetManagedPrefixListEntries",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def member() -> dict[str, Any]:
    return load(MEMBER)


@pytest.fixture(scope="module")
def member_roles() -> dict[str, Any]:
    return load(MEMBER_ROLES)


def role_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


def content(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["RemediationDocument"]["Properties"]["Content"])


def step(document: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [s for s in document["mainSteps"] if s["name"] == name]
    return dict(found)


# --- the SSM document -----------------------------------------------------------------------------


def run_check_script(document: dict[str, Any], payload: Any) -> subprocess.CompletedProcess[str]:
    check = step(document, "FailUnlessFixed")
    script = check["inputs"]["Script"] + (
        f"\nprint(json.dumps({check['inputs']['Handler']}({{'Payload': {payload!r}}}, None)))\n"
    )
    return subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False)


def test_the_document_fails_the_automation_when_the_function_raised(template: dict[str, Any]) -> None:
    document = content(template)
    remediate = step(document, "Remediate")
    assert remediate["action"] == "aws:invokeLambdaFunction"
    assert remediate["inputs"]["InvocationType"] == "RequestResponse"
    assert remediate["nextStep"] == "FailUnlessFixed" and not remediate.get("isEnd")
    check = step(document, "FailUnlessFixed")
    assert check["action"] == "aws:executeScript"
    assert check["isCritical"] is True and check["onFailure"] == "Abort" and check["isEnd"] is True
    assert check["inputs"]["InputPayload"] == {"Payload": "{{ Remediate.Payload }}"}
    assert [s["name"] for s in document["mainSteps"]] == ["Remediate", "FailUnlessFixed"]
    # The script in the document's own text: Lambda's error payload (the function raised) fails the
    # step, so the automation and AWS Config's remediation record fail too.
    raised = json.dumps({"errorMessage": "1 manual change left", "errorType": "RemediationError"})
    failed = run_check_script(document, raised)
    assert failed.returncode != 0 and "the remediation function failed" in failed.stderr
    assert run_check_script(document, "not json").returncode != 0
    assert run_check_script(document, json.dumps(["a list"])).returncode != 0
    fixed = run_check_script(document, json.dumps({"ResourceId": "c1", "clusters": []}))
    assert fixed.returncode == 0, fixed.stderr


def test_the_document_passes_the_function_its_whole_input(template: dict[str, Any]) -> None:
    document = content(template)
    assert step(document, "Remediate")["inputs"]["InputPayload"] == FUNCTION_INPUT
    parameters = document["parameters"]
    assert {f"{{{{ {name} }}}}" for name in parameters} - {"{{ AutomationAssumeRole }}"} == {
        v for v in FUNCTION_INPUT.values() if "global:" not in v
    }
    assert parameters["DryRun"]["type"] == "Boolean" and parameters["DryRun"]["default"] is True
    assert parameters["TrustNodeTags"]["default"] is False and parameters["AllowTagRemoval"]["default"] is False
    assert parameters["ExemptSecurityGroupIds"]["default"] == "" and parameters["ClusterNamePattern"]["default"] == ""


def test_member_accounts_run_the_same_document(template: dict[str, Any], member: dict[str, Any]) -> None:
    central, there = content(template), content(member)
    assert step(central, "Remediate")["inputs"].pop("FunctionName") == {"Fn::GetAtt": ["RemediationFunction", "Arn"]}
    assert step(there, "Remediate")["inputs"].pop("FunctionName") == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${CentralAccountId}:function:"
        "${RemediationFunctionName}:acct-${AWS::AccountId}"
    }
    assert json.dumps(central, sort_keys=True) == json.dumps(there, sort_keys=True)


# --- scope and least privilege -------------------------------------------------------------------


def test_the_remediation_gets_the_rules_scope(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    rule = resources["ConfigRule"]["Properties"]["InputParameters"]
    passed = resources["RemediationConfiguration"]["Properties"]["Parameters"]
    assert passed["ResourceId"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}
    assert passed["ComplianceLevel"]["StaticValue"]["Values"] == [rule["ComplianceLevel"]]
    optional = (("ExemptSecurityGroupIds", "HasExemptions"), ("ClusterNamePattern", "HasClusterNamePattern"))
    for name, condition in optional:
        # Config refuses an empty static value: the parameter is left out when empty.
        assert passed[name]["Fn::If"][0] == condition
        assert passed[name]["Fn::If"][1]["StaticValue"]["Values"] == [rule[name]["Fn::If"][1]]
        assert passed[name]["Fn::If"][2] == {"Ref": "AWS::NoValue"}
        assert rule[name] == {"Fn::If": [condition, {"Ref": name}, {"Ref": "AWS::NoValue"}]}
    assert passed["TrustNodeTags"]["StaticValue"]["Values"] == [{"Ref": "TrustNodeTags"}]
    assert template["Parameters"]["TrustNodeTags"]["Default"] == "false"
    assert passed["DryRun"]["StaticValue"]["Values"] == [{"Ref": "RemediationDryRun"}]


def test_automatic_remediation_is_refused_as_a_dry_run(template: dict[str, Any], member: dict[str, Any]) -> None:
    for source in (template, member):
        rule = source["Rules"]["AutomaticRemediationApplies"]
        assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "AutomaticRemediation"}, "true"]}
        assert {"Fn::Equals": [{"Ref": "RemediationDryRun"}, "false"]} in [a["Assert"] for a in rule["Assertions"]]


def test_every_role_reads_the_same_and_writes_tags_only_for_cluster_keys(
    template: dict[str, Any], member_roles: dict[str, Any]
) -> None:
    resources, there = template["Resources"], member_roles["Resources"]
    granted = {
        "rule": statements(resources["RuleFunction"]),
        "remediation": statements(resources["RemediationFunction"]),
        "member execution": role_statements(there["ExecutionRole"]),
        "member remediation": role_statements(there["RemediationExecutionRole"]),
    }
    for name, found in granted.items():
        reads = {a for s in found for a in actions(s) if a.split(":")[1].startswith(("Describe", "List", "Get"))}
        assert {a for a in reads if a.startswith(("eks:", "ec2:"))} == READS, name
    for name in ("remediation", "member remediation"):
        assert_tag_writes_are_scoped(granted[name])
        [authorize] = [s for s in granted[name] if "ec2:AuthorizeSecurityGroupIngress" in actions(s)]
        assert sorted(actions(authorize)) == ["ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"]
        assert authorize["Resource"]["Fn::Sub"].endswith(":security-group/*")
        assert authorize["Resource"]["Fn::Sub"].endswith(":${AWS::AccountId}:security-group/*")
    assert "ec2:" not in json.dumps([s for s in granted["member execution"] if "Describe" not in json.dumps(s)])


def test_role_assumption_stays_in_the_organisation(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for function, condition in (("RuleFunction", "CrossAccount"), ("RemediationFunction", "CrossAccountRemediation")):
        [policy] = [p for p in resources[function]["Properties"]["Policies"] if "Fn::If" in p]
        assert policy["Fn::If"][0] == condition
        [assume] = policy["Fn::If"][1]["Statement"]
        assert actions(assume) == ["sts:AssumeRole"]
        assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}
    assertions = template["Rules"]["CrossAccountNeedsOrganization"]["Assertions"]
    assert assertions[0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OrganizationId"}, ""]}]}
    # Who may invoke the functions from the organisation: deploy/organization-permissions.yaml
    # (tests/deploy/test_lockdown.py), account by account, never the whole organisation.


# --- the conformance pack -------------------------------------------------------------------------


def intrinsics(node: Any) -> list[str]:
    if isinstance(node, dict):
        here = [k for k in node if k == "Ref" or k.startswith("Fn::")]
        return here + [i for v in node.values() for i in intrinsics(v)]
    if isinstance(node, list):
        return [i for item in node for i in intrinsics(item)]
    return []


def test_the_rendered_pack_is_literal_and_lint_clean(tmp_path: Path) -> None:
    output = tmp_path / "pack.yaml"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "render_pack.py"),
            str(PACK_SOURCE),
            str(output),
            f"RuleFunctionArn={FUNCTION_ARN}",
            "RemediationDocumentName=eks-sg-rule-RemediationDocument-ABC",
            f"AutomationAssumeRoleArn={ROLE_ARN}",
            "OldestVersionSupported=1.31",
            "ExemptSecurityGroupIds=sg-0123456789abcdef0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pack = load(output)
    assert "Parameters" not in pack and intrinsics(pack) == []
    remediation = pack["Resources"]["EksSecurityGroupRequirementsRemediation"]
    assert remediation["DependsOn"] == "EksSecurityGroupRequirements"
    passed = remediation["Properties"]["Parameters"]
    assert passed["AutomationAssumeRole"] == {"StaticValue": {"Values": [ROLE_ARN]}}
    assert passed["ExemptSecurityGroupIds"] == {"StaticValue": {"Values": ["sg-0123456789abcdef0"]}}
    assert "ClusterNamePattern" not in passed  # empty: left out, the document's default applies
    rule = pack["Resources"]["EksSecurityGroupRequirements"]["Properties"]
    assert remediation["Properties"]["ConfigRuleName"] == rule["ConfigRuleName"]
    assert passed["ComplianceLevel"]["StaticValue"]["Values"] == [rule["InputParameters"]["ComplianceLevel"]]
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    linted = subprocess.run([str(cfn_lint), str(output)], capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout


def test_the_pack_is_not_rendered_without_a_literal_role_arn() -> None:
    given = {"RuleFunctionArn": FUNCTION_ARN, "OldestVersionSupported": "1.31"}
    with pytest.raises(RenderError, match="AutomationAssumeRoleArn"):
        render(PACK_SOURCE, {**given, "RemediationDocumentName": "d"})
    with pytest.raises(RenderError, match="IAM role ARN"):
        render(PACK_SOURCE, {**given, "RemediationDocumentName": "d", "AutomationAssumeRoleArn": "!GetAtt X"})


@pytest.mark.parametrize(
    ("given", "variable"),
    [
        ({}, "RULE_FUNCTION_ARN"),
        # Every missing variable at once, not one per run.
        ({}, "OLDEST_VERSION_SUPPORTED"),
        ({"RuleFunctionArn": "x", "OldestVersionSupported": "1.31"}, "RULE_FUNCTION_ARN"),
        ({"RuleFunctionArn": FUNCTION_ARN}, "OLDEST_VERSION_SUPPORTED"),
        ({"RuleFunctionArn": FUNCTION_ARN, "OldestVersionSupported": "latest"}, "OLDEST_VERSION_SUPPORTED"),
        ({"RuleFunctionArn": FUNCTION_ARN, "OldestVersionSupported": "1.31", "RemediationDocumentName": "d"},
         "AUTOMATION_ROLE_ARN"),
    ],
)  # fmt: skip
def test_make_pack_errors_name_the_make_variable(tmp_path: Path, given: dict[str, str], variable: str) -> None:
    pairs = [f"{name}={value}" for name, value in given.items()]
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "render_pack.py"), str(PACK_SOURCE), str(tmp_path / "p.yaml"), *pairs],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and f"make pack {variable}=" in done.stderr, done.stderr


# --- what a member account receives ----------------------------------------------------------------


def references(node: Any) -> list[str]:
    """Every resource or parameter name a Ref, GetAtt or Sub points to."""
    if isinstance(node, dict):
        found: list[str] = []
        if "Ref" in node:
            found.append(node["Ref"])
        if "Fn::GetAtt" in node:
            found.append(node["Fn::GetAtt"][0])
        if "Fn::Sub" in node:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            local = set(node["Fn::Sub"][1]) if isinstance(node["Fn::Sub"], list) else set()
            found += [n for n in _sub_names(text) if n not in local]
        return found + [r for v in node.values() for r in references(v)]
    if isinstance(node, list):
        return [r for item in node for r in references(item)]
    return []


def _sub_names(text: str) -> list[str]:
    return [n for n in re.findall(r"\$\{([^}!]+)\}", text) if "." not in n]


def test_a_member_account_receives_every_name_it_uses(
    template: dict[str, Any], member: dict[str, Any], member_roles: dict[str, Any]
) -> None:
    pseudo = {"AWS::AccountId", "AWS::Partition", "AWS::Region", "AWS::NoValue", "AWS::StackName"}
    for source in (member, member_roles):
        resources, parameters = source["Resources"], source["Parameters"]
        for name, resource in resources.items():
            for target in references(resource.get("Properties", {})):
                assert target in resources or target in parameters or target in pseudo, (name, target)
                if target in resources and "Condition" in resources[target]:
                    assert resource.get("Condition") == resources[target]["Condition"], (name, target)
    # The regional stack names the document it creates, and the roles the roles stack creates in the
    # same account, by the same parameter names and defaults.
    resources = member["Resources"]
    remediation = resources["RemediationConfiguration"]["Properties"]
    assert remediation["TargetId"] == {"Ref": "RemediationDocument"}
    assert remediation["ConfigRuleName"] == {"Ref": "ConfigRule"}
    passed = remediation["Parameters"]
    automation_role = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AutomationRoleName}"}
    assert passed["AutomationAssumeRole"]["StaticValue"]["Values"] == [automation_role]
    assert passed["ExecutionRoleName"]["StaticValue"]["Values"] == [{"Ref": "RemediationExecutionRoleName"}]
    assert resources["ConfigRule"]["Properties"]["InputParameters"]["ExecutionRoleName"] == {"Ref": "ExecutionRoleName"}
    roles = member_roles["Resources"]
    for role, parameter in (
        ("ExecutionRole", "ExecutionRoleName"),
        ("RemediationExecutionRole", "RemediationExecutionRoleName"),
        ("RemediationAutomationRole", "AutomationRoleName"),
    ):
        assert roles[role]["Properties"]["RoleName"] == {"Ref": parameter}
        assert member["Parameters"][parameter]["Default"] == member_roles["Parameters"][parameter]["Default"]
    automation = roles["RemediationAutomationRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert automation["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # The names shared with the central stack: its parameters and its function names.
    for name in ("ExecutionRoleName", "RemediationExecutionRoleName"):
        assert name in template["Parameters"]
        assert member["Parameters"][name]["Default"] == member_roles["Parameters"][name]["Default"]
    functions = template["Resources"]
    assert functions["RuleFunction"]["Properties"]["FunctionName"] == {"Ref": "AWS::StackName"}
    assert functions["RemediationFunction"]["Properties"]["FunctionName"] == {
        "Fn::Sub": "${AWS::StackName}-remediation"
    }
    assert member["Parameters"]["RuleFunctionName"]["Default"] == "eks-sg-rule"
    assert member["Parameters"]["RemediationFunctionName"]["Default"] == "eks-sg-rule-remediation"
    trust = roles["RemediationExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": {"Ref": "RemediationFunctionRoleArns"}}}
    for output in ("RuleFunctionRoleArn", "RemediationFunctionRoleArn"):
        assert output in template["Outputs"]
