"""The remediation's rule for network-path findings (NetworkPath): they are for a person, never written.

A network-path finding (requirements.PATH_CHECKS: NACL_MINIMUM, NACL_RECOMMENDED, NODE_EGRESS_AWS_APIS)
names the component the change belongs on (a network ACL acl-…, a route table rtb-…, a VPC endpoint
vpce-…, a NAT gateway nat-…, or the cluster for its publicAccessCidrs) and the exact AWS CLI command
that would make the change (results.Finding.change). The remediation never changes any of those: the
plan carries the finding as a `manual` change with the message and the command. Only a finding whose
missing piece is an SG rule between SGs (it names the SG and carries a results.Gap with peer SGs) may
be planned like the other SG gaps, under the same trust rules (plan.Planner).

Pure: no AWS. Used by plan.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from .requirements import CHECKS_BY_ID
from .results import Finding

# What the remediation never writes, in the words a plan gives a person.
NOT_MADE = " (not made: "
_Change = TypeVar("_Change")

NEVER_WRITTEN = "network ACLs, routes, VPC endpoints and publicAccessCidrs are never changed by eks-sg-rule"


def is_path_check(check_id: str) -> bool:
    """Whether `check_id` is one of the network-path checks (requirements.PATH_CHECKS); False for an
    id the requirements do not know."""
    check = CHECKS_BY_ID.get(check_id)
    return check is not None and check.network_path


def sg_gap(finding: Finding) -> bool:
    """Whether a path finding's missing piece is an SG rule the SG planner may consider: it names the SG
    (`security_group_id`), carries a Gap, and the Gap names peer SGs (the remediation never opens a CIDR
    or a prefix list)."""
    return bool(finding.security_group_id and finding.gap is not None and finding.gap.peer_sg_ids)


def manual_detail(finding: Finding, reason: str | None = None) -> str:
    """The text of a path finding's manual change: its message, why it is not made (`reason`, else
    NEVER_WRITTEN), and the AWS CLI command that would make it when the finding has one.

    E.g. "NACL acl-1 (subnet subnet-1, nodegroup ng-1) denies inbound TCP 10250 from 10.0.16.0/20 at rule
    90: add an allow rule numbered below 90 (not made: network ACLs, … never changed by eks-sg-rule);
    AWS CLI: aws ec2 create-network-acl-entry …"."""
    text = f"{finding.message}{NOT_MADE}{reason or NEVER_WRITTEN})"
    return f"{text}; AWS CLI: {finding.change}" if finding.change else text


def component_of(finding: Finding) -> str:
    """Where the change belongs: the finding's component id (acl-…, rtb-…, vpce-…, nat-…, a cluster
    name), else its SG id; "" when it names neither."""
    return finding.component_id or finding.security_group_id


def refusal_of(finding: Finding, refusal: Callable[[str, bool], str | None]) -> str | None:
    """None when a path finding may be planned like the other SG gaps: an SG rule between SGs
    (sg_gap) that `refusal(sg_id, target)` (plan.Planner's trust rules: the SG changed, then each peer)
    lets the remediation write. Else the manual change's text (manual_detail), with the refusal's
    reason when there was one."""
    reason = None
    if sg_gap(finding) and finding.gap is not None:
        sgs = [(finding.security_group_id, True), *((peer, False) for peer in finding.gap.peer_sg_ids)]
        reason = next((why for sg_id, target in sgs if (why := refusal(sg_id, target))), None)
        if reason is None:
            return None
    return manual_detail(finding, reason)


def merge_same_commands(changes: list[_Change]) -> list[_Change]:
    """The plan's changes with every manual change whose AWS CLI `command` an earlier one already
    gives folded into that earlier one: its checks added, its message added to the detail's
    messages (before " (not made: …"), so each command is printed once.

    `changes`: plan.Change items (action, checks, detail, command); order kept; changes without a
    command or not manual pass through unchanged. Several findings share one change when one
    command fixes them all (e.g. one ECR endpoint per service for the VPC, or the same network ACL
    entry for two node subnets)."""
    first: dict[str, int] = {}
    merged: list[_Change] = []
    for change in changes:
        item: Any = change
        if item.action != "manual" or not item.command:
            merged.append(change)
            continue
        index = first.setdefault(item.command, len(merged))
        if index == len(merged):
            merged.append(change)
            continue
        known: Any = merged[index]
        message = item.detail.partition(NOT_MADE)[0]
        head, sep, tail = known.detail.partition(NOT_MADE)
        detail = known.detail if message in head.split("; ") else f"{head}; {message}{sep}{tail}"
        checks = tuple(dict.fromkeys((*known.checks, *item.checks)))
        merged[index] = dataclasses.replace(known, checks=checks, detail=detail)
    return merged
