"""NetworkPath's reads (aws.reads.vpc_networks, aws.vpc_shapes) on responses shaped like published real
AWS outputs, served by botocore's Stubber (which validates them against the EC2 service model).

moto agrees with whatever the code assumes, so the shapes come from outputs someone published; ids,
accounts and addresses are placeholders (203.0.113.0/24 and 198.51.100.0/24 are documentation ranges).

Sources, in our words:
- Network ACLs: the AWS CLI's own describe-network-acls example (aws/aws-cli, awscli/examples/ec2)
  shows default ACLs whose `*` rules are RuleNumber 32767 with Protocol "-1" both ways, a VPC with
  IPv6 whose default ACL carries `::/0` entries beside the IPv4 ones (allow at 101, its `*` deny
  reported as RuleNumber 32768), a non-default ACL that holds only the two `*` denies, and
  Associations naming SubnetId, NetworkAclId and NetworkAclAssociationId. The EC2 API reference
  (NetworkAclEntry) gives Protocol as a number string and PortRange {From, To}.
- Route tables: the AWS CLI's describe-route-tables example shows the main table (an association with
  Main true and no SubnetId), a table explicitly associated with a subnet (Main false), `local` and
  `igw-…` routes for IPv4 and `::/0`. A published course exercise (devopsacademy c02-network07) shows a
  real output whose private table routes 0.0.0.0/0 to a deleted NAT gateway: NatGatewayId with State
  blackhole, Origin CreateRoute, and AssociationState {State: associated}. A published S3
  gateway-endpoint script prints the route the endpoint adds: DestinationPrefixListId pl-…, GatewayId
  vpce-…, Origin CreateRoute, State active. A transit-gateway lab's expected output shows a route
  with TransitGatewayId tgw-… and State active (the EC2 API reference's Route lists transitGatewayId).
- VPC endpoints: the AWS CLI's describe-vpc-endpoints example shows a Gateway endpoint (RouteTableIds,
  empty SubnetIds/Groups/NetworkInterfaceIds) and an Interface endpoint (SubnetIds, NetworkInterfaceIds,
  Groups [{GroupName, GroupId}], PrivateDnsEnabled, DnsEntries), State "available" in lower case; its
  create-vpc-endpoint example shows a 2015 gateway endpoint to S3 without VpcEndpointType.
- NAT gateways: the AWS CLI's describe-nat-gateways example shows NatGatewayAddresses [{PublicIp,
  NetworkInterfaceId, AllocationId, PrivateIp}], State available (and a deleting one), SubnetId, VpcId,
  and no ConnectivityType (public NAT gateways predate the field).
- Clusters: the AWS CLI's eks describe-cluster example shows resourcesVpcConfig with vpcId,
  clusterSecurityGroupId, endpointPublicAccess true, endpointPrivateAccess true and publicAccessCidrs
  ["<one address>/32"]. The AWS Config resource schema for AWS::EKS::Cluster (awslabs
  aws-config-resource-schema) names ResourcesVpcConfig.EndpointPublicAccess, EndpointPrivateAccess and
  PublicAccessCidrs.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from eks_sg_rule.aws.calls import DiscoveryError
from eks_sg_rule.aws.reads import vpc_networks
from eks_sg_rule.aws.shapes import cluster_from_api, cluster_from_config, node_from_instance
from eks_sg_rule.ip import Protocol
from eks_sg_rule.vpc import DEFAULT_RULE_NUMBER

ACCOUNT = "111122223333"
REGION = "us-east-1"
VPC = "vpc-0a1b2c3d4e5f60718"
PRIVATE_A = "subnet-0aaaaaaaaaaaaaaa1"
PRIVATE_B = "subnet-0aaaaaaaaaaaaaaa2"
PUBLIC = "subnet-0bbbbbbbbbbbbbbb1"
DEFAULT_ACL = "acl-0d0d0d0d0d0d0d0d0"
NODE_ACL = "acl-0e0e0e0e0e0e0e0e0"
MAIN_TABLE = "rtb-0a0a0a0a0a0a0a0a0"
PRIVATE_TABLE = "rtb-0b0b0b0b0b0b0b0b0"
PUBLIC_TABLE = "rtb-0c0c0c0c0c0c0c0c0"
IGW = "igw-0f0f0f0f0f0f0f0f0"
NAT = "nat-05dba92075d71c408"
TGW = "tgw-0123456789abcdef0"
S3_GATEWAY = "vpce-02a47b8ff523069d7"
S3_LEGACY = "vpce-3a3a3a3a"
ECR_API = "vpce-0f89a33420c1931d7"
ENDPOINT_SG = "sg-0e1e1e1e1e1e1e1e1"
S3_PREFIX_LIST = "pl-63a5400a"
NAT_ADDRESS = "203.0.113.7"
WHEN = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
VPC_FILTER = [{"Name": "vpc-id", "Values": [VPC]}]
NAT_FILTER = [*VPC_FILTER, {"Name": "state", "Values": ["available", "pending"]}]


@pytest.fixture
def ec2(ec2_filter_limit: None) -> Iterator[tuple[Any, Stubber]]:
    """An EC2 client of a fresh session (so EC2's 200-filter-value limit applies) under a Stubber."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    client = session.client("ec2", region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber


# --- the published shapes -------------------------------------------------------------------------


def entry(number: int, egress: bool, action: str, protocol: str = "-1", **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"RuleNumber": number, "Protocol": protocol, "Egress": egress, "RuleAction": action}
    found.update(fields if "Ipv6CidrBlock" in fields else {"CidrBlock": "0.0.0.0/0", **fields})
    return found


def association(acl: str, subnet: str, n: int) -> dict[str, str]:
    return {"SubnetId": subnet, "NetworkAclId": acl, "NetworkAclAssociationId": f"aclassoc-0{n}ea5f0a"}


DEFAULT_ACL_ITEM = {
    "Associations": [association(DEFAULT_ACL, PUBLIC, 1)],
    "NetworkAclId": DEFAULT_ACL,
    "VpcId": VPC,
    "OwnerId": ACCOUNT,
    "Tags": [],
    "IsDefault": True,
    "Entries": [
        entry(100, True, "allow"),
        entry(32767, True, "deny"),
        entry(101, True, "allow", Ipv6CidrBlock="::/0"),
        entry(32768, True, "deny", Ipv6CidrBlock="::/0"),
        entry(100, False, "allow"),
        entry(32767, False, "deny"),
        entry(101, False, "allow", Ipv6CidrBlock="::/0"),
        entry(32768, False, "deny", Ipv6CidrBlock="::/0"),
    ],
}
# The example: rule 90 denies kubelet (TCP 10250) from the other node subnet.
NODE_ACL_ITEM = {
    "Associations": [association(NODE_ACL, PRIVATE_A, 2), association(NODE_ACL, PRIVATE_B, 3)],
    "NetworkAclId": NODE_ACL,
    "VpcId": VPC,
    "OwnerId": ACCOUNT,
    "Tags": [],
    "IsDefault": False,
    "Entries": [
        entry(90, False, "deny", "6", CidrBlock="10.0.16.0/20", PortRange={"From": 10250, "To": 10250}),
        entry(100, False, "allow"),
        entry(32767, False, "deny"),
        entry(100, True, "allow", "6", PortRange={"From": 1024, "To": 65535}),
        entry(32767, True, "deny"),
    ],
}


def route(destination: str | None, state: str = "active", origin: str = "CreateRoute", **target: str) -> dict[str, str]:
    found = {"Origin": origin, "State": state, **target}
    if destination and ":" in destination:
        found["DestinationIpv6CidrBlock"] = destination
    elif destination:
        found["DestinationCidrBlock"] = destination
    return found


def table_association(table: str, n: int, subnet: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "Main": subnet is None,
        "RouteTableAssociationId": f"rtbassoc-0{n}41b8bbd8876f667",
        "RouteTableId": table,
        "AssociationState": {"State": "associated"},
    }
    if subnet:
        found["SubnetId"] = subnet
    return found


LOCAL = route("10.0.0.0/16", origin="CreateRouteTable", GatewayId="local")
ROUTE_TABLES = [
    {
        "Associations": [table_association(MAIN_TABLE, 1)],
        "PropagatingVgws": [],
        "RouteTableId": MAIN_TABLE,
        "Routes": [LOCAL],
        "Tags": [],
        "VpcId": VPC,
        "OwnerId": ACCOUNT,
    },
    {
        "Associations": [
            table_association(PRIVATE_TABLE, 2, PRIVATE_A),
            table_association(PRIVATE_TABLE, 3, PRIVATE_B),
        ],
        "PropagatingVgws": [],
        "RouteTableId": PRIVATE_TABLE,
        "Routes": [
            LOCAL,
            route("0.0.0.0/0", "blackhole", NatGatewayId="nat-08c0c5ed60d56a9d1"),
            route("10.200.0.0/16", TransitGatewayId=TGW),
            route(None, DestinationPrefixListId=S3_PREFIX_LIST, GatewayId=S3_GATEWAY),
        ],
        "Tags": [{"Key": "Name", "Value": "private"}],
        "VpcId": VPC,
        "OwnerId": ACCOUNT,
    },
    {
        "Associations": [table_association(PUBLIC_TABLE, 4, PUBLIC)],
        "PropagatingVgws": [],
        "RouteTableId": PUBLIC_TABLE,
        "Routes": [
            LOCAL,
            route("0.0.0.0/0", GatewayId=IGW),
            route("2001:db8:1234:a100::/56", origin="CreateRouteTable", GatewayId="local"),
            route("::/0", GatewayId=IGW),
            route("10.100.0.0/16", NatGatewayId=NAT),
        ],
        "Tags": [],
        "VpcId": VPC,
        "OwnerId": ACCOUNT,
    },
]
ENDPOINTS = [
    {
        "PolicyDocument": '{"Version":"2008-10-17","Statement":[]}',
        "VpcId": VPC,
        "NetworkInterfaceIds": [],
        "SubnetIds": [],
        "PrivateDnsEnabled": True,
        "State": "available",
        "ServiceName": f"com.amazonaws.{REGION}.s3",
        "RouteTableIds": [PRIVATE_TABLE],
        "Groups": [],
        "VpcEndpointId": S3_GATEWAY,
        "VpcEndpointType": "Gateway",
        "CreationTimestamp": WHEN,
        "DnsEntries": [],
    },
    {
        "VpcId": VPC,
        "NetworkInterfaceIds": ["eni-2ec2b084", "eni-1b4a65cf"],
        "SubnetIds": [PRIVATE_A, PRIVATE_B],
        "PrivateDnsEnabled": True,
        "State": "available",
        "ServiceName": f"com.amazonaws.{REGION}.ecr.api",
        "RouteTableIds": [],
        "Groups": [{"GroupName": "ecr-endpoints", "GroupId": ENDPOINT_SG}],
        "VpcEndpointId": ECR_API,
        "VpcEndpointType": "Interface",
        "CreationTimestamp": WHEN,
        "DnsEntries": [
            {"HostedZoneId": "Z7HUB22UULQXV", "DnsName": f"{ECR_API}-x.api.ecr.{REGION}.vpce.amazonaws.com"}
        ],
    },
    {  # a 2015 gateway endpoint: no VpcEndpointType
        "VpcId": VPC,
        "State": "available",
        "ServiceName": f"com.amazonaws.{REGION}.s3",
        "RouteTableIds": [MAIN_TABLE],
        "VpcEndpointId": S3_LEGACY,
        "CreationTimestamp": WHEN,
    },
]
NAT_GATEWAYS = [
    {
        "NatGatewayAddresses": [
            {
                "PublicIp": NAT_ADDRESS,
                "NetworkInterfaceId": "eni-9dec76cd",
                "AllocationId": "eipalloc-89c620ec",
                "PrivateIp": "10.0.0.149",
            }
        ],
        "VpcId": VPC,
        "State": "available",
        "NatGatewayId": NAT,
        "SubnetId": PUBLIC,
        "CreateTime": WHEN,
    }
]
SUBNETS = [
    {"SubnetId": PRIVATE_A, "VpcId": VPC, "CidrBlock": "10.0.0.0/20", "AvailabilityZone": "us-east-1a"},
    {"SubnetId": PRIVATE_B, "VpcId": VPC, "CidrBlock": "10.0.16.0/20", "AvailabilityZone": "us-east-1b"},
    {
        "SubnetId": PUBLIC,
        "VpcId": VPC,
        "CidrBlock": "10.0.32.0/24",
        "AvailabilityZone": "us-east-1a",
        "Ipv6CidrBlockAssociationSet": [
            {
                "AssociationId": "subnet-cidr-assoc-01",
                "Ipv6CidrBlock": "2001:db8:1234:a101::/64",
                "Ipv6CidrBlockState": {"State": "associated"},
            }
        ],
    },
]


def stub_reads(stubber: Stubber, route_pages: int = 1) -> None:
    """The five reads vpc_networks makes for VPC, in its order (route tables over `route_pages` pages)."""
    page = {"Filters": VPC_FILTER, "MaxResults": 1000}
    stubber.add_response("describe_subnets", {"Subnets": SUBNETS}, page)
    stubber.add_response("describe_network_acls", {"NetworkAcls": [DEFAULT_ACL_ITEM, NODE_ACL_ITEM]}, page)
    tables = {"Filters": VPC_FILTER, "MaxResults": 100}
    if route_pages == 2:
        stubber.add_response("describe_route_tables", {"RouteTables": ROUTE_TABLES[:1], "NextToken": "t1"}, tables)
        stubber.add_response("describe_route_tables", {"RouteTables": ROUTE_TABLES[1:]}, {**tables, "NextToken": "t1"})
    else:
        stubber.add_response("describe_route_tables", {"RouteTables": ROUTE_TABLES}, tables)
    stubber.add_response("describe_vpc_endpoints", {"VpcEndpoints": ENDPOINTS}, page)
    nat = {"Filter": NAT_FILTER, "MaxResults": 1000}
    stubber.add_response("describe_nat_gateways", {"NatGateways": NAT_GATEWAYS}, nat)


# --- the reads ------------------------------------------------------------------------------------


def test_network_acls_keep_rule_order_both_families_and_the_default_rule(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    stub_reads(stubber)
    vpc = vpc_networks(client, [VPC], REGION)[VPC]
    stubber.assert_no_pending_responses()
    assert vpc.unread == ()
    default = vpc.network_acl_of(PUBLIC)
    assert default is not None and default.acl_id == DEFAULT_ACL and default.is_default
    ipv6 = [e for e in default.entries if e.cidr.version == 6]
    # The IPv6 `*` rule (32768 in the published output) is the default rule like the IPv4 one.
    assert sorted((e.rule_number, e.egress, e.allow) for e in ipv6) == [
        (101, False, True),
        (101, True, True),
        (DEFAULT_RULE_NUMBER, False, False),
        (DEFAULT_RULE_NUMBER, True, False),
    ]
    assert all(e.protocol is Protocol.ALL and e.from_port is None for e in default.entries)
    nodes = vpc.network_acl_of(PRIVATE_B)
    assert nodes is not None and nodes.acl_id == NODE_ACL and nodes.subnet_ids == (PRIVATE_A, PRIVATE_B)
    deny = nodes.entries[0]
    assert (deny.rule_number, deny.egress, deny.allow, deny.protocol) == (90, False, False, Protocol.TCP)
    assert (deny.cidr, deny.from_port, deny.to_port) == (ipaddress.ip_network("10.0.16.0/20"), 10250, 10250)
    # A subnet with no explicit association uses the default ACL.
    assert vpc.network_acl_of("subnet-0ccccccccccccccc1") == default


def test_routes_keep_their_targets_states_and_the_main_table(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    stub_reads(stubber, route_pages=2)
    vpc = vpc_networks(client, [VPC], REGION)[VPC]
    stubber.assert_no_pending_responses()
    main = vpc.route_table_of("subnet-0ccccccccccccccc1")  # no explicit association: the main table
    assert main is not None and main.route_table_id == MAIN_TABLE and main.main and main.subnet_ids == ()
    private = vpc.route_table_of(PRIVATE_A)
    assert private is not None and not private.main and private.subnet_ids == (PRIVATE_A, PRIVATE_B)
    by_target = {r.target: r for r in private.routes}
    assert not by_target["nat-08c0c5ed60d56a9d1"].active  # blackhole: its NAT gateway is gone
    assert by_target[TGW].active and by_target[TGW].destination == ipaddress.ip_network("10.200.0.0/16")
    gateway = by_target[S3_GATEWAY]
    assert (gateway.destination, gateway.destination_prefix_list_id, gateway.active) == (None, S3_PREFIX_LIST, True)
    public = vpc.route_table_of(PUBLIC)
    assert public is not None
    assert [(str(r.destination), r.target) for r in public.routes] == [
        ("10.0.0.0/16", "local"),
        ("0.0.0.0/0", IGW),
        ("2001:db8:1234:a100::/56", "local"),
        ("::/0", IGW),
        ("10.100.0.0/16", NAT),
    ]


def test_endpoints_nat_gateways_and_subnets(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    stub_reads(stubber)
    vpc = vpc_networks(client, [VPC], REGION)[VPC]
    endpoints = {e.endpoint_id: e for e in vpc.endpoints}
    ecr = endpoints[ECR_API]
    assert (ecr.endpoint_type, ecr.state, ecr.service_name) == ("Interface", "available", vpc.service_name("ecr.api"))
    assert (ecr.subnet_ids, ecr.security_group_ids, ecr.private_dns_enabled) == (
        (PRIVATE_A, PRIVATE_B),
        (ENDPOINT_SG,),
        True,
    )
    s3 = endpoints[S3_GATEWAY]
    assert (s3.endpoint_type, s3.route_table_ids, s3.security_group_ids) == ("Gateway", (PRIVATE_TABLE,), ())
    assert endpoints[S3_LEGACY].endpoint_type == "Gateway"  # before interface endpoints, every one was
    [nat] = vpc.nat_gateways
    assert (nat.nat_gateway_id, nat.subnet_id, nat.public, nat.state) == (NAT, PUBLIC, True, "available")
    assert nat.public_ips == (ipaddress.ip_network(f"{NAT_ADDRESS}/32"),)
    assert set(vpc.subnets) == {PRIVATE_A, PRIVATE_B, PUBLIC}
    assert vpc.subnet_of(ipaddress.ip_network("2001:db8:1234:a101::10/128")) == vpc.subnets[PUBLIC]
    assert vpc.subnet_of(ipaddress.ip_network("10.0.17.5/32")) == vpc.subnets[PRIVATE_B]
    # DescribeSubnets' AvailabilityZone: an interface endpoint takes one subnet per zone.
    assert [vpc.subnets[s].availability_zone for s in (PRIVATE_A, PRIVATE_B, PUBLIC)] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1a",
    ]


def test_a_vpc_the_answers_do_not_name_is_unread_never_empty_and_fine(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    gone = "vpc-0ffffffffffffffff"
    filters = [{"Name": "vpc-id", "Values": sorted([VPC, gone])}]
    stubber.add_response("describe_subnets", {"Subnets": SUBNETS}, {"Filters": filters, "MaxResults": 1000})
    acls = {"NetworkAcls": [DEFAULT_ACL_ITEM]}
    stubber.add_response("describe_network_acls", acls, {"Filters": filters, "MaxResults": 1000})
    tables = {"RouteTables": ROUTE_TABLES}
    stubber.add_response("describe_route_tables", tables, {"Filters": filters, "MaxResults": 100})
    stubber.add_response("describe_vpc_endpoints", {"VpcEndpoints": []}, {"Filters": filters, "MaxResults": 1000})
    nat = [*filters, NAT_FILTER[1]]
    stubber.add_response("describe_nat_gateways", {"NatGateways": []}, {"Filter": nat, "MaxResults": 1000})
    found = vpc_networks(client, [VPC, gone, VPC], REGION)
    assert found[VPC].unread == ()
    assert found[gone].unread == (
        f"no subnets or network ACLs or route tables of {gone} could be read (the VPC may have been deleted)",
    )


def test_vpc_ids_are_chunked_within_the_filter_value_limit(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    many = [f"vpc-{n:017x}" for n in range(250)]
    first, rest = many[:200], many[200:]
    for chunk in (first, rest):
        page = {"Filters": [{"Name": "vpc-id", "Values": chunk}], "MaxResults": 1000}
        stubber.add_response("describe_subnets", {"Subnets": []}, page)
        stubber.add_response("describe_network_acls", {"NetworkAcls": []}, page)
        stubber.add_response("describe_route_tables", {"RouteTables": []}, {**page, "MaxResults": 100})
        stubber.add_response("describe_vpc_endpoints", {"VpcEndpoints": []}, page)
    # DescribeNatGateways' state filter takes 2 of the 200 values: 198 VPCs per call.
    for chunk in (many[:198], many[198:]):
        nat = [{"Name": "vpc-id", "Values": chunk}, NAT_FILTER[1]]
        stubber.add_response("describe_nat_gateways", {"NatGateways": []}, {"Filter": nat, "MaxResults": 1000})
    assert len(vpc_networks(client, many, REGION)) == 250
    stubber.assert_no_pending_responses()


def test_a_denied_read_names_its_action(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    stubber.add_response("describe_subnets", {"Subnets": SUBNETS}, {"Filters": VPC_FILTER, "MaxResults": 1000})
    stubber.add_client_error(
        "describe_network_acls", "UnauthorizedOperation", "You are not authorized to perform this operation.", 403
    )
    with pytest.raises(DiscoveryError) as raised:
        vpc_networks(client, [VPC], REGION)
    assert raised.value.action == "ec2:DescribeNetworkAcls" and raised.value.access_denied


# --- the cluster's endpoint access and the node's public address --------------------------------


def test_describe_cluster_gives_the_endpoint_access() -> None:
    described = {
        "name": "my-eks-cluster",
        "resourcesVpcConfig": {
            "subnetIds": [PRIVATE_A, PRIVATE_B],
            "securityGroupIds": ["sg-0c1327f6270afbb36"],
            "clusterSecurityGroupId": "sg-01c84d09d70f39a7f",
            "vpcId": VPC,
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["198.51.100.2/32"],
        },
    }
    cluster = cluster_from_api(described)
    assert (cluster.endpoint_public_access, cluster.endpoint_private_access) == (True, True)
    assert cluster.public_access_cidrs == (ipaddress.ip_network("198.51.100.2/32"),)
    private_only = {"name": "p", "resourcesVpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True}}
    assert cluster_from_api(private_only).public_access_cidrs == ()
    # Absent keys read as EKS's defaults: public access on (from 0.0.0.0/0), private off.
    bare = cluster_from_api({"name": "b", "resourcesVpcConfig": {}})
    assert (bare.endpoint_public_access, bare.endpoint_private_access) == (True, False)
    assert bare.public_access_cidrs == (ipaddress.ip_network("0.0.0.0/0"),)


def test_a_config_item_gives_the_endpoint_access_in_its_own_spelling() -> None:
    configuration = {
        "Name": "test",
        "ResourcesVpcConfig": {
            "SubnetIds": [PRIVATE_A],
            "SecurityGroupIds": [],
            "EndpointPublicAccess": True,
            "EndpointPrivateAccess": False,
            "PublicAccessCidrs": [f"{NAT_ADDRESS}/32", "198.51.100.0/24"],
        },
    }
    cluster = cluster_from_config(configuration, "test")
    assert (cluster.endpoint_public_access, cluster.endpoint_private_access) == (True, False)
    assert [str(n) for n in cluster.public_access_cidrs] == [f"{NAT_ADDRESS}/32", "198.51.100.0/24"]
    private = cluster_from_config({"ResourcesVpcConfig": {"EndpointPublicAccess": "false"}}, "p")
    assert (private.endpoint_public_access, private.public_access_cidrs) == (False, ())


def test_a_node_carries_its_primary_interfaces_public_address() -> None:
    def instance(**fields: Any) -> dict[str, Any]:
        return {
            "InstanceId": "i-0a0a0a0a0a0a0a0a0",
            "VpcId": VPC,
            "PrivateIpAddress": "10.0.32.10",
            "Tags": [{"Key": "eks:cluster-name", "Value": "prod"}],
            **fields,
        }

    def eni(device: int, public: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "NetworkInterfaceId": f"eni-0{device}",
            "Attachment": {"DeviceIndex": device, "NetworkCardIndex": 0},
            "Groups": [{"GroupId": "sg-0n", "GroupName": "node"}],
            "PrivateIpAddresses": [{"PrivateIpAddress": f"10.0.32.{10 + device}", "Primary": True}],
        }
        if public:
            found["Association"] = {"PublicIp": public, "IpOwnerId": "amazon"}
        return found

    with_public = node_from_instance(instance(PublicIpAddress=NAT_ADDRESS, NetworkInterfaces=[eni(0, NAT_ADDRESS)]))
    assert with_public is not None and with_public.node.public_networks == (ipaddress.ip_network(f"{NAT_ADDRESS}/32"),)
    # A secondary interface's public address is not the node's.
    secondary = node_from_instance(instance(NetworkInterfaces=[eni(0, None), eni(1, "198.51.100.9")]))
    assert secondary is not None and secondary.node.public_networks == ()
    private = node_from_instance(instance())
    assert private is not None and private.node.public_networks == ()
