"""The only module that reads AWS: batched, paginated EKS and EC2 reads -> an account Snapshot.

Worker-node SGs come from the nodes (running instances and managed node groups), never from SG
names or tags. Nothing is called once per SG or per instance. Anything that cannot be resolved
is recorded in words on the affected topology; it never turns into a pass.

Two ways to read: the sweep (every cluster of the region, every running instance) and a named read
(some clusters, their nodes by filter, and whoever shares their SGs, found through the network
interfaces that carry those SGs), whose cost follows the clusters touched, not the region's size.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .config_items import security_group_from_api
from .ec2_filters import FILTER_VALUES_MAX, filter_sets, within_limit  # noqa: F401 (FILTER_VALUES_MAX: kept importable here)
from .evaluate import Snapshot, sg_usage
from .interfaces import eks_operated, pod_interface
from .model import (
    CLUSTER_TAG_PREFIX,
    Cluster,
    Interface,
    IpFamily,
    IPNetwork,
    Membership,
    Node,
    NodeGroup,
    NodeGroupKind,
    SecurityGroup,
    Topology,
)

PAGE_SIZE = 1000
CLUSTER_READERS = 8
NOT_REACHED = "not reached"
RUNNING = {"Name": "instance-state-name", "Values": ["running"]}
# EKS creates the control plane's network interfaces in the cluster's subnets, described
# "Amazon EKS <cluster-name>", carrying the cluster SG and resourcesVpcConfig.securityGroupIds.
CONTROL_PLANE_DESCRIPTION = "Amazon EKS "
CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
# How far a named read follows sharing: the named clusters' SG users (whose verdicts make up the
# shared SGs' verdicts), and theirs (whose use of an SG decides those users' DEDICATED_CP_SG).
SHARING_DEPTH = 2
CLUSTER_NAME_TAGS = ("eks:cluster-name", "aws:eks:cluster-name", "eks:eks-cluster-name")
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "InvalidGroup.NotFound",
        "InvalidLaunchTemplateId.NotFound",
        "InvalidLaunchTemplateName.NotFoundException",
        "InvalidLaunchTemplateId.VersionNotFound",
        "InvalidPrefixListID.NotFound",
        "InvalidPrefixListId.NotFound",
    }
)


class DiscoveryError(Exception):
    """An AWS read failed in a way that retries did not cure; names the IAM action involved."""

    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(f"{action} failed: {code}: {message}")
        self.action = action
        self.code = code

    @property
    def access_denied(self) -> bool:
        return "AccessDenied" in self.code or "UnauthorizedOperation" in self.code or "AuthFailure" in self.code


def _action(service: str, error: ClientError) -> str:
    return f"{service}:{error.operation_name}"


def _failure(service: str, error: ClientError) -> DiscoveryError:
    details = error.response.get("Error", {})
    return DiscoveryError(_action(service, error), details.get("Code", "Unknown"), details.get("Message", ""))


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in NOT_FOUND_CODES


def pages_of(service: str, client: Any, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paginated call. Raises DiscoveryError when a call fails, ValueError when its
    `Filters` carry more values than EC2 accepts (ec2_filters: build them with filter_sets)."""
    within_limit(kwargs.get("Filters") or ())
    try:
        yield from client.get_paginator(operation).paginate(**kwargs)
    except ClientError as error:
        raise _failure(service, error) from error


def _tags(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(tag.get("Key")): str(tag.get("Value", "")) for tag in items or () if tag.get("Key") is not None}


@dataclass(slots=True)
class _RunningNode:
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
class _ClusterReads:
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

    def member(self, running: _RunningNode, managed_groups: frozenset[str]) -> Node | None:
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


def control_plane_cluster(interface: Mapping[str, Any]) -> str | None:
    """The cluster whose control plane an interface (DescribeNetworkInterfaces) belongs to, by its
    description "Amazon EKS <name>"; None for any other interface. Anyone may describe an interface
    so: the name is a candidate to read, never evidence."""
    description = str(interface.get("Description") or "")
    if not description.startswith(CONTROL_PLANE_DESCRIPTION) or (interface.get("Attachment") or {}).get("InstanceId"):
        return None
    name = description[len(CONTROL_PLANE_DESCRIPTION) :]
    return name if CLUSTER_NAME.fullmatch(name) else None


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


def interface_carriers(ec2: Any, security_group_ids: Iterable[str]) -> dict[str, list[Carrier]]:
    """SG id -> every network interface carrying it: one ec2:DescribeNetworkInterfaces (`group-id`
    filter, paginated, managed resources included) per 200 SGs. An SG no interface carries is
    absent. Raises DiscoveryError."""
    found: dict[str, list[Carrier]] = {}
    for filters in filter_sets("group-id", security_group_ids):
        wanted = set(filters[0]["Values"])
        pages = pages_of("ec2", ec2, "describe_network_interfaces", Filters=filters, IncludeManagedResources=True)
        for page in pages:
            for raw in page.get("NetworkInterfaces", ()):
                carrier = _carrier(raw)
                for sg in _group_ids(raw.get("Groups")) & wanted:
                    found.setdefault(sg, []).append(carrier)
    return found


def _carrier(raw: Mapping[str, Any]) -> Carrier:
    """A Carrier from one DescribeNetworkInterfaces `NetworkInterfaces[]` item."""
    instance_id = (raw.get("Attachment") or {}).get("InstanceId")
    return Carrier(
        str(raw.get("NetworkInterfaceId", "?")),
        str(instance_id) if instance_id else None,
        str(raw.get("Description") or ""),
        raw.get("Status") == "in-use",
        str(raw.get("InterfaceType") or "interface"),
        str(raw["RequesterId"]) if raw.get("RequesterId") else None,
        bool(raw.get("RequesterManaged")),
        _tags(raw.get("TagSet")),
    )


@dataclass(slots=True)
class ClusterUsers:
    """Who carries some SGs, from the network interfaces that carry them: candidates to read, not verdicts.

    `control_planes`: SG id -> clusters whose control-plane interfaces carry it (by description).
    `instances`: SG id -> instances with an attached interface that carries it.
    `instance_clusters`: running instance id -> the clusters its tags name.
    `looked_up`: the SG ids already asked about.
    """

    control_planes: dict[str, set[str]] = field(default_factory=dict)
    instances: dict[str, set[str]] = field(default_factory=dict)
    instance_clusters: dict[str, frozenset[str]] = field(default_factory=dict)
    looked_up: set[str] = field(default_factory=set)

    def clusters_for(self, security_group_ids: Iterable[str]) -> set[str]:
        """The clusters an interface carrying one of these SGs points to."""
        found: set[str] = set()
        for sg in security_group_ids:
            found |= self.control_planes.get(sg, set())
            for instance_id in self.instances.get(sg, ()):
                found |= self.instance_clusters.get(instance_id, frozenset())
        return found


def cluster_from_api(description: Mapping[str, Any]) -> Cluster:
    vpc = description.get("resourcesVpcConfig") or {}
    network = description.get("kubernetesNetworkConfig") or {}
    family = IpFamily.IPV6 if str(network.get("ipFamily", "")).lower() == "ipv6" else IpFamily.IPV4
    return Cluster(
        name=str(description["name"]),
        status=str(description.get("status", "ACTIVE")),
        version=description.get("version"),
        platform_version=description.get("platformVersion"),
        vpc_id=vpc.get("vpcId"),
        cluster_sg_id=vpc.get("clusterSecurityGroupId") or None,
        additional_sg_ids=tuple(vpc.get("securityGroupIds") or ()),
        subnet_ids=tuple(vpc.get("subnetIds") or ()),
        ip_family=family,
        arn=description.get("arn"),
    )


def _interface_networks(interface: Mapping[str, Any]) -> list[IPNetwork]:
    """An interface's private addresses and delegated prefixes, both families."""
    networks: list[IPNetwork] = []
    sources = (
        ("PrivateIpAddresses", "PrivateIpAddress"),
        ("Ipv6Addresses", "Ipv6Address"),
        ("Ipv4Prefixes", "Ipv4Prefix"),
        ("Ipv6Prefixes", "Ipv6Prefix"),
    )
    for collection, key in sources:
        for entry in interface.get(collection) or ():
            if entry.get(key):
                networks.append(ipaddress.ip_network(entry[key], strict=False))
    return networks


def _group_ids(groups: Iterable[Mapping[str, Any]] | None) -> frozenset[str]:
    return frozenset(str(group["GroupId"]) for group in groups or () if group.get("GroupId"))


def _interfaces(instance: Mapping[str, Any]) -> tuple[Interface, list[Interface]]:
    """(primary interface, pod interfaces) of an instance from DescribeInstances.

    The primary is the interface at device index 0 on network card 0. A secondary interface is a
    pod interface only by evidence that it carries pod addresses (interfaces.pod_interface: the VPC
    CNI's `aws-K8S-…` description, secondary private addresses or delegated prefixes; with custom
    networking they have their own subnets and SGs); an EFA interface on another network card with
    only its own address, a trunk or an EFA-only interface is not one. An instance described without
    interfaces is taken as one primary interface with the instance's SGs and private address.
    """
    primary: Interface | None = None
    pods: list[Interface] = []
    for raw in instance.get("NetworkInterfaces") or ():
        attachment = raw.get("Attachment") or {}
        interface = Interface(
            str(raw.get("NetworkInterfaceId", "?")), _group_ids(raw.get("Groups")), tuple(_interface_networks(raw))
        )
        is_primary = attachment.get("DeviceIndex", 0) == 0 and attachment.get("NetworkCardIndex", 0) == 0
        if is_primary and primary is None:
            primary = interface
        elif pod_interface(raw):
            pods.append(interface)
    if primary is None:
        address = instance.get("PrivateIpAddress")
        networks = (ipaddress.ip_network(address),) if address else ()
        primary = Interface(str(instance.get("InstanceId", "?")), _group_ids(instance.get("SecurityGroups")), networks)
    return primary, pods


def _node_group_of(tags: Mapping[str, str]) -> tuple[str, NodeGroupKind]:
    if tags.get("eks:nodegroup-name"):
        return tags["eks:nodegroup-name"], NodeGroupKind.MANAGED
    if tags.get("karpenter.sh/nodepool") or tags.get("karpenter.sh/provisioner-name"):
        return tags.get("karpenter.sh/nodepool") or tags["karpenter.sh/provisioner-name"], NodeGroupKind.KARPENTER
    if tags.get("aws:autoscaling:groupName"):
        return tags["aws:autoscaling:groupName"], NodeGroupKind.AUTO_SCALING
    return "self-managed", NodeGroupKind.SELF_MANAGED


def _node_from_instance(instance: Mapping[str, Any]) -> _RunningNode | None:
    """A running instance that tags or an Auto Scaling group may tie to a cluster; None when neither can."""
    tags = _tags(instance.get("Tags"))
    # Only what EKS could have named a cluster: `kubernetes.io/cluster/` with nothing after it (an
    # unset template variable) names none.
    clusters = {tags[key] for key in CLUSTER_NAME_TAGS if CLUSTER_NAME.fullmatch(tags.get(key, ""))}
    clusters |= {
        name
        for key in tags
        if key.startswith(CLUSTER_TAG_PREFIX) and CLUSTER_NAME.fullmatch(name := key[len(CLUSTER_TAG_PREFIX) :])
    }
    aws_clusters = {
        name for name in clusters if any(tags.get(k) == name for k in CLUSTER_NAME_TAGS if k.startswith("aws:"))
    }
    auto_scaling_group = tags.get("aws:autoscaling:groupName")
    if not clusters and not auto_scaling_group:
        return None
    primary, pods = _interfaces(instance)
    node = Node(str(instance.get("InstanceId", "?")), primary.security_group_ids, primary.networks, tuple(pods))
    name, kind = _node_group_of(tags)
    # EKS Auto Mode: EC2 reports the instance operated by EKS (AWS-set); the cluster it serves is
    # the one its launch tags name, and only when they name no other.
    served = tags.get("eks:eks-cluster-name", "")
    operated = served if eks_operated(instance) and clusters == {served} else None
    return _RunningNode(
        node,
        frozenset(clusters),
        frozenset(aws_clusters),
        auto_scaling_group,
        instance.get("VpcId"),
        name,
        kind,
        operated,
    )


def _subnet_networks(subnet: Mapping[str, Any]) -> list[IPNetwork]:
    networks: list[IPNetwork] = []
    if subnet.get("CidrBlock"):
        networks.append(ipaddress.ip_network(subnet["CidrBlock"]))
    for association in subnet.get("Ipv6CidrBlockAssociationSet") or ():
        if association.get("Ipv6CidrBlock"):
            networks.append(ipaddress.ip_network(association["Ipv6CidrBlock"]))
    return networks


class Discovery:
    """Reads one account and region through the given boto3 EKS and EC2 clients."""

    def __init__(
        self,
        eks: Any,
        ec2: Any,
        out_of_time: Callable[[], bool] = lambda: False,
        cluster_sg_hints: Mapping[str, str] | None = None,
    ) -> None:
        self.eks = eks
        self.ec2 = ec2
        # Asked before each cluster's own reads: when it says yes, the rest are left for the next run.
        self.out_of_time = out_of_time
        # Cluster name -> the cluster SG id a configuration item carries: used only where
        # DescribeCluster's answer lacks one.
        self.cluster_sg_hints = cluster_sg_hints or {}
        self._subnet_vpcs: dict[str, str] = {}

    def _read_cluster(self, name: str) -> _ClusterReads | str | None:
        """A cluster's own reads (DescribeCluster, its node groups): None when deleted, NOT_REACHED when out of time."""
        if self.out_of_time():
            return NOT_REACHED
        described = self._describe_cluster(name)
        if described is None:
            return None
        cluster = cluster_from_api(described)
        if cluster.cluster_sg_id is None and self.cluster_sg_hints.get(name):
            cluster = dataclasses.replace(cluster, cluster_sg_id=self.cluster_sg_hints[name])
        reads = _ClusterReads(cluster)
        reads.nodegroups = self._nodegroups(name, reads.unresolved)
        profiles = self._fargate_profiles(name, reads.unresolved)
        reads.cluster = dataclasses.replace(reads.cluster, fargate_profiles=tuple(profiles))
        return reads

    def _read_clusters(self, names: list[str]) -> dict[str, _ClusterReads | str | None]:
        """Each cluster's own reads, concurrently (bounded): name -> reads, None (gone) or NOT_REACHED."""
        if not names:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(CLUSTER_READERS, len(names)))) as pool:
            return dict(zip(names, pool.map(self._read_cluster, names), strict=True))

    def snapshot(self, clusters: Iterable[str] | None = None, users: ClusterUsers | None = None) -> Snapshot:
        """Read every cluster of the region (the sweep), or only the named ones and what they share.

        Sweep (`clusters=None`): EKS ListClusters, every cluster, and the running instances any of
        them could claim (`_sweep_nodes`: by tag key and Auto Scaling group filters, not the whole region).
        Named: those clusters, their nodes by tag and Auto Scaling group filters, and, to know which
        other clusters use one of their SGs, the network interfaces that carry those SGs
        (`ClusterUsers`); every cluster found that way is read as well, and the clusters sharing
        theirs (SHARING_DEPTH steps: what the named clusters' verdicts can depend on). Pass the
        `users` of an earlier `clusters_using` call to reuse its lookups. A named cluster that does
        not exist is listed in `Snapshot.missing`. Raises DiscoveryError when a read fails for any
        reason other than a resource that is gone.
        """
        if clusters is None:
            names = [name for page in pages_of("eks", self.eks, "list_clusters") for name in page.get("clusters", ())]
            results = self._read_clusters(names)
            reads = {n: r for n, r in results.items() if isinstance(r, _ClusterReads)}
            unreadable = {n: f"cluster {n} was deleted while being read" for n, r in results.items() if r is None}
            not_reached = [n for n, r in results.items() if r == NOT_REACHED]
            topologies = self._assemble(reads, self._sweep_nodes(reads))
            return self._finish(topologies, reads, unreadable, not_reached, [])
        return self._named(list(dict.fromkeys(clusters)), users or ClusterUsers())

    def _named(self, names: list[str], users: ClusterUsers) -> Snapshot:
        missing: list[str] = []
        not_reached: list[str] = []
        reads: dict[str, _ClusterReads] = {}
        topologies: dict[str, Topology] = {}
        attempted: set[str] = set()
        # Instance id -> the clusters its tags name, for every instance already read.
        known: dict[str, frozenset[str]] = {}
        wanted = names
        for depth in range(SHARING_DEPTH + 1):
            if not wanted:
                break
            attempted.update(wanted)
            results = self._read_clusters(wanted)
            for name, result in results.items():
                if isinstance(result, _ClusterReads):
                    reads[name] = result
                elif result == NOT_REACHED:
                    not_reached.append(name)
                elif name in names:
                    missing.append(name)
                # A cluster found through an interface that is gone by now uses nothing.
            new = {name: reads[name] for name in results if name in reads}
            running = self._cluster_nodes(new.values())
            known.update((r.node.node_id, r.clusters) for r in running)
            topologies.update(self._assemble(new, running))
            if depth == SHARING_DEPTH:
                break
            # Who else carries these clusters' SGs: read those clusters too (sharing is rare, so
            # most reads stop after one lookup).
            role_sgs = {sg for name in new for sg in topologies[name].role_sg_ids()}
            self._look_up(users, role_sgs, known)
            wanted = sorted(n for n in users.clusters_for(role_sgs) - attempted if CLUSTER_NAME.fullmatch(n))
        return self._finish(topologies, reads, {}, not_reached, missing)

    def clusters_using(self, security_group_ids: Iterable[str]) -> ClusterUsers:
        """Which clusters' control planes and running nodes carry these SGs, by their network interfaces.

        One ec2:DescribeNetworkInterfaces (`group-id` filter, paginated) per 200 SGs, and one
        ec2:DescribeInstances (`instance-id` filter) per 200 instances that carry them: an SG no
        interface carries costs one call, an SG only non-EKS instances carry costs two. Candidates
        only: `snapshot(clusters=...)` then reads each cluster and judges by what EKS and the nodes
        say, never by an interface description or a tag alone.
        """
        users = ClusterUsers()
        self._look_up(users, set(security_group_ids), {})
        return users

    def _look_up(self, users: ClusterUsers, security_group_ids: set[str], known: Mapping[str, frozenset[str]]) -> None:
        wanted = sorted(security_group_ids - users.looked_up)
        carried_by: dict[str, set[str]] = {}
        for sg, carriers in interface_carriers(self.ec2, wanted).items():
            for carrier in carriers:
                if carrier.control_plane:
                    users.control_planes.setdefault(sg, set()).add(carrier.control_plane)
                if carrier.instance_id:
                    carried_by.setdefault(carrier.instance_id, set()).add(sg)
        users.looked_up.update(wanted)
        users.instance_clusters.update((i, known[i]) for i in carried_by if i in known)
        unknown = sorted(set(carried_by) - set(users.instance_clusters))
        # Stopped, terminated or untagged: no cluster (and not asked about again).
        users.instance_clusters.update((i, frozenset()) for i in unknown)
        for running in self._instances(unknown):
            users.instance_clusters[running.node.node_id] = running.clusters
        for instance_id, carried in carried_by.items():
            for sg in carried:
                users.instances.setdefault(sg, set()).add(instance_id)

    def _instances(self, instance_ids: list[str]) -> list[_RunningNode]:
        """Running instances by id (ec2:DescribeInstances, `instance-id` filter: a terminated one is absent)."""
        nodes: list[_RunningNode] = []
        for filters in filter_sets("instance-id", instance_ids, RUNNING):
            nodes.extend(self._running_nodes(filters))
        return nodes

    def _cluster_nodes(self, reads: Iterable[_ClusterReads]) -> list[_RunningNode]:
        """The running instances that may be these clusters' nodes, by filter: a
        `kubernetes.io/cluster/<name>` tag key, a cluster-name tag (CLUSTER_NAME_TAGS) naming one of
        them, or an Auto Scaling group of one of their managed node groups."""
        reads = list(reads)
        names = sorted(r.cluster.name for r in reads)
        groups = sorted({asg for r in reads for asg in r.managed_auto_scaling_groups})
        # One filter per tag key (not `tag-value`, which would also bring every instance tagged
        # Environment=<a cluster's name>): a few calls, each bringing only candidate nodes.
        queries = [
            ("tag-key", sorted(CLUSTER_TAG_PREFIX + name for name in names)),
            *((f"tag:{key}", names) for key in CLUSTER_NAME_TAGS),
            ("tag:aws:autoscaling:groupName", groups),
        ]
        return self._query_nodes(queries)

    def _sweep_nodes(self, reads: Mapping[str, _ClusterReads]) -> list[_RunningNode]:
        """The running instances of the region that one of these clusters could claim (`_ClusterReads.member`),
        by filter rather than every instance of the region: any `kubernetes.io/cluster/*` or cluster-name
        (CLUSTER_NAME_TAGS) tag key, in one filter (EC2 filter values take `*` wildcards; values of one filter
        are ORed), and the Auto Scaling groups of their managed node groups. Kept: those that name one of
        the clusters or sit in one of those groups, nothing else; so memory follows the EKS footprint."""
        groups = {asg for r in reads.values() for asg in r.managed_auto_scaling_groups}
        queries = [
            ("tag-key", [CLUSTER_TAG_PREFIX + "*", *CLUSTER_NAME_TAGS]),
            ("tag:aws:autoscaling:groupName", sorted(groups)),
        ]
        return self._query_nodes(
            queries, keep=lambda r: bool(r.clusters & reads.keys()) or r.auto_scaling_group in groups
        )

    def _query_nodes(
        self, queries: Iterable[tuple[str, list[str]]], keep: Callable[[_RunningNode], bool] = lambda _: True
    ) -> list[_RunningNode]:
        """Running instances matching any of the (filter name, values) queries, each ANDed with
        `instance-state-name=running` and chunked within the filter-value limit; once each, those `keep` accepts."""
        found: dict[str, _RunningNode] = {}
        for filter_name, values in queries:
            for filters in filter_sets(filter_name, values, RUNNING):
                for running in self._running_nodes(filters):
                    if keep(running):
                        found[running.node.node_id] = running
        return list(found.values())

    def _assemble(self, reads: Mapping[str, _ClusterReads], running: list[_RunningNode]) -> dict[str, Topology]:
        """Topologies without SG rules yet: the clusters' subnets, VPCs, nodes and node groups."""
        subnets = self._subnets(
            {s for r in reads.values() for s in r.cluster.subnet_ids}
            | {s for r in reads.values() for ng in r.nodegroups for s in ng.get("subnets") or ()}
        )
        topologies: dict[str, Topology] = {}
        for name, cluster_reads in reads.items():
            if not cluster_reads.cluster.vpc_id:
                # DescribeCluster always names the VPC; should it not, the cluster's subnets do.
                vpcs = {self._subnet_vpcs[s] for s in cluster_reads.cluster.subnet_ids if s in self._subnet_vpcs}
                if len(vpcs) == 1:
                    cluster_reads.cluster = dataclasses.replace(cluster_reads.cluster, vpc_id=vpcs.pop())
                else:
                    cluster_reads.unknown(f"the VPC of cluster {name} is unknown: no instance counts as a node")
            managed = cluster_reads.managed_auto_scaling_groups  # once per cluster, not per instance
            cluster_nodes = [(n, node) for n in running if (node := cluster_reads.member(n, managed)) is not None]
            node_groups = self._node_groups(cluster_reads, cluster_nodes, subnets)
            control_plane_networks: list[IPNetwork] = []
            for subnet_id in cluster_reads.cluster.subnet_ids:
                if subnet_id in subnets:
                    control_plane_networks.extend(subnets[subnet_id])
                else:
                    cluster_reads.unknown(f"subnet {subnet_id} not found")
            topologies[name] = Topology(
                cluster=cluster_reads.cluster,
                node_groups=tuple(node_groups),
                security_groups={},
                control_plane_networks=tuple(control_plane_networks),
            )
        return topologies

    def _finish(
        self,
        topologies: dict[str, Topology],
        reads: Mapping[str, _ClusterReads],
        unreadable: dict[str, str],
        not_reached: list[str],
        missing: list[str],
    ) -> Snapshot:
        """The SGs' rules, their prefix lists and who shares which SG, on every topology."""
        groups = self._security_groups({sg for topology in topologies.values() for sg in topology.role_sg_ids()})
        prefix_lists = self._prefix_lists(topologies.values(), groups)
        usage = sg_usage(topologies.values())
        for name, topology in topologies.items():
            role_sgs = topology.role_sg_ids()
            unresolved = reads[name].unresolved
            unresolved.extend(
                f"{sg} not found (deleted or owned by another account)" for sg in role_sgs if sg not in groups
            )
            readable = {sg: groups[sg] for sg in role_sgs if sg in groups}
            topologies[name] = dataclasses.replace(
                topology,
                security_groups=readable,
                prefix_lists=prefix_lists,
                shared_with={sg: tuple(c for c in usage[sg] if c != name) for sg in role_sgs if len(usage[sg]) > 1},
                unresolved=tuple(dict.fromkeys(unresolved)),
                unread_clusters=tuple(not_reached),
                incomplete=tuple(dict.fromkeys(reads[name].incomplete)),
            )
        return Snapshot(
            topologies=topologies,
            unreadable_clusters=unreadable,
            not_reached=tuple(not_reached),
            missing=tuple(missing),
        )

    # --- EKS ------------------------------------------------------------------------------------

    def _describe_cluster(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self.eks.describe_cluster(name=name)["cluster"])
        except ClientError as error:
            if _not_found(error):
                return None
            raise _failure("eks", error) from error

    def _fargate_profiles(self, cluster: str, unresolved: list[str]) -> list[str]:
        """The cluster's Fargate profile names (eks:ListFargateProfiles, paginated)."""
        try:
            paginator = self.eks.get_paginator("list_fargate_profiles")
            return [n for page in paginator.paginate(clusterName=cluster) for n in page.get("fargateProfileNames", ())]
        except ClientError as error:
            if _not_found(error):
                unresolved.append(f"Fargate profiles of {cluster} could not be listed (cluster deleted)")
                return []
            raise _failure("eks", error) from error

    def _nodegroups(self, cluster: str, unresolved: list[str]) -> list[dict[str, Any]]:
        nodegroups: list[dict[str, Any]] = []
        try:
            names = [
                n
                for page in self.eks.get_paginator("list_nodegroups").paginate(clusterName=cluster)
                for n in page.get("nodegroups", ())
            ]
        except ClientError as error:
            if _not_found(error):
                unresolved.append(f"node groups of {cluster} could not be listed (cluster deleted)")
                return []
            raise _failure("eks", error) from error
        for nodegroup in names:
            try:
                nodegroups.append(
                    dict(self.eks.describe_nodegroup(clusterName=cluster, nodegroupName=nodegroup)["nodegroup"])
                )
            except ClientError as error:
                if not _not_found(error):
                    raise _failure("eks", error) from error
                unresolved.append(f"node group {nodegroup} was deleted while being read")
        return nodegroups

    # --- EC2 ------------------------------------------------------------------------------------

    def _running_nodes(self, filters: list[dict[str, Any]]) -> list[_RunningNode]:
        """Instances matching `filters` that tags or an Auto Scaling group may tie to a cluster (ec2:DescribeInstances,
        paginated); the caller's filters name the state (RUNNING)."""
        nodes: list[_RunningNode] = []
        config = {"PageSize": PAGE_SIZE}
        # IncludeManagedResources: EKS Auto Mode's instances (EC2 managed instances) are left out of
        # DescribeInstances and DescribeNetworkInterfaces where the account hides managed resources.
        pages = pages_of(
            "ec2",
            self.ec2,
            "describe_instances",
            Filters=filters,
            IncludeManagedResources=True,
            PaginationConfig=config,
        )
        for page in pages:
            for reservation in page.get("Reservations", ()):
                for instance in reservation.get("Instances", ()):
                    node = _node_from_instance(instance)
                    if node is not None:
                        nodes.append(node)
        return nodes

    def _security_groups(self, group_ids: set[str]) -> dict[str, SecurityGroup]:
        """The SGs that play a role for some cluster, and only those: an account's unrelated SGs
        (often thousands) are never transferred. A filter, not GroupIds: a deleted SG must not fail
        the read; it is simply absent, and reported as unresolved."""
        groups: dict[str, SecurityGroup] = {}
        for filters in filter_sets("group-id", group_ids):
            config = {"PageSize": PAGE_SIZE}
            for page in pages_of("ec2", self.ec2, "describe_security_groups", Filters=filters, PaginationConfig=config):
                for raw in page.get("SecurityGroups", ()):
                    group = security_group_from_api(raw)
                    groups[group.group_id] = group
        return groups

    def _subnets(self, subnet_ids: set[str]) -> dict[str, list[IPNetwork]]:
        """Subnet id -> its IPv4 and IPv6 CIDRs (ec2:DescribeSubnets); records each subnet's VPC."""
        subnets: dict[str, list[IPNetwork]] = {}
        # A filter, not SubnetIds: one deleted subnet must not fail the whole read.
        for filters in filter_sets("subnet-id", subnet_ids):
            for page in pages_of("ec2", self.ec2, "describe_subnets", Filters=filters):
                for subnet in page.get("Subnets", ()):
                    subnets[subnet["SubnetId"]] = _subnet_networks(subnet)
                    if subnet.get("VpcId"):
                        self._subnet_vpcs[subnet["SubnetId"]] = str(subnet["VpcId"])
        return subnets

    def _launch_template_sgs(self, template: Mapping[str, Any]) -> list[str] | None:
        """SG ids a launch template version gives its instances, or None when it cannot be read."""
        kwargs: dict[str, Any] = {"Versions": [str(template.get("version") or "$Default")]}
        if template.get("id"):
            kwargs["LaunchTemplateId"] = template["id"]
        else:
            kwargs["LaunchTemplateName"] = template.get("name", "")
        try:
            versions = self.ec2.describe_launch_template_versions(**kwargs).get("LaunchTemplateVersions", [])
        except ClientError as error:
            if _not_found(error) or error.response["Error"]["Code"].startswith("InvalidLaunchTemplate"):
                return None
            raise _failure("ec2", error) from error
        if not versions:
            return None
        data = versions[0].get("LaunchTemplateData") or {}
        sg_ids = list(data.get("SecurityGroupIds") or ())
        for interface in data.get("NetworkInterfaces") or ():
            sg_ids.extend(interface.get("Groups") or ())
        return sg_ids

    def _prefix_lists(
        self, topologies: Iterable[Topology], groups: Mapping[str, SecurityGroup]
    ) -> dict[str, tuple[IPNetwork, ...]]:
        wanted: set[str] = set()
        for topology in topologies:
            for sg_id in topology.role_sg_ids():
                group = groups.get(sg_id)
                if group:
                    for permission in (*group.ingress, *group.egress):
                        wanted |= permission.prefix_list_ids
        entries: dict[str, tuple[IPNetwork, ...]] = {}
        for prefix_list_id in sorted(wanted):
            cidrs: list[IPNetwork] = []
            try:
                paginator = self.ec2.get_paginator("get_managed_prefix_list_entries")
                for page in paginator.paginate(PrefixListId=prefix_list_id):
                    cidrs.extend(ipaddress.ip_network(e["Cidr"]) for e in page.get("Entries", ()) if e.get("Cidr"))
            except ClientError as error:
                if not _not_found(error):
                    raise _failure("ec2", error) from error
                # An unreadable prefix list grants nothing: it can only make a check fail, never pass.
            entries[prefix_list_id] = tuple(cidrs)
        return entries

    # --- node groups ----------------------------------------------------------------------------

    def _node_groups(
        self,
        reads: _ClusterReads,
        running: list[tuple[_RunningNode, Node]],
        subnets: Mapping[str, list[IPNetwork]],
    ) -> list[NodeGroup]:
        own_groups = reads.auto_scaling_groups
        grouped: dict[tuple[NodeGroupKind, str], list[Node]] = {}
        for running_node, node in running:
            kind, name = running_node.group_kind, running_node.group_name
            if kind is NodeGroupKind.MANAGED and running_node.auto_scaling_group not in own_groups.get(name, ()):
                # An eks:nodegroup-name tag anyone can set, on an instance outside that node group's
                # Auto Scaling group: not one of its nodes (nor a stand-in for its launch template).
                asg = running_node.auto_scaling_group
                kind, name = (NodeGroupKind.AUTO_SCALING, asg) if asg else (NodeGroupKind.SELF_MANAGED, "self-managed")
            grouped.setdefault((kind, name), []).append(node)
        node_groups = [NodeGroup(name, kind, tuple(nodes)) for (kind, name), nodes in grouped.items()]
        with_instances = {name for kind, name in grouped if kind is NodeGroupKind.MANAGED}
        for nodegroup in reads.nodegroups:
            name = str(nodegroup.get("nodegroupName", "?"))
            if name in with_instances:
                continue
            template_node = self._template_node(reads, nodegroup, subnets)
            if template_node is not None:
                node_groups.append(NodeGroup(name, NodeGroupKind.MANAGED, (template_node,), from_template=True))
        return node_groups

    def _template_node(
        self, reads: _ClusterReads, nodegroup: Mapping[str, Any], subnets: Mapping[str, list[IPNetwork]]
    ) -> Node | None:
        """The shape of a managed node group's future nodes, when none runs."""
        name = str(nodegroup.get("nodegroupName", "?"))
        cluster_sg = reads.cluster.cluster_sg_id
        sg_ids: list[str] = []
        template = nodegroup.get("launchTemplate")
        if template:
            template_sgs = self._launch_template_sgs(template)
            if template_sgs is None:
                reads.unknown(f"launch template of node group {name} not found: its nodes' SGs are unknown")
                return None
            sg_ids.extend(template_sgs)
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
            f"{name} (launch template, no running instance)",
            frozenset(sg_ids),
            tuple(networks),
            membership=Membership.AWS,
        )
