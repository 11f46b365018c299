"""Hand-built topologies for pure tests: short names for SG rules, nodes and clusters."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from eks_sg_rule.checks import Judge
from eks_sg_rule.ip import parse_protocol
from eks_sg_rule.model import (
    Cluster,
    IpFamily,
    Membership,
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
from eks_sg_rule.vpc import (
    DEFAULT_RULE_NUMBER,
    AclEntry,
    NatGateway,
    NetworkAcl,
    Route,
    RouteTable,
    Subnet,
    VpcEndpoint,
    VpcNetwork,
)

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


# --- network paths (issue 17): a VPC's subnets, network ACLs, route tables, endpoints, NAT gateways ---

REGION = "eu-west-1"
PATH_SUBNETS = {
    "subnet-cp1": "10.0.0.0/24",
    "subnet-cp2": "10.0.1.0/24",
    "subnet-n1": "10.0.16.0/20",
    "subnet-n2": "10.0.32.0/20",
    "subnet-pub": "10.0.64.0/24",
}


# Availability Zones of the path subnets (DescribeSubnets' AvailabilityZone): cp1/n1 in a, cp2/n2 in b.
PATH_ZONES = {
    "subnet-cp1": "eu-west-1a",
    "subnet-cp2": "eu-west-1b",
    "subnet-n1": "eu-west-1a",
    "subnet-n2": "eu-west-1b",
    "subnet-pub": "eu-west-1a",
}


def acl_rule(
    number: int,
    egress: bool,
    cidr: str = "0.0.0.0/0",
    protocol: str = "-1",
    ports: tuple[int, int] | None = None,
    allow: bool = True,
) -> AclEntry:
    """One network ACL entry; `ports` the PortRange (None for protocol -1)."""
    low, high = ports if ports else (None, None)
    return AclEntry(number, egress, allow, parse_protocol(protocol), ipaddress.ip_network(cidr), low, high)


def open_rules(*cidrs: str) -> tuple[AclEntry, ...]:
    """The VPC default ACL's rules: allow all in and out (rule 100, and 101 for IPv6), then `*`."""
    cidrs = cidrs or ("0.0.0.0/0",)
    rules = []
    for index, cidr in enumerate(cidrs):
        rules += [acl_rule(100 + index, False, cidr), acl_rule(100 + index, True, cidr)]
    for egress in (False, True):
        rules += [acl_rule(DEFAULT_RULE_NUMBER, egress, cidr, allow=False) for cidr in cidrs]
    return tuple(rules)


def network_acl(acl_id: str, subnets: Iterable[str], rules: Iterable[AclEntry], *, default: bool = False) -> NetworkAcl:
    return NetworkAcl(acl_id, "vpc-1", default, tuple(rules), tuple(subnets))


def route(destination: str | None, target: str, *, prefix_list: str | None = None, active: bool = True) -> Route:
    return Route(ipaddress.ip_network(destination) if destination else None, target, prefix_list, active)


def route_table(table_id: str, subnets: Iterable[str], *routes: Route, main: bool = False) -> RouteTable:
    local = (route("10.0.0.0/16", "local"),)
    return RouteTable(table_id, "vpc-1", main, (*local, *routes), tuple(subnets))


def interface_endpoint(endpoint_id: str, service: str, subnets: Iterable[str], sgs: Iterable[str]) -> VpcEndpoint:
    return VpcEndpoint(
        endpoint_id,
        f"com.amazonaws.{REGION}.{service}",
        "Interface",
        subnet_ids=tuple(subnets),
        security_group_ids=tuple(sgs),
        private_dns_enabled=True,
    )


def s3_gateway(endpoint_id: str = "vpce-s3", tables: Iterable[str] = ("rtb-private",)) -> VpcEndpoint:
    return VpcEndpoint(endpoint_id, f"com.amazonaws.{REGION}.s3", "Gateway", route_table_ids=tuple(tables))


def nat_gateway(nat_id: str = "nat-1", subnet: str = "subnet-pub", ip: str = "203.0.113.7") -> NatGateway:
    return NatGateway(nat_id, subnet, public_ips=(ipaddress.ip_network(ip),))


def vpc_network(
    acls: Iterable[NetworkAcl] | None = None,
    tables: Iterable[RouteTable] | None = None,
    endpoints: Iterable[VpcEndpoint] | None = None,
    nats: Iterable[NatGateway] | None = None,
    subnets: dict[str, tuple[str, ...]] | None = None,
    unread: Iterable[str] = (),
) -> VpcNetwork:
    """A VPC like many EKS ones: cluster subnets cp1/cp2, node subnets n1/n2 and a public subnet with
    a NAT gateway; by default the default ACL (allow all), private subnets routing 0.0.0.0/0 to
    nat-1, the public one to igw-1, and an S3 gateway endpoint on the private route table."""
    networks = subnets or {sid: (cidr,) for sid, cidr in PATH_SUBNETS.items()}
    private = [sid for sid in networks if sid != "subnet-pub"]
    return VpcNetwork(
        "vpc-1",
        REGION,
        {
            sid: Subnet(sid, "vpc-1", tuple(ipaddress.ip_network(c) for c in cidrs), PATH_ZONES.get(sid, ""))
            for sid, cidrs in networks.items()
        },
        tuple(acls) if acls is not None else (network_acl("acl-default", networks, open_rules(), default=True),),
        tuple(tables)
        if tables is not None
        else (
            route_table(
                "rtb-private", private, route("0.0.0.0/0", "nat-1"), route(None, "vpce-s3", prefix_list="pl-s3")
            ),
            route_table("rtb-public", ["subnet-pub"], route("0.0.0.0/0", "igw-1")),
        ),
        tuple(endpoints) if endpoints is not None else (s3_gateway(),),
        tuple(nats) if nats is not None else (nat_gateway(),),
        tuple(unread),
    )


def path_topology(
    vpc: VpcNetwork | None,
    *,
    node_ips: Iterable[str] = ("10.0.16.10", "10.0.32.10"),
    extra_groups: Iterable[SecurityGroup] = (),
    cluster_subnets: Iterable[str] = ("subnet-cp1", "subnet-cp2"),
    public: bool = True,
    private: bool = False,
    public_access_cidrs: Iterable[str] = ("0.0.0.0/0",),
    family: IpFamily = IpFamily.IPV4,
    control_plane_networks: Iterable[str] = CP_SUBNETS,
    public_ips: Iterable[str] = (),
) -> Topology:
    """EKS defaults (cluster SG on control plane and nodes, all from itself, all egress) in `vpc`:
    one managed node group ng-1, one node per address in `node_ips`, with `public_ips` in order."""
    cluster_sg = sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned())
    publics = list(public_ips)
    nodes = tuple(
        Node(
            f"i-ng-1-{index}",
            frozenset(["sg-cluster"]),
            (ipaddress.ip_network(ip),),
            membership=Membership.AWS,
            public_networks=(ipaddress.ip_network(publics[index]),) if index < len(publics) else (),
        )
        for index, ip in enumerate(node_ips)
    )
    cluster = Cluster(
        name="c1",
        version="1.30",
        vpc_id="vpc-1",
        cluster_sg_id="sg-cluster",
        subnet_ids=tuple(cluster_subnets),
        ip_family=family,
        endpoint_public_access=public,
        endpoint_private_access=private,
        public_access_cidrs=tuple(ipaddress.ip_network(c) for c in public_access_cidrs),
    )
    groups = [cluster_sg, *extra_groups]
    return Topology(
        cluster=cluster,
        node_groups=(NodeGroup("ng-1", NodeGroupKind.MANAGED, nodes),),
        security_groups={group.group_id: group for group in groups},
        control_plane_networks=tuple(ipaddress.ip_network(c) for c in control_plane_networks),
        prefix_lists={"pl-s3": (ipaddress.ip_network("52.218.0.0/17"), ipaddress.ip_network("3.5.64.0/21"))},
        vpc=vpc,
    )
