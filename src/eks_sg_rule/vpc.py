"""The VPC's network layer around a cluster, as the network-path checks (NetworkPath) judge it.

Pure, immutable model (no AWS calls): subnets, network ACLs, route tables, VPC endpoints and NAT
gateways of one VPC, filled by aws.shapes from ec2:DescribeSubnets, DescribeNetworkAcls,
DescribeRouteTables, DescribeVpcEndpoints and DescribeNatGateways (all filtered by `vpc-id`), and
read by the path engine (nacl, paths). Follows the EC2 API's terms and semantics:
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html (rules in number order,
first match wins, the `*` rule 32767 denies what no rule matched; stateless, so a response needs
its own rule) and .../VPC_Route_Tables.html (longest prefix match; a subnet without an explicit
association uses the VPC's main route table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .ip import IPNetwork, Protocol

# The `*` rule of every network ACL (EC2 reports it as RuleNumber 32767): denies what nothing matched.
DEFAULT_RULE_NUMBER = 32767


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One network ACL rule (DescribeNetworkAcls `Entries[]`).

    `rule_number` 1-32766, or DEFAULT_RULE_NUMBER for the `*` rule; `egress` the direction;
    `allow` RuleAction allow (else deny); `protocol` parsed like an SG rule's (`-1` all);
    `cidr` CidrBlock or Ipv6CidrBlock; `from_port`/`to_port` the PortRange (None when the entry
    carries none: all ports of the protocol, or protocol -1).
    """

    rule_number: int
    egress: bool
    allow: bool
    protocol: Protocol
    cidr: IPNetwork
    from_port: int | None = None
    to_port: int | None = None


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    """One network ACL (`NetworkAclId` acl-…), its rules and the subnets associated with it.

    `is_default`: the VPC's default ACL, which subnets with no explicit association use (EC2
    reports their association on the default ACL all the same).
    """

    acl_id: str
    vpc_id: str
    is_default: bool
    entries: tuple[AclEntry, ...]
    subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    """One route (DescribeRouteTables `Routes[]`).

    `destination`: DestinationCidrBlock or DestinationIpv6CidrBlock, None when the route names a
    prefix list instead (`destination_prefix_list_id`, pl-…: a gateway endpoint's route).
    `target`: the id it sends to, as EC2 gives it: `local`, igw-…, eigw-… (egress-only internet
    gateway), nat-…, vpce-…, tgw-…, pcx-…, vgw-…, eni-…, i-…, cagw-…, lgw-…, or a core network ARN.
    `active`: State active (a blackhole route carries nothing).
    """

    destination: IPNetwork | None
    target: str
    destination_prefix_list_id: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class RouteTable:
    """One route table (rtb-…): its routes, the subnets explicitly associated, whether it is the VPC's main one."""

    route_table_id: str
    vpc_id: str
    main: bool
    routes: tuple[Route, ...]
    subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VpcEndpoint:
    """One VPC endpoint (DescribeVpcEndpoints): vpce-…, `service_name` (com.amazonaws.<region>.ecr.api,
    .ecr.dkr, .s3, .eks, …), `endpoint_type` Interface, Gateway or GatewayLoadBalancer, `state`
    (available is the only one that carries traffic). Interface endpoints: `subnet_ids` where their
    network interfaces are, `security_group_ids` (Groups[].GroupId), `private_dns_enabled`.
    Gateway endpoints: `route_table_ids` whose route to the service's prefix list goes through it."""

    endpoint_id: str
    service_name: str
    endpoint_type: str
    state: str = "available"
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    private_dns_enabled: bool = False
    route_table_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NatGateway:
    """One NAT gateway (nat-…) in `subnet_id`: `public` (ConnectivityType public) NAT gateways send
    from `public_ips` (NatGatewayAddresses[].PublicIp, /32); `state` available is the only one that
    carries traffic."""

    nat_gateway_id: str
    subnet_id: str
    public: bool = True
    state: str = "available"
    public_ips: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True, slots=True)
class Subnet:
    """One subnet: its IPv4 CidrBlock and Ipv6CidrBlockAssociationSet CIDRs (`networks`) and its
    AvailabilityZone (e.g. "us-east-1a"; "" when not known). An interface VPC endpoint takes at most
    one subnet per Availability Zone (AWS PrivateLink: CreateVpcEndpoint SubnetIds)."""

    subnet_id: str
    vpc_id: str
    networks: tuple[IPNetwork, ...] = ()
    availability_zone: str = ""


@dataclass(frozen=True, slots=True)
class VpcNetwork:
    """Everything of one VPC the path checks judge; `region` names the services (com.amazonaws.<region>.…).

    `unread` says, in words, what could not be read (the path checks then cannot judge, never pass).
    """

    vpc_id: str
    region: str
    subnets: Mapping[str, Subnet] = field(default_factory=dict)
    network_acls: tuple[NetworkAcl, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    endpoints: tuple[VpcEndpoint, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    unread: tuple[str, ...] = ()

    def subnet_of(self, address: IPNetwork) -> Subnet | None:
        """The subnet whose CIDR holds `address` (a /32, /128 or delegated prefix), or None."""
        for subnet in self.subnets.values():
            for network in subnet.networks:
                if network.version == address.version and address.subnet_of(network):  # type: ignore[arg-type]
                    return subnet
        return None

    def network_acl_of(self, subnet_id: str) -> NetworkAcl | None:
        """The ACL associated with the subnet (explicitly, else the VPC's default ACL), or None."""
        for acl in self.network_acls:
            if subnet_id in acl.subnet_ids:
                return acl
        return next((acl for acl in self.network_acls if acl.is_default), None)

    def route_table_of(self, subnet_id: str) -> RouteTable | None:
        """The route table explicitly associated with the subnet, else the VPC's main one, or None."""
        for table in self.route_tables:
            if subnet_id in table.subnet_ids:
                return table
        return next((table for table in self.route_tables if table.main), None)

    def service_name(self, service: str) -> str:
        """com.amazonaws.<region>.<service> (ecr.api, ecr.dkr, s3, eks, …)."""
        return f"com.amazonaws.{self.region}.{service}"
