"""Command line: `eks-sg-rule scan` runs the rule's engine read-only; `fix` plans and applies repairs.

Exit codes: 0 nothing NON_COMPLIANT, 1 something NON_COMPLIANT, 2 usage or AWS error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from .discovery import Discovery, DiscoveryError
from .evaluate import CLUSTER_TYPE, ResourceEvaluation, Settings, evaluate
from .remediation import RemediationError, remediate
from .requirements import Level

EXIT_OK, EXIT_NON_COMPLIANT, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--region", help="AWS region (default: from the profile or AWS_REGION)")
    common.add_argument("--profile", help="AWS named profile")
    common.add_argument("--endpoint-url", help="send every AWS call here (a local emulator)")
    common.add_argument("--level", choices=[level.value for level in Level], default=Level.MINIMUM.value)
    common.add_argument("--format", choices=["table", "json"], default="table")

    parser = argparse.ArgumentParser(
        prog="eks-sg-rule", description="Check EKS clusters' security groups against AWS's EKS requirements."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan = commands.add_parser("scan", parents=[common], help="evaluate clusters read-only; never writes to AWS Config")
    scan.add_argument(
        "--cluster", action="append", metavar="NAME", help="evaluate only this cluster (repeatable; default: all)"
    )
    fix = commands.add_parser(
        "fix", parents=[common], help="plan (and with --apply, make) the SG changes a cluster needs to pass"
    )
    fix.add_argument("--cluster", required=True, metavar="NAME", help="the cluster to fix")
    fix.add_argument("--apply", action="store_true", help="make the changes (default: print the plan only)")
    fix.add_argument(
        "--allow-tag-removal", action="store_true", help="remove a duplicate kubernetes.io/cluster/<name> tag"
    )
    return parser


def _clients(args: argparse.Namespace) -> tuple[Any, Any]:
    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
    except ProfileNotFound as error:
        raise UsageError(str(error)) from None
    if not session.region_name:
        raise UsageError("no AWS region: pass --region or set AWS_REGION")
    config = Config(retries={"mode": "standard", "max_attempts": 8}, user_agent_extra="eks-sg-rule")
    return (
        session.client("eks", endpoint_url=args.endpoint_url, config=config),
        session.client("ec2", endpoint_url=args.endpoint_url, config=config),
    )


def _table(level: Level, evaluations: list[ResourceEvaluation], out: TextIO) -> None:
    clusters = [e for e in evaluations if e.resource_type == CLUSTER_TYPE]
    groups = [e for e in evaluations if e.resource_type != CLUSTER_TYPE]
    width = max((len(c.check_id) for e in clusters for c in e.checks), default=12)
    print(f"Level: {level.value}\n", file=out)
    for evaluation in clusters:
        print(f"cluster {evaluation.resource_id}: {evaluation.compliance_type.value}", file=out)
        if not evaluation.checks:
            print(f"  {evaluation.annotation}", file=out)
        for check in evaluation.checks:
            print(f"  {check.check_id:<{width}}  {check.status.value:<14}  {check.detail}", file=out)
        print(file=out)
    if groups:
        print("security groups:", file=out)
        id_width = max(len(e.resource_id) for e in groups)
        for evaluation in groups:
            status = evaluation.compliance_type.value
            print(f"  {evaluation.resource_id:<{id_width}}  {status:<14}  {evaluation.annotation}", file=out)
        print(file=out)
    counts = Counter(e.compliance_type.value for e in evaluations)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(
        f"{len(clusters)} cluster(s), {len(groups)} security group(s): {summary or 'nothing to evaluate'}",
        file=out,
    )


def scan(args: argparse.Namespace, out: TextIO) -> int:
    eks, ec2 = _clients(args)
    level = Level(args.level)
    snapshot = Discovery(eks=eks, ec2=ec2).snapshot()
    evaluations = evaluate(snapshot, Settings(level=level), clusters=args.cluster)
    if args.format == "json":
        json.dump({"level": level.value, "evaluations": [e.to_json() for e in evaluations]}, out, indent=2)
        out.write("\n")
    else:
        _table(level, evaluations, out)
    return EXIT_NON_COMPLIANT if any(e.compliance_type.value == "NON_COMPLIANT" for e in evaluations) else EXIT_OK


def fix(args: argparse.Namespace, out: TextIO) -> int:
    eks, ec2 = _clients(args)
    level = Level(args.level)
    discovery = Discovery(eks=eks, ec2=ec2)
    outcome = remediate(discovery.snapshot, ec2, args.cluster, level, args.apply, args.allow_tag_removal)
    if args.format == "json":
        json.dump(outcome.to_json(), out, indent=2)
        out.write("\n")
    else:
        verb = "applied" if outcome.applied else "planned"
        print(f"cluster {outcome.cluster} ({level.value} level): {len(outcome.changes)} change(s) {verb}", file=out)
        for change in outcome.changes:
            state = "left alone" if not change.automatic else verb
            print(
                f"  [{state}] {change.action} {change.security_group_id} ({', '.join(change.checks)}): {change.detail}",
                file=out,
            )
        if outcome.applied and outcome.remaining:
            print(f"  still needed after applying: {len(outcome.remaining)} change(s)", file=out)
    return EXIT_OK if outcome.done else EXIT_NON_COMPLIANT


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        return scan(args, out) if args.command == "scan" else fix(args, out)
    except (UsageError, RemediationError) as error:
        print(f"eks-sg-rule: error: {error}", file=sys.stderr)
    except DiscoveryError as error:
        hint = f" (the caller needs {error.action})" if error.access_denied else ""
        print(f"eks-sg-rule: error: {error}{hint}", file=sys.stderr)
    except (BotoCoreError, ClientError) as error:
        print(f"eks-sg-rule: error: {error}", file=sys.stderr)
    return EXIT_ERROR
