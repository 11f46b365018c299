"""EC2 network-layer API shapes parsed into vpc.py's model: subnets, network ACLs, route tables, VPC
endpoints and NAT gateways (DescribeSubnets, DescribeNetworkAcls, DescribeRouteTables,
DescribeVpcEndpoints, DescribeNatGateways items, PascalCase as the EC2 API returns them).

Pure: dicts in, vpc.py values out; no botocore, no client, no AWS call (the reads are aws.reads).
Tolerant as aws.shapes is: an absent key reads as its API default, an unparsable CIDR matches
nothing. Shapes follow the EC2 API reference (NetworkAcl, NetworkAclEntry, RouteTable, Route,
RouteTableAssociation, VpcEndpoint, NatGateway, NatGatewayAddress) and published outputs cited in
tests/aws/test_network_reads.py.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import Any

from ..ip import IPNetwork, parse_protocol
from ..vpc import (
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
from .shapes import subnet_networks

# Where a route sends its traffic, in the order they are read: EC2 reports one of them per route
# (a route to an instance carries InstanceId and the instance's NetworkInterfaceId both).
ROUTE_TARGETS = (
    "GatewayId",  # local, igw-…, vgw-…, vpce-… (gateway, Gateway Load Balancer, Network Firewall endpoints)
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "InstanceId",
    "NetworkInterfaceId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "CoreNetworkArn",
    "OdbNetworkArn",
    "IpAddress",  # a VPC Route Server next hop
)
# A route whose target EC2 does not report reads as this (never a target the path checks model).
UNKNOWN_TARGET = "unknown"
# Route table associations that no longer (or not yet successfully) bind the subnet.
GONE_ASSOCIATION_STATES = frozenset({"disassociated", "failed"})


def _network(text: Any) -> IPNetwork | None:
    if not text:
        return None
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


def _ports(entry: Mapping[str, Any]) -> tuple[int | None, int | None]:
    ports = entry.get("PortRange") or {}
    try:
        low = None if ports.get("From") is None else int(ports["From"])
        high = None if ports.get("To") is None else int(ports["To"])
    except (TypeError, ValueError):
        return None, None
    return low, high


def acl_entry_from_api(entry: Mapping[str, Any]) -> AclEntry | None:
    """One DescribeNetworkAcls `Entries[]` item, or None when it names no parsable CIDR (it can match
    no address). `Protocol` is a number ("6", "17", "1", "58") or "-1"; an entry of protocol -1
    carries no ports. The `*` rule is 32767 for IPv4; older outputs give the IPv6 `*` rule as 32768
    (aws-cli's describe-network-acls example): every number above 32766 is the `*` rule, read as
    DEFAULT_RULE_NUMBER."""
    cidr = _network(entry.get("CidrBlock")) or _network(entry.get("Ipv6CidrBlock"))
    if cidr is None:
        return None
    protocol = parse_protocol(entry.get("Protocol", "-1"))
    low, high = (None, None) if protocol.value == "-1" else _ports(entry)
    number = int(entry.get("RuleNumber") or DEFAULT_RULE_NUMBER)
    return AclEntry(
        rule_number=min(number, DEFAULT_RULE_NUMBER),
        egress=bool(entry.get("Egress")),
        allow=str(entry.get("RuleAction", "deny")).lower() == "allow",
        protocol=protocol,
        cidr=cidr,
        from_port=low,
        to_port=high,
    )


def network_acl_from_api(raw: Mapping[str, Any]) -> NetworkAcl:
    """A NetworkAcl from one DescribeNetworkAcls `NetworkAcls[]` item: its entries (both directions,
    both address families) and the subnets its `Associations[]` name."""
    entries = (acl_entry_from_api(e) for e in raw.get("Entries") or ())
    return NetworkAcl(
        acl_id=str(raw.get("NetworkAclId", "?")),
        vpc_id=str(raw.get("VpcId") or ""),
        is_default=bool(raw.get("IsDefault")),
        entries=tuple(e for e in entries if e is not None),
        subnet_ids=tuple(str(a["SubnetId"]) for a in raw.get("Associations") or () if a.get("SubnetId")),
    )


def route_from_api(raw: Mapping[str, Any]) -> Route | None:
    """One DescribeRouteTables `Routes[]` item, or None when it names no destination. Its target is
    the first of ROUTE_TARGETS present (UNKNOWN_TARGET when none is); `State` active is the only one
    that carries traffic (blackhole: its target is gone; filtered: not installed)."""
    destination = _network(raw.get("DestinationCidrBlock")) or _network(raw.get("DestinationIpv6CidrBlock"))
    prefix_list = raw.get("DestinationPrefixListId") or None
    if destination is None and prefix_list is None:
        return None
    target = next((str(raw[key]) for key in ROUTE_TARGETS if raw.get(key)), UNKNOWN_TARGET)
    return Route(
        destination=destination,
        target=target,
        destination_prefix_list_id=str(prefix_list) if prefix_list else None,
        active=str(raw.get("State") or "active") == "active",
    )


def route_table_from_api(raw: Mapping[str, Any]) -> RouteTable:
    """A RouteTable from one DescribeRouteTables `RouteTables[]` item. `main`: an association with
    Main true (it names no subnet); `subnet_ids`: the subnets explicitly associated (gateway edge
    associations name a GatewayId instead and are not subnets; a disassociated or failed association
    binds nothing)."""
    associations = [
        a
        for a in raw.get("Associations") or ()
        if str((a.get("AssociationState") or {}).get("State", "associated")) not in GONE_ASSOCIATION_STATES
    ]
    routes = (route_from_api(r) for r in raw.get("Routes") or ())
    return RouteTable(
        route_table_id=str(raw.get("RouteTableId", "?")),
        vpc_id=str(raw.get("VpcId") or ""),
        main=any(bool(a.get("Main")) for a in associations),
        routes=tuple(r for r in routes if r is not None),
        subnet_ids=tuple(str(a["SubnetId"]) for a in associations if a.get("SubnetId")),
    )


def vpc_endpoint_from_api(raw: Mapping[str, Any]) -> VpcEndpoint:
    """A VpcEndpoint from one DescribeVpcEndpoints `VpcEndpoints[]` item, any state (`State`
    lower-cased: available, pending, pendingacceptance, deleting, …). An item without
    `VpcEndpointType` predates interface endpoints (2017), when every endpoint was a gateway one,
    unless it has subnets or network interfaces."""
    subnets = tuple(str(s) for s in raw.get("SubnetIds") or ())
    interfaces = raw.get("NetworkInterfaceIds") or ()
    kind = raw.get("VpcEndpointType") or ("Interface" if subnets or interfaces else "Gateway")
    return VpcEndpoint(
        endpoint_id=str(raw.get("VpcEndpointId", "?")),
        service_name=str(raw.get("ServiceName") or ""),
        endpoint_type=str(kind),
        state=str(raw.get("State") or "").lower(),
        subnet_ids=subnets,
        security_group_ids=tuple(str(g["GroupId"]) for g in raw.get("Groups") or () if g.get("GroupId")),
        private_dns_enabled=bool(raw.get("PrivateDnsEnabled")),
        route_table_ids=tuple(str(r) for r in raw.get("RouteTableIds") or ()),
    )


def nat_gateway_from_api(raw: Mapping[str, Any]) -> NatGateway:
    """A NatGateway from one DescribeNatGateways `NatGateways[]` item: `ConnectivityType` private
    sends from no public address (absent: public, as every NAT gateway was before private ones);
    `public_ips` the NatGatewayAddresses' PublicIp (/32). A regional NAT gateway names no subnet ("")."""
    addresses = (_network(a.get("PublicIp")) for a in raw.get("NatGatewayAddresses") or ())
    return NatGateway(
        nat_gateway_id=str(raw.get("NatGatewayId", "?")),
        subnet_id=str(raw.get("SubnetId") or ""),
        public=str(raw.get("ConnectivityType") or "public") == "public",
        state=str(raw.get("State") or "").lower(),
        public_ips=tuple(dict.fromkeys(a for a in addresses if a is not None)),
    )


def subnet_from_api(raw: Mapping[str, Any]) -> Subnet:
    """A Subnet from one DescribeSubnets `Subnets[]` item: its IPv4 and IPv6 CIDRs and AvailabilityZone."""
    return Subnet(
        str(raw.get("SubnetId", "?")),
        str(raw.get("VpcId") or ""),
        tuple(subnet_networks(raw)),
        str(raw.get("AvailabilityZone") or ""),
    )


class VpcParts:
    """The raw items of the network-layer reads, gathered per VPC (`VpcId` of each item), then parsed
    into one VpcNetwork per VPC asked about. Items of other VPCs are ignored."""

    KINDS = ("subnets", "network_acls", "route_tables", "endpoints", "nat_gateways")

    def __init__(self, vpc_ids: list[str]) -> None:
        self.vpc_ids = vpc_ids
        self.items: dict[str, dict[str, list[Mapping[str, Any]]]] = {
            vpc_id: {kind: [] for kind in self.KINDS} for vpc_id in vpc_ids
        }

    def add(self, kind: str, items: Any) -> None:
        """Gather one page's items of `kind` (one of KINDS) by their VpcId."""
        for item in items or ():
            wanted = self.items.get(str(item.get("VpcId")))
            if wanted is not None:
                wanted[kind].append(item)

    def network(self, vpc_id: str, region: str) -> VpcNetwork:
        """The VpcNetwork of one VPC; what a VPC always has (a network ACL, a route table, a subnet
        once it holds a cluster) and the answers lacked is named in `unread`."""
        items = self.items[vpc_id]
        subnets = (subnet_from_api(raw) for raw in items["subnets"])
        network = VpcNetwork(
            vpc_id=vpc_id,
            region=region,
            subnets={subnet.subnet_id: subnet for subnet in subnets},
            network_acls=tuple(network_acl_from_api(raw) for raw in items["network_acls"]),
            route_tables=tuple(route_table_from_api(raw) for raw in items["route_tables"]),
            endpoints=tuple(vpc_endpoint_from_api(raw) for raw in items["endpoints"]),
            nat_gateways=tuple(nat_gateway_from_api(raw) for raw in items["nat_gateways"]),
        )
        missing = [
            what
            for what, present in (
                ("subnets", network.subnets),
                ("network ACLs", network.network_acls),
                ("route tables", network.route_tables),
            )
            if not present
        ]
        if not missing:
            return network
        unread = (f"no {' or '.join(missing)} of {vpc_id} could be read (the VPC may have been deleted)",)
        return dataclasses.replace(network, unread=unread)
