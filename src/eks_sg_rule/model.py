"""Typed, immutable snapshot of what the rule judges: security groups, nodes and cluster topology.

Filled by discovery (live AWS reads) and config_items (AWS Config items); read by the pure engine.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"
OWNED = "owned"


class Protocol(StrEnum):
    """IP protocols the requirements talk about; everything else is kept by number."""

    ALL = "-1"
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"
    OTHER = "other"


_PROTOCOL_ALIASES = {
    "-1": Protocol.ALL,
    "all": Protocol.ALL,
    "tcp": Protocol.TCP,
    "6": Protocol.TCP,
    "udp": Protocol.UDP,
    "17": Protocol.UDP,
    "icmp": Protocol.ICMP,
    "1": Protocol.ICMP,
    "icmpv6": Protocol.ICMPV6,
    "58": Protocol.ICMPV6,
}


def parse_protocol(value: object) -> Protocol:
    """Map an EC2 `IpProtocol` (name or number, as string or int) to a Protocol."""
    return _PROTOCOL_ALIASES.get(str(value).strip().lower(), Protocol.OTHER)


@dataclass(frozen=True, slots=True)
class Permission:
    """One EC2 IP permission: a protocol and port range towards a set of peers.

    `from_port`/`to_port` are None for protocol "-1" (all traffic), which carries no ports.
    """

    protocol: Protocol
    from_port: int | None = None
    to_port: int | None = None
    group_ids: frozenset[str] = frozenset()
    cidrs: tuple[IPNetwork, ...] = ()
    prefix_list_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    group_id: str
    name: str = ""
    vpc_id: str | None = None
    owner_id: str | None = None
    ingress: tuple[Permission, ...] = ()
    egress: tuple[Permission, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Node:
    """A worker node, or the shape a node group's future nodes will have.

    `networks` are the node's private addresses (/32 or /128); for a node group with no running
    instance they are the node group's subnet CIDRs, the addresses its nodes will take.
    """

    node_id: str
    security_group_ids: frozenset[str]
    networks: tuple[IPNetwork, ...] = ()


class NodeGroupKind(StrEnum):
    MANAGED = "managed node group"
    KARPENTER = "Karpenter node pool"
    AUTO_SCALING = "Auto Scaling group"
    SELF_MANAGED = "self-managed nodes"


@dataclass(frozen=True, slots=True)
class NodeGroup:
    name: str
    kind: NodeGroupKind
    nodes: tuple[Node, ...]
    # True when no instance runs and the nodes' shape comes from the node group's launch template.
    from_template: bool = False

    @property
    def label(self) -> str:
        prefixes = {
            NodeGroupKind.MANAGED: "nodegroup",
            NodeGroupKind.KARPENTER: "nodepool",
            NodeGroupKind.AUTO_SCALING: "ASG",
        }
        prefix = prefixes.get(self.kind)
        return f"{prefix} {self.name}" if prefix else self.name


class IpFamily(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"


@dataclass(frozen=True, slots=True)
class Cluster:
    """What EKS says about one cluster, normalised from DescribeCluster or an AWS Config item."""

    name: str
    status: str = "ACTIVE"
    version: str | None = None
    platform_version: str | None = None
    vpc_id: str | None = None
    cluster_sg_id: str | None = None
    additional_sg_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    ip_family: IpFamily = IpFamily.IPV4
    arn: str | None = None

    @property
    def control_plane_sg_ids(self) -> tuple[str, ...]:
        """Every SG on the control plane's network interfaces: the cluster SG plus securityGroupIds."""
        ids = [self.cluster_sg_id] if self.cluster_sg_id else []
        return tuple(dict.fromkeys([*ids, *self.additional_sg_ids]))


@dataclass(frozen=True, slots=True)
class Topology:
    """One cluster with everything needed to judge it, and nothing read lazily."""

    cluster: Cluster
    node_groups: tuple[NodeGroup, ...]
    security_groups: Mapping[str, SecurityGroup]
    control_plane_networks: tuple[IPNetwork, ...] = ()
    prefix_lists: Mapping[str, tuple[IPNetwork, ...]] = field(default_factory=dict)
    # SG id -> names of the *other* clusters that use it (control plane or nodes).
    shared_with: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What discovery could not resolve for this cluster, in words (for annotations).
    unresolved: tuple[str, ...] = ()
    # Other clusters of the account that were listed but not read (out of time): their SGs are unknown.
    unread_clusters: tuple[str, ...] = ()

    @property
    def worker_sg_ids(self) -> frozenset[str]:
        return frozenset(sg for group in self.node_groups for node in group.nodes for sg in node.security_group_ids)

    @property
    def has_nodes(self) -> bool:
        return any(group.nodes for group in self.node_groups)

    def role_sg_ids(self) -> tuple[str, ...]:
        """Every SG that plays a role for this cluster: cluster SG, additional SGs, worker SGs."""
        return tuple(dict.fromkeys([*self.cluster.control_plane_sg_ids, *sorted(self.worker_sg_ids)]))
