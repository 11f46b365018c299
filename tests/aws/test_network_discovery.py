"""NetworkPath's reads against moto: vpc_networks reads what moto stores, and Discovery reads the
network layer only when asked, once per batch of VPCs, adding the interface endpoints' SGs to the one
DescribeSecurityGroups read and the S3 gateway endpoint's prefix list to the prefix-list reads.

Where moto differs from EC2 (the shapes EC2 really gives are in tests/aws/test_network_reads.py):
- moto creates a non-default network ACL with no entries; EC2 gives every new ACL its `*` deny
  entries both ways (the AWS CLI's describe-network-acls example, a non-default ACL holding only
  RuleNumber 32767 denies). The reads take what is there; the test says which entries moto lacks.
- moto reports a gateway endpoint created without VpcEndpointType without the field; EC2 reports
  "Gateway". The reads take an endpoint with no type and no subnets or interfaces as a gateway one.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from demo.seed import Seeder

from eks_sg_rule.aws.reads import vpc_networks
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.vpc import DEFAULT_RULE_NUMBER
from tests.conftest import REGION, ApiCalls, kubelet_gap_cluster

NETWORK_READS = ("DescribeNetworkAcls", "DescribeRouteTables", "DescribeVpcEndpoints", "DescribeNatGateways")


def network_layer(seeder: Seeder) -> dict[str, Any]:
    """A private subnet (seeder.subnets[1]) whose own route table sends 0.0.0.0/0 to a NAT gateway in a
    public subnet (seeder.subnets[0], routed to an internet gateway) and S3 to a gateway endpoint, an
    ecr.api interface endpoint with its own SG, and a network ACL on the private subnet that denies
    kubelet from 10.0.64.0/19 at rule 90."""
    ec2 = seeder.ec2
    public, private = seeder.subnets[0], seeder.subnets[1]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=seeder.vpc_id)
    public_table = ec2.create_route_table(VpcId=seeder.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation["AllocationId"])["NatGateway"]
    private_table = ec2.create_route_table(VpcId=seeder.vpc_id)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=private_table, SubnetId=private)
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"])
    s3 = ec2.create_vpc_endpoint(
        VpcId=seeder.vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3", RouteTableIds=[private_table]
    )["VpcEndpoint"]["VpcEndpointId"]
    endpoint_sg = seeder.security_group("ecr-endpoints", "ECR endpoints")
    ecr = ec2.create_vpc_endpoint(
        VpcId=seeder.vpc_id,
        VpcEndpointType="Interface",
        ServiceName=f"com.amazonaws.{REGION}.ecr.api",
        SubnetIds=[private],
        SecurityGroupIds=[endpoint_sg],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    acl = ec2.create_network_acl(VpcId=seeder.vpc_id)["NetworkAcl"]["NetworkAclId"]
    kubelet = {"From": 10250, "To": 10250}
    deny = {"Protocol": "6", "RuleAction": "deny", "Egress": False, "CidrBlock": "10.0.64.0/19", "PortRange": kubelet}
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, **deny)
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0"
    )
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [private]}])
    [association] = [a for a in current["NetworkAcls"][0]["Associations"] if a["SubnetId"] == private]
    ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)
    return {
        "igw": igw,
        "nat": nat["NatGatewayId"],
        "public_ip": nat["NatGatewayAddresses"][0]["PublicIp"],
        "private_table": private_table,
        "s3": s3,
        "ecr": ecr,
        "endpoint_sg": endpoint_sg,
        "acl": acl,
    }


def test_vpc_networks_reads_what_moto_stores(seeder: Seeder) -> None:
    made = network_layer(seeder)
    public, private = seeder.subnets[0], seeder.subnets[1]
    vpc = vpc_networks(seeder.ec2, [seeder.vpc_id], REGION)[seeder.vpc_id]
    assert vpc.unread == () and set(vpc.subnets) == set(seeder.subnets)
    acl = vpc.network_acl_of(private)
    assert acl is not None and acl.acl_id == made["acl"] and not acl.is_default
    # moto gap: no `*` entries on a new ACL (EC2 adds them); only the two made here.
    assert [(e.rule_number, e.allow, e.from_port) for e in acl.entries] == [(90, False, 10250), (100, True, None)]
    default = vpc.network_acl_of(public)
    assert default is not None and default.is_default
    assert {(e.rule_number, e.egress, e.allow) for e in default.entries} >= {(DEFAULT_RULE_NUMBER, False, False)}
    table = vpc.route_table_of(private)
    assert table is not None and table.route_table_id == made["private_table"]
    targets = {r.target: r for r in table.routes}
    assert targets[made["nat"]].destination == ipaddress.ip_network("0.0.0.0/0")
    assert targets[made["s3"]].destination_prefix_list_id is not None
    main = vpc.route_table_of(seeder.subnets[2])
    assert main is not None and main.main
    endpoints = {e.endpoint_id: e for e in vpc.endpoints}
    assert endpoints[made["s3"]].endpoint_type == "Gateway"  # moto gap: no VpcEndpointType; EC2 says Gateway
    ecr = endpoints[made["ecr"]]
    assert (ecr.endpoint_type, ecr.security_group_ids, ecr.subnet_ids, ecr.private_dns_enabled) == (
        "Interface",
        (made["endpoint_sg"],),
        (private,),
        True,
    )
    [nat] = vpc.nat_gateways
    assert (nat.nat_gateway_id, nat.subnet_id, nat.state) == (made["nat"], public, "available")
    assert nat.public_ips == (ipaddress.ip_network(made["public_ip"]),)


def test_other_vpcs_and_deleted_nat_gateways_are_left_out(seeder: Seeder) -> None:
    made = network_layer(seeder)
    other = seeder.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    seeder.ec2.delete_nat_gateway(NatGatewayId=made["nat"])
    found = vpc_networks(seeder.ec2, [seeder.vpc_id], REGION)
    assert list(found) == [seeder.vpc_id]
    assert found[seeder.vpc_id].nat_gateways == ()  # deleting/deleted: not asked for (`state` filter)
    assert all(acl.vpc_id == seeder.vpc_id for acl in found[seeder.vpc_id].network_acls)
    assert other not in {t.vpc_id for t in found[seeder.vpc_id].route_tables}


def test_discovery_reads_the_network_layer_only_with_network_path(seeder: Seeder, api_calls: ApiCalls) -> None:
    cluster_sg, node_sg = kubelet_gap_cluster(seeder)
    made = network_layer(seeder)
    api_calls.clear()
    off = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot()
    calls_off = api_calls.by_operation()
    api_calls.clear()
    on = Discovery(eks=seeder.eks, ec2=seeder.ec2, network_path=True).snapshot()
    calls_on = api_calls.by_operation()

    # Off: not one network-layer call, and no VPC on the topology.
    assert not set(NETWORK_READS) & set(calls_off)
    assert off.topologies["c1"].vpc is None
    # On: one call of each network read for the batch of VPCs, one more DescribeSubnets (by vpc-id),
    # one more GetManagedPrefixListEntries (the S3 gateway endpoint's), the SGs in the same one read.
    added = {op: calls_on.get(op, 0) - calls_off.get(op, 0) for op in {*calls_on, *calls_off}}
    assert {op: n for op, n in added.items() if n} == {
        **dict.fromkeys(NETWORK_READS, 1),
        "DescribeSubnets": 1,
        "GetManagedPrefixListEntries": 1,
    }
    assert calls_on["DescribeSecurityGroups"] == calls_off["DescribeSecurityGroups"] == 1
    [sgs_read] = api_calls.params("DescribeSecurityGroups")
    assert made["endpoint_sg"] in sgs_read["Filters"][0]["Values"]
    for op in NETWORK_READS:
        [params] = api_calls.params(op)
        filters = params.get("Filters") or params.get("Filter")
        assert filters[0] == {"Name": "vpc-id", "Values": [seeder.vpc_id]}

    topology = on.topologies["c1"]
    assert topology.vpc is not None and topology.vpc.vpc_id == seeder.vpc_id and topology.vpc.region == REGION
    assert made["endpoint_sg"] in topology.security_groups
    # The role SGs (and who shares them) are what they were without NetworkPath.
    assert topology.role_sg_ids() == off.topologies["c1"].role_sg_ids()
    assert {cluster_sg, node_sg} <= set(topology.security_groups)
    assert topology.shared_with == off.topologies["c1"].shared_with
    [gateway_route] = [r for t in topology.vpc.route_tables for r in t.routes if r.target == made["s3"]]
    assert topology.prefix_lists[str(gateway_route.destination_prefix_list_id)]  # S3's CIDRs, as moto models them
    assert off.topologies["c1"].security_groups == {
        sg: group for sg, group in topology.security_groups.items() if sg != made["endpoint_sg"]
    }


def test_a_named_read_with_network_path_reads_the_vpc_once(seeder: Seeder, api_calls: ApiCalls) -> None:
    kubelet_gap_cluster(seeder)
    seeder.cluster("c2", "1.31", [])
    network_layer(seeder)
    api_calls.clear()
    snapshot = Discovery(eks=seeder.eks, ec2=seeder.ec2, network_path=True).snapshot(clusters=["c1", "c2"])
    assert {name: t.vpc is not None for name, t in snapshot.topologies.items()} == {"c1": True, "c2": True}
    assert all(api_calls.count(op) == 1 for op in NETWORK_READS)
