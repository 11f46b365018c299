"""The worker-node sides a check judges, and the node SG a missing rule belongs on.

Pure (no AWS calls). Shared by checks (the SG checks) and paths (the network-path checks): one
side per (node group, interface kind, SG set), addresses in the cluster's family only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .ip import IPNetwork
from .model import BRANCH, NodeGroup, Topology
from .names import CLUSTER_TAG_PREFIX
from .network import Endpoint
from .requirements import NodeInterfaces

MAX_NAMED = 3


@dataclass(frozen=True, slots=True)
class WorkerSide:
    """The interfaces of one kind (primary, or pod interface) of one node group that carry the
    same SGs: they are judged as one. `endpoint.networks` are already of the cluster's family."""

    group: NodeGroup
    endpoint: Endpoint
    primary: bool = True

    @property
    def label(self) -> str:
        sgs = ", ".join(sorted(self.endpoint.security_group_ids)) or "no SG"
        kind = "" if self.primary else " pod interfaces"
        return f"{self.group.label}{kind} ({sgs})"


def worker_sides(topology: Topology) -> list[WorkerSide]:
    """One side per (node group, interface kind, SG set), in node-group order, primaries first.

    Addresses are kept only in the cluster's address family; a side with none of that family is
    given the family's whole range, so only a rule open to all of it (0.0.0.0/0, ::/0) covers it.
    Branch interfaces (security groups for pods, read with the 2026 set only) are not sides: their
    SGs are the pods' own, judged by NODE_TAG and POD_SG_MINIMUM (checks2026), not by the node flows.
    """
    cluster = topology.cluster
    sides: list[WorkerSide] = []
    for group in topology.node_groups:
        by_sgs: dict[tuple[bool, frozenset[str]], list[IPNetwork]] = {}
        for node in group.nodes:
            by_sgs.setdefault((True, node.security_group_ids), []).extend(cluster.addresses(node.networks))
            for interface in node.pod_interfaces:
                if interface.kind == BRANCH:
                    continue
                key = (False, interface.security_group_ids)
                by_sgs.setdefault(key, []).extend(cluster.addresses(interface.networks))
        for (primary, sg_ids), networks in sorted(by_sgs.items(), key=lambda item: not item[0][0]):
            addresses = tuple(dict.fromkeys(networks)) or (cluster.anywhere,)
            sides.append(WorkerSide(group, Endpoint(group.label, sg_ids, addresses), primary))
    return sides


def selected(sides: list[WorkerSide], interfaces: NodeInterfaces, like: WorkerSide | None = None) -> list[WorkerSide]:
    """The sides a flow judges: primaries only, all, or (worker to worker) those of `like`'s kind."""
    if interfaces is NodeInterfaces.PRIMARY:
        return [side for side in sides if side.primary]
    if interfaces is NodeInterfaces.SAME_KIND and like is not None:
        return [side for side in sides if side.primary == like.primary]
    return sides


def names(items: Iterable[str]) -> str:
    listed = list(dict.fromkeys(items))
    shown = ", ".join(listed[:MAX_NAMED])
    return shown + (f" +{len(listed) - MAX_NAMED} more" if len(listed) > MAX_NAMED else "")


def worker_owner(topology: Topology, side: WorkerSide) -> str:
    """The node SG a missing rule of `side` belongs on: the SG among the side's own (not the cluster
    SG) tagged kubernetes.io/cluster/<name>, else its first own SG, else the cluster SG ("" when the
    cluster has none)."""
    cluster = topology.cluster
    tag_key = CLUSTER_TAG_PREFIX + cluster.name
    own = sorted(side.endpoint.security_group_ids - {cluster.cluster_sg_id})
    tagged = [sg for sg in own if (group := topology.security_groups.get(sg)) is not None and tag_key in group.tags]
    if tagged:
        return tagged[0]
    if own:
        return own[0]
    return cluster.cluster_sg_id or ""
