"""Network ACL semantics (pure): which part of a flow one subnet's network ACL lets through.

Follows the Amazon VPC User Guide, "Control subnet traffic with network access control lists"
(https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html) and its "Network ACL rules"
page (.../nacl-rules.html), and the EC2 API's NetworkAclEntry:
- an ACL has separate inbound (ingress) and outbound (egress) rules; a packet is judged by the rules
  of its direction only, in increasing rule number, and the first rule that matches decides
  (allow or deny), whatever higher-numbered rules say;
- the last rule, `*` (EC2 reports it as RuleNumber 32767), denies whatever no numbered rule matched;
- a rule matches an address only of its own family: CidrBlock holds IPv4, Ipv6CidrBlock IPv6;
- protocol -1 matches every protocol and port; a TCP or UDP rule carries a PortRange (inclusive);
  a rule of any other protocol (ICMP, ICMPv6, a number) never matches TCP or UDP traffic;
- ACLs are stateless: a response needs its own rule, on the ephemeral ports of the requester; AWS's
  guidance (.../nacl-ephemeral-ports.html) is to allow 1024-65535 to cover every client (EPHEMERAL).

A question is asked of a whole product at once: a set of ports times a range of peer addresses (a
network: a subnet, a node group's CIDR, anywhere). It is answered exactly, not by sampling: what is
not yet matched is kept as (protocol, network, port set) pieces, and every rule in order cuts its
own piece out of them; the parts a deny rule (or the `*` rule) takes are blocked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .ip import IPNetwork, Protocol
from .network import PortSet
from .vpc import DEFAULT_RULE_NUMBER, AclEntry, NetworkAcl

# The range AWS's guidance opens for responses to clients of any operating system (nacl-ephemeral-ports).
EPHEMERAL = PortSet.of((1024, 65535))

# "All traffic" split into classes an entry either matches whole or not at all. OTHER stands for
# every protocol the model keeps by no name (GRE, ESP, …): an entry of one such protocol never
# covers the whole class.
_CLASSES = (Protocol.TCP, Protocol.UDP, Protocol.ICMP, Protocol.ICMPV6, Protocol.OTHER)
# Protocols whose rules carry a PortRange; other protocols' pieces carry every port as a stand-in.
_PORTED = frozenset({Protocol.TCP, Protocol.UDP})


@dataclass(frozen=True, slots=True)
class AclBlock:
    """The first rule of network ACL `acl_id` that denies a part of a queried flow.

    `rule_number`: the rule's number, DEFAULT_RULE_NUMBER (32767) for the `*` rule; `egress`: the
    direction judged (True outbound); `protocol`: the protocol of the blocked part (the query's own
    protocol, or for a query of all traffic Protocol.ALL when the rule blocks every protocol of
    `ports` x `peer`, else the first protocol it blocks, in the order TCP, UDP, ICMP, ICMPv6, other);
    `ports`: ports blocked (inclusive; every port for protocols without ports); `peer`: one network
    within the queried peer range, every address of which is blocked on every port of `ports`.
    """

    acl_id: str
    rule_number: int
    egress: bool
    protocol: Protocol
    ports: PortSet
    peer: IPNetwork

    @property
    def is_default_rule(self) -> bool:
        """Whether the `*` rule blocks (nothing numbered matched the part)."""
        return self.rule_number == DEFAULT_RULE_NUMBER


@dataclass(frozen=True, slots=True)
class _Piece:
    """A rectangle of traffic: one protocol class, one network, a set of ports."""

    protocol: Protocol
    network: IPNetwork
    ports: PortSet


def _class_order(piece: _Piece) -> tuple[int, int, int]:
    return (_CLASSES.index(piece.protocol), int(piece.network.network_address), piece.network.prefixlen)


def _entry_ports(entry: AclEntry) -> PortSet:
    """The ports an entry matches within its protocol: its PortRange for TCP/UDP, else all."""
    if entry.protocol in _PORTED and entry.from_port is not None and entry.to_port is not None:
        return PortSet.of((entry.from_port, entry.to_port))
    return PortSet.all_ports()


def _common(network: IPNetwork, cidr: IPNetwork) -> IPNetwork | None:
    """The intersection of two networks (CIDRs are nested or disjoint), None when empty or of another family."""
    if network.version != cidr.version:
        return None
    if network.subnet_of(cidr):  # type: ignore[arg-type]
        return network
    if cidr.subnet_of(network):  # type: ignore[arg-type]
        return cidr
    return None


def _without(network: IPNetwork, inner: IPNetwork) -> list[IPNetwork]:
    """`network` minus `inner` (a subnet of it), as CIDRs."""
    if network == inner:
        return []
    return list(network.address_exclude(inner))  # type: ignore[arg-type]


def _cut(piece: _Piece, entry: AclEntry) -> tuple[_Piece | None, list[_Piece]]:
    """The part of `piece` the entry matches (None if nothing) and what stays unmatched."""
    if entry.protocol is not Protocol.ALL and entry.protocol is not piece.protocol:
        return None, [piece]
    common = _common(piece.network, entry.cidr)
    if common is None:
        return None, [piece]
    entry_ports = _entry_ports(entry)
    matched_ports = piece.ports.intersection(entry_ports)
    if not matched_ports:
        return None, [piece]
    matched = _Piece(piece.protocol, common, matched_ports)
    if entry.protocol is Protocol.OTHER:
        # One protocol number among the class's many: the rest of the class goes on to later rules.
        return matched, [piece]
    rest = [_Piece(piece.protocol, network, piece.ports) for network in _without(piece.network, common)]
    left_ports = piece.ports.difference(entry_ports)
    if left_ports:
        rest.append(_Piece(piece.protocol, common, left_ports))
    return matched, rest


def _normalize(pieces: Iterable[_Piece]) -> list[_Piece]:
    """Merge pieces of one protocol and port set into as few networks as possible, in a stable order."""
    groups: dict[tuple[Protocol, PortSet], list[IPNetwork]] = {}
    for piece in pieces:
        groups.setdefault((piece.protocol, piece.ports), []).append(piece.network)
    merged = [
        _Piece(protocol, network, ports)
        for (protocol, ports), networks in groups.items()
        for network in ipaddress.collapse_addresses(networks)  # type: ignore[type-var]
    ]
    return sorted(merged, key=_class_order)


def _direction(acl: NetworkAcl, egress: bool, version: int) -> list[AclEntry]:
    """The entries of one direction and address family, in the order AWS evaluates them."""
    entries = (entry for entry in acl.entries if entry.egress == egress and entry.cidr.version == version)
    return sorted(entries, key=lambda entry: entry.rule_number)


def _decisions(acl: NetworkAcl, egress: bool, pieces: list[_Piece]) -> Iterator[tuple[int, bool, list[_Piece]]]:
    """(rule number, allow, the pieces that rule decides) in rule order, each piece decided once.

    What no entry matched is decided last by the `*` rule (deny, DEFAULT_RULE_NUMBER), whether or
    not the ACL's entries list it.
    """
    remainder = _normalize(pieces)
    if not remainder:
        return
    for entry in _direction(acl, egress, remainder[0].network.version):
        matched: list[_Piece] = []
        rest: list[_Piece] = []
        for piece in remainder:
            hit, left = _cut(piece, entry)
            if hit is not None:
                matched.append(hit)
            rest.extend(left)
        remainder = _normalize(rest)
        if matched:
            yield entry.rule_number, entry.allow, _normalize(matched)
        if not remainder:
            return
    yield DEFAULT_RULE_NUMBER, False, remainder


def _query(protocol: Protocol, ports: PortSet, peer: IPNetwork) -> list[_Piece]:
    if protocol is Protocol.OTHER:
        raise ValueError("a network ACL query names its protocol (tcp, udp, icmp, icmpv6) or all traffic (-1)")
    classes = _CLASSES if protocol is Protocol.ALL else (protocol,)
    pieces = [_Piece(c, peer, ports if c in _PORTED else PortSet.all_ports()) for c in classes]
    return [piece for piece in pieces if piece.ports]


def _covered(network: IPNetwork, networks: Iterable[IPNetwork]) -> bool:
    """Whether the union of `networks` holds every address of `network`."""
    left = [network]
    for cut in networks:
        next_left: list[IPNetwork] = []
        for part in left:
            common = _common(part, cut)
            next_left.extend([part] if common is None else _without(part, common))
        left = next_left
    return not left


def _widest(pieces: list[_Piece], protocol: Protocol, ports: PortSet) -> list[IPNetwork]:
    """The networks of `protocol` pieces that hold every port of `ports`."""
    return [p.network for p in pieces if p.protocol is protocol and not ports.difference(p.ports)]


def _report(pieces: list[_Piece], query: Protocol) -> tuple[Protocol, PortSet, IPNetwork]:
    """One (protocol, ports, network) every point of which the pieces (one rule's denials) hold.

    The first protocol's largest piece, widened to the largest network whose addresses are all
    denied on the same ports; for a query of all traffic, Protocol.ALL when every class is denied there.
    """
    first = pieces[0].protocol
    best = min((p for p in pieces if p.protocol is first), key=lambda p: (p.network.prefixlen, _class_order(p)))
    collapsed = ipaddress.collapse_addresses(_widest(pieces, first, best.ports))  # type: ignore[type-var]
    network: IPNetwork = next(n for n in collapsed if best.network.subnet_of(n))  # type: ignore[arg-type]
    if query is Protocol.ALL and all(_covered(network, _widest(pieces, c, best.ports)) for c in _CLASSES):
        return Protocol.ALL, best.ports, network
    return first, best.ports, network


def blocked(acl: NetworkAcl, egress: bool, protocol: Protocol, ports: PortSet, peer: IPNetwork) -> AclBlock | None:
    """The first rule of `acl` that denies a part of `protocol` on `ports` to/from `peer`, or None.

    `egress`: True judges the outbound rules (traffic leaving the subnet towards `peer`), False the
    inbound ones (traffic from `peer` entering the subnet). `ports`: destination ports (inclusive),
    ignored for protocols without ports (ICMP, ICMPv6). `protocol` Protocol.ALL asks for all traffic:
    every protocol, with TCP and UDP on `ports`; only entries of protocol -1 match all of it, so a
    TCP-only allow leaves UDP, ICMP and the rest to later rules. `peer`: an IPv4 or IPv6 network;
    only entries of its family count (an IPv4 peer meets no Ipv6CidrBlock entry).

    Returns None when every (protocol, port, address) of the query is allowed by the first matching
    rule; else an AclBlock for the lowest-numbered rule that denies a non-empty part (the `*` rule,
    DEFAULT_RULE_NUMBER, when no numbered rule matched that part), with the ports and one network of
    addresses it blocks. An empty `ports` (TCP/UDP) asks for nothing and returns None.

    Raises ValueError for Protocol.OTHER (the model keeps no protocol number to judge by).
    Entries of a protocol the model keeps only as OTHER are each taken as a protocol of their own:
    a deny of one blocks a part of all traffic, an allow of one never allows all of it.
    """
    pieces = _query(protocol, ports, peer)
    for rule_number, allow, decided in _decisions(acl, egress, pieces):
        if not allow:
            blocked_protocol, blocked_ports, network = _report(decided, protocol)
            return AclBlock(acl.acl_id, rule_number, egress, blocked_protocol, blocked_ports, network)
    return None


def allows_some(acl: NetworkAcl, egress: bool, peer: IPNetwork) -> bool:
    """Whether, for every address of `peer`, some traffic (of some protocol, on some port) is allowed.

    The network ACL side of the "any traffic" rows (e.g. node to node, "any protocol you expect your
    worker nodes to use"): an address no allow rule reaches before a deny (or the `*` rule) fails it.
    `egress` as for `blocked`; only entries of `peer`'s address family count.
    """
    pieces = _query(Protocol.ALL, PortSet.all_ports(), peer)
    allowed = [p.network for _, allow, decided in _decisions(acl, egress, pieces) if allow for p in decided]
    return _covered(peer, allowed)
