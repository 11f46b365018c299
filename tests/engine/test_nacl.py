"""Network ACL semantics on their own (issue 17): rule order, first match, the `*` rule, address
families, protocols, the ephemeral return range, and property tests against a point-by-point reference.

The semantics follow the Amazon VPC User Guide's network ACL pages (vpc-network-acls, nacl-rules,
default-network-acl, custom-network-acl, nacl-ephemeral-ports): rules of one direction in increasing
number, the first that matches decides, `*` (32767) denies the rest; an entry meets only addresses of
its own family; protocol -1 is everything.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eks_sg_rule import nacl
from eks_sg_rule.ip import IPNetwork, Protocol, parse_protocol
from eks_sg_rule.nacl import EPHEMERAL, AclBlock, allows_some, blocked
from eks_sg_rule.network import PortSet
from eks_sg_rule.vpc import DEFAULT_RULE_NUMBER, AclEntry, NetworkAcl

# -- a tiny builder ---------------------------------------------------------------------------------


def rule(
    number: int,
    action: str,
    protocol: str,
    cidr: str,
    ports: tuple[int, int] | None = None,
    *,
    egress: bool = False,
) -> AclEntry:
    """One entry as DescribeNetworkAcls gives it: Protocol "-1", "6", "17", "1", … parsed like the product."""
    low, high = ports if ports is not None else (None, None)
    return AclEntry(number, egress, action == "allow", parse_protocol(protocol), net(cidr), low, high)


def star(*, egress: bool = False, ipv6: bool = False) -> AclEntry:
    """The `*` rule as EC2 reports it: RuleNumber 32767, deny, all protocols, every address of a family."""
    return rule(DEFAULT_RULE_NUMBER, "deny", "-1", "::/0" if ipv6 else "0.0.0.0/0", egress=egress)


def acl(*entries: AclEntry, with_star: bool = True) -> NetworkAcl:
    stars = (star(), star(egress=True), star(ipv6=True), star(egress=True, ipv6=True)) if with_star else ()
    return NetworkAcl("acl-0123", "vpc-1", False, (*entries, *stars))


def net(cidr: str) -> IPNetwork:
    return ipaddress.ip_network(cidr)


def ports(low: int, high: int | None = None) -> PortSet:
    return PortSet.of((low, low if high is None else high))


NODES = net("10.0.16.0/20")
KUBELET = ports(10250)


# -- plain cases --------------------------------------------------------------------------------------


def test_the_lowest_number_decides_whatever_order_the_entries_come_in() -> None:
    entries = acl(rule(200, "allow", "-1", "0.0.0.0/0"), rule(90, "deny", "6", "10.0.0.0/8", (10250, 10250)))
    assert blocked(entries, False, Protocol.TCP, KUBELET, NODES) == AclBlock(
        "acl-0123", 90, False, Protocol.TCP, KUBELET, NODES
    )


def test_deny_before_allow_blocks_and_allow_before_deny_passes() -> None:
    deny_first = acl(rule(90, "deny", "6", "10.0.0.0/16", (10250, 10250)), rule(100, "allow", "-1", "0.0.0.0/0"))
    allow_first = acl(rule(90, "allow", "6", "10.0.0.0/16", (10250, 10250)), rule(100, "deny", "-1", "0.0.0.0/0"))
    found = blocked(deny_first, False, Protocol.TCP, KUBELET, NODES)
    assert found is not None and found.rule_number == 90 and not found.is_default_rule
    assert blocked(allow_first, False, Protocol.TCP, KUBELET, NODES) is None


def test_a_deny_covering_part_of_the_peer_blocks_that_part() -> None:
    entries = acl(rule(90, "deny", "-1", "10.0.17.0/24"), rule(100, "allow", "-1", "0.0.0.0/0"))
    assert blocked(entries, False, Protocol.TCP, KUBELET, NODES) == AclBlock(
        "acl-0123", 90, False, Protocol.TCP, KUBELET, net("10.0.17.0/24")
    )
    assert blocked(entries, False, Protocol.TCP, KUBELET, net("10.0.18.0/24")) is None


def test_an_earlier_allow_removes_its_part_before_a_wider_deny() -> None:
    # 10.0.0.0/25 may use 1024-2000; the rest of the /24, and the other ports, meet the deny at 200.
    entries = acl(rule(100, "allow", "6", "10.0.0.0/25", (1024, 2000)), rule(200, "deny", "-1", "10.0.0.0/24"))
    assert blocked(entries, False, Protocol.TCP, ports(1500, 1600), net("10.0.0.0/25")) is None
    found = blocked(entries, False, Protocol.TCP, EPHEMERAL, net("10.0.0.0/24"))
    # The blocked part is reported whole: ports 2001-65535 from every address, widened over the pieces.
    assert found == AclBlock("acl-0123", 200, False, Protocol.TCP, ports(2001, 65535), net("10.0.0.0/24"))


def test_a_deny_covering_part_of_the_ports_blocks_those_ports() -> None:
    entries = acl(rule(90, "deny", "6", "0.0.0.0/0", (1024, 2047)), rule(100, "allow", "-1", "0.0.0.0/0"))
    found = blocked(entries, False, Protocol.TCP, EPHEMERAL, NODES)
    assert found == AclBlock("acl-0123", 90, False, Protocol.TCP, ports(1024, 2047), NODES)


def test_outbound_is_judged_by_outbound_rules_only() -> None:
    entries = acl(rule(100, "allow", "-1", "0.0.0.0/0"))
    found = blocked(entries, True, Protocol.TCP, KUBELET, NODES)
    assert found == AclBlock("acl-0123", DEFAULT_RULE_NUMBER, True, Protocol.TCP, KUBELET, NODES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (ports(10250), None),
        (ports(10249), ports(10249)),
        (ports(10251), ports(10251)),
        (ports(10249, 10251), PortSet.of((10249, 10249), (10251, 10251))),
    ],
)
def test_port_ranges_are_inclusive_at_both_edges(query: PortSet, expected: PortSet | None) -> None:
    entries = acl(rule(100, "allow", "6", "0.0.0.0/0", (10250, 10250)))
    found = blocked(entries, False, Protocol.TCP, query, NODES)
    assert (found.ports if found else None) == expected
    assert found is None or found.rule_number == DEFAULT_RULE_NUMBER


def test_the_default_rule_denies_what_nothing_matched_even_when_not_listed() -> None:
    for entries in (acl(), acl(with_star=False)):
        found = blocked(entries, False, Protocol.UDP, ports(53), NODES)
        assert found is not None and found.is_default_rule and found.rule_number == 32767
        assert (found.protocol, found.ports, found.peer) == (Protocol.UDP, ports(53), NODES)


def test_ipv6_entries_never_match_an_ipv4_peer_and_ipv4_entries_never_an_ipv6_peer() -> None:
    ipv6_only = acl(rule(100, "allow", "-1", "::/0"))
    ipv4_only = acl(rule(100, "allow", "-1", "0.0.0.0/0"))
    v6_peer = net("2600:1f14:abc:1000::/56")
    assert blocked(ipv6_only, False, Protocol.TCP, KUBELET, v6_peer) is None
    found = blocked(ipv6_only, False, Protocol.TCP, KUBELET, NODES)
    assert found is not None and found.is_default_rule
    assert blocked(ipv4_only, False, Protocol.TCP, KUBELET, NODES) is None
    found = blocked(ipv4_only, False, Protocol.TCP, KUBELET, v6_peer)
    assert found is not None and found.is_default_rule and found.peer == v6_peer
    assert allows_some(ipv4_only, False, NODES) and not allows_some(ipv4_only, False, v6_peer)


@pytest.mark.parametrize(
    ("protocol", "tcp_passes", "udp_passes"),
    [("-1", True, True), ("6", True, False), ("tcp", True, False), ("17", False, True), ("1", False, False)],
)
def test_protocol_numbers_and_all(protocol: str, tcp_passes: bool, udp_passes: bool) -> None:
    has_ports = parse_protocol(protocol) in (Protocol.TCP, Protocol.UDP)
    entries = acl(rule(100, "allow", protocol, "0.0.0.0/0", (0, 65535) if has_ports else None))
    assert (blocked(entries, False, Protocol.TCP, KUBELET, NODES) is None) is tcp_passes
    assert (blocked(entries, False, Protocol.UDP, ports(53), NODES) is None) is udp_passes


def test_an_icmp_entry_never_matches_tcp_but_decides_icmp() -> None:
    entries = acl(rule(50, "deny", "1", "0.0.0.0/0"), rule(100, "allow", "-1", "0.0.0.0/0"))
    assert blocked(entries, False, Protocol.TCP, KUBELET, NODES) is None
    found = blocked(entries, False, Protocol.ICMP, PortSet(), NODES)  # ICMP has no ports: the query's are ignored
    assert found is not None and (found.rule_number, found.ports) == (50, PortSet.all_ports())


def test_all_traffic_needs_protocol_minus_one_entries() -> None:
    tcp_only = acl(rule(100, "allow", "6", "0.0.0.0/0", (0, 65535)))
    found = blocked(tcp_only, False, Protocol.ALL, PortSet.all_ports(), NODES)
    # TCP is allowed; UDP (and everything else) goes on to the `*` rule.
    assert found is not None and (found.rule_number, found.protocol) == (DEFAULT_RULE_NUMBER, Protocol.UDP)
    assert blocked(acl(rule(100, "allow", "-1", "0.0.0.0/0")), False, Protocol.ALL, PortSet.all_ports(), NODES) is None
    found = blocked(acl(), False, Protocol.ALL, PortSet.all_ports(), NODES)
    assert found == AclBlock("acl-0123", DEFAULT_RULE_NUMBER, False, Protocol.ALL, PortSet.all_ports(), NODES)


def test_an_entry_of_another_protocol_number_denies_only_part_of_all_traffic() -> None:
    gre_denied = acl(rule(50, "deny", "47", "0.0.0.0/0"), rule(100, "allow", "-1", "0.0.0.0/0"))
    found = blocked(gre_denied, False, Protocol.ALL, PortSet.all_ports(), NODES)
    assert found is not None and (found.rule_number, found.protocol) == (50, Protocol.OTHER)
    assert blocked(gre_denied, False, Protocol.TCP, EPHEMERAL, NODES) is None
    gre_allowed = acl(rule(50, "allow", "47", "0.0.0.0/0"))
    found = blocked(gre_allowed, False, Protocol.ALL, PortSet.all_ports(), NODES)
    assert found is not None and found.is_default_rule  # one protocol never allows all traffic
    assert allows_some(gre_allowed, False, NODES)  # ... but it is some traffic


def test_numbered_protocols_leave_the_other_numbers_to_later_rules() -> None:
    # Allowing TCP, UDP, ICMP, ICMPv6 and GRE (47) one by one is not all traffic: ESP (50) and the
    # rest meet the `*` rule.
    named = acl(*(rule(10 * n, "allow", p, "0.0.0.0/0") for n, p in enumerate(["6", "17", "1", "58", "47"], 1)))
    found = blocked(named, False, Protocol.ALL, PortSet.all_ports(), NODES)
    assert found is not None and (found.rule_number, found.protocol) == (DEFAULT_RULE_NUMBER, Protocol.OTHER)


def test_a_query_of_no_ports_asks_nothing_and_an_unnamed_protocol_is_refused() -> None:
    assert blocked(acl(), False, Protocol.TCP, PortSet(), NODES) is None
    with pytest.raises(ValueError, match="names its protocol"):
        blocked(acl(), False, Protocol.OTHER, EPHEMERAL, NODES)


# -- stateless: the response needs its own rule on the ephemeral range -----------------------------


def test_ephemeral_range_is_aws_guidance_1024_to_65535() -> None:
    assert PortSet.of((1024, 65535)) == EPHEMERAL


def test_responses_need_the_whole_ephemeral_range_outbound() -> None:
    # The nodes' subnet: kubelet requests come in from the control plane; the responses go out to
    # the control plane's ephemeral ports. An ACL opening only what "many Linux kernels" use
    # (32768-61000, nacl-ephemeral-ports) leaves the rest of 1024-65535 (a NAT gateway, ELB, Lambda).
    control_plane = net("10.0.0.0/24")
    entries = acl(
        rule(100, "allow", "6", "10.0.0.0/16", (10250, 10250)),
        rule(100, "allow", "6", "10.0.0.0/16", (32768, 61000), egress=True),
    )
    assert blocked(entries, False, Protocol.TCP, KUBELET, control_plane) is None
    found = blocked(entries, True, Protocol.TCP, EPHEMERAL, control_plane)
    assert found == AclBlock(
        "acl-0123", DEFAULT_RULE_NUMBER, True, Protocol.TCP, PortSet.of((1024, 32767), (61001, 65535)), control_plane
    )
    fixed = acl(*entries.entries, rule(110, "allow", "6", "10.0.0.0/16", (1024, 65535), egress=True), with_star=False)
    assert blocked(fixed, True, Protocol.TCP, EPHEMERAL, control_plane) is None


# -- the ACLs AWS creates -------------------------------------------------------------------------------


def test_a_vpcs_default_acl_allows_everything_both_ways_and_both_families() -> None:
    # default-network-acl: rule 100 allows all IPv4 traffic (101 all IPv6 when the VPC has IPv6), then `*`.
    default = NetworkAcl(
        "acl-default",
        "vpc-1",
        True,
        (
            rule(100, "allow", "-1", "0.0.0.0/0"),
            rule(101, "allow", "-1", "::/0"),
            rule(100, "allow", "-1", "0.0.0.0/0", egress=True),
            rule(101, "allow", "-1", "::/0", egress=True),
            star(),
            star(ipv6=True),
            star(egress=True),
            star(egress=True, ipv6=True),
        ),
    )
    for peer in (NODES, net("0.0.0.0/0"), net("2600:1f14::/56")):
        for egress in (False, True):
            assert blocked(default, egress, Protocol.ALL, PortSet.all_ports(), peer) is None
            assert blocked(default, egress, Protocol.TCP, EPHEMERAL, peer) is None
            assert allows_some(default, egress, peer)


def test_a_new_custom_acl_denies_everything_until_rules_are_added() -> None:
    # custom-network-acl: a new ACL has only the `*` rules, so it denies all traffic both ways.
    custom = acl()
    for egress in (False, True):
        found = blocked(custom, egress, Protocol.TCP, KUBELET, NODES)
        assert found == AclBlock("acl-0123", DEFAULT_RULE_NUMBER, egress, Protocol.TCP, KUBELET, NODES)
        assert not allows_some(custom, egress, NODES)


def test_allows_some_needs_some_traffic_for_every_address() -> None:
    half = acl(rule(100, "allow", "17", "10.0.16.0/21", (53, 53)))
    assert allows_some(half, False, net("10.0.16.0/21"))
    assert not allows_some(half, False, NODES)  # 10.0.24.0/21 meets only the `*` rule
    both = acl(*half.entries, rule(110, "allow", "1", "10.0.24.0/21"), with_star=False)
    assert allows_some(both, False, NODES)
    shadowed = acl(rule(90, "deny", "-1", "10.0.24.0/22"), *both.entries, with_star=False)
    assert not allows_some(shadowed, False, NODES)


# -- properties: `blocked` and `allows_some` against a point-by-point reference ----------------------
#
# A small space: peers of /27-/31 (IPv4) or /123-/127 (IPv6) in one /26 or /122, TCP/UDP ports
# 1020-1030; entries whose CIDRs and port ranges fall on and around it, with entries of the other
# family and direction as noise. The reference decides each (protocol, address, port) by first match.

SPACES = {4: net("10.0.0.0/26"), 6: net("2001:db8::/122")}
OTHER_FAMILY = {4: "::/0", 6: "0.0.0.0/0"}
QUERY_PORTS = range(1020, 1031)
# Every cell of the entries' port ranges (bounds lie in 1018-1032) has a port here.
PROBE_PORTS = (0, *range(1017, 1034), 65535)
PORTLESS = -1  # the one "port" of a protocol without ports
CLASSES = (Protocol.TCP, Protocol.UDP, Protocol.ICMP, Protocol.ICMPV6, Protocol.OTHER)
PORTED = (Protocol.TCP, Protocol.UDP)


def subnet_of_space(space: IPNetwork, prefix: int, index: int) -> IPNetwork:
    """The index-th (modulo their count) network of `prefix` length in the space, or the one holding it."""
    if prefix <= space.prefixlen:
        return space.supernet(new_prefix=prefix)
    size = 2 ** (space.max_prefixlen - prefix)
    index %= 2 ** (prefix - space.prefixlen)
    return ipaddress.ip_network((int(space.network_address) + index * size, prefix))


# One entry as plain numbers (one draw each, cheap to generate and to shrink): rule number, protocol,
# port range low and width, allow, egress, CIDR choice (0: its family's everything, 1: the other family's),
# prefix length relative to the space, and which network of that length.
ENTRY = st.tuples(
    st.integers(0, 59),
    st.sampled_from(["-1", "-1", "6", "6", "17", "1"]),
    st.integers(1018, 1032),
    st.integers(0, 14),
    st.booleans(),
    st.booleans(),
    st.integers(0, 19),
    st.integers(-2, 6),
    st.integers(0, 63),
)


def entry_of(drawn: tuple, version: int, first: int) -> AclEntry:
    number, protocol, low, width, allow, egress, choice, prefix, index = drawn
    space = SPACES[version]
    if choice < 2:
        cidr = ("0.0.0.0/0" if version == 4 else "::/0") if choice == 0 else OTHER_FAMILY[version]
    else:
        cidr = str(subnet_of_space(space, space.prefixlen + prefix, index))
    port_range = (low, min(1032, low + width)) if protocol in ("6", "17") else None
    return rule(first + number, "allow" if allow else "deny", protocol, cidr, port_range, egress=egress)


@st.composite
def cases(draw: st.DrawFn, first: int = 1) -> tuple[NetworkAcl, bool, Protocol, PortSet, IPNetwork]:
    version = draw(st.sampled_from([4, 6]))
    drawn = [entry_of(e, version, first) for e in draw(st.lists(ENTRY, max_size=8))]
    # Rule numbers are unique per direction (EC2 refuses a second entry with the same number).
    unique = list({(e.egress, e.rule_number): e for e in drawn}.values())
    built = acl(*unique, with_star=draw(st.booleans()))
    space = SPACES[version]
    peer = subnet_of_space(space, space.prefixlen + draw(st.integers(1, 5)), draw(st.integers(0, 31)))
    protocol = draw(st.sampled_from([Protocol.TCP, Protocol.UDP, Protocol.ICMP, Protocol.ALL]))
    chosen = draw(st.sets(st.sampled_from(QUERY_PORTS), max_size=len(QUERY_PORTS)))
    return built, draw(st.booleans()), protocol, PortSet.of(*((p, p) for p in chosen)), peer


def decide(entries: NetworkAcl, egress: bool, protocol: Protocol, address: object, port: int) -> tuple[int, bool]:
    """(rule number, allow) of the first matching entry for one packet: the reference semantics."""
    ordered = sorted((e for e in entries.entries if e.egress == egress), key=lambda e: e.rule_number)
    for entry in ordered:
        if entry.cidr.version != getattr(address, "version", None) or address not in entry.cidr:
            continue
        if entry.protocol is not Protocol.ALL and entry.protocol is not protocol:
            continue
        low, high = entry.from_port, entry.to_port
        if port != PORTLESS and low is not None and high is not None and not low <= port <= high:
            continue
        return entry.rule_number, entry.allow
    return DEFAULT_RULE_NUMBER, False


def points(protocol: Protocol, ports: PortSet, peer: IPNetwork) -> list[tuple[Protocol, object, int]]:
    """Every (protocol, address, port) of a query in the small space; a protocol without ports has one, PORTLESS."""
    classes = CLASSES if protocol is Protocol.ALL else (protocol,)
    return [
        (c, address, port)
        for c in classes
        for address in peer
        for port in ([p for p in QUERY_PORTS if ports.contains(p)] if c in PORTED else [PORTLESS])
    ]


def denials(entries: NetworkAcl, egress: bool, protocol: Protocol, ports: PortSet, peer: IPNetwork) -> dict[int, set]:
    denied: dict[int, set] = {}
    for point in points(protocol, ports, peer):
        number, allow = decide(entries, egress, point[0], point[1], point[2])
        if not allow:
            denied.setdefault(number, set()).add(point)
    return denied


@settings(max_examples=150, deadline=None)
@given(cases())
def test_blocked_agrees_with_the_point_by_point_reference(case: tuple) -> None:
    entries, egress, protocol, query_ports, peer = case
    denied = denials(entries, egress, protocol, query_ports, peer)
    found = blocked(entries, egress, protocol, query_ports, peer)
    if not denied:
        assert found is None
        return
    assert found is not None and found.rule_number == min(denied)
    assert (found.acl_id, found.egress) == (entries.acl_id, egress)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_every_point_is_decided_once_by_the_rule_the_reference_names(case: tuple) -> None:
    # The engine under `blocked` and `allows_some`: its pieces partition the query exactly.
    entries, egress, protocol, query_ports, peer = case
    decided: dict[tuple[Protocol, object, int], tuple[int, bool]] = {}
    for number, allow, pieces in nacl._decisions(entries, egress, nacl._query(protocol, query_ports, peer)):
        for piece in pieces:
            for point in points(piece.protocol, piece.ports, piece.network):
                assert point not in decided, point
                decided[point] = (number, allow)
    assert decided == {point: decide(entries, egress, *point) for point in points(protocol, query_ports, peer)}


@settings(max_examples=150, deadline=None)
@given(cases())
def test_the_returned_rule_denies_every_point_of_the_returned_part(case: tuple) -> None:
    entries, egress, protocol, query_ports, peer = case
    found = blocked(entries, egress, protocol, query_ports, peer)
    if found is None:
        return
    assert found.peer.subnet_of(peer)  # type: ignore[arg-type]
    assert found.protocol is protocol or (protocol is Protocol.ALL and found.protocol in (Protocol.ALL, *CLASSES))
    if found.protocol in (*PORTED, Protocol.ALL):
        assert found.ports and not found.ports.difference(query_ports)  # within the query's ports
    else:
        assert found.ports == PortSet.all_ports()  # a protocol without ports: all of it
    part = points(found.protocol, found.ports, found.peer)
    assert part
    for point in part:
        assert decide(entries, egress, *point) == (found.rule_number, False), point


@settings(max_examples=100, deadline=None)
@given(cases())
def test_allows_some_agrees_with_the_reference(case: tuple) -> None:
    entries, egress, _, _, peer = case
    some_port = {c: (PROBE_PORTS if c in PORTED else (PORTLESS,)) for c in CLASSES}
    expected = all(
        any(decide(entries, egress, c, address, port)[1] for c in CLASSES for port in some_port[c]) for address in peer
    )
    assert allows_some(entries, egress, peer) is expected


@settings(max_examples=100, deadline=None)
@given(cases(first=2))
def test_an_allow_all_rule_numbered_below_every_other_allows_everything(case: tuple) -> None:
    entries, egress, protocol, query_ports, peer = case
    everything = "0.0.0.0/0" if peer.version == 4 else "::/0"
    opened = acl(rule(1, "allow", "-1", everything, egress=egress), *entries.entries, with_star=False)
    assert blocked(opened, egress, protocol, query_ports, peer) is None
    assert blocked(opened, egress, Protocol.ALL, PortSet.all_ports(), peer) is None
    assert allows_some(opened, egress, peer)
