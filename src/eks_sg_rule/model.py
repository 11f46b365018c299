"""Typed, immutable snapshot of what the rule judges: security groups, nodes and cluster topology.

Filled by assembly (from discovery's live AWS reads) and config_items (AWS Config items); read by the
pure engine. Pure: no AWS calls.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .interfaces import control_plane_cluster
from .ip import IPNetwork, Protocol
from .vpc import VpcNetwork

OWNED = "owned"


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


class Membership(StrEnum):
    """How a node is known to belong to its cluster.

    `aws`: by evidence AWS sets and a user cannot (the node is an instance of an Auto Scaling group
    that one of the cluster's managed node groups lists in `resources.autoScalingGroups`, an
    `aws:`-prefixed tag naming the cluster, the launch template of a managed node group, or an
    instance DescribeInstances reports operated by EKS (`Operator.Managed` true, principal
    eks.amazonaws.com: EKS Auto Mode) whose launch tags name this cluster and no other).
    `tags`: only by tags anyone allowed `ec2:CreateTags` can set (`kubernetes.io/cluster/<name>`,
    `eks:cluster-name`, Karpenter's tags).
    """

    AWS = "aws"
    TAGS = "tags"


@dataclass(frozen=True, slots=True)
class Interface:
    """One network interface of a node: its SGs and the addresses it sends from and receives on.

    `networks` hold the interface's private addresses (/32, /128) and delegated prefixes, of both
    families; the engine keeps only the cluster's family. (EC2 DescribeInstances
    `NetworkInterfaces[]`.)
    """

    interface_id: str
    security_group_ids: frozenset[str]
    networks: tuple[IPNetwork, ...] = ()
    # BRANCH for a branch interface (security groups for pods: DescribeNetworkInterfaces
    # InterfaceType `branch`, read only with the 2026 requirement set), else SECONDARY.
    kind: str = "secondary"


SECONDARY = "secondary"
BRANCH = "branch"


@dataclass(frozen=True, slots=True)
class ClusterIssue:
    """One DescribeCluster `health.issues[]` entry: `code` (ClusterIssueCode, e.g.
    Ec2SecurityGroupNotFound), `message` as EKS wrote it, and the `resourceIds` it names."""

    code: str
    message: str = ""
    resource_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Insight:
    """One EKS cluster insight (eks:ListInsights `insights[]`): `name`, `category` (UPGRADE_READINESS,
    MISCONFIGURATION, ROLLBACK_READINESS), `status` (`insightStatus.status`: PASSING, WARNING, ERROR,
    UNKNOWN) and `reason` (`insightStatus.reason`), quoted as EKS returns them."""

    insight_id: str
    name: str
    category: str
    status: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    """A worker node, or the shape a node group's future nodes will have.

    `security_group_ids` and `networks` are the primary network interface's (device index 0): it
    carries the node's own traffic (kubelet, host-network pods) and pods. `pod_interfaces` are the
    secondary interfaces that carry pod addresses (the VPC CNI's secondary interfaces, which with
    custom networking sit in other subnets with other SGs); trunk interfaces are not listed (they
    carry no traffic of their own). For a node group with no running instance, `networks` are the
    node group's subnet CIDRs, the addresses its nodes will take.
    """

    node_id: str
    security_group_ids: frozenset[str]
    networks: tuple[IPNetwork, ...] = ()
    pod_interfaces: tuple[Interface, ...] = ()
    membership: Membership = Membership.TAGS
    # True when an interface of the node is an Elastic Fabric Adapter (DescribeInstances
    # NetworkInterfaces[].InterfaceType `efa` or `efa-only`).
    efa: bool = False
    # The primary interface's public IPv4 address (DescribeInstances PublicIpAddress, a /32), if any:
    # the address the public API endpoint sees when the node's route to the internet is a gateway.
    public_networks: tuple[IPNetwork, ...] = ()

    @property
    def primary(self) -> Interface:
        return Interface(f"{self.node_id} primary", self.security_group_ids, self.networks)

    @property
    def interfaces(self) -> tuple[Interface, ...]:
        """Every interface that carries traffic: the primary first, then the pod interfaces."""
        return (self.primary, *self.pod_interfaces)

    @property
    def all_security_group_ids(self) -> frozenset[str]:
        """The SGs of every interface of the node."""
        return frozenset(sg for interface in self.interfaces for sg in interface.security_group_ids)


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
    def membership(self) -> Membership:
        """`aws` only when every node's membership is; one tag-only node makes the group `tags`."""
        if self.nodes and all(node.membership is Membership.AWS for node in self.nodes):
            return Membership.AWS
        return Membership.TAGS

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
    # The cluster's IAM role (DescribeCluster `roleArn`): EKS creates the control plane's network
    # interfaces in a session of it (interfaces.eks_control_plane).
    role_arn: str | None = None
    # EKS Fargate profiles of the cluster (eks:ListFargateProfiles): pods there get the cluster SG.
    fargate_profiles: tuple[str, ...] = ()
    # The API server endpoint's access (DescribeCluster resourcesVpcConfig endpointPublicAccess,
    # endpointPrivateAccess, publicAccessCidrs): judged only by the network-path checks.
    endpoint_public_access: bool = True
    endpoint_private_access: bool = False
    public_access_cidrs: tuple[IPNetwork, ...] = ()
    # Hybrid nodes (DescribeCluster remoteNetworkConfig remoteNodeNetworks[].cidrs and
    # remotePodNetworks[].cidrs): empty for a cluster without hybrid nodes.
    remote_node_networks: tuple[IPNetwork, ...] = ()
    remote_pod_networks: tuple[IPNetwork, ...] = ()
    # DescribeCluster health.issues, and resourcesVpcConfig.controlPlaneEgressMode (None when absent;
    # AWS_MANAGED is the default, CUSTOMER_ROUTED and CUSTOMER_ISOLATED are shown in the detail).
    health_issues: tuple[ClusterIssue, ...] = ()
    control_plane_egress_mode: str | None = None
    # EKS cluster insights of category MISCONFIGURATION (eks:ListInsights), read with the 2026 set
    # for clusters with hybrid nodes only; None when not read.
    insights: tuple[Insight, ...] | None = None

    def addresses(self, networks: tuple[IPNetwork, ...]) -> tuple[IPNetwork, ...]:
        """Only the networks of the cluster's address family: an `ipv4` cluster carries kubelet
        and API traffic over IPv4, an `ipv6` cluster over IPv6 (kubernetesNetworkConfig.ipFamily)."""
        version = 6 if self.ip_family is IpFamily.IPV6 else 4
        return tuple(network for network in networks if network.version == version)

    @property
    def anywhere(self) -> IPNetwork:
        """The whole of the cluster's address family: 0.0.0.0/0 (`ipv4`) or ::/0 (`ipv6`), the peer a
        rule "to anywhere" names and the only range that covers a side whose addresses are unknown."""
        return ipaddress.ip_network("::/0" if self.ip_family is IpFamily.IPV6 else "0.0.0.0/0")

    @property
    def predates_cluster_sg(self) -> bool:
        """True for clusters before Kubernetes 1.14 with platform eks.3, which have no cluster SG.

        The cluster SG exists from 1.14 on platform eks.3 and on every later version. An unknown
        version or platform is not taken as old.
        """
        try:
            major, minor = (int(part) for part in (self.version or "").split(".")[:2])
        except ValueError:
            return False
        if (major, minor) != (1, 14):
            return (major, minor) < (1, 14)
        platform = (self.platform_version or "").removeprefix("eks.")
        return platform.isdigit() and int(platform) < 3

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
    # What is unknown and could turn a pass into a failure (a node group's SGs, the VPC, a subnet):
    # while anything is listed here the cluster is never COMPLIANT.
    incomplete: tuple[str, ...] = ()
    # The VPC's network layer (vpc.VpcNetwork), read only with NetworkPath on; None otherwise.
    vpc: VpcNetwork | None = None

    @property
    def worker_sg_ids(self) -> frozenset[str]:
        """The SGs of every interface of every node."""
        return frozenset(sg for group in self.node_groups for node in group.nodes for sg in node.all_security_group_ids)

    @property
    def has_nodes(self) -> bool:
        return any(group.nodes for group in self.node_groups)

    def role_sg_ids(self) -> tuple[str, ...]:
        """Every SG that plays a role for this cluster: cluster SG, additional SGs, worker SGs."""
        return tuple(dict.fromkeys([*self.cluster.control_plane_sg_ids, *sorted(self.worker_sg_ids)]))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything discovery read for one account and region."""

    topologies: Mapping[str, Topology]
    # Clusters listed but not described (deleted meanwhile, say): name -> why.
    unreadable_clusters: Mapping[str, str] = field(default_factory=dict)
    # Clusters listed but left unread because the invocation ran short of time.
    not_reached: tuple[str, ...] = ()
    # Clusters asked for by name (Discovery.snapshot(clusters=...)) that do not exist.
    missing: tuple[str, ...] = ()


def sg_usage(topologies: Iterable[Topology]) -> dict[str, list[str]]:
    """SG id -> the clusters it plays a role for (control plane or nodes), by name: the same order
    whichever cluster a read started from."""
    usage: dict[str, list[str]] = {}
    for topology in topologies:
        for sg_id in topology.role_sg_ids():
            usage.setdefault(sg_id, []).append(topology.cluster.name)
    return {sg_id: sorted(names) for sg_id, names in usage.items()}


@dataclass(frozen=True, slots=True)
class Carrier:
    """One network interface that carries an SG (DescribeNetworkInterfaces): its id, the instance it
    is attached to (None for a control-plane, load balancer, database or unattached interface), its
    description, and the AWS-set facts that say what it is (interfaces.what): `interface_type`
    (`InterfaceType`: interface, branch, lambda, vpc_endpoint, …), `requester_id` and
    `requester_managed` (who created it: an AWS service or role session), and its tags (`TagSet`)."""

    interface_id: str
    instance_id: str | None
    description: str
    # EC2 Status "in-use": attached, in this account or (the control plane's) another. An interface
    # that is "available" carries no traffic yet and may be attached to anything later.
    in_use: bool = True
    interface_type: str = "interface"
    requester_id: str | None = None
    requester_managed: bool = False
    tags: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def control_plane(self) -> str | None:
        """The cluster this interface names as its control plane's (a candidate, never evidence)."""
        return control_plane_cluster({"Description": self.description, "Attachment": {"InstanceId": self.instance_id}})
