"""The network-path checks' edges: what cannot be judged (and says why), SG findings on the paths to
the AWS APIs with their commands, NAT gateway states, routes inside the VPC, shared components."""

from __future__ import annotations

import dataclasses

import pytest

from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.model import Node, NodeGroup, NodeGroupKind, Snapshot, Topology
from eks_sg_rule.results import CheckResult, Status
from eks_sg_rule.settings import Settings
from eks_sg_rule.vpc import VpcEndpoint

from .builders import (
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

PRIVATE = ("subnet-cp1", "subnet-cp2", "subnet-n1", "subnet-n2")
ENDPOINT_SG = sg("sg-vpce", [tcp(443, sgs=["sg-cluster"])])
ECR = [
    interface_endpoint("vpce-ecr-api", "ecr.api", ["subnet-cp1"], ["sg-vpce"]),
    interface_endpoint("vpce-ecr-dkr", "ecr.dkr", ["subnet-cp1"], ["sg-vpce"]),
]


def apis(top: Topology) -> CheckResult:
    return judge(top, "NODE_EGRESS_AWS_APIS")


def with_groups(top: Topology, **groups: object) -> Topology:
    return dataclasses.replace(top, security_groups={**top.security_groups, **groups})  # type: ignore[arg-type]


def unjudged(result: CheckResult, text: str) -> None:
    assert result.status is Status.NOT_APPLICABLE and result.cannot_judge, result.detail
    assert text in result.detail, result.detail


# --- SG findings on the paths to the AWS APIs ---------------------------------------------------


def test_node_sg_without_https_egress_to_anywhere_fails_with_the_egress_command() -> None:
    only_vpc = sg("sg-cluster", [everything(sgs=["sg-cluster"])], [everything(cidrs=["10.0.0.0/16"])])
    result = apis(with_groups(path_topology(vpc_network()), **{"sg-cluster": only_vpc}))
    assert result.status is Status.NON_COMPLIANT
    finding = next(f for f in result.findings if "0.0.0.0/0 (the AWS APIs over the internet)" in f.message)
    assert finding.message == (
        "nodegroup ng-1 (sg-cluster) cannot send TCP 443 to 0.0.0.0/0 (the AWS APIs over the internet); "
        "allow egress from sg-cluster"
    )
    assert finding.security_group_id == "sg-cluster"
    assert finding.gap is None  # manual: the remediation never opens a CIDR
    assert finding.change == (
        "aws ec2 authorize-security-group-egress --group-id sg-cluster "
        "--ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]'"
    )
    # The S3 gateway endpoint's prefix list is not covered either: its command names the list.
    s3 = next(f for f in result.findings if "S3 (pl-s3 of vpce-s3)" in f.message)
    assert s3.change is not None and "PrefixListIds=[{PrefixListId=pl-s3}]" in s3.change


def test_the_private_endpoint_needs_the_control_plane_sg_to_admit_the_nodes() -> None:
    vpc = vpc_network(endpoints=[s3_gateway()])
    top = path_topology(vpc, public=False, private=True)
    cp = sg("sg-cp", [tcp(443, sgs=["sg-elsewhere"])], [])
    top = dataclasses.replace(top, cluster=dataclasses.replace(top.cluster, additional_sg_ids=("sg-cp",)))
    top = with_groups(top, **{"sg-cp": cp})
    # The cluster SG (on the control plane too) admits all from itself: take that away.
    top = with_groups(top, **{"sg-cluster": sg("sg-cluster", [], None)})
    result = apis(top)
    assert result.status is Status.NON_COMPLIANT
    finding = next(f for f in result.findings if f.security_group_id == "sg-cp")
    assert finding.message == (
        "the control plane does not admit TCP 443 from nodegroup ng-1 (sg-cluster) on its SGs sg-cluster, sg-cp; "
        "allow ingress on sg-cp"
    )
    assert finding.change == (
        "aws ec2 authorize-security-group-ingress --group-id sg-cp "
        "--ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,UserIdGroupPairs=[{GroupId=sg-cluster}]'"
    )


def test_an_unread_endpoint_sg_cannot_be_judged() -> None:
    vpc = vpc_network(endpoints=[*ECR, s3_gateway()])
    unjudged(apis(path_topology(vpc)), "could not read sg-vpce of VPC endpoint vpce-ecr-api (ecr.api)")


def test_an_unread_node_sg_cannot_be_judged() -> None:
    top = path_topology(vpc_network())
    group = top.node_groups[0]
    nodes = tuple(dataclasses.replace(n, security_group_ids=frozenset(["sg-gone"])) for n in group.nodes)
    top = dataclasses.replace(top, node_groups=(dataclasses.replace(group, nodes=nodes),))
    unjudged(apis(top), "could not read sg-gone of nodegroup ng-1 (sg-gone)")


def test_an_s3_interface_endpoint_carries_s3_without_a_gateway_endpoint() -> None:
    s3 = interface_endpoint("vpce-s3i", "s3", ["subnet-cp2"], ["sg-vpce"])
    vpc = vpc_network(endpoints=[*ECR, s3])
    result = apis(with_groups(path_topology(vpc), **{"sg-vpce": ENDPOINT_SG}))
    assert result.status is Status.COMPLIANT, result.detail
    assert "s3 through vpce-s3i" in result.detail
    assert "vpce-s3i" in result.components


# --- NAT gateways and routes ---------------------------------------------------------------------


def test_a_nat_gateway_that_is_not_available_fails() -> None:
    vpc = vpc_network(nats=[dataclasses.replace(nat_gateway(), state="deleted")])
    result = apis(path_topology(vpc))
    assert result.status is Status.NON_COMPLIANT
    assert "sends 0.0.0.0/0 to NAT gateway nat-1, which is deleted" in result.detail
    assert {f.component_id for f in result.findings} == {"nat-1"}


def test_a_nat_gateway_whose_subnet_has_no_internet_route_fails_on_that_route_table() -> None:
    tables = [vpc_network().route_tables[0], route_table("rtb-public", ["subnet-pub"])]
    result = apis(path_topology(vpc_network(tables=tables)))
    assert result.status is Status.NON_COMPLIANT
    assert "NAT gateway nat-1 in subnet subnet-pub: route table rtb-public sends 0.0.0.0/0 to no route" in result.detail
    assert {f.component_id for f in result.findings} == {"rtb-public"}


@pytest.mark.parametrize(
    ("target", "text"),
    [
        ("tgw-0abc", "through tgw-0abc (transit gateway)"),
        ("arn:aws:networkmanager::123456789012:core-network/core-network-0abc", "(core network)"),
        ("vpce-firewall", "through vpce-firewall (Gateway Load Balancer or Network Firewall endpoint)"),
    ],
)
def test_a_nat_subnet_routing_through_what_is_not_modelled_cannot_be_judged(target: str, text: str) -> None:
    tables = [vpc_network().route_tables[0], route_table("rtb-public", ["subnet-pub"], route("0.0.0.0/0", target))]
    unjudged(apis(path_topology(vpc_network(tables=tables))), text)


def test_a_nat_gateway_or_its_subnet_not_read_cannot_be_judged() -> None:
    unjudged(apis(path_topology(vpc_network(nats=[]))), "NAT gateway nat-1 (route table rtb-private) was not read")
    elsewhere = vpc_network(nats=[nat_gateway(subnet="subnet-gone")])
    unjudged(apis(path_topology(elsewhere)), "the subnet subnet-gone of NAT gateway nat-1 or its route table")


def test_missing_public_data_cannot_be_judged() -> None:
    unjudged(
        apis(path_topology(vpc_network(), public_access_cidrs=[])), "publicAccessCidrs of cluster c1 were not read"
    )
    no_ip = vpc_network(nats=[dataclasses.replace(nat_gateway(), public_ips=())])
    unjudged(apis(path_topology(no_ip)), "the public address of nat-1 is unknown")


def test_a_node_group_with_no_instance_behind_an_internet_gateway_cannot_be_judged() -> None:
    tables = [route_table("rtb-public", [*PRIVATE, "subnet-pub"], route("0.0.0.0/0", "igw-1"))]
    vpc = vpc_network(tables=tables, endpoints=[s3_gateway(tables=["rtb-public"])])
    top = path_topology(vpc)
    template = NodeGroup(
        "ng-1",
        NodeGroupKind.MANAGED,
        (Node("ng-1 template", frozenset(["sg-cluster"]), (top.vpc.subnets["subnet-n1"].networks)),),  # type: ignore[union-attr]
        from_template=True,
    )
    result = apis(dataclasses.replace(top, node_groups=(template,)))
    unjudged(result, "nodegroup ng-1 runs no instance: whether its nodes get a public IPv4 address is unknown")


def test_a_blackhole_route_inside_the_vpc_fails_with_delete_route() -> None:
    tables = [
        route_table("rtb-private", PRIVATE, route("10.0.0.0/24", "eni-0abc", active=False)),
        route_table("rtb-public", ["subnet-pub"], route("0.0.0.0/0", "igw-1")),
    ]
    vpc = vpc_network(tables=tables, endpoints=[*ECR, s3_gateway(tables=["rtb-private"])])
    top = with_groups(path_topology(vpc, public=False, private=True), **{"sg-vpce": ENDPOINT_SG})
    result = apis(top)
    assert result.status is Status.NON_COMPLIANT
    finding = next(f for f in result.findings if "blackhole" in f.message)
    assert finding.message.startswith(
        "route table rtb-private of subnet subnet-n1 (nodegroup ng-1) sends 10.0.0.0/24 (the EKS API (private "
        "endpoint)) to eni-0abc, a blackhole route: delete it"
    )
    assert finding.change == "aws ec2 delete-route --route-table-id rtb-private --destination-cidr-block 10.0.0.0/24"


def test_an_appliance_route_inside_the_vpc_cannot_be_judged() -> None:
    tables = [route_table("rtb-private", PRIVATE, route("10.0.0.0/24", "eni-0abc"), route("0.0.0.0/0", "nat-1"))]
    vpc = vpc_network(tables=[*tables, vpc_network().route_tables[1]], endpoints=[s3_gateway()])
    unjudged(apis(path_topology(vpc, public=False, private=True)), "through eni-0abc (network interface)")


def test_missing_route_tables_acls_and_subnets_cannot_be_judged() -> None:
    unjudged(apis(path_topology(vpc_network(tables=[]))), "no route table known for subnet subnet-n1")
    unjudged(judge(path_topology(vpc_network(acls=[])), "NACL_MINIMUM"), "no network ACL known for subnet")
    no_local = [dataclasses.replace(t, routes=()) for t in vpc_network().route_tables]
    # (ECR has no route either: that fails, and the note stays in the detail.)
    result = apis(path_topology(vpc_network(tables=no_local), public=False, private=True))
    assert "cannot judge: route table rtb-private has no route to 10.0.0.0/24 (its local route" in result.detail
    unjudged(
        judge(path_topology(vpc_network(), cluster_subnets=["subnet-gone"]), "NACL_MINIMUM"),
        "cluster subnet subnet-gone (control plane) was not read",
    )
    unjudged(judge(path_topology(vpc_network(), cluster_subnets=[]), "NACL_MINIMUM"), "names no subnet")
    gone = interface_endpoint("vpce-ecr-api", "ecr.api", ["subnet-gone"], ["sg-vpce"])
    vpc = vpc_network(endpoints=[gone, ECR[1], s3_gateway()])
    result = apis(with_groups(path_topology(vpc), **{"sg-vpce": ENDPOINT_SG}))
    unjudged(result, "subnet subnet-gone of VPC endpoint vpce-ecr-api (ecr.api) was not read")


def test_a_node_without_an_address_of_the_family_cannot_be_judged() -> None:
    unjudged(judge(path_topology(vpc_network(), node_ips=["2600:1f18:10::a"]), "NACL_MINIMUM"), "has no IPv4 address")


def test_an_endpoint_that_is_no_use_is_not_taken() -> None:
    # Private DNS off: the names resolve to the public endpoints, through the NAT gateway.
    off = [dataclasses.replace(e, private_dns_enabled=False) for e in ECR]
    result = apis(path_topology(vpc_network(endpoints=[*off, s3_gateway()])))
    assert result.status is Status.COMPLIANT
    assert "ecr.api and ecr.dkr over the internet" in result.detail
    assert "vpce-ecr-api" not in result.components
    # A Gateway Load Balancer endpoint on the way out: never a pass, never a failure.
    gwlb = VpcEndpoint("vpce-gwlb", "com.amazonaws.vpce.eu-west-1.vpce-svc-1", "GatewayLoadBalancer")
    tables = [route_table("rtb-private", PRIVATE, route("0.0.0.0/0", "vpce-gwlb"))]
    unjudged(apis(path_topology(vpc_network(tables=tables, endpoints=[gwlb]))), "through vpce-gwlb")


# --- components shared by clusters ----------------------------------------------------------------


def test_a_network_acl_shared_by_two_clusters_gets_one_evaluation_naming_both() -> None:
    deny = network_acl(
        "acl-nodes",
        ["subnet-n1", "subnet-n2"],
        (*open_rules()[:0], *open_rules()),
    )
    vpc = vpc_network(
        acls=[network_acl("acl-default", ["subnet-cp1", "subnet-cp2", "subnet-pub"], open_rules(), default=True), deny]
    )
    first = path_topology(vpc)
    second = dataclasses.replace(first, cluster=dataclasses.replace(first.cluster, name="c2"))
    evaluations = evaluate(Snapshot({"c1": first, "c2": second}), Settings(network_path=True))
    [acl] = [e for e in evaluations if e.resource_id == "acl-nodes"]
    assert acl.compliance_type is Status.COMPLIANT
    assert acl.detail == "nothing blocks the required paths through acl-nodes (c1, c2)"
    assert all(c.detail.startswith(("c1: ", "c2: ")) for c in acl.checks)
