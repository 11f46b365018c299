"""Hand-built topologies for pure tests: short names for SG rules, nodes and clusters."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from eks_sg_rule.checks import Judge
from eks_sg_rule.model import (
    Cluster,
    IpFamily,
    Node,
    NodeGroup,
    NodeGroupKind,
    Permission,
    Protocol,
    SecurityGroup,
    Topology,
)
from eks_sg_rule.requirements import CHECKS_BY_ID
from eks_sg_rule.results import CheckResult

CP_SUBNETS = ("10.0.0.0/24", "10.0.1.0/24")


def tcp(
    low: int,
    high: int | None = None,
    *,
    sgs: Iterable[str] = (),
    cidrs: Iterable[str] = (),
    prefix_lists: Iterable[str] = (),
) -> Permission:
    return Permission(
        Protocol.TCP,
        low,
        low if high is None else high,
        frozenset(sgs),
        tuple(ipaddress.ip_network(c) for c in cidrs),
        frozenset(prefix_lists),
    )


def everything(*, sgs: Iterable[str] = (), cidrs: Iterable[str] = ()) -> Permission:
    return Permission(Protocol.ALL, None, None, frozenset(sgs), tuple(ipaddress.ip_network(c) for c in cidrs))


def udp(low: int, high: int, *, sgs: Iterable[str] = ()) -> Permission:
    return Permission(Protocol.UDP, low, high, frozenset(sgs))


def sg(
    group_id: str, ingress: Iterable[Permission] = (), egress: Iterable[Permission] | None = None, **tags: str
) -> SecurityGroup:
    """An SG; egress defaults to EC2's default rule, all traffic to 0.0.0.0/0."""
    default_egress = (everything(cidrs=["0.0.0.0/0"]),)
    return SecurityGroup(
        group_id,
        group_id,
        "vpc-1",
        "123456789012",
        tuple(ingress),
        default_egress if egress is None else tuple(egress),
        dict(tags),
    )


def owned(cluster: str = "c1") -> dict[str, str]:
    return {f"kubernetes.io/cluster/{cluster}": "owned"}


def nodegroup(name: str, *sg_sets: Iterable[str], ips: Iterable[str] = ()) -> NodeGroup:
    """One node per SG set; node i takes the i-th address (default 10.0.8.<i+10>)."""
    addresses = list(ips) or [f"10.0.8.{index + 10}" for index in range(len(sg_sets))]
    nodes = tuple(
        Node(f"i-{name}-{index}", frozenset(sgs), (ipaddress.ip_network(addresses[index]),))
        for index, sgs in enumerate(sg_sets)
    )
    return NodeGroup(name, NodeGroupKind.MANAGED, nodes)


def topology(
    groups: Iterable[SecurityGroup],
    node_groups: Iterable[NodeGroup],
    *,
    name: str = "c1",
    cluster_sg: str | None = "sg-cluster",
    additional: Iterable[str] = (),
    version: str = "1.30",
    family: IpFamily = IpFamily.IPV4,
    prefix_lists: dict[str, tuple[str, ...]] | None = None,
    shared_with: dict[str, tuple[str, ...]] | None = None,
    status: str = "ACTIVE",
) -> Topology:
    return Topology(
        cluster=Cluster(
            name=name,
            status=status,
            version=version,
            cluster_sg_id=cluster_sg,
            additional_sg_ids=tuple(additional),
            ip_family=family,
        ),
        node_groups=tuple(node_groups),
        security_groups={group.group_id: group for group in groups},
        control_plane_networks=tuple(ipaddress.ip_network(c) for c in CP_SUBNETS),
        prefix_lists={k: tuple(ipaddress.ip_network(c) for c in v) for k, v in (prefix_lists or {}).items()},
        shared_with=shared_with or {},
    )


def judge(top: Topology, check_id: str, exempt: Iterable[str] = ()) -> CheckResult:
    return Judge(top, frozenset(exempt)).judge(CHECKS_BY_ID[check_id])


def eks_default(name: str = "c1") -> Topology:
    """EKS defaults: the cluster SG (all from itself, all egress) on the control plane and every node."""
    cluster = sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned(name))
    return topology([cluster], [nodegroup("ng-1", ["sg-cluster"], ["sg-cluster"])], name=name)
