"""The picture's flow model, without matplotlib: every required flow of a level as an edge between the
control plane, the internet, and each kind of network interface of each node group (its nodes'
primary interfaces, and the secondary interfaces that carry pod addresses, with their own SGs), with
its verdict.

The engine judges the worker nodes one side at a time (checks.worker_sides: the interfaces of one
kind of one node group that carry the same SGs); an edge here joins such sides' places (`Place`:
node group index and interface kind). Which edges fail comes from the engine's findings, never from
re-judging, so the picture and the checks cannot disagree: a finding names the SG its repair belongs
on (the subject side's owner SG, checks.Judge.worker_owner) and, in its `Gap`, the peers' owner SGs.
Where two sides share an owner SG, the finding's message (which starts with the subject side's label)
tells them apart; when it does not, every such side is drawn failing (never a failure drawn as a
pass). Drawn by report/diagram.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..checks import Judge
from ..model import NodeGroup, Topology
from ..requirements import Direction, Flow, Kind, Level, Party, Traffic, checks_for
from ..results import CheckResult, Finding, Gap, Status
from ..sides import WorkerSide
from ..sides import selected as _selected

OK, FAILED, UNKNOWN = "ok", "failed", "unknown"
CONTROL_PLANE = "control plane"
INTERNET = "internet"
PRIMARY, PODS = "primary interfaces", "pod interfaces"


@dataclass(frozen=True, slots=True)
class Place:
    """One kind of network interface of one node group: `group` is its index in the topology's
    node groups, `kind` PRIMARY (the nodes' device-index-0 interfaces) or PODS (their secondary
    interfaces that carry pod addresses)."""

    group: int
    kind: str = PRIMARY


End = Place | str  # a Place, CONTROL_PLANE or INTERNET


@dataclass(slots=True)
class Edge:
    """One drawn flow: traffic from `source` to `target` (a Place, CONTROL_PLANE or INTERNET)."""

    source: End
    target: End
    traffic: str  # "TCP 443", "all traffic"
    purpose: str
    halves: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """`TCP 443 (API server)`."""
        return f"{self.traffic} ({self.purpose})"

    @property
    def status(self) -> str:
        """Failed when either side's half fails; ok when a half was judged and none failed."""
        if FAILED in self.halves:
            return FAILED
        return OK if OK in self.halves else UNKNOWN

    @property
    def between_nodes(self) -> bool:
        """Worker-to-worker traffic (a loop when source and target are the same Place)."""
        return isinstance(self.source, Place) and isinstance(self.target, Place)


def group_sgs(group: NodeGroup, kind: str = PRIMARY) -> frozenset[str]:
    """The SGs on one kind of interface (PRIMARY or PODS) of a node group's nodes."""
    if kind == PRIMARY:
        return frozenset(sg for node in group.nodes for sg in node.security_group_ids)
    return frozenset(sg for node in group.nodes for pod in node.pod_interfaces for sg in pod.security_group_ids)


def places(topology: Topology) -> list[Place]:
    """Every Place the engine judges: per node group, its primary interfaces, then its pod interfaces."""
    return list(dict.fromkeys(_place(topology, side) for side in Judge(topology).workers))


def _place(topology: Topology, side: WorkerSide) -> Place:
    index = next(i for i, group in enumerate(topology.node_groups) if group is side.group)
    return Place(index, PRIMARY if side.primary else PODS)


def _matches(flow: Flow, finding: Finding) -> bool:
    gap = finding.gap
    if gap is None or gap.direction is not flow.direction or gap.traffic is not flow.traffic:
        return False
    return flow.traffic is not Traffic.TCP or bool(gap.ports.intersection(flow.ports))


class _Verdicts:
    """Answers "does this check's finding name this flow between these ends?" for one topology."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.judge = Judge(topology)
        self.sides = self.judge.workers
        self.owner = {id(side): self.judge.worker_owner(side) for side in self.sides}

    def fixed_peers(self, party: Party) -> frozenset[str]:
        """The SGs a repair of a flow towards a non-worker `party` references (empty: an address range)."""
        cluster = self.topology.cluster
        if party is Party.CONTROL_PLANE:
            return frozenset(cluster.control_plane_sg_ids)
        if party is Party.CLUSTER_SG:
            return frozenset([cluster.cluster_sg_id] if cluster.cluster_sg_id else [])
        return frozenset()

    def names_subject(self, finding: Finding, side: WorkerSide) -> bool:
        """The finding is about `side` (as the check's subject): its owner SG, and where another side
        shares that owner, its label at the start of the message (all of them when no label is)."""
        owner = self.owner[id(side)]
        if finding.security_group_id != owner:
            return False
        rivals = [other for other in self.sides if self.owner[id(other)] == owner]
        if len(rivals) == 1:
            return True
        labelled = [other for other in rivals if finding.message.startswith(other.label + " ")]
        return not labelled or side in labelled

    def names_peer(self, gap: Gap, flow: Flow, peer: WorkerSide | None) -> bool:
        """A finding's gap names the flow's peer: the worker side `peer`, or the flow's other party."""
        named = set(gap.peer_sg_ids)
        if peer is not None:
            return not named or self.owner[id(peer)] in named
        expected = self.fixed_peers(flow.peer)
        # An address range (the internet), or a party whose SGs are unknown: any matching gap names it.
        return not expected or bool(named & expected)

    def half(self, flow: Flow, result: CheckResult | None, subject: WorkerSide | None, peer: WorkerSide | None) -> str:
        """This check's half of the flow between `subject` (None: the control plane / cluster SG)
        and `peer` (None: the flow's non-worker party)."""
        if result is None or result.status is Status.NOT_APPLICABLE:
            return UNKNOWN
        if result.status is Status.COMPLIANT:
            return OK
        for finding in result.findings:
            if finding.gap is None or not _matches(flow, finding) or not self.names_peer(finding.gap, flow, peer):
                continue
            if subject is None or self.names_subject(finding, subject):
                return FAILED
        return OK


def _fixed_end(party: Party) -> str:
    return INTERNET if party is Party.ANYWHERE else CONTROL_PLANE


def flow_edges(topology: Topology, level: Level, results: Mapping[str, CheckResult]) -> list[Edge]:
    """Every required flow of the level, once per pair of ends, both halves (control plane's, nodes')
    merged. Worker ends are Places: a flow the requirement puts on every interface is drawn to each
    kind of interface; node-to-node flows join each pair of Places (a loop when they are the same)."""
    verdicts = _Verdicts(topology)
    edges: dict[tuple[End, End, str], Edge] = {}
    for check in checks_for(level):
        if check.kind is not Kind.FLOWS:
            continue
        result = results.get(check.id)
        subjects: list[WorkerSide | None] = list(verdicts.sides) if check.subject is Party.WORKERS else [None]
        for flow in check.flows:
            for subject in subjects:
                if subject is not None and subject not in _selected([subject], flow.interfaces):
                    continue  # e.g. kubelet traffic reaches the primary interfaces only
                here = _fixed_end(check.subject) if subject is None else _place(topology, subject)
                peers: list[WorkerSide | None] = (
                    list(_selected(verdicts.sides, flow.interfaces, subject)) if flow.peer is Party.WORKERS else [None]
                )
                for peer in peers:
                    there = _fixed_end(flow.peer) if peer is None else _place(topology, peer)
                    source, target = (there, here) if flow.direction is Direction.INGRESS else (here, there)
                    key = (source, target, flow.describe())
                    edge = edges.setdefault(key, Edge(source, target, flow.describe(), flow.purpose))
                    edge.halves.append(verdicts.half(flow, result, subject, peer))
    return list(edges.values())
