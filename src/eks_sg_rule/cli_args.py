"""The CLI's flags beyond the basics: one value per single-value flag, the rule's scope parameters,
several accounts, and the pipeline exit policy.

- `Once`: an argparse action refusing a second value (argparse alone keeps the last one silently).
- `--exempt-sg` and `--cluster-name-pattern` are validated by the rule's own code
  (parameters.settings_from, ExemptSecurityGroupIds and ClusterNamePattern), so an invalid value is
  refused with the rule's words, and mean what they mean to the rule (settings.Settings, settings.Scope).
- `--fail-on` and `--fail-if-empty`: `exit_code` says when a scan exits 1.
- `--requirements {2020,2026,latest}`: the rule's RequirementSet parameter.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from .names import ACCOUNT_ID, CLUSTER_NAME, ROLE_NAME
from .parameters import InvalidParametersError, settings_from
from .report.scan import ScanResult
from .requirements import RequirementSet
from .results import Status
from .settings import Settings

FAIL_ON = ("non-compliant", "not-applicable")
CANNOT_JUDGE = "cannot judge"


class Once(argparse.Action):
    """Store one value; a second occurrence of the flag is a usage error naming it (exit 2)."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None
    ) -> None:
        """Store `values`, or raise ArgumentError when the flag was already given in this command line."""
        seen: set[str] = namespace.__dict__.setdefault("_given_once", set())
        if self.dest in seen:
            raise argparse.ArgumentError(self, "given more than once; it takes one value")
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


def region_name(value: str) -> str:
    """An argparse type: a region name, never empty (an empty one would fall back silently)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty region: name one, e.g. --region us-east-1")
    return value.strip()


def exempt_sg(value: str) -> frozenset[str]:
    """An argparse type: SG ids (one, or comma-separated) checked as the rule checks ExemptSecurityGroupIds."""
    try:
        return settings_from({"ExemptSecurityGroupIds": value}).exempt_sg_ids
    except InvalidParametersError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def name_pattern(value: str) -> re.Pattern[str] | None:
    """An argparse type: a regular expression checked and compiled as the rule does ClusterNamePattern
    (matched against the whole name; empty means every cluster)."""
    try:
        return settings_from({"ClusterNamePattern": value}).cluster_name_pattern
    except InvalidParametersError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def account_id(value: str) -> str:
    """An argparse type: a 12-digit AWS account id."""
    if not ACCOUNT_ID.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an AWS account id (12 digits)")
    return value


def role_name(value: str) -> str:
    """An argparse type: an IAM role name (1-64 of letters, digits and +=,.@_-)."""
    if not ROLE_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an IAM role name (1-64 letters, digits and +=,.@_-)")
    return value


def add_scope_flags(parser: argparse.ArgumentParser) -> None:
    """--exempt-sg and --cluster-name-pattern, as the rule's parameters of the same meaning."""
    parser.add_argument(
        "--exempt-sg",
        action="append",
        type=exempt_sg,
        metavar="ID",
        help="as the rule's ExemptSecurityGroupIds: this SG is NOT_APPLICABLE, never required to be dedicated, "
        "never changed by fix; repeat for several",
    )
    parser.add_argument(
        "--cluster-name-pattern",
        action=Once,
        type=name_pattern,
        metavar="REGEX",
        help="as the rule's ClusterNamePattern: judge (and fix) only clusters whose whole name matches",
    )


def add_account_flags(parser: argparse.ArgumentParser, several: bool) -> None:
    """--profile, --role-name and --account (see targets.py); `several`: --profile and --account repeatable
    (scan), else each once (fix works in one account)."""
    repeat = "append" if several else Once
    parser.add_argument(
        "--profile",
        action=repeat,
        metavar="PROFILE",
        help="AWS named profile (default: AWS_PROFILE or the default credentials)"
        + ("; repeat to read several accounts" if several else "")
        + "; with --role-name, the base credentials"
        + (" (once)" if several else ""),
    )
    parser.add_argument(
        "--role-name",
        action=Once,
        type=role_name,
        metavar="NAME",
        help="assume arn:<partition>:iam::<ID>:role/NAME in the --account ID (e.g. the organisation rollout's "
        "execution role) and read there",
    )
    parser.add_argument(
        "--account",
        action=repeat,
        type=account_id,
        metavar="ID",
        help="the account to read with --role-name" + ("; repeat for several" if several else " (one)"),
    )


def add_pipeline_flags(parser: argparse.ArgumentParser) -> None:
    """--fail-on and --fail-if-empty (scan)."""
    parser.add_argument(
        "--fail-on",
        action=Once,
        choices=FAIL_ON,
        default="non-compliant",
        help="exit 1 when anything is NON_COMPLIANT (non-compliant, default), or also when anything could not "
        "be judged (not-applicable: a NOT_APPLICABLE that says cannot judge)",
    )
    parser.add_argument("--fail-if-empty", action="store_true", help="exit 1 when no cluster was found")


def exempt_ids(values: Sequence[frozenset[str]] | None) -> frozenset[str]:
    """The union of every --exempt-sg."""
    return frozenset().union(*values) if values else frozenset()


def cannot_judge(result: ScanResult) -> bool:
    """Whether some evaluation is NOT_APPLICABLE because it could not be judged: one of its checks is
    (CheckResult.cannot_judge: no worker nodes found, no cluster SG reported, sharing unknowable), or
    its detail starts with "cannot judge" (evaluate.judge_cluster: what could not be read might fail a
    check). A cluster outside the scope, an exempted SG or a Fargate-only node check is not one."""
    return any(
        view.status is Status.NOT_APPLICABLE
        and (view.evaluation.detail.startswith(CANNOT_JUDGE) or any(c.result.cannot_judge for c in view.checks))
        for view in result.evaluations
    )


def exit_code(result: ScanResult, settings: Settings, fail_on: str, fail_if_empty: bool) -> int:
    """1 when something is NON_COMPLIANT; with `fail_on` not-applicable, also when something could not be
    judged (cannot_judge); with `fail_if_empty`, also when no cluster was found in the scope (none at all,
    or none whose name matches --cluster-name-pattern). Else 0."""
    failed = result.non_compliant
    failed = failed or (fail_on == "not-applicable" and cannot_judge(result))
    found = [view for view in result.clusters if settings.in_scope(view.evaluation.resource_id)]
    failed = failed or (fail_if_empty and not found)
    return 1 if failed else 0


def requirement_set(value: str) -> RequirementSet:
    """An argparse type: `2020`, `2026` or `latest` (RequirementSet.parse) -> the set; anything else is
    refused with the accepted values (argparse.ArgumentTypeError)."""
    try:
        return RequirementSet.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_requirements(parser: argparse.ArgumentParser) -> None:
    """`--requirements {2020,2026,latest}` (default 2020), as `args.requirements` (a RequirementSet)."""
    parser.add_argument(
        "--requirements",
        type=requirement_set,
        default=RequirementSet.Y2020,
        metavar="{2020,2026,latest}",
        help="which AWS text the checks follow: 2020 (default; the 2020 requirement tables), 2026 (the EKS user "
        "guide today: cluster SG defaults and restricted minimum, owned or shared tag, EFA, hybrid nodes, "
        "security groups for pods) or latest (the newest set)",
    )


def cluster_name(value: str) -> str:
    """An argparse type: a name EKS could have given a cluster, checked before any AWS call."""
    if not CLUSTER_NAME.fullmatch(value):  # names.CLUSTER_NAME: EKS CreateCluster, 1-100 characters
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise argparse.ArgumentTypeError(
            f"{shown!r} ({len(value)} characters) is not an EKS cluster name: 1-100 letters, digits, "
            "hyphens and underscores, starting with a letter or digit"
        )
    return value


def endpoint_url(value: str) -> str:
    """An argparse type: an http(s) URL with a host."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a URL: expected http(s)://host[:port]")
    return value
