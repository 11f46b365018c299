"""The deployment contract: template shape, least privilege, Config enums, cfn-lint, and the build."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from cfnlint.decode import decode

from tests.conftest import ROOT
from tests.deploy.resolve import Stack

TEMPLATES = [
    ROOT / "template.yaml",
    *sorted((ROOT / "conformance-packs").glob("**/*.yaml")),
    *sorted((ROOT / "deploy").glob("*.yaml")),
]


def load(path: Path) -> dict[str, Any]:
    template, errors = decode(str(path))
    assert not errors, errors
    return dict(template)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load(ROOT / "template.yaml")


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in function["Properties"]["Policies"]:
        document = policy["Fn::If"][1] if "Fn::If" in policy else policy
        found.extend(document.get("PolicyDocument", document)["Statement"])
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def all_actions(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = actions(node) if "Action" in node and "Effect" in node else []
        return found + [a for value in node.values() for a in all_actions(value)]
    if isinstance(node, list):
        return [a for item in node for a in all_actions(item)]
    return []


def operations_called(path: Path, client: str) -> set[str]:
    """The AWS operations a module calls on a client, from its source (method names and paginators)."""
    source = path.read_text()
    names = set(re.findall(rf"\b(?:self\.)?{client}\.([a-z_]+)\(", source))
    names |= set(re.findall(rf'pages_of\(\s*"{client}",\s*(?:self\.)?{client},\s*"([a-z_]+)"', source))
    names |= set(re.findall(rf'\b(?:self\.)?{client}\.get_paginator\("([a-z_]+)"\)', source))
    names.discard("get_paginator")
    return {"".join(part.capitalize() for part in name.split("_")) for name in names}


READ_VERBS = ("Describe", "List", "Get")
# What only NetworkPath reads (aws.reads.vpc_networks): the remediation is never granted these.
NETWORK_READS = {
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeNatGateways",
}


def test_rule_scope_triggers_and_permission(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    rule = resources["ConfigRule"]["Properties"]
    # The scope with the default parameters (NetworkPath=false adds nothing: tests/deploy/test_network_path.py).
    default = Stack(template, {}, "111122223333", "eu-west-1").resources["ConfigRule"]["Properties"]
    assert default["Scope"]["ComplianceResourceTypes"] == ["AWS::EKS::Cluster", "AWS::EC2::SecurityGroup"]
    assert rule["Source"]["Owner"] == "CUSTOM_LAMBDA"
    assert [d["MessageType"] for d in rule["Source"]["SourceDetails"]] == [
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ScheduledNotification",
    ]
    assert set(rule["InputParameters"]) >= {"ComplianceLevel", "ExemptSecurityGroupIds", "ClusterNamePattern"}
    permission = resources["ConfigInvokePermission"]["Properties"]
    assert permission["Principal"] == "config.amazonaws.com"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert resources["RuleFunction"]["Properties"]["Handler"] == "eks_sg_rule.handler.lambda_handler"
    assert template["Globals"]["Function"]["Runtime"] in ("python3.12", "python3.13")


def test_no_wildcard_action_anywhere() -> None:
    for path in TEMPLATES:
        for action in all_actions(load(path)):
            assert "*" not in action, (path.name, action)


def test_the_rule_function_reads_what_the_code_calls_and_writes_only_evaluations(template: dict[str, Any]) -> None:
    granted = [a for s in statements(template["Resources"]["RuleFunction"]) for a in actions(s)]
    reads = ROOT / "src" / "eks_sg_rule" / "aws" / "reads.py"  # every EKS/EC2 read the rule makes
    called = {f"eks:{op}" for op in operations_called(reads, "eks")} | {
        f"ec2:{op}" for op in operations_called(reads, "ec2")
    }
    assert called == {a for a in granted if a.startswith(("eks:", "ec2:"))}
    writes = [a for a in granted if not a.split(":")[1].startswith(("Describe", "List", "Get"))]
    assert sorted(writes) == ["config:PutEvaluations", "sts:AssumeRole"]
    # The SSM read is the waiver parameter's alone, when named (tests/deploy/test_waivers.py).
    assert {a for a in granted if a.startswith("ssm:")} == {f"ssm:{op}" for op in operations_called(reads, "ssm")}
    [assume] = [
        s
        for p in template["Resources"]["RuleFunction"]["Properties"]["Policies"]
        if "Fn::If" in p and p["Fn::If"][0] != "HasWaivers"
        for s in p["Fn::If"][1]["Statement"]
    ]
    assert actions(assume) == ["sts:AssumeRole"]
    assert template["Resources"]["RuleFunction"]["Properties"]["Policies"][1]["Fn::If"][0] == "CrossAccount"


def test_the_remediation_writes_only_what_it_needs(template: dict[str, Any]) -> None:
    granted = [a for s in statements(template["Resources"]["RemediationFunction"]) for a in actions(s)]
    writes = sorted(a for a in granted if not a.split(":")[1].startswith(("Describe", "List", "Get")))
    assert writes == [
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
        "sts:AssumeRole",  # only with RemediationExecutionRoleName, inside the organisation (test_rollout)
    ]
    assert_tag_writes_are_scoped(statements(template["Resources"]["RemediationFunction"]))
    # IAM reads equal the IAM calls (only the remediation reads roles: never the rule function).
    reads = ROOT / "src" / "eks_sg_rule" / "aws" / "reads.py"
    assert {a for a in granted if a.startswith("iam:")} == {f"iam:{op}" for op in operations_called(reads, "iam")}
    # Its EKS/EC2 reads are the rule's but NetworkPath's (its discovery keeps NetworkPath off).
    called = {f"eks:{op}" for op in operations_called(reads, "eks")} | {
        f"ec2:{op}" for op in operations_called(reads, "ec2")
    }
    assert {a for a in granted if a.startswith(("eks:", "ec2:")) and a.split(":")[1].startswith(READ_VERBS)} == (
        called - NETWORK_READS
    )
    # ... and the code agrees: the remediation function never turns NetworkPath on.
    assert "network_path" not in (ROOT / "src" / "eks_sg_rule" / "remediation_handler.py").read_text()
    rule_grants = [a for s in statements(template["Resources"]["RuleFunction"]) for a in actions(s)]
    assert not [a for a in rule_grants if a.startswith("iam:")]
    automation = template["Resources"]["RemediationAutomationRole"]["Properties"]["Policies"]
    assert [a for p in automation for s in p["PolicyDocument"]["Statement"] for a in actions(s)] == [
        "lambda:InvokeFunction"
    ]
    document = template["Resources"]["RemediationDocument"]["Properties"]
    assert document["DocumentType"] == "Automation"
    assert document["Content"]["schemaVersion"] == "0.3"
    assert set(document["Content"]["parameters"]) == {
        "ResourceId",
        "ComplianceLevel",
        "DryRun",
        "AllowTagRemoval",
        "TrustNodeTags",
        "ExemptSecurityGroupIds",
        "ClusterNamePattern",
        "ExecutionRoleName",
        "AutomationAssumeRole",
    }
    remediation = template["Resources"]["RemediationConfiguration"]
    # Attached only when the stack creates the rule (CreateConfigRule) and the remediation exists.
    assert remediation["Condition"] == "RuleWithRemediation"
    assert template["Conditions"]["RuleWithRemediation"] == {
        "Fn::And": [{"Condition": "CreateRule"}, {"Condition": "Remediation"}]
    }
    assert remediation["Properties"]["Automatic"] == {"Fn::If": ["Automatic", True, False]}


def config_enum(shape: str) -> set[str]:
    model = botocore.session.get_session().get_service_model("config")
    return set(model.shape_for(shape).enum)


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_config_fields_are_valid_enum_values(path: Path) -> None:
    """cfn-lint does not know Config's allowed values; botocore's service model does."""
    resources = load(path).get("Resources", {})
    for key, resource in resources.items():
        if key.startswith("Fn::ForEach::"):  # organization-permissions.yaml: Lambda permissions only
            continue
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Config::ConfigRule":
            source = properties["Source"]
            assert source["Owner"] in config_enum("Owner")
            for detail in source.get("SourceDetails", ()):
                assert detail["EventSource"] in config_enum("EventSource")
                assert detail["MessageType"] in config_enum("MessageType")
                if isinstance(detail.get("MaximumExecutionFrequency"), str):
                    assert detail["MaximumExecutionFrequency"] in config_enum("MaximumExecutionFrequency")
            if isinstance(properties.get("MaximumExecutionFrequency"), str):
                assert properties["MaximumExecutionFrequency"] in config_enum("MaximumExecutionFrequency")
        if resource["Type"] == "AWS::Config::RemediationConfiguration":
            assert properties["TargetType"] in config_enum("RemediationTargetType")
            for parameter in properties["Parameters"].values():
                if "ResourceValue" in parameter:
                    assert parameter["ResourceValue"]["Value"] in config_enum("ResourceValueType")
    template = load(ROOT / "template.yaml")
    allowed = template["Parameters"]["MaximumExecutionFrequency"]["AllowedValues"]
    assert set(allowed) <= config_enum("MaximumExecutionFrequency")


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_cfn_lint_finds_nothing(path: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def assert_tag_writes_are_scoped(granted: list[dict[str, Any]]) -> None:
    """CreateTags/DeleteTags only for kubernetes.io/cluster/* keys, never for a request naming no key."""
    for action in ("ec2:CreateTags", "ec2:DeleteTags"):
        [statement] = [s for s in granted if action in actions(s)]
        assert actions(statement) == [action]
        assert statement["Condition"]["ForAllValues:StringLike"]["aws:TagKeys"] == ["kubernetes.io/cluster/*"]
        assert statement["Condition"]["Null"]["aws:TagKeys"] == "false"
        assert "security-group/*" in statement["Resource"]["Fn::Sub"]
