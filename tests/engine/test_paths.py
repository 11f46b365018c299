"""The network-path checks (issue 17), pure: each failure the issue names, its passing twin, the
three-valued cases (transit gateway, peering, Gateway Load Balancer endpoint), IPv6, same-subnet
traffic and the missing VPC. The VPC here is builders.vpc_network's: cluster subnets cp1/cp2,
node subnets n1/n2, a public subnet with NAT gateway nat-1 (203.0.113.7)."""

from __future__ import annotations

import dataclasses

import pytest

from eks_sg_rule.model import IpFamily, Topology
from eks_sg_rule.results import CheckResult, Status
from eks_sg_rule.vpc import VpcEndpoint

from .builders import (
    acl_rule,
    everything,
    interface_endpoint,
    judge,
    nat_gateway,
    network_acl,
    open_rules,
    path_topology,
    route,
    route_table,
    s3_gateway,
    sg,
    tcp,
    vpc_network,
)

PATH_IDS = ("NACL_MINIMUM", "NACL_RECOMMENDED", "NODE_EGRESS_AWS_APIS")
NODE_SUBNETS = ("subnet-n1", "subnet-n2")
OTHERS = ("subnet-cp1", "subnet-cp2", "subnet-pub")


def messages(result: CheckResult) -> list[str]:
    return [finding.message for finding in result.findings]


def node_acl(*rules: object) -> list[object]:
    """The node subnets under acl-nodes with `rules`; every other subnet under the open default ACL."""
    return [
        network_acl("acl-default", OTHERS, open_rules(), default=True),
        network_acl("acl-nodes", NODE_SUBNETS, rules),  # type: ignore[arg-type]
    ]


def private_vpc(*, endpoints: list[VpcEndpoint], nat_route: bool = False, **kwargs: object) -> object:
    """No route to the internet from the private subnets (unless `nat_route`)."""
    extra = (route("0.0.0.0/0", "nat-1"),) if nat_route else ()
    tables = [
        route_table(
            "rtb-private",
            ["subnet-cp1", "subnet-cp2", *NODE_SUBNETS],
            *extra,
            route(None, "vpce-s3", prefix_list="pl-s3"),
        ),
        route_table("rtb-public", ["subnet-pub"], route("0.0.0.0/0", "igw-1")),
    ]
    return vpc_network(tables=tables, endpoints=endpoints, **kwargs)  # type: ignore[arg-type]


ENDPOINT_SG = sg("sg-vpce", [tcp(443, sgs=["sg-cluster"])])
ECR = [
    interface_endpoint("vpce-ecr-api", "ecr.api", ["subnet-cp1"], ["sg-vpce"]),
    interface_endpoint("vpce-ecr-dkr", "ecr.dkr", ["subnet-cp1"], ["sg-vpce"]),
]


# --- passing baseline -----------------------------------------------------------------------


@pytest.mark.parametrize("check_id", PATH_IDS)
def test_the_usual_vpc_passes_every_path_check(check_id: str) -> None:
    result = judge(path_topology(vpc_network()), check_id)
    assert result.status is Status.COMPLIANT, result.detail
    assert "acl-default" in result.components


def test_the_pass_detail_names_what_passed() -> None:
    nacl = judge(path_topology(vpc_network()), "NACL_MINIMUM")
    assert "kubelet TCP 10250 and its return pass acl-default" in nacl.detail
    apis = judge(path_topology(vpc_network()), "NODE_EGRESS_AWS_APIS")
    assert "EKS API through the public endpoint via NAT gateway nat-1" in apis.detail
    assert set(apis.components) >= {"rtb-private", "nat-1", "rtb-public", "vpce-s3", "acl-default"}


# --- network ACLs -----------------------------------------------------------------------------

# Node subnets: everything in; out only HTTPS anywhere and all traffic inside the VPC... minus the
# responses to the control plane (1024-65535 towards the cluster subnets).
DROPS_RETURN = (
    acl_rule(100, False),
    acl_rule(100, True, protocol="tcp", ports=(443, 443)),
    acl_rule(110, True, "10.0.16.0/20"),
    acl_rule(111, True, "10.0.32.0/20"),
)


def test_a_nacl_dropping_kubelet_return_traffic_fails_nacl_minimum() -> None:
    result = judge(path_topology(vpc_network(acls=node_acl(*DROPS_RETURN))), "NACL_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    expected = (
        "NACL acl-nodes (subnet subnet-n1, nodegroup ng-1) denies outbound TCP 1024-65535 to 10.0.0.0/24 at the "
        "default rule *: add an allow rule (kubelet return traffic)"
    )
    assert expected in messages(result)
    finding = next(f for f in result.findings if f.message == expected)
    assert finding.component_id == "acl-nodes"
    assert finding.security_group_id == ""
    assert finding.change == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-nodes --egress --rule-number 120 --protocol tcp "
        "--port-range From=1024,To=65535 --cidr-block 10.0.0.0/24 --rule-action allow"
    )
    # The API server's return traffic comes back in (all allowed in): only the kubelet's is dropped.
    assert all("kubelet" in message for message in messages(result))


def test_its_twin_allowing_the_ephemeral_range_back_passes() -> None:
    rules = (*DROPS_RETURN, acl_rule(120, True, "10.0.0.0/23", protocol="tcp", ports=(1024, 65535)))
    result = judge(path_topology(vpc_network(acls=node_acl(*rules))), "NACL_MINIMUM")
    assert result.status is Status.COMPLIANT, result.detail
    assert "acl-nodes" in result.components


DENIES_KUBELET = (acl_rule(90, False, "10.0.0.0/16", protocol="tcp", ports=(10250, 10250), allow=False), *open_rules())


def test_a_nacl_denying_inbound_10250_at_rule_90_fails() -> None:
    result = judge(path_topology(vpc_network(acls=node_acl(*DENIES_KUBELET))), "NACL_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    expected = (
        "NACL acl-nodes (subnet subnet-n1, nodegroup ng-1) denies inbound TCP 10250 from 10.0.0.0/24 at rule 90: "
        "add an allow rule numbered below 90 (API server return traffic, kubelet)"
    )
    assert expected in messages(result)
    finding = next(f for f in result.findings if f.message == expected)
    assert finding.change == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-nodes --ingress --rule-number 89 --protocol tcp "
        "--port-range From=10250,To=10250 --cidr-block 10.0.0.0/24 --rule-action allow"
    )


def test_its_twin_with_an_allow_before_rule_90_passes() -> None:
    rules = (acl_rule(80, False, "10.0.0.0/23", protocol="tcp", ports=(10250, 10250)), *DENIES_KUBELET)
    assert judge(path_topology(vpc_network(acls=node_acl(*rules))), "NACL_MINIMUM").status is Status.COMPLIANT


def test_nacl_recommended_judges_the_recommended_ports() -> None:
    # Part of 1025-65535 denied from the other node subnet: node to node, the minimum level needs
    # only some traffic, the recommended level TCP 443 and 1025-65535.
    rules = (acl_rule(90, False, "10.0.32.0/20", protocol="tcp", ports=(11000, 12000), allow=False), *open_rules())
    top = path_topology(vpc_network(acls=node_acl(*rules)))
    assert judge(top, "NACL_MINIMUM").status is Status.COMPLIANT
    recommended = judge(top, "NACL_RECOMMENDED")
    assert recommended.status is Status.NON_COMPLIANT
    expected = (
        "NACL acl-nodes (subnet subnet-n1, nodegroup ng-1) denies inbound TCP 11000-12000 from 10.0.32.0/20 at rule 90"
    )
    assert any(m.startswith(expected) for m in messages(recommended))


def test_node_to_node_minimum_passes_on_some_traffic_and_fails_on_none() -> None:
    # n1 and n2 admit only TCP 443 and 10250 from each other: "some traffic" passes.
    some = (
        acl_rule(100, False, "10.0.0.0/20"),
        acl_rule(110, False, "10.0.0.0/16", protocol="tcp", ports=(443, 443)),
        acl_rule(120, False, "0.0.0.0/0", protocol="tcp", ports=(1024, 65535)),
        acl_rule(100, True),
    )
    assert judge(path_topology(vpc_network(acls=node_acl(*some))), "NACL_MINIMUM").status is Status.COMPLIANT
    none = (acl_rule(90, False, "10.0.32.0/20", allow=False), *some)
    result = judge(path_topology(vpc_network(acls=node_acl(*none))), "NACL_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    assert any(
        m.startswith("NACL acl-nodes (subnet subnet-n1, nodegroup ng-1) denies all inbound traffic from 10.0.32.0/20")
        and "(node-to-node)" in m
        for m in messages(result)
    )


def test_traffic_within_one_subnet_never_crosses_a_nacl() -> None:
    # Nodes and the only cluster subnet share subnet-cp1, whose ACL denies everything.
    deny_all = network_acl("acl-closed", ["subnet-cp1"], open_rules()[-2:])
    acls = [
        network_acl("acl-default", [s for s in vpc_network().subnets if s != "subnet-cp1"], open_rules(), default=True),
        deny_all,
    ]
    top = path_topology(vpc_network(acls=acls), node_ips=["10.0.0.10", "10.0.0.11"], cluster_subnets=["subnet-cp1"])
    result = judge(top, "NACL_MINIMUM")
    assert result.status is Status.COMPLIANT, result.detail
    assert "kubelet TCP 10250 never crosses a network ACL (same subnet)" in result.detail


# --- the EKS API, ECR and S3 -------------------------------------------------------------------


def test_a_private_cluster_without_ecr_endpoints_or_nat_fails() -> None:
    vpc = private_vpc(endpoints=[])
    result = judge(path_topology(vpc, public=False, private=True), "NODE_EGRESS_AWS_APIS")  # type: ignore[arg-type]
    assert result.status is Status.NON_COMPLIANT
    expected = (
        "no route from subnet subnet-n1 (nodegroup ng-1) to ECR: add interface endpoints "
        "com.amazonaws.eu-west-1.ecr.api and ecr.dkr and the S3 gateway endpoint, or a NAT gateway "
        "(route table rtb-private has no route for 0.0.0.0/0)"
    )
    assert expected in messages(result)
    finding = next(f for f in result.findings if f.message == expected)
    assert finding.component_id == "rtb-private"
    assert finding.change is not None
    assert finding.change.startswith(
        "aws ec2 create-vpc-endpoint --vpc-id vpc-1 --service-name com.amazonaws.eu-west-1.ecr.api "
        "--vpc-endpoint-type Interface --subnet-ids subnet-n1 subnet-n2 --security-group-ids sg-cluster "
        "--private-dns-enabled"
    )
    assert "--vpc-endpoint-type Gateway --route-table-ids rtb-private" in finding.change
    assert any(m.startswith("no route from subnet subnet-n1 (nodegroup ng-1) to S3") for m in messages(result))


def test_its_twin_with_ecr_endpoints_and_the_s3_gateway_passes() -> None:
    vpc = private_vpc(endpoints=[*ECR, s3_gateway()])
    top = path_topology(vpc, public=False, private=True, extra_groups=[ENDPOINT_SG])  # type: ignore[arg-type]
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.COMPLIANT, result.detail
    assert {"vpce-ecr-api", "vpce-ecr-dkr", "vpce-s3", "rtb-private"} <= set(result.components)
    assert "EKS API through the private endpoint" in result.detail


def test_public_access_cidrs_excluding_the_nat_address_fail() -> None:
    top = path_topology(vpc_network(), public_access_cidrs=["198.51.100.0/24"])
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    [finding] = result.findings
    assert finding.message == "publicAccessCidrs of cluster c1 does not include the nodes' NAT address 203.0.113.7"
    assert finding.component_id == "c1"
    assert finding.change == (
        "aws eks update-cluster-config --name c1 --resources-vpc-config "
        "publicAccessCidrs=198.51.100.0/24,203.0.113.7/32"
    )


def test_its_twin_including_the_nat_address_passes() -> None:
    top = path_topology(vpc_network(), public_access_cidrs=["198.51.100.0/24", "203.0.113.7/32"])
    assert judge(top, "NODE_EGRESS_AWS_APIS").status is Status.COMPLIANT


def test_a_node_with_a_public_address_behind_an_internet_gateway() -> None:
    tables = [route_table("rtb-public", ["subnet-n1", "subnet-n2", "subnet-pub"], route("0.0.0.0/0", "igw-1"))]
    vpc = vpc_network(tables=tables, endpoints=[s3_gateway(tables=["rtb-public"])])
    covered = path_topology(vpc, public_ips=["198.51.100.5", "198.51.100.6"], public_access_cidrs=["198.51.100.0/24"])
    assert judge(covered, "NODE_EGRESS_AWS_APIS").status is Status.COMPLIANT
    without = judge(path_topology(vpc), "NODE_EGRESS_AWS_APIS")
    assert without.status is Status.NON_COMPLIANT
    assert any("nodegroup ng-1 has no public IPv4 address" in m for m in messages(without))


def test_an_endpoint_sg_not_admitting_the_node_sg_fails() -> None:
    vpc = private_vpc(endpoints=[*ECR, s3_gateway()])
    wrong = sg("sg-vpce", [tcp(443, sgs=["sg-other"])])
    top = path_topology(vpc, public=False, private=True, extra_groups=[wrong])  # type: ignore[arg-type]
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    finding = next(f for f in result.findings if f.component_id == "vpce-ecr-api")
    assert finding.message == (
        "VPC endpoint vpce-ecr-api (ecr.api) does not admit TCP 443 from nodegroup ng-1 (sg-cluster) on its SGs "
        "sg-vpce; allow ingress on sg-vpce"
    )
    assert finding.security_group_id == "sg-vpce"
    assert finding.change == (
        "aws ec2 authorize-security-group-ingress --group-id sg-vpce "
        "--ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{GroupId=sg-cluster}]'"
    )


def test_an_s3_gateway_endpoint_not_on_the_node_route_table_fails_without_nat() -> None:
    vpc = private_vpc(endpoints=[*ECR, s3_gateway(tables=["rtb-public"])])
    top = path_topology(vpc, public=False, private=True, extra_groups=[ENDPOINT_SG])  # type: ignore[arg-type]
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    [finding, *_] = result.findings
    assert finding.message == (
        "no route from subnet subnet-n1 (nodegroup ng-1) to S3: add route table rtb-private to the S3 gateway "
        "endpoint vpce-s3, or a NAT gateway (route table rtb-private has no route for 0.0.0.0/0)"
    )
    assert finding.component_id == "vpce-s3"
    assert finding.change == "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-s3 --add-route-table-ids rtb-private"


def test_an_s3_gateway_endpoint_elsewhere_is_no_problem_with_a_nat_gateway() -> None:
    vpc = private_vpc(endpoints=[*ECR, s3_gateway(tables=["rtb-public"])], nat_route=True)
    top = path_topology(vpc, public=False, private=True, extra_groups=[ENDPOINT_SG])  # type: ignore[arg-type]
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.COMPLIANT, result.detail
    assert "S3 over the internet" in result.detail


def test_node_sg_egress_to_the_s3_prefix_list_counts() -> None:
    # The node SG allows egress 443 only to the S3 prefix list and to the VPC.
    node = sg(
        "sg-node",
        [],
        [tcp(443, prefix_lists=["pl-s3"]), tcp(443, cidrs=["10.0.0.0/16"])],
        **{"kubernetes.io/cluster/c1": "owned"},
    )
    vpc = private_vpc(endpoints=[*ECR, s3_gateway()])
    base = path_topology(vpc, public=False, private=True, extra_groups=[ENDPOINT_SG, node])  # type: ignore[arg-type]
    group = base.node_groups[0]
    nodes = tuple(dataclasses.replace(n, security_group_ids=frozenset(["sg-cluster", "sg-node"])) for n in group.nodes)
    top = dataclasses.replace(base, node_groups=(dataclasses.replace(group, nodes=nodes),))
    # The cluster SG still allows all egress: take it away to judge the node SG alone.
    cluster_sg = dataclasses.replace(top.security_groups["sg-cluster"], egress=())
    top = dataclasses.replace(top, security_groups={**top.security_groups, "sg-cluster": cluster_sg})
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.COMPLIANT, result.detail


def test_a_blackhole_route_fails_naming_the_route_table() -> None:
    tables = [
        route_table(
            "rtb-private", ["subnet-cp1", "subnet-cp2", *NODE_SUBNETS], route("0.0.0.0/0", "nat-gone", active=False)
        ),
        route_table("rtb-public", ["subnet-pub"], route("0.0.0.0/0", "igw-1")),
    ]
    result = judge(path_topology(vpc_network(tables=tables, endpoints=[])), "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    assert all(f.component_id == "rtb-private" for f in result.findings)
    assert (
        "no route from subnet subnet-n1 (nodegroup ng-1) to the public EKS API endpoint of cluster c1: route table "
        "rtb-private sends 0.0.0.0/0 to nat-gone, a blackhole route; turn on endpointPrivateAccess or add a NAT gateway"
    ) in messages(result)


@pytest.mark.parametrize(
    ("target", "endpoints"),
    [
        ("tgw-0abc", []),
        ("pcx-0abc", []),
        ("vpce-gwlb", [VpcEndpoint("vpce-gwlb", "com.amazonaws.vpce.eu-west-1.vpce-svc-1", "GatewayLoadBalancer")]),
    ],
)
def test_a_path_through_what_is_not_modelled_cannot_be_judged(target: str, endpoints: list[VpcEndpoint]) -> None:
    tables = [
        route_table("rtb-private", ["subnet-cp1", "subnet-cp2", *NODE_SUBNETS], route("0.0.0.0/0", target)),
    ]
    result = judge(path_topology(vpc_network(tables=tables, endpoints=endpoints)), "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NOT_APPLICABLE
    assert result.cannot_judge
    assert result.detail.startswith("cannot judge: ")
    assert f"through {target}" in result.detail
    assert result.findings == ()


def test_cannot_judge_never_hides_a_failure() -> None:
    tables = [
        route_table("rtb-private", ["subnet-cp1", "subnet-cp2", *NODE_SUBNETS], route("0.0.0.0/0", "tgw-0abc")),
    ]
    wrong = sg("sg-vpce", [tcp(443, sgs=["sg-other"])])
    vpc = vpc_network(tables=tables, endpoints=ECR)
    top = path_topology(vpc, public=False, private=True, extra_groups=[wrong])
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    assert "through tgw-0abc" in result.detail
    assert any(f.component_id == "vpce-ecr-api" for f in result.findings)


def test_a_private_nat_gateway_cannot_be_judged() -> None:
    vpc = vpc_network(nats=[dataclasses.replace(nat_gateway(), public=False)])
    result = judge(path_topology(vpc), "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NOT_APPLICABLE and result.cannot_judge
    assert "through nat-1 (private NAT gateway)" in result.detail


def test_a_nat_subnet_nacl_counts_both_ways() -> None:
    # The public subnet lets nothing come back from the internet on the ephemeral range.
    rules = (acl_rule(100, False, "10.0.0.0/16"), acl_rule(100, True))
    acls = [
        network_acl("acl-default", [s for s in vpc_network().subnets if s != "subnet-pub"], open_rules(), default=True),
        network_acl("acl-public", ["subnet-pub"], rules),
    ]
    result = judge(path_topology(vpc_network(acls=acls)), "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    assert any(
        m.startswith(
            "NACL acl-public (subnet subnet-pub, NAT gateway nat-1 for nodegroup ng-1) denies inbound TCP "
            "1024-65535 from 128.0.0.0/1 at the default rule *"
        )
        for m in messages(result)
    )


# --- IPv6, missing data --------------------------------------------------------------------------

V6_SUBNETS = {
    "subnet-cp1": ("10.0.0.0/24", "2600:1f18:1::/64"),
    "subnet-cp2": ("10.0.1.0/24", "2600:1f18:2::/64"),
    "subnet-n1": ("10.0.16.0/20", "2600:1f18:10::/64"),
    "subnet-n2": ("10.0.32.0/20", "2600:1f18:20::/64"),
    "subnet-pub": ("10.0.64.0/24", "2600:1f18:40::/64"),
}


def v6_topology(node_rules: tuple[object, ...]) -> Topology:
    """An ipv6 cluster in dual-stack subnets: nodes with an IPv4 and an IPv6 address each."""
    acls = node_acl(*node_rules)
    acls[0] = network_acl("acl-default", OTHERS, open_rules("0.0.0.0/0", "::/0"), default=True)
    tables = [
        dataclasses.replace(table, routes=(*table.routes, route("2600:1f18::/56", "local"), route("::/0", "eigw-1")))
        for table in vpc_network().route_tables
    ]
    vpc = vpc_network(acls=acls, tables=tables, subnets=V6_SUBNETS)  # type: ignore[arg-type]
    top = path_topology(
        vpc,
        node_ips=["10.0.16.10", "2600:1f18:10::a", "10.0.32.10", "2600:1f18:20::a"],
        family=IpFamily.IPV6,
        control_plane_networks=["10.0.0.0/24", "10.0.1.0/24", "2600:1f18:1::/64", "2600:1f18:2::/64"],
    )
    # One node per address in path_topology: make it one node per pair (IPv4 and IPv6 on one interface).
    group = top.node_groups[0]
    nodes = tuple(
        dataclasses.replace(node, networks=(*node.networks, *group.nodes[index + 1].networks))
        for index, node in enumerate(group.nodes)
        if index % 2 == 0
    )
    cluster_sg = sg("sg-cluster", [everything(sgs=["sg-cluster"])], [everything(cidrs=["0.0.0.0/0", "::/0"])])
    return dataclasses.replace(
        top, node_groups=(dataclasses.replace(group, nodes=nodes),), security_groups={"sg-cluster": cluster_sg}
    )


def test_an_ipv6_cluster_is_judged_on_its_ipv6_entries() -> None:
    passing = v6_topology(open_rules("0.0.0.0/0", "::/0"))
    for check_id in PATH_IDS:
        result = judge(passing, check_id)
        assert result.status is Status.COMPLIANT, (check_id, result.detail)
    # IPv4 entries only: an IPv6 cluster's kubelet traffic meets the `*` rule.
    failing = v6_topology(open_rules("0.0.0.0/0"))
    result = judge(failing, "NACL_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    assert any("denies inbound TCP 10250 from 2600:1f18:1::/64 at the default rule *" in m for m in messages(result))
    finding = next(f for f in result.findings if "10250 from 2600:1f18:1::/64" in f.message)
    assert finding.change is not None and "--ipv6-cidr-block 2600:1f18:1::/64" in finding.change
    # The AWS APIs are reached over IPv4 (their default endpoints have IPv4 addresses only).
    assert judge(failing, "NODE_EGRESS_AWS_APIS").status is Status.COMPLIANT
    ipv6_only = v6_topology(open_rules("::/0"))
    apis = judge(ipv6_only, "NODE_EGRESS_AWS_APIS")
    assert apis.status is Status.NON_COMPLIANT
    assert any("denies outbound TCP 443 to 0.0.0.0/0 at the default rule *" in m for m in messages(apis))


@pytest.mark.parametrize("check_id", PATH_IDS)
def test_without_the_vpc_nothing_is_judged(check_id: str) -> None:
    result = judge(path_topology(None), check_id)
    assert result.status is Status.NOT_APPLICABLE and result.cannot_judge
    assert result.detail.startswith("cannot judge: ")


def test_an_unread_part_of_the_vpc_means_cannot_judge() -> None:
    result = judge(path_topology(vpc_network(unread=["DescribeNetworkAcls (AccessDenied)"])), "NACL_MINIMUM")
    assert result.status is Status.NOT_APPLICABLE and result.cannot_judge
    assert result.detail == "cannot judge: could not read DescribeNetworkAcls (AccessDenied)"


def test_without_nodes_as_the_sg_checks() -> None:
    top = dataclasses.replace(path_topology(vpc_network()), node_groups=())
    result = judge(top, "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NOT_APPLICABLE and result.cannot_judge
    assert result.detail == judge(top, "WORKER_SG_MINIMUM").detail


def test_a_node_address_outside_every_subnet_cannot_be_judged() -> None:
    result = judge(path_topology(vpc_network(), node_ips=["10.9.0.10"]), "NACL_MINIMUM")
    assert result.status is Status.NOT_APPLICABLE and result.cannot_judge
    assert "10.9.0.10/32 of nodegroup ng-1 (sg-cluster) lies in no subnet of vpc-1" in result.detail
