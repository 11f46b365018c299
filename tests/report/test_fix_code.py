"""`fix --format aws-cli | terraform` (report/fix_code.py): the plan as commands and as Terraform, never applied.

The AWS CLI lines are split as a POSIX shell would (shlex) and their JSON arguments parsed; the
Terraform is parsed as HCL2 with python-hcl2, and every resource's arguments are those the Terraform
AWS provider documents for aws_vpc_security_group_ingress_rule / _egress_rule and aws_ec2_tag.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import hcl2
import pytest

from eks_sg_rule.plan import (
    AUTHORIZE_EGRESS,
    AUTHORIZE_INGRESS,
    CREATE_TAGS,
    DELETE_TAGS,
    MANUAL,
    Change,
    Outcome,
    Planner,
)
from eks_sg_rule.report.fix import fix_markdown
from eks_sg_rule.report.fix_code import aws_cli_command, fix_aws_cli, fix_terraform
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope
from tests.engine.builders import nodegroup, owned, sg, topology
from tests.engine.path_builders import NACL_COMMAND, nacl_failure
from tests.report.path_case import html_case, scan_case

REGION = "eu-west-1"
PAIR = {"Description": "eks-sg-rule remediation"}
TAG = "kubernetes.io/cluster/demo"
RULE_ARGUMENTS = {
    "security_group_id",
    "referenced_security_group_id",
    "ip_protocol",
    "from_port",
    "to_port",
    "description",
}


def demo_plan() -> Outcome:
    """A plan like the demo's: a self rule, a TCP rule with two ranges, an egress rule, a tag set, a tag
    removal, a manual change and a network-path finding with its AWS CLI command."""
    changes = (
        Change(
            AUTHORIZE_INGRESS,
            "sg-cluster",
            ("WORKER_SG_MINIMUM", "CP_SG_MINIMUM"),
            "allow ingress all traffic from sg-cluster",
            ({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-cluster", **PAIR}]},),
        ),
        Change(
            AUTHORIZE_INGRESS,
            "sg-node",
            ("WORKER_SG_RECOMMENDED",),
            "allow ingress TCP 443, 1025-65535 from sg-cp",
            (
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "UserIdGroupPairs": [{"GroupId": "sg-cp", **PAIR}],
                },
                {
                    "IpProtocol": "tcp",
                    "FromPort": 1025,
                    "ToPort": 65535,
                    "UserIdGroupPairs": [{"GroupId": "sg-cp", **PAIR}],
                },
            ),
        ),
        Change(
            AUTHORIZE_EGRESS,
            "sg-cp",
            ("CP_SG_RECOMMENDED",),
            "allow egress TCP 10250 to sg-node",
            (
                {
                    "IpProtocol": "tcp",
                    "FromPort": 10250,
                    "ToPort": 10250,
                    "UserIdGroupPairs": [{"GroupId": "sg-node", **PAIR}],
                },
            ),
        ),
        Change(CREATE_TAGS, "sg-node", ("TAG_OWNED",), f"set {TAG}=owned on sg-node", tags={TAG: "owned"}),
        Change(DELETE_TAGS, "sg-extra", ("TAG_OWNED",), f"remove {TAG} from sg-extra", tags={TAG: ""}),
        Change(
            MANUAL, "sg-node", ("WORKER_SG_RECOMMENDED",), "egress to 0.0.0.0/0 (the remediation never opens a CIDR)"
        ),
    )
    path = tuple(
        Planner(topology([sg("sg-cluster", **owned())], [nodegroup("ng", ["sg-cluster"])]), Scope()).plan(
            results=[nacl_failure()]
        )
    )
    every = changes + path
    return Outcome("demo", Level.RECOMMENDED, every, applied=False, remaining=every)


def commands(text: str) -> list[list[str]]:
    return [shlex.split(line) for line in text.splitlines() if line and not line.startswith("#") and line != "set -e"]


def test_aws_cli_gives_one_command_per_automatic_change_with_the_exact_request() -> None:
    outcome = demo_plan()
    text = fix_aws_cli([outcome], REGION)

    lines = commands(text)
    automatic = [change for change in outcome.changes if change.automatic]
    assert len(lines) == len(automatic) == 5
    for words, change in zip(lines, automatic, strict=True):
        assert words[:2] == ["aws", "ec2"]
        assert words[words.index("--region") + 1] == REGION
        if change.action in (AUTHORIZE_INGRESS, AUTHORIZE_EGRESS):
            direction = "ingress" if change.action == AUTHORIZE_INGRESS else "egress"
            assert words[2] == f"authorize-security-group-{direction}"
            assert words[words.index("--group-id") + 1] == change.security_group_id
            assert json.loads(words[words.index("--ip-permissions") + 1]) == list(change.permissions)
        else:
            assert words[2] == ("create-tags" if change.action == CREATE_TAGS else "delete-tags")
            assert words[words.index("--resources") + 1] == change.security_group_id
    assert json.loads(lines[3][lines[3].index("--tags") + 1]) == [{"Key": TAG, "Value": "owned"}]
    assert json.loads(lines[4][lines[4].index("--tags") + 1]) == [{"Key": TAG}]  # any value: EC2 DeleteTags
    assert "# manual: sg-node (WORKER_SG_RECOMMENDED): egress to 0.0.0.0/0" in text
    assert "# manual: acl-0a1 (NACL_MINIMUM): " in text
    assert f"#   {NACL_COMMAND}" in text
    assert text.startswith("#!/bin/sh\n")


def test_a_manual_change_has_no_command_of_ours() -> None:
    with pytest.raises(ValueError, match="manual"):
        aws_cli_command(Change(MANUAL, "sg-1", ("X",), "by hand"), REGION)


def resources(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, arguments) of every resource python-hcl2 parsed; quotes taken off."""
    found = []
    for block in document.get("resource", []):
        for kind, named in block.items():
            for name, body in named.items():
                arguments = {
                    k: v.strip('"') if isinstance(v, str) else v for k, v in body.items() if not k.startswith("__")
                }
                found.append((kind.strip('"'), name.strip('"'), arguments))
    return found


def test_terraform_parses_as_hcl_with_the_provider_s_arguments() -> None:
    text = fix_terraform([demo_plan()], REGION)
    found = resources(hcl2.loads(text))

    assert [kind for kind, _, _ in found] == [
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_ec2_tag",
    ]
    for kind, _, arguments in found[:4]:
        assert set(arguments) <= RULE_ARGUMENTS, kind
    self_rule, https, ephemeral, egress, tag = (arguments for _, _, arguments in found)
    assert self_rule == {
        "security_group_id": "sg-cluster",
        "referenced_security_group_id": "sg-cluster",
        "ip_protocol": "-1",  # no ports: the provider refuses from_port/to_port with -1
        "description": "eks-sg-rule remediation: WORKER_SG_MINIMUM, CP_SG_MINIMUM",
    }
    assert (https["from_port"], https["to_port"], ephemeral["from_port"], ephemeral["to_port"]) == (
        443,
        443,
        1025,
        65535,
    )
    assert (egress["security_group_id"], egress["referenced_security_group_id"]) == ("sg-cp", "sg-node")
    assert tag == {"resource_id": "sg-node", "key": TAG, "value": "owned"}
    names = [name for _, name, _ in found]
    assert len(set(names)) == len(names)
    assert names[0] == "eks_sg_rule_demo_sg_cluster_from_sg_cluster_all"
    assert "# remove tag kubernetes.io/cluster/demo from sg-extra (TAG_OWNED)" in text
    assert "# manual: sg-node (WORKER_SG_RECOMMENDED): egress to 0.0.0.0/0" in text
    assert f"#   {NACL_COMMAND}" in text
    assert fix_terraform([demo_plan()], REGION) == text  # deterministic


def test_terraform_names_stay_unique_and_strings_stay_literal() -> None:
    change = Change(CREATE_TAGS, "sg-1", ("TAG_OWNED",), "set tags", tags={"a.b": "${var.x}", "a_b": "%{ if x }"})
    outcomes = [Outcome(name, Level.MINIMUM, (change,), applied=False, remaining=(change,)) for name in ("c", "c")]
    text = fix_terraform([*outcomes, Outcome("empty", Level.MINIMUM, (), applied=False)], REGION)

    found = resources(hcl2.loads(text))
    names = [name for _, name, _ in found]
    assert names == [
        "eks_sg_rule_c_sg_1_a_b",
        "eks_sg_rule_c_sg_1_a_b_2",
        "eks_sg_rule_c_sg_1_a_b_3",
        "eks_sg_rule_c_sg_1_a_b_4",
    ]
    assert '"$${var.x}"' in text and '"%%{ if x }"' in text
    assert "# cluster empty (minimum level, eu-west-1)\n# nothing to change" in text
    assert "# nothing to change" in fix_aws_cli([Outcome("empty", Level.MINIMUM, (), applied=False)], REGION)


def test_the_plan_tables_never_say_manual_twice() -> None:
    markdown = fix_markdown([demo_plan()])

    assert "| manual | manual |" not in markdown
    assert "| manual | — | `sg-node` | WORKER_SG_RECOMMENDED |" in markdown
    assert "| planned | authorize_ingress | `sg-cluster` |" in markdown


def test_the_html_plan_never_says_manual_twice() -> None:
    """c2's plan is manual (its nodes belong to it by tags only): the status says manual once, the
    action cell "by a person", and the SG cell links the SG."""
    page = html_case(scan_case())

    assert "<code>manual</code>" not in page
    assert '<span class="badge manual">manual</span></td><td>by a person</td><td><a href=' in page
    assert '#SecurityGroup:groupId=sg-node2"><code>sg-node2</code></a></td>' in page
