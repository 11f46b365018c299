"""One pure judgement per check id: topology in, result with a reason and the SG to fix out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from .checks2026 import JUDGEMENTS, cluster_sg_exists
from .model import OWNED, Membership, Permission, Topology
from .names import CLUSTER_TAG_PREFIX
from .network import Endpoint, PortSet, Reach, reach
from .paths import judge_paths
from .requirements import Check, Direction, Flow, Kind, Party, Traffic
from .results import CheckResult, Finding, Gap, Status
from .sides import WorkerSide, names, worker_owner, worker_sides
from .sides import selected as _selected


class Judge:
    """Judges one cluster topology; exempt SGs are never required to be dedicated."""

    def __init__(self, topology: Topology, exempt_sg_ids: frozenset[str] = frozenset()) -> None:
        self.topology = topology
        self.cluster = topology.cluster
        self.exempt = exempt_sg_ids
        self.workers = worker_sides(topology)
        self.tag_key = CLUSTER_TAG_PREFIX + self.cluster.name
        anywhere = self.cluster.anywhere
        self.anywhere = Endpoint(str(anywhere), frozenset(), (anywhere,))
        control_plane_networks = self.cluster.addresses(topology.control_plane_networks) or (anywhere,)
        self.control_plane = Endpoint(
            "control plane", frozenset(self.cluster.control_plane_sg_ids), control_plane_networks
        )
        cluster_sg = self.cluster.cluster_sg_id
        self.cluster_sg = Endpoint(f"cluster SG {cluster_sg}", frozenset([cluster_sg] if cluster_sg else []))

    def judge(self, check: Check) -> CheckResult:
        if check.kind is Kind.CLUSTER_SG_EXISTS:
            return cluster_sg_exists(self.topology, check)
        if check.needs_cluster_sg and not self.cluster.cluster_sg_id:
            return self._no_cluster_sg(check)
        if check.needs_nodes and not self.workers:
            if self.cluster.fargate_profiles:
                return CheckResult(
                    check.id,
                    Status.NOT_APPLICABLE,
                    f"no EC2 worker nodes: pods run on Fargate (profiles {names(self.cluster.fargate_profiles)}), "
                    "which gives them the cluster SG",
                )
            return CheckResult(
                check.id,
                Status.NOT_APPLICABLE,
                "no worker nodes found (no running instance of the cluster in its VPC, no readable managed node "
                "group, no Fargate profile): cannot judge",
                cannot_judge=True,
            )
        if check.network_path:
            return judge_paths(self.topology, check)
        if check.kind in JUDGEMENTS:
            result = JUDGEMENTS[check.kind](self.topology, check)
            note = self._membership_note() if check.needs_nodes and not result.cannot_judge else ""
            return replace(result, detail=result.detail + note) if note else result
        findings = self._flows(check) if check.kind is Kind.FLOWS else _JUDGEMENTS[check.kind](self)
        if check.kind is Kind.DEDICATED and not findings and self.topology.unread_clusters:
            return CheckResult(
                check.id,
                Status.NOT_APPLICABLE,
                f"clusters {names(self.topology.unread_clusters)} were not read: cannot tell whether they share an SG",
                cannot_judge=True,
            )
        note = self._membership_note() if check.needs_nodes else ""
        if findings:
            detail = "; ".join(f.message for f in findings) + note
            return CheckResult(check.id, Status.NON_COMPLIANT, detail, tuple(findings))
        return CheckResult(check.id, Status.COMPLIANT, self._pass_detail(check) + note)

    def _membership_note(self) -> str:
        """Says which node groups are known only by user-set tags (see model.Membership)."""
        by_tags = [group.label for group in self.topology.node_groups if group.membership is Membership.TAGS]
        if not by_tags:
            return ""
        return f" (node membership of {names(by_tags)} rests on user-set tags only)"

    def _no_cluster_sg(self, check: Check) -> CheckResult:
        version = self.cluster.version or "unknown"
        if self.cluster.predates_cluster_sg:
            platform = f" on {self.cluster.platform_version}" if self.cluster.platform_version else ""
            return CheckResult(
                check.id,
                Status.NOT_APPLICABLE,
                f"no cluster security group: Kubernetes {version}{platform} predates 1.14/eks.3",
            )
        return CheckResult(
            check.id,
            Status.NOT_APPLICABLE,
            f"EKS reports no cluster security group for Kubernetes {version}: cannot judge",
            cannot_judge=True,
        )

    def _pass_detail(self, check: Check) -> str:
        if check.kind is Kind.FLOWS:
            return "; ".join(f"{flow.direction.value} {flow.describe()} {_towards(flow)} ok" for flow in check.flows)
        if check.kind is Kind.TAG_OWNED:
            if all(len(side.endpoint.security_group_ids) < 2 for side in self.workers):
                return "every node has a single SG (the tag is optional)"
            return f"every node with several SGs has exactly one tagged {self.tag_key}=owned"
        if check.kind is Kind.CLUSTER_SG_ON_WORKERS:
            return f"every node carries the cluster SG {self.cluster.cluster_sg_id}"
        return "control-plane SGs are used by this cluster's control plane only"

    # --- SG rules and the SG a failure is reported on -------------------------------------------

    def _rules(self, sg_ids: Iterable[str], direction: Direction) -> list[Permission]:
        rules: list[Permission] = []
        for sg_id in sg_ids:
            group = self.topology.security_groups.get(sg_id)
            if group is not None:
                rules.extend(group.ingress if direction is Direction.INGRESS else group.egress)
        return rules

    def unreadable(self, sg_ids: Iterable[str]) -> list[str]:
        """The SGs of `sg_ids` that could not be read, sorted."""
        return sorted(sg for sg in sg_ids if sg not in self.topology.security_groups)

    def control_plane_owner(self) -> str:
        """The control-plane SG a missing rule belongs on: the first additional SG, else the cluster SG."""
        additional = self.cluster.additional_sg_ids
        return additional[0] if additional else (self.cluster.cluster_sg_id or "")

    def worker_owner(self, side: WorkerSide) -> str:
        """The node SG a missing rule belongs on: the node's tagged SG, else its own, else the cluster SG."""
        return worker_owner(self.topology, side)

    def tags(self, sg_id: str) -> dict[str, str]:
        """The SG's tags ({} when it could not be read)."""
        group = self.topology.security_groups.get(sg_id)
        return dict(group.tags) if group else {}

    # --- flows ---------------------------------------------------------------------------------

    def _subjects(self, check: Check) -> list[tuple[str, Endpoint, str, WorkerSide | None]]:
        """(label, endpoint, owner SG, worker side or None) for each side the check judges."""
        if check.subject is Party.CONTROL_PLANE:
            return [("control plane", self.control_plane, self.control_plane_owner(), None)]
        if check.subject is Party.CLUSTER_SG:
            cluster_sg = self.cluster.cluster_sg_id or ""
            return [(f"cluster SG {cluster_sg}", self.cluster_sg, cluster_sg, None)]
        return [(side.label, side.endpoint, self.worker_owner(side), side) for side in self.workers]

    def _peers(self, flow: Flow, subject: WorkerSide | None = None) -> list[tuple[str, Endpoint, str | None]]:
        """(label, endpoint, the SG a repair would reference) for each peer of a flow."""
        party = flow.peer
        if party is Party.WORKERS:
            sides = _selected(self.workers, flow.interfaces, subject)
            return [(side.label, side.endpoint, self.worker_owner(side)) for side in sides]
        if party is Party.CONTROL_PLANE:
            sgs = names(self.cluster.control_plane_sg_ids)
            return [(f"the control plane ({sgs})", self.control_plane, self.control_plane_owner() or None)]
        if party is Party.CLUSTER_SG:
            return [("itself", self.cluster_sg, self.cluster.cluster_sg_id)]
        return [(str(self.anywhere.label), self.anywhere, None)]

    def _flows(self, check: Check) -> list[Finding]:
        findings: list[Finding] = []
        for subject_label, subject, owner, side in self._subjects(check):
            rules_by_direction = {
                direction: self._rules(subject.security_group_ids, direction) for direction in Direction
            }
            for flow in check.flows:
                if side is not None and side not in _selected([side], flow.interfaces):
                    continue  # e.g. kubelet traffic reaches the primary interface only
                rules = rules_by_direction[flow.direction]
                # Group failing peers by what they miss, so one message names them together.
                missing: dict[PortSet | bool, list[tuple[str, str | None]]] = {}
                for peer_label, peer, peer_owner in self._peers(flow, side):
                    granted = reach(rules, peer, self.topology.prefix_lists)
                    gap = _missing_ports(flow, granted)
                    if gap:
                        missing.setdefault(gap, []).append((peer_label, peer_owner))
                for gap, peers in missing.items():
                    ports = gap if isinstance(gap, PortSet) else PortSet()
                    text = f"TCP {ports.describe()}" if ports else flow.describe()
                    repair = Gap(flow.direction, flow.traffic, ports, tuple(dict.fromkeys(p for _, p in peers if p)))
                    message = self._flow_message(
                        subject_label, subject, owner, flow, text, [label for label, _ in peers]
                    )
                    findings.append(Finding(owner, message, repair))
        return findings

    def _flow_message(
        self, subject_label: str, subject: Endpoint, owner: str, flow: Flow, gap: str, peers: list[str]
    ) -> str:
        if flow.direction is Direction.INGRESS:
            text = f"{subject_label} does not admit {flow.purpose} {gap} from {names(peers)}; allow ingress on {owner}"
        else:
            text = f"{subject_label} cannot send {flow.purpose} {gap} to {names(peers)}; allow egress from {owner}"
        unreadable = self.unreadable(subject.security_group_ids)
        if unreadable:
            text += f" (could not read {names(unreadable)})"
        return text


# --- tags, cluster SG on nodes, dedicated control-plane SG: judgements over a Judge's view -------


def _tag_owned(judge: Judge) -> list[Finding]:
    """TAG_OWNED: each multi-SG node interface has exactly one SG tagged kubernetes.io/cluster/<name>=owned."""
    findings: list[Finding] = []
    for side in judge.workers:
        sg_ids = sorted(side.endpoint.security_group_ids)
        if len(sg_ids) < 2:
            continue
        tagged = [sg for sg in sg_ids if judge.tag_key in judge.tags(sg)]
        unreadable = judge.unreadable(sg_ids)
        owner = judge.worker_owner(side)
        if len(tagged) > 1:
            # Exactly one keeps the tag: the cluster SG when it is on the interface, else the
            # node's own SG (the first, for a stable choice).
            cluster_sg = judge.cluster.cluster_sg_id
            kept = cluster_sg if cluster_sg in tagged else tagged[0]
            blamed = [sg for sg in tagged if sg != kept]
            keep = f"the cluster SG {kept}" if kept == cluster_sg else kept
            message = (
                f"{side.label}: several SGs tagged {judge.tag_key} ({names(tagged)}); keep the tag on "
                f"{keep} and remove it from {names(blamed)}"
            )
            findings.extend(Finding(sg, message, tag_repair="untag") for sg in blamed)
        elif not tagged:
            why = f" (could not read {names(unreadable)})" if unreadable else ""
            findings.append(
                Finding(
                    owner,
                    f"{side.label}: none tagged {judge.tag_key}=owned{why}; tag exactly one, e.g. {owner}",
                    # Not when an SG could not be read: its tags are unknown.
                    tag_repair=None if unreadable else "tag",
                )
            )
        elif judge.tags(tagged[0])[judge.tag_key] != OWNED:
            value = judge.tags(tagged[0])[judge.tag_key]
            findings.append(
                Finding(
                    tagged[0],
                    f"{side.label}: {tagged[0]} has {judge.tag_key}={value!r}; set it to owned",
                    tag_repair="tag",
                )
            )
        elif unreadable:
            findings.append(Finding(owner, f"{side.label}: cannot verify tags, could not read {names(unreadable)}"))
    return findings


def _cluster_sg_on_workers(judge: Judge) -> list[Finding]:
    """CLUSTER_SG_ON_WORKERS: every node's primary interface carries the cluster SG."""
    cluster_sg = judge.cluster.cluster_sg_id or ""
    findings: list[Finding] = []
    for side in judge.workers:
        if not side.primary or cluster_sg in side.endpoint.security_group_ids:
            continue
        owner = judge.worker_owner(side)
        message = f"{side.label} lacks the cluster SG {cluster_sg}; add it to the nodes' launch template"
        tagged = [sg for sg in sorted(side.endpoint.security_group_ids) if judge.tag_key in judge.tags(sg)]
        if tagged and judge.tag_key in judge.tags(cluster_sg):
            # EKS tags its cluster SG owned: attaching it must go with untagging the node's own SG.
            message += f" and remove {judge.tag_key} from {names(tagged)} so TAG_OWNED still passes"
        findings.append(Finding(owner, message))
    return findings


def _dedicated(judge: Judge) -> list[Finding]:
    """DEDICATED: no control-plane SG (securityGroupIds) is on worker nodes or used by another cluster."""
    findings: list[Finding] = []
    worker_groups: dict[str, list[str]] = {}
    for side in judge.workers:
        for sg in side.endpoint.security_group_ids:
            worker_groups.setdefault(sg, []).append(side.group.name)
    for sg in judge.cluster.additional_sg_ids:
        if sg in judge.exempt:
            continue
        uses = []
        if sg in worker_groups:
            uses.append(f"attached to worker nodes ({names(worker_groups[sg])})")
        others = judge.topology.shared_with.get(sg, ())
        if others:
            uses.append(f"used by cluster {names(others)}")
        if uses:
            findings.append(
                Finding(
                    sg,
                    f"control-plane SG {sg} is {' and '.join(uses)}; give the control plane its own SG",
                )
            )
    return findings


_JUDGEMENTS: dict[Kind, Callable[[Judge], list[Finding]]] = {
    Kind.TAG_OWNED: _tag_owned,
    Kind.CLUSTER_SG_ON_WORKERS: _cluster_sg_on_workers,
    Kind.DEDICATED: _dedicated,
}


def _missing_ports(flow: Flow, granted: Reach) -> PortSet | bool:
    """What `granted` lacks of `flow`: the missing TCP ports, True when all/any traffic is missing."""
    if flow.traffic is Traffic.ALL:
        return not granted.all_traffic
    if flow.traffic is Traffic.ANY:
        return not granted.anything
    return flow.ports.difference(granted.tcp)


def _towards(flow: Flow) -> str:
    if flow.direction is Direction.INGRESS:
        return f"from {flow.peer.value}"
    return f"to {flow.peer.value}"
