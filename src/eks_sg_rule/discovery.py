"""What to read of one account and region, and in which order -> an account Snapshot.

Worker-node SGs come from the nodes (running instances and managed node groups), never from SG
names or tags. Nothing is called once per SG or per instance. Anything that cannot be resolved
is recorded in words on the affected topology; it never turns into a pass.

Two ways to read: the sweep (every cluster of the region, every running instance a cluster could
claim) and a named read (some clusters, their nodes by filter, and whoever shares their SGs, found
through the network interfaces that carry those SGs), whose cost follows the clusters touched, not
the region's size. The reads themselves are aws.reads; what they make of the records is assembly.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import assembly
from .assembly import ClusterReads, RunningNode
from .aws import reads as api
from .aws.calls import filter_sets
from .aws.shapes import CLUSTER_NAME_TAGS, cluster_from_api
from .model import Cluster, Interface, Snapshot, Topology
from .names import CLUSTER_NAME, CLUSTER_TAG_PREFIX
from .requirements import RequirementSet

CLUSTER_READERS = 8
NOT_REACHED = "not reached"
RUNNING = {"Name": "instance-state-name", "Values": ["running"]}
# How far a named read follows sharing: the named clusters' SG users (whose verdicts make up the
# shared SGs' verdicts), and theirs (whose use of an SG decides those users' DEDICATED_CP_SG).
SHARING_DEPTH = 2


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


def node_queries(reads: Iterable[ClusterReads]) -> list[tuple[str, list[str]]]:
    """(filter name, values) that find the running instances that may be these clusters' nodes: a
    `kubernetes.io/cluster/<name>` tag key, a cluster-name tag (CLUSTER_NAME_TAGS) naming one of
    them, or an Auto Scaling group of one of their managed node groups."""
    reads = list(reads)
    names = sorted(r.cluster.name for r in reads)
    groups = sorted({asg for r in reads for asg in r.managed_auto_scaling_groups})
    # One filter per tag key (not `tag-value`, which would also bring every instance tagged
    # Environment=<a cluster's name>): a few calls, each bringing only candidate nodes.
    return [
        ("tag-key", sorted(CLUSTER_TAG_PREFIX + name for name in names)),
        *((f"tag:{key}", names) for key in CLUSTER_NAME_TAGS),
        ("tag:aws:autoscaling:groupName", groups),
    ]


def sweep_queries(
    reads: Iterable[ClusterReads], tagged: Iterable[RunningNode] | None = None
) -> list[tuple[str, list[str]]]:
    """(filter name, values) of the sweep's reads of running instances: those of the region a cluster
    could claim (`ClusterReads.member`), rather than every instance of the region, in two steps.

    First (`tagged` None): any `kubernetes.io/cluster/*` or cluster-name (CLUSTER_NAME_TAGS) tag
    key, in one filter (EC2 filter values take `*` wildcards; values of one filter are ORed): every
    node EKS tags, managed nodes included. Then (`tagged`: what the first step kept): the Auto
    Scaling groups of the managed node groups it may not have found every node of
    (`ClusterReads.unaccounted_auto_scaling_groups`: not ACTIVE, or a running count in their groups
    other than their desiredSize), where a managed node whose EKS-set tags were removed can hide
    (`aws:autoscaling:groupName` cannot be removed); an empty list, so no call, when every managed
    node group is accounted for. The caller keeps those that name one of the clusters or sit in one
    of their managed node groups' Auto Scaling groups, nothing else; so memory follows the EKS
    footprint.
    """
    if tagged is None:
        return [("tag-key", [CLUSTER_TAG_PREFIX + "*", *CLUSTER_NAME_TAGS])]
    running_by_group = Counter(r.auto_scaling_group for r in tagged if r.auto_scaling_group)
    groups = {asg for r in reads for asg in r.unaccounted_auto_scaling_groups(running_by_group)}
    return [("tag:aws:autoscaling:groupName", sorted(groups))] if groups else []


def query_nodes(
    ec2: Any, queries: Iterable[tuple[str, list[str]]], keep: Callable[[RunningNode], bool] = lambda _: True
) -> list[RunningNode]:
    """Running instances matching any of the (filter name, values) queries, each ANDed with
    `instance-state-name=running` and chunked within the filter-value limit (ec2:DescribeInstances);
    once each, those `keep` accepts."""
    found: dict[str, RunningNode] = {}
    for filter_name, values in queries:
        for filters in filter_sets(filter_name, values, RUNNING):
            for running in api.running_nodes(ec2, filters):
                if keep(running):
                    found[running.node.node_id] = running
    return list(found.values())


def with_branches(
    ec2: Any, topology: Topology, cache: dict[str, dict[str, list[Interface]]], requirement_set: RequirementSet
) -> Topology:
    """With the 2026 set, the topology's nodes with their branch interfaces (security groups for pods)
    as pod interfaces of kind `branch`: one aws.reads.branch_interfaces (ec2:DescribeNetworkInterfaces)
    per VPC, kept in `cache` for every cluster of that VPC. The topology itself with 2020 (which makes
    no call it did not make before) or without a VPC."""
    vpc_id = topology.cluster.vpc_id
    if requirement_set is not RequirementSet.Y2026 or not vpc_id:
        return topology
    if vpc_id not in cache:
        cache[vpc_id] = api.branch_interfaces(ec2, vpc_id)
    return assembly.with_branches(topology, cache[vpc_id])


def with_insights(eks: Any, cluster: Cluster, requirement_set: RequirementSet) -> Cluster:
    """With the 2026 set and remote node networks (hybrid nodes), the cluster with its EKS cluster
    insights of category MISCONFIGURATION (aws.reads.insights: eks:ListInsights); else unchanged."""
    if requirement_set is not RequirementSet.Y2026 or not cluster.remote_node_networks:
        return cluster
    return dataclasses.replace(cluster, insights=api.insights(eks, cluster.name))


class Discovery:
    """Reads one account and region through the given boto3 EKS and EC2 clients."""

    def __init__(
        self,
        eks: Any,
        ec2: Any,
        out_of_time: Callable[[], bool] = lambda: False,
        cluster_sg_hints: Mapping[str, str] | None = None,
        network_path: bool = False,
        requirement_set: RequirementSet = RequirementSet.Y2020,
    ) -> None:
        self.eks = eks
        self.ec2 = ec2
        # NetworkPath: also read what the network-path checks judge (Topology.vpc).
        self.network_path = network_path
        self.requirement_set = requirement_set  # 2026 reads more: with_branches, with_insights
        self._branches: dict[str, dict[str, list[Interface]]] = {}
        # Asked before each cluster's own reads: when it says yes, the rest are left for the next run.
        self.out_of_time = out_of_time
        # Cluster name -> a configuration item's cluster SG id: used where DescribeCluster lacks one.
        self.cluster_sg_hints = cluster_sg_hints or {}
        self._subnet_vpcs: dict[str, str] = {}

    def _read_cluster(self, name: str) -> ClusterReads | str | None:
        """A cluster's own reads (DescribeCluster, its node groups): None when deleted, NOT_REACHED when out of time."""
        if self.out_of_time():
            return NOT_REACHED
        described = api.describe_cluster(self.eks, name)
        if described is None:
            return None
        cluster = cluster_from_api(described)
        if cluster.cluster_sg_id is None and self.cluster_sg_hints.get(name):
            cluster = dataclasses.replace(cluster, cluster_sg_id=self.cluster_sg_hints[name])
        own = ClusterReads(cluster)
        nodegroups = api.nodegroup_names(self.eks, name)
        if nodegroups is None:
            own.unresolved.append(f"node groups of {name} could not be listed (cluster deleted)")
        for nodegroup in nodegroups or ():
            described_group = api.describe_nodegroup(self.eks, name, nodegroup)
            if described_group is None:
                own.unresolved.append(f"node group {nodegroup} was deleted while being read")
            else:
                own.nodegroups.append(described_group)
        profiles = api.fargate_profile_names(self.eks, name)
        if profiles is None:
            own.unresolved.append(f"Fargate profiles of {name} could not be listed (cluster deleted)")
        own.cluster = dataclasses.replace(own.cluster, fargate_profiles=tuple(profiles or ()))
        own.cluster = with_insights(self.eks, own.cluster, self.requirement_set)
        return own

    def _read_clusters(self, names: list[str]) -> dict[str, ClusterReads | str | None]:
        """Each cluster's own reads, concurrently (bounded): name -> reads, None (gone) or NOT_REACHED."""
        if not names:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(CLUSTER_READERS, len(names)))) as pool:
            return dict(zip(names, pool.map(self._read_cluster, names), strict=True))

    def snapshot(self, clusters: Iterable[str] | None = None, users: ClusterUsers | None = None) -> Snapshot:
        """Read every cluster of the region (the sweep), or only the named ones and what they share.

        Sweep (`clusters=None`): EKS ListClusters, every cluster, and the running instances any of
        them could claim (`_sweep_nodes`: by tag key, then by the Auto Scaling groups of the managed
        node groups the tag keys did not account for; not the whole region).
        Named: those clusters, their nodes by tag and Auto Scaling group filters, and, to know which
        other clusters use one of their SGs, the network interfaces that carry those SGs
        (`ClusterUsers`); every cluster found that way is read as well, and the clusters sharing
        theirs (SHARING_DEPTH steps: what the named clusters' verdicts can depend on). Pass the
        `users` of an earlier `clusters_using` call to reuse its lookups. A named cluster that does
        not exist is listed in `Snapshot.missing`. Raises DiscoveryError when a read fails for any
        reason other than a resource that is gone.
        """
        if clusters is None:
            names = api.cluster_names(self.eks)
            results = self._read_clusters(names)
            reads = {n: r for n, r in results.items() if isinstance(r, ClusterReads)}
            unreadable = {n: f"cluster {n} was deleted while being read" for n, r in results.items() if r is None}
            not_reached = [n for n, r in results.items() if r == NOT_REACHED]
            topologies = self._assemble(reads, self._sweep_nodes(reads))
            return self._finish(topologies, reads, unreadable, not_reached, [])
        return self._named(list(dict.fromkeys(clusters)), users or ClusterUsers())

    def _named(self, names: list[str], users: ClusterUsers) -> Snapshot:
        missing: list[str] = []
        not_reached: list[str] = []
        reads: dict[str, ClusterReads] = {}
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
                if isinstance(result, ClusterReads):
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
            # Who else carries these clusters' SGs: read those too (sharing is rare: mostly one lookup).
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

    def clusters_in_vpc(self, vpc_id: str) -> list[str]:
        """The clusters whose control planes have a network interface in the VPC, by the interfaces'
        description (aws.reads.control_plane_interfaces: one ec2:DescribeNetworkInterfaces).
        Candidates only, sorted: `snapshot(clusters=...)` then reads each, and only a cluster whose
        DescribeCluster names this VPC is judged for it."""
        carriers = api.control_plane_interfaces(self.ec2, vpc_id)
        return sorted({c.control_plane for c in carriers if c.control_plane})

    def _look_up(self, users: ClusterUsers, security_group_ids: set[str], known: Mapping[str, frozenset[str]]) -> None:
        wanted = sorted(security_group_ids - users.looked_up)
        carried_by: dict[str, set[str]] = {}
        for sg, carriers in api.interface_carriers(self.ec2, wanted).items():
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

    def _instances(self, instance_ids: list[str]) -> list[RunningNode]:
        """Running instances by id (ec2:DescribeInstances, `instance-id` filter: a terminated one is absent)."""
        nodes: list[RunningNode] = []
        for filters in filter_sets("instance-id", instance_ids, RUNNING):
            nodes.extend(api.running_nodes(self.ec2, filters))
        return nodes

    def _cluster_nodes(self, reads: Iterable[ClusterReads]) -> list[RunningNode]:
        """The running instances that may be these clusters' nodes (node_queries)."""
        return query_nodes(self.ec2, node_queries(reads))

    def _sweep_nodes(self, reads: Mapping[str, ClusterReads]) -> list[RunningNode]:
        """The running instances of the region that one of these clusters could claim (sweep_queries:
        the tag keys, then the Auto Scaling groups of the managed node groups not yet accounted for)."""
        groups = {asg for r in reads.values() for asg in r.managed_auto_scaling_groups}

        def keep(running: RunningNode) -> bool:
            return bool(running.clusters & reads.keys()) or running.auto_scaling_group in groups

        tagged = query_nodes(self.ec2, sweep_queries(reads.values()), keep)
        untagged = query_nodes(self.ec2, sweep_queries(reads.values(), tagged), keep)
        return list({r.node.node_id: r for r in (*tagged, *untagged)}.values())

    def _assemble(self, cluster_reads: Mapping[str, ClusterReads], running: list[RunningNode]) -> dict[str, Topology]:
        """Topologies without SG rules yet: the clusters' subnets (ec2:DescribeSubnets), VPCs, nodes and
        node groups, with the launch templates of managed node groups that run no instance."""
        subnets, vpcs = api.subnets(self.ec2, assembly.subnet_ids(cluster_reads.values()))
        self._subnet_vpcs.update(vpcs)
        topologies: dict[str, Topology] = {}
        for name, own in cluster_reads.items():
            assembly.resolve_vpc(own, self._subnet_vpcs)
            grouped = assembly.group_nodes(own, running)
            templates = {
                nodegroup: api.launch_template_security_groups(self.ec2, template)
                for nodegroup, template in assembly.templates_wanted(own, grouped)
            }
            topology, wanted = assembly.topology(own, grouped, subnets, templates), self.requirement_set
            topologies[name] = with_branches(self.ec2, topology, self._branches, wanted)
        return topologies

    def _finish(
        self,
        topologies: dict[str, Topology],
        cluster_reads: Mapping[str, ClusterReads],
        unreadable: dict[str, str],
        not_reached: list[str],
        missing: list[str],
    ) -> Snapshot:
        """The SGs' rules (ec2:DescribeSecurityGroups), their prefix lists (ec2:GetManagedPrefixListEntries)
        and who shares which SG, on every topology."""
        groups = api.security_groups(self.ec2, {sg for t in topologies.values() for sg in t.role_sg_ids()})
        prefix_lists = {
            prefix_list: api.prefix_list_entries(self.ec2, prefix_list)
            for prefix_list in assembly.prefix_list_ids(topologies.values(), groups)
        }
        return assembly.finish(topologies, cluster_reads, groups, prefix_lists, unreadable, not_reached, missing)
