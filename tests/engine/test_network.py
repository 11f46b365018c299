"""Port sets and reachability, with properties checked against Python sets."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from eks_sg_rule.model import Permission, Protocol
from eks_sg_rule.network import Endpoint, PortSet, reach
from tests.engine.builders import everything, tcp, udp

NODE = Endpoint("node", frozenset({"sg-node"}), (ipaddress.ip_network("10.0.8.10/32"),))
TWO_NODES = Endpoint(
    "nodes", frozenset({"sg-node"}), tuple(ipaddress.ip_network(a) for a in ("10.0.8.10", "10.0.9.10"))
)

ranges = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted).map(tuple), max_size=6)


def as_set(ports: PortSet) -> set[int]:
    return {port for low, high in ports.intervals for port in range(low, high + 1)}


def raw(pairs: list[tuple[int, int]]) -> set[int]:
    return {port for low, high in pairs for port in range(low, high + 1)}


@given(ranges, ranges)
def test_port_set_algebra_agrees_with_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    left, right = PortSet.of(*a), PortSet.of(*b)
    assert as_set(left) == raw(a)
    assert as_set(left.union(right)) == raw(a) | raw(b)
    assert as_set(left.intersection(right)) == raw(a) & raw(b)
    assert as_set(left.difference(right)) == raw(a) - raw(b)
    # Normal form: sorted, disjoint and not adjacent.
    assert all(low <= high for low, high in left.intervals)
    assert all(a[1] + 1 < b[0] for a, b in zip(left.intervals, left.intervals[1:], strict=False))


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted), max_size=6), st.integers(0, 60))
def test_a_port_is_reached_iff_some_single_matching_rule_allows_it(pairs: list[list[int]], port: int) -> None:
    rules = [tcp(low, high, sgs=["sg-node"]) for low, high in pairs]
    granted = reach(rules, NODE)
    assert granted.tcp.contains(port) == any(low <= port <= high for low, high in pairs)


def test_describe() -> None:
    assert PortSet.of((443, 443), (1025, 65535)).describe() == "443, 1025-65535"
    assert PortSet.of((1025, 10249), (10250, 10250), (10251, 65535)) == PortSet.of((1025, 65535))


def test_group_pairs_match_an_sg_the_peer_carries() -> None:
    assert reach([tcp(443, sgs=["sg-node"])], NODE).tcp.contains(443)
    assert not reach([tcp(443, sgs=["sg-other"])], NODE).tcp.contains(443)


def test_all_traffic_rules_carry_no_ports_and_grant_everything() -> None:
    granted = reach([everything(sgs=["sg-node"])], NODE)
    assert granted.all_traffic and granted.anything
    assert granted.tcp == PortSet.all_ports()
    udp_only = reach([udp(53, 53, sgs=["sg-node"])], NODE)
    assert udp_only.anything and not udp_only.all_traffic and not udp_only.tcp


def test_cidrs_must_cover_every_address_of_the_peer() -> None:
    one = [tcp(10250, cidrs=["10.0.8.0/24"])]
    assert reach(one, NODE).tcp.contains(10250)
    assert not reach(one, TWO_NODES).tcp.contains(10250)
    both = [tcp(10250, cidrs=["10.0.8.0/24"]), tcp(10250, cidrs=["10.0.9.0/24"])]
    assert reach(both, TWO_NODES).tcp.contains(10250)
    # ... and port by port: each address may be covered by a different rule for different ports.
    split = [tcp(10250, cidrs=["10.0.8.0/24"]), tcp(443, cidrs=["10.0.9.0/24"])]
    assert not reach(split, TWO_NODES).tcp


def test_ip_versions_never_cover_each_other() -> None:
    v6_node = Endpoint("v6", frozenset(), (ipaddress.ip_network("2600:1f14::10/128"),))
    assert not reach([tcp(443, cidrs=["0.0.0.0/0"])], v6_node).tcp
    assert reach([tcp(443, cidrs=["::/0"])], v6_node).tcp.contains(443)
    assert not reach([tcp(443, cidrs=["::/0"])], NODE).tcp


def test_a_peer_with_unknown_addresses_is_covered_only_by_everything() -> None:
    unknown = Endpoint("?", frozenset())
    assert not reach([tcp(443, cidrs=["10.0.0.0/8"])], unknown).tcp
    assert reach([tcp(443, cidrs=["0.0.0.0/0"])], unknown).tcp.contains(443)


def test_prefix_lists_cover_through_their_entries() -> None:
    rule = Permission(Protocol.TCP, 443, 443, prefix_list_ids=frozenset({"pl-1"}))
    entries = {"pl-1": (ipaddress.ip_network("10.0.0.0/16"),)}
    assert reach([rule], NODE, entries).tcp.contains(443)
    assert not reach([rule], NODE, {}).tcp
