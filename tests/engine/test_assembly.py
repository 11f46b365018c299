"""Assembly from records, without AWS: membership evidence, node groups, template nodes, sharing."""

from __future__ import annotations

import ipaddress
from typing import Any

from eks_sg_rule import assembly
from eks_sg_rule.assembly import ClusterReads, RunningNode
from eks_sg_rule.model import Cluster, Membership, Node, NodeGroupKind, Permission, Protocol, SecurityGroup, Topology
from eks_sg_rule.vpc import Route, RouteTable, VpcEndpoint, VpcNetwork

VPC = "vpc-0a1b2c3d"
SUBNETS = {"subnet-a": [ipaddress.ip_network("10.0.0.0/24")], "subnet-b": [ipaddress.ip_network("10.0.1.0/24")]}


def cluster_reads(name: str = "prod", vpc_id: str | None = VPC, **cluster: Any) -> ClusterReads:
    nodegroup = {
        "nodegroupName": "ng",
        "subnets": ["subnet-b"],
        "resources": {"autoScalingGroups": [{"name": f"eks-ng-{name}"}]},
    }
    defaults: dict[str, Any] = {"cluster_sg_id": f"sg-{name}-cluster", "subnet_ids": ("subnet-a",)}
    return ClusterReads(Cluster(name, vpc_id=vpc_id, **(defaults | cluster)), nodegroups=[nodegroup])


def running(
    node_id: str,
    clusters: frozenset[str] = frozenset(),
    asg: str | None = None,
    vpc_id: str = VPC,
    group: tuple[str, NodeGroupKind] = ("self-managed", NodeGroupKind.SELF_MANAGED),
    aws_clusters: frozenset[str] = frozenset(),
) -> RunningNode:
    node = Node(node_id, frozenset({f"sg-{node_id}"}))
    return RunningNode(node, clusters, aws_clusters, asg, vpc_id, group[0], group[1])


def test_membership_follows_the_evidence_and_the_vpc() -> None:
    reads = cluster_reads()
    managed = reads.managed_auto_scaling_groups
    in_group = running("i-1", asg="eks-ng-prod", group=("ng", NodeGroupKind.MANAGED))
    tagged = running("i-2", clusters=frozenset({"prod"}))
    aws_tagged = running("i-3", clusters=frozenset({"prod"}), aws_clusters=frozenset({"prod"}))
    elsewhere = running("i-4", clusters=frozenset({"prod"}), vpc_id="vpc-other")
    other_cluster = running("i-5", clusters=frozenset({"dev"}))

    assert [
        None if (node := reads.member(r, managed)) is None else node.membership
        for r in (in_group, tagged, aws_tagged, elsewhere, other_cluster)
    ] == [Membership.AWS, Membership.TAGS, Membership.AWS, None, None]


def test_a_node_group_tag_outside_its_auto_scaling_group_does_not_make_a_managed_node() -> None:
    reads = cluster_reads()
    forged = running("i-1", clusters=frozenset({"prod"}), asg="other-asg", group=("ng", NodeGroupKind.MANAGED))
    bare = running("i-2", clusters=frozenset({"prod"}), group=("ng", NodeGroupKind.MANAGED))

    grouped = assembly.group_nodes(reads, [forged, bare])

    assert {key: [n.node_id for n in nodes] for key, nodes in grouped.items()} == {
        (NodeGroupKind.AUTO_SCALING, "other-asg"): ["i-1"],
        (NodeGroupKind.SELF_MANAGED, "self-managed"): ["i-2"],
    }
    # Node group ng still runs no instance of its own: its launch template is what to read.
    reads.nodegroups[0]["launchTemplate"] = {"id": "lt-0abc", "version": "3"}
    assert assembly.templates_wanted(reads, grouped) == [("ng", {"id": "lt-0abc", "version": "3"})]


def test_a_template_node_takes_the_template_sgs_and_an_unread_template_is_incomplete() -> None:
    reads = cluster_reads()
    reads.nodegroups[0]["launchTemplate"] = {"name": "nodes"}
    reads.nodegroups[0]["resources"]["remoteAccessSecurityGroup"] = "sg-remote"

    topology = assembly.topology(reads, {}, SUBNETS, {"ng": ["sg-template"]})

    [group] = topology.node_groups
    [node] = group.nodes
    assert (group.name, group.kind, group.from_template) == ("ng", NodeGroupKind.MANAGED, True)
    assert (node.security_group_ids, node.membership) == (frozenset({"sg-template", "sg-remote"}), Membership.AWS)
    assert node.networks == tuple(SUBNETS["subnet-b"])
    assert topology.control_plane_networks == tuple(SUBNETS["subnet-a"])
    assert reads.incomplete == []

    unread = cluster_reads()
    unread.nodegroups[0]["launchTemplate"] = {"name": "nodes"}
    assert assembly.topology(unread, {}, SUBNETS, {"ng": None}).node_groups == ()
    assert unread.incomplete == ["launch template of node group ng not found: its nodes' SGs are unknown"]


def test_without_a_launch_template_the_future_nodes_get_the_cluster_sg() -> None:
    reads = cluster_reads()
    [group] = assembly.node_groups(reads, {}, SUBNETS, {})
    assert group.nodes[0].security_group_ids == frozenset({"sg-prod-cluster"})

    no_cluster_sg = cluster_reads(cluster_sg_id=None)
    assert assembly.node_groups(no_cluster_sg, {}, SUBNETS, {}) == []
    assert no_cluster_sg.incomplete == ["node group ng: no SG in its launch template and no cluster SG"]


def test_the_vpc_comes_from_the_subnets_only_when_they_name_one() -> None:
    reads = cluster_reads(vpc_id=None)
    assembly.resolve_vpc(reads, {"subnet-a": VPC})
    assert reads.cluster.vpc_id == VPC and reads.incomplete == []

    split = cluster_reads(vpc_id=None, subnet_ids=("subnet-a", "subnet-b"))
    assembly.resolve_vpc(split, {"subnet-a": VPC, "subnet-b": "vpc-other"})
    assert split.cluster.vpc_id is None
    assert split.incomplete == ["the VPC of cluster prod is unknown: no instance counts as a node"]


def test_a_missing_subnet_is_incomplete() -> None:
    reads = cluster_reads(subnet_ids=("subnet-a", "subnet-gone"))
    topology = assembly.topology(reads, {}, SUBNETS, {})
    assert topology.control_plane_networks == tuple(SUBNETS["subnet-a"])
    assert reads.incomplete == ["subnet subnet-gone not found"]


def test_finish_records_sharing_unread_sgs_and_prefix_lists() -> None:
    prod, dev = cluster_reads("prod"), cluster_reads("dev", cluster_sg_id="sg-shared")
    prod.cluster = Cluster("prod", vpc_id=VPC, cluster_sg_id="sg-shared", additional_sg_ids=("sg-gone",))
    topologies = {
        name: Topology(cluster=r.cluster, node_groups=(), security_groups={})
        for name, r in (("prod", prod), ("dev", dev))
    }
    allow = Permission(Protocol.TCP, 443, 443, prefix_list_ids=frozenset({"pl-0abc"}))
    groups = {"sg-shared": SecurityGroup("sg-shared", ingress=(allow,))}
    assert assembly.prefix_list_ids(topologies.values(), groups) == ["pl-0abc"]

    snapshot = assembly.finish(
        topologies,
        {"prod": prod, "dev": dev},
        groups,
        {"pl-0abc": (ipaddress.ip_network("10.0.0.0/16"),)},
        {"old": "cluster old was deleted while being read"},
        ["late"],
        ["absent"],
    )

    prod_topology = snapshot.topologies["prod"]
    assert prod_topology.shared_with == {"sg-shared": ("dev",)}
    assert set(prod_topology.security_groups) == {"sg-shared"}
    assert prod_topology.unresolved == ("sg-gone not found (deleted or owned by another account)",)
    assert prod_topology.unread_clusters == ("late",)
    assert snapshot.topologies["dev"].shared_with == {"sg-shared": ("prod",)}
    assert (snapshot.unreadable_clusters, snapshot.not_reached, snapshot.missing) == (
        {"old": "cluster old was deleted while being read"},
        ("late",),
        ("absent",),
    )


def test_finish_with_network_path_puts_the_vpc_and_its_endpoint_sgs_on_each_topology() -> None:
    s3_route = Route(None, "vpce-s3", destination_prefix_list_id="pl-s3")
    vpc = VpcNetwork(
        VPC,
        "us-east-1",
        route_tables=(RouteTable("rtb-main", VPC, True, (s3_route, Route(None, "vpce-dynamo", "pl-ddb"))),),
        endpoints=(
            VpcEndpoint("vpce-s3", "com.amazonaws.us-east-1.s3", "Gateway"),
            VpcEndpoint("vpce-dynamo", "com.amazonaws.us-east-1.dynamodb", "Gateway"),
            VpcEndpoint("vpce-ecr", "com.amazonaws.us-east-1.ecr.api", "Interface", security_group_ids=("sg-ep",)),
            VpcEndpoint("vpce-dkr", "com.amazonaws.us-east-1.ecr.dkr", "Interface", security_group_ids=("sg-gone",)),
            VpcEndpoint(
                "vpce-old", "com.amazonaws.us-east-1.sts", "Interface", "deleting", security_group_ids=("sg-x",)
            ),
        ),
    )
    prod, lost = cluster_reads("prod"), cluster_reads("lost", vpc_id=None)
    topologies = {r.cluster.name: Topology(cluster=r.cluster, node_groups=(), security_groups={}) for r in (prod, lost)}
    assert assembly.vpc_ids(topologies.values()) == [VPC]
    assert assembly.endpoint_sg_ids([vpc]) == {"sg-ep", "sg-gone", "sg-x"}
    endpoint_rule = Permission(Protocol.TCP, 443, 443, prefix_list_ids=frozenset({"pl-nodes"}))
    groups = {
        "sg-prod-cluster": SecurityGroup("sg-prod-cluster"),
        "sg-ep": SecurityGroup("sg-ep", ingress=(endpoint_rule,)),
    }
    # S3's gateway endpoint's route (not DynamoDB's), and the prefix lists the endpoint SGs name.
    assert assembly.network_prefix_list_ids([vpc], groups) == {"pl-s3", "pl-nodes"}

    snapshot = assembly.finish(topologies, {"prod": prod, "lost": lost}, groups, {}, {}, [], [], {VPC: vpc})

    finished = snapshot.topologies["prod"]
    assert set(finished.security_groups) == {"sg-prod-cluster", "sg-ep"}
    assert finished.role_sg_ids() == ("sg-prod-cluster",)
    assert finished.vpc is not None and finished.vpc.unread == (
        "sg-gone of VPC endpoint vpce-dkr not found (deleted or owned by another account)",
    )
    # A cluster whose VPC is unknown has no network layer: the path checks cannot judge it.
    assert snapshot.topologies["lost"].vpc is None
    # Without NetworkPath nothing of it is there.
    plain = assembly.finish(topologies, {"prod": prod, "lost": lost}, groups, {}, {}, [], [])
    assert plain.topologies["prod"].vpc is None and set(plain.topologies["prod"].security_groups) == {"sg-prod-cluster"}
