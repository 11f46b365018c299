"""The picture's flow model, without matplotlib: every required flow of a level as an edge between the
control plane, a node group and the internet, with its verdict.

Which flows fail comes from the engine's findings (`Gap`), never from re-judging: the picture and the
checks cannot disagree. Drawn by report/diagram.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import NodeGroup, Topology
from ..requirements import Check, Direction, Flow, Kind, Level, Party, Traffic, checks_for
from ..results import CheckResult, Finding, Status

OK, FAILED, UNKNOWN = "ok", "failed", "unknown"
CONTROL_PLANE = "control plane"
INTERNET = "internet"


@dataclass(slots=True)
class Edge:
    """One drawn flow: traffic from `source` to `target` (node group index, CONTROL_PLANE or INTERNET)."""

    source: int | str
    target: int | str
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


def group_sgs(group: NodeGroup) -> frozenset[str]:
    """The SGs on the primary interfaces of a node group's nodes."""
    return frozenset(sg for node in group.nodes for sg in node.security_group_ids)


def _matches(flow: Flow, finding: Finding) -> bool:
    gap = finding.gap
    if gap is None or gap.direction is not flow.direction or gap.traffic is not flow.traffic:
        return False
    return flow.traffic is not Traffic.TCP or bool(gap.ports.intersection(flow.ports))


def _peer_sgs(topology: Topology, party: Party) -> frozenset[str]:
    """The SGs a repair of a flow towards `party` would reference (empty: an address range)."""
    cluster = topology.cluster
    if party is Party.CONTROL_PLANE:
        return frozenset(cluster.control_plane_sg_ids)
    if party is Party.WORKERS:
        return topology.worker_sg_ids
    if party is Party.CLUSTER_SG:
        return frozenset([cluster.cluster_sg_id] if cluster.cluster_sg_id else [])
    return frozenset()


def _half_status(
    topology: Topology, check: Check, flow: Flow, result: CheckResult | None, node_sgs: frozenset[str] | None
) -> str:
    """Whether this check's half of the flow holds for the node group (None: no node group involved)."""
    if result is None or result.status is Status.NOT_APPLICABLE:
        return UNKNOWN
    if result.status is Status.COMPLIANT:
        return OK
    peers = _peer_sgs(topology, flow.peer)
    for finding in result.findings:
        if not _matches(flow, finding) or finding.gap is None:
            continue
        gap_peers = set(finding.gap.peer_sg_ids)
        if (gap_peers and not gap_peers & peers) or (not gap_peers and flow.peer is not Party.ANYWHERE):
            continue
        if node_sgs is None:
            return FAILED
        if check.subject is Party.WORKERS and finding.security_group_id in node_sgs:
            return FAILED
        if check.subject is not Party.WORKERS and set(finding.gap.peer_sg_ids if finding.gap else ()) & node_sgs:
            return FAILED
    return OK


def _ends(check: Check, flow: Flow, group: int) -> tuple[int | str, int | str]:
    """Traffic's source and target: an ingress rule on the subject admits traffic from the peer."""
    places: dict[Party, int | str] = {
        Party.CONTROL_PLANE: CONTROL_PLANE,
        Party.CLUSTER_SG: CONTROL_PLANE,
        Party.WORKERS: group,
        Party.ANYWHERE: INTERNET,
    }
    subject, peer = places[check.subject], places[flow.peer]
    return (peer, subject) if flow.direction is Direction.INGRESS else (subject, peer)


def flow_edges(topology: Topology, level: Level, results: Mapping[str, CheckResult]) -> list[Edge]:
    """Every required flow of the level, once per node group, both halves (control plane's, nodes') merged."""
    edges: dict[tuple[int | str, int | str, str], Edge] = {}
    groups = [group_sgs(group) for group in topology.node_groups]
    for check in checks_for(level):
        if check.kind is not Kind.FLOWS:
            continue
        for flow in check.flows:
            involves_nodes = Party.WORKERS in (check.subject, flow.peer)
            for index in range(len(groups)) if involves_nodes else [-1]:
                source, target = _ends(check, flow, index)
                key = (source, target, flow.describe())
                edge = edges.setdefault(key, Edge(source, target, flow.describe(), flow.purpose))
                sgs = groups[index] if involves_nodes else None
                edge.halves.append(_half_status(topology, check, flow, results.get(check.id), sgs))
    return list(edges.values())
