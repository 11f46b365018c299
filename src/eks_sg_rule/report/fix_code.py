"""`eks-sg-rule fix --format aws-cli | terraform`: the plan as code a person runs or commits; nothing is applied.

aws-cli: one `aws ec2 …` command per automatic change, with `--region`, exactly the request the
remediation would send (aws/writes.py): authorize-security-group-ingress / -egress with the
change's EC2 IpPermissions as JSON (the peer SG in UserIdGroupPairs), create-tags, delete-tags (the
key alone: EC2 DeleteTags then removes the tag whatever its value). Manual changes are comments
(`# manual: …`), a network-path finding's AWS CLI command commented out below its line.

terraform: resources for the Terraform AWS provider, to paste beside a terraform-aws-eks
configuration. Argument names follow the provider's documentation
(registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/…):
`aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule` (one rule each:
security_group_id, referenced_security_group_id, ip_protocol, from_port and to_port, which must be
left out for ip_protocol "-1", description) and `aws_ec2_tag` (resource_id, key, value; one tag of
a resource created elsewhere). A tag removal has no resource (aws_ec2_tag only sets a tag): it is a
comment, as is every manual change. Resource names are made from the cluster, direction, SGs and
ports: the same plan always gives the same names.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Sequence
from typing import Any

from ..plan import AUTHORIZE_INGRESS, CREATE_TAGS, DELETE_TAGS, Change, Outcome
from .fix import cli_words, fix_json, fix_markdown, fix_table, where

# The Terraform resource type of a planned rule, by plan action (the other one is egress).
RULE_RESOURCE = {AUTHORIZE_INGRESS: "aws_vpc_security_group_ingress_rule"}
EGRESS_RULE_RESOURCE = "aws_vpc_security_group_egress_rule"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _manual_lines(change: Change) -> list[str]:
    """A manual change as comments: what to do and, for a network-path finding, its command."""
    lines = [f"# manual: {where(change)} ({', '.join(change.checks)}): {_one_line(cli_words(change.detail))}"]
    if change.command:
        lines.append(f"#   {_one_line(change.command)}")
    return lines


def _heading(outcome: Outcome, region: str) -> str:
    return f"# cluster {outcome.cluster} ({outcome.level.value} level, {region})"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def aws_cli_command(change: Change, region: str) -> str:
    """The AWS CLI command making one automatic change, quoted for a POSIX shell (shlex.quote), e.g.
    `aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-1 --ip-permissions
    '[{"FromPort":443,"IpProtocol":"tcp","ToPort":443,"UserIdGroupPairs":[{"Description":"…","GroupId":"sg-2"}]}]'`.
    Raises ValueError for a manual change (it has no command of ours)."""
    if not change.automatic:
        raise ValueError(f"a manual change has no command: {change.detail}")
    if change.action in (CREATE_TAGS, DELETE_TAGS):
        subcommand = "create-tags" if change.action == CREATE_TAGS else "delete-tags"
        tags = [
            {"Key": key, "Value": value} if change.action == CREATE_TAGS else {"Key": key}
            for key, value in change.tags.items()
        ]
        arguments = ["--resources", change.security_group_id, "--tags", _json(tags)]
    else:
        direction = "ingress" if change.action == AUTHORIZE_INGRESS else "egress"
        subcommand = f"authorize-security-group-{direction}"
        arguments = ["--group-id", change.security_group_id, "--ip-permissions", _json(list(change.permissions))]
    return shlex.join(["aws", "ec2", subcommand, "--region", region, *arguments])


def fix_aws_cli(outcomes: Sequence[Outcome], region: str) -> str:
    """A shell script: per cluster a heading comment, one `aws ec2 …` line per automatic change, a
    `# manual: …` comment per manual one. Nothing of it has been run."""
    lines = ["#!/bin/sh", "# eks-sg-rule fix: the plan as AWS CLI commands (none has been run)", "set -e"]
    for outcome in outcomes:
        lines += ["", _heading(outcome, region)]
        changes = outcome.changes
        if not changes:
            lines.append("# nothing to change")
        for change in changes:
            lines += [aws_cli_command(change, region)] if change.automatic else _manual_lines(change)
    return "\n".join(lines) + "\n"


def _hcl_string(value: str) -> str:
    """A quoted HCL string: JSON's escapes, and `${` / `%{` doubled so they stay literal text."""
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def _name(*parts: str) -> str:
    """A Terraform resource name: letters, digits, underscores; starts with a letter."""
    return "eks_sg_rule_" + re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").lower()


def _block(kind: str, name: str, arguments: Sequence[tuple[str, str | int]]) -> list[str]:
    width = max(len(key) for key, _ in arguments)
    body = [
        f"  {key.ljust(width)} = {value if isinstance(value, int) else _hcl_string(value)}" for key, value in arguments
    ]
    return [f'resource "{kind}" "{name}" {{', *body, "}"]


def _rules(cluster: str, change: Change) -> Iterator[tuple[str, str, list[tuple[str, str | int]]]]:
    """(resource type, name, arguments) per rule of an authorize change: one per permission and peer."""
    ingress = change.action == AUTHORIZE_INGRESS
    kind = RULE_RESOURCE.get(change.action, EGRESS_RULE_RESOURCE)
    for permission in change.permissions:
        protocol = str(permission["IpProtocol"])
        ports = "all" if protocol == "-1" else f"{protocol}_{permission['FromPort']}_{permission['ToPort']}"
        for pair in permission["UserIdGroupPairs"]:
            peer = pair["GroupId"]
            name = _name(cluster, change.security_group_id, "from" if ingress else "to", peer, ports)
            arguments: list[tuple[str, str | int]] = [
                ("security_group_id", change.security_group_id),
                ("referenced_security_group_id", peer),
                ("ip_protocol", protocol),
            ]
            if protocol != "-1":
                arguments += [("from_port", int(permission["FromPort"])), ("to_port", int(permission["ToPort"]))]
            description = pair.get("Description", "eks-sg-rule remediation")
            arguments.append(("description", f"{description}: {', '.join(change.checks)}"))
            yield kind, name, arguments


def _terraform_lines(cluster: str, change: Change, names: set[str]) -> list[str]:
    if not change.automatic:
        return _manual_lines(change)
    if change.action == DELETE_TAGS:
        keys = ", ".join(change.tags)
        return [
            f"# remove tag {keys} from {change.security_group_id} ({', '.join(change.checks)}): take it out of the "
            "tags the configuration sets on that SG (aws_ec2_tag cannot remove a tag)"
        ]
    blocks: list[tuple[str, str, list[tuple[str, str | int]]]]
    if change.action == CREATE_TAGS:
        blocks = [
            (
                "aws_ec2_tag",
                _name(cluster, change.security_group_id, key),
                [("resource_id", change.security_group_id), ("key", key), ("value", value)],
            )
            for key, value in change.tags.items()
        ]
    else:
        blocks = list(_rules(cluster, change))
    lines: list[str] = [f"# {', '.join(change.checks)}: {_one_line(cli_words(change.detail))}"]
    for kind, name, arguments in blocks:
        unique, count = name, 1
        while unique in names:
            count += 1
            unique = f"{name}_{count}"
        names.add(unique)
        lines += _block(kind, unique, arguments)
    return lines


def fix_terraform(outcomes: Sequence[Outcome], region: str) -> str:
    """Terraform (HCL): per cluster a heading comment, then per automatic change its resources
    (aws_vpc_security_group_ingress_rule / _egress_rule per rule, aws_ec2_tag per tag), each after
    a comment naming the checks it repairs; manual changes and tag removals as comments. Nothing
    of it has been applied."""
    lines = ["# eks-sg-rule fix: the plan as Terraform AWS provider resources (nothing has been applied)"]
    names: set[str] = set()
    for outcome in outcomes:
        lines += ["", _heading(outcome, region)]
        changes = outcome.changes
        if not changes:
            lines.append("# nothing to change")
        for change in changes:
            lines += _terraform_lines(outcome.cluster, change, names)
    return "\n".join(lines) + "\n"


def render_fix(outcomes: Sequence[Outcome], region: str, fmt: str) -> str:
    """`eks-sg-rule fix`'s output in `fmt`: json, markdown, aws-cli, terraform, else the table."""
    if fmt == "json":
        return json.dumps(fix_json(outcomes, region), indent=2) + "\n"
    if fmt == "markdown":
        return fix_markdown(outcomes)
    if fmt in ("aws-cli", "terraform"):
        return (fix_aws_cli if fmt == "aws-cli" else fix_terraform)(outcomes, region)
    return fix_table(outcomes)
