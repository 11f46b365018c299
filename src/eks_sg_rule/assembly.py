"""Records read from EKS and EC2 -> the account Snapshot: membership, node groups, template nodes, sharing.

Pure: no client, no AWS call. discovery reads (aws.reads) and passes the records in; every fact
that could not be read is recorded in words on the affected cluster (`ClusterReads.unknown`) and
never turns into a pass. Node membership follows the evidence rules of model.Membership.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .ip import IPNetwork
from .model import (
    Cluster,
    Interface,
    Membership,
    Node,
    NodeGroup,
    NodeGroupKind,
    SecurityGroup,
    Snapshot,
    Topology,
    sg_usage,
)

# (node group kind, node group name) -> the nodes found running in it.
Grouped = dict[tuple[NodeGroupKind, str], list[Node]]


@dataclass(slots=True)
class RunningNode:
    """A running instance (DescribeInstances) that tags or an Auto Scaling group may tie to a cluster."""

    node: Node
    # Clusters the instance's tags name (any tag: user-set ones included).
    clusters: frozenset[str]
    # Clusters an `aws:`-prefixed tag names: AWS sets those, a user cannot.
    aws_clusters: frozenset[str]
    auto_scaling_group: str | None
    vpc_id: str | None
    group_name: str
    group_kind: NodeGroupKind
    # The cluster an EKS-operated instance serves (DescribeInstances `Operator` Managed with principal
    # eks.amazonaws.com, AWS-set: an EKS Auto Mode node), by its `eks:eks-cluster-name` tag; None for
    # any instance EKS does not operate, or whose tags name more than one cluster.
    eks_operated_cluster: str | None = None


@dataclass(slots=True)
class ClusterReads:
    """One cluster's own reads: DescribeCluster (as a Cluster), its DescribeNodegroup records, and
    what could not be read, in words."""

    cluster: Cluster
    nodegroups: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    # The unresolved facts that could turn a pass into a failure (Topology.incomplete).
    incomplete: list[str] = field(default_factory=list)

    def unknown(self, what: str) -> None:
        """Record a fact that could not be read and that a verdict depends on."""
        self.unresolved.append(what)
        self.incomplete.append(what)

    @property
    def auto_scaling_groups(self) -> dict[str, frozenset[str]]:
        """Managed node group name -> the Auto Scaling groups EKS lists for it (resources.autoScalingGroups)."""
        return {
            str(nodegroup.get("nodegroupName")): frozenset(
                str(asg["name"])
                for asg in (nodegroup.get("resources") or {}).get("autoScalingGroups") or ()
                if asg.get("name")
            )
            for nodegroup in self.nodegroups
        }

    @property
    def managed_auto_scaling_groups(self) -> frozenset[str]:
        """The Auto Scaling groups EKS lists for the cluster's managed node groups."""
        return frozenset(asg for groups in self.auto_scaling_groups.values() for asg in groups)

    def unaccounted_auto_scaling_groups(self, running_by_group: Mapping[str, int]) -> frozenset[str]:
        """The Auto Scaling groups of the managed node groups whose nodes the instances already read
        may not all be: where a managed node whose EKS-set tags were removed can still hide.

        `running_by_group`: Auto Scaling group name -> running instances already read in it. A managed
        node group is accounted for when DescribeNodegroup says `status` ACTIVE and its
        `scalingConfig.desiredSize` equals the running instances read in its Auto Scaling groups
        (`resources.autoScalingGroups`); any other node group's groups are returned: a missing or
        non-numeric desiredSize, fewer instances (a node not read yet: pending, or its tags
        removed), more (the size in transition: a scale-in draining nodes, or a scale-up EKS has not
        reflected yet), or any other status (UPDATING replaces nodes beside the old ones). EKS API
        reference, DescribeNodegroup (Nodegroup.status, NodegroupScalingConfig.desiredSize).
        """
        groups = self.auto_scaling_groups
        unaccounted: set[str] = set()
        for nodegroup in self.nodegroups:
            own = groups.get(str(nodegroup.get("nodegroupName")), frozenset())
            desired = (nodegroup.get("scalingConfig") or {}).get("desiredSize")
            running = sum(running_by_group.get(asg, 0) for asg in own)
            if nodegroup.get("status") != "ACTIVE" or type(desired) is not int or running != desired:
                unaccounted |= own
        return frozenset(unaccounted)

    def member(self, running: RunningNode, managed_groups: frozenset[str]) -> Node | None:
        """The running instance as this cluster's node with its membership evidence, or None.

        EC2 worker nodes are always in the cluster's VPC: an instance elsewhere is not a node,
        whatever its tags say. `managed_groups`: this cluster's managed_auto_scaling_groups. The
        evidence is `aws` for an instance of one of those groups, one an `aws:` tag ties to the
        cluster, or an instance EKS operates (Auto Mode) whose tags name this cluster alone.
        """
        name = self.cluster.name
        in_managed_group = running.auto_scaling_group in managed_groups
        if name not in running.clusters and not in_managed_group:
            return None
        if not self.cluster.vpc_id or running.vpc_id != self.cluster.vpc_id:
            return None
        aws_set = in_managed_group or name in running.aws_clusters or running.eks_operated_cluster == name
        evidence = Membership.AWS if aws_set else Membership.TAGS
        return dataclasses.replace(running.node, membership=evidence)


def subnet_ids(reads: Iterable[ClusterReads]) -> set[str]:
    """The subnets to read for these clusters: their own and their managed node groups'."""
    reads = list(reads)
    return {s for r in reads for s in r.cluster.subnet_ids} | {
        s for r in reads for ng in r.nodegroups for s in ng.get("subnets") or ()
    }


def resolve_vpc(reads: ClusterReads, subnet_vpcs: Mapping[str, str]) -> None:
    """DescribeCluster always names the VPC; should it not, the cluster's subnets do (subnet id -> VPC
    id). Records the VPC as unknown when they name none or several: then no instance counts as a node."""
    if reads.cluster.vpc_id:
        return
    vpcs = {subnet_vpcs[s] for s in reads.cluster.subnet_ids if s in subnet_vpcs}
    if len(vpcs) == 1:
        reads.cluster = dataclasses.replace(reads.cluster, vpc_id=vpcs.pop())
    else:
        reads.unknown(f"the VPC of cluster {reads.cluster.name} is unknown: no instance counts as a node")


def group_nodes(reads: ClusterReads, running: Iterable[RunningNode]) -> Grouped:
    """The running instances that are this cluster's nodes (ClusterReads.member), by node group.

    An `eks:nodegroup-name` tag anyone can set, on an instance outside that node group's Auto
    Scaling group, does not make it one of the group's nodes: it counts under its Auto Scaling
    group, or as self-managed."""
    managed = reads.managed_auto_scaling_groups  # once per cluster, not per instance
    own_groups = reads.auto_scaling_groups
    grouped: Grouped = {}
    for running_node in running:
        node = reads.member(running_node, managed)
        if node is None:
            continue
        kind, name = running_node.group_kind, running_node.group_name
        if kind is NodeGroupKind.MANAGED and running_node.auto_scaling_group not in own_groups.get(name, ()):
            asg = running_node.auto_scaling_group
            kind, name = (NodeGroupKind.AUTO_SCALING, asg) if asg else (NodeGroupKind.SELF_MANAGED, "self-managed")
        grouped.setdefault((kind, name), []).append(node)
    return grouped


def _without_instances(reads: ClusterReads, grouped: Grouped) -> list[Mapping[str, Any]]:
    with_instances = {name for kind, name in grouped if kind is NodeGroupKind.MANAGED}
    return [ng for ng in reads.nodegroups if str(ng.get("nodegroupName", "?")) not in with_instances]


def templates_wanted(reads: ClusterReads, grouped: Grouped) -> list[tuple[str, Mapping[str, Any]]]:
    """(node group name, DescribeNodegroup `launchTemplate` {id, name, version}) of each managed node
    group with no running instance and a launch template: whose template to read for its nodes' SGs."""
    return [
        (str(ng.get("nodegroupName", "?")), ng["launchTemplate"])
        for ng in _without_instances(reads, grouped)
        if ng.get("launchTemplate")
    ]


def _template_node(
    reads: ClusterReads,
    nodegroup: Mapping[str, Any],
    subnets: Mapping[str, list[IPNetwork]],
    template_sgs: Mapping[str, list[str] | None],
) -> Node | None:
    """The shape of a managed node group's future nodes, when none runs."""
    name = str(nodegroup.get("nodegroupName", "?"))
    cluster_sg = reads.cluster.cluster_sg_id
    sg_ids: list[str] = []
    if nodegroup.get("launchTemplate"):
        found = template_sgs.get(name)
        if found is None:
            reads.unknown(f"launch template of node group {name} not found: its nodes' SGs are unknown")
            return None
        sg_ids.extend(found)
    if not sg_ids:
        if not cluster_sg:
            reads.unknown(f"node group {name}: no SG in its launch template and no cluster SG")
            return None
        sg_ids.append(cluster_sg)
    remote_access_sg = (nodegroup.get("resources") or {}).get("remoteAccessSecurityGroup")
    if remote_access_sg:
        sg_ids.append(remote_access_sg)
    networks = [n for subnet in nodegroup.get("subnets") or () for n in subnets.get(subnet, ())]
    # The node group's own definition (EKS API): AWS-set evidence, not a tag.
    return Node(
        f"{name} (launch template, no running instance)", frozenset(sg_ids), tuple(networks), membership=Membership.AWS
    )


def node_groups(
    reads: ClusterReads,
    grouped: Grouped,
    subnets: Mapping[str, list[IPNetwork]],
    template_sgs: Mapping[str, list[str] | None],
) -> list[NodeGroup]:
    """The cluster's node groups: those with running nodes, then each managed node group with none
    as one template node (its launch template's SGs, `template_sgs`: node group name -> SG ids, None
    when the template could not be read; else the cluster SG; plus its remote-access SG)."""
    groups = [NodeGroup(name, kind, tuple(nodes)) for (kind, name), nodes in grouped.items()]
    for nodegroup in _without_instances(reads, grouped):
        template_node = _template_node(reads, nodegroup, subnets, template_sgs)
        if template_node is not None:
            name = str(nodegroup.get("nodegroupName", "?"))
            groups.append(NodeGroup(name, NodeGroupKind.MANAGED, (template_node,), from_template=True))
    return groups


def topology(
    reads: ClusterReads,
    grouped: Grouped,
    subnets: Mapping[str, list[IPNetwork]],
    template_sgs: Mapping[str, list[str] | None],
) -> Topology:
    """The cluster's Topology without SG rules yet: its node groups and control-plane subnets' CIDRs
    (`subnets`: subnet id -> CIDRs; a subnet absent from it is recorded as not found)."""
    groups = node_groups(reads, grouped, subnets, template_sgs)
    control_plane_networks: list[IPNetwork] = []
    for subnet_id in reads.cluster.subnet_ids:
        if subnet_id in subnets:
            control_plane_networks.extend(subnets[subnet_id])
        else:
            reads.unknown(f"subnet {subnet_id} not found")
    return Topology(
        cluster=reads.cluster,
        node_groups=tuple(groups),
        security_groups={},
        control_plane_networks=tuple(control_plane_networks),
    )


def prefix_list_ids(topologies: Iterable[Topology], groups: Mapping[str, SecurityGroup]) -> list[str]:
    """The managed prefix lists the rules of the topologies' role SGs refer to, sorted."""
    wanted: set[str] = set()
    for topology_ in topologies:
        for sg_id in topology_.role_sg_ids():
            group = groups.get(sg_id)
            if group:
                for permission in (*group.ingress, *group.egress):
                    wanted |= permission.prefix_list_ids
    return sorted(wanted)


def finish(
    topologies: Mapping[str, Topology],
    reads: Mapping[str, ClusterReads],
    groups: Mapping[str, SecurityGroup],
    prefix_lists: Mapping[str, tuple[IPNetwork, ...]],
    unreadable: Mapping[str, str],
    not_reached: list[str],
    missing: list[str],
) -> Snapshot:
    """The Snapshot: each topology with its role SGs (`groups`: SG id -> SG; one absent is recorded as
    not found), the prefix lists' CIDRs, who shares which SG, and what could not be read."""
    usage = sg_usage(topologies.values())
    finished: dict[str, Topology] = {}
    for name, topology_ in topologies.items():
        role_sgs = topology_.role_sg_ids()
        unresolved = reads[name].unresolved
        unresolved.extend(
            f"{sg} not found (deleted or owned by another account)" for sg in role_sgs if sg not in groups
        )
        readable = {sg: groups[sg] for sg in role_sgs if sg in groups}
        finished[name] = dataclasses.replace(
            topology_,
            security_groups=readable,
            prefix_lists=prefix_lists,
            shared_with={sg: tuple(c for c in usage[sg] if c != name) for sg in role_sgs if len(usage[sg]) > 1},
            unresolved=tuple(dict.fromkeys(unresolved)),
            unread_clusters=tuple(not_reached),
            incomplete=tuple(dict.fromkeys(reads[name].incomplete)),
        )
    return Snapshot(
        topologies=finished,
        unreadable_clusters=unreadable,
        not_reached=tuple(not_reached),
        missing=tuple(missing),
    )


def with_branches(topology: Topology, branches: Mapping[str, list[Interface]]) -> Topology:
    """The topology with each running node's branch interfaces (instance id -> interfaces, from
    aws.shapes.branch_interfaces) added to its pod interfaces; nodes without any are unchanged."""
    if not branches:
        return topology
    groups = tuple(
        dataclasses.replace(
            group,
            nodes=tuple(
                dataclasses.replace(node, pod_interfaces=(*node.pod_interfaces, *branches[node.node_id]))
                if node.node_id in branches
                else node
                for node in group.nodes
            ),
        )
        for group in topology.node_groups
    )
    return dataclasses.replace(topology, node_groups=groups)
