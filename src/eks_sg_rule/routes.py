"""Routes and the way out to the internet, as the network-path checks judge them.

Pure (no AWS calls). Read by apis (NODE_EGRESS_AWS_APIS).

Semantics (the README states them from here):
- The route table of a subnet is the one explicitly associated with it, else the VPC's main one;
  the route used for a destination range is the longest prefix that covers all of it. A blackhole
  route (its target gone) still wins the match and drops the traffic: a blackhole or no route is a
  failure naming the route table. A route through a transit gateway (tgw-), VPC peering (pcx-),
  virtual private gateway (vgw-), network interface (eni-), instance (i-), carrier or local
  gateway, core network, or a Gateway Load Balancer endpoint (Network Firewall endpoints are such; a
  vpce- target not among the VPC's Interface or Gateway endpoints is taken as one) is "cannot judge:
  … through <id>": never a pass, never a failure.
- Within the VPC the route to another subnet must be `local`; the network ACLs of both subnets pass
  TCP 443 and its return (crossing.judge_crossing).
- The internet: the route for 0.0.0.0/0 (::/0 for ipv6 clusters) goes to an internet gateway (igw-;
  IPv4 nodes then need a public address, which a node group with no running instance cannot show;
  eigw- too for IPv6) or to an available public NAT gateway (IPv4 only; NAT64 is not modelled) whose
  own subnet's route for 0.0.0.0/0 goes to an internet gateway; the address the internet sees is
  the NAT gateway's public IPs, else the nodes' public (IPv4) or own (IPv6) addresses. The node SGs
  allow egress TCP 443 to all of the family (the AWS endpoints' addresses are not known); the node
  subnet's ACL passes 443 out to, and 1024-65535 in from, all of the family; through a NAT gateway
  in another subnet, that subnet's ACL passes 443 in from and 1024-65535 out to the node range, and
  443 out to and 1024-65535 in from all of the family (NAT gateways use source ports 1024-65535).
- SG findings name the SG to change (the node SG as checks would choose it, the endpoint's or the
  control plane's first SG) and carry the `aws ec2 authorize-security-group-…` command.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .crossing import Outcome, Place, judge_acl, judge_crossing, subnet_ranges
from .ip import IPNetwork, Protocol
from .model import Topology
from .nacl import EPHEMERAL
from .network import Endpoint, PortSet, covers, reach
from .requirements import Direction
from .results import Finding
from .sides import WorkerSide, names, worker_owner
from .vpc import Route, RouteTable, VpcNetwork

HTTPS = PortSet.of((443, 443))
INTERNET = "the AWS APIs over the internet"
UNMODELLED = {
    "tgw-": "transit gateway",
    "pcx-": "VPC peering connection",
    "vgw-": "virtual private gateway",
    "eni-": "network interface",
    "i-": "instance",
    "cagw-": "carrier gateway",
    "lgw-": "local gateway",
}


def route_for(table: RouteTable, destination: IPNetwork) -> Route | None:
    """The route of `table` with the longest prefix that covers all of `destination` (any state)."""
    covering = [r for r in table.routes if r.destination is not None and covers(r.destination, destination)]
    return max(covering, key=lambda r: r.destination.prefixlen if r.destination else -1, default=None)


def unmodelled(vpc: VpcNetwork, target: str) -> str | None:
    """What a route target is when the path checks do not model it, else None."""
    for prefix, what in UNMODELLED.items():
        if target.startswith(prefix):
            return what
    if target.startswith("arn:") or "core-network" in target:
        return "core network"
    if target.startswith("vpce-"):
        endpoint = next((e for e in vpc.endpoints if e.endpoint_id == target), None)
        if endpoint is None or endpoint.endpoint_type not in ("Interface", "Gateway"):
            return "Gateway Load Balancer or Network Firewall endpoint"
    if target.startswith(("igw-", "eigw-", "nat-")) or target == "local":
        return None
    return "route target"


def sg_command(direction: Direction, group_id: str, peer: Endpoint, prefix_list_id: str | None = None) -> str:
    """`aws ec2 authorize-security-group-ingress|egress` for TCP 443 with the peer's SG, list or CIDR."""
    if peer.security_group_ids:
        target = f"UserIdGroupPairs=[{{GroupId={sorted(peer.security_group_ids)[0]}}}]"
    elif prefix_list_id:
        target = f"PrefixListIds=[{{PrefixListId={prefix_list_id}}}]"
    elif peer.networks and peer.networks[0].version == 6:
        target = f"Ipv6Ranges=[{{CidrIpv6={peer.networks[0]}}}]"
    else:
        target = f"IpRanges=[{{CidrIp={peer.networks[0] if peer.networks else '0.0.0.0/0'}}}]"
    return (
        f"aws ec2 authorize-security-group-{direction.value} --group-id {group_id} "
        f"--ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,{target}'"
    )


@dataclass
class Exit:
    """A node place's route to the internet: `ok` when one exists (its ACLs and SGs judged apart),
    `unknown` when it could not be judged (noted), else `reason` in words; `sources` the addresses
    the internet sees and `nat_id` the NAT gateway when it translates."""

    ok: bool = False
    unknown: bool = False
    table_id: str = ""
    reason: str = ""
    sources: tuple[IPNetwork, ...] = ()
    nat_id: str = ""


@dataclass
class Hops:
    """The decisions every path to an AWS API is made of, for one topology: route tables, SG
    egress and ingress, crossings inside the VPC. Fills `outcome`."""

    topology: Topology
    vpc: VpcNetwork
    outcome: Outcome
    exits: dict[tuple[str, str], Exit] = field(default_factory=dict)

    def table(self, place: Place) -> RouteTable | None:
        table = self.vpc.route_table_of(place.subnet.subnet_id)
        if table is None:
            self.outcome.unjudged(f"no route table known for subnet {place.subnet.subnet_id}")
        else:
            self.outcome.saw(table.route_table_id)
        return table

    def through(self, place: Place, what: str, table: RouteTable, route: Route) -> None:
        kind = unmodelled(self.vpc, route.target) or "route target"
        self.outcome.unjudged(
            f"{place.group} in subnet {place.subnet.subnet_id} reaches {what} (route table {table.route_table_id}) "
            f"through {route.target} ({kind})"
        )

    def egress(
        self,
        place: Place,
        peer: Endpoint,
        what: str,
        prefix_lists: dict[str, tuple[IPNetwork, ...]] | None = None,
        prefix_list_id: str | None = None,
    ) -> None:
        """The node side's SGs allow egress TCP 443 to `peer`."""
        side = place.side
        assert side is not None
        rules = [
            p
            for sg in side.endpoint.security_group_ids
            if (g := self.topology.security_groups.get(sg))
            for p in g.egress
        ]
        lists = prefix_lists if prefix_lists is not None else self.topology.prefix_lists
        if reach(rules, peer, lists).tcp.contains(443):
            return
        unread = sorted(sg for sg in side.endpoint.security_group_ids if sg not in self.topology.security_groups)
        if unread:
            self.outcome.unjudged(f"could not read {names(unread)} of {side.label} (egress to {what})")
            return
        owner = worker_owner(self.topology, side)
        message = f"{side.label} cannot send TCP 443 to {what}; allow egress from {owner}"
        self.outcome.fail(Finding(owner, message, change=sg_command(Direction.EGRESS, owner, peer, prefix_list_id)))

    def admits(self, side: WorkerSide, sg_ids: tuple[str, ...], owner: str, what: str, component: str | None) -> None:
        """The SGs `sg_ids` (the control plane's, an endpoint's) admit TCP 443 from the node side."""
        rules = [p for sg in sg_ids if (g := self.topology.security_groups.get(sg)) for p in g.ingress]
        if reach(rules, side.endpoint, self.topology.prefix_lists).tcp.contains(443):
            return
        unread = sorted(sg for sg in sg_ids if sg not in self.topology.security_groups)
        if unread or not owner:
            self.outcome.unjudged(f"could not read {names(unread) or 'the SGs'} of {what}")
            return
        source = Endpoint(side.label, frozenset([worker_owner(self.topology, side)]))
        message = f"{what} ({names(sg_ids)}) does not admit TCP 443 from {side.label}; allow ingress on {owner}"
        change = sg_command(Direction.INGRESS, owner, source)
        self.outcome.fail(Finding(owner, message, component_id=component, change=change))

    def inside(self, place: Place, destinations: list[Place], what: str) -> list[str]:
        """Routes (local) and network ACLs (443 and its return) from a node place to places in the VPC."""
        table = self.table(place)
        acl_ids: list[str] = []
        for destination in destinations:
            if destination.subnet.subnet_id == place.subnet.subnet_id:
                continue
            for network in destination.ranges:
                route = route_for(table, network) if table else None
                if table and route is not None and route.target != "local":
                    self.through(place, what, table, route)
            acl_ids += judge_crossing(self.outcome, self.vpc, place, destination, Protocol.TCP, HTTPS, what) or []
        return acl_ids


class InternetPaths(Hops):
    """The way out of a node place to the internet (see the module's semantics), judged once per place."""

    def internet(self, place: Place) -> Exit:
        """The place's route to the internet, judged once (routes, NAT gateway, ACLs, SG egress)."""
        key = (place.subnet.subnet_id, place.label + str(place.ranges))
        if key not in self.exits:
            self.exits[key] = self._internet(place)
        return self.exits[key]

    def _internet(self, place: Place) -> Exit:
        anywhere = self.topology.cluster.anywhere
        table = self.table(place)
        if table is None:
            return Exit(unknown=True)
        rtb = table.route_table_id
        route = route_for(table, anywhere)
        if route is None:
            return Exit(table_id=rtb, reason=f"route table {rtb} has no route for {anywhere}")
        if not route.active:
            return Exit(table_id=rtb, reason=f"route table {rtb} sends {anywhere} to {route.target}, a blackhole route")
        target = route.target
        if target.startswith("nat-") and anywhere.version == 4:
            return self._nat(place, table, target)
        if target.startswith("igw-") or (target.startswith("eigw-") and anywhere.version == 6):
            sources = place.ranges if anywhere.version == 6 else self._public_addresses(place)
            if sources is None:
                return Exit(unknown=True)
            if not sources:
                reason = f"route table {rtb} sends {anywhere} to {target}, but {place.group} has no public IPv4 address"
                return Exit(table_id=rtb, reason=reason)
            self._leave(place, [])
            return Exit(ok=True, table_id=rtb, sources=sources)
        self.through(place, "the internet", table, route)
        return Exit(unknown=True)

    def _public_addresses(self, place: Place) -> tuple[IPNetwork, ...] | None:
        """The public IPv4 addresses of the side's nodes in the place's subnet; () when one lacks it;
        None (noted) for a node group with no running instance."""
        side = place.side
        assert side is not None
        if side.group.from_template:
            self.outcome.unjudged(
                f"{place.group} runs no instance: whether its nodes get a public IPv4 address is unknown"
            )
            return None
        found: list[IPNetwork] = []
        for node in side.group.nodes:
            if node.security_group_ids != side.endpoint.security_group_ids:
                continue
            if not any(covers(n, a) for a in node.networks for n in place.subnet.networks):
                continue
            if not node.public_networks:
                return ()
            found.extend(node.public_networks)
        return tuple(found)

    def _nat(self, place: Place, table: RouteTable, nat_id: str) -> Exit:
        anywhere = self.topology.cluster.anywhere
        rtb = table.route_table_id
        self.outcome.saw(nat_id)
        nat = next((n for n in self.vpc.nat_gateways if n.nat_gateway_id == nat_id), None)
        if nat is None:
            self.outcome.unjudged(f"NAT gateway {nat_id} (route table {rtb}) was not read")
            return Exit(unknown=True)
        if nat.state != "available":
            return Exit(
                table_id=nat_id,
                reason=f"route table {rtb} sends {anywhere} to NAT gateway {nat_id}, which is {nat.state}",
            )
        if not nat.public:
            self.outcome.unjudged(
                f"{place.group} reaches the internet (route table {rtb}) through {nat_id} (private NAT gateway)"
            )
            return Exit(unknown=True)
        subnet = self.vpc.subnets.get(nat.subnet_id)
        nat_table = self.vpc.route_table_of(nat.subnet_id)
        if subnet is None or nat_table is None:
            self.outcome.unjudged(f"the subnet {nat.subnet_id} of NAT gateway {nat_id} or its route table was not read")
            return Exit(unknown=True)
        self.outcome.saw(nat_table.route_table_id)
        route = route_for(nat_table, anywhere)
        if route is not None and route.active and unmodelled(self.vpc, route.target):
            nat_place = Place(subnet, (), f"NAT gateway {nat_id}", f"NAT gateway {nat_id}")
            self.through(nat_place, "the internet", nat_table, route)
            return Exit(unknown=True)
        if route is None or not route.active or not route.target.startswith("igw-"):
            sent = "no route" if route is None else f"{route.target}{'' if route.active else ' (blackhole)'}"
            reason = (
                f"NAT gateway {nat_id} in subnet {nat.subnet_id}: route table {nat_table.route_table_id} "
                f"sends {anywhere} to {sent}, not an internet gateway"
            )
            return Exit(table_id=nat_table.route_table_id, reason=reason)
        nat_place = Place(
            subnet,
            subnet_ranges(self.topology, subnet),
            f"NAT gateway {nat_id}",
            f"NAT gateway {nat_id} for {place.group}",
        )
        self._leave(place, [nat_place])
        return Exit(ok=True, table_id=rtb, sources=nat.public_ips, nat_id=nat_id)

    def _leave(self, place: Place, nat: list[Place]) -> None:
        """SG egress and network ACLs of the way out: node subnet (443 out to and 1024-65535 in from all of
        the family) and, through a NAT gateway in another subnet, its subnet both legs both ways."""
        anywhere = (self.topology.cluster.anywhere,)
        self.egress(place, Endpoint(str(anywhere[0]), frozenset(), anywhere), f"{anywhere[0]} ({INTERNET})")
        hops = [(place, anywhere)]
        for nat_place in nat:
            hops.append((nat_place, anywhere))
            if nat_place.subnet.subnet_id != place.subnet.subnet_id:
                inward = place.ranges
                judge_acl(self.outcome, self.vpc, nat_place, False, Protocol.TCP, HTTPS, inward, INTERNET, place.ranges)
                judge_acl(
                    self.outcome,
                    self.vpc,
                    nat_place,
                    True,
                    Protocol.TCP,
                    EPHEMERAL,
                    inward,
                    INTERNET + " return traffic",
                    place.ranges,
                )
        for hop, peers in hops:
            judge_acl(self.outcome, self.vpc, hop, True, Protocol.TCP, HTTPS, peers, INTERNET, peers)
            judge_acl(
                self.outcome, self.vpc, hop, False, Protocol.TCP, EPHEMERAL, peers, INTERNET + " return traffic", peers
            )
