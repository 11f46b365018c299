"""Plan and apply the smallest set of SG changes that makes a cluster pass a level.

Only group-pair rules between the cluster's own SGs are added, never a CIDR; nothing is ever
revoked; a duplicate cluster tag is removed only when explicitly allowed. What cannot be fixed
that way (egress to 0.0.0.0/0, node launch templates, a shared control-plane SG) is reported as
a `manual` change and left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .checks import CheckResult, Finding, Judge, Status
from .model import CLUSTER_TAG_PREFIX, OWNED, Topology
from .network import PortSet
from .requirements import CHECKS_BY_ID, Direction, Kind, Level, Traffic, checks_for

AUTHORIZE_INGRESS = "authorize_ingress"
AUTHORIZE_EGRESS = "authorize_egress"
CREATE_TAGS = "create_tags"
DELETE_TAGS = "delete_tags"
MANUAL = "manual"

# Per-change status in plans and outcomes (stable JSON values).
PLANNED = "planned"
APPLIED = "applied"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Change:
    """One planned SG change. `checks` are the check ids it repairs; `status` is one of
    planned / applied / manual / failed (a manual change stays manual)."""

    action: str
    security_group_id: str
    checks: tuple[str, ...]
    detail: str
    permissions: tuple[dict[str, Any], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    status: str = PLANNED

    def __post_init__(self) -> None:
        if self.action == MANUAL and self.status == PLANNED:
            object.__setattr__(self, "status", MANUAL)

    @property
    def automatic(self) -> bool:
        return self.action != MANUAL

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "security_group_id": self.security_group_id,
            "check": list(self.checks),
            "detail": self.detail,
            "status": self.status,
        }


@dataclass(slots=True)
class _RuleNeed:
    checks: list[str]
    all_traffic: bool = False
    ports: PortSet = field(default_factory=PortSet)


def _permissions(need: _RuleNeed, peer: str) -> tuple[dict[str, Any], ...]:
    pair = [{"GroupId": peer, "Description": "eks-sg-rule remediation"}]
    if need.all_traffic:
        return ({"IpProtocol": "-1", "UserIdGroupPairs": pair},)
    return tuple(
        {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "UserIdGroupPairs": pair}
        for low, high in need.ports.intervals
    )


def _describe(need: _RuleNeed) -> str:
    return "all traffic" if need.all_traffic else f"TCP {need.ports.describe()}"


class Planner:
    def __init__(self, topology: Topology, level: Level, allow_tag_removal: bool = False) -> None:
        self.topology = topology
        self.level = level
        self.allow_tag_removal = allow_tag_removal
        self.judge = Judge(topology)
        self.tag_key = CLUSTER_TAG_PREFIX + topology.cluster.name

    def results(self) -> list[CheckResult]:
        return [self.judge.judge(check) for check in checks_for(self.level)]

    def plan(self) -> list[Change]:
        rules: dict[tuple[str, Direction, str], _RuleNeed] = {}
        changes: list[Change] = []
        for result in self.results():
            if result.status is not Status.NON_COMPLIANT:
                continue
            kind = _kind(result.check_id)
            for finding in result.findings:
                if kind is Kind.FLOWS:
                    changes.extend(self._flow(result.check_id, finding, rules))
                elif kind is Kind.TAG_OWNED:
                    changes.append(self._tag(result.check_id, finding))
                else:
                    changes.append(Change(MANUAL, finding.security_group_id, (result.check_id,), finding.message))
        for (sg_id, direction, peer), need in rules.items():
            action = AUTHORIZE_INGRESS if direction is Direction.INGRESS else AUTHORIZE_EGRESS
            where = "from" if direction is Direction.INGRESS else "to"
            changes.append(
                Change(
                    action,
                    sg_id,
                    tuple(dict.fromkeys(need.checks)),
                    f"allow {direction.value} {_describe(need)} {where} {peer}",
                    permissions=_permissions(need, peer),
                )
            )
        return _unique(changes)

    def _flow(
        self, check_id: str, finding: Finding, rules: dict[tuple[str, Direction, str], _RuleNeed]
    ) -> list[Change]:
        gap = finding.gap
        if gap is None or not gap.peer_sg_ids or not finding.security_group_id:
            reason = "the remediation never opens a CIDR" if gap and not gap.peer_sg_ids else "no SG to change"
            return [Change(MANUAL, finding.security_group_id, (check_id,), f"{finding.message} ({reason})")]
        for peer in gap.peer_sg_ids:
            need = rules.setdefault((finding.security_group_id, gap.direction, peer), _RuleNeed([]))
            need.checks.append(check_id)
            if gap.traffic in (Traffic.ALL, Traffic.ANY):
                need.all_traffic = True
            else:
                need.ports = need.ports.union(gap.ports)
        return []

    def _tag(self, check_id: str, finding: Finding) -> Change:
        sg_id = finding.security_group_id
        if finding.tag_repair == "tag":
            return Change(
                CREATE_TAGS, sg_id, (check_id,), f"set {self.tag_key}=owned on {sg_id}", tags={self.tag_key: OWNED}
            )
        if finding.tag_repair == "untag" and self.allow_tag_removal:
            return Change(
                DELETE_TAGS, sg_id, (check_id,), f"remove {self.tag_key} from {sg_id}", tags={self.tag_key: ""}
            )
        why = "tag removal needs AllowTagRemoval" if finding.tag_repair == "untag" else "not repairable automatically"
        return Change(MANUAL, sg_id, (check_id,), f"{finding.message} ({why})")


def _kind(check_id: str) -> Kind:
    return CHECKS_BY_ID[check_id].kind


def _unique(changes: Iterable[Change]) -> list[Change]:
    seen: set[tuple[str, str, str]] = set()
    unique: list[Change] = []
    for change in changes:
        key = (change.action, change.security_group_id, change.detail)
        if key not in seen:
            seen.add(key)
            unique.append(change)
    return unique


def apply(ec2: Any, changes: Iterable[Change]) -> list[Change]:
    """Apply the automatic changes; a rule or tag already present counts as done. Returns what was applied."""
    applied: list[Change] = []
    for change in changes:
        try:
            if change.action == AUTHORIZE_INGRESS:
                ec2.authorize_security_group_ingress(
                    GroupId=change.security_group_id, IpPermissions=list(change.permissions)
                )
            elif change.action == AUTHORIZE_EGRESS:
                ec2.authorize_security_group_egress(
                    GroupId=change.security_group_id, IpPermissions=list(change.permissions)
                )
            elif change.action == CREATE_TAGS:
                tags = [{"Key": key, "Value": value} for key, value in change.tags.items()]
                ec2.create_tags(Resources=[change.security_group_id], Tags=tags)
            elif change.action == DELETE_TAGS:
                ec2.delete_tags(Resources=[change.security_group_id], Tags=[{"Key": key} for key in change.tags])
            else:
                continue
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "InvalidPermission.Duplicate":
                raise
        applied.append(change)
    return applied


@dataclass(frozen=True, slots=True)
class Outcome:
    cluster: str
    level: Level
    changes: tuple[Change, ...]
    applied: bool
    remaining: tuple[Change, ...] = ()

    @property
    def done(self) -> bool:
        """Nothing needs changing, or everything was applied and the re-check found nothing left."""
        return not self.remaining if self.applied else not self.changes

    def to_json(self) -> dict[str, Any]:
        """{"cluster", "level", "changes": [Change.to_json()], "applied": bool, "remaining": [...]}:
        `remaining` is what the re-check after an apply still finds (the plan itself when not applied)."""
        return {
            "cluster": self.cluster,
            "level": self.level.value,
            "changes": [change.to_json() for change in self.changes],
            "applied": self.applied,
            "remaining": [change.to_json() for change in self.remaining],
        }


class RemediationError(Exception):
    """The remediation could not plan or apply; the message says why."""


def remediate(
    discover: Any,
    ec2: Any,
    cluster: str,
    level: Level,
    apply_changes: bool,
    allow_tag_removal: bool = False,
    trust_node_tags: bool = False,
) -> Outcome:
    """Re-read the live state, plan, and (when asked) apply and re-check one cluster.

    `discover` is a callable returning a fresh Snapshot: the plan never trusts an older view
    (AWS Config may trigger remediation from a stale snapshot of an already fixed resource).
    """
    topology = discover().topologies.get(cluster)
    if topology is None:
        raise RemediationError(f"cluster {cluster} not found in this account and region")
    changes = tuple(Planner(topology, level, allow_tag_removal).plan())
    if not apply_changes or not any(change.automatic for change in changes):
        return Outcome(cluster, level, changes, applied=False, remaining=changes)
    apply(ec2, changes)
    after = discover().topologies.get(cluster)
    remaining = tuple(Planner(after, level, allow_tag_removal).plan()) if after else ()
    return Outcome(cluster, level, changes, applied=True, remaining=remaining)
