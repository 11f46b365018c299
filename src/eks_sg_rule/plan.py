"""The remediation's plan, a pure value: the smallest set of SG changes that makes a cluster pass a level.

Only group-pair rules between the cluster's own SGs are added, never a CIDR; nothing is ever
revoked; a duplicate cluster tag is removed only when explicitly allowed. What cannot be fixed
that way (egress to 0.0.0.0/0, node launch templates, a shared control-plane SG) is reported as
a `manual` change and left alone, as is every network-path finding (plan_paths: network ACLs, routes,
VPC endpoints and publicAccessCidrs are never written). The trust rules (`trusted_security_groups`) and the carrier rule
(`foreign_carriers`, over DescribeNetworkInterfaces records) decide which change may be made
automatically. Pure: no AWS; remediation.py reads, plans, applies (aws/writes.py) and re-checks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .checks import Judge
from .interfaces import InterfaceRecord, branch_of, eks_control_plane, leaked_cni_instance, what
from .model import OWNED, Membership, Topology
from .names import CLUSTER_TAG_PREFIX
from .network import PortSet
from .plan_paths import component_of, is_path_check, refusal_of
from .requirements import CHECKS_BY_ID, Direction, Kind, Level, Traffic, judged_checks
from .results import CheckResult, Finding, Status
from .settings import Scope

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
    planned / applied / manual / failed (a manual change stays manual). A network-path finding's
    change (always manual) also names its `component_id` (acl-…, rtb-…, vpce-…, nat-…, a cluster)
    and the AWS CLI `command` that would make it (never run by us)."""

    action: str
    security_group_id: str
    checks: tuple[str, ...]
    detail: str
    permissions: tuple[dict[str, Any], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    status: str = PLANNED
    component_id: str = ""
    command: str = ""

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
            **({"component_id": self.component_id} if self.component_id else {}),
            **({"command": self.command} if self.command else {}),
        }


@dataclass(slots=True)
class _RuleNeed:
    checks: list[str]
    all_traffic: bool = False
    ports: PortSet = field(default_factory=PortSet)
    udp: PortSet = field(default_factory=PortSet)


def _permissions(need: _RuleNeed, peer: str) -> tuple[dict[str, Any], ...]:
    pair = [{"GroupId": peer, "Description": "eks-sg-rule remediation"}]
    if need.all_traffic:
        return ({"IpProtocol": "-1", "UserIdGroupPairs": pair},)
    return tuple(
        {"IpProtocol": protocol, "FromPort": low, "ToPort": high, "UserIdGroupPairs": pair}
        for protocol, ports in (("tcp", need.ports), ("udp", need.udp))
        for low, high in ports.intervals
    )


def _describe(need: _RuleNeed) -> str:
    parts = [f"{name} {ports.describe()}" for name, ports in (("TCP", need.ports), ("UDP", need.udp)) if ports]
    return "all traffic" if need.all_traffic else " and ".join(parts)


UNTRUSTED = "node membership rests on user-set tags"


def trusted_security_groups(topology: Topology) -> frozenset[str]:
    """SGs that belong to the cluster by evidence a user cannot forge with a tag.

    The cluster SG and `securityGroupIds` (DescribeCluster), the SGs the cluster's managed node
    groups give their nodes (launch template, remote access), and every SG on an interface of a
    node whose membership evidence is `aws` (model.Membership).
    """
    trusted = set(topology.cluster.control_plane_sg_ids)
    for group in topology.node_groups:
        for node in group.nodes:
            if node.membership is Membership.AWS:
                trusted |= node.all_security_group_ids
    return frozenset(trusted)


def foreign_carriers(
    topology: Topology,
    carriers: Mapping[str, Iterable[InterfaceRecord]],
    role_ids: Collection[str],
    trust_node_tags: bool = False,
) -> dict[str, str]:
    """SG id -> why a rule on it or naming it would reach beyond the cluster.

    An interface is the cluster's own only by positive evidence: attached to one of the cluster's
    nodes (whose membership evidence is `aws`, or any node with `trust_node_tags`); one of the
    cluster's control-plane interfaces (interfaces.eks_control_plane: in use, attached to no
    instance of the account, InterfaceType `interface`, RequesterId "<role id>:AmazonEKS" for one of
    `role_ids` (the RoleIds of the cluster's IAM role and EKS's service-linked role, read by the
    caller), described `Amazon EKS <name>`); with `trust_node_tags`, a branch interface (security groups for
    pods) whose tags name the cluster. Every other interface carrying the SG makes it foreign, and
    the reason names each one and what it is (interfaces.what): a load balancer, an RDS database, a
    VPC endpoint, a Lambda function, another cluster's node, an unrelated or stopped instance, an
    unattached interface, and an instance-less interface of an AWS service that nothing proves is
    the cluster's (a Fargate pod's interface included: no published output shows what would). An
    `available` VPC CNI interface whose instance is not a running node leaked: the reason says to
    delete it.
    """
    evidenced = {
        node.node_id
        for group in topology.node_groups
        for node in group.nodes
        if trust_node_tags or node.membership is Membership.AWS
    }
    running = frozenset(node.node_id for group in topology.node_groups for node in group.nodes)
    name = topology.cluster.name

    def own(carrier: InterfaceRecord) -> bool:
        if carrier.instance_id is not None:
            return carrier.instance_id in evidenced
        if eks_control_plane(carrier, name, role_ids):
            return True
        return trust_node_tags and carrier.in_use and name in branch_of(carrier)

    foreign: dict[str, str] = {}
    for sg_id, found in carriers.items():
        outside = [c for c in found if not own(c)]
        leaked = sorted(c.interface_id for c in outside if leaked_cni_instance(c, running))
        # Instances first: they say most about what the rule would reach.
        others = sorted(
            (c for c in outside if c.interface_id not in leaked), key=lambda c: (c.instance_id is None, c.interface_id)
        )
        reasons: list[str] = []
        if others:
            where = ", ".join(f"{c.interface_id} ({what(c)})" for c in others[:3])
            more = f" and {len(others) - 3} more" if len(others) > 3 else ""
            reasons.append(f"{sg_id} is also on network interface {where}{more}, outside cluster {name}")
        if leaked:
            more = f" and {len(leaked) - 3} more" if len(leaked) > 3 else ""
            reasons.append(f"{sg_id} is on leaked VPC CNI interface {', '.join(leaked[:3])}{more}: delete it")
        if reasons:
            foreign[sg_id] = "; ".join(reasons)
    return foreign


class Planner:
    """Plans the smallest set of changes that makes one cluster pass a level, inside a Scope."""

    def __init__(
        self, topology: Topology, scope: Scope | None = None, foreign: Mapping[str, str] | None = None
    ) -> None:
        """`scope` defaults to Scope() (level minimum, no opt-in). `foreign`: SG id -> why it reaches
        beyond the cluster (foreign_carriers): such an SG is never changed nor named automatically."""
        self.topology = topology
        self.foreign = dict(foreign or {})
        self.scope = scope = scope or Scope()
        self.judge = Judge(topology, scope.exempt_sg_ids)
        self.tag_key = CLUSTER_TAG_PREFIX + topology.cluster.name
        self.trusted = trusted_security_groups(topology)
        self.role_sgs = frozenset(topology.role_sg_ids())

    def results(self) -> list[CheckResult]:
        """The results to repair: requirements.judged_checks of the scope (kept as evaluate keeps them)."""
        s = self.scope
        judged = [(c, self.judge.judge(c)) for c in judged_checks(s.level, s.network_path, s.requirement_set)]
        return [r for c, r in judged if not c.reported_only_when_failing or r.status is Status.NON_COMPLIANT]

    def plan(self, results: Iterable[CheckResult] | None = None) -> list[Change]:
        """Every change the level needs, each automatic one checked against scope and trust.
        `results`: the check results to plan from (default: judged now, `results()`)."""
        rules: dict[tuple[str, Direction, str], _RuleNeed] = {}
        changes: list[Change] = []
        for result in self.results() if results is None else results:
            if result.status is not Status.NON_COMPLIANT:
                continue
            kind = CHECKS_BY_ID[result.check_id].kind
            for finding in result.findings:
                if is_path_check(result.check_id):
                    changes.extend(self._path(result.check_id, finding, rules))
                elif kind is Kind.FLOWS or (finding.gap is not None and finding.gap.peer_sg_ids):  # 2026 gaps too
                    changes.extend(self._flow(result.check_id, finding, rules))
                elif kind in (Kind.TAG_OWNED, Kind.NODE_TAG):
                    changes.append(self._tag(result.check_id, finding))
                else:  # a CIDR rule (HYBRID_NODES_NETWORK) names its exact command: never written
                    why = " (not made: the remediation never opens a CIDR)" if finding.change else ""
                    detail, cli = finding.message + why, finding.change or ""
                    changes.append(Change(MANUAL, finding.security_group_id, (result.check_id,), detail, command=cli))
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
        only = self.scope.only_security_group
        planned = self._keep_a_tag_on_every_interface([self._guarded(change) for change in _unique(changes)])
        return [change for change in planned if only is None or change.security_group_id == only]

    def _keep_a_tag_on_every_interface(self, changes: list[Change]) -> list[Change]:
        """A tag removal stays automatic only when every multi-SG interface carrying that SG (on any
        node of the cluster) keeps another tagged SG after every removal kept before it."""

        def tagged(sg_id: str) -> bool:
            group = self.topology.security_groups.get(sg_id)
            return group is not None and self.tag_key in group.tags

        interfaces = [
            (group.label, interface)
            for group in self.topology.node_groups
            for node in group.nodes
            for interface in node.interfaces
            if len(interface.security_group_ids) > 1
        ]
        removed: set[str] = set()
        kept: list[Change] = []
        for change in changes:
            if change.action != DELETE_TAGS or change.status != PLANNED:
                kept.append(change)
                continue
            gone = removed | {change.security_group_id}
            stranded = [
                label
                for label, interface in interfaces
                if change.security_group_id in interface.security_group_ids
                and not any(tagged(sg) and sg not in gone for sg in interface.security_group_ids)
            ]
            if stranded:
                why = f"it would leave {', '.join(dict.fromkeys(stranded))} with no tagged SG"
                kept.append(
                    Change(MANUAL, change.security_group_id, change.checks, f"{change.detail} (not made: {why})")
                )
            else:
                removed.add(change.security_group_id)
                kept.append(change)
        return kept

    def _guarded(self, change: Change) -> Change:
        """The change itself, or a manual one saying why it may not be made automatically."""
        if not change.automatic:
            return change
        reason = self._refusal(change.security_group_id, target=True)
        for peer in dict.fromkeys(sgs_of(change)[1:]):
            reason = reason or self._refusal(peer, target=False)
        if reason is None:
            return change
        return Change(MANUAL, change.security_group_id, change.checks, f"{change.detail} (not made: {reason})")

    def _refusal(self, sg_id: str, target: bool) -> str | None:
        topology = self.topology
        if sg_id not in topology.security_groups:
            return f"{sg_id} could not be read"
        if sg_id not in self.role_sgs:
            return f"{sg_id} plays no role for cluster {topology.cluster.name}"
        if topology.security_groups[sg_id].name == DEFAULT_SG_NAME:
            # Every interface created in the VPC without an SG gets it: a rule on it or naming it
            # reaches far beyond the cluster (custom networking's ENIConfig falls back to it).
            return f"{sg_id} is its VPC's default SG, which anything launched without an SG carries; decide by hand"
        if target and sg_id in self.scope.exempt_sg_ids:
            return f"{sg_id} is in ExemptSecurityGroupIds"
        if target and topology.shared_with.get(sg_id):
            return f"{sg_id} is also used by cluster {', '.join(topology.shared_with[sg_id])}"
        if target:
            others = [
                key[len(CLUSTER_TAG_PREFIX) :]
                for key in topology.security_groups[sg_id].tags
                if key.startswith(CLUSTER_TAG_PREFIX) and key != self.tag_key
            ]
            if others:
                return f"{sg_id} is tagged for cluster {', '.join(sorted(others))}"
        if sg_id in self.foreign:
            return self.foreign[sg_id]
        if sg_id not in self.trusted and not self.scope.trust_node_tags:
            return f"{UNTRUSTED} ({sg_id}; accept with --trust-node-tags or TrustNodeTags=true)"
        return None

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
            elif gap.traffic is Traffic.UDP:
                need.udp = need.udp.union(gap.ports)
            else:
                need.ports = need.ports.union(gap.ports)
        return []

    def _path(
        self, check_id: str, finding: Finding, rules: dict[tuple[str, Direction, str], _RuleNeed]
    ) -> list[Change]:
        """A network-path finding: manual with its message and command (plan_paths.refusal_of)."""
        if (reason := refusal_of(finding, self._refusal)) is None:
            return self._flow(check_id, finding, rules)
        cli = finding.change or ""
        where = component_of(finding)
        return [Change(MANUAL, finding.security_group_id, (check_id,), reason, component_id=where, command=cli)]

    def _tag(self, check_id: str, finding: Finding) -> Change:
        sg_id = finding.security_group_id
        if finding.tag_repair == "tag" and sg_id:
            return Change(
                CREATE_TAGS, sg_id, (check_id,), f"set {self.tag_key}=owned on {sg_id}", tags={self.tag_key: OWNED}
            )
        if finding.tag_repair == "untag" and self.scope.allow_tag_removal:
            detail = f"remove {self.tag_key} from {sg_id}"
            return Change(DELETE_TAGS, sg_id, (check_id,), detail, tags={self.tag_key: ""})
        why = (
            "tag removal needs --allow-tag-removal" if finding.tag_repair == "untag" else "not repairable automatically"
        )
        return Change(MANUAL, sg_id, (check_id,), f"{finding.message} ({why})")


def sgs_of(change: Change) -> list[str]:
    """The SG a change writes to and every SG its rules name as a peer."""
    peers = [pair["GroupId"] for permission in change.permissions for pair in permission["UserIdGroupPairs"]]
    return [change.security_group_id, *peers]


def _unique(changes: Iterable[Change]) -> list[Change]:
    seen: set[tuple[str, str, str]] = set()
    unique: list[Change] = []
    for change in changes:
        key = (change.action, change.security_group_id, change.detail)
        if key not in seen:
            seen.add(key)
            unique.append(change)
    return unique


@dataclass(frozen=True, slots=True)
class Outcome:
    """One cluster's remediation: the plan or what was applied (`changes`), whether it was applied,
    and what the re-check after applying still finds (`remaining`; the plan itself when not applied)."""

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


DEFAULT_SG_NAME = "default"


class RemediationError(Exception):
    """The remediation could not plan or apply; the message says why."""


def preview(topology: Topology, scope: Scope) -> Outcome:
    """The plan of one cluster from a topology already read: no AWS call, nothing applied.

    Nothing is known of the other network interfaces carrying the SGs (remediation.remediate reads
    them), so a change the carrier rule would keep manual may show as planned. Returns an Outcome
    with `applied` False and `remaining` the plan itself. Raises RemediationError when the cluster
    is outside the scope (Scope.refusal).
    """
    if refusal := scope.refusal(topology.cluster):
        raise RemediationError(refusal)
    changes = tuple(Planner(topology, scope).plan())
    return Outcome(topology.cluster.name, scope.level, changes, applied=False, remaining=changes)
